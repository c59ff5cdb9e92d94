"""The SMART check of a goal (DOMAIN.md, "Goal (SMART)"): pure, no database.

Each criterion passes or fails with a reason a person can act on. The goal form runs it as
you type, the goal page shows it, and the scoring engine uses it for D1 and NOT_SMART.
"""

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

import numpy as np
from django.utils.translation import gettext_lazy, pgettext_lazy

from alignment_portal.lib.formats import local_digits

# A description shorter than this is not "at least a sentence".
MIN_DESCRIPTION_WORDS = 5
MIN_CONFIDENCE = 50
# Achievable warns when the target needs more than this many times the metric's best weekly
# change so far.
ACHIEVABLE_PACE_FACTOR = 3

# Words that say nothing specific on their own: a title made only of these is vague
# ("improve efficiency", "grow sales").
VAGUE_WORDS = frozenset("""
    a an the and or of to for in on our my we be get make do more less better best good great
    improve improving increase increasing grow growing boost optimize optimise enhance
    maximize maximise reduce decrease cut lower raise drive streamline transform leverage
    efficiency efficient productivity performance results growth quality things stuff
    business operations process processes sales revenue profit profits customers success
""".split())

CRITERIA = ("specific", "measurable", "achievable", "relevant", "time_bound")
LABELS = {"specific": pgettext_lazy("SMART", "Specific"),
          "measurable": pgettext_lazy("SMART", "Measurable"),
          "achievable": pgettext_lazy("SMART", "Achievable"),
          "relevant": pgettext_lazy("SMART", "Relevant"),
          "time_bound": pgettext_lazy("SMART", "Time-bound")}

# The reasons and warnings, by code: a criterion keeps the code and the numbers or names the
# sentence needs (`params`), and says it in the reader's language when read (a goal's flag
# stores the same code and params, see scoring/wording.py). Dates are ISO strings in params.
REASONS = {
    "no_title": gettext_lazy("Give the goal a title."),
    "vague_title": gettext_lazy("“%(title)s” is only a vague verb: say what changes, for "
                                "whom, and by how much."),
    "short_description": gettext_lazy("Describe in at least a sentence what exactly changes "
                                      "and for whom."),
    "vague_description": gettext_lazy("The description is only vague words: say what exactly "
                                      "changes, for whom, and by how much."),
    "specific": gettext_lazy("The title and description say what changes."),
    "no_metric": gettext_lazy("Choose the metric that measures this goal."),
    "no_values": gettext_lazy("Enter both a baseline and a target value."),
    "target_is_baseline": gettext_lazy("The target equals the baseline: nothing would change."),
    "measurable": gettext_lazy("A metric with a baseline and a different target."),
    "no_confidence": gettext_lazy("Record how confident you are (0-100 %)."),
    "low_confidence": gettext_lazy("Confidence is %(confidence)s %%: below %(minimum)s %% the "
                                   "goal is a hope, not a plan. Lower the target or give it "
                                   "more time."),
    "achievable": gettext_lazy("Confidence %(confidence)s %%."),
    "fast_pace": gettext_lazy("The target needs %(needed)s per week, more than %(factor)s× the "
                              "best weekly change so far (%(best)s)."),
    "no_why": gettext_lazy("Say why this goal matters to the business."),
    "relevant": gettext_lazy("It matters, and it is a priority, strategic, or serves a parent "
                             "goal."),
    "not_relevant": gettext_lazy("Make it a priority goal, a strategic goal, or link it to a "
                                 "parent goal."),
    "no_dates": gettext_lazy("Set a start date and a due date."),
    "reversed_dates": gettext_lazy("The dates are reversed: due %(due)s is not after the start "
                                   "%(start)s."),
    "too_late": gettext_lazy("Due %(due)s is more than one cycle past this cycle's end; the "
                             "latest is %(latest)s."),
    "time_bound": gettext_lazy("Due %(due)s."),
}
# Params that are numbers written the English way (shown with the reader's decimal sign).
NUMBER_PARAMS = ("needed", "best")


def reason_text(code: str, params: Mapping | None = None) -> str:
    """A reason or warning in the active language ("" for no code)."""
    if not code:
        return ""
    return _filled(str(REASONS[code]), params)


def _filled(template: str, params: Mapping | None) -> str:
    if not params:
        return template
    shown = {name: local_digits(value) if name in NUMBER_PARAMS else value
             for name, value in params.items()}
    return template % shown


class Wording:
    """The labels and reasons in the language active when it is made, each translated
    once: the scoring words every criterion of hundreds of goals, and a gettext call per
    word was most of its time. Says exactly what `Criterion.label`/`reason`/`warning`
    say."""

    def __init__(self):
        self._labels: dict[str, str] = {}
        self._reasons: dict[str, str] = {}

    def label(self, key: str) -> str:
        text = self._labels.get(key)
        if text is None:
            text = self._labels[key] = str(LABELS[key])
        return text

    def reason(self, code: str, params: Mapping | None = None) -> str:
        if not code:
            return ""
        template = self._reasons.get(code)
        if template is None:
            template = self._reasons[code] = str(REASONS[code])
        return _filled(template, params)


@dataclass(frozen=True)
class GoalFacts:
    """What the check reads of a goal, its cycle and its metric's history."""

    title: str = ""
    description: str = ""
    why_it_matters: str = ""
    has_metric: bool = False
    baseline_value: Decimal | float | None = None
    target_value: Decimal | float | None = None
    confidence: int | None = None
    priority_rank: int | None = None
    level: str = ""
    has_parent: bool = False
    start_date: date | None = None
    due_date: date | None = None
    cycle_start: date | None = None
    cycle_end: date | None = None
    # The largest week-on-week change the metric's history shows, in the target's direction
    # (None when the history is too short to say).
    best_weekly_change: float | None = None


def _number(value) -> float | None:
    return None if value is None or value != value else float(value)  # NaN is missing


def _direction(baseline, target) -> int:
    """+1 when the target lies above the baseline, -1 below, 0 when either is missing."""
    if baseline is None or target is None:
        return 0
    baseline, target = Decimal(str(baseline)), Decimal(str(target))
    return 0 if target == baseline else 1 if target > baseline else -1


def facts_from(goal: Mapping, *, cycle_start: date | None, cycle_end: date | None,
               periods=(), values=()) -> GoalFacts:
    """The facts a goal is judged on, from its field values: a saved goal's, a form's (partly
    filled in) or a row of the scoring frame. Keys as the model's fields with `metric_id` and
    `parent_id` (a missing key is an empty field); `periods`/`values` are its metric's
    history, oldest first."""
    baseline, target = goal.get("baseline_value"), goal.get("target_value")
    if isinstance(baseline, float) and baseline != baseline:
        baseline = None
    if isinstance(target, float) and target != target:
        target = None
    rank, confidence = _number(goal.get("priority_rank")), _number(goal.get("confidence"))
    return GoalFacts(
        title=goal.get("title") or "",
        description=goal.get("description") or "",
        why_it_matters=goal.get("why_it_matters") or "",
        has_metric=_number(goal.get("metric_id")) is not None,
        baseline_value=baseline,
        target_value=target,
        confidence=None if confidence is None else int(confidence),
        priority_rank=None if rank is None else int(rank),
        level=goal.get("level") or "",
        has_parent=_number(goal.get("parent_id")) is not None,
        start_date=goal.get("start_date"),
        due_date=goal.get("due_date"),
        cycle_start=cycle_start,
        cycle_end=cycle_end,
        best_weekly_change=best_weekly_change(periods, values, _direction(baseline, target)),
    )


@dataclass(frozen=True)
class Criterion:
    """One criterion's result: `code` names the reason (REASONS), `params` fill it in."""

    key: str
    passed: bool
    code: str
    params: dict = field(default_factory=dict)
    warning_code: str = ""
    warning_params: dict = field(default_factory=dict)

    @property
    def label(self) -> str:
        return str(LABELS[self.key])

    @property
    def reason(self) -> str:
        return reason_text(self.code, self.params)

    @property
    def warning(self) -> str:
        return reason_text(self.warning_code, self.warning_params)

    def wording(self) -> dict:
        """The code and params, JSON-ready (what a NOT_SMART flag stores)."""
        return {"key": self.key, "code": self.code, "params": dict(self.params)}


@dataclass(frozen=True)
class SmartResult:
    criteria: list[Criterion] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.criteria)

    @property
    def failed(self) -> list[Criterion]:
        return [c for c in self.criteria if not c.passed]

    @property
    def warnings(self) -> list[str]:
        return [c.warning for c in self.criteria if c.warning]

    def failed_names(self) -> str:
        return ", ".join(c.label for c in self.failed)


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9%$€£]+", (text or "").lower())


def check_specific(facts: GoalFacts) -> Criterion:
    title_words = _words(facts.title)
    if not title_words:
        return Criterion("specific", False, "no_title")
    if all(word in VAGUE_WORDS for word in title_words):
        return Criterion("specific", False, "vague_title",
                         {"title": facts.title.strip()})
    description_words = _words(facts.description)
    if len(description_words) < MIN_DESCRIPTION_WORDS:
        return Criterion("specific", False, "short_description")
    if all(word in VAGUE_WORDS for word in description_words):
        # "Make things better for customers.": a sentence, but a vague verb on a vague object.
        return Criterion("specific", False, "vague_description")
    return Criterion("specific", True, "specific")


def check_measurable(facts: GoalFacts) -> Criterion:
    if not facts.has_metric:
        return Criterion("measurable", False, "no_metric")
    if facts.baseline_value is None or facts.target_value is None:
        return Criterion("measurable", False, "no_values")
    if Decimal(str(facts.target_value)) == Decimal(str(facts.baseline_value)):
        return Criterion("measurable", False, "target_is_baseline")
    return Criterion("measurable", True, "measurable")


def weeks_between(start: date | None, end: date | None) -> float | None:
    if start is None or end is None or end <= start:
        return None
    return (end - start).days / 7


def best_weekly_change(periods, values, direction: int) -> float | None:
    """The largest change per week between consecutive values (periods ascending), in
    `direction` (+1 when the target lies above the baseline, -1 below): the history's best
    pace, which the Achievable warning compares with the pace the target needs. None when
    the history shows no change that way."""
    if direction == 0 or len(values) < 2:
        return None
    # (b[1:] - b[:-1] is np.diff, without its per-call overhead: a hundred goals a recompute)
    periods, values = np.asarray(periods, dtype="datetime64[D]"), np.asarray(values, dtype=float)
    days = (periods[1:] - periods[:-1]).astype("int64")
    change = direction * (values[1:] - values[:-1])
    later = days > 0
    if not later.any():
        return None
    best = float((change[later] * 7 / days[later]).max())
    return best if best > 0 else None


def check_achievable(facts: GoalFacts) -> Criterion:
    if facts.confidence is None:
        return Criterion("achievable", False, "no_confidence")
    if facts.confidence < MIN_CONFIDENCE:
        return Criterion("achievable", False, "low_confidence",
                         {"confidence": facts.confidence, "minimum": MIN_CONFIDENCE})
    warning, warning_params = "", {}
    weeks = weeks_between(facts.start_date, facts.due_date)
    if (weeks and facts.best_weekly_change and facts.best_weekly_change > 0
            and facts.baseline_value is not None and facts.target_value is not None):
        needed = abs(float(facts.target_value) - float(facts.baseline_value)) / weeks
        if needed > ACHIEVABLE_PACE_FACTOR * facts.best_weekly_change:
            warning = "fast_pace"
            warning_params = {"needed": f"{needed:.3g}", "factor": ACHIEVABLE_PACE_FACTOR,
                              "best": f"{facts.best_weekly_change:.3g}"}
    return Criterion("achievable", True, "achievable", {"confidence": facts.confidence},
                     warning, warning_params)


def check_relevant(facts: GoalFacts) -> Criterion:
    if not (facts.why_it_matters or "").strip():
        return Criterion("relevant", False, "no_why")
    if facts.priority_rank or facts.level == "strategic" or facts.has_parent:
        return Criterion("relevant", True, "relevant")
    return Criterion("relevant", False, "not_relevant")


def _last_day_of_month(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def latest_due_date(cycle_start: date, cycle_end: date) -> date:
    """The cycle's end plus one cycle, both ends of a cycle included (DOMAIN.md: for 1 Jan-31
    Mar the latest is 30 June). A cycle of whole calendar months is followed by as many whole
    months (a quarter by the next quarter, whatever its days); any other by as many days as it
    has, counted inclusively."""
    if cycle_start.day == 1 and cycle_end + timedelta(days=1) == date(
            cycle_end.year + cycle_end.month // 12, cycle_end.month % 12 + 1, 1):
        months = (cycle_end.year - cycle_start.year) * 12 + cycle_end.month - cycle_start.month + 1
        index = cycle_end.year * 12 + cycle_end.month - 1 + months
        return _last_day_of_month(index // 12, index % 12 + 1)
    return cycle_end + timedelta(days=(cycle_end - cycle_start).days + 1)


def check_time_bound(facts: GoalFacts) -> Criterion:
    if facts.start_date is None or facts.due_date is None:
        return Criterion("time_bound", False, "no_dates")
    if facts.due_date <= facts.start_date:
        return Criterion("time_bound", False, "reversed_dates",
                         {"due": f"{facts.due_date:%Y-%m-%d}",
                          "start": f"{facts.start_date:%Y-%m-%d}"})
    if facts.cycle_start and facts.cycle_end:
        latest = latest_due_date(facts.cycle_start, facts.cycle_end)
        if facts.due_date > latest:
            return Criterion("time_bound", False, "too_late",
                             {"due": f"{facts.due_date:%Y-%m-%d}",
                              "latest": f"{latest:%Y-%m-%d}"})
    return Criterion("time_bound", True, "time_bound",
                     {"due": f"{facts.due_date:%Y-%m-%d}"})


def check(facts: GoalFacts) -> SmartResult:
    """All five criteria, in SMART order."""
    return SmartResult([check_specific(facts), check_measurable(facts),
                        check_achievable(facts), check_relevant(facts),
                        check_time_bound(facts)])
