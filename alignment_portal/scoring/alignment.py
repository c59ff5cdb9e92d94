"""Scores of metrics, goals, initiatives and the organization (DOMAIN.md, "Scores"): pure.

Each function takes frames (see frames.py) and returns a frame indexed by the record's id, or
a dict for the organization. Nothing here touches the database; `today` is always passed in.
Definitions this module settles where DOMAIN.md is silent:

- what counts as active, fresh and how much a goal or a contribution weighs: rules.py;
- an initiative's **outcome metrics** are those linked to it with the role `outcome` (the
  role on the measurement link, not the metric's nature); archived metrics do not count;
- **metrics in use** (D4's denominator) are unarchived metrics that measure an active goal
  or an active initiative;
- a dimension whose denominator is empty is 0 (as DOMAIN.md says for D1).
"""

from collections import Counter
from datetime import date

import numpy as np
import pandas as pd

from alignment_portal.scoring import constants, rules, smart
from alignment_portal.scoring import forecast as forecast_mod
from alignment_portal.scoring.frames import OrgFrames, as_date, as_float, as_int


def _pct(numerator: float, denominator: float) -> float:
    return round(100.0 * numerator / denominator, 2) if denominator else 0.0


# --- Metrics ------------------------------------------------------------------------------

def sorted_values(values: pd.DataFrame) -> pd.DataFrame:
    """Values ordered by metric, then period. The engine loads them in that order, so this
    is usually a check (a few NumPy comparisons) rather than a sort of 50,000 rows."""
    ids = values["metric_id"].to_numpy()
    periods = values["period"].to_numpy()
    if len(ids) < 2:
        return values
    step_up = ids[1:] > ids[:-1]
    if np.all(step_up | ((ids[1:] == ids[:-1]) & (periods[1:] >= periods[:-1]))):
        return values
    return values.sort_values(["metric_id", "period"], kind="stable")



def metric_freshness(metrics: pd.DataFrame, values: pd.DataFrame, today: date) -> pd.DataFrame:
    """Per metric: its latest period and value, the age in days, and whether it is fresh.

    Fresh means the latest value is no older than rules.freshness_limit_days of the
    metric's frequency (its window plus half a window).
    A metric with no value is stale.
    """
    index = pd.Index(metrics["id"].astype("int64"), name="metric_id")
    out = {}  # the columns in order, one frame at the end (cheaper than inserting each)
    ordered = sorted_values(values)
    ids = ordered["metric_id"].to_numpy()
    last = np.flatnonzero(np.r_[ids[1:] != ids[:-1], True]) if len(ids) else []
    latest = pd.DataFrame({"period": ordered["period"].to_numpy()[last],
                           "value": ordered["value"].to_numpy()[last]},
                          index=pd.Index(ids[last], name="metric_id"))
    out["latest_period"] = latest["period"].reindex(index)
    out["latest_value"] = latest["value"].reindex(index)
    age = (pd.Timestamp(today) - out["latest_period"]).dt.days
    out["days_since_latest"] = age
    # (each metric's limit keyed by its id, without set_index's copy of the whole frame)
    limit = pd.Series(metrics["frequency"].map(rules.freshness_limit_days).to_numpy(),
                      index=pd.Index(metrics["id"], name="id"))
    out["freshness_limit_days"] = limit.reindex(index).to_numpy()
    out["is_fresh"] = (age.notna() & (age <= out["freshness_limit_days"])).astype(bool)
    return pd.DataFrame(out, index=index)


# --- Goals --------------------------------------------------------------------------------

def goal_weights(goals: pd.DataFrame, cycles: pd.DataFrame) -> pd.DataFrame:
    """Per goal: is_active, is_priority (a priority goal of the current cycle), and weight
    (GOAL_WEIGHT_PRIORITY, GOAL_WEIGHT_ACTIVE or GOAL_WEIGHT_INACTIVE)."""
    # Each goal's cycle state (None without a cycle) over plain lists: a handful of pandas
    # operations on a hundred goals cost more than the arithmetic.
    cycle_state = dict(zip(cycles["id"].tolist(), cycles["state"].tolist(), strict=True))
    states = [cycle_state.get(c) for c in goals["cycle_id"].tolist()]
    is_active = np.array([status in rules.ACTIVE_GOAL_STATUSES
                          and state not in rules.CLOSED_CYCLE_STATES
                          for status, state in zip(goals["status"].tolist(), states, strict=True)],
                         dtype=bool)
    is_priority = is_active & goals["priority_rank"].notna().to_numpy(dtype=bool) & np.array(
        [state == rules.CURRENT_CYCLE_STATE for state in states], dtype=bool)
    weight = np.where(is_priority, rules.GOAL_WEIGHT_PRIORITY,
                      np.where(is_active, rules.GOAL_WEIGHT_ACTIVE, rules.GOAL_WEIGHT_INACTIVE))
    return pd.DataFrame({"is_active": is_active, "is_priority": is_priority,
                         "weight": weight.astype(float)},
                        index=pd.Index(goals["id"].astype("int64"), name="goal_id"))


def _series_by_metric(values: pd.DataFrame, metric_ids) -> dict[int, tuple]:
    """{metric id: (periods as datetime64[D] array, values array)}, sorted by period, for the
    given metrics: one sort and one split instead of a groupby per metric, on the columns'
    arrays (a boolean filter of the 50,000 rows of the frame cost more than the rest)."""
    wanted = {int(m) for m in metric_ids}
    all_ids = values["metric_id"].to_numpy()
    chosen = np.isin(all_ids, np.fromiter(wanted, dtype=np.int64, count=len(wanted)))
    if not chosen.any():
        return {}
    ids = all_ids[chosen]
    periods = values["period"].to_numpy()[chosen]
    amounts = values["value"].to_numpy(dtype=float)[chosen]
    # Ordered by metric, then period (the engine loads them so: usually a check, as in
    # sorted_values; else the same stable sort).
    if len(ids) > 1 and not np.all((ids[1:] > ids[:-1])
                                   | ((ids[1:] == ids[:-1]) & (periods[1:] >= periods[:-1]))):
        order = np.lexsort((periods, ids))
        ids, periods, amounts = ids[order], periods[order], amounts[order]
    periods = periods.astype("datetime64[D]")
    starts = np.flatnonzero(np.r_[True, ids[1:] != ids[:-1]])
    ends = np.r_[starts[1:], len(ids)]
    return {int(ids[a]): (periods[a:b], amounts[a:b]) for a, b in zip(starts, ends, strict=True)}


def served_by(frames: OrgFrames) -> dict[int, int]:
    """{goal id: how many active initiatives link to it} (goals without any left out)."""
    # Over plain lists (a filtered frame and a groupby cost ten times as much).
    active_inits = {i for i, status in zip(frames.initiatives["id"].tolist(),
                                           frames.initiatives["status"].tolist(), strict=True)
                    if status in rules.ACTIVE_INITIATIVE_STATUSES}
    links = frames.alignment_links
    return Counter(g for i, g in zip(links["initiative_id"].tolist(),
                                     links["goal_id"].tolist(), strict=True)
                   if i in active_inits and not pd.isna(g))


def goal_scores(frames: OrgFrames, weights: pd.DataFrame, freshness: pd.DataFrame,
                today: date, *, served: dict[int, int] | None = None) -> pd.DataFrame:
    """Per goal: weight, the SMART check (smart.check), progress and forecast
    (forecast.progress / forecast.forecast on its metric's values), and how many active
    initiatives serve it (`served`, served_by(frames) unless given)."""
    index = pd.Index(frames.goals["id"].astype("int64"), name="goal_id")
    out = pd.DataFrame(goal_rows(frames, freshness, today, served=served), index=index,
                       columns=GOAL_COLUMNS)
    return weights.join(out)


# goal_scores' own columns, after the weights'.
GOAL_COLUMNS = ["smart_passed", "smart_failed", "smart", "progress", "forecast_status",
                "forecast_value", "forecast_share", "forecast_reason", "forecast_params",
                "smart_wording", "served_by"]


def goal_rows(frames: OrgFrames, freshness: pd.DataFrame, today: date, *,
              served: dict[int, int] | None = None) -> list[dict]:
    """goal_scores' own columns (GOAL_COLUMNS) as a dict per goal, in the goals' order."""
    goals, cycles = frames.goals, frames.cycles
    cycle_dates = {c: (as_date(s), as_date(e)) for c, s, e in zip(
        cycles["id"], cycles["start_date"], cycles["end_date"], strict=True)}
    latest_values = freshness["latest_value"].to_dict()
    history = _series_by_metric(frames.values, goals["metric_id"].dropna().astype("int64"))
    served = served_by(frames) if served is None else served

    rows = []
    words = smart.Wording()  # the labels and reasons translated once, not per goal
    # Plain lists per column: a goal at a time through pandas rows is the slow part here.
    columns = {name: goals[name].tolist() for name in goals.columns}
    for at, goal_id in enumerate(columns["id"]):
        goal = {name: values[at] for name, values in columns.items()}
        metric_id = as_int(goal["metric_id"])
        baseline, target = as_float(goal["baseline_value"]), as_float(goal["target_value"])
        goal["start_date"], goal["due_date"] = as_date(goal["start_date"]), as_date(
            goal["due_date"])
        cycle_start, cycle_end = cycle_dates.get(goal["cycle_id"], (None, None))
        periods, amounts = history.get(metric_id, ((), ())) if metric_id else ((), ())
        facts = smart.facts_from(goal, cycle_start=cycle_start, cycle_end=cycle_end,
                                 periods=periods, values=amounts)
        result = smart.check(facts)
        failed = result.failed
        latest = as_float(latest_values.get(metric_id)) if metric_id is not None else None
        fc = forecast_mod.forecast(periods, amounts, baseline=baseline, target=target,
                                   start_date=facts.start_date, due_date=facts.due_date)
        rows.append({
            "smart_passed": not failed,  # (result.passed: every criterion passed)
            "smart_failed": [words.label(c.key) for c in failed],
            "smart": [{"key": c.key, "label": words.label(c.key), "passed": c.passed,
                       "reason": words.reason(c.code, c.params),
                       "warning": words.reason(c.warning_code, c.warning_params)}
                      for c in result.criteria],
            "progress": forecast_mod.progress(latest, baseline, target),
            "forecast_status": str(fc.status),
            "forecast_value": fc.value_at_due,
            "forecast_share": fc.share_of_needed,
            "forecast_reason": fc.reason,
            "forecast_params": fc.params,
            "smart_wording": [c.wording() for c in failed],
            "served_by": int(served.get(goal_id, 0)),
        })
    return rows


# --- Vanity -------------------------------------------------------------------------------

def vanity_verdict(correlation: float | None) -> str:
    """What a correlation of period-to-period changes says about a vanity flag:
    `confirmed` below VANITY_CONFIRM_BELOW, `cleared` above VANITY_CLEAR_ABOVE,
    `inconclusive` in between (both ends included), `no_evidence` without one."""
    if correlation is None or np.isnan(correlation):
        return "no_evidence"
    if correlation > constants.VANITY_CLEAR_ABOVE:
        return "cleared"
    if correlation < constants.VANITY_CONFIRM_BELOW:
        return "confirmed"
    return "inconclusive"


def change_correlation(a_periods: np.ndarray, a_values: np.ndarray, b_periods: np.ndarray,
                       b_values: np.ndarray) -> tuple[float | None, int]:
    """Correlation of the period-to-period changes of two series over the periods both have
    (each array sorted by period). None below VANITY_MIN_COMMON_PERIODS common periods, or
    when either series of changes is constant. Returns (correlation, common periods)."""
    _, ia, ib = np.intersect1d(a_periods, b_periods, assume_unique=True, return_indices=True)
    common = len(ia)
    if common < constants.VANITY_MIN_COMMON_PERIODS:
        return None, common
    da, db = np.diff(a_values[ia]), np.diff(b_values[ib])
    if np.std(da) == 0 or np.std(db) == 0:
        return None, common
    return float(np.corrcoef(da, db)[0, 1]), common


def metric_scores(frames: OrgFrames, weights: pd.DataFrame, freshness: pd.DataFrame, *,
                  correlations: dict | None = None) -> pd.DataFrame:
    """Per metric: freshness, whether it is in use, and the vanity rule with its evidence.

    Vanity rule (DOMAIN.md): an unarchived `output` metric that is not the measure of any
    active goal, where no active initiative it measures also has an outcome metric. Evidence:
    for each active goal it should serve (a goal of an initiative it measures), the
    correlation of changes with that goal's metric; the highest decides (vanity_verdict).
    `is_vanity` is the rule unless the evidence clears it. `correlations` ({(metric id, goal's
    metric id): (correlation, common periods) or None}) holds pairs already correlated on the
    same values, and gets the others.
    """
    metrics = frames.metrics.set_index("id")
    index = freshness.index
    out = {}  # the new columns in order, joined to freshness at the end (one frame, not
    # one insertion per column)
    active_goals = frames.goals[frames.goals["id"].isin(weights.index[weights["is_active"]])]
    goal_measures = set(active_goals["metric_id"].dropna().astype("int64"))
    active_inits = set(frames.initiatives.loc[
        frames.initiatives["status"].isin(rules.ACTIVE_INITIATIVE_STATUSES), "id"])
    unarchived = set(metrics.index[~metrics["archived"]])
    ml = frames.measurement_links
    ml = ml[ml["metric_id"].isin(unarchived)]
    ml_active = ml[ml["initiative_id"].isin(active_inits)]

    out["is_archived"] = metrics["archived"].reindex(index).astype(bool)
    out["in_use"] = index.isin(unarchived) & (
        index.isin(goal_measures) | index.isin(set(ml_active["metric_id"])))

    # A metric is excused when an initiative it measures has another outcome metric.
    active_links = list(zip(ml_active["initiative_id"].tolist(), ml_active["metric_id"].tolist(),
                            ml_active["role"].tolist(), strict=True))
    outcome_by_init: dict[int, set] = {}
    for initiative_id, metric_id, role in active_links:
        if role == "outcome":
            outcome_by_init.setdefault(initiative_id, set()).add(metric_id)
    excused = {metric_id for initiative_id, metric_id, _ in active_links
               if outcome_by_init.get(initiative_id, set()) - {metric_id}}
    is_output = metrics["nature"].reindex(index).eq("output")
    rule = is_output & index.isin(unarchived) & ~index.isin(goal_measures) & \
        ~index.isin(excused)
    out["vanity_rule"] = rule.astype(bool)

    # Evidence: pairs (output metric, metric of an active goal it should serve), in the
    # order of the measurement links, then of the alignment links (ties keep the first).
    goal_metric = {goal_id: int(metric_id) for goal_id, metric_id in zip(
        active_goals["id"].tolist(), active_goals["metric_id"].tolist(), strict=True)
        if not pd.isna(metric_id)}
    goals_of: dict[int, list[int]] = {}
    al = frames.alignment_links
    for initiative_id, goal_id in zip(al["initiative_id"].tolist(), al["goal_id"].tolist(),
                                      strict=True):
        if goal_id in goal_metric:
            goals_of.setdefault(initiative_id, []).append(goal_id)
    ruled = set(index[rule].tolist())
    pairs: dict[tuple[int, int], int] = {}  # (metric, goal) -> the goal's metric
    for metric_id, initiative_id in zip(ml["metric_id"].tolist(), ml["initiative_id"].tolist(),
                                        strict=True):
        if metric_id in ruled:
            for goal_id in goals_of.get(initiative_id, ()):
                if goal_metric[goal_id] != metric_id:
                    pairs.setdefault((metric_id, goal_id), goal_metric[goal_id])
    # Each pair of series correlated once: `correlations` keeps them between scorings of the
    # same values (a scenario's evaluations), None for a pair without both series.
    known = correlations if correlations is not None else {}
    wanted = {(m, b) for (m, _), b in pairs.items() if (m, b) not in known}
    series = _series_by_metric(frames.values, {m for pair in wanted for m in pair}) \
        if wanted else {}
    for a_id, b_id in wanted:
        a, b = series.get(a_id), series.get(b_id)
        known[a_id, b_id] = None if a is None or b is None else change_correlation(
            a[0], a[1], b[0], b[1])
    best: dict[int, tuple[float, int, int]] = {}
    for (metric_id, goal_id), goal_metric_id in pairs.items():
        found = known[metric_id, goal_metric_id]
        if found is None:
            continue
        correlation, common = found
        if correlation is not None and (metric_id not in best
                                        or correlation > best[metric_id][0]):
            best[metric_id] = (correlation, goal_id, common)
    out["vanity_correlation"] = [best[m][0] if m in best else None for m in index]
    out["vanity_goal_id"] = [best[m][1] if m in best else None for m in index]
    out["vanity_common_periods"] = [best[m][2] if m in best else None for m in index]
    out["vanity_verdict"] = [vanity_verdict(best[m][0]) if m in best else "no_evidence"
                             for m in index]
    cleared = np.array([verdict == "cleared" for verdict in out["vanity_verdict"]], dtype=bool)
    out["is_vanity"] = (out["vanity_rule"] & ~cleared).astype(bool)
    out["vanity_note"] = np.where(out["vanity_rule"] & cleared, constants.VANITY_CLEARED_NOTE,
                                  "")
    return pd.concat([freshness, pd.DataFrame(out, index=index)], axis=1)


# --- Initiatives --------------------------------------------------------------------------

def initiative_scores(frames: OrgFrames, weights: pd.DataFrame, metric_table: pd.DataFrame
                      ) -> pd.DataFrame:
    """Per initiative: the alignment score (0-100) and its three parts, and the priority score.

    - line_of_sight (0-1): max over its links of goal weight × contribution weight;
    - measurement (0-1): MEASUREMENT_GOAL_OUTCOME when an outcome metric of it is the measure
      of an active goal it serves, MEASUREMENT_OTHER_OUTCOME for another outcome metric,
      MEASUREMENT_ACTIVITY_ONLY for activity metrics only, MEASUREMENT_NONE without any;
    - freshness (0-1): the share of its (unarchived) metrics that are fresh;
    - alignment_score = 60 × line of sight + 25 × measurement + 15 × freshness;
    - priority_score = alignment score × impact / effort, for ordering the backlog.
    """
    inits = frames.initiatives
    index = pd.Index(inits["id"].astype("int64"), name="initiative_id")
    # The columns, in this order, as arrays; one frame at the end (a column inserted into a
    # frame costs ~0.1 ms, and there are 17).
    out: dict[str, np.ndarray] = {}
    out["is_active"] = inits["status"].isin(rules.ACTIVE_INITIATIVE_STATUSES).to_numpy(dtype=bool)

    al = frames.alignment_links
    links = _Groups(index, al["initiative_id"])
    goal_weight = al["goal_id"].map(weights["weight"]).fillna(0.0).to_numpy(dtype=float)
    contribution_weight = al["contribution"].map(rules.CONTRIBUTION_WEIGHT).fillna(
        0.0).to_numpy(dtype=float)
    out["line_of_sight"] = links.max(goal_weight * contribution_weight, empty=0.0)
    live = goal_weight > 0  # links to active goals

    unarchived = metric_table.index[~metric_table["is_archived"]]
    ml = frames.measurement_links
    ml = ml[ml["metric_id"].isin(unarchived)]
    measures = _Groups(index, ml["initiative_id"])
    goals_by_id = frames.goals.set_index("id")  # (once: set_index copies the frame)
    goal_metric = goals_by_id["metric_id"]
    # (plain lists: iterating a Series costs a NumPy scalar and type checks per element)
    served_pairs = {(int(i), int(m)) for i, m in zip(
        al["initiative_id"][live].tolist(), al["goal_id"][live].map(goal_metric).tolist(),
        strict=True) if pd.notna(m)}
    is_outcome = ml["role"].eq("outcome").to_numpy(dtype=bool)
    serves_goal = np.array([
        outcome and (int(i), int(m)) in served_pairs
        for i, m, outcome in zip(ml["initiative_id"].tolist(), ml["metric_id"].tolist(),
                                 is_outcome.tolist(), strict=True)],
        dtype=bool)
    factor = np.where(serves_goal, constants.MEASUREMENT_GOAL_OUTCOME,
                      np.where(is_outcome, constants.MEASUREMENT_OTHER_OUTCOME,
                               constants.MEASUREMENT_ACTIVITY_ONLY))
    fresh = ml["metric_id"].map(metric_table["is_fresh"]).fillna(False).to_numpy(dtype=bool)
    vanity_or_activity = ~is_outcome | ml["metric_id"].map(
        metric_table["is_vanity"]).fillna(False).to_numpy(dtype=bool)
    metric_count = measures.count()
    out["measurement"] = measures.max(factor, empty=constants.MEASUREMENT_NONE)
    out["metric_count"] = metric_count
    fresh_count = measures.count(fresh)
    out["fresh_metric_count"] = fresh_count
    out["freshness"] = np.divide(fresh_count, metric_count, out=np.zeros(len(index)),
                                 where=metric_count > 0)
    out["outcome_metric_count"] = measures.count(is_outcome)
    out["only_activity_or_vanity"] = (metric_count > 0) & (measures.count(~vanity_or_activity)
                                                           == 0)

    out["alignment_score"] = (constants.ALIGNMENT_LINE_OF_SIGHT_POINTS * out["line_of_sight"]
                              + constants.ALIGNMENT_MEASUREMENT_POINTS * out["measurement"]
                              + constants.ALIGNMENT_FRESHNESS_POINTS * out["freshness"]).round(2)
    impact = inits["impact"].astype(float).to_numpy()
    effort = inits["effort"].astype(float).clip(lower=1).to_numpy()
    out["priority_score"] = (out["alignment_score"] * impact / effort).round(2)

    # Facts the flags and the explanation need.
    live_count = links.count(live)
    out["live_link_count"] = live_count
    out["link_count"] = links.count()
    draft = al["goal_id"].map(goals_by_id["status"]).eq("draft").to_numpy()
    out["draft_link_count"] = links.count(draft)
    indirect = al["contribution"].eq("indirect").to_numpy(dtype=bool)
    out["only_indirect"] = (live_count > 0) & (links.count(live & ~indirect) == 0)
    short = np.array([len(smart._words(text)) < constants.MIN_RATIONALE_WORDS
                      for text in al["rationale"].fillna("").tolist()], dtype=bool)
    out["short_rationale_count"] = links.count(live & short)
    spend = inits["monthly_cost"].fillna(0).to_numpy() + \
        inits["one_time_cost"].fillna(0).to_numpy() / constants.D2_ONE_TIME_COST_MONTHS
    out["spend_weight"] = np.maximum(spend, constants.D2_MIN_INITIATIVE_WEIGHT)
    out["monthly_cost"] = inits["monthly_cost"].fillna(0).to_numpy()
    return pd.DataFrame(out, index=index)


class _Groups:
    """Rows (links) grouped by the record they belong to, aggregated into arrays aligned with
    that record's index: NumPy's bincount and maximum.at, where a pandas groupby, reindex and
    fillna per figure cost a large organization's recompute several milliseconds."""

    def __init__(self, index: pd.Index, keys: pd.Series):
        positions = index.get_indexer(keys)
        self.known = positions >= 0  # rows of records outside the index are ignored
        self.positions = positions[self.known]
        self.size = len(index)

    def count(self, where=None) -> np.ndarray:
        """Per record, how many of its rows (those `where` is true for, if given)."""
        positions = self.positions if where is None else \
            self.positions[np.asarray(where, dtype=bool)[self.known]]
        return np.bincount(positions, minlength=self.size)

    def max(self, values, *, empty: float) -> np.ndarray:
        """Per record, the largest of its rows' values; `empty` for a record without rows."""
        best = np.full(self.size, -np.inf)
        np.maximum.at(best, self.positions, np.asarray(values, dtype=float)[self.known])
        return np.where(np.isneginf(best), empty, best)


# --- Tools --------------------------------------------------------------------------------

def tool_usage(frames: OrgFrames, initiative_table: pd.DataFrame) -> pd.DataFrame:
    """Per tool: is_active, used (by an active initiative), and redundant (one of
    REDUNDANT_TOOLS_MIN or more active tools in a category that is not ignored)."""
    tools = frames.tools
    index = pd.Index(tools["id"].astype("int64"), name="tool_id")
    active_inits = set(initiative_table.index[initiative_table["is_active"]])
    it = frames.initiative_tools
    used = set(it.loc[it["initiative_id"].isin(active_inits), "tool_id"])
    is_active = tools["status"].isin(rules.ACTIVE_TOOL_STATUSES).to_numpy(dtype=bool)
    categories = tools["category"].to_numpy()
    # Active tools per category (a missing category is none, as for a groupby), counted in
    # Python, and the columns made before the one frame: a groupby and two inserted columns
    # cost more than the rest.
    counts = Counter(c for c, active in zip(categories.tolist(), is_active.tolist(), strict=True)
                     if active and not pd.isna(c))
    redundant = {c for c, n in counts.items()
                 if n >= constants.REDUNDANT_TOOLS_MIN
                 and c not in constants.REDUNDANCY_IGNORED_CATEGORIES}
    return pd.DataFrame({"is_active": is_active,
                         "category": categories,
                         "integration": tools["integration"].to_numpy(),
                         "monthly_cost": tools["monthly_cost"].fillna(0).to_numpy(dtype=float),
                         "used": index.isin(used),
                         "redundant": is_active & np.array([c in redundant
                                                            for c in categories.tolist()],
                                                           dtype=bool)},
                        index=index)


def redundant_categories(tool_table: pd.DataFrame) -> list[str]:
    return sorted(set(tool_table.loc[tool_table["redundant"], "category"]))


# --- Organization -------------------------------------------------------------------------

def dimensions(goal_table: pd.DataFrame, initiative_table: pd.DataFrame,
               metric_table: pd.DataFrame, tool_table: pd.DataFrame) -> dict[str, float]:
    """D1-D5 (0-100), as DOMAIN.md defines them:

    - D1 Goals: share of active goals that pass all five SMART criteria;
    - D2 Alignment: share of active initiatives, weighted by monthly cost + one-time cost / 12
      (at least 1 each), that link to at least one active goal;
    - D3 Measurement: share of active initiatives with at least one outcome metric;
    - D4 Feedback: share of metrics in use that are fresh;
    - D5 Integration: share of active tools integrated via API, less 10 points per category
      of redundant tools, not below 0.
    """
    active_goals = goal_table[goal_table["is_active"]]
    d1 = _pct(int(active_goals["smart_passed"].sum()), len(active_goals))
    active = initiative_table[initiative_table["is_active"]]
    aligned = active["live_link_count"] > 0
    d2 = _pct(float(active.loc[aligned, "spend_weight"].sum()),
              float(active["spend_weight"].sum()))
    d3 = _pct(int((active["outcome_metric_count"] > 0).sum()), len(active))
    in_use = metric_table[metric_table["in_use"]]
    d4 = _pct(int(in_use["is_fresh"].sum()), len(in_use))
    active_tools = tool_table[tool_table["is_active"]]
    integrated = _pct(int(active_tools["integration"].eq("api").sum()), len(active_tools))
    d5 = max(0.0, integrated - constants.D5_REDUNDANT_CATEGORY_PENALTY
             * len(redundant_categories(tool_table)))
    return {"d1": d1, "d2": d2, "d3": d3, "d4": d4, "d5": round(d5, 2)}


def misaligned_spend(initiative_table: pd.DataFrame, tool_table: pd.DataFrame
                     ) -> dict[str, float]:
    """Monthly money not working for an active goal: the monthly cost of active initiatives
    with no link to an active goal, plus that of active tools no active initiative uses.
    `share` is that amount as a percentage (0-100) of all active monthly spend (initiatives
    plus tools); 0 when nothing is spent."""
    active = initiative_table[initiative_table["is_active"]]
    tools = tool_table[tool_table["is_active"]]
    unaligned = float(active.loc[active["live_link_count"] == 0, "monthly_cost"].sum())
    shelfware = float(tools.loc[~tools["used"], "monthly_cost"].sum())
    total = float(active["monthly_cost"].sum()) + float(tools["monthly_cost"].sum())
    amount = round(unaligned + shelfware, 2)
    return {"amount": amount, "share": _pct(amount, total), "total": round(total, 2),
            "initiatives": round(unaligned, 2), "tools": round(shelfware, 2)}
