"""Build one organization's frames by hand for the pure scoring tests (no database).

`Plan()` starts empty; `Plan.aligned()` starts from an organization with nothing to flag: one
active cycle, one SMART priority goal measured by a fresh weekly metric that is on track, one
live initiative serving it (primary link) and measured by the goal's metric, one tool it
uses, integrated via API.
"""

from collections import defaultdict
from datetime import date, timedelta
from itertools import count

from alignment_portal.scoring import wording
from alignment_portal.scoring.compute import score
from alignment_portal.scoring.frames import OrgFrames

TODAY = date(2026, 11, 20)
CYCLE_START, CYCLE_END = date(2026, 10, 1), date(2026, 12, 31)
RATIONALE = "Automating approvals removes the wait for a manager's signature."


class Plan:
    def __init__(self):
        self.rows = defaultdict(list)
        self.ids = count(1)
        self.cycle_id = None

    @classmethod
    def aligned(cls) -> "Plan":
        plan = cls()
        plan.cycle_id = plan.cycle()
        plan.goal_metric = plan.metric(name="Invoice processing days")
        plan.weekly_values(plan.goal_metric, [10, 9, 8, 7, 6, 5, 4])
        plan.the_goal = plan.goal(metric_id=plan.goal_metric, priority_rank=1)
        plan.the_initiative = plan.initiative(name="Automated approvals")
        plan.link(plan.the_initiative, plan.the_goal)
        plan.measure(plan.the_initiative, plan.goal_metric)
        plan.the_tool = plan.tool(name="Xero", category="accounting", integration="api")
        plan.use(plan.the_initiative, plan.the_tool)
        return plan

    def _add(self, kind: str, defaults: dict, overrides: dict) -> int:
        row = {"id": next(self.ids), **defaults, **overrides}
        self.rows[kind].append(row)
        return row["id"]

    def cycle(self, **kw) -> int:
        return self._add("cycles", {"name": f"Cycle {len(self.rows['cycles']) + 1}",
                                    "start_date": CYCLE_START, "end_date": CYCLE_END,
                                    "state": "active", "reviewed_at": None,
                                    "closed_at": None}, kw)

    def metric(self, **kw) -> int:
        return self._add("metrics", {"name": f"Metric {len(self.rows['metrics']) + 1}",
                                     "kind": "KPI", "nature": "outcome", "frequency": "weekly",
                                     "direction": "higher", "archived": False}, kw)

    def weekly_values(self, metric_id: int, values, *, last: date = TODAY - timedelta(days=1),
                      step_days: int = 7) -> None:
        start = last - timedelta(days=step_days * (len(values) - 1))
        for n, value in enumerate(values):
            self.rows["values"].append({"metric_id": metric_id,
                                        "period": start + timedelta(days=step_days * n),
                                        "value": value})

    def goal(self, **kw) -> int:
        if "cycle_id" not in kw:
            kw["cycle_id"] = self.cycle_id or self.cycle()
            self.cycle_id = kw["cycle_id"]
        if "metric_id" not in kw:
            kw["metric_id"] = self.metric()
        return self._add("goals", {
            "title": f"Cut invoice processing to two days ({len(self.rows['goals']) + 1})",
            "description": "Supplier invoices are approved and paid within two working days.",
            "why_it_matters": "Late payments cost us early-payment discounts.",
            "level": "strategic", "parent_id": None, "priority_rank": None,
            "baseline_value": 10, "target_value": 2, "start_date": date(2026, 10, 1),
            "due_date": date(2026, 12, 31), "confidence": 70, "status": "active"}, kw)

    def initiative(self, **kw) -> int:
        return self._add("initiatives", {
            "name": f"Initiative {len(self.rows['initiatives']) + 1}", "status": "live",
            "monthly_cost": 100.0, "one_time_cost": 0.0, "impact": 3, "effort": 3}, kw)

    def tool(self, **kw) -> int:
        return self._add("tools", {"name": f"Tool {len(self.rows['tools']) + 1}",
                                   "category": "crm", "monthly_cost": 30.0,
                                   "integration": "api", "status": "active"}, kw)

    def link(self, initiative_id, goal_id, contribution="primary", rationale=RATIONALE):
        self.rows["alignment_links"].append({"initiative_id": initiative_id, "goal_id": goal_id,
                                             "contribution": contribution,
                                             "rationale": rationale})

    def measure(self, initiative_id, metric_id, role="outcome"):
        self.rows["measurement_links"].append({"initiative_id": initiative_id,
                                               "metric_id": metric_id, "role": role})

    def use(self, initiative_id, tool_id):
        self.rows["initiative_tools"].append({"initiative_id": initiative_id,
                                              "tool_id": tool_id})

    def update(self, kind: str, row_id: int, **changes) -> None:
        for row in self.rows[kind]:
            if row["id"] == row_id:
                row.update(changes)

    def frames(self) -> OrgFrames:
        return OrgFrames.build(organization_id=1, organization_name="Acme Bakery",
                               **dict(self.rows))

    def score(self, today: date = TODAY):
        return score(self.frames(), today)


def flags_on(card, subject_type: str, subject_id) -> set[str]:
    rows = card.flags[(card.flags["subject_type"] == subject_type)
                      & (card.flags["subject_id"] == str(subject_id))]
    return set(rows["code"])


def all_codes(card) -> set[str]:
    return set(card.flags["code"])


def flag(card, code: str, subject_id=None) -> dict:
    rows = card.flags[card.flags["code"] == code]
    if subject_id is not None:
        rows = rows[rows["subject_id"] == str(subject_id)]
    assert len(rows) == 1, f"expected one {code}, got {len(rows)}"
    return wording.worded(rows.iloc[0].to_dict())
