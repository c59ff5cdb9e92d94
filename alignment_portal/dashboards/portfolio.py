"""The consultant's portfolio: every client side by side, with the medians, sorted and
filtered on the server."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from statistics import median

from django.db.models import Avg, Count, F, Max, Q, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext_lazy, pgettext_lazy

from alignment_portal.dashboards.selectors import DIMENSIONS, dimensions_of
from alignment_portal.organizations.models import Membership, Organization
from alignment_portal.scoring import selectors as score_selectors
from alignment_portal.scoring.constants import RUNG_LABELS
from alignment_portal.scoring.models import (
    InitiativeScore,
    MetricScore,
    OrganizationScore,
    ScoreSnapshot,
)

# The portfolio's impact cells, after a count: "3 improved", "0 worsened".
IMPACT_CELLS = (
    ("improved", pgettext_lazy("after a number of initiatives", "improved"), "ok"),
    ("no clear change", pgettext_lazy("after a number of initiatives", "no clear change"),
     "warn"),
    ("worsened", pgettext_lazy("after a number of initiatives", "worsened"), "bad"),
)


@dataclass
class PortfolioRow:
    organization: Organization
    role: str
    rung: int | None
    rung_name: str
    dimensions: dict[str, float | None]
    alignment: float | None  # mean alignment score of active initiatives
    high_flags: int
    misaligned_spend: Decimal | None
    misaligned_spend_share: float | None
    latest_value: date | None
    stale_metrics: int
    metrics_in_use: int
    last_activity: object
    rung_change: int | None  # since the last snapshot
    dimension_change: float | None  # mean of D1-D5 now minus at the last snapshot
    snapshot_on: date | None
    compared: dict = field(default_factory=dict)  # column -> "above" / "below" / "" median
    # The benefit ledger: the active initiatives' net to date (realised − cost), in the
    # organization's currency; None before the first recompute or with no initiative on it.
    net_benefit: float | None = None
    net_hidden: int = 0  # initiatives whose net needs an hour value, left out of net_benefit
    # {verdict: initiatives}: what live initiatives' outcome metrics did after go-live
    impact: dict = field(default_factory=dict)

    @property
    def impact_cells(self) -> list[tuple[str, int, str]]:
        """(verdict in words, initiatives, badge class) for improved, no clear change,
        worsened: "3 improved"."""
        return [(words, self.impact.get(verdict, 0), badge) for verdict, words, badge in
                IMPACT_CELLS]

    @property
    def impact_balance(self) -> int | None:
        """Initiatives improved minus worsened (for sorting); None without any verdict."""
        if not any(self.impact.get(v) for v in ("improved", "no clear change", "worsened")):
            return None
        return self.impact.get("improved", 0) - self.impact.get("worsened", 0)

    @property
    def dimension_mean(self) -> float | None:
        values = [v for v in self.dimensions.values() if v is not None]
        return round(sum(values) / len(values), 1) if values else None

    @property
    def dimension_cells(self) -> list[tuple]:
        """(value, "above" / "below" / "" the median) per dimension, D1 to D5."""
        return [(self.dimensions.get(key), self.compared.get(key, "")) for key, _ in DIMENSIONS]

    @property
    def fresh_share(self) -> float | None:
        if not self.metrics_in_use:
            return None
        return round(100.0 * (self.metrics_in_use - self.stale_metrics) / self.metrics_in_use)


# column key -> (heading, value of a row for sorting, higher is better)
PORTFOLIO_COLUMNS = {
    "name": (gettext_lazy("Organization"), lambda r: r.organization.name.lower(), None),
    "rung": (gettext_lazy("Rung"), lambda r: r.rung, True),
    **{key: (label, (lambda k: lambda r: r.dimensions.get(k))(key), True)
       for key, label in DIMENSIONS},
    "alignment": (gettext_lazy("Alignment"), lambda r: r.alignment, True),
    "high_flags": (gettext_lazy("Open high flags"), lambda r: r.high_flags, False),
    "spend": (gettext_lazy("Misaligned spend"), lambda r: r.misaligned_spend_share, False),
    # Not beside a median: the clients' currencies may differ.
    "net": (gettext_lazy("Net benefit"), lambda r: r.net_benefit, True),
    "freshness": (gettext_lazy("Data freshness"), lambda r: r.fresh_share, True),
    "activity": (gettext_lazy("Last activity"), lambda r: r.last_activity, None),
    "change": (gettext_lazy("Change"), lambda r: r.dimension_change, True),
    "impact": (gettext_lazy("Impact after go-live"), lambda r: r.impact_balance, True),
}
MEDIAN_COLUMNS = ["rung", *[k for k, _ in DIMENSIONS], "alignment", "high_flags", "spend",
                  "freshness", "change"]


def portfolio_memberships(user) -> list[Membership]:
    """The user's memberships with their organizations, by name (one query)."""
    return list(Membership.objects.filter(user=user).select_related("organization")
                .order_by("organization__name"))


def portfolio_rows(memberships: list[Membership]) -> list[PortfolioRow]:
    """One row per membership's organization (pass only the user's own memberships), in five
    queries whatever the number of organizations or records (scores, last snapshots,
    alignment, freshness, impact verdicts, net benefit)."""
    from alignment_portal.benefits.selectors import net_by_organization

    org_ids = [m.organization_id for m in memberships]
    if not org_ids:
        return []
    scores = {s.organization_id: s for s in OrganizationScore.objects.filter(
        organization_id__in=org_ids).defer("explanation")}
    last = (ScoreSnapshot.objects.filter(organization_id__in=org_ids, cycle=None)
            .annotate(row=Window(RowNumber(), partition_by=[F("organization_id")],
                                 order_by=[F("taken_on").desc(), F("taken_at").desc()]))
            .filter(row=1))
    snapshots = {s.organization_id: s for s in last}
    alignment = dict(InitiativeScore.objects.filter(organization_id__in=org_ids, is_active=True)
                     .values_list("organization_id").annotate(avg=Avg("alignment_score"))
                     .order_by())
    freshness = {org_id: (latest, in_use, stale) for org_id, latest, in_use, stale in
                 MetricScore.objects.filter(organization_id__in=org_ids)
                 .values_list("organization_id").annotate(
                     latest=Max("latest_period"), n_in_use=Count("id", filter=Q(in_use=True)),
                     n_stale=Count("id", filter=Q(in_use=True, is_fresh=False))).order_by()}
    impact = score_selectors.impact_counts(org_ids)
    nets = net_by_organization(org_ids)
    rows = []
    for m in memberships:
        org = m.organization
        score = scores.get(org.pk)
        snap = snapshots.get(org.pk)
        dims = dimensions_of(score) if score else {k: None for k, _ in DIMENSIONS}
        latest, in_use, stale = freshness.get(org.pk, (None, 0, 0))
        row = PortfolioRow(
            organization=org, role=m.get_role_display(),
            rung=score.rung if score else None,
            rung_name=str(RUNG_LABELS.get(score.rung, "")) if score else "",
            dimensions=dims,
            alignment=round(alignment[org.pk], 1) if alignment.get(org.pk) is not None else None,
            high_flags=(score.open_flags or {}).get("high", 0) if score else 0,
            misaligned_spend=score.misaligned_spend if score else None,
            misaligned_spend_share=round(score.misaligned_spend_share, 1) if score else None,
            latest_value=latest, stale_metrics=stale, metrics_in_use=in_use,
            last_activity=org.last_activity_at, rung_change=None, dimension_change=None,
            snapshot_on=snap.taken_on if snap else None, impact=impact.get(org.pk, {}),
            net_benefit=(round(nets[org.pk]["net"], 2)
                         if nets[org.pk]["initiatives"] > nets[org.pk]["hidden"] else None),
            net_hidden=nets[org.pk]["hidden"])
        if score and snap:
            row.rung_change = score.rung - snap.rung
            before = dimensions_of(snap)
            row.dimension_change = round(
                sum(dims[k] - before[k] for k, _ in DIMENSIONS) / len(DIMENSIONS), 1)
        rows.append(row)
    return rows


def portfolio_medians(rows: list[PortfolioRow]) -> dict[str, float | None]:
    """The median of each numeric column over all the user's organizations, and each row
    marked above or below it (for the "beside the median" reading)."""
    medians = {}
    for key in MEDIAN_COLUMNS:
        getter = PORTFOLIO_COLUMNS[key][1]
        values = [v for v in (getter(r) for r in rows) if v is not None]
        medians[key] = round(median(values), 1) if values else None
    for r in rows:
        for key in MEDIAN_COLUMNS:
            value, mid = PORTFOLIO_COLUMNS[key][1](r), medians[key]
            r.compared[key] = ("" if value is None or mid is None or value == mid
                               else "above" if value > mid else "below")
    return medians


def portfolio_filter(rows: list[PortfolioRow], *, q: str = "", rung: str = "",
                     attention: str = "") -> list[PortfolioRow]:
    """Name contains `q`; at `rung`; `attention`: "high_flags" (has open high flags),
    "stale" (has stale metrics), "spend" (misaligned spend at least 10 %)."""
    if q:
        rows = [r for r in rows if q.lower() in r.organization.name.lower()]
    if rung.isdigit():
        rows = [r for r in rows if r.rung == int(rung)]
    if attention == "high_flags":
        rows = [r for r in rows if r.high_flags]
    elif attention == "stale":
        rows = [r for r in rows if r.stale_metrics]
    elif attention == "spend":
        rows = [r for r in rows if (r.misaligned_spend_share or 0) >= 10]
    return rows


def portfolio_sort(rows: list[PortfolioRow], sort: str, descending: bool
                   ) -> list[PortfolioRow]:
    """Sort by a column; rows without a value go last either way."""
    getter = PORTFOLIO_COLUMNS.get(sort, PORTFOLIO_COLUMNS["name"])[1]
    present = [r for r in rows if getter(r) is not None]
    missing = [r for r in rows if getter(r) is None]
    present.sort(key=getter, reverse=descending)
    return present + missing


