"""A cycle's history and its quarterly report (page, print and CSV); a closed cycle's from
what was frozen at its close."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import F, OuterRef, Q, Subquery
from django.utils import timezone, translation
from django.utils.translation import gettext

from alignment_portal.dashboards.selectors import (
    DIMENSIONS,
    FORECAST_LABELS,
    benefit_overview,
    dimensions_of,
    nearest_snapshot,
    record_url,
)
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import wording
from alignment_portal.scoring.constants import RUNG_LABELS, SEVERITY_ORDER
from alignment_portal.scoring.models import Flag, OrganizationScore, ScoreSnapshot, Severity
from alignment_portal.scoring.selectors import SEVERITY_RANK
from alignment_portal.scoring.snapshots import flag_row
from goals.models import Cycle, Goal, GoalOutcome, GoalStatus
from initiatives.models import AlignmentLink

# The report lists this many flags opened (and resolved) in the cycle; the CSV has them all.
REPORT_FLAG_ROWS = 100


def history(*, organization: Organization, cycle: Cycle | None = None) -> list[ScoreSnapshot]:
    """Nightly snapshots oldest first (within the cycle's dates when given, plus the cycle's
    own closing snapshot). One query."""
    snapshots = ScoreSnapshot.objects.filter(organization=organization)
    if cycle is None:
        snapshots = snapshots.filter(cycle=None)
    else:
        snapshots = snapshots.filter(Q(cycle=None, taken_on__gte=cycle.start_date,
                                       taken_on__lte=cycle.end_date) | Q(cycle=cycle))
    return list(snapshots.order_by("taken_on", "taken_at"))


def cycle_snapshots(*, organization: Organization, cycle: Cycle | None = None
                    ) -> list[ScoreSnapshot]:
    """The snapshot frozen at each closed cycle (or at the one given), oldest first (one
    query)."""
    snapshots = ScoreSnapshot.objects.filter(organization=organization, cycle__isnull=False)
    if cycle is not None:
        snapshots = snapshots.filter(cycle=cycle)
    return list(snapshots.select_related("cycle").order_by("taken_on"))


def cycles(*, organization: Organization) -> list[Cycle]:
    return list(Cycle.objects.filter(organization=organization).order_by("-start_date"))


# --- The quarterly report --------------------------------------------------------------------

@dataclass
class Report:
    cycle: Cycle
    goals: list[dict]
    initiatives: list[dict]
    start: dict | None  # {label, taken_on, rung, dimensions, spend, share}
    end: dict | None
    flags_opened: list[dict]  # snapshots.flag_row
    flags_resolved: list[dict]
    opened_count: int
    resolved_count: int
    frozen: bool = False  # read from the record frozen at the cycle's close
    open_at_close: list[dict] = field(default_factory=list)  # the flags open at the close
    open_at_close_count: int = 0
    # benefits.selectors.BenefitOverview over the cycle's months, read from the ledger (its
    # entries are of past months; "costs more than it returns" is as of today)
    benefits: object = None
    benefit_chart: object = None

    @property
    def dimension_rows(self) -> list[tuple]:
        """(label, value at the start, value at the end) of each dimension."""
        return [(label, self.start["dimensions"][key] if self.start else None,
                 self.end["dimensions"][key] if self.end else None)
                for key, label in DIMENSIONS]


def _scores(row, label) -> dict | None:
    if row is None:
        return None
    return {"label": label, "taken_on": getattr(row, "taken_on", None),
            "rung": row.rung, "rung_name": str(RUNG_LABELS.get(row.rung, "")),
            "dimensions": dimensions_of(row), "spend": row.misaligned_spend,
            "share": round(row.misaligned_spend_share, 1)}


def cycle_flags(*, organization: Organization, cycle: Cycle):
    """(opened in the cycle, resolved in the cycle) as querysets, most severe first."""
    base = Flag.objects.filter(organization=organization).annotate(severity_rank=SEVERITY_RANK)
    opened = base.filter(first_seen_at__date__gte=cycle.start_date,
                         first_seen_at__date__lte=cycle.end_date)
    resolved = base.filter(resolved_at__date__gte=cycle.start_date,
                           resolved_at__date__lte=cycle.end_date)
    return (opened.order_by("severity_rank", "first_seen_at", "id"),
            resolved.order_by("severity_rank", "resolved_at", "id"))


def _worded(flag: dict) -> dict:
    """A frozen flag in the reader's language: a record frozen with params says its message
    from them (an older one has its English message only)."""
    if "params" not in flag:
        return flag
    worded = {**flag, "message": wording.flag_message(flag["code"], flag["params"])}
    if "severity_label" in flag:
        worded["severity_label"] = str(Severity(flag["severity"]).label)
    return worded


def _dated(flag: dict) -> dict:
    """A flag_row with its ISO dates as dates again, for the template's date filter."""
    return {**_worded(flag), "first_seen_on": date.fromisoformat(flag["first_seen_on"]),
            "resolved_on": date.fromisoformat(flag["resolved_on"]) if flag["resolved_on"]
            else None}


def _by_severity(flags: list[dict]) -> list[dict]:
    return sorted(flags, key=lambda f: SEVERITY_ORDER.get(f["severity"], 9))


def frozen_report(organization: Organization, cycle: Cycle, closing: ScoreSnapshot, *,
                  start: dict | None, flag_rows: int | None) -> Report:
    """A closed cycle's report, read only from what was frozen at its close."""
    record = closing.record
    outcome_codes = {g["goal_id"]: g["outcome"] for g in record["goals"]}
    goals = [{
        "title": g["title"], "url": record_url(organization, "goal", g["goal_id"]),
        "rank": g["rank"], "status": g["status"], "outcome": g["outcome_label"],
        "outcome_code": outcome_codes[g["goal_id"]], "note": g["note"], "metric": g["metric"],
        "progress": None if g["progress"] is None else round(100 * g["progress"]),
        "forecast": FORECAST_LABELS.get(g["forecast_status"], "")} for g in record["goals"]
        if g["status"] != GoalStatus.DRAFT.label]  # a draft was never part of the plan
    initiatives = [{
        "name": i["name"], "url": record_url(organization, "initiative", i["initiative_id"]),
        "status": i["status"], "monthly_cost": Decimal(i["monthly_cost"]),
        "alignment": None if i["alignment"] is None else round(i["alignment"]),
        "goals": i["goals"]} for i in record["initiatives"]]
    opened = _by_severity([_dated(f) for f in record["flags_opened"]])
    resolved = _by_severity([_dated(f) for f in record["flags_resolved"]])
    return Report(cycle=cycle, goals=goals, initiatives=initiatives, start=start,
                  end=_scores(closing, gettext("End (at closing)")),
                  flags_opened=opened[:flag_rows], flags_resolved=resolved[:flag_rows],
                  opened_count=len(opened), resolved_count=len(resolved), frozen=True,
                  open_at_close=[_worded(f) for f in record["open_flags"][:flag_rows]],
                  open_at_close_count=len(record["open_flags"]))


def report(*, organization: Organization, cycle: Cycle, flag_rows: int | None = REPORT_FLAG_ROWS,
           today: date | None = None) -> Report:
    """The cycle's report: its goals with outcomes, the initiatives serving them with their
    alignment, the scores at the start (the nearest snapshot) and at the end, and the flags
    opened and resolved in the cycle. A closed cycle's report is read only from the record
    frozen at its close (frozen_report); an open one's from today's scores. A fixed number
    of queries (about ten)."""
    today = today or timezone.localdate()
    start = _scores(nearest_snapshot(organization=organization, day=cycle.start_date),
                    gettext("Start"))
    closing = (ScoreSnapshot.objects.filter(organization=organization, cycle=cycle).first()
               if cycle.is_closed else None)
    if closing is not None and closing.record:
        frozen = frozen_report(organization, cycle, closing, start=start, flag_rows=flag_rows)
        frozen.benefits, frozen.benefit_chart = _cycle_benefits(
            organization=organization, cycle=cycle, today=today).values()
        return frozen
    outcome = GoalOutcome.objects.filter(organization=organization, cycle=cycle,
                                         goal=OuterRef("pk"))
    # Drafts are not part of the plan a report hands over.
    goals = (Goal.objects.filter(organization=organization, cycle=cycle)
             .exclude(status=GoalStatus.DRAFT).select_related("metric", "score")
             .annotate(outcome=Subquery(outcome.values("outcome")[:1]),
                       outcome_note=Subquery(outcome.values("note")[:1]))
             .order_by(F("priority_rank").asc(nulls_last=True), "title"))
    outcome_labels = dict(GoalOutcome._meta.get_field("outcome").choices)
    goal_rows = []
    for g in goals:
        score = getattr(g, "score", None)
        goal_rows.append({
            "title": g.title, "url": record_url(organization, "goal", g.pk),
            "rank": g.priority_rank, "status": g.get_status_display(),
            "outcome": outcome_labels.get(g.outcome, "") if g.outcome else "",
            "outcome_code": g.outcome or "", "note": g.outcome_note or "",
            "metric": g.metric.name if g.metric else "",
            "progress": None if score is None or score.progress is None
            else round(100 * score.progress),
            "forecast": FORECAST_LABELS.get(score.forecast_status, "") if score else ""})
    links = (AlignmentLink.objects.filter(organization=organization, goal__cycle=cycle)
             .exclude(goal__status=GoalStatus.DRAFT)
             .select_related("initiative", "initiative__score", "goal")
             .order_by("initiative__name", "goal__title"))
    initiatives: dict[int, dict] = {}
    for link in links:
        initiative = link.initiative
        row = initiatives.setdefault(initiative.pk, {
            "name": initiative.name, "url": record_url(organization, "initiative",
                                                       initiative.pk),
            "status": initiative.get_status_display(),
            "monthly_cost": initiative.monthly_cost,
            "alignment": round(initiative.score.alignment_score)
            if hasattr(initiative, "score") else None, "goals": []})
        row["goals"].append(f"{link.goal.title} ({link.get_contribution_display().lower()})")
    if cycle.is_closed:  # closed before scores were frozen at the close
        end = _scores(nearest_snapshot(organization=organization, day=cycle.end_date),
                      gettext("End (nearest snapshot)"))
    elif cycle.end_date >= today:
        current = OrganizationScore.objects.filter(organization=organization).first()
        end = _scores(current, gettext("Now (the cycle is not over)"))
        if end:
            end["taken_on"] = today
    else:
        end = _scores(nearest_snapshot(organization=organization, day=cycle.end_date),
                      gettext("End"))
    opened, resolved = cycle_flags(organization=organization, cycle=cycle)
    opened_count, resolved_count = opened.count(), resolved.count()
    if flag_rows is not None:
        opened, resolved = opened[:flag_rows], resolved[:flag_rows]
    return Report(cycle=cycle, goals=goal_rows, initiatives=list(initiatives.values()),
                  start=start, end=end,
                  flags_opened=[_dated(flag_row(f)) for f in opened],
                  flags_resolved=[_dated(flag_row(f)) for f in resolved],
                  opened_count=opened_count, resolved_count=resolved_count,
                  **_cycle_benefits(organization=organization, cycle=cycle, today=today))


def _cycle_benefits(*, organization: Organization, cycle: Cycle, today: date) -> dict:
    """The benefit ledger over the cycle's months up to today (2 queries; no chart: the
    report is printed)."""
    return benefit_overview(organization=organization, today=today, chart=False,
                            first_month=cycle.start_date, last_month=min(cycle.end_date, today))


REPORT_CSV_HEADER = ["section", "name", "status", "value", "detail"]


def report_csv_rows(*, organization: Organization, cycle: Cycle):
    """The report as long-format rows (section, name, status, value, detail), every flag
    included; metrics.csv_export.csv_lines neutralises formulas."""
    data = report(organization=organization, cycle=cycle, flag_rows=None)
    for g in data.goals:
        yield ["goal", g["title"], g["outcome"] or g["status"],
               "" if g["progress"] is None else f"{g['progress']}%", g["note"]]
    for i in data.initiatives:
        yield ["initiative", i["name"], i["status"],
               "" if i["alignment"] is None else i["alignment"], "; ".join(i["goals"])]
    for point in (data.start, data.end):
        if point is None:
            continue
        when = point["taken_on"].isoformat() if point["taken_on"] else ""
        yield ["score", "Rung", point["label"], point["rung"], when]
        for key, label in DIMENSIONS:
            with translation.override("en"):  # the CSV's words stay English, as its others
                label = str(label)
            yield ["score", label, point["label"], point["dimensions"][key], when]
        yield ["score", "Misaligned spend", point["label"], point["spend"],
               f"{point['share']}% of monthly spend"]
    currency = organization.currency
    for m in data.benefits.months:
        month = m["month"].strftime("%Y-%m")
        yield ["benefit expected", month, "", round(m["expected"], 2), currency]
        yield ["benefit realised", month, "", round(m["realised"], 2),
               f"{currency}; {m['realised_hours']:g} hours saved; {m['entries']} entries"]
    for row in data.benefits.losing:
        yield ["costs more than it returns", row.initiative, row.status,
               round(row.score.net, 2),
               f"{currency} net to date; cost {row.score.cost_to_date:.2f}, realised "
               f"{row.score.realised_to_date:.2f}"]
    for section, flags, stamp in (("flag opened", data.flags_opened, "first_seen_on"),
                                  ("flag resolved", data.flags_resolved, "resolved_on")):
        for f in flags:
            yield [section, f["subject_label"], f"{f['severity']} {f['code']}",
                   f[stamp].isoformat(), f["message"]]
