"""The plan with a scenario's changes scored again, reusing the plan's own scorecard where the
changes cannot reach: pure (frames in, a scorecard out), the same numbers as compute.score.

A scenario changes initiatives (status, a hypothetical one), alignment links, tools and goals'
priority ranks (apply.py), never metrics, values, cycles, measurement links, benefit entries or
feeds. So the parts of a scoring that are worked out record by record, and cost most of it,
are taken from the plan's scorecard for every record whose inputs are the same:

- each goal's SMART check, progress and forecast (alignment.goal_scores), except the goals
  whose row changed (how many active initiatives serve each goal is counted afresh);
- the impact evidence (impact.impact_evidence), except the pairs on a metric that measures an
  initiative whose row changed (a pair's shared credit reads the other initiatives measured
  by the same metric);
- the benefit ledger (benefits.ledger), except the initiatives whose row changed;
- each metric's freshness (alignment.metric_freshness: metrics and values only);
- the flags that read only those (WORSENED and NO_EFFECT, the ledger's flags, FEED_FAILING),
  for the same subjects.

Everything else (metric, initiative and tool scores, D1-D5, the spend, the rung, the other
flags) is computed afresh, with compute.core_scores' and compute.score's own functions in
their order. The records a change reaches are scored with the same functions (goal_rows,
evidence_rows, ledger_records) and spliced into the plan's tables as plain values, so each
column is typed as a full scoring types it. Which records changed, apply.py says
(OrgFrames.edits); frames made otherwise are compared row by row. When the changed frames
are not those above (a future kind of change), it is a full compute.score. `rescore_core` is
the same as far as compute.core_scores goes (one change's own effect).
tests/scenarios/test_rescore.py holds it to compute.score's numbers.
"""

import dataclasses
from datetime import date

import numpy as np
import pandas as pd

from alignment_portal.scoring import alignment, benefits, flags, impact
from alignment_portal.scoring.compute import (
    CoreScores,
    Scorecard,
    core_from_tables,
    core_scores,
    score,
)
from alignment_portal.scoring.frames import OrgFrames

# The frames a scenario's changes may replace; any other replaced frame: a full scoring.
CHANGEABLE = {"initiatives", "alignment_links", "tools", "goals"}


def _replaced(before: OrgFrames, after: OrgFrames) -> set[str]:
    return {f.name for f in dataclasses.fields(OrgFrames)
            if f.name != "edits" and getattr(before, f.name) is not getattr(after, f.name)}


def _changed_rows(before: pd.DataFrame, after: pd.DataFrame) -> set | None:
    """Ids of rows of `after` that are new or differ from `before` in any column; None unless
    `after` is `before`'s rows in the same order, changed in place or with rows added at the
    end (what apply.py makes)."""
    if before is after:
        return set()
    n = len(before)
    ids = before["id"].to_numpy()
    if (len(after) < n or list(after.columns) != list(before.columns)
            or not (after["id"].to_numpy()[:n] == ids).all()):
        return None
    differ = np.zeros(n, dtype=bool)
    for column in before.columns:
        old_column, new_column = before[column], after[column]
        if old_column.dtype.kind in "iub" and new_column.dtype == old_column.dtype:
            differ |= old_column.to_numpy() != new_column.to_numpy()[:n]
            continue
        if old_column.dtype.kind == "f" and new_column.dtype == old_column.dtype:
            old, new = old_column.to_numpy(), new_column.to_numpy()[:n]
            differ |= (old != new) & ~(np.isnan(old) & np.isnan(new))
            continue
        old = old_column.to_numpy(dtype=object)
        new = new_column.to_numpy(dtype=object)[:n]
        differ |= (old != new) & ~(pd.isna(old) & pd.isna(new))
    return set(ids[differ].tolist()) | set(after["id"].to_numpy()[n:].tolist())


def _spliced(base: pd.DataFrame, ids: list, fresh: dict[str, list], order: list
             ) -> dict[str, list]:
    """The columns of `base` (a frame indexed by record id) as plain values, with the rows of
    records `ids` (`fresh`: their values by column, each in the order of `ids`) put in their
    place and those not in `base` added, in the id order `order` (the ids of `base` in its
    order, then the added ones)."""
    n = len(base)
    place = {i: p for p, i in enumerate(order)}
    targets = [place[i] for i in ids]
    if base.index.tolist() != order[:n] or len(set(targets) | set(range(n))) != len(order):
        raise ValueError("order must be base's ids, then the added ones")
    columns = {}
    for column in base.columns:
        values = base[column].tolist() + [None] * (len(order) - n)
        for target, value in zip(targets, fresh[column], strict=True):
            values[target] = value
        columns[column] = values
    return columns


def _rebuilt(base: pd.DataFrame, ids: list, fresh: dict[str, list], order: list
             ) -> pd.DataFrame:
    """_spliced as a frame indexed by `order`, built from plain values as the scoring builds
    its tables, so each column is typed as a full scoring types it (a column of fresh values
    that are all None would otherwise stay an object column beside a float one)."""
    return pd.DataFrame(_spliced(base, ids, fresh, order),
                        index=pd.Index(order, name=base.index.name), columns=base.columns)


def _in_pair_order(kept: pd.DataFrame, fresh: list[dict]) -> pd.DataFrame:
    """The impact evidence of `kept` (a frame) and `fresh` (impact.evidence_rows' rows) in
    one frame, rows in pair order (initiative, metric), built from plain values column by
    column as impact_evidence builds its frame of records, so each column is typed as a full
    scoring types it."""
    columns = {c: kept[c].tolist() + [row.get(c, np.nan) for row in fresh]
               for c in impact.COLUMNS}
    order = sorted(range(len(columns["initiative_id"])),
                   key=lambda n: (columns["initiative_id"][n], columns["metric_id"][n]))
    if not order:
        return pd.DataFrame([], columns=impact.COLUMNS)
    return pd.DataFrame({c: [values[n] for n in order] for c, values in columns.items()},
                        columns=impact.COLUMNS)


def _values_of(values: pd.DataFrame, metric_ids: set) -> pd.DataFrame:
    """The values of the given metrics: slices of the frame when it is ordered by metric (as
    the engine loads it), without a pass over every value."""
    ids = values["metric_id"].to_numpy()
    if len(ids) > 1 and not (ids[1:] >= ids[:-1]).all():
        return values[values["metric_id"].isin(list(metric_ids))]
    wanted = np.array(sorted(metric_ids), dtype=ids.dtype)
    starts, ends = np.searchsorted(ids, wanted, "left"), np.searchsorted(ids, wanted, "right")
    rows = np.concatenate([np.arange(a, b) for a, b in zip(starts, ends, strict=True)]
                          or [np.empty(0, dtype=np.int64)])
    return values.iloc[rows]


def _card_flags(card: Scorecard, section: str, dropped: set[str]) -> list[dict]:
    """The plan's flags of a section of flags.raise_flags, but those on the subjects
    `dropped` (subject ids as the flags hold them, strings), as raise_flags' rows."""
    codes = flags.SECTION_CODES[section]
    return [row for row in card.flag_records
            if row["code"] in codes and row["subject_id"] not in dropped]


def _kept_flags(after: OrgFrames, card: Scorecard, evidence: pd.DataFrame,
                ledger: pd.DataFrame, changed_initiatives: set, metrics_touched: set,
                today: date) -> dict[str, list[dict]]:
    """The rows of flags.raise_flags' impact, feed and benefit sections, each taken from the
    plan's flags for the subjects whose inputs are the same (an initiative's WORSENED and
    NO_EFFECT read its impact evidence, its ledger flags its ledger row; feeds never change)
    and worked out afresh for the others, in the order raise_flags gives them."""
    given = {"feeds": _card_flags(card, "feeds", set())}

    # Impact: one flag at most per initiative, in initiative order (evidence is in pair order).
    if evidence is card.impact:
        given["impact"] = _card_flags(card, "impact", set())
    else:
        redone = set(evidence.loc[evidence["metric_id"].isin(metrics_touched),
                                  "initiative_id"].tolist()) | (
            set(card.impact.loc[card.impact["metric_id"].isin(metrics_touched),
                                "initiative_id"].tolist()))
        fresh: list[dict] = []
        flags.impact_flags(fresh, after, evidence[evidence["initiative_id"].isin(redone)],
                           today)
        given["impact"] = sorted(_card_flags(card, "impact", {str(i) for i in redone}) + fresh,
                                 key=lambda row: int(row["subject_id"]))

    # Benefits: every BENEFIT_SHORTFALL in ledger order, then every UNPROVEN_BENEFIT.
    if ledger is card.benefits:
        given["benefits"] = _card_flags(card, "benefits", set())
    else:
        fresh = []
        redone = ledger.loc[ledger.index.isin(changed_initiatives)]
        if benefits.LIVE_STATUS in redone["status"].tolist():  # both flags need it live
            flags.benefit_flags(fresh, after, redone)
        place = {str(i): n for n, i in enumerate(ledger.index.tolist())}
        codes = flags.SECTION_CODES["benefits"]
        given["benefits"] = sorted(
            _card_flags(card, "benefits", {str(i) for i in changed_initiatives}) + fresh,
            key=lambda row: (codes.index(row["code"]), place[row["subject_id"]]))
    return given


def _changes_known(before: OrgFrames, after: OrgFrames) -> tuple[set, set] | None:
    """(ids of the initiatives, ids of the goals whose rows changed), or None when `after`
    changed a frame, or changed rows in a way, rescore.py does not know: score in full.
    Frames apply.py made from `before` say which records it changed (OrgFrames.edits); it
    only changes rows in place and adds rows at the end. Other frames are compared."""
    if _replaced(before, after) - CHANGEABLE:
        return None
    if after.edits is not None and after.edits[0] is before:
        edited = after.edits[1]
        return set(edited.get("initiatives", ())), set(edited.get("goals", ()))
    return _changes_found(before, after)


def _changes_found(before: OrgFrames, after: OrgFrames) -> tuple[set, set] | None:
    """_changes_known by comparing the frames row by row."""
    changed_initiatives = _changed_rows(before.initiatives, after.initiatives)
    changed_goals = _changed_rows(before.goals, after.goals)
    if changed_initiatives is None or changed_goals is None:
        return None
    return changed_initiatives, changed_goals


def _core(before: OrgFrames, card: Scorecard, freshness: pd.DataFrame, after: OrgFrames,
          today: date, changed_initiatives: set, changed_goals: set,
          correlations: dict | None) -> CoreScores:
    """compute.core_scores(after, today), with the goals' own scores taken from `card`, and
    every goal, metric and initiative score when none of their inputs changed (tools alone)."""
    if (not changed_initiatives and not changed_goals
            and after.alignment_links is before.alignment_links):
        return core_from_tables(after, card.metrics, card.goals, card.initiatives,
                                alignment.tool_usage(after, card.initiatives))
    weights = alignment.goal_weights(after.goals, after.cycles)
    metric_table = alignment.metric_scores(after, weights, freshness,
                                           correlations=correlations)
    goal_ids = after.goals["id"].tolist()
    own = alignment.GOAL_COLUMNS  # goal_scores' own columns, after the weights'
    # A goal's SMART check, progress and forecast read its own row, its cycle and its
    # metric's values: only a goal whose row changed is scored again. How many active
    # initiatives serve it (links, statuses) is counted afresh for every goal.
    served = alignment.served_by(after)
    if changed_goals:
        touched = after.goals[after.goals["id"].isin(changed_goals)]
        history = _values_of(after.values, set(touched["metric_id"].dropna().astype("int64")))
        fresh = alignment.goal_rows(dataclasses.replace(after, goals=touched, values=history),
                                    freshness, today, served=served)
        scores = _spliced(card.goals[own], touched["id"].tolist(),
                          {c: [row[c] for row in fresh] for c in own}, goal_ids)
    else:
        scores = {c: card.goals[c].tolist() for c in own}
    # One frame of plain columns: goal_scores' weights.join(out), without a join's alignment.
    scores["served_by"] = [int(served.get(g, 0)) for g in goal_ids]
    goal_table = pd.DataFrame({**{c: weights[c].to_numpy() for c in weights.columns},
                               **scores}, index=weights.index,
                              columns=[*weights.columns, *own])
    initiative_table = alignment.initiative_scores(after, weights, metric_table)
    return core_from_tables(after, metric_table, goal_table, initiative_table,
                            alignment.tool_usage(after, initiative_table))


def rescore_core(before: OrgFrames, card: Scorecard, freshness: pd.DataFrame,
                 after: OrgFrames, today: date, *,
                 correlations: dict | None = None) -> CoreScores:
    """compute.core_scores(after, today) (what one change's own effect shows), where `card`
    is compute.score(before, today) and `freshness` the metric freshness of `before`;
    `correlations` as alignment.metric_scores takes them (the same values as `before`)."""
    if after is before:
        return CoreScores(card.metrics, card.goals, card.initiatives, card.tools,
                          card.dimensions, card.misaligned_spend, card.explanation)
    known = _changes_known(before, after)
    if known is None:
        return core_scores(after, today)
    return _core(before, card, freshness, after, today, *known, correlations)


def rescore(before: OrgFrames, card: Scorecard, freshness: pd.DataFrame, after: OrgFrames,
            today: date, *, correlations: dict | None = None) -> Scorecard:
    """compute.score(after, today), where `card` is compute.score(before, today),
    `freshness` alignment.metric_freshness of `before`'s metrics and values and
    `correlations` as alignment.metric_scores takes them."""
    if after is before:
        return card
    known = _changes_known(before, after)
    if known is None:
        return score(after, today)
    changed_initiatives, changed_goals = known
    core = _core(before, card, freshness, after, today, changed_initiatives, changed_goals,
                 correlations)
    metric_table, goal_table = core.metrics, core.goals
    initiative_table, tool_table = core.initiatives, core.tools
    dims, spend, explanation = core.dimensions, core.misaligned_spend, core.explanation

    evidence = card.impact
    measured = after.measurement_links
    metrics_touched = set(measured.loc[measured["initiative_id"].isin(changed_initiatives),
                                       "metric_id"].tolist())
    if metrics_touched:
        # A pair reads its metric, its values and the initiatives that metric measures
        # (shared credit): only those records are passed.
        links = measured[measured["metric_id"].isin(metrics_touched)]
        fresh = impact.evidence_rows(dataclasses.replace(
            after, metrics=after.metrics[after.metrics["id"].isin(metrics_touched)],
            values=_values_of(after.values, metrics_touched), measurement_links=links,
            initiatives=after.initiatives[after.initiatives["id"].isin(
                links["initiative_id"].tolist())]), today)
        kept = card.impact[~card.impact["metric_id"].isin(metrics_touched)]
        evidence = _in_pair_order(kept, fresh)

    ledger = card.benefits
    if changed_initiatives:
        touched = after.initiatives[after.initiatives["id"].isin(changed_initiatives)]
        entries = after.benefit_entries
        records = benefits.ledger_records(touched, entries[entries["initiative_id"].isin(
            list(changed_initiatives))], hour_value=after.hour_value, today=today)
        ids, *values = (list(column) for column in zip(*records, strict=True))
        ledger = _rebuilt(card.benefits, ids, dict(zip(benefits.LEDGER_COLUMNS, values,
                                                       strict=True)),
                          after.initiatives["id"].tolist())

    rows = flags.raised_rows(after, goal_table, initiative_table, metric_table, tool_table,
                             evidence=evidence, today=today, ledger=ledger,
                             given=_kept_flags(after, card, evidence, ledger,
                                               changed_initiatives, metrics_touched, today))
    rescored = Scorecard(metric_table, goal_table, initiative_table, tool_table, dims, spend,
                         explanation, pd.DataFrame(rows, columns=flags.FLAG_COLUMNS), evidence,
                         benefits=ledger)
    rescored.flag_records = rows  # as the table holds them: not read back from it
    return rescored
