"""Scenarios suggested from where people already are: a flag's fix, the next-rung checklist.

Pure: frames and scores in, apply.py Changes out. A suggestion is a starting point to check:
the rationale of a suggested link says it was suggested and asks for the real one.
"""


from django.utils.translation import gettext

from alignment_portal.scenarios.apply import Change
from alignment_portal.scenarios.models import MAX_CHANGES
from alignment_portal.scoring.compute import Scorecard
from alignment_portal.scoring.frames import OrgFrames

SUGGESTED_CONTRIBUTION = "supporting"
# Conditions of the ladder a scenario's kinds of change can move, and how.
LINKS_HELP = ("d2", "misaligned_spend")
RETIREMENTS_HELP = ("misaligned_spend", "d5")
NOT_COVERED = {
    "smart_goal": "make a goal pass SMART (edit the goal)",
    "d1": "make the active goals pass SMART (edit the goals)",
    "d3": "measure the initiatives with outcome metrics (link metrics)",
    "d4": "log fresh values for the metrics in use",
    "fresh_kvi": "log a fresh value for a KVI",
    "last_cycle_reviewed": "review the last closed cycle",
    "reviewed_cycles": "review two closed cycles",
    "priority_on_track": "bring the priority goals on track",
}


def suggested_rationale(initiative: str, goal: str) -> str:
    return (gettext("Suggested by the next-rung checklist: say how “%(initiative)s” moves "
                    "“%(goal)s” before applying.") % {"initiative": initiative, "goal": goal})


def best_goal(frames: OrgFrames, card: Scorecard) -> int | None:
    """The goal an unaligned initiative is most likely meant for: the top priority goal,
    else the first active goal."""
    goals = card.goals[card.goals["is_active"]]
    if goals.empty:
        return None
    ranks = frames.goals.set_index("id")["priority_rank"].reindex(goals.index)
    ranked = ranks.dropna().sort_values()
    return int(ranked.index[0]) if len(ranked) else int(goals.index[0])


def unaligned_initiatives(card: Scorecard) -> list[int]:
    t = card.initiatives
    chosen = t[t["is_active"] & t["live_link_count"].eq(0)]
    return chosen.sort_values("monthly_cost", ascending=False).index.tolist()


def shelfware_tools(card: Scorecard, *, redundant_only: bool = False) -> list[int]:
    t = card.tools
    chosen = t[t["is_active"] & ~t["used"]]
    if redundant_only:
        chosen = chosen[chosen["redundant"]]
    return chosen.sort_values("monthly_cost", ascending=False).index.tolist()


def for_next_rung(frames: OrgFrames, card: Scorecard) -> tuple[int | None, list[Change],
                                                               list[str]]:
    """(the next rung, the changes that may reach it, what else it needs that no scenario
    change can try)."""
    nxt = card.explanation.get("next")
    if not nxt:
        return None, [], []
    keys = {c["key"] for c in nxt["unmet"]}
    changes: list[Change] = []
    names, titles = frames.labels("initiatives"), frames.labels("goals")
    goal = best_goal(frames, card)
    if keys & set(LINKS_HELP) and goal is not None:
        for initiative in unaligned_initiatives(card):
            changes.append(Change("link", initiative=int(initiative), goal=goal,
                                  contribution=SUGGESTED_CONTRIBUTION,
                                  rationale=suggested_rationale(names[initiative],
                                                                titles[goal])))
    if keys & set(RETIREMENTS_HELP):
        only_redundant = "misaligned_spend" not in keys
        changes.extend(Change("retire_tool", tool=int(t))
                       for t in shelfware_tools(card, redundant_only=only_redundant))
    others = [NOT_COVERED[k] for k in sorted(keys) if k in NOT_COVERED]
    return nxt["rung"], changes[:MAX_CHANGES], others


def for_flag(code: str, subject_type: str, subject_id: str, frames: OrgFrames,
             card: Scorecard) -> list[dict]:
    """The changes a flag's suggested fix could be tried with, as prefilled form values;
    empty when the fix is not a kind of change a scenario holds."""
    try:
        record = int(subject_id)
    except (TypeError, ValueError):
        record = None
    if code == "SHELFWARE" and subject_type == "tool":
        return [{"type": "retire_tool", "tool": record}]
    if code == "REDUNDANT_TOOLS" and subject_type == "tool_category":
        tools = card.tools
        members = tools[tools["is_active"] & tools["category"].eq(subject_id)]
        # The unused ones first: they are the ones to retire.
        members = members.sort_values(["used", "monthly_cost"], ascending=[True, False])
        return [{"type": "retire_tool", "tool": int(t)} for t in members.index]
    if code in ("MISALIGNED", "DRIFT", "WEAK_ALIGNMENT") and subject_type == "initiative":
        return [{"type": "link", "initiative": record, "goal": best_goal(frames, card),
                 "contribution": "primary" if code == "WEAK_ALIGNMENT" else
                 SUGGESTED_CONTRIBUTION},
                {"type": "initiative_status", "initiative": record, "status": "paused"},
                {"type": "initiative_status", "initiative": record, "status": "retired"}]
    if code == "ORPHAN_GOAL" and subject_type == "goal":
        return [{"type": "link", "goal": record}, {"type": "new_initiative", "goal": record}]
    return []


