"""Every number of the default scoring model (DOMAIN.md, "Scores", "Maturity ladder", "Flags").

One place, named, so a reader can see the whole model at once and a test can point at the
constant instead of repeating a magic number. Scores and dimensions are on a 0-100 scale;
shares in between are fractions 0-1 unless the name says ``_PCT``. What counts as active or
fresh, and the goal and contribution weights, are rules the domain apps share: rules.py.
"""

from django.utils.translation import gettext_lazy

from alignment_portal.scoring.smart import MIN_DESCRIPTION_WORDS

# --- Initiative alignment score (0-100) = the three parts below, which add up to 100 --------
ALIGNMENT_LINE_OF_SIGHT_POINTS = 60  # × max over links of goal weight × contribution weight
ALIGNMENT_MEASUREMENT_POINTS = 25  # × the measurement factor below
ALIGNMENT_FRESHNESS_POINTS = 15  # × the share of its metrics that are fresh

# Measurement factor of an initiative.
MEASUREMENT_GOAL_OUTCOME = 1.0  # an outcome metric of it is the measure of a goal it serves
MEASUREMENT_OTHER_OUTCOME = 0.5  # an outcome metric, but not the measure of a served goal
MEASUREMENT_ACTIVITY_ONLY = 0.2  # only activity metrics
MEASUREMENT_NONE = 0.0  # no measurement link at all

# --- Vanity evidence -------------------------------------------------------------------------
VANITY_MIN_COMMON_PERIODS = 6  # periods both metrics have a value for
VANITY_CONFIRM_BELOW = 0.3  # correlation of period-to-period changes below this confirms
VANITY_CLEAR_ABOVE = 0.6  # above this clears the flag: the activity moves with the outcome
VANITY_CLEARED_NOTE = "this activity moves with the outcome"

# --- Organization dimensions ------------------------------------------------------------------
# D2 weights each active initiative by monthly cost + one-time cost / this many months, at
# least D2_MIN_INITIATIVE_WEIGHT (so a free initiative still counts).
D2_ONE_TIME_COST_MONTHS = 12
D2_MIN_INITIATIVE_WEIGHT = 1.0
D5_REDUNDANT_CATEGORY_PENALTY = 10  # points off D5 per tool category with redundant tools
REDUNDANT_TOOLS_MIN = 2  # active tools in one category that make it redundant
# "Other" is a catch-all, not a category of like tools: two tools there are not redundant.
REDUNDANCY_IGNORED_CATEGORIES = frozenset({"other"})

# --- Maturity ladder --------------------------------------------------------------------------
RUNG_NAMES = {1: "Ad hoc", 2: "Defined", 3: "Aligned", 4: "Integrated", 5: "Optimizing"}
# The same names as a reader sees them, in the reader's language (RUNG_NAMES is what the
# stored explanation and the exports carry).
RUNG_LABELS = {1: gettext_lazy("Ad hoc"), 2: gettext_lazy("Defined"),
               3: gettext_lazy("Aligned"), 4: gettext_lazy("Integrated"),
               5: gettext_lazy("Optimizing")}
RUNG2_MIN_SMART_GOALS = 1
RUNG2_MIN_D2 = 50
RUNG3_MIN_D1 = 70
RUNG3_MIN_D2 = 80
RUNG3_MIN_D3 = 50
RUNG3_MIN_D4 = 50
RUNG4_MIN_D2 = 90
RUNG4_MIN_D3 = 75
RUNG4_MIN_D4 = 75
RUNG4_MIN_D5 = 60
RUNG4_MIN_FRESH_KVIS = 1
RUNG5_MIN_REVIEWED_CYCLES = 2
RUNG5_MIN_PRIORITY_ON_TRACK_PCT = 70
RUNG5_MAX_MISALIGNED_SPEND_PCT = 10  # strictly below
# The explanation lists at most this many records per unmet condition (the count is exact).
EXPLANATION_MAX_RECORDS = 20

# --- Flags ------------------------------------------------------------------------------------
# A rationale "under a sentence" has fewer words than this (the SMART check's own threshold
# for "at least a sentence").
MIN_RATIONALE_WORDS = MIN_DESCRIPTION_WORDS

HIGH, MEDIUM, LOW = "high", "medium", "low"
SEVERITY_ORDER = {HIGH: 0, MEDIUM: 1, LOW: 2}

# DOMAIN.md fixes only AT_RISK (medium). The rest, decided here: high where money or a
# priority result is being lost now, medium where the plan has a gap that hides whether it
# works, low for hygiene.
FLAG_SEVERITY = {
    "MISALIGNED": HIGH,  # money spent with no line of sight to any active goal
    "DRIFT": MEDIUM,  # its goals are finished; MISALIGNED (high) is raised beside it
    "WEAK_ALIGNMENT": LOW,
    "UNMEASURED": MEDIUM,
    "VANITY_METRICS": MEDIUM,
    "STALE_DATA": MEDIUM,
    "ORPHAN_GOAL": MEDIUM,  # HIGH for a priority goal, see ORPHAN_PRIORITY_GOAL_SEVERITY
    "NOT_SMART": MEDIUM,
    "OFF_TRACK": HIGH,
    "AT_RISK": MEDIUM,
    "BENEFIT_SHORTFALL": MEDIUM,  # DOMAIN.md, "Benefit ledger" (scoring/benefits.py)
    "UNPROVEN_BENEFIT": LOW,  # DOMAIN.md, "Benefit ledger"
    "VANITY_METRIC": LOW,
    "REDUNDANT_TOOLS": LOW,
    "SHELFWARE": MEDIUM,  # a monthly bill for a tool nothing uses
    "TOOL_SPRAWL": LOW,
    "FEED_FAILING": HIGH,  # DOMAIN.md: values that should arrive by themselves have stopped
    "WORSENED": HIGH,  # fixed by DOMAIN.md: an outcome metric worsened after go-live
    "NO_EFFECT": MEDIUM,  # fixed by DOMAIN.md: enough data after go-live, no change either way
    # Fixed by DOMAIN.md: medium; HIGH when the tool is also shelfware or uses fewer than half
    # its paid seats (RENEWAL_DUE_HIGH_SEVERITY, scoring/renewals.py).
    "RENEWAL_DUE": MEDIUM,
}
RENEWAL_DUE_HIGH_SEVERITY = HIGH

ORPHAN_PRIORITY_GOAL_SEVERITY = HIGH
TOOL_SPRAWL_MAX_REDUNDANT_CATEGORIES = 2  # more than this many redundant categories is sprawl
