"""A change as typed in a form or sent to the API, checked and turned into apply.py's Change.

Record ids are looked up in the organization's own frames (loaded anyway for the
evaluation), so an id of another organization is simply unknown: `UnknownRecord`, which the
views and the API answer with 404. Everything else wrong is a ValidationError naming the
field, with a message for the person who typed it.
"""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext

from alignment_portal.lib.formats import local_digits
from alignment_portal.scenarios.apply import (
    CONTRIBUTIONS,
    INITIATIVE_STATUSES,
    PRIORITY_RANKS,
    Change,
    NewLink,
)
from alignment_portal.scenarios.models import (
    MAX_NEW_INITIATIVE_LINKS,
    MAX_RATIONALE_LENGTH,
    ChangeType,
)
from alignment_portal.scoring.frames import OrgFrames
from initiatives.models import CONTRIBUTION_LABELS, STATUS_LABELS

MAX_COST = Decimal("9999999999.99")
MAX_INITIATIVE_NAME = 160


class UnknownRecord(Exception):
    """An id that is not one of this organization's records (or not a record at all)."""

    def __init__(self, kind: str, value):
        super().__init__(f"No {kind} {value!r} in this organization.")
        self.kind, self.value = kind, value


def _id(data: dict, key: str, frames: OrgFrames, table: str) -> int:
    raw = data.get(key)
    if raw in (None, ""):
        raise ValidationError({key: gettext("Choose the %(key)s.") % {"key": key}})
    if isinstance(raw, bool | float):
        raise UnknownRecord(key, raw)
    try:
        record_id = int(raw)
    except (TypeError, ValueError):
        raise UnknownRecord(key, raw) from None
    if record_id not in frames.labels(table):
        raise UnknownRecord(key, raw)
    return record_id


def _text(data: dict, key: str, *, required: str = "", limit: int) -> str:
    value = data.get(key) or ""
    if not isinstance(value, str):
        raise ValidationError({key: gettext("Write it as text.")})
    value = value.strip()
    if "\x00" in value:
        raise ValidationError({key: gettext("The text contains a null character.")})
    if required and not value:
        raise ValidationError({key: required})
    if len(value) > limit:
        raise ValidationError({key: gettext("At most %(limit)s characters (%(len)s given).") % {
            "limit": limit, "len": len(value)}})
    return value


def _choice(data: dict, key: str, choices, message: str) -> str:
    value = data.get(key) or ""
    if value not in choices:
        raise ValidationError({key: message})
    return value


def _cost(data: dict, key: str) -> float:
    raw = data.get(key)
    if raw in (None, ""):
        return 0.0
    if isinstance(raw, bool):
        raise ValidationError({key: gettext("A cost is a number.")})
    try:
        amount = Decimal(str(raw).strip().replace(",", "."))
    except InvalidOperation:
        raise ValidationError({key: gettext("“%(value)s” is not a number.") % {
            "value": str(raw)[:20]}}) from None
    if not amount.is_finite():
        raise ValidationError({key: gettext("A cost must be a finite number.")})
    if amount < 0:
        raise ValidationError({key: gettext("A cost cannot be negative.")})
    if amount > MAX_COST:
        raise ValidationError({key: gettext("At most %(max_cost)s.") % {
            "max_cost": f"{MAX_COST:,}"}})
    return float(round(amount, 2))


def _rank(data: dict) -> int | None:
    raw = data.get("rank")
    if raw in (None, ""):
        return None
    try:
        rank = int(raw)
    except (TypeError, ValueError):
        rank = None
    if isinstance(raw, bool | float) or rank not in PRIORITY_RANKS:
        raise ValidationError({"rank": gettext("A priority rank is 1, 2 or 3, or empty to clear "
                                               "it.")})
    return rank


def _link_fields(data: dict, frames: OrgFrames, prefix: str = "") -> tuple[int, str, str]:
    goal = _id(data, "goal", frames, "goals")
    contribution = _choice(data, "contribution", CONTRIBUTIONS,
                           gettext("Choose a contribution: primary, supporting or indirect."))
    rationale = _text(data, "rationale", limit=MAX_RATIONALE_LENGTH,
                      required=gettext("Say how the initiative will move the goal."))
    return goal, contribution, rationale


def parse_change(data: dict, frames: OrgFrames) -> Change:
    """A Change from a dict of strings (a form) or JSON values (the API)."""
    kind = data.get("type")
    if kind not in ChangeType.values:
        raise ValidationError({"type": gettext("Choose what to change.")})
    if kind == ChangeType.LINK:
        initiative = _id(data, "initiative", frames, "initiatives")
        goal, contribution, rationale = _link_fields(data, frames)
        return Change(kind, initiative=initiative, goal=goal, contribution=contribution,
                      rationale=rationale)
    if kind == ChangeType.UNLINK:
        return Change(kind, initiative=_id(data, "initiative", frames, "initiatives"),
                      goal=_id(data, "goal", frames, "goals"))
    if kind == ChangeType.INITIATIVE_STATUS:
        return Change(kind, initiative=_id(data, "initiative", frames, "initiatives"),
                      status=_choice(data, "status", INITIATIVE_STATUSES,
                                     gettext("Choose a status.")))
    if kind == ChangeType.RETIRE_TOOL:
        return Change(kind, tool=_id(data, "tool", frames, "tools"))
    if kind == ChangeType.PRIORITY:
        return Change(kind, goal=_id(data, "goal", frames, "goals"), rank=_rank(data))
    name = _text(data, "name", limit=MAX_INITIATIVE_NAME, required=gettext("Name the initiative."))
    raw_links = data.get("links") or []
    if not isinstance(raw_links, list):
        raise ValidationError({"links": gettext("Give the links as a list.")})
    if len(raw_links) > MAX_NEW_INITIATIVE_LINKS:
        raise ValidationError({"links": gettext("At most %(max_new_initiative_links)s links.") % {
            "max_new_initiative_links": MAX_NEW_INITIATIVE_LINKS}})
    links = []
    for raw in raw_links:
        if not isinstance(raw, dict):
            raise ValidationError({"links": gettext("Each link is {goal, contribution, "
                                                    "rationale}.")})
        links.append(NewLink(*_link_fields(raw, frames)))
    if len({link.goal for link in links}) != len(links):
        raise ValidationError({"links": gettext("Each goal can be linked once.")})
    monthly, one_time = _cost(data, "monthly_cost"), _cost(data, "one_time_cost")
    return Change(kind, name=name, monthly_cost=monthly, one_time_cost=one_time,
                  links=tuple(links))


# The choice labels as they are: lower-casing them would misspell German nouns ("In Arbeit").
def _contribution(code: str) -> str:
    return str(CONTRIBUTION_LABELS.get(code, code))


def _status(code: str) -> str:
    return str(STATUS_LABELS.get(code, code.replace("_", " ")))


def describe(change: Change, frames: OrgFrames, currency: str = "") -> str:
    """The change in words, in the active language, with the names of its records as they
    are now."""
    initiatives, goals = frames.labels("initiatives"), frames.labels("goals")
    tools = frames.labels("tools")
    i, g = initiatives.get(change.initiative, "?"), goals.get(change.goal, "?")
    kind = change.type
    if kind == ChangeType.LINK:
        return gettext("Link “%(initiative)s” to “%(goal)s” (%(contribution)s)") % {
            "initiative": i, "goal": g, "contribution": _contribution(change.contribution)}
    if kind == ChangeType.UNLINK:
        return gettext("Unlink “%(initiative)s” from “%(goal)s”") % {"initiative": i, "goal": g}
    if kind == ChangeType.INITIATIVE_STATUS:
        return gettext("Set “%(initiative)s” to %(status)s") % {
            "initiative": i, "status": _status(change.status)}
    if kind == ChangeType.RETIRE_TOOL:
        return gettext("Retire the tool “%(tool)s”") % {"tool": tools.get(change.tool, "?")}
    if kind == ChangeType.PRIORITY:
        return (gettext("Clear the priority rank of “%(goal)s”") % {"goal": g}
                if change.rank is None
                else gettext("Make “%(goal)s” priority #%(rank)s") % {"goal": g,
                                                                       "rank": change.rank})
    money = f" {currency}" if currency else ""
    served = ", ".join(gettext("“%(goal)s” (%(contribution)s)") % {
        "goal": goals.get(link.goal, "?"), "contribution": _contribution(link.contribution)}
        for link in change.links)
    words = {"name": change.name, "monthly": local_digits(f"{change.monthly_cost:,.2f}"),
             "once": local_digits(f"{change.one_time_cost:,.2f}"), "money": money,
             "served": served}
    text = gettext("Add “%(name)s” (%(monthly)s%(money)s/month, %(once)s%(money)s once)") % words
    if served:
        text += gettext(" serving %(served)s") % words
    return text[:400]


def _named_records(change: Change) -> list[tuple[str, int | None]]:
    """(frame, id) of each record describe() names for this kind of change."""
    kind = change.type
    if kind in (ChangeType.LINK, ChangeType.UNLINK):
        return [("initiatives", change.initiative), ("goals", change.goal)]
    if kind == ChangeType.INITIATIVE_STATUS:
        return [("initiatives", change.initiative)]
    if kind == ChangeType.RETIRE_TOOL:
        return [("tools", change.tool)]
    if kind == ChangeType.PRIORITY:
        return [("goals", change.goal)]
    return [("goals", link.goal) for link in change.links]


def describe_stored(change: Change, stored: str, frames: OrgFrames, currency: str = "") -> str:
    """A stored change for its reader: describe() in the active language from the change's
    own fields and the plan's names, or the sentence `stored` when it was added, once a
    record it names is gone (deleted since: the change keeps what it said)."""
    if all(record_id is not None and record_id in frames.labels(table)
           for table, record_id in _named_records(change)):
        return describe(change, frames, currency)
    return stored
