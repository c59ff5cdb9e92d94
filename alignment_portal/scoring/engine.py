"""Load one organization's records, score them (compute.py, pure), write what changed.

The thin layer around the pure functions:

- `load_frames` reads the organization in LOAD_QUERIES queries whatever its size (values_list
  into DataFrames; measured values are cast to float in SQL, which is much cheaper than
  building 50,000 Decimals);
- `write_scorecard` reads the current score rows, impact evidence and open flags (6 queries)
  and writes only rows whose values changed: per score table one insert of new rows (COPY on
  PostgreSQL, lib/bulk.py) and one upsert of changed ones (impact evidence: one update, and one
  delete of pairs that no longer apply); one insert of new flags, one update of
  changed flags and one update resolving flags that no longer hold. A recompute that finds
  nothing changed writes nothing at all, so running it twice gives the same rows.

Flags keep their first_seen_at while they hold; one that no longer holds gets resolved_at and
stays; if the cause comes back, a new flag opens.

Late writers cannot win: a recompute that holds a claim (triggers.run_recompute) writes only
if the claim is still its own when it commits. The last statement of the write's transaction
locks the organization row on the condition that `recompute_started_at` still equals the
claim's start; a worker cut off from the network past CLAIM_STALE, whose claim another worker
took over, finds it changed, and its whole write rolls back (ClaimLost). The lock is taken
last, so it is held only for the commit: the web's writes, which update the same row to mark
a recompute, never wait for the score upserts. A recompute that changed nothing checks the
claim without the lock (nothing to fence, and no WAL flush for a read-only transaction).
A write commits asynchronously (`_commit_without_waiting_for_the_disk`): scores are derived
data, and the claim's release, a synchronous commit after it, makes them durable first.
"""

import functools
import math
from collections import Counter
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd
from django.db import connections, transaction
from django.db.models import FloatField, Func, IntegerField
from django.db.models.functions import Cast
from django.utils import timezone

from alignment_portal.benefits.models import BenefitEntry, BenefitScore
from alignment_portal.feeds.models import Feed
from alignment_portal.lib.bulk import insert_rows
from alignment_portal.lib.compiled import CompiledQuery
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring.compute import Scorecard, score
from alignment_portal.scoring.constants import SEVERITY_ORDER
from alignment_portal.scoring.frames import COLUMNS, OrgFrames, frame
from alignment_portal.scoring.models import (
    Flag,
    GoalScore,
    ImpactEvidence,
    InitiativeScore,
    MetricScore,
    OrganizationScore,
)
from alignment_portal.scoring.rounding import python_rounded
from goals.models import Cycle, Goal
from initiatives.models import AlignmentLink, Initiative, MeasurementLink, Tool, ToolCategory
from metrics.models import Metric, MetricValue

LOAD_QUERIES = 13
# The stored impact evidence a recompute may reuse (impact.impact_evidence's `previous`).
REUSED_IMPACT_FIELDS = ("verdict", "tau", "p", "effect", "effect_pct", "before_median",
                        "after_median", "n_before", "n_after", "detrended", "trend_slope",
                        "trend_at_go_live", "go_live_date", "after_start", "earliest_verdict",
                        "regression", "note")


def load_rows(organization_id: int) -> tuple[tuple[str, float | None], dict[str, list[tuple]]]:
    """The organization's (name, hour value) and its records as lists of tuples, in
    LOAD_QUERIES queries."""
    name, hour_value = Organization.objects.values_list("name", "hour_value").get(
        pk=organization_id)
    org = {"organization_id": organization_id}
    tables = {
        "cycles": Cycle.objects.filter(**org).values_list(*COLUMNS["cycles"]),
        "goals": Goal.objects.filter(**org).values_list(*COLUMNS["goals"]),
        "metrics": Metric.objects.filter(**org).values_list(
            "id", "name", "kind", "nature", "frequency", "direction", "archived_at", "unit"),
        "initiatives": Initiative.objects.filter(**org).values_list(*COLUMNS["initiatives"]),
        "tools": Tool.objects.filter(**org).values_list(*COLUMNS["tools"]),
        "initiative_tools": Initiative.tools.through.objects.filter(
            initiative__organization_id=organization_id).values_list("initiative_id",
                                                                     "tool_id"),
        "alignment_links": AlignmentLink.objects.filter(**org).values_list(
            *COLUMNS["alignment_links"]),
        "measurement_links": MeasurementLink.objects.filter(**org).values_list(
            *COLUMNS["measurement_links"]),
        "feeds": Feed.objects.filter(**org, revoked_at=None).values_list(*COLUMNS["feeds"]),
        "benefit_entries": BenefitEntry.objects.filter(**org).values_list(
            "initiative_id", "month", "hours_saved", "money_gained"),
    }
    rows = {key: list(queryset) for key, queryset in tables.items()}
    rows["metrics"] = [(*row[:6], row[6] is not None, *row[7:]) for row in rows["metrics"]]
    rows["impact_previous"] = list(ImpactEvidence.objects.filter(**org).values_list(
        "initiative_id", "metric_id", "inputs_digest", *REUSED_IMPACT_FIELDS))
    rows["values"] = fetch_rows(
        MetricValue.objects.filter(**org)
        .annotate(day=EpochDays("period"), as_float=Cast("value", FloatField()))
        .order_by("metric_id", "period")  # the index's order; the scoring needs no sort
        .values_list("metric_id", "day", "as_float"))
    return (name, None if hour_value is None else float(hour_value)), rows


def load_frames(organization_id: int) -> OrgFrames:
    """One organization's records as frames, in LOAD_QUERIES queries."""
    (name, hour_value), rows = load_rows(organization_id)
    frames = {key: frame(key, table) for key, table in rows.items()
              if key not in ("values", "impact_previous")}
    previous = {(row[0], row[1]): (row[2], dict(zip(REUSED_IMPACT_FIELDS, row[3:],
                                                      strict=True)))
                for row in rows["impact_previous"]}
    return OrgFrames(organization_id, name, values=values_frame(rows["values"]),
                     hour_value=hour_value, tool_category_labels=TOOL_CATEGORY_LABELS,
                     impact_previous=previous,
                     **frames)


TOOL_CATEGORY_LABELS = {str(value): str(label) for value, label in ToolCategory.choices}


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
    if isinstance(rows[0][1], int):
        # One C pass over the tuples into a record array (a large organization has 50,000).
        table = np.fromiter(rows, dtype=VALUE_RECORD, count=len(rows))
        return pd.DataFrame({"metric_id": table["metric_id"],
                             "period": (table["day"] * NANOSECONDS_PER_DAY).view("M8[ns]"),
                             "value": table["value"]})
    metric_ids, periods, values = zip(*rows, strict=True)
    return pd.DataFrame({
        "metric_id": np.fromiter(metric_ids, dtype="int64", count=len(rows)),
        "period": np.array(periods, dtype="datetime64[D]").astype("datetime64[ns]"),
        "value": np.array(values, dtype=float),
    })


VALUE_RECORD = np.dtype([("metric_id", "i8"), ("day", "i8"), ("value", "f8")])
NANOSECONDS_PER_DAY = 86_400 * 10**9


# --- Writing -------------------------------------------------------------------------------

# Rows are built column-wise from the scorecard's frames (a NumPy column to a list at a
# time, not a pandas row at a time), as tuples in the order of the model's fields; comparing
# them with the stored tuples tells what changed.

def _floats(column: pd.Series, digits: int | None = None) -> list:
    """A numeric column as Python floats, rounded to `digits`; NaN and None become None."""
    if column.dtype.kind in "fiub":
        array = column.to_numpy(dtype=float)
    else:
        array = pd.to_numeric(column, errors="coerce").to_numpy(dtype=float)
    if digits is not None:
        return python_rounded(array, digits)
    values = array.tolist()
    # (v != v: NaN)
    return [None if v != v else v for v in values] if np.isnan(array).any() else values


def _bools(column: pd.Series) -> list[bool]:
    return column.to_numpy(dtype=bool).tolist()


def _ints(column: pd.Series) -> list:
    return [None if v is None else int(v) for v in _floats(column)]


def _dates(column: pd.Series) -> list:
    return [v if type(v) is date else None if v is None or pd.isna(v)
            else v.date() if isinstance(v, pd.Timestamp) else v
            for v in column.tolist()]


INITIATIVE_FIELDS = ("is_active", "alignment_score", "line_of_sight", "measurement",
                     "freshness", "priority_score")


def _initiative_rows(card: Scorecard) -> dict[int, tuple]:
    t = card.initiatives
    columns = (_bools(t["is_active"]), _floats(t["alignment_score"]),
               _floats(t["line_of_sight"], 4), _floats(t["measurement"], 4),
               _floats(t["freshness"], 4), _floats(t["priority_score"]))
    return dict(zip(t.index.tolist(), zip(*columns, strict=True), strict=True))


GOAL_FIELDS = ("is_active", "is_priority", "weight", "smart_passed", "smart", "progress",
               "forecast_status", "forecast_value", "forecast_share", "forecast_reason",
               "forecast_params", "served_by")


def _goal_rows(card: Scorecard) -> dict[int, tuple]:
    t = card.goals
    columns = (_bools(t["is_active"]), _bools(t["is_priority"]), _floats(t["weight"]),
               _bools(t["smart_passed"]), t["smart"].tolist(), _floats(t["progress"], 6),
               t["forecast_status"].tolist(), _floats(t["forecast_value"], 6),
               _floats(t["forecast_share"], 6),
               [reason[:300] for reason in t["forecast_reason"].tolist()],
               [dict(params) for params in t["forecast_params"].tolist()],
               _ints(t["served_by"]))
    return dict(zip(t.index.tolist(), zip(*columns, strict=True), strict=True))


METRIC_FIELDS = ("latest_period", "latest_value", "is_fresh", "in_use", "is_vanity",
                 "vanity_rule", "vanity_verdict", "vanity_correlation", "vanity_goal_id",
                 "vanity_note")


def _metric_rows(card: Scorecard) -> dict[int, tuple]:
    t = card.metrics
    columns = (_dates(t["latest_period"]), _floats(t["latest_value"], 6),
               _bools(t["is_fresh"]), _bools(t["in_use"]), _bools(t["is_vanity"]),
               _bools(t["vanity_rule"]), t["vanity_verdict"].tolist(),
               _floats(t["vanity_correlation"], 4), _ints(t["vanity_goal_id"]),
               t["vanity_note"].tolist())
    return dict(zip(t.index.tolist(), zip(*columns, strict=True), strict=True))


ORGANIZATION_FIELDS = ("d1_goals", "d2_alignment", "d3_measurement", "d4_feedback",
                       "d5_integration", "rung", "misaligned_spend", "misaligned_spend_share",
                       "explanation", "open_flags")


def _organization_row(card: Scorecard) -> tuple:
    d, spend = card.dimensions, card.misaligned_spend
    counts = Counter(card.flags["severity"].tolist())  # (a tenth of value_counts' cost)
    return (d["d1"], d["d2"], d["d3"], d["d4"], d["d5"], card.rung,
            Decimal(str(spend["amount"])).quantize(Decimal("0.01")), spend["share"],
            card.explanation, {s: int(counts.get(s, 0)) for s in SEVERITY_ORDER})


BENEFIT_FIELDS = ("months_live", "basis", "expected_monthly", "expected_hours_monthly",
                  "expected_money_monthly", "cost_to_date", "realised_hours", "realised_money",
                  "realised_to_date", "entries", "realisation", "net", "roi", "recent_rate",
                  "payback_status", "payback_month")


def _benefit_rows(card: Scorecard) -> dict[int, tuple]:
    t = card.benefits
    money = [_floats(t[c], 2) for c in ("expected_monthly", "expected_hours_monthly",
                                         "expected_money_monthly", "cost_to_date",
                                         "realised_hours", "realised_money",
                                         "realised_to_date")]
    columns = (_ints(t["months_live"]), t["basis"].tolist(), *money, _ints(t["entries"]),
               _floats(t["realisation"], 4), _floats(t["net"], 2), _floats(t["roi"], 4),
               _floats(t["recent_rate"], 2), t["payback_status"].tolist(),
               _dates(t["payback_month"]))
    return dict(zip(t.index.tolist(), zip(*columns, strict=True), strict=True))


@functools.cache
def _stored(model, columns: tuple[str, ...], *, open_only: bool = False) -> CompiledQuery:
    """The query reading `columns` of an organization's stored rows of `model` (flags: the
    open ones), compiled once per process (lib/compiled.py): the ORM spent more CPU building
    each of the seven than the database takes to answer it."""
    return CompiledQuery(
        lambda organization_id: model.objects.filter(
            organization_id=organization_id, **({"resolved_at": None} if open_only else {}))
        .values_list(*columns), ints=["organization_id"])


def _upsert(model, key: str, organization_id: int, fields: tuple[str, ...],
            wanted: dict[int, tuple], now) -> int:
    """Write the rows of `wanted` ({subject id: values in `fields` order}) that are new or
    differ: one query to read, then at most one insert (COPY) of new rows and one upsert of
    changed ones. Returns the number of rows written."""
    existing = {row[0]: row[1:]
                for row in _stored(model, (key, *fields)).rows(organization_id=organization_id)}
    own_key = key == "organization_id"  # OrganizationScore: the subject is the organization
    columns = ["organization_id", *([] if own_key else [key]), "computed_at", *fields]
    new = [(organization_id, *(() if own_key else (subject,)), now, *values)
           for subject, values in wanted.items() if subject not in existing]
    changed = [
        model(**{"organization_id": organization_id, key: subject}, computed_at=now,
              **dict(zip(fields, values, strict=True)))
        for subject, values in wanted.items()
        if subject in existing and existing[subject] != values]
    insert_rows(model, columns, new)
    if changed:
        model.objects.bulk_create(changed, update_conflicts=True, unique_fields=[key[:-3]],
                                  update_fields=[*fields, "computed_at"])
    return len(new) + len(changed)


IMPACT_FIELDS = ("verdict", "tau", "p", "effect", "effect_pct", "before_median",
                 "after_median", "n_before", "n_after", "detrended", "trend_slope",
                 "trend_at_go_live", "go_live_date", "after_start", "earliest_verdict",
                 "shared_with", "regression", "note", "inputs_digest")


def _rounded(value, digits: int = 9):
    """JSON-ready: floats rounded (so a recompute compares equal to what it stored),
    NaN as None, containers recursed."""
    if type(value) is float:  # the common case first
        return None if value != value else round(value, digits)
    if value is None or type(value) is str:
        return value
    if isinstance(value, dict):
        return {k: _rounded(v, digits) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(v, digits) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, float | np.floating):
        return None if math.isnan(value) else round(float(value), digits)
    if isinstance(value, np.integer):
        return int(value)
    return value


def _impact_rows(card: Scorecard) -> dict[tuple[int, int], tuple]:
    t = card.impact
    if t.empty:
        return {}
    columns = (t["verdict"].tolist(), _floats(t["tau"], 6), _floats(t["p"], 6),
               _floats(t["effect"], 6), _floats(t["effect_pct"], 4),
               _floats(t["before_median"], 6), _floats(t["after_median"], 6),
               _ints(t["n_before"]), _ints(t["n_after"]), _bools(t["detrended"]),
               _floats(t["trend_slope"], 9), _floats(t["trend_at_go_live"], 6),
               _dates(t["go_live_date"]), _dates(t["after_start"]),
               _dates(t["earliest_verdict"]), [list(v) for v in t["shared_with"].tolist()],
               [_rounded(v, 6) for v in t["regression"].tolist()],
               [note[:2000] for note in t["note"].tolist()], t["inputs_digest"].tolist())
    keys = zip(t["initiative_id"].tolist(), t["metric_id"].tolist(), strict=True)
    return dict(zip(keys, zip(*columns, strict=True), strict=True))


def write_impact(organization_id: int, wanted: dict[tuple[int, int], tuple], now) -> int:
    """Write the impact evidence rows that are new or changed, delete those of pairs that no
    longer apply (the initiative is not live, the link or the metric has gone): one query to
    read, at most one insert (COPY), one update and one delete."""
    existing = {(row[1], row[2]): (row[0], row[3:]) for row in _stored(
        ImpactEvidence, ("pk", "initiative_id", "metric_id", *IMPACT_FIELDS)).rows(
        organization_id=organization_id)}
    new = [(organization_id, i, m, now, *values) for (i, m), values in wanted.items()
           if (i, m) not in existing]
    changed = [ImpactEvidence(pk=existing[key][0], computed_at=now,
                              **dict(zip(IMPACT_FIELDS, values, strict=True)))
               for key, values in wanted.items()
               if key in existing and existing[key][1] != values]
    gone = [pk for key, (pk, _) in existing.items() if key not in wanted]
    if gone:
        ImpactEvidence.objects.filter(pk__in=gone).delete()
    if changed:
        ImpactEvidence.objects.bulk_update(changed, [*IMPACT_FIELDS, "computed_at"])
    insert_rows(ImpactEvidence, ("organization_id", "initiative_id", "metric_id",
                                 "computed_at", *IMPACT_FIELDS), new)
    return len(new) + len(changed) + len(gone)


FLAG_KEY = ("code", "subject_type", "subject_id")
# What a flag says: its params are rendered in the reader's language (wording.py), so a
# flag's row changes only when a name or a number in its sentences does.
FLAG_WORDING = ("severity", "subject_label", "params")


def write_flags(organization_id: int, raised: pd.DataFrame, now) -> dict[str, int]:
    """Open new flags, refresh the wording of those still raised, resolve the others."""
    open_flags = {row[1:4]: (row[0], row[4:]) for row in _stored(
        Flag, ("pk", *FLAG_KEY, *FLAG_WORDING), open_only=True).rows(
        organization_id=organization_id)}
    new, updated, seen = [], [], set()
    columns = [raised[name].tolist() for name in (*FLAG_KEY, *FLAG_WORDING)]
    for code, subject_type, subject_id, *wording in zip(*columns, strict=True):
        key, wording = (code, subject_type, subject_id), tuple(wording)
        if key in seen:
            continue
        seen.add(key)
        stored = open_flags.get(key)
        if stored is None:
            new.append((organization_id, *key, *wording, now))
        elif stored[1] != wording:
            updated.append(Flag(pk=stored[0], **dict(zip(FLAG_WORDING, wording, strict=True))))
    gone = [pk for key, (pk, _) in open_flags.items() if key not in seen]
    if gone:
        Flag.objects.filter(pk__in=gone).update(resolved_at=now)
    if updated:
        Flag.objects.bulk_update(updated, FLAG_WORDING)
    insert_rows(Flag, ("organization_id", *FLAG_KEY, *FLAG_WORDING, "first_seen_at"), new)
    return {"opened": len(new), "updated": len(updated), "resolved": len(gone)}


class ClaimLost(Exception):
    """The claim this recompute started from was taken over: its scores were not written."""


def _still_held(claim, *, lock: bool) -> bool:
    """Whether `claim` still holds the organization; with `lock`, the row stays locked until
    the transaction ends. A transaction that wrote nothing needs no lock (there is nothing to
    fence), and a lock would give it a transaction id and a WAL flush at commit."""
    held = Organization.objects.filter(pk=claim.organization_id,
                                       recompute_started_at=claim.started_at)
    return (held.select_for_update() if lock else held).exists()


def write_scorecard(organization_id: int, card: Scorecard, *, claim=None) -> dict[str, int]:
    """Write what changed, in one transaction; with a `claim` (triggers.Claim), only while it
    is still held at commit, else roll back and raise ClaimLost."""
    now = timezone.now()
    with transaction.atomic():
        written = {
            "initiatives": _upsert(InitiativeScore, "initiative_id", organization_id,
                                   INITIATIVE_FIELDS, _initiative_rows(card), now),
            "goals": _upsert(GoalScore, "goal_id", organization_id, GOAL_FIELDS,
                             _goal_rows(card), now),
            "metrics": _upsert(MetricScore, "metric_id", organization_id, METRIC_FIELDS,
                               _metric_rows(card), now),
            "benefits": _upsert(BenefitScore, "initiative_id", organization_id, BENEFIT_FIELDS,
                                _benefit_rows(card), now),
            "organization": _upsert(OrganizationScore, "organization_id", organization_id,
                                    ORGANIZATION_FIELDS,
                                    {organization_id: _organization_row(card)}, now),
            "impact": write_impact(organization_id, _impact_rows(card), now),
        }
        written.update(write_flags(organization_id, card.flags, now))
        wrote = any(written.values())
        if claim is not None and not _still_held(claim, lock=wrote):
            raise ClaimLost(organization_id, claim.started_at)  # rolls back the writes
        if wrote:
            _commit_without_waiting_for_the_disk()
    return written


def _commit_without_waiting_for_the_disk() -> None:
    """This transaction's commit returns before its WAL reaches the disk (PostgreSQL's
    asynchronous commit, for this transaction only). The scores are derived data: a database
    crash within the WAL writer's delay may lose them, never corrupt them, and WAL order
    means any later synchronous commit (the claim's release, which records the generation
    covered) makes them durable first, so a lost write is a recompute not yet recorded as
    done. Saves a disk flush per recompute that writes."""
    connection = connections[ImpactEvidence.objects.db]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")


def recompute(organization_id: int, today: date | None = None, *, claim=None) -> Scorecard:
    """Score one organization now and write what changed. No bookkeeping: the task
    (tasks.py) and the command call this through triggers.run_recompute, which passes its
    `claim` so that the write is fenced on it."""
    today = today or timezone.localdate()
    frames = load_frames(organization_id)
    card = score(frames, today)
    write_scorecard(organization_id, card, claim=claim)
    return card
