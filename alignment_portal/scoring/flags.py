"""Flags (DOMAIN.md, "Flags"): what is wrong, on which record, and what to do about it. Pure.

`raise_flags` returns one row per flag that holds now: code, severity, subject (type, id,
label), message and suggested fix. The engine opens new ones, keeps those still raised and
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

FLAG_COLUMNS = ["code", "severity", "subject_type", "subject_id", "subject_label", "message",
                "suggested_fix"]


def _rows(table: pd.DataFrame):
    """(id, row as a dict) pairs, built from plain column lists: much faster than
    DataFrame.iterrows or to_dict("records")."""
    names = table.columns.tolist()
    for subject, values in zip(table.index.tolist(),
                               zip(*(table[name].tolist() for name in names), strict=True),
                               strict=True):
        yield subject, dict(zip(names, values, strict=True))


def _flag(rows, code, subject_type, subject_id, label, message, fix, severity=None):
    rows.append({"code": code, "severity": severity or constants.FLAG_SEVERITY[code],
                 "subject_type": subject_type, "subject_id": str(subject_id),
                 "subject_label": str(label)[:200], "message": message,
                 "suggested_fix": fix})


def initiative_flags(rows, frames: OrgFrames, initiatives: pd.DataFrame) -> None:
    names = frames.labels("initiatives")
    for i, row in _rows(initiatives[initiatives["is_active"]]):
        name = names[i]
        if row["live_link_count"] == 0:
            _flag(rows, "MISALIGNED", "initiative", i, name,
                  f"“{name}” is active but serves no active goal"
                  + (f"; it costs {row['monthly_cost']:.2f} a month." if row["monthly_cost"]
                     else "."),
                  "Link it to the active goal it should move, or pause or retire it.")
        if row["live_link_count"] and (row["only_indirect"] or row["short_rationale_count"]):
            why = ("its links to goals are all indirect" if row["only_indirect"] else
                   f"{row['short_rationale_count']} of its links explain in less than a "
                   "sentence how it moves the goal")
            _flag(rows, "WEAK_ALIGNMENT", "initiative", i, name, f"“{name}”: {why}.",
                  "Say in a sentence how it moves the goal, or link it to a goal it serves "
                  "directly (primary or supporting).")
        if row["link_count"] and not row["live_link_count"] and not row["draft_link_count"]:
            _flag(rows, "DRIFT", "initiative", i, name,
                  f"Every goal “{name}” was linked to is archived, achieved, missed or in a "
                  "closed cycle.",
                  "Link it to a goal of the current cycle, or retire it if its job is done.")
        if row["metric_count"] == 0:
            _flag(rows, "UNMEASURED", "initiative", i, name,
                  f"Nothing measures “{name}”: no metric is linked to it.",
                  "Link the outcome metric that shows it works (and an activity metric if "
                  "useful).")
        elif row["only_activity_or_vanity"]:
            _flag(rows, "VANITY_METRICS", "initiative", i, name,
                  f"“{name}” is measured only by activity or vanity metrics, which count "
                  "effort, not results.",
                  "Link an outcome metric, ideally the measure of the goal it serves.")
        if row["metric_count"] and row["fresh_metric_count"] == 0:
            _flag(rows, "STALE_DATA", "initiative", i, name,
                  f"None of the {row['metric_count']} metric(s) of “{name}” has a fresh value.",
                  "Log the latest values of its metrics.")


def goal_flags(rows, frames: OrgFrames, goals: pd.DataFrame) -> None:
    titles = frames.labels("goals")
    for g, row in _rows(goals[goals["is_active"]]):
        title = titles[g]
        if row["served_by"] == 0:
            _flag(rows, "ORPHAN_GOAL", "goal", g, title,
                  f"No active initiative serves “{title}”"
                  + (" (a priority goal)." if row["is_priority"] else "."),
                  "Link an initiative that moves it, or plan one.",
                  severity=constants.ORPHAN_PRIORITY_GOAL_SEVERITY if row["is_priority"] else None)
        if not row["smart_passed"]:
            failed = [c for c in row["smart"] if not c["passed"]]
            _flag(rows, "NOT_SMART", "goal", g, title,
                  f"“{title}” is not {', '.join(c['label'] for c in failed)}: "
                  + " ".join(c["reason"] for c in failed),
                  failed[0]["reason"] if failed else "")
        status = row["forecast_status"]
        if status in ("off_track", "at_risk"):
            code = "OFF_TRACK" if status == "off_track" else "AT_RISK"
            _flag(rows, code, "goal", g, title, row["forecast_reason"],
                  "Review it now, not at the cycle's end: speed up the initiatives that "
                  "serve it, add one, or revise the target or due date.")


def metric_flags(rows, frames: OrgFrames, metrics: pd.DataFrame) -> None:
    names = frames.labels("metrics")
    for m, row in _rows(metrics[metrics["in_use"] | metrics["is_vanity"]]):
        name = names[m]
        if row["in_use"] and not row["is_fresh"]:
            age = ("has no value yet" if pd.isna(row["latest_period"]) else
                   f"was last logged {int(row['days_since_latest'])} days ago (fresh within "
                   f"{row['freshness_limit_days']:g})")
            _flag(rows, "STALE_DATA", "metric", m, name, f"“{name}” {age}.",
                  "Log its latest value.")
        if row["is_vanity"]:
            evidence = ""
            if row["vanity_verdict"] in ("confirmed", "inconclusive"):
                evidence = (f" Its changes correlate {row['vanity_correlation']:.2f} with the "
                            f"goal's outcome over {int(row['vanity_common_periods'])} periods"
                            + (", which confirms it." if row["vanity_verdict"] == "confirmed"
                               else "."))
            _flag(rows, "VANITY_METRIC", "metric", m, name,
                  f"“{name}” counts activity, measures no active goal, and no initiative it "
                  "measures has an outcome metric." + evidence,
                  "Pair it with the outcome it should move, or stop reporting it as progress.")


def tool_flags(rows, frames: OrgFrames, tools: pd.DataFrame, initiatives: pd.DataFrame) -> None:
    names = frames.labels("tools")
    active = tools[tools["is_active"]]
    categories = redundant_categories(tools)
    by_category: dict[str, list[str]] = {}
    for t, category in zip(active.index.tolist(), active["category"].tolist(), strict=True):
        by_category.setdefault(category, []).append(names[t])
    for category in categories:
        members = by_category[category]
        label = frames.tool_category_labels.get(category, category)
        _flag(rows, "REDUNDANT_TOOLS", "tool_category", category, label,
              f"{len(members)} active {label} tools: {', '.join(members)}.",
              "Keep one and retire the others, or record why each is needed.")
    for t, row in _rows(active[~active["used"]]):
        _flag(rows, "SHELFWARE", "tool", t, names[t],
              f"“{names[t]}” is active but no active initiative uses it"
              + (f"; it costs {row['monthly_cost']:.2f} a month." if row["monthly_cost"]
                 else "."),
              "Link it to the initiative that uses it, or retire it.")
    n_tools, n_inits = len(active), int(initiatives["is_active"].sum())
    too_many = n_tools > n_inits
    too_redundant = len(categories) > constants.TOOL_SPRAWL_MAX_REDUNDANT_CATEGORIES
    if too_many or too_redundant:
        reasons = []
        if too_many:
            reasons.append(f"{n_tools} active tools for {n_inits} active initiatives")
        if too_redundant:
            reasons.append(f"{len(categories)} categories with redundant tools")
        _flag(rows, "TOOL_SPRAWL", "organization", frames.organization_id,
              frames.organization_name, "Tool sprawl: " + " and ".join(reasons) + ".",
              "Consolidate: retire shelfware and redundant tools before adding new ones.")


def feed_flags(rows, frames: OrgFrames) -> None:
    """FEED_FAILING: an active feed whose last FEED_FAILING_RUNS runs (or more) failed."""
    feeds = frames.feeds
    failing = feeds[feeds["consecutive_failures"].fillna(0) >= rules.FEED_FAILING_RUNS]
    for feed_id, name, error in zip(failing["id"].tolist(), failing["name"].tolist(),
                                    failing["last_error"].tolist(), strict=True):
        # The run count is not in the message: the flag's wording would change on every
        # failed run. The error is (a different error is news).
        _flag(rows, "FEED_FAILING", "feed", feed_id, name,
              f"The feed “{name}” failed {rules.FEED_FAILING_RUNS} runs in a row or more; "
              f"the last one: {error or 'no reason recorded'}.",
              "Open the feed's page to see each run; fix the source (or the feed's address "
              "or mapping), then press Run now.")


def impact_flags(rows, frames: OrgFrames, evidence: pd.DataFrame, today: date) -> None:
    """WORSENED (an outcome metric worsened after go-live) and NO_EFFECT (enough values after
    go-live on every outcome metric, none improved, none worsened)."""
    if evidence is None or evidence.empty:
        return
    names, metric_names = frames.labels("initiatives"), frames.labels("metrics")
    metrics = frames.metrics.set_index("id")
    for i, pairs in impact.impact_by_initiative(evidence).items():
        name = names[i]
        worse = [r for r in pairs if r["verdict"] == impact.WORSENED]
        if worse:
            said = " ".join(impact.impact_sentence(
                r, metric_name=metric_names[r["metric_id"]],
                unit=str(metrics.at[r["metric_id"], "unit"] or ""),
                frequency=metrics.at[r["metric_id"], "frequency"], today=today)
                for r in worse)
            _flag(rows, "WORSENED", "initiative", i, name, f"Since “{name}” went live: {said}",
                  "Look at what the change did to this process: fix it, roll it back, or "
                  "record why the number was expected to dip.")
        elif impact.no_effect(pairs):
            which = ", ".join(f"{metric_names[r['metric_id']]} ({r['n_after']} values after, "
                              f"{impact.format_p(r['p'])})" for r in pairs)
            _flag(rows, "NO_EFFECT", "initiative", i, name,
                  f"“{name}” has shown no clear change in any of its outcome metrics since "
                  f"going live: {which}.",
                  "Check that it is used as planned and measured by the right outcome; if it "
                  "still moves nothing, consider pausing it and saving its cost.")


def benefit_flags(rows, frames: OrgFrames, ledger: pd.DataFrame) -> None:
    """BENEFIT_SHORTFALL and UNPROVEN_BENEFIT (scoring/benefits.py decides when)."""
    names = frames.labels("initiatives")
    for i, row in _rows(ledger[benefits.shortfall(ledger)]):
        name, months = names[i], int(row["months_live"])
        basis = ("of the hours it was expected to save" if row["basis"] == benefits.HOURS
                 else "of the benefit it was expected to bring")
        _flag(rows, "BENEFIT_SHORTFALL", "initiative", i, name,
              f"“{name}” has realised {row['realisation']:.0%} {basis} in {months} months "
              f"since go-live (below {benefits.SHORTFALL_BELOW:.0%}).",
              "Check whether it is used as planned and fix what holds it back, or lower its "
              "expected benefit to what it really brings.")
    for i, row in _rows(ledger[benefits.unproven(ledger)]):
        name, months = names[i], int(row["months_live"])
        _flag(rows, "UNPROVEN_BENEFIT", "initiative", i, name,
              f"“{name}” has been live for {months} months and no realised benefit has been "
              "recorded for it.",
              "Record the hours it saved or the money it brought each month (the form on its "
              "page, a CSV or the API).")


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
        why = []
        if renewal.shelfware:
            why.append("no active initiative uses it")
        if renewal.low_seats:
            why.append(f"only {renewal.seats_used} of its {renewal.seats_paid} paid seats "
                       f"{'is' if renewal.seats_used == 1 else 'are'} in use")
        saving = renewals.saving_sentence(renewal)
        _flag(rows, "RENEWAL_DUE", "tool", tool_id, name,
              f"“{name}” renews on {renewal.renews_on:%-d %b %Y}; the notice deadline is "
              f"{renewal.notice_deadline:%-d %b %Y}"
              + (f", and {' and '.join(why)}" if why else "") + "."
              + (f" {saving[0].upper()}{saving[1:]}." if saving else ""),
              ("Cancel it or drop the unused seats before the notice deadline, or record why "
               "it is kept." if renewal.high else
               "Decide before the notice deadline whether to renew it as it is."),
              severity=constants.RENEWAL_DUE_HIGH_SEVERITY if renewal.high else None)


def raise_flags(frames: OrgFrames, goals: pd.DataFrame, initiatives: pd.DataFrame,
                metrics: pd.DataFrame, tools: pd.DataFrame, *,
                evidence: pd.DataFrame | None = None, today: date | None = None,
                ledger: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every flag that holds now, one row each (FLAG_COLUMNS)."""
    rows: list[dict] = []
    initiative_flags(rows, frames, initiatives)
    impact_flags(rows, frames, evidence, today or date.today())
    goal_flags(rows, frames, goals)
    metric_flags(rows, frames, metrics)
    tool_flags(rows, frames, tools, initiatives)
    feed_flags(rows, frames)
    renewal_flags(rows, frames, tools, today or date.today())
    if ledger is not None:
        benefit_flags(rows, frames, ledger)
    return pd.DataFrame(rows, columns=FLAG_COLUMNS)
