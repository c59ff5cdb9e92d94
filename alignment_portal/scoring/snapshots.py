"""Score history: a snapshot of an organization's scores per day (nightly) or per cycle
(at its close). Both are idempotent: taking one again the same day, or for the same cycle,
updates the one row."""

from datetime import date

from django.utils import timezone

from alignment_portal.scoring.models import GoalScore, OrganizationScore, ScoreSnapshot

SNAPSHOT_FIELDS = ("d1_goals", "d2_alignment", "d3_measurement", "d4_feedback",
                   "d5_integration", "rung", "misaligned_spend", "misaligned_spend_share",
                   "open_flags")


def take_snapshot(organization_id: int, *, cycle_id: int | None = None,
                  today: date | None = None) -> ScoreSnapshot | None:
    """Copy the organization's current scores into its history; None before its first
    recompute. With `cycle_id`, the snapshot of that cycle (one per cycle)."""
    today = today or timezone.localdate()
    score = OrganizationScore.objects.filter(organization_id=organization_id).first()
    if score is None:
        return None
    values = {field: getattr(score, field) for field in SNAPSHOT_FIELDS}
    if cycle_id is not None:
        lookup = {"organization_id": organization_id, "cycle_id": cycle_id}
        values["taken_on"] = today
    else:
        lookup = {"organization_id": organization_id, "cycle": None, "taken_on": today}
    snapshot, _ = ScoreSnapshot.objects.update_or_create(
        **lookup, defaults=values, create_defaults={**values, "taken_at": timezone.now()})
    return snapshot


def cycle_snapshot(organization_id: int, cycle_id: int) -> dict:
    """What a closing cycle freezes (Cycle.snapshot): the organization's scores and each of
    the cycle's goals' progress and forecast, after a fresh recompute. JSON-ready."""
    from alignment_portal.scoring.triggers import run_recompute

    run_recompute(organization_id, force=True)
    snapshot = take_snapshot(organization_id, cycle_id=cycle_id)
    goals = {
        str(goal_id): {"progress": progress, "forecast_status": status,
                       "smart_passed": smart_passed}
        for goal_id, progress, status, smart_passed in GoalScore.objects.filter(
            organization_id=organization_id, goal__cycle_id=cycle_id).values_list(
            "goal_id", "progress", "forecast_status", "smart_passed")}
    if snapshot is None:
        return {"goals": goals}
    return {
        "taken_at": snapshot.taken_at.isoformat(),
        "dimensions": {"d1": snapshot.d1_goals, "d2": snapshot.d2_alignment,
                       "d3": snapshot.d3_measurement, "d4": snapshot.d4_feedback,
                       "d5": snapshot.d5_integration},
        "rung": snapshot.rung,
        "misaligned_spend": str(snapshot.misaligned_spend),
        "misaligned_spend_share": snapshot.misaligned_spend_share,
        "open_flags": snapshot.open_flags,
        "goals": goals,
    }
