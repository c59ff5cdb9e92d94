"""What a CSV preview says beyond "N values ready" (issue 15, item 5): how many replace a value
already logged (with the old one beside the new), and which are far outside the metric's own
history (a warning, not a refusal: "1.234,5" read as 1234.5 minutes, or 150 where the last
value was 6.9). Two queries whatever the file's size."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Max, Min

from alignment_portal.lib.compiled import CompiledQuery
from alignment_portal.organizations.models import Organization
from metrics.models import MetricValue

# A value is "far outside" when it lies more than this many times the history's spread beyond
# its lowest or highest value (the spread at least a tenth of the largest value's size).
FAR_SPREADS = 3
MIN_HISTORY = 3  # fewer values say too little about what is usual


@dataclass(frozen=True)
class History:
    low: Decimal
    high: Decimal
    count: int

    def is_far(self, value) -> bool:
        if self.count < MIN_HISTORY:
            return False
        spread = max(self.high - self.low, max(abs(self.high), abs(self.low)) / 10,
                     Decimal("0.000001"))
        value = Decimal(str(value))
        return value > self.high + FAR_SPREADS * spread or value < self.low - FAR_SPREADS * spread


@dataclass
class ImportChecks:
    replacing: int = 0
    new: int = 0
    # (metric id, period) -> the value logged now, for the rows that replace one
    old_values: dict = field(default_factory=dict)
    # (metric id, period) -> the warning for a value far outside its metric's history
    warnings: dict = field(default_factory=dict)


def far_outside_warning(value, history: History | None) -> str:
    if history is None or not history.is_far(value):
        return ""
    return (f"{_plain(value)} is far outside this metric's history ({_plain(history.low)} to "
            f"{_plain(history.high)} over {history.count} values): check the number and its "
            "decimal separator.")


def _plain(number) -> str:
    """150.000000 → 150, 6.90 → 6.9."""
    return format(Decimal(str(number)).normalize(), "f")


def histories(organization: Organization, metric_ids) -> dict[int, History]:
    rows = (MetricValue.objects.filter(organization=organization, metric_id__in=metric_ids)
            .values("metric_id").annotate(low=Min("value"), high=Max("value"), n=Count("id")))
    return {r["metric_id"]: History(r["low"], r["high"], r["n"]) for r in rows}


# A saved value is judged against its metric's history: this query on every save, compiled
# once (lib/compiled.py).
_HISTORY = CompiledQuery(
    lambda organization_id, metric_id: MetricValue.objects.filter(
        organization_id=organization_id, metric_id=metric_id).order_by().values("metric_id")
    .annotate(low=Min("value"), high=Max("value"), n=Count("id")).values_list("low", "high", "n"),
    ints=["organization_id", "metric_id"])


def history_of(organization: Organization, metric_id: int) -> History | None:
    """The History of one metric (as `histories` gives it), None without values."""
    rows = _HISTORY.rows(organization_id=organization.pk, metric_id=metric_id)
    return History(*rows[0]) if rows else None


def import_checks(organization: Organization, rows) -> ImportChecks:
    """Replacements and far-outside warnings for the rows of an ImportPreview."""
    checks = ImportChecks()
    if not rows:
        return checks
    metric_ids = {row.metric_id for row in rows}
    periods = {row.period for row in rows}
    logged: dict[tuple[int, date], Decimal] = {
        (metric_id, period): value for metric_id, period, value in
        MetricValue.objects.filter(organization=organization, metric_id__in=metric_ids,
                                   period__in=periods)
        .values_list("metric_id", "period", "value")}
    known = histories(organization, metric_ids)
    for row in rows:
        key = (row.metric_id, row.period)
        old = logged.get(key)
        if old is None:
            checks.new += 1
        elif Decimal(str(old)) != Decimal(str(row.value)):
            checks.replacing += 1
            checks.old_values[key] = old
        warning = far_outside_warning(row.value, known.get(row.metric_id))
        if warning:
            checks.warnings[key] = warning
    return checks
