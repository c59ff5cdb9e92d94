"""The maturity ladder (DOMAIN.md, "Maturity ladder"): pure.

The rung is the highest whose conditions all hold, each rung including those below it.
Rung 1 (Ad hoc) has no condition: it is where every organization starts, even one that has
recorded nothing yet. Every condition carries its value now, the value needed, and the records
to act on, so the explanation of the next rung reads "3 active initiatives have no active
goal: A, B, C" rather than "D2 is 62".

Decisions where DOMAIN.md is silent:
- "the last closed cycle was reviewed": the closed cycle with the latest end date has a
  review (reviewed_at); with no closed cycle yet the condition is not met;
- "two closed cycles reviewed": at least two closed cycles have a review, not necessarily
  the last two;
- "≥ 70 % of priority goals on track": priority goals of the current cycle whose forecast is
  on track; with no priority goal the condition is not met;
- "misaligned spend < 10 %" is the share of all active monthly spend (alignment.py).
"""

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from alignment_portal.scoring import constants, rules
from alignment_portal.scoring.frames import OrgFrames


@dataclass
class Condition:
    key: str
    rung: int
    label: str
    now: float | int | str | None
    needed: str
    met: bool
    message: str = ""
    records: list[dict] = field(default_factory=list)
    record_count: int = 0
    # What the message says, language-neutral (numbers written the English way, record
    # names): maturity_wording renders label and message from key and params when read.
    params: dict = field(default_factory=dict)

    def as_json(self, with_records: bool) -> dict:
        # By hand rather than dataclasses.asdict, which deep-copies every record dict.
        return {"key": self.key, "rung": self.rung, "label": self.label, "now": self.now,
                "needed": self.needed, "met": self.met,
                "message": self.message if with_records else "",
                "records": [dict(r) for r in self.records] if with_records else [],
                "record_count": self.record_count,
                "params": self.params if with_records else {}}


def _records(kind: str, ids, labels: dict) -> tuple[list[dict], int]:
    ids = list(ids)
    return ([{"type": kind, "id": int(i), "label": str(labels.get(i, i))}
             for i in ids[:constants.EXPLANATION_MAX_RECORDS]], len(ids))


def _names(records: list[dict], count: int) -> str:
    names = ", ".join(r["label"] for r in records)
    return names + (f" and {count - len(records)} more" if count > len(records) else "")


def _names_params(records: list[dict], count: int) -> dict:
    return {"count": count, "names": [r["label"] for r in records]}


def _listing_params(kind: str, count: int, records: list[dict]) -> dict | None:
    return {"kind": kind, **_names_params(records, count)} if count else None


def _listing(count: int, one: str, many: str, records: list[dict]) -> str:
    if not count:
        return ""
    return f"{count} {one if count == 1 else many}: {_names(records, count)}"


def _dimension(key, rung, label, value, minimum, records=None, count=0, what="",
               listing_params=None):
    met = value >= minimum
    listing = what if count else ""
    message = "" if met else f"{label} is {round(float(value), 2):g}, needs {minimum}." + (
        f" {listing}" if listing else "")
    params = {} if met else {"value": f"{round(float(value), 2):g}", "minimum": minimum,
                             "listing": listing_params if count else None}
    return Condition(key, rung, label, round(float(value), 2), f"≥ {minimum}", met, message,
                     records or [], count, params)


@dataclass
class _Listing:
    """Records to act on for one shortfall: the first ones, how many in all, and a sentence."""

    records: list[dict]
    count: int
    text: str
    params: dict | None  # maturity_wording renders it by its "kind"


def _listing_of(kind: str, ids, labels: dict, one: str, many: str, wording: str) -> _Listing:
    records, count = _records(kind, ids, labels)
    return _Listing(records, count, _listing(count, one, many, records),
                    _listing_params(wording, count, records))


@dataclass
class _Standing:
    """What the conditions of every rung read: the organization's tables, its dimensions and
    spend, and the records behind each shortfall."""

    frames: OrgFrames
    dims: dict
    spend: dict
    goal_table: pd.DataFrame
    metric_table: pd.DataFrame
    active_goals: pd.DataFrame
    active_initiatives: pd.DataFrame
    active_tools: pd.DataFrame
    not_smart: _Listing
    unaligned: _Listing
    unmeasured: _Listing
    stale: _Listing
    to_integrate: _Listing


def _standing(frames, dims, spend, goal_table, initiative_table, metric_table,
              tool_table) -> _Standing:
    active_goals = goal_table[goal_table["is_active"]]
    active = initiative_table[initiative_table["is_active"]]
    in_use = metric_table[metric_table["in_use"]]
    active_tools = tool_table[tool_table["is_active"]]
    goals, initiatives = frames.labels("goals"), frames.labels("initiatives")
    return _Standing(
        frames, dims, spend, goal_table, metric_table, active_goals, active, active_tools,
        not_smart=_listing_of("goal", active_goals.index[~active_goals["smart_passed"]
                                                          .astype(bool)], goals,
                              "active goal fails a SMART criterion",
                              "active goals fail a SMART criterion", "not_smart"),
        unaligned=_listing_of("initiative", active.index[active["live_link_count"] == 0],
                              initiatives, "active initiative has no active goal",
                              "active initiatives have no active goal", "unaligned"),
        unmeasured=_listing_of("initiative", active.index[active["outcome_metric_count"] == 0],
                               initiatives, "active initiative has no outcome metric",
                               "active initiatives have no outcome metric", "unmeasured"),
        stale=_listing_of("metric", in_use.index[~in_use["is_fresh"]], frames.labels("metrics"),
                          "metric in use has no fresh value",
                          "metrics in use have no fresh value", "stale"),
        to_integrate=_listing_of(
            "tool", active_tools.index[active_tools["integration"].ne("api")
                                       | active_tools["redundant"]], frames.labels("tools"),
            "active tool is not integrated via API or is redundant",
            "active tools are not integrated via API or are redundant", "to_integrate"),
    )


def _dimension_condition(s: _Standing, key: str, rung: int, label: str, minimum: float,
                         shortfall: _Listing) -> Condition:
    return _dimension(key, rung, label, s.dims[key], minimum, shortfall.records,
                      shortfall.count, shortfall.text, shortfall.params)


def _rung2(s: _Standing) -> list[Condition]:
    """Defined: an active goal passes SMART; D2 ≥ 50."""
    smart_count = int(s.active_goals["smart_passed"].astype(bool).sum())
    met = smart_count >= constants.RUNG2_MIN_SMART_GOALS
    message = "" if met else (
        ("No active goal passes all five SMART criteria. " + s.not_smart.text)
        if s.not_smart.count
        else "There is no active goal yet: write one that passes all five SMART criteria."
    ).strip()
    params = {} if met else {"listing": s.not_smart.params}
    return [
        Condition("smart_goal", 2, "Active goals passing SMART", smart_count,
                  f"≥ {constants.RUNG2_MIN_SMART_GOALS}", met, message, s.not_smart.records,
                  s.not_smart.count, params),
        _dimension_condition(s, "d2", 2, "D2 Alignment", constants.RUNG2_MIN_D2, s.unaligned),
    ]


def _rung3(s: _Standing) -> list[Condition]:
    """Aligned: D1 ≥ 70, D2 ≥ 80, D3 ≥ 50, D4 ≥ 50."""
    return [
        _dimension_condition(s, "d1", 3, "D1 Goals", constants.RUNG3_MIN_D1, s.not_smart),
        _dimension_condition(s, "d2", 3, "D2 Alignment", constants.RUNG3_MIN_D2, s.unaligned),
        _dimension_condition(s, "d3", 3, "D3 Measurement", constants.RUNG3_MIN_D3, s.unmeasured),
        _dimension_condition(s, "d4", 3, "D4 Feedback", constants.RUNG3_MIN_D4, s.stale),
    ]


def _fresh_kvi_condition(s: _Standing) -> Condition:
    metrics = s.metric_table
    kvis = metrics[~metrics["is_archived"] & metrics.index.isin(
        s.frames.metrics.loc[s.frames.metrics["kind"].eq("KVI"), "id"])]
    fresh_kvis = int(kvis["is_fresh"].sum())
    stale, n_stale = _records("metric", kvis.index[~kvis["is_fresh"]],
                              s.frames.labels("metrics"))
    met = fresh_kvis >= constants.RUNG4_MIN_FRESH_KVIS
    message = "" if met else (
        f"No KVI has a fresh value. Log a value for: {_names(stale, n_stale)}"
        if n_stale else "There is no KVI: define a key value indicator and log it.")
    params = {} if met else {"stale": _names_params(stale, n_stale) if n_stale else None}
    return Condition("fresh_kvi", 4, "Fresh KVIs", fresh_kvis,
                     f"≥ {constants.RUNG4_MIN_FRESH_KVIS}", met, message, stale, n_stale,
                     params)


def _closed_cycles(s: _Standing) -> pd.DataFrame:
    cycles = s.frames.cycles
    return cycles[cycles["state"].isin(rules.CLOSED_CYCLE_STATES)].sort_values("end_date")


def _last_cycle_reviewed_condition(s: _Standing) -> Condition:
    closed = _closed_cycles(s)
    if len(closed):
        last = closed.iloc[-1]
        reviewed = pd.notna(last["reviewed_at"])
        records, count = _records("cycle", [] if reviewed else [last["id"]],
                                  s.frames.labels("cycles"))
        message = "" if reviewed else \
            f"The last closed cycle, {last['name']}, has no review: review it."
        params = {} if reviewed else {"cycle": str(last["name"])}
    else:
        reviewed, records, count = False, [], 0
        message = "No cycle has been closed yet: close and review the current one."
        params = {"cycle": None}
    return Condition("last_cycle_reviewed", 4, "Last closed cycle reviewed",
                     "yes" if reviewed else "no", "yes", reviewed, message, records, count,
                     params)


def _rung4(s: _Standing) -> list[Condition]:
    """Integrated: D2 ≥ 90, D3 ≥ 75, D4 ≥ 75, D5 ≥ 60, a fresh KVI, the last closed cycle
    reviewed."""
    return [
        _dimension_condition(s, "d2", 4, "D2 Alignment", constants.RUNG4_MIN_D2, s.unaligned),
        _dimension_condition(s, "d3", 4, "D3 Measurement", constants.RUNG4_MIN_D3, s.unmeasured),
        _dimension_condition(s, "d4", 4, "D4 Feedback", constants.RUNG4_MIN_D4, s.stale),
        _dimension_condition(s, "d5", 4, "D5 Integration", constants.RUNG4_MIN_D5, s.to_integrate),
        _fresh_kvi_condition(s),
        _last_cycle_reviewed_condition(s),
    ]


def _reviewed_cycles_condition(s: _Standing) -> Condition:
    closed = _closed_cycles(s)
    n_reviewed = int(closed["reviewed_at"].notna().sum())
    unreviewed, n_unreviewed = _records("cycle", closed.loc[closed["reviewed_at"].isna(), "id"],
                                        s.frames.labels("cycles"))
    met = n_reviewed >= constants.RUNG5_MIN_REVIEWED_CYCLES
    message = "" if met else (
        f"{n_reviewed} closed cycle(s) reviewed, {constants.RUNG5_MIN_REVIEWED_CYCLES} needed."
        + (f" Review: {_names(unreviewed, n_unreviewed)}" if n_unreviewed else ""))
    params = {} if met else {
        "reviewed": n_reviewed, "needed": constants.RUNG5_MIN_REVIEWED_CYCLES,
        "unreviewed": _names_params(unreviewed, n_unreviewed) if n_unreviewed else None}
    return Condition("reviewed_cycles", 5, "Closed cycles reviewed", n_reviewed,
                     f"≥ {constants.RUNG5_MIN_REVIEWED_CYCLES}", met, message, unreviewed,
                     n_unreviewed, params)


def _priority_on_track_condition(s: _Standing) -> Condition:
    priority = s.goal_table[s.goal_table["is_priority"]]
    on_track = priority["forecast_status"].eq("on_track")
    share = round(100.0 * on_track.sum() / len(priority), 2) if len(priority) else 0.0
    lagging, n_lagging = _records("goal", priority.index[~on_track], s.frames.labels("goals"))
    met = len(priority) > 0 and share >= constants.RUNG5_MIN_PRIORITY_ON_TRACK_PCT
    message = "" if met else (
        "There is no priority goal in the current cycle." if not len(priority)
        else f"{share:.0f} % of priority goals are on track. "
        + _listing(n_lagging, "priority goal is not on track",
                   "priority goals are not on track", lagging))
    params = {} if met else {"share": None} if not len(priority) else {
        "share": f"{share:.0f}", "listing": _listing_params("lagging", n_lagging, lagging)}
    return Condition("priority_on_track", 5, "Priority goals on track (%)", share,
                     f"≥ {constants.RUNG5_MIN_PRIORITY_ON_TRACK_PCT}", met, message, lagging,
                     n_lagging, params)


def _misaligned_spend_condition(s: _Standing) -> Condition:
    active, tools, spend = s.active_initiatives, s.active_tools, s.spend
    costly_unaligned = active.index[(active["live_link_count"] == 0)
                                    & (active["monthly_cost"] > 0)]
    spend_records, n_spend = _records("initiative", costly_unaligned,
                                      s.frames.labels("initiatives"))
    tool_records, n_tools = _records("tool", tools.index[~tools["used"]],
                                     s.frames.labels("tools"))
    met = spend["share"] < constants.RUNG5_MAX_MISALIGNED_SPEND_PCT
    message = "" if met else " ".join(filter(None, [
        f"{spend['share']:.0f} % of monthly spend ({spend['amount']:.2f}) serves no "
        "active goal.",
        _listing(n_spend, "paid initiative has no active goal",
                 "paid initiatives have no active goal", spend_records),
        _listing(n_tools, "active tool is used by no active initiative",
                 "active tools are used by no active initiative", tool_records)]))
    params = {} if met else {
        "share": f"{spend['share']:.0f}", "amount": f"{spend['amount']:.2f}",
        "paid": _listing_params("paid_unaligned", n_spend, spend_records),
        "unused": _listing_params("unused_tools", n_tools, tool_records)}
    return Condition("misaligned_spend", 5, "Misaligned spend (%)", spend["share"],
                     f"< {constants.RUNG5_MAX_MISALIGNED_SPEND_PCT}", met, message,
                     (spend_records + tool_records)[:constants.EXPLANATION_MAX_RECORDS],
                     n_spend + n_tools, params)


def _rung5(s: _Standing) -> list[Condition]:
    """Optimizing: two closed cycles reviewed, ≥ 70 % of priority goals on track, misaligned
    spend < 10 %."""
    return [_reviewed_cycles_condition(s), _priority_on_track_condition(s),
            _misaligned_spend_condition(s)]


def _explanation(conditions: list[Condition]) -> dict:
    """The rung reached (the highest whose conditions, and those below, all hold), every
    rung's conditions, and the next rung's unmet ones with their records."""
    rung = 1
    for candidate in range(2, 6):
        if not all(c.met for c in conditions if c.rung == candidate):
            break
        rung = candidate
    next_rung = rung + 1 if rung < 5 else None
    unmet = [c for c in conditions if c.rung == next_rung and not c.met]
    return {
        "rung": rung,
        "name": constants.RUNG_NAMES[rung],
        "rungs": [{"rung": r, "name": constants.RUNG_NAMES[r],
                   "met": all(c.met for c in conditions if c.rung == r),
                   "conditions": [c.as_json(with_records=False)
                                  for c in conditions if c.rung == r]}
                  for r in range(2, 6)],
        "next": None if next_rung is None else {
            "rung": next_rung, "name": constants.RUNG_NAMES[next_rung],
            "unmet": [c.as_json(with_records=True) for c in unmet]},
    }


def assess(frames: OrgFrames, dims: dict, spend: dict, goal_table: pd.DataFrame,
           initiative_table: pd.DataFrame, metric_table: pd.DataFrame,
           tool_table: pd.DataFrame) -> dict:
    """The rung (1-5), its name, and the explanation: every rung's conditions, and for the
    next rung each unmet condition with the value now, the value needed and the records."""
    standing = _standing(frames, dims, spend, goal_table, initiative_table, metric_table,
                         tool_table)
    conditions = [*_rung2(standing), *_rung3(standing), *_rung4(standing), *_rung5(standing)]
    return _plain(_explanation(conditions))


def _plain(value):
    """JSON-ready: NumPy scalars (np.bool_, np.float64, ...) become Python ones."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
