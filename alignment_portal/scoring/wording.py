"""What a flag says, in the reader's language: the sentences per code and how params fill them.

A flag is stored as its code and `params` (flags.py writes them: the names and numbers the
sentence needs, JSON-ready; numbers already written with the precision shown, the English way,
e.g. "12.50", so that a flag's row changes only when its wording would). `flag_message` and
`flag_fix` render them in the active language; with English active the words are exactly
those the flags have always had.

A flag stored before params existed carries its English text under LEGACY (the migration put it
there); it shows that until the next recompute rewrites the flag with params.
"""

from collections.abc import Mapping
from datetime import date

from django.utils import dateformat
from django.utils.translation import gettext, gettext_lazy, ngettext

from alignment_portal.lib import words
from alignment_portal.lib.formats import local_digits
from alignment_portal.scoring import impact, smart

LEGACY = "legacy"

# The suggested fixes that need no params, by code (RENEWAL_DUE and NOT_SMART vary).
FIXES = {
    "MISALIGNED": gettext_lazy("Link it to the active goal it should move, or pause or retire "
                               "it."),
    "WEAK_ALIGNMENT": gettext_lazy("Say in a sentence how it moves the goal, or link it to a "
                                   "goal it serves directly (primary or supporting)."),
    "DRIFT": gettext_lazy("Link it to a goal of the current cycle, or retire it if its job is "
                          "done."),
    "UNMEASURED": gettext_lazy("Link the outcome metric that shows it works (and an activity "
                               "metric if useful)."),
    "VANITY_METRICS": gettext_lazy("Link an outcome metric, ideally the measure of the goal it "
                                   "serves."),
    "STALE_DATA:initiative": gettext_lazy("Log the latest values of its metrics."),
    "STALE_DATA:metric": gettext_lazy("Log its latest value."),
    "ORPHAN_GOAL": gettext_lazy("Link an initiative that moves it, or plan one."),
    "OFF_TRACK": gettext_lazy("Review it now, not at the cycle's end: speed up the initiatives "
                              "that serve it, add one, or revise the target or due date."),
    "VANITY_METRIC": gettext_lazy("Pair it with the outcome it should move, or stop reporting "
                                  "it as progress."),
    "REDUNDANT_TOOLS": gettext_lazy("Keep one and retire the others, or record why each is "
                                    "needed."),
    "SHELFWARE": gettext_lazy("Link it to the initiative that uses it, or retire it."),
    "TOOL_SPRAWL": gettext_lazy("Consolidate: retire shelfware and redundant tools before "
                                "adding new ones."),
    "FEED_FAILING": gettext_lazy("Open the feed's page to see each run; fix the source (or the "
                                 "feed's address or mapping), then press Run now."),
    "WORSENED": gettext_lazy("Look at what the change did to this process: fix it, roll it "
                             "back, or record why the number was expected to dip."),
    "NO_EFFECT": gettext_lazy("Check that it is used as planned and measured by the right "
                              "outcome; if it still moves nothing, consider pausing it and "
                              "saving its cost."),
    "BENEFIT_SHORTFALL": gettext_lazy("Check whether it is used as planned and fix what holds it "
                                      "back, or lower its expected benefit to what it really "
                                      "brings."),
    "UNPROVEN_BENEFIT": gettext_lazy("Record the hours it saved or the money it brought each "
                                     "month (the form on its page, a CSV or the API)."),
    "RENEWAL_DUE:high": gettext_lazy("Cancel it or drop the unused seats before the notice "
                                     "deadline, or record why it is kept."),
    "RENEWAL_DUE": gettext_lazy("Decide before the notice deadline whether to renew it as it "
                                "is."),
}
FIXES["AT_RISK"] = FIXES["OFF_TRACK"]


def _day(iso: str) -> str:
    """A date as "5 Mar 2026", month in the active language."""
    return dateformat.format(date.fromisoformat(iso), "j M Y")


def _and(parts: list[str]) -> str:
    return gettext(" and ").join(parts)


def _misaligned(p):
    if p.get("cost"):
        return gettext("“%(name)s” is active but serves no active goal; it costs %(cost)s a "
                       "month.") % {"name": p["name"], "cost": local_digits(p["cost"])}
    return gettext("“%(name)s” is active but serves no active goal.") % p


def _weak_alignment(p):
    if p["indirect"]:
        return gettext("“%(name)s”: its links to goals are all indirect.") % p
    return ngettext("“%(name)s”: %(count)s of its links explain in less than a sentence how it "
                    "moves the goal.",
                    "“%(name)s”: %(count)s of its links explain in less than a sentence how it "
                    "moves the goal.", p["count"]) % p


def _stale(p):
    if "count" in p:
        return ngettext("None of the %(count)s metric(s) of “%(name)s” has a fresh value.",
                        "None of the %(count)s metric(s) of “%(name)s” has a fresh value.",
                        p["count"]) % p
    if p.get("days") is None:
        return gettext("“%(name)s” has no value yet.") % p
    return ngettext("“%(name)s” was last logged %(days)s days ago (fresh within %(limit)s).",
                    "“%(name)s” was last logged %(days)s days ago (fresh within %(limit)s).",
                    p["days"]) % {**p, "limit": local_digits(p["limit"])}


def _orphan(p):
    if p["priority"]:
        return gettext("No active initiative serves “%(title)s” (a priority goal).") % p
    return gettext("No active initiative serves “%(title)s”.") % p


def _not_smart(p):
    failed = p["failed"]
    return gettext("“%(title)s” is not %(criteria)s: %(reasons)s") % {
        "title": p["title"],
        "criteria": ", ".join(str(smart.LABELS[c["key"]]) for c in failed),
        "reasons": " ".join(smart.reason_text(c["code"], c["params"]) for c in failed)}


def _not_smart_fix(p):
    failed = p["failed"]
    return smart.reason_text(failed[0]["code"], failed[0]["params"]) if failed else ""


def _forecast(p):
    words = {"n": p["n"], "value": local_digits(p["value"]), "due": p["due"],
             "target": local_digits(p["target"])}
    words["how_far"] = (gettext("%(share)s of the change needed") % {
        "share": local_digits(p["share"])} if p["share"] is not None
        else gettext("moving away from the target, not towards it"))
    if p["status"] == "off_track":
        sentence = ngettext(
            "The trend of %(n)s values falls short of the target: %(value)s by %(due)s against "
            "%(target)s (%(how_far)s).",
            "The trend of %(n)s values falls short of the target: %(value)s by %(due)s against "
            "%(target)s (%(how_far)s).", p["n"])
    else:
        sentence = ngettext(
            "The trend of %(n)s values falls a little short of the target: %(value)s by %(due)s "
            "against %(target)s (%(how_far)s).",
            "The trend of %(n)s values falls a little short of the target: %(value)s by %(due)s "
            "against %(target)s (%(how_far)s).", p["n"])
    return sentence % words


def forecast_reason(params: Mapping, stored: str = "") -> str:
    """A goal's forecast reason (forecast.Forecast.params) in the active language; `stored`,
    the English written with the score, when the row has no params (written before them)."""
    if not params:
        return stored
    status = params.get("status")
    if status in {"off_track", "at_risk"}:
        return _forecast(params)
    if status == "on_track":
        words = {"n": params["n"], "value": local_digits(params["value"]), "due": params["due"],
                 "target": local_digits(params["target"]),
                 "share": local_digits(params["share"] or "")}
        return ngettext(
            "The trend of %(n)s values reaches the target: %(value)s by %(due)s against "
            "%(target)s (%(share)s of the change needed).",
            "The trend of %(n)s values reaches the target: %(value)s by %(due)s against "
            "%(target)s (%(share)s of the change needed).", params["n"]) % words
    if params.get("missing") == "definition":
        return gettext("The goal needs a baseline, a different target and a due date.")
    if "needed" in params:
        return ngettext("%(n)s value(s) since the start; a forecast needs %(needed)s.",
                        "%(n)s value(s) since the start; a forecast needs %(needed)s.",
                        params["n"]) % {"n": params["n"], "needed": params["needed"]}
    return stored


def _vanity_metric(p):
    text = gettext("“%(name)s” counts activity, measures no active goal, and no initiative it "
                   "measures has an outcome metric.") % p
    if p.get("verdict") in ("confirmed", "inconclusive"):
        words = {"correlation": local_digits(p["correlation"]), "periods": p["periods"]}
        if p["verdict"] == "confirmed":
            text += " " + ngettext(
                "Its changes correlate %(correlation)s with the goal's outcome over "
                "%(periods)s periods, which confirms it.",
                "Its changes correlate %(correlation)s with the goal's outcome over "
                "%(periods)s periods, which confirms it.", p["periods"]) % words
        else:
            text += " " + ngettext(
                "Its changes correlate %(correlation)s with the goal's outcome over "
                "%(periods)s periods.",
                "Its changes correlate %(correlation)s with the goal's outcome over "
                "%(periods)s periods.", p["periods"]) % words
    return text


def _category_label(p) -> str:
    from initiatives.models import ToolCategory  # the app's labels, translated

    try:
        return str(ToolCategory(p["category"]).label)
    except ValueError:
        return p["label"]


def _redundant(p):
    return ngettext("%(count)s active %(label)s tools: %(members)s.",
                    "%(count)s active %(label)s tools: %(members)s.", len(p["members"])) % {
        "count": len(p["members"]), "label": _category_label(p),
        "members": ", ".join(p["members"])}


def _shelfware(p):
    if p.get("cost"):
        return gettext("“%(name)s” is active but no active initiative uses it; it costs %(cost)s "
                       "a month.") % {"name": p["name"], "cost": local_digits(p["cost"])}
    return gettext("“%(name)s” is active but no active initiative uses it.") % p


def _sprawl(p):
    reasons = []
    if p.get("tools") is not None:
        reasons.append(ngettext("%(tools)s active tools for %(initiatives)s active initiatives",
                                "%(tools)s active tools for %(initiatives)s active initiatives",
                                p["tools"]) % p)
    if p.get("redundant") is not None:
        reasons.append(ngettext("%(redundant)s categories with redundant tools",
                                "%(redundant)s categories with redundant tools",
                                p["redundant"]) % p)
    return gettext("Tool sprawl: %(reasons)s.") % {"reasons": _and(reasons)}


def _feed(p):
    return ngettext("The feed “%(name)s” failed %(runs)s runs in a row or more; the last one: "
                    "%(error)s.",
                    "The feed “%(name)s” failed %(runs)s runs in a row or more; the last one: "
                    "%(error)s.", p["runs"]) % {
        **p, "error": words.worded(p["error"]) if isinstance(p["error"], Mapping)
        else p["error"] or gettext("no reason recorded")}


def _impact_row(r: Mapping) -> str:
    return impact.impact_sentence(
        r, metric_name=r["metric"], unit=r["unit"], frequency=r["frequency"],
        today=date(r["year"], 1, 1))


def _worsened(p):
    return gettext("Since “%(name)s” went live: %(said)s") % {
        "name": p["name"], "said": " ".join(_impact_row(r) for r in p["impacts"])}


def _no_effect(p):
    which = ", ".join(
        ngettext("%(metric)s (%(n)s values after, %(p)s)", "%(metric)s (%(n)s values after, %(p)s)",
                 r["n_after"]) % {"metric": r["metric"], "n": r["n_after"],
                                  "p": impact.format_p(r["p"])}
        for r in p["metrics"])
    return gettext("“%(name)s” has shown no clear change in any of its outcome metrics since "
                   "going live: %(which)s.") % {"name": p["name"], "which": which}


def _shortfall(p):
    words = {**p, "realisation": local_digits(p["realisation"]),
             "below": local_digits(p["below"])}
    if p["hours"]:
        return ngettext(
            "“%(name)s” has realised %(realisation)s of the hours it was expected to save in "
            "%(months)s months since go-live (below %(below)s).",
            "“%(name)s” has realised %(realisation)s of the hours it was expected to save in "
            "%(months)s months since go-live (below %(below)s).", p["months"]) % words
    return ngettext(
        "“%(name)s” has realised %(realisation)s of the benefit it was expected to bring in "
        "%(months)s months since go-live (below %(below)s).",
        "“%(name)s” has realised %(realisation)s of the benefit it was expected to bring in "
        "%(months)s months since go-live (below %(below)s).", p["months"]) % words


def _unproven(p):
    return ngettext("“%(name)s” has been live for %(months)s months and no realised benefit has "
                    "been recorded for it.",
                    "“%(name)s” has been live for %(months)s months and no realised benefit has "
                    "been recorded for it.", p["months"]) % p


def saving_text(saving: Mapping | None) -> str:
    """What acting on a renewal saves (renewals.saving_sentence in the active language)."""
    if not saving:
        return ""
    amount = local_digits(saving["amount"])
    if saving["kind"] == "cancel":
        return gettext("cancelling it saves %(amount)s a year") % {"amount": amount}
    return ngettext("dropping its %(seats)s unused seat saves %(amount)s a year",
                    "dropping its %(seats)s unused seats saves %(amount)s a year",
                    saving["seats"]) % {"seats": saving["seats"], "amount": amount}


def _renewal(p):
    why = []
    if p["shelfware"]:
        why.append(gettext("no active initiative uses it"))
    if p.get("seats_paid") is not None:
        why.append(ngettext("only %(used)s of its %(paid)s paid seats is in use",
                            "only %(used)s of its %(paid)s paid seats are in use",
                            p["seats_used"]) % {"used": p["seats_used"], "paid": p["seats_paid"]})
    words = {"name": p["name"], "renews": _day(p["renews_on"]), "deadline": _day(p["deadline"])}
    if why:
        words["why"] = _and(why)
        text = gettext("“%(name)s” renews on %(renews)s; the notice deadline is %(deadline)s, "
                       "and %(why)s.") % words
    else:
        text = gettext("“%(name)s” renews on %(renews)s; the notice deadline is "
                       "%(deadline)s.") % words
    saving = saving_text(p.get("saving"))
    if saving:
        text += f" {saving[0].upper()}{saving[1:]}."
    return text


MESSAGES = {
    "MISALIGNED": _misaligned,
    "WEAK_ALIGNMENT": _weak_alignment,
    "DRIFT": lambda p: gettext("Every goal “%(name)s” was linked to is archived, achieved, missed "
                               "or in a closed cycle.") % p,
    "UNMEASURED": lambda p: gettext("Nothing measures “%(name)s”: no metric is linked to "
                                    "it.") % p,
    "VANITY_METRICS": lambda p: gettext("“%(name)s” is measured only by activity or vanity "
                                        "metrics, which count effort, not results.") % p,
    "STALE_DATA": _stale,
    "ORPHAN_GOAL": _orphan,
    "NOT_SMART": _not_smart,
    "OFF_TRACK": _forecast,
    "AT_RISK": _forecast,
    "VANITY_METRIC": _vanity_metric,
    "REDUNDANT_TOOLS": _redundant,
    "SHELFWARE": _shelfware,
    "TOOL_SPRAWL": _sprawl,
    "FEED_FAILING": _feed,
    "WORSENED": _worsened,
    "NO_EFFECT": _no_effect,
    "BENEFIT_SHORTFALL": _shortfall,
    "UNPROVEN_BENEFIT": _unproven,
    "RENEWAL_DUE": _renewal,
}


def flag_message(code: str, params: Mapping | None) -> str:
    """The flag's message in the active language."""
    params = params or {}
    if LEGACY in params:
        return params[LEGACY]["message"]
    return MESSAGES[code](params)


def flag_fix(code: str, params: Mapping | None, subject_type: str = "") -> str:
    """The flag's suggested fix in the active language."""
    params = params or {}
    if LEGACY in params:
        return params[LEGACY]["suggested_fix"]
    if code == "NOT_SMART":
        return _not_smart_fix(params)
    if code == "RENEWAL_DUE" and params.get("high"):
        return str(FIXES["RENEWAL_DUE:high"])
    if code == "STALE_DATA":
        return str(FIXES["STALE_DATA:metric" if subject_type == "metric" or "count" not in params
                         else "STALE_DATA:initiative"])
    return str(FIXES[code])


def worded(row: Mapping) -> dict:
    """A flag row (flags.FLAG_COLUMNS) with its message and suggested fix, in the active
    language."""
    return {**row, "message": flag_message(row["code"], row["params"]),
            "suggested_fix": flag_fix(row["code"], row["params"], row["subject_type"])}
