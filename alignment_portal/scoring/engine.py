"""Load one organization's records, score them (compute.py, pure), write what changed.

The thin layer around the pure functions:

- `load_frames` reads the organization in LOAD_QUERIES queries whatever its size (values_list
  into DataFrames; measured values are cast to float in SQL, which is much cheaper than
  building 50,000 Decimals);
- `write_scorecard` reads the current score rows and open flags (5 queries) and writes only
  rows whose values changed: one upsert per score table, one insert of new flags, one update
  of changed flags and one update resolving flags that no longer hold. A recompute that finds
  nothing changed writes nothing at all, so running it twice gives the same rows.

Flags keep their first_seen_at while they hold; one that no longer holds gets resolved_at and
stays; if the cause comes back, a new flag opens.
"""

import math
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import connections, transaction
from django.db.models import FloatField, Func, IntegerField
from django.db.models.functions import Cast
from django.utils import timezone

from alignment_portal.organizations.models import Organization
from alignment_portal.scoring.compute import Scorecard, score
from alignment_portal.scoring.constants import SEVERITY_ORDER
from alignment_portal.scoring.frames import COLUMNS, OrgFrames, frame
from alignment_portal.scoring.models import (
    Flag,
    GoalScore,
    InitiativeScore,
    MetricScore,
    OrganizationScore,
)
from goals.models import Cycle, Goal
from initiatives.models import AlignmentLink, Initiative, MeasurementLink, Tool
from metrics.models import Metric, MetricValue

LOAD_QUERIES = 10


def load_rows(organization_id: int) -> tuple[str, dict[str, list[tuple]]]:
    """The organization's name and its records as lists of tuples, in LOAD_QUERIES queries."""
    name = Organization.objects.values_list("name", flat=True).get(pk=organization_id)
    org = {"organization_id": organization_id}
    tables = {
        "cycles": Cycle.objects.filter(**org).values_list(*COLUMNS["cycles"]),
        "goals": Goal.objects.filter(**org).values_list(*COLUMNS["goals"]),
        "metrics": Metric.objects.filter(**org).values_list(
            "id", "name", "kind", "nature", "frequency", "direction", "archived_at"),
        "initiatives": Initiative.objects.filter(**org).values_list(*COLUMNS["initiatives"]),
        "tools": Tool.objects.filter(**org).values_list(*COLUMNS["tools"]),
        "initiative_tools": Initiative.tools.through.objects.filter(
            initiative__organization_id=organization_id).values_list("initiative_id",
                                                                     "tool_id"),
        "alignment_links": AlignmentLink.objects.filter(**org).values_list(
            *COLUMNS["alignment_links"]),
        "measurement_links": MeasurementLink.objects.filter(**org).values_list(
            *COLUMNS["measurement_links"]),
    }
    rows = {key: list(queryset) for key, queryset in tables.items()}
    rows["metrics"] = [(*row[:6], row[6] is not None) for row in rows["metrics"]]
    rows["values"] = fetch_rows(
        MetricValue.objects.filter(**org)
        .annotate(day=EpochDays("period"), as_float=Cast("value", FloatField()))
        .order_by("metric_id", "period")  # the index's order; the scoring needs no sort
        .values_list("metric_id", "day", "as_float"))
    return name, rows


def load_frames(organization_id: int) -> OrgFrames:
    """One organization's records as frames, in LOAD_QUERIES queries."""
    name, rows = load_rows(organization_id)
    frames = {key: frame(key, table) for key, table in rows.items() if key != "values"}
    return OrgFrames(organization_id, name, values=values_frame(rows["values"]), **frames)


def fetch_rows(queryset) -> list[tuple]:
    """The rows of a values_list queryset straight from the cursor, without the ORM's
    per-row converters: twice as fast for the 50,000 values of a large organization. Only
    for columns that need no conversion (integers, floats, and dates, which values_frame
    parses whether the driver gives `date`s or ISO strings)."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


class EpochDays(Func):
    """A date as whole days since 1970-01-01: an integer is much cheaper to fetch and to turn
    into datetime64 than a `date` (50,000 of them in a large organization)."""

    output_field = IntegerField()
    template = "(%(expressions)s - DATE '1970-01-01')"  # PostgreSQL

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, **extra_context,
                           template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)")


def values_frame(rows: list[tuple]) -> pd.DataFrame:
    """The values frame from (metric_id, period, value) tuples, built column-wise (fast).
    The period is days since 1970-01-01 (EpochDays), or anything numpy reads as a date."""
    if not rows:
        return frame("values")
    metric_ids, periods, values = zip(*rows, strict=True)
    if isinstance(periods[0], int):
        days = np.fromiter(periods, dtype="int64", count=len(rows)).astype("datetime64[D]")
    else:
        days = np.array(periods, dtype="datetime64[D]")
    return pd.DataFrame({
        "metric_id": np.fromiter(metric_ids, dtype="int64", count=len(rows)),
        "period": days.astype("datetime64[ns]"),
        "value": np.array(values, dtype=float),
    })


# --- Writing -------------------------------------------------------------------------------

def _clean(value):
    """A value as the database gives it back: NaN and NaT become None, NumPy scalars plain."""
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return None if pd.isna(value) else value.date()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if value is pd.NaT:
        return None
    return value


def _initiative_rows(card: Scorecard) -> dict[int, dict]:
    t = card.initiatives
    return {int(i): {"is_active": bool(r.is_active), "alignment_score": float(r.alignment_score),
                     "line_of_sight": round(float(r.line_of_sight), 4),
                     "measurement": round(float(r.measurement), 4),
                     "freshness": round(float(r.freshness), 4),
                     "priority_score": float(r.priority_score)}
            for i, r in zip(t.index, t.itertuples(index=False), strict=True)}


def _goal_rows(card: Scorecard) -> dict[int, dict]:
    t = card.goals
    rows = {}
    for i, r in zip(t.index, t.itertuples(index=False), strict=True):
        rows[int(i)] = {
            "is_active": bool(r.is_active), "is_priority": bool(r.is_priority),
            "weight": float(r.weight), "smart_passed": bool(r.smart_passed), "smart": r.smart,
            "progress": _round(r.progress), "forecast_status": r.forecast_status,
            "forecast_value": _round(r.forecast_value),
            "forecast_share": _round(r.forecast_share),
            "forecast_reason": r.forecast_reason[:300], "served_by": int(r.served_by)}
    return rows


def _round(value, digits: int = 6):
    value = _clean(value)
    return None if value is None else round(float(value), digits)


def _metric_rows(card: Scorecard) -> dict[int, dict]:
    t = card.metrics
    rows = {}
    for i, r in zip(t.index, t.itertuples(index=False), strict=True):
        rows[int(i)] = {
            "latest_period": _clean(r.latest_period), "latest_value": _round(r.latest_value),
            "is_fresh": bool(r.is_fresh), "in_use": bool(r.in_use),
            "is_vanity": bool(r.is_vanity), "vanity_rule": bool(r.vanity_rule),
            "vanity_verdict": r.vanity_verdict,
            "vanity_correlation": _round(r.vanity_correlation, 4),
            "vanity_goal_id": None if _clean(r.vanity_goal_id) is None
            else int(r.vanity_goal_id),
            "vanity_note": r.vanity_note}
    return rows


def _organization_row(card: Scorecard) -> dict:
    d, spend = card.dimensions, card.misaligned_spend
    counts = card.flags["severity"].value_counts().to_dict()
    return {"d1_goals": d["d1"], "d2_alignment": d["d2"], "d3_measurement": d["d3"],
            "d4_feedback": d["d4"], "d5_integration": d["d5"], "rung": card.rung,
            "misaligned_spend": Decimal(str(spend["amount"])).quantize(Decimal("0.01")),
            "misaligned_spend_share": spend["share"], "explanation": card.explanation,
            "open_flags": {s: int(counts.get(s, 0)) for s in SEVERITY_ORDER}}


def _upsert(model, key: str, organization_id: int, wanted: dict, now) -> int:
    """Write the rows of `wanted` ({subject id: fields}) that are new or differ: one query to
    read, at most one upsert. Returns the number of rows written."""
    fields = list(next(iter(wanted.values())).keys()) if wanted else []
    existing = {row[key]: row for row in
                model.objects.filter(organization_id=organization_id).values(key, *fields)}
    changed = [
        model(**{"organization_id": organization_id, key: subject}, computed_at=now, **values)
        for subject, values in wanted.items()
        if subject not in existing
        or any(existing[subject][f] != v for f, v in values.items())]
    if changed:
        model.objects.bulk_create(changed, update_conflicts=True, unique_fields=[key[:-3]],
                                  update_fields=[*fields, "computed_at"])
    return len(changed)


def write_flags(organization_id: int, raised: pd.DataFrame, now) -> dict[str, int]:
    """Open new flags, refresh the wording of those still raised, resolve the others."""
    open_flags = {(f.code, f.subject_type, f.subject_id): f
                  for f in Flag.objects.filter(organization_id=organization_id,
                                               resolved_at=None)}
    new, updated, seen = [], [], set()
    wording = ("severity", "subject_label", "message", "suggested_fix")
    for row in raised.itertuples(index=False):
        key = (row.code, row.subject_type, row.subject_id)
        if key in seen:
            continue
        seen.add(key)
        flag = open_flags.get(key)
        if flag is None:
            new.append(Flag(organization_id=organization_id, code=row.code,
                            severity=row.severity, subject_type=row.subject_type,
                            subject_id=row.subject_id, subject_label=row.subject_label,
                            message=row.message, suggested_fix=row.suggested_fix,
                            first_seen_at=now))
        elif any(getattr(flag, f) != getattr(row, f) for f in wording):
            for f in wording:
                setattr(flag, f, getattr(row, f))
            updated.append(flag)
    gone = [flag.pk for key, flag in open_flags.items() if key not in seen]
    if gone:
        Flag.objects.filter(pk__in=gone).update(resolved_at=now)
    if updated:
        Flag.objects.bulk_update(updated, wording)
    if new:
        Flag.objects.bulk_create(new)
    return {"opened": len(new), "updated": len(updated), "resolved": len(gone)}


def write_scorecard(organization_id: int, card: Scorecard) -> dict[str, int]:
    now = timezone.now()
    with transaction.atomic():
        written = {
            "initiatives": _upsert(InitiativeScore, "initiative_id", organization_id,
                                   _initiative_rows(card), now),
            "goals": _upsert(GoalScore, "goal_id", organization_id, _goal_rows(card), now),
            "metrics": _upsert(MetricScore, "metric_id", organization_id, _metric_rows(card),
                               now),
            "organization": _upsert(OrganizationScore, "organization_id", organization_id,
                                    {organization_id: _organization_row(card)}, now),
        }
        written.update(write_flags(organization_id, card.flags, now))
    return written


def recompute(organization_id: int, today: date | None = None) -> Scorecard:
    """Score one organization now and write what changed. No claim, no bookkeeping: the
    task (tasks.py) and the command call this through triggers.run_recompute."""
    today = today or timezone.localdate()
    frames = load_frames(organization_id)
    card = score(frames, today)
    write_scorecard(organization_id, card)
    return card
