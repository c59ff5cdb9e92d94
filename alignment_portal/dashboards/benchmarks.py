"""Benchmarks across a person's clients: where one organization stands among the other
organizations the viewer belongs to (DOMAIN.md: cross-client comparison uses only
organizations the user belongs to), on the rung, each dimension, the misaligned spend share
and the tool spend per active initiative.

Privacy and sample size: the comparison set is the viewer's own memberships, nothing else,
and a measure is compared only over at least MIN_ORGANIZATIONS organizations that have it
(this one included); below that the page says "not enough clients to compare yet".

Percentile (0-100, higher is better whatever the measure's direction): the share of the other
organizations this one does better than, ties counting half. Read in a fixed number of
queries whatever the number of organizations (memberships, scores, tool spend, active
initiatives).
"""

from dataclasses import dataclass
from statistics import median

from django.db.models import Count, Sum
from django.utils.translation import gettext_lazy

from alignment_portal.organizations.models import Membership, Organization
from alignment_portal.scoring.constants import RUNG_NAMES
from alignment_portal.scoring.models import OrganizationScore
from initiatives.models import Initiative, Tool, active_initiative_q, active_tool_q

MIN_ORGANIZATIONS = 3
QUERIES = 4
MONEY_MEASURE = "tool_spend_per_initiative"

# key, label, unit, higher is better
MEASURES = [
    ("rung", gettext_lazy("Maturity rung"), gettext_lazy("rung (1-5)"), True),
    ("d1_goals", gettext_lazy("D1 Goals"), gettext_lazy("points (0-100)"), True),
    ("d2_alignment", gettext_lazy("D2 Alignment"), gettext_lazy("points (0-100)"), True),
    ("d3_measurement", gettext_lazy("D3 Measurement"), gettext_lazy("points (0-100)"), True),
    ("d4_feedback", gettext_lazy("D4 Feedback"), gettext_lazy("points (0-100)"), True),
    ("d5_integration", gettext_lazy("D5 Integration"), gettext_lazy("points (0-100)"), True),
    ("misaligned_share", gettext_lazy("Misaligned spend"), gettext_lazy("% of monthly spend"),
     False),
    ("tool_spend_per_initiative", gettext_lazy("Tool spend per active initiative"),
     gettext_lazy("a month (compared only with clients in the same currency)"), False),
]


@dataclass
class Benchmark:
    key: str
    label: str
    unit: str
    higher_is_better: bool
    value: float | None
    n: int  # organizations with this measure, this one included
    median: float | None = None
    percentile: float | None = None  # None: not enough organizations (or no value here)
    better_than: int = 0
    others: int = 0

    @property
    def enough(self) -> bool:
        return self.percentile is not None


def percentile_rank(value: float, others: list[float], *, higher_is_better: bool) -> float:
    """The share of `others` that `value` beats (ties half), 0-100."""
    if not others:
        return 0.0
    better = sum(1 for o in others if (value > o if higher_is_better else value < o))
    ties = sum(1 for o in others if o == value)
    return round(100.0 * (better + 0.5 * ties) / len(others), 1)


def measures_by_organization(org_ids: list[int]) -> dict[int, dict[str, float | None]]:
    """{organization id: {measure: value}} for the given organizations (three queries)."""
    scores = {s.organization_id: s for s in OrganizationScore.objects.filter(
        organization_id__in=org_ids).only(
        "organization_id", "rung", "d1_goals", "d2_alignment", "d3_measurement",
        "d4_feedback", "d5_integration", "misaligned_spend_share")}
    spend = dict(Tool.objects.filter(active_tool_q(), organization_id__in=org_ids)
                 .values_list("organization_id").annotate(total=Sum("monthly_cost")).order_by())
    active = dict(Initiative.objects.filter(active_initiative_q(), organization_id__in=org_ids)
                  .values_list("organization_id").annotate(n=Count("id")).order_by())
    out = {}
    for org_id in org_ids:
        score = scores.get(org_id)
        values = {key: None for key, *_ in MEASURES}
        if score is not None:
            values["rung"] = float(score.rung)
            for key in ("d1_goals", "d2_alignment", "d3_measurement", "d4_feedback",
                        "d5_integration"):
                values[key] = round(float(getattr(score, key)), 1)
            values["misaligned_share"] = round(float(score.misaligned_spend_share), 1)
        if active.get(org_id):
            values["tool_spend_per_initiative"] = round(
                float(spend.get(org_id) or 0) / active[org_id], 2)
        out[org_id] = values
    return out


@dataclass
class Benchmarks:
    organization: Organization
    organizations: int  # how many the viewer belongs to, this one included
    rows: list[Benchmark]
    rung_name: str = ""

    @property
    def enough(self) -> bool:
        return self.organizations >= MIN_ORGANIZATIONS


def benchmarks(*, user, organization: Organization) -> Benchmarks:
    """Where `organization` stands among the organizations `user` belongs to (QUERIES
    queries). The caller has checked that `user` is a member of `organization`."""
    currencies = dict(Membership.objects.filter(user=user).values_list(
        "organization_id", "organization__currency"))
    org_ids = list(currencies)
    if organization.pk not in org_ids:  # never compare from outside
        org_ids = [organization.pk]
    if len(org_ids) < MIN_ORGANIZATIONS:
        return Benchmarks(organization, len(org_ids), [])
    values = measures_by_organization(org_ids)
    mine = values[organization.pk]
    rows = []
    for key, label, unit, higher in MEASURES:
        # Money compares only between clients in the same currency.
        pool = ({o: v for o, v in values.items()
                 if currencies.get(o) == organization.currency}
                if key == MONEY_MEASURE else values)
        present = [v[key] for v in pool.values() if v[key] is not None]
        row = Benchmark(key, label, unit, higher, mine[key], n=len(present))
        if mine[key] is not None and len(present) >= MIN_ORGANIZATIONS:
            others = [v[key] for org_id, v in pool.items()
                      if org_id != organization.pk and v[key] is not None]
            row.median = round(median(present), 1)
            row.percentile = percentile_rank(mine[key], others, higher_is_better=higher)
            row.others = len(others)
            row.better_than = sum(1 for o in others if (mine[key] > o if higher
                                                        else mine[key] < o))
        rows.append(row)
    rung = mine["rung"]
    return Benchmarks(organization, len(org_ids), rows,
                      rung_name=RUNG_NAMES.get(int(rung), "") if rung is not None else "")


