"""Reads of the benefit ledger for the pages and the API, each in a fixed number of queries."""

from dataclasses import dataclass, field
from datetime import date

from alignment_portal.benefits.models import BenefitEntry, BenefitScore
from alignment_portal.lib.compiled import CompiledQuery
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import benefits as ledger_rules
from initiatives.models import ACTIVE_INITIATIVE_STATUSES, Initiative

# The ledger tables show at most this many months (the latest); totals count them all.
LEDGER_MONTHS_SHOWN = 24
DASHBOARD_MONTHS = 12


@dataclass
class LedgerMonth:
    month: date
    expected: float | None  # money a month, or hours on the hours basis
    entry: BenefitEntry | None
    realised: float | None  # money (hours × hour value + money), None without an hour value


@dataclass
class InitiativeLedger:
    score: BenefitScore | None
    months: list[LedgerMonth] = field(default_factory=list)
    earlier_entries: int = 0  # entries before the go-live month: kept, not counted
    months_hidden: int = 0

    @property
    def on_hours(self) -> bool:
        return self.score is not None and self.score.basis == ledger_rules.HOURS


def initiative_ledger(*, organization: Organization, initiative: Initiative,
                      today: date) -> InitiativeLedger:
    """The ledger of one initiative: its scored figures and, per month from its go-live (or
    start) month to the current one, expected against realised (2 queries)."""
    score = BenefitScore.objects.filter(organization=organization,
                                        initiative=initiative).first()
    entries = {e.month: e for e in BenefitEntry.objects.filter(
        organization=organization, initiative=initiative).select_related("entered_by")}
    anchor = initiative.go_live_date or initiative.start_date
    current = ledger_rules.month_start(today)
    hour_value = float(organization.hour_value) if organization.hour_value is not None else None
    result = InitiativeLedger(score=score)
    if anchor is None:
        months = sorted((m for m in entries if m <= current), reverse=True)
    else:
        first = ledger_rules.month_start(anchor)
        months = []
        month = current
        while month >= first:
            months.append(month)
            month = ledger_rules.add_months(month, -1)
        result.earlier_entries = sum(1 for m in entries if m < first)
    result.months_hidden = max(0, len(months) - LEDGER_MONTHS_SHOWN)
    on_hours = score is not None and score.basis == ledger_rules.HOURS
    for month in months[:LEDGER_MONTHS_SHOWN]:
        entry = entries.get(month)
        if score is None:
            expected = None
        elif on_hours:
            expected = score.expected_hours_monthly
        else:
            expected = score.expected_monthly
        realised = None
        if entry is not None and (hour_value is not None or entry.hours_saved is None):
            realised = (float(entry.hours_saved or 0) * (hour_value or 0)
                        + float(entry.money_gained or 0))
        result.months.append(LedgerMonth(month, expected, entry, realised))
    return result


@dataclass
class LedgerRow:
    initiative_id: int
    initiative: str
    status: str
    score: BenefitScore


def ledger_rows(*, organization: Organization, active_only: bool = True) -> list[LedgerRow]:
    """Every scored initiative's ledger (1 query), by name."""
    scores = BenefitScore.objects.filter(organization=organization).select_related(
        "initiative").order_by("initiative__name", "initiative_id")
    if active_only:
        scores = scores.filter(initiative__status__in=ACTIVE_INITIATIVE_STATUSES)
    return [LedgerRow(s.initiative_id, s.initiative.name, s.initiative.status, s)
            for s in scores]


@dataclass
class BenefitOverview:
    months: list[dict]  # {month, expected, realised, realised_hours, entries}
    losing: list[LedgerRow]  # live initiatives whose net is below zero, worst first
    losing_count: int  # how many there are (`losing` may list only the first few)
    expected_total: float
    realised_total: float
    net_total: float  # of the initiatives whose net is known
    hidden: int  # active initiatives whose money figures need an hour value
    initiatives: int  # active initiatives on the ledger

    @property
    def has_data(self) -> bool:
        return self.initiatives > 0

    @property
    def last_month(self) -> date | None:
        return self.months[-1]["month"] if self.months else None


def overview(*, organization: Organization, today: date, months: int = DASHBOARD_MONTHS,
             first_month: date | None = None, last_month: date | None = None,
             losing_rows: int | None = None) -> BenefitOverview:
    """Expected against realised per month across the active initiatives, and those that cost
    more than they return (2 queries; 1 with no initiative on the ledger). The months are the
    last `months` up to the current one, or first_month..last_month (a cycle). `losing`
    holds the first `losing_rows` of them (all by default), `losing_count` says how many."""
    # Plain rows, not model instances: a large organization has hundreds of initiatives on
    # the ledger and only the losing ones are shown.
    scored = _OVERVIEW_SCORES.rows(organization_id=organization.pk)
    plans = [r[0:1] + r[3:7] for r in scored]
    current = ledger_rules.month_start(today)
    last = ledger_rules.month_start(last_month) if last_month else current
    first = (ledger_rules.month_start(first_month) if first_month
             else ledger_rules.add_months(last, -(months - 1)))
    month_list = []
    month = first
    while month <= last:
        month_list.append(month)
        month = ledger_rules.add_months(month, 1)
    entries = [] if not scored else _OVERVIEW_ENTRIES.rows(
        organization_id=organization.pk, first=first, last=last)
    # Plain rows in, plain rows out: no frame on a page's path (building one per kind cost
    # several milliseconds a page).
    month_rows = ledger_rules.monthly_totals_of(entries, plans,
                                                hour_value=organization.hour_value,
                                                months=month_list)
    # A planned initiative costs without returning yet by design: only live ones are listed.
    losing = sorted((r for r in scored if r[2] == ledger_rules.LIVE_STATUS
                     and r[7] is not None and r[7] < 0), key=lambda r: r[7])
    nets = [r[7] for r in scored]
    return BenefitOverview(
        months=month_rows, losing=[_ledger_row(organization, r) for r in losing[:losing_rows]],
        losing_count=len(losing),
        expected_total=sum(r["expected"] for r in month_rows),
        realised_total=sum(r["realised"] for r in month_rows),
        net_total=sum(n for n in nets if n is not None),
        hidden=sum(1 for n in nets if n is None), initiatives=len(scored))


_OVERVIEW_COLUMNS = ("initiative_id", "initiative__name", "initiative__status",
                     "initiative__start_date", "initiative__go_live_date",
                     "initiative__hours_saved_per_month",
                     "initiative__expected_money_per_month", "net", "cost_to_date",
                     "realised_to_date", "payback_status", "payback_month")
# Every dashboard reads it: compiled once (lib/compiled.py).
_OVERVIEW_SCORES = CompiledQuery(
    lambda organization_id: BenefitScore.objects.filter(
        organization_id=organization_id, initiative__status__in=ACTIVE_INITIATIVE_STATUSES)
    .order_by("initiative__name", "initiative_id").values_list(*_OVERVIEW_COLUMNS),
    ints=["organization_id"])
_OVERVIEW_ENTRIES = CompiledQuery(
    lambda organization_id, first, last: BenefitEntry.objects.filter(
        organization_id=organization_id, initiative__status__in=ACTIVE_INITIATIVE_STATUSES,
        month__gte=first, month__lte=last).values_list(
        "initiative_id", "month", "hours_saved", "money_gained"),
    ints=["organization_id"], dates=["first", "last"])


def _ledger_row(organization: Organization, row: tuple) -> LedgerRow:
    """A LedgerRow from a row of _OVERVIEW_COLUMNS (its score holds the figures shown)."""
    (initiative_id, name, status, _, _, _, _, net, cost_to_date, realised_to_date,
     payback_status, payback_month) = row
    return LedgerRow(initiative_id, name, status, BenefitScore(
        organization=organization, initiative_id=initiative_id, net=net,
        cost_to_date=cost_to_date, realised_to_date=realised_to_date,
        payback_status=payback_status, payback_month=payback_month))


def net_by_organization(organization_ids: list[int]) -> dict[int, dict]:
    """{organization id: {"net": sum of the active initiatives' known net, "hidden": count of
    initiatives whose net needs an hour value, "initiatives": count}} in one query."""
    result = {pk: {"net": 0.0, "hidden": 0, "initiatives": 0} for pk in organization_ids}
    for organization_id, net in BenefitScore.objects.filter(
            organization_id__in=organization_ids,
            initiative__status__in=ACTIVE_INITIATIVE_STATUSES).values_list(
            "organization_id", "net"):
        row = result[organization_id]
        row["initiatives"] += 1
        if net is None:
            row["hidden"] += 1
        else:
            row["net"] += net
    return result
