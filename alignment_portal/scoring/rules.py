"""The domain's rules, each decided once (DOMAIN.md): which statuses count as active, how long a
value stays fresh, what a goal and a contribution weigh.

Django-free on purpose: the pure scoring (pandas), the domain apps' ORM filters (their `Q`
objects are built from these sets, see `goals.models.active_goal_q` and friends) and the
models' properties all read this one module, and it reads nothing of theirs. The values are
the stored strings of the models' choices; `tests/scoring/test_rules.py` checks that every
one of them is a real choice.
"""

from datetime import date, timedelta

# --- Goals and cycles ---------------------------------------------------------------------
# An active goal has an active status in a cycle that is not closed (DOMAIN.md gives a goal
# of a closed cycle weight 0). A priority goal (rank 1-3) weighs most only in the current
# cycle, the one whose state is CURRENT_CYCLE_STATE.
ACTIVE_GOAL_STATUSES = frozenset({"active"})
CLOSED_CYCLE_STATES = frozenset({"closed"})
CURRENT_CYCLE_STATE = "active"

GOAL_WEIGHT_PRIORITY = 1.0  # a priority goal of the current cycle
GOAL_WEIGHT_ACTIVE = 0.7  # any other active goal
GOAL_WEIGHT_INACTIVE = 0.0  # draft, archived, achieved, missed, or in a closed cycle


def goal_is_active(status: str, cycle_state: str | None) -> bool:
    return status in ACTIVE_GOAL_STATUSES and cycle_state not in CLOSED_CYCLE_STATES


def goal_is_priority(status: str, cycle_state: str | None, priority_rank: int | None) -> bool:
    return (goal_is_active(status, cycle_state) and priority_rank is not None
            and cycle_state == CURRENT_CYCLE_STATE)


def goal_weight(status: str, cycle_state: str | None, priority_rank: int | None) -> float:
    if goal_is_priority(status, cycle_state, priority_rank):
        return GOAL_WEIGHT_PRIORITY
    return GOAL_WEIGHT_ACTIVE if goal_is_active(status, cycle_state) else GOAL_WEIGHT_INACTIVE


# --- Initiatives, links and tools ---------------------------------------------------------
# DOMAIN.md: every initiative status but idea and retired is active.
ACTIVE_INITIATIVE_STATUSES = frozenset({"planned", "in_progress", "live", "paused"})
LIVE_INITIATIVE_STATUS = "live"
# "Active tool" is status active; a trial is not yet a bill nor a redundancy.
ACTIVE_TOOL_STATUSES = frozenset({"active"})

# Line of sight: contribution weight × goal weight.
CONTRIBUTION_WEIGHT = {"primary": 1.0, "supporting": 0.5, "indirect": 0.25}


def initiative_is_active(status: str) -> bool:
    return status in ACTIVE_INITIATIVE_STATUSES


def tool_is_active(status: str) -> bool:
    return status in ACTIVE_TOOL_STATUSES


# --- Freshness ----------------------------------------------------------------------------
# A metric is fresh while its latest value is no older than its frequency's window plus a
# grace of half a window.
FREQUENCY_WINDOW_DAYS = {"weekly": 7, "monthly": 31, "quarterly": 92}
FRESHNESS_GRACE_FACTOR = 1.5
# A metric whose frequency is unknown is judged by the monthly window.
DEFAULT_WINDOW_DAYS = FREQUENCY_WINDOW_DAYS["monthly"]


def window_days(frequency: str) -> int:
    return FREQUENCY_WINDOW_DAYS.get(str(frequency), DEFAULT_WINDOW_DAYS)


def freshness_limit_days(frequency: str) -> float:
    """A value older than this many days is stale: the window plus half a window."""
    return window_days(frequency) * FRESHNESS_GRACE_FACTOR


def is_fresh(latest_period: date | None, frequency: str, today: date) -> bool:
    if latest_period is None:
        return False
    return (today - latest_period) <= timedelta(days=freshness_limit_days(frequency))


# --- Feeds ----------------------------------------------------------------------------------
# A feed is failing after this many runs in a row failed (DOMAIN.md: FEED_FAILING); the next
# success resolves it.
FEED_FAILING_RUNS = 2


def feed_is_failing(consecutive_failures: int) -> bool:
    return consecutive_failures >= FEED_FAILING_RUNS


# --- Renewals -------------------------------------------------------------------------------
# DOMAIN.md, "Renewals": RENEWAL_DUE opens when a tool's notice deadline (renewal date − notice
# period) is within RENEWAL_DUE_WITHIN_DAYS; it is high when the tool is also shelfware or uses
# fewer than RENEWAL_LOW_SEAT_SHARE of its paid seats. A trial renews too (into a paid plan);
# a retired tool does not.
RENEWAL_DUE_WITHIN_DAYS = 30
RENEWAL_LOW_SEAT_SHARE = 0.5
RENEWING_TOOL_STATUSES = frozenset({"active", "trial"})
BILLING_PERIOD_MONTHS = {"monthly": 1, "annual": 12}
# The renewal calendar looks this far ahead (the iCalendar feed: RENEWAL_FEED_DAYS).
RENEWAL_CALENDAR_DAYS = 120
RENEWAL_FEED_DAYS = 366


def tool_renews(status: str) -> bool:
    return status in RENEWING_TOOL_STATUSES
