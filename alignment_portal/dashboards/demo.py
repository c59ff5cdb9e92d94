"""Demo scores and history, so the dashboards tell the four stories on the first visit.

Runs last among the demo seeders: it computes the organization's scores from the records the
others made, then writes HISTORY_DAYS of nightly snapshots leading up to today along the
story's trend (the bakery climbing, the agency's spend creeping up while it stands still, the
boutique slowly joining its shop to its stock, the fintech steady near the top), and moves the
closed cycle's snapshot to the cycle's last day with the values of that day.

The history is made up (the demo has no past), but it ends exactly at today's real scores.
Idempotent: the nightly snapshots of the window are replaced on every run.
"""

import math
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db import transaction

from alignment_portal.scoring import triggers
from alignment_portal.scoring.models import OrganizationScore, ScoreSnapshot
from alignment_portal.scoring.snapshots import take_snapshot

HISTORY_DAYS = 200
DIMENSION_FIELDS = ("d1_goals", "d2_alignment", "d3_measurement", "d4_feedback",
                    "d5_integration")


@dataclass(frozen=True)
class Trend:
    """How far each dimension was below today's value at the start of the window (points;
    negative: it was higher), how many rungs lower it stood, and the misaligned spend then as
    a multiple of today's."""

    dimension_gain: tuple[float, float, float, float, float]
    rungs_gained: int
    spend_factor: float


TRENDS = {
    "bakery": Trend((35, 45, 30, 25, 10), 2, 2.4),
    "agency": Trend((5, -8, 0, -10, 5), 0, 0.6),
    "boutique": Trend((20, 15, 20, 10, 30), 1, 1.6),
    "fintech": Trend((10, 5, 8, 6, 4), 1, 1.3),
}
DEFAULT_TREND = Trend((10, 10, 10, 10, 5), 0, 1.2)


def _value_at(now: float, gain: float, share: float, wobble: float) -> float:
    """Today's value less `gain` scaled by how far back we are (share 1 = the window start,
    eased so most of the change is recent), with a small wobble; within 0-100."""
    value = now - gain * (share ** 0.8) + wobble
    return round(min(100.0, max(0.0, value)), 2)


def history_values(score: OrganizationScore, trend: Trend, days_ago: int) -> dict:
    share = days_ago / HISTORY_DAYS
    values = {}
    for i, (field, gain) in enumerate(zip(DIMENSION_FIELDS, trend.dimension_gain, strict=True)):
        wobble = 0 if days_ago == 0 else 2.0 * math.sin(days_ago / (5 + i))
        values[field] = _value_at(float(getattr(score, field)), gain, share, wobble)
    # Rungs were climbed at even steps through the window.
    steps = math.ceil(trend.rungs_gained * share) if trend.rungs_gained else 0
    values["rung"] = max(1, score.rung - steps)
    factor = 1 + (trend.spend_factor - 1) * share
    values["misaligned_spend"] = (score.misaligned_spend * Decimal(str(factor))).quantize(
        Decimal("0.01"))
    values["misaligned_spend_share"] = round(min(100.0, score.misaligned_spend_share * factor), 2)
    flags = score.open_flags or {}
    values["open_flags"] = {k: max(0, round(v * (1 + 0.5 * share * (trend.spend_factor > 1))))
                            for k, v in flags.items()}
    return values


def seed(organization, people, today) -> None:
    triggers.run_recompute(organization.pk, force=True, today=today)
    score = OrganizationScore.objects.filter(organization=organization).first()
    if score is None:
        return
    trend = TRENDS.get(organization.slug, DEFAULT_TREND)
    start = today - timedelta(days=HISTORY_DAYS)
    with transaction.atomic():
        ScoreSnapshot.objects.filter(organization=organization, cycle=None,
                                     taken_on__gte=start, taken_on__lt=today).delete()
        ScoreSnapshot.objects.bulk_create([
            ScoreSnapshot(organization=organization, taken_on=today - timedelta(days=n),
                          **history_values(score, trend, n))
            for n in range(HISTORY_DAYS, 0, -1)])
        take_snapshot(organization.pk, today=today)
        for snapshot in ScoreSnapshot.objects.filter(
                organization=organization, cycle__isnull=False,
                cycle__end_date__gte=start, cycle__end_date__lt=today).select_related("cycle"):
            days_ago = (today - snapshot.cycle.end_date).days
            for field, value in history_values(score, trend, days_ago).items():
                setattr(snapshot, field, value)
            snapshot.taken_on = snapshot.cycle.end_date
            snapshot.save()
