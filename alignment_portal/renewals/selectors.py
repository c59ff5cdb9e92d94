"""Reads for renewals: the renewal calendar of one organization or of every organization a
person belongs to, sortable, in a fixed number of queries whatever the number of tools or
organizations (the tools with a renewal date, the tools an active initiative uses)."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext_lazy

from alignment_portal.organizations.models import Membership, Organization
from alignment_portal.renewals.models import SeatCount, SeatCountRevision
from alignment_portal.scoring import renewals, rules, wording
from initiatives.models import Initiative, Tool, active_initiative_q
from metrics.csv_export import Number


@dataclass
class RenewalRow:
    organization: Organization
    tool: Tool
    renewal: renewals.Renewal

    @property
    def saving_sentence(self) -> str:
        return wording.saving_text(renewals.saving_params(self.renewal))

    @property
    def severity(self) -> str:
        """The RENEWAL_DUE severity this renewal carries now ("" when not due)."""
        if not self.renewal.due:
            return ""
        return "high" if self.renewal.high else "medium"


# sort key -> (heading, value of a row)
SORTS = {
    "deadline": (gettext_lazy("Notice deadline"),
                 lambda r: (r.renewal.notice_deadline, r.tool.name.lower())),
    "renews": (gettext_lazy("Renews on"), lambda r: (r.renewal.renews_on, r.tool.name.lower())),
    "tool": (gettext_lazy("Tool"), lambda r: (r.tool.name.lower(), r.renewal.renews_on)),
    "organization": (gettext_lazy("Organization"),
                     lambda r: (r.organization.name.lower(), r.renewal.notice_deadline)),
    "cost": (gettext_lazy("Cost a year"), lambda r: (r.renewal.yearly_cost, r.tool.name.lower())),
    "saving": (gettext_lazy("Saving a year"),
               lambda r: (r.renewal.saving_per_year, r.tool.name.lower())),
}
DEFAULT_SORT = "deadline"


def normalise_sort(sort: str, direction: str) -> tuple[str, bool]:
    """A known sort key (else the default) and whether it is descending."""
    return (sort if sort in SORTS else DEFAULT_SORT), direction == "desc"


def renewal_rows(organizations: list[Organization], *, today: date,
                 days: int = rules.RENEWAL_CALENDAR_DAYS, sort: str = DEFAULT_SORT,
                 descending: bool = False, due_only: bool = False) -> list[RenewalRow]:
    """Every tool of `organizations` that renews within `days` from `today` (retired tools
    never), with its notice deadline and what acting on it saves; with `due_only`, those
    whose notice deadline is within RENEWAL_DUE_WITHIN_DAYS instead. Two queries."""
    by_id = {o.pk: o for o in organizations}
    if not by_id:
        return []
    # First the columns a renewal is computed from, for every renewing tool (whether an active
    # initiative uses it in the same query); then model instances only of the tools listed: a
    # consultant's clients have thousands of tools, a few hundred of them renew in the window.
    used = Initiative.tools.through.objects.filter(tool_id=OuterRef("pk")).filter(
        active_initiative_q("initiative__"))
    candidates = (Tool.objects.filter(organization_id__in=by_id, renewal_date__isnull=False,
                                      status__in=sorted(rules.RENEWING_TOOL_STATUSES))
                  .annotate(used=Exists(used)).order_by("organization_id", "name")
                  .values_list("pk", "status", "renewal_date", "billing_period",
                               "notice_period_days", "monthly_cost", "seats", "seats_used",
                               "used"))
    horizon = today + timedelta(days=days)
    listed = []
    for (pk, status, renewal_date, billing_period, notice_period_days, monthly_cost, seats,
         seats_used, is_used) in candidates:
        renewal = renewals.renewal_of(
            tool_id=pk, status=status, renewal_date=renewal_date,
            billing_period=billing_period, notice_period_days=notice_period_days,
            monthly_cost=float(monthly_cost), seats_paid=seats, seats_used=seats_used,
            used=is_used, today=today)
        if renewal is not None and (renewal.due if due_only else renewal.renews_on <= horizon):
            listed.append((pk, renewal))
    tools = Tool.objects.in_bulk([pk for pk, _ in listed]) if listed else {}
    rows = [RenewalRow(by_id[tools[pk].organization_id], tools[pk], renewal)
            for pk, renewal in listed]
    rows.sort(key=SORTS[sort][1] if sort in SORTS else SORTS[DEFAULT_SORT][1],
              reverse=descending)
    return rows


def member_organizations(user) -> list[Organization]:
    """Every organization `user` belongs to, by name (one query)."""
    return [m.organization for m in Membership.objects.filter(user=user)
            .select_related("organization").order_by("organization__name")]


def totals(rows: list[RenewalRow]) -> dict:
    """What the calendar adds up to, per currency (clients may bill in different ones)."""
    out: dict[str, dict] = {}
    for row in rows:
        entry = out.setdefault(row.organization.currency,
                               {"currency": row.organization.currency, "yearly_cost": 0.0,
                                "saving": 0.0, "due": 0})
        entry["yearly_cost"] += row.renewal.yearly_cost
        entry["saving"] += row.renewal.saving_per_year
        entry["due"] += 1 if row.renewal.due else 0
    return {"by_currency": sorted(out.values(), key=lambda e: e["currency"]),
            "due": sum(e["due"] for e in out.values())}


CSV_HEADER = ["organization", "tool", "vendor", "category", "status", "renews_on",
              "billing_period", "notice_period_days", "notice_deadline", "days_to_deadline",
              "monthly_cost", "yearly_cost", "currency", "seats_paid", "seats_used",
              "shelfware", "saving_per_year", "saving_by", "renewal_due"]


def csv_rows(rows: list[RenewalRow]):
    for row in rows:
        r, tool = row.renewal, row.tool
        yield [row.organization.name, tool.name, tool.vendor, tool.get_category_display(),
               tool.get_status_display(), r.renews_on.isoformat(),
               tool.get_billing_period_display(), tool.notice_period_days,
               r.notice_deadline.isoformat(), r.days_to_deadline, Number(f"{r.monthly_cost:.2f}"),
               Number(f"{r.yearly_cost:.2f}"), row.organization.currency, tool.seats,
               "" if tool.seats_used is None else tool.seats_used,
               "yes" if r.shelfware else "no", Number(f"{r.saving_per_year:.2f}"), r.saving_kind,
               row.severity or "no"]


def seat_history(tool: Tool) -> dict:
    """The tool's monthly seat counts, newest first, and the replaced ones (two queries)."""
    return {
        "counts": list(SeatCount.objects.filter(tool=tool).select_related("entered_by")
                       .order_by("-month")[:120]),
        "revisions": list(SeatCountRevision.objects.filter(tool=tool)
                          .select_related("entered_by", "replaced_by")
                          .order_by("-replaced_at")[:50]),
    }
