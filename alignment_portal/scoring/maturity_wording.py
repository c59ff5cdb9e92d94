"""What the maturity ladder's conditions say, in the reader's language.

maturity.py stores each condition of the explanation with its key and `params` (the numbers,
written the English way, and the record names its message needs; language-neutral, so that a
recompute writes the explanation only when a figure changes), next to the English label and
message. `condition_label` and `condition_message` render them in the active language; with
English active the words are exactly the stored ones. An explanation stored before params
existed shows its stored English until the next recompute rewrites it.
"""

from collections.abc import Mapping

from django.utils.translation import gettext, gettext_lazy, ngettext

from alignment_portal.lib.formats import local_digits

LABELS = {
    "smart_goal": gettext_lazy("Active goals passing SMART"),
    "d1": gettext_lazy("D1 Goals"),
    "d2": gettext_lazy("D2 Alignment"),
    "d3": gettext_lazy("D3 Measurement"),
    "d4": gettext_lazy("D4 Feedback"),
    "d5": gettext_lazy("D5 Integration"),
    "fresh_kvi": gettext_lazy("Fresh KVIs"),
    "last_cycle_reviewed": gettext_lazy("Last closed cycle reviewed"),
    "reviewed_cycles": gettext_lazy("Closed cycles reviewed"),
    "priority_on_track": gettext_lazy("Priority goals on track (%)"),
    "misaligned_spend": gettext_lazy("Misaligned spend (%)"),
}


def _names(p: Mapping) -> str:
    names = ", ".join(p["names"])
    more = p["count"] - len(p["names"])
    return names + (gettext(" and %(count)s more") % {"count": more} if more > 0 else "")


def _listing(p: Mapping | None) -> str:
    """"3 active initiatives have no active goal: A, B, C" (maturity._listing)."""
    if not p:
        return ""
    n, words = p["count"], {"count": p["count"], "names": _names(p)}
    kind = p["kind"]
    if kind == "not_smart":
        text = ngettext("%(count)s active goal fails a SMART criterion: %(names)s",
                        "%(count)s active goals fail a SMART criterion: %(names)s", n)
    elif kind == "unaligned":
        text = ngettext("%(count)s active initiative has no active goal: %(names)s",
                        "%(count)s active initiatives have no active goal: %(names)s", n)
    elif kind == "unmeasured":
        text = ngettext("%(count)s active initiative has no outcome metric: %(names)s",
                        "%(count)s active initiatives have no outcome metric: %(names)s", n)
    elif kind == "stale":
        text = ngettext("%(count)s metric in use has no fresh value: %(names)s",
                        "%(count)s metrics in use have no fresh value: %(names)s", n)
    elif kind == "to_integrate":
        text = ngettext("%(count)s active tool is not integrated via API or is redundant: "
                        "%(names)s",
                        "%(count)s active tools are not integrated via API or are redundant: "
                        "%(names)s", n)
    elif kind == "lagging":
        text = ngettext("%(count)s priority goal is not on track: %(names)s",
                        "%(count)s priority goals are not on track: %(names)s", n)
    elif kind == "paid_unaligned":
        text = ngettext("%(count)s paid initiative has no active goal: %(names)s",
                        "%(count)s paid initiatives have no active goal: %(names)s", n)
    else:  # unused_tools
        text = ngettext("%(count)s active tool is used by no active initiative: %(names)s",
                        "%(count)s active tools are used by no active initiative: %(names)s", n)
    return text % words


def _dimension(key: str, p: Mapping) -> str:
    text = gettext("%(label)s is %(value)s, needs %(minimum)s.") % {
        "label": LABELS[key], "value": local_digits(p["value"]), "minimum": p["minimum"]}
    listing = _listing(p.get("listing"))
    return f"{text} {listing}" if listing else text


def _smart_goal(p: Mapping) -> str:
    if p.get("listing"):
        return gettext("No active goal passes all five SMART criteria.") + " " + \
            _listing(p["listing"])
    return gettext("There is no active goal yet: write one that passes all five SMART "
                   "criteria.")


def _fresh_kvi(p: Mapping) -> str:
    if p.get("stale"):
        return gettext("No KVI has a fresh value. Log a value for: %(names)s") % {
            "names": _names(p["stale"])}
    return gettext("There is no KVI: define a key value indicator and log it.")


def _last_cycle_reviewed(p: Mapping) -> str:
    if p.get("cycle"):
        return gettext("The last closed cycle, %(cycle)s, has no review: review it.") % p
    return gettext("No cycle has been closed yet: close and review the current one.")


def _reviewed_cycles(p: Mapping) -> str:
    text = gettext("%(reviewed)s closed cycle(s) reviewed, %(needed)s needed.") % p
    if p.get("unreviewed"):
        text += " " + gettext("Review: %(names)s") % {"names": _names(p["unreviewed"])}
    return text


def _priority_on_track(p: Mapping) -> str:
    if p.get("share") is None:
        return gettext("There is no priority goal in the current cycle.")
    return gettext("%(share)s %% of priority goals are on track.") % {
        "share": local_digits(p["share"])} + " " + _listing(p.get("listing"))


def _misaligned_spend(p: Mapping) -> str:
    return " ".join(filter(None, [
        gettext("%(share)s %% of monthly spend (%(amount)s) serves no active goal.") % {
            "share": local_digits(p["share"]), "amount": local_digits(p["amount"])},
        _listing(p.get("paid")), _listing(p.get("unused"))]))


MESSAGES = {
    "smart_goal": _smart_goal,
    "fresh_kvi": _fresh_kvi,
    "last_cycle_reviewed": _last_cycle_reviewed,
    "reviewed_cycles": _reviewed_cycles,
    "priority_on_track": _priority_on_track,
    "misaligned_spend": _misaligned_spend,
}

YES_NO = {"yes": gettext_lazy("Yes"), "no": gettext_lazy("No")}


def condition_label(condition: Mapping) -> str:
    """The condition's label in the active language (the stored one for an old explanation)."""
    if "params" not in condition or condition["key"] not in LABELS:
        return condition["label"]
    return str(LABELS[condition["key"]])


def condition_message(condition: Mapping) -> str:
    """What an unmet condition asks for, in the active language; the stored English for an
    explanation stored before params, "" for a met one."""
    params = condition.get("params")
    key = condition["key"]
    if not params:
        return condition.get("message", "")
    if key in MESSAGES:
        return MESSAGES[key](params)
    if key in LABELS:
        return _dimension(key, params)
    return condition.get("message", "")


def condition_value(condition: Mapping, value):
    """A condition's value now or needed: "yes"/"no" in the active language, the rest as is."""
    if "params" in condition and condition["key"] == "last_cycle_reviewed" and value in YES_NO:
        return str(YES_NO[value]).lower()
    return value
