"""Score history: a snapshot of an organization's scores per day (nightly) or per cycle
(frozen at its close, with what its report lists). Both are idempotent: taking one again the
same day, or for the same cycle, updates the one row."""

from datetime import date
from decimal import Decimal

from django.db.models import F
from django.utils import timezone, translation

from alignment_portal.scoring import compute, engine, wording
from alignment_portal.scoring.compute import Scorecard
from alignment_portal.scoring.constants import SEVERITY_ORDER
from alignment_portal.scoring.models import Flag, OrganizationScore, ScoreSnapshot
from goals.models import Cycle, Goal, GoalOutcome
from initiatives.models import AlignmentLink

SNAPSHOT_FIELDS = ("d1_goals", "d2_alignment", "d3_measurement", "d4_feedback",
                   "d5_integration", "rung", "misaligned_spend", "misaligned_spend_share",
                   "open_flags")


def take_snapshot(organization_id: int, *, today: date | None = None) -> ScoreSnapshot | None:
    """Copy the organization's current scores into its nightly history; None before its
    first recompute."""
    today = today or timezone.localdate()
    score = OrganizationScore.objects.filter(organization_id=organization_id).first()
    if score is None:
        return None
    values = {field: getattr(score, field) for field in SNAPSHOT_FIELDS}
    snapshot, _ = ScoreSnapshot.objects.update_or_create(
        organization_id=organization_id, cycle=None, taken_on=today, defaults=values,
        create_defaults={**values, "taken_at": timezone.now()})
    return snapshot


def freeze_cycle_on_close(sender, *, cycle, today: date, **kwargs) -> None:
    """goals.signals.cycle_closing's receiver."""
    freeze_cycle(cycle=cycle, today=today)


def freeze_cycle(*, cycle: Cycle, today: date | None = None) -> ScoreSnapshot:
    """Freeze a closing cycle: score the organization as it stands now (the cycle still open,
    its goals with their statuses), in memory, and store the organization's figures with
    what the cycle's report lists (`ScoreSnapshot.record`). The report and the history read
    only this for a closed cycle, so later changes to the plan do not move it. Idempotent:
    one snapshot per cycle."""
    today = today or timezone.localdate()
    card = compute.score(engine.load_frames(cycle.organization_id), today)
    counts = card.flags["severity"].value_counts().to_dict()
    values = {
        "taken_on": today,
        "d1_goals": card.dimensions["d1"], "d2_alignment": card.dimensions["d2"],
        "d3_measurement": card.dimensions["d3"], "d4_feedback": card.dimensions["d4"],
        "d5_integration": card.dimensions["d5"], "rung": card.rung,
        "misaligned_spend": Decimal(str(card.misaligned_spend["amount"])).quantize(
            Decimal("0.01")),
        "misaligned_spend_share": card.misaligned_spend["share"],
        "open_flags": {s: int(counts.get(s, 0)) for s in SEVERITY_ORDER},
        "record": _cycle_record(cycle, card),
    }
    snapshot, _ = ScoreSnapshot.objects.update_or_create(
        organization_id=cycle.organization_id, cycle=cycle, defaults=values,
        create_defaults={**values, "taken_at": timezone.now()})
    return snapshot


def _number(value):
    return None if value is None or value != value else float(value)


def _cycle_record(cycle: Cycle, card: Scorecard) -> dict:
    """The report's lists, JSON-ready: the reviewed goals with outcome, progress and
    forecast; the initiatives serving them with status, cost, alignment and links; the flags
    open now; the flags opened and resolved between the cycle's dates."""
    outcomes = {o.goal_id: o for o in GoalOutcome.objects.filter(cycle=cycle)}
    goals = [g for g in Goal.objects.filter(cycle=cycle).select_related("metric")
             .order_by(F("priority_rank").asc(nulls_last=True), "title") if g.pk in outcomes]
    goal_rows = []
    for goal in goals:
        scored = card.goals.loc[goal.pk] if goal.pk in card.goals.index else None
        outcome = outcomes[goal.pk]
        goal_rows.append({
            "goal_id": goal.pk, "title": goal.title, "rank": goal.priority_rank,
            "status": goal.get_status_display(), "metric": goal.metric.name if goal.metric else "",
            "outcome": outcome.outcome, "outcome_label": outcome.get_outcome_display(),
            "note": outcome.note,
            "progress": None if scored is None else _number(scored["progress"]),
            "forecast_status": "" if scored is None else str(scored["forecast_status"]),
            "smart_passed": None if scored is None else bool(scored["smart_passed"]),
        })
    initiatives: dict[int, dict] = {}
    for link in (AlignmentLink.objects.filter(goal__in=goals).select_related("initiative", "goal")
                 .order_by("initiative__name", "goal__title")):
        initiative = link.initiative
        alignment = card.initiatives["alignment_score"].get(initiative.pk)
        row = initiatives.setdefault(initiative.pk, {
            "initiative_id": initiative.pk, "name": initiative.name,
            "status": initiative.get_status_display(),
            "monthly_cost": str(initiative.monthly_cost),
            "alignment": _number(alignment), "goals": []})
        row["goals"].append(f"{link.goal.title} ({link.get_contribution_display().lower()})")
    flags = Flag.objects.filter(organization_id=cycle.organization_id)
    opened = flags.filter(first_seen_at__date__gte=cycle.start_date,
                          first_seen_at__date__lte=cycle.end_date)
    resolved = flags.filter(resolved_at__date__gte=cycle.start_date,
                            resolved_at__date__lte=cycle.end_date)
    # The record keeps each flag's code and params (a report says them in its reader's
    # language) and its English message, for readers of the record that only know that.
    with translation.override("en"):
        open_flags = [
            {"code": code, "severity": severity, "subject_type": subject_type,
             "subject_label": label, "message": wording.flag_message(code, params),
             "params": params}
            for code, severity, subject_type, label, params in zip(
                *(card.flags[c].tolist() for c in ("code", "severity", "subject_type",
                                                   "subject_label", "params")), strict=True)]
        flags_opened = [flag_row(f) for f in opened.order_by("first_seen_at", "id")]
        flags_resolved = [flag_row(f) for f in resolved.order_by("resolved_at", "id")]
    open_flags.sort(key=lambda f: (SEVERITY_ORDER.get(f["severity"], 9), f["code"]))
    return {"goals": goal_rows, "initiatives": list(initiatives.values()),
            "open_flags": open_flags,
            "flags_opened": flags_opened, "flags_resolved": flags_resolved}


def flag_row(flag: Flag) -> dict:
    """A flag as the report lists it, JSON-ready."""
    return {"code": flag.code, "severity": flag.severity,
            "severity_label": flag.get_severity_display(),
            "subject_label": flag.subject_label, "message": flag.message,
            "params": flag.params, "first_seen_on": flag.first_seen_at.date().isoformat(),
            "resolved_on": flag.resolved_at.date().isoformat() if flag.resolved_at else None}
