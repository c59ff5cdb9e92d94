"""Flags (DOMAIN.md, "Flags"): what is wrong, on which record, and what to do about it. Pure.

`raise_flags` returns one row per flag that holds now: code, severity, subject (type, id,
label) and params, the names and numbers its message and suggested fix need (wording.py says
them in the reader's language). The engine opens new ones, keeps those still raised and
resolves the rest. Severities are constants.FLAG_SEVERITY (DOMAIN.md fixes only AT_RISK).

Scope decisions where DOMAIN.md is silent:
- initiative flags concern active initiatives only (an idea or a retired one has no spend and
  needs no nagging);
- WEAK_ALIGNMENT looks at links to active goals (links to finished goals are DRIFT's matter);
  "a rationale under a sentence" is fewer than MIN_RATIONALE_WORDS words;
- DRIFT needs at least one link, none of them to an active or draft goal; MISALIGNED is raised
  beside it (DRIFT says why);
- VANITY_METRICS: an active initiative with metrics, each of them an activity metric or a
  vanity metric;
- STALE_DATA on an initiative: it has metrics and none is fresh; on a metric: in use
  (measures an active goal or initiative) and not fresh;
- goal flags concern active goals; ORPHAN_GOAL is high for a priority goal;
- REDUNDANT_TOOLS ignores the catch-all category "other";
- FEED_FAILING concerns feeds that are not revoked.
- WORSENED and NO_EFFECT read the impact evidence (impact.py); NO_EFFECT needs every outcome
  metric of the initiative to have a verdict of "no clear change" from at least
  impact.NO_EFFECT_MIN_AFTER values after go-live (see impact.no_effect).
"""

from datetime import date

import pandas as pd

from alignment_portal.scoring import benefits, constants, impact, renewals, rules
from alignment_portal.scoring.alignment import redundant_categories
from alignment_portal.scoring.frames import OrgFrames, as_date

FLAG_COLUMNS = ["code", "severity", "subject_type", "subject_id", "subject_label", "params"]


def _rows(table: pd.DataFrame, where: pd.Series, names: list[str]):
    """(id, row as a dict of the columns `names`) of the rows `where` holds for, built from
    plain column lists filtered in Python: much faster than DataFrame.iterrows or
    to_dict("records"), and than a boolean filter of every column of the table."""
    keep = where.to_numpy(dtype=bool).tolist()
    columns = [table[name].tolist() for name in names]
    for subject, kept, *values in zip(table.index.tolist(), keep, *columns, strict=True):
        if kept:
            yield subject, dict(zip(names, values, strict=True))


def _flag(rows, code, subject_type, subject_id, label, params, severity=None):
    """One flag: `params` are what its sentences need (wording.py says them), JSON-ready."""
    rows.append({"code": code, "severity": severity or constants.FLAG_SEVERITY[code],
                 "subject_type": subject_type, "subject_id": str(subject_id),
                 "subject_label": str(label)[:200], "params": params})


def _cost(value) -> str | None:
    """A monthly cost as the message shows it ("12.50"), None for none."""
    return f"{value:.2f}" if value else None


# The columns of each table the flags read.
INITIATIVE_FLAG_COLUMNS = ["live_link_count", "monthly_cost", "only_indirect",
                           "short_rationale_count", "link_count", "draft_link_count",
                           "metric_count", "only_activity_or_vanity", "fresh_metric_count"]
GOAL_FLAG_COLUMNS = ["served_by", "is_priority", "smart_passed", "smart_wording",
                     "forecast_status", "forecast_params"]
METRIC_FLAG_COLUMNS = ["in_use", "is_fresh", "latest_period", "days_since_latest",
                       "freshness_limit_days", "is_vanity", "vanity_verdict",
                       "vanity_correlation", "vanity_common_periods"]


def initiative_flags(rows, frames: OrgFrames, initiatives: pd.DataFrame) -> None:
    names = frames.labels("initiatives")
    for i, row in _rows(initiatives, initiatives["is_active"], INITIATIVE_FLAG_COLUMNS):
        name = names[i]
        if row["live_link_count"] == 0:
            _flag(rows, "MISALIGNED", "initiative", i, name,
                  {"name": name, "cost": _cost(row["monthly_cost"])})
        if row["live_link_count"] and (row["only_indirect"] or row["short_rationale_count"]):
            _flag(rows, "WEAK_ALIGNMENT", "initiative", i, name,
                  {"name": name, "indirect": bool(row["only_indirect"]),
                   "count": int(row["short_rationale_count"])})
        if row["link_count"] and not row["live_link_count"] and not row["draft_link_count"]:
            _flag(rows, "DRIFT", "initiative", i, name, {"name": name})
        if row["metric_count"] == 0:
            _flag(rows, "UNMEASURED", "initiative", i, name, {"name": name})
        elif row["only_activity_or_vanity"]:
            _flag(rows, "VANITY_METRICS", "initiative", i, name, {"name": name})
        if row["metric_count"] and row["fresh_metric_count"] == 0:
            _flag(rows, "STALE_DATA", "initiative", i, name,
                  {"name": name, "count": int(row["metric_count"])})


def goal_flags(rows, frames: OrgFrames, goals: pd.DataFrame) -> None:
    titles = frames.labels("goals")
    for g, row in _rows(goals, goals["is_active"], GOAL_FLAG_COLUMNS):
        title = titles[g]
        if row["served_by"] == 0:
            _flag(rows, "ORPHAN_GOAL", "goal", g, title,
                  {"title": title, "priority": bool(row["is_priority"])},
                  severity=constants.ORPHAN_PRIORITY_GOAL_SEVERITY if row["is_priority"] else None)
        if not row["smart_passed"]:
            _flag(rows, "NOT_SMART", "goal", g, title,
                  {"title": title, "failed": row["smart_wording"]})
        status = row["forecast_status"]
        if status in ("off_track", "at_risk"):
            code = "OFF_TRACK" if status == "off_track" else "AT_RISK"
            _flag(rows, code, "goal", g, title, dict(row["forecast_params"]))


def metric_flags(rows, frames: OrgFrames, metrics: pd.DataFrame) -> None:
    names = frames.labels("metrics")
    for m, row in _rows(metrics, metrics["in_use"] | metrics["is_vanity"],
                        METRIC_FLAG_COLUMNS):
        name = names[m]
        if row["in_use"] and not row["is_fresh"]:
            _flag(rows, "STALE_DATA", "metric", m, name, {
                "name": name,
                "days": None if pd.isna(row["latest_period"]) else int(row["days_since_latest"]),
                "limit": f"{row['freshness_limit_days']:g}"})
        if row["is_vanity"]:
            params = {"name": name}
            if row["vanity_verdict"] in ("confirmed", "inconclusive"):
                params.update(verdict=row["vanity_verdict"],
                              correlation=f"{row['vanity_correlation']:.2f}",
                              periods=int(row["vanity_common_periods"]))
            _flag(rows, "VANITY_METRIC", "metric", m, name, params)


def tool_flags(rows, frames: OrgFrames, tools: pd.DataFrame, initiatives: pd.DataFrame) -> None:
    names = frames.labels("tools")
    active = tools[tools["is_active"]]
    categories = redundant_categories(tools)
    by_category: dict[str, list[str]] = {}
    for t, category in zip(active.index.tolist(), active["category"].tolist(), strict=True):
        by_category.setdefault(category, []).append(names[t])
    for category in categories:
        members = by_category[category]
        label = str(frames.tool_category_labels.get(category, category))
        _flag(rows, "REDUNDANT_TOOLS", "tool_category", category, label,
              {"category": category, "label": label, "members": list(members)})
    for t, row in _rows(active, ~active["used"], ["monthly_cost"]):
        _flag(rows, "SHELFWARE", "tool", t, names[t],
              {"name": names[t], "cost": _cost(row["monthly_cost"])})
    n_tools, n_inits = len(active), int(initiatives["is_active"].sum())
    too_many = n_tools > n_inits
    too_redundant = len(categories) > constants.TOOL_SPRAWL_MAX_REDUNDANT_CATEGORIES
    if too_many or too_redundant:
        params = {}
        if too_many:
            params.update(tools=n_tools, initiatives=n_inits)
        if too_redundant:
            params["redundant"] = len(categories)
        _flag(rows, "TOOL_SPRAWL", "organization", frames.organization_id,
              frames.organization_name, params)


def feed_flags(rows, frames: OrgFrames) -> None:
    """FEED_FAILING: an active feed whose last FEED_FAILING_RUNS runs (or more) failed."""
    feeds = frames.feeds
    failing = feeds[feeds["consecutive_failures"].fillna(0) >= rules.FEED_FAILING_RUNS]
    for feed_id, name, error, words in zip(
            failing["id"].tolist(), failing["name"].tolist(), failing["last_error"].tolist(),
            failing["last_error_words"].tolist(), strict=True):
        # The run count is not in the message: the flag's wording would change on every
        # failed run. The error is (a different error is news): as words (lib/words.py) each
        # reader's language fills, or English where the run kept none.
        if isinstance(words, dict) and words.get("message"):
            error = words
        _flag(rows, "FEED_FAILING", "feed", feed_id, name,
              {"name": name, "runs": rules.FEED_FAILING_RUNS,
               "error": error if isinstance(error, dict | str) and error else None})


def _iso(day) -> str | None:
    return None if day is None or pd.isna(day) else as_date(day).isoformat()


def _impact_params(r: dict, *, metric_name: str, unit: str, frequency: str, today: date) -> dict:
    """What impact.impact_sentence needs of an evidence row, JSON-ready."""
    regression = r.get("regression")
    return {"metric": metric_name, "unit": unit, "frequency": frequency, "year": today.year,
            "verdict": r["verdict"], "effect": _number(r["effect"]),
            "effect_pct": _number(r["effect_pct"]), "detrended": bool(r["detrended"]),
            "p": _number(r["p"]), "n_before": int(r["n_before"]), "n_after": int(r["n_after"]),
            "go_live_date": _iso(r["go_live_date"]),
            "earliest_verdict": _iso(r.get("earliest_verdict")),
            "shared_with": list(r.get("shared_with") or []),
            "regression": ({"verdict": regression["verdict"],
                            "disagrees": bool(regression.get("disagrees"))}
                           if isinstance(regression, dict) else None)}


def _number(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def impact_flags(rows, frames: OrgFrames, evidence: pd.DataFrame, today: date) -> None:
    """WORSENED (an outcome metric worsened after go-live) and NO_EFFECT (enough values after
    go-live on every outcome metric, none improved, none worsened)."""
    if evidence is None or evidence.empty:
        return
    names, metric_names = frames.labels("initiatives"), frames.labels("metrics")
    # Each metric's unit and frequency by id, as plain dicts (a lookup in an indexed frame
    # costs several microseconds).
    metric_ids = frames.metrics["id"].tolist()
    units = dict(zip(metric_ids, frames.metrics["unit"].tolist(), strict=True))
    frequencies = dict(zip(metric_ids, frames.metrics["frequency"].tolist(), strict=True))
    for i, pairs in impact.impact_by_initiative(evidence).items():
        name = names[i]
        worse = [r for r in pairs if r["verdict"] == impact.WORSENED]
        if worse:
            _flag(rows, "WORSENED", "initiative", i, name, {"name": name, "impacts": [
                _impact_params(r, metric_name=metric_names[r["metric_id"]],
                               unit=str(units[r["metric_id"]] or ""),
                               frequency=frequencies[r["metric_id"]], today=today)
                for r in worse]})
        elif impact.no_effect(pairs):
            _flag(rows, "NO_EFFECT", "initiative", i, name, {"name": name, "metrics": [
                {"metric": metric_names[r["metric_id"]], "n_after": int(r["n_after"]),
                 "p": float(r["p"])} for r in pairs]})


def benefit_flags(rows, frames: OrgFrames, ledger: pd.DataFrame) -> None:
    """BENEFIT_SHORTFALL and UNPROVEN_BENEFIT (scoring/benefits.py decides when)."""
    names, live = frames.labels("initiatives"), benefits.live_long_enough(ledger)
    for i, row in _rows(ledger, benefits.shortfall(ledger, live),
                        ["months_live", "realisation", "basis"]):
        name, months = names[i], int(row["months_live"])
        _flag(rows, "BENEFIT_SHORTFALL", "initiative", i, name,
              {"name": name, "realisation": f"{row['realisation']:.0%}",
               "hours": row["basis"] == benefits.HOURS, "months": months,
               "below": f"{benefits.SHORTFALL_BELOW:.0%}"})
    for i, row in _rows(ledger, benefits.unproven(ledger, live), ["months_live"]):
        name, months = names[i], int(row["months_live"])
        _flag(rows, "UNPROVEN_BENEFIT", "initiative", i, name, {"name": name, "months": months})


def _optional_int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def renewal_flags(rows, frames: OrgFrames, tools: pd.DataFrame, today: date) -> None:
    """RENEWAL_DUE: a tool's notice deadline is within 30 days (scoring/renewals.py); high when
    it is also shelfware or uses fewer than half its paid seats, with the yearly saving. The
    message names dates, not a count of days, so its wording holds from day to day."""
    table = frames.tools
    if table.empty or table["renewal_date"].isna().all():
        return
    names = frames.labels("tools")
    used = dict(zip(tools.index.tolist(), tools["used"].tolist(), strict=True))
    columns = ["id", "status", "renewal_date", "billing_period", "notice_period_days",
               "monthly_cost", "seats", "seats_used"]
    for (tool_id, status, renewal_date, billing, notice, cost, seats,
         seats_used) in zip(*(table[c].tolist() for c in columns), strict=True):
        renewal = renewals.renewal_of(
            tool_id=tool_id, status=status, renewal_date=as_date(renewal_date),
            billing_period=billing or "monthly", notice_period_days=_optional_int(notice),
            monthly_cost=0.0 if pd.isna(cost) else float(cost),
            seats_paid=_optional_int(seats), seats_used=_optional_int(seats_used),
            used=bool(used.get(tool_id, False)), today=today)
        if renewal is None or not renewal.due:
            continue
        name = names[tool_id]
        params = {"name": name, "renews_on": renewal.renews_on.isoformat(),
                  "deadline": renewal.notice_deadline.isoformat(),
                  "shelfware": bool(renewal.shelfware), "high": bool(renewal.high),
                  "saving": renewals.saving_params(renewal)}
        if renewal.low_seats:
            params.update(seats_used=renewal.seats_used, seats_paid=renewal.seats_paid)
        _flag(rows, "RENEWAL_DUE", "tool", tool_id, name, params,
              severity=constants.RENEWAL_DUE_HIGH_SEVERITY if renewal.high else None)


# The sections of raise_flags, in the order their rows come (rescore.py passes some ready).
SECTION_CODES = {"impact": ("WORSENED", "NO_EFFECT"), "feeds": ("FEED_FAILING",),
                 "benefits": ("BENEFIT_SHORTFALL", "UNPROVEN_BENEFIT")}


def raise_flags(frames: OrgFrames, goals: pd.DataFrame, initiatives: pd.DataFrame,
                metrics: pd.DataFrame, tools: pd.DataFrame, *,
                evidence: pd.DataFrame | None = None, today: date | None = None,
                ledger: pd.DataFrame | None = None,
                given: dict[str, list[dict]] | None = None) -> pd.DataFrame:
    """Every flag that holds now, one row each (FLAG_COLUMNS)."""
    return pd.DataFrame(raised_rows(frames, goals, initiatives, metrics, tools,
                                    evidence=evidence, today=today, ledger=ledger,
                                    given=given), columns=FLAG_COLUMNS)


def raised_rows(frames: OrgFrames, goals: pd.DataFrame, initiatives: pd.DataFrame,
                metrics: pd.DataFrame, tools: pd.DataFrame, *,
                evidence: pd.DataFrame | None = None, today: date | None = None,
                ledger: pd.DataFrame | None = None,
                given: dict[str, list[dict]] | None = None) -> list[dict]:
    """raise_flags' rows, as dicts of FLAG_COLUMNS. `given` holds the rows of some sections
    (SECTION_CODES) already worked out, taken as they are."""
    given = given or {}
    today = today or date.today()
    rows: list[dict] = []

    def section(name, build):
        if name in given:
            rows.extend(given[name])
        else:
            build()

    initiative_flags(rows, frames, initiatives)
    section("impact", lambda: impact_flags(rows, frames, evidence, today))
    goal_flags(rows, frames, goals)
    metric_flags(rows, frames, metrics)
    tool_flags(rows, frames, tools, initiatives)
    section("feeds", lambda: feed_flags(rows, frames))
    renewal_flags(rows, frames, tools, today)
    if ledger is not None:
        section("benefits", lambda: benefit_flags(rows, frames, ledger))
    return rows
