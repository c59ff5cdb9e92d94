"""A scenario's changes applied to an organization's frames, in memory: pure (no Django).

`apply_changes(frames, changes)` returns new frames with the changes made, one after the
other, and the problems found on the way: a change that no longer fits the plan (its record
is gone, the link exists already, the rank is taken) is skipped and says why. The frames given
are never modified: only the frames a change touches are copied, so the 50,000 values of a
large organization are shared, not copied.

Evaluation (evaluate.py) scores the result with the same `compute.score` as a recompute;
applying (services.scenario_apply) runs the same checks on freshly loaded frames and refuses
the whole scenario if any change has a problem.
"""

import dataclasses
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from django.utils.translation import gettext

from alignment_portal.scoring import rules
from alignment_portal.scoring.frames import OrgFrames

CONTRIBUTIONS = tuple(rules.CONTRIBUTION_WEIGHT)  # primary, supporting, indirect
INITIATIVE_STATUSES = ("idea", "planned", "in_progress", "live", "paused", "retired")
PRIORITY_RANKS = (1, 2, 3)
# A hypothetical initiative is scored as planned: active, so it counts in D2, D3 and the spend.
NEW_INITIATIVE_STATUS = "planned"
NEW_INITIATIVE_IMPACT = NEW_INITIATIVE_EFFORT = 3  # the initiative form's defaults


@dataclass(frozen=True)
class NewLink:
    goal: int | None
    contribution: str
    rationale: str


@dataclass(frozen=True)
class Change:
    """One change, by record ids (None where the record is gone)."""

    type: str
    initiative: int | None = None
    goal: int | None = None
    tool: int | None = None
    contribution: str = ""
    rationale: str = ""
    status: str = ""
    rank: int | None = None
    name: str = ""
    monthly_cost: float = 0.0
    one_time_cost: float = 0.0
    links: tuple[NewLink, ...] = field(default_factory=tuple)


class _Plan:
    """The frames being changed: each frame copied the first time a change touches it, and
    the rows added kept aside until the end (one concatenation per frame, not per row)."""

    def __init__(self, frames: OrgFrames):
        self.original = frames
        self.tables: dict[str, pd.DataFrame] = {}
        self.added: dict[str, list[dict]] = {}
        self.edited: dict[str, set] = {}  # frame name: ids of the records changed or added
        self.next_new_id = -1  # hypothetical initiatives get negative ids: never a real one

    def read(self, name: str) -> pd.DataFrame:
        """Frame `name` as changed so far, without the rows added (self.added)."""
        return self.tables.get(name, getattr(self.original, name))

    def write(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            self.tables[name] = getattr(self.original, name).copy()
        return self.tables[name]

    def add(self, name: str, row: dict) -> None:
        self.added.setdefault(name, []).append(row)
        if "id" in row:
            self.edited.setdefault(name, set()).add(row["id"])

    def frames(self) -> OrgFrames:
        for name, rows in self.added.items():
            if rows:
                self.tables[name] = _append(self.read(name), rows)
        if not self.tables:
            return self.original
        # replace() builds a new OrgFrames, without the original's cached labels.
        return dataclasses.replace(self.original, **self.tables,
                                   edits=(self.original, self.edited))

    # On NumPy arrays rather than Series: a large plan's changes are checked one by one.
    def rows(self, name: str, record_id) -> np.ndarray:
        """Which rows of frame `name` are record `record_id` (a boolean mask)."""
        return self.read(name)["id"].to_numpy() == record_id

    def _added_row(self, name: str, record_id) -> dict | None:
        return next((row for row in self.added.get(name, ()) if row.get("id") == record_id), None)

    def has(self, name: str, record_id) -> bool:
        return record_id is not None and (bool(self.rows(name, record_id).any())
                                          or self._added_row(name, record_id) is not None)

    def linked(self, initiative_id, goal_id) -> bool:
        if any(row["initiative_id"] == initiative_id and row["goal_id"] == goal_id
               for row in self.added.get("alignment_links", ())):
            return True
        links = self.read("alignment_links")
        return bool(((links["initiative_id"].to_numpy() == initiative_id)
                     & (links["goal_id"].to_numpy() == goal_id)).any())

    def value(self, name: str, record_id, column: str):
        added = self._added_row(name, record_id)
        if added is not None:
            return added[column]
        return self.read(name)[column].to_numpy()[self.rows(name, record_id)][0]

    def set(self, name: str, record_id, column: str, value) -> None:
        """Record `record_id`'s `column` set to `value` (in a copy of the frame): the column
        replaced by an array, which costs a fraction of a .loc assignment."""
        self.edited.setdefault(name, set()).add(record_id)
        added = self._added_row(name, record_id)
        if added is not None:
            added[column] = value
            return
        table = self.write(name)
        values = table[column].to_numpy(copy=True)
        values[self.rows(name, record_id)] = value
        table[column] = values

    def unlink(self, initiative_id, goal_id) -> None:
        added = self.added.get("alignment_links", [])
        kept = [row for row in added
                if (row["initiative_id"], row["goal_id"]) != (initiative_id, goal_id)]
        if len(kept) < len(added):
            self.added["alignment_links"] = kept
            return
        links = self.read("alignment_links")
        keep = ~((links["initiative_id"].to_numpy() == initiative_id)
                 & (links["goal_id"].to_numpy() == goal_id))
        self.tables["alignment_links"] = links[keep].reset_index(drop=True)


def _link_problem(plan: _Plan, initiative, goal, contribution: str, rationale: str) -> str:
    if contribution not in CONTRIBUTIONS:
        return gettext("Choose a contribution: primary, supporting or indirect.")
    if not rationale.strip():
        return gettext("Say how the initiative will move the goal (the rationale is required).")
    if not plan.has("goals", goal):
        return gettext("Its goal no longer exists.")
    if initiative is not None and plan.linked(initiative, goal):
        return gettext("This initiative is already linked to this goal.")
    return ""


def check(plan: _Plan, change: Change) -> str:
    """Why `change` cannot be made to the plan as it stands, or "" when it can."""
    kind = change.type
    if kind in ("link", "unlink", "initiative_status") and not plan.has("initiatives",
                                                                        change.initiative):
        return gettext("Its initiative no longer exists.")
    if kind == "link":
        return _link_problem(plan, change.initiative, change.goal, change.contribution,
                             change.rationale)
    if kind == "unlink":
        if not plan.has("goals", change.goal):
            return gettext("Its goal no longer exists.")
        if not plan.linked(change.initiative, change.goal):
            return gettext("This initiative is not linked to this goal (any more).")
        return ""
    if kind == "initiative_status":
        if change.status not in INITIATIVE_STATUSES:
            return gettext("Choose a status.")
        if plan.value("initiatives", change.initiative, "status") == change.status:
            return gettext("The initiative's status is %(replace)s already.") % {
                "replace": change.status.replace('_', ' ')}
        return ""
    if kind == "retire_tool":
        if not plan.has("tools", change.tool):
            return gettext("Its tool no longer exists.")
        if plan.value("tools", change.tool, "status") == "retired":
            return gettext("This tool is retired already.")
        return ""
    if kind == "priority":
        return _priority_problem(plan, change)
    if kind == "new_initiative":
        if not change.name.strip():
            return gettext("Name the initiative.")
        for cost in (change.monthly_cost, change.one_time_cost):
            if not math.isfinite(cost) or cost < 0:
                return gettext("Costs must be numbers of at least 0.")
        for link in change.links:
            problem = _link_problem(plan, None, link.goal, link.contribution, link.rationale)
            if problem:
                return problem
        goals = [link.goal for link in change.links]
        if len(set(goals)) != len(goals):
            return gettext("Each goal can be linked once.")
        return ""
    return gettext("Unknown kind of change: %(kind)s.") % {"kind": kind}


def _priority_problem(plan: _Plan, change: Change) -> str:
    if not plan.has("goals", change.goal):
        return gettext("Its goal no longer exists.")
    if change.rank is not None and change.rank not in PRIORITY_RANKS:
        return gettext("A priority rank is 1, 2 or 3 (or none).")
    goals = plan.read("goals")
    me = {c: plan.value("goals", change.goal, c)
          for c in ("priority_rank", "status", "cycle_id")}
    current = None if pd.isna(me["priority_rank"]) else int(me["priority_rank"])
    if current == change.rank:
        return (gettext("This goal has no priority rank already.") if change.rank is None
                else gettext("This goal has rank %(rank)s already.") % {"rank": change.rank})
    if change.rank is None:
        return ""
    if me["status"] == "archived":
        return gettext("An archived goal cannot be a priority.")
    cycles = plan.read("cycles")
    state = cycles.loc[cycles["id"].eq(me["cycle_id"]), "state"]
    if len(state) and state.iloc[0] in rules.CLOSED_CYCLE_STATES:
        return gettext("Its cycle is closed.")
    holder = goals[goals["cycle_id"].eq(me["cycle_id"]) & goals["priority_rank"].eq(change.rank)
                   & goals["id"].ne(change.goal)]
    if len(holder):
        return (gettext("Rank %(rank)s is taken by “%(value)s”: clear it first (an earlier "
                        "change of this scenario may do that).") % {
                            "rank": change.rank, "value": holder['title'].iloc[0]})
    return ""


def make(plan: _Plan, change: Change) -> None:
    """Make a change that `check` passed."""
    kind = change.type
    if kind == "link":
        _append_link(plan, change.initiative, change.goal, change.contribution,
                     change.rationale)
    elif kind == "unlink":
        plan.unlink(change.initiative, change.goal)
    elif kind == "initiative_status":
        plan.set("initiatives", change.initiative, "status", change.status)
    elif kind == "retire_tool":
        plan.set("tools", change.tool, "status", "retired")
    elif kind == "priority":
        table = plan.write("goals")
        if table["priority_rank"].dtype != object:
            table["priority_rank"] = table["priority_rank"].astype(object)
        plan.set("goals", change.goal, "priority_rank", change.rank)
    elif kind == "new_initiative":
        new_id = plan.next_new_id
        plan.next_new_id -= 1
        row = {"id": new_id, "name": change.name.strip(), "status": NEW_INITIATIVE_STATUS,
               "monthly_cost": float(change.monthly_cost),
               "one_time_cost": float(change.one_time_cost),
               "impact": NEW_INITIATIVE_IMPACT, "effort": NEW_INITIATIVE_EFFORT}
        plan.add("initiatives", row)
        for link in change.links:
            _append_link(plan, new_id, link.goal, link.contribution, link.rationale)


def _append(table: pd.DataFrame, rows: list[dict]) -> pd.DataFrame:
    addition = pd.DataFrame(rows, columns=table.columns)
    if table.empty:
        given = set().union(*rows)
        return addition.astype({c: table[c].dtype for c in table.columns if c in given
                                and table[c].dtype.kind == "f"})
    return pd.concat([table, addition], ignore_index=True)


def _append_link(plan: _Plan, initiative, goal, contribution, rationale) -> None:
    plan.add("alignment_links", {"initiative_id": initiative, "goal_id": goal,
                                 "contribution": contribution, "rationale": rationale.strip()})


def apply_changes(frames: OrgFrames, changes) -> tuple[OrgFrames, list[str]]:
    """The frames with `changes` made in order, and per change its problem ("" when it was
    made). A change with a problem is skipped; the frames given are left as they were."""
    plan = _Plan(frames)
    problems = []
    for change in changes:
        problem = check(plan, change)
        if not problem:
            make(plan, change)
        problems.append(problem)
    return plan.frames(), problems
