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

from alignment_portal.scoring import constants as C
from alignment_portal.scoring import rules
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

    def as_json(self, with_records: bool) -> dict:
        # By hand rather than dataclasses.asdict, which deep-copies every record dict.
        return {"key": self.key, "rung": self.rung, "label": self.label, "now": self.now,
                "needed": self.needed, "met": self.met,
                "message": self.message if with_records else "",
                "records": [dict(r) for r in self.records] if with_records else [],
                "record_count": self.record_count}


def _records(kind: str, ids, labels: dict) -> tuple[list[dict], int]:
    ids = list(ids)
    return ([{"type": kind, "id": int(i), "label": str(labels.get(i, i))}
             for i in ids[:C.EXPLANATION_MAX_RECORDS]], len(ids))


def _names(records: list[dict], count: int) -> str:
    names = ", ".join(r["label"] for r in records)
    return names + (f" and {count - len(records)} more" if count > len(records) else "")


def _listing(count: int, one: str, many: str, records: list[dict]) -> str:
    if not count:
        return ""
    return f"{count} {one if count == 1 else many}: {_names(records, count)}"


def _dimension(key, rung, label, value, minimum, records=None, count=0, what=""):
    met = value >= minimum
    listing = what if count else ""
    message = "" if met else f"{label} is {round(float(value), 2):g}, needs {minimum}." + (
        f" {listing}" if listing else "")
    return Condition(key, rung, label, round(float(value), 2), f"≥ {minimum}", met, message,
                     records or [], count)


def assess(frames: OrgFrames, dims: dict, spend: dict, goal_table: pd.DataFrame,
           initiative_table: pd.DataFrame, metric_table: pd.DataFrame,
           tool_table: pd.DataFrame) -> dict:
    """The rung (1-5), its name, and the explanation: every rung's conditions, and for the
    next rung each unmet condition with the value now, the value needed and the records."""
    goal_names = frames.labels("goals")
    init_names = frames.labels("initiatives")
    metric_names = frames.labels("metrics")
    tool_names = frames.labels("tools")
    cycle_names = frames.labels("cycles")

    active_goals = goal_table[goal_table["is_active"]]
    not_smart, n_not_smart = _records("goal", active_goals.index[~active_goals["smart_passed"]
                                                                 .astype(bool)], goal_names)
    active = initiative_table[initiative_table["is_active"]]
    unaligned, n_unaligned = _records("initiative", active.index[active["live_link_count"] == 0],
                                      init_names)
    unmeasured, n_unmeasured = _records(
        "initiative", active.index[active["outcome_metric_count"] == 0], init_names)
    in_use = metric_table[metric_table["in_use"]]
    stale, n_stale = _records("metric", in_use.index[~in_use["is_fresh"]], metric_names)
    active_tools = tool_table[tool_table["is_active"]]
    to_integrate, n_to_integrate = _records(
        "tool", active_tools.index[active_tools["integration"].ne("api")
                                   | active_tools["redundant"]], tool_names)

    unaligned_text = _listing(n_unaligned, "active initiative has no active goal",
                              "active initiatives have no active goal", unaligned)
    smart_text = _listing(n_not_smart, "active goal fails a SMART criterion",
                          "active goals fail a SMART criterion", not_smart)
    conditions: list[Condition] = []

    smart_count = int(active_goals["smart_passed"].astype(bool).sum())
    conditions.append(Condition(
        "smart_goal", 2, "Active goals passing SMART", smart_count,
        f"≥ {C.RUNG2_MIN_SMART_GOALS}", smart_count >= C.RUNG2_MIN_SMART_GOALS,
        "" if smart_count >= C.RUNG2_MIN_SMART_GOALS else (
            ("No active goal passes all five SMART criteria. " + smart_text) if n_not_smart
            else "There is no active goal yet: write one that passes all five SMART criteria."
        ).strip(), not_smart, n_not_smart))
    conditions.append(_dimension("d2", 2, "D2 Alignment", dims["d2"], C.RUNG2_MIN_D2,
                                 unaligned, n_unaligned, unaligned_text))

    conditions.append(_dimension("d1", 3, "D1 Goals", dims["d1"], C.RUNG3_MIN_D1,
                                 not_smart, n_not_smart, smart_text))
    conditions.append(_dimension("d2", 3, "D2 Alignment", dims["d2"], C.RUNG3_MIN_D2,
                                 unaligned, n_unaligned, unaligned_text))
    unmeasured_text = _listing(n_unmeasured, "active initiative has no outcome metric",
                               "active initiatives have no outcome metric", unmeasured)
    stale_text = _listing(n_stale, "metric in use has no fresh value",
                          "metrics in use have no fresh value", stale)
    conditions.append(_dimension("d3", 3, "D3 Measurement", dims["d3"], C.RUNG3_MIN_D3,
                                 unmeasured, n_unmeasured, unmeasured_text))
    conditions.append(_dimension("d4", 3, "D4 Feedback", dims["d4"], C.RUNG3_MIN_D4,
                                 stale, n_stale, stale_text))

    conditions.append(_dimension("d2", 4, "D2 Alignment", dims["d2"], C.RUNG4_MIN_D2,
                                 unaligned, n_unaligned, unaligned_text))
    conditions.append(_dimension("d3", 4, "D3 Measurement", dims["d3"], C.RUNG4_MIN_D3,
                                 unmeasured, n_unmeasured, unmeasured_text))
    conditions.append(_dimension("d4", 4, "D4 Feedback", dims["d4"], C.RUNG4_MIN_D4,
                                 stale, n_stale, stale_text))
    conditions.append(_dimension(
        "d5", 4, "D5 Integration", dims["d5"], C.RUNG4_MIN_D5, to_integrate, n_to_integrate,
        _listing(n_to_integrate, "active tool is not integrated via API or is redundant",
                 "active tools are not integrated via API or are redundant", to_integrate)))
    kvis = metric_table[~metric_table["is_archived"]
                        & metric_table.index.isin(frames.metrics.loc[
                            frames.metrics["kind"].eq("KVI"), "id"])]
    fresh_kvis = int(kvis["is_fresh"].sum())
    stale_kvis, n_stale_kvis = _records("metric", kvis.index[~kvis["is_fresh"]], metric_names)
    conditions.append(Condition(
        "fresh_kvi", 4, "Fresh KVIs", fresh_kvis, f"≥ {C.RUNG4_MIN_FRESH_KVIS}",
        fresh_kvis >= C.RUNG4_MIN_FRESH_KVIS,
        "" if fresh_kvis >= C.RUNG4_MIN_FRESH_KVIS else (
            f"No KVI has a fresh value. Log a value for: {_names(stale_kvis, n_stale_kvis)}"
            if n_stale_kvis else "There is no KVI: define a key value indicator and log it."),
        stale_kvis, n_stale_kvis))
    closed = frames.cycles[frames.cycles["state"].isin(rules.CLOSED_CYCLE_STATES)].sort_values(
        "end_date")
    reviewed = closed[closed["reviewed_at"].notna()]
    if len(closed):
        last = closed.iloc[-1]
        last_reviewed = pd.notna(last["reviewed_at"])
        records, count = _records("cycle", [] if last_reviewed else [last["id"]], cycle_names)
        message = "" if last_reviewed else \
            f"The last closed cycle, {last['name']}, has no review: review it."
    else:
        last_reviewed, records, count = False, [], 0
        message = "No cycle has been closed yet: close and review the current one."
    conditions.append(Condition("last_cycle_reviewed", 4, "Last closed cycle reviewed",
                                "yes" if last_reviewed else "no", "yes", last_reviewed,
                                message, records, count))

    n_reviewed = len(reviewed)
    unreviewed, n_unreviewed = _records("cycle", closed.loc[closed["reviewed_at"].isna(), "id"],
                                        cycle_names)
    conditions.append(Condition(
        "reviewed_cycles", 5, "Closed cycles reviewed", n_reviewed,
        f"≥ {C.RUNG5_MIN_REVIEWED_CYCLES}", n_reviewed >= C.RUNG5_MIN_REVIEWED_CYCLES,
        "" if n_reviewed >= C.RUNG5_MIN_REVIEWED_CYCLES else (
            f"{n_reviewed} closed cycle(s) reviewed, {C.RUNG5_MIN_REVIEWED_CYCLES} needed."
            + (f" Review: {_names(unreviewed, n_unreviewed)}" if n_unreviewed else "")),
        unreviewed, n_unreviewed))
    priority = goal_table[goal_table["is_priority"]]
    on_track = priority["forecast_status"].eq("on_track")
    priority_pct = round(100.0 * on_track.sum() / len(priority), 2) if len(priority) else 0.0
    lagging, n_lagging = _records("goal", priority.index[~on_track], goal_names)
    met = len(priority) > 0 and priority_pct >= C.RUNG5_MIN_PRIORITY_ON_TRACK_PCT
    conditions.append(Condition(
        "priority_on_track", 5, "Priority goals on track (%)", priority_pct,
        f"≥ {C.RUNG5_MIN_PRIORITY_ON_TRACK_PCT}", met,
        "" if met else ("There is no priority goal in the current cycle." if not len(priority)
                        else f"{priority_pct:.0f} % of priority goals are on track. "
                        + _listing(n_lagging, "priority goal is not on track",
                                   "priority goals are not on track", lagging)),
        lagging, n_lagging))
    shelf = active_tools.index[active_tools["is_active"] & ~active_tools["used"]]
    costly_unaligned = active.index[(active["live_link_count"] == 0)
                                    & (active["monthly_cost"] > 0)]
    spend_records, n_spend = _records("initiative", costly_unaligned, init_names)
    tool_records, n_tools = _records("tool", shelf, tool_names)
    met = spend["share"] < C.RUNG5_MAX_MISALIGNED_SPEND_PCT
    conditions.append(Condition(
        "misaligned_spend", 5, "Misaligned spend (%)", spend["share"],
        f"< {C.RUNG5_MAX_MISALIGNED_SPEND_PCT}", met,
        "" if met else " ".join(filter(None, [
            f"{spend['share']:.0f} % of monthly spend ({spend['amount']:.2f}) serves no "
            "active goal.",
            _listing(n_spend, "paid initiative has no active goal",
                     "paid initiatives have no active goal", spend_records),
            _listing(n_tools, "active tool is used by no active initiative",
                     "active tools are used by no active initiative", tool_records)])),
        (spend_records + tool_records)[:C.EXPLANATION_MAX_RECORDS], n_spend + n_tools))

    rung = 1
    for candidate in range(2, 6):
        if all(c.met for c in conditions if c.rung == candidate):
            rung = candidate
        else:
            break
    next_rung = rung + 1 if rung < 5 else None
    unmet = [c for c in conditions if c.rung == next_rung and not c.met]
    explanation = {
        "rung": rung,
        "name": C.RUNG_NAMES[rung],
        "rungs": [{"rung": r, "name": C.RUNG_NAMES[r],
                   "met": all(c.met for c in conditions if c.rung == r),
                   "conditions": [c.as_json(with_records=False)
                                  for c in conditions if c.rung == r]}
                  for r in range(2, 6)],
        "next": None if next_rung is None else {
            "rung": next_rung, "name": C.RUNG_NAMES[next_rung],
            "unmet": [c.as_json(with_records=True) for c in unmet]},
    }
    return _plain(explanation)


def _plain(value):
    """JSON-ready: NumPy scalars (np.bool_, np.float64, ...) become Python ones."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
