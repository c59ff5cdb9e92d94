"""The maturity ladder: each rung's boundary, and the next rung's explanation naming the
records to act on."""

from datetime import UTC, date, datetime

from django.utils import translation

from alignment_portal.scoring import maturity_wording
from tests.scoring.builders import Plan

REVIEWED = datetime(2026, 10, 2, tzinfo=UTC)


def _next(card, key):
    condition = next(c for c in card.explanation["next"]["unmet"] if c["key"] == key)
    # Rendered from key and params in English, the words are exactly the stored ones.
    with translation.override("en"):
        assert maturity_wording.condition_message(condition) == condition["message"]
        assert maturity_wording.condition_label(condition) == condition["label"]
    return condition


def test_an_empty_organization_is_ad_hoc():
    card = Plan().score()
    assert card.rung == 1 and card.explanation["name"] == "Ad hoc"
    assert _next(card, "smart_goal")["message"].startswith("There is no active goal yet")


def _defined(unaligned_cost: float) -> Plan:
    plan = Plan.aligned()  # aligned initiative: 100 a month
    plan.chatbot = plan.initiative(name="Chatbot", monthly_cost=unaligned_cost)
    return plan


def test_defined_needs_d2_of_fifty():
    assert _defined(100).score().rung >= 2  # D2 = 50
    plan = _defined(101)
    card = plan.score()  # D2 = 49.75
    assert card.rung == 1
    d2 = _next(card, "d2")
    assert d2["now"] == 49.75 and d2["needed"] == "≥ 50"
    assert d2["message"].endswith("1 active initiative has no active goal: Chatbot")
    assert d2["records"] == [{"type": "initiative", "id": plan.chatbot,
                             "label": "Chatbot"}]


def test_defined_needs_a_smart_active_goal():
    plan = Plan.aligned()
    plan.update("goals", plan.the_goal, title="Improve efficiency")
    card = plan.score()
    assert card.rung == 1
    condition = _next(card, "smart_goal")
    assert condition["records"][0]["id"] == plan.the_goal
    assert "fails a SMART criterion" in condition["message"]


def test_aligned_needs_d2_of_eighty_and_names_the_unaligned_initiatives():
    plan = Plan.aligned()
    plan.update("initiatives", plan.the_initiative, monthly_cost=400)
    for name in ("A", "B", "C"):
        plan.measure(plan.initiative(name=name, monthly_cost=100 / 3), plan.goal_metric)
    assert plan.score().rung == 3  # D2 = 400 / 500 = 80
    plan.update("initiatives", plan.the_initiative, monthly_cost=399)
    card = plan.score()
    assert card.rung == 2 and card.explanation["next"]["name"] == "Aligned"
    d2 = _next(card, "d2")
    assert d2["message"] == ("D2 Alignment is 79.96, needs 80. "
                             "3 active initiatives have no active goal: A, B, C")
    assert [r["label"] for r in d2["records"]] == ["A", "B", "C"]
    assert d2["now"] < 80


def test_aligned_needs_d4_of_fifty_and_names_the_stale_metrics():
    plan = Plan.aligned()
    stale = plan.metric(name="Refund count")
    plan.measure(plan.the_initiative, stale, role="activity")
    assert plan.score().rung == 3  # D4 = 1 of 2 = 50
    other = plan.metric(name="Waiting time")
    plan.measure(plan.the_initiative, other, role="activity")
    card = plan.score()
    assert card.rung == 2
    d4 = _next(card, "d4")
    assert d4["now"] == 33.33
    assert d4["message"].endswith("2 metrics in use have no fresh value: Refund count, "
                                  "Waiting time")


def _integrated() -> Plan:
    plan = Plan.aligned()
    kvi = plan.metric(name="Customer lifetime value", kind="KVI")
    plan.weekly_values(kvi, [100, 110])
    plan.cycle(name="Q3", state="closed", start_date=date(2026, 7, 1),
               end_date=date(2026, 9, 30), reviewed_at=REVIEWED)
    return plan


def test_integrated_needs_a_fresh_kvi_and_a_reviewed_last_cycle():
    plan = _integrated()
    assert plan.score().rung == 4
    q3 = plan.rows["cycles"][-1]
    q3["reviewed_at"] = None
    card = plan.score()
    assert card.rung == 3
    condition = _next(card, "last_cycle_reviewed")
    assert condition["message"] == "The last closed cycle, Q3, has no review: review it."
    assert condition["records"] == [{"type": "cycle", "id": q3["id"], "label": "Q3"}]


def test_integrated_needs_d5_of_sixty():
    plan = _integrated()
    plan.use(plan.the_initiative, plan.tool(name="Sheets", category="analytics",
                                             integration="manual_export"))
    plan.use(plan.the_initiative, plan.tool(name="Zapier", category="other"))
    second = plan.initiative()
    plan.link(second, plan.the_goal)
    plan.measure(second, plan.goal_metric)
    plan.use(second, plan.tool(name="Mailchimp", category="email_marketing",
                               integration="standalone"))
    assert plan.score().dimensions["d5"] == 50
    card = plan.score()
    assert card.rung == 3
    assert {r["label"] for r in _next(card, "d5")["records"]} == {"Sheets", "Mailchimp"}


def _optimizing(shelfware_cost: float) -> Plan:
    plan = _integrated()
    plan.update("initiatives", plan.the_initiative, monthly_cost=60)
    plan.cycle(name="Q2", state="closed", start_date=date(2026, 4, 1),
               end_date=date(2026, 6, 30), reviewed_at=REVIEWED)
    plan.tool(name="Hootsuite", category="social_media", monthly_cost=shelfware_cost)
    return plan  # working spend: initiative 60 + Xero 30


def test_optimizing_needs_misaligned_spend_below_ten_percent():
    assert _optimizing(9.99).score().rung == 5
    card = _optimizing(10).score()
    assert card.rung == 4
    condition = _next(card, "misaligned_spend")
    assert condition["now"] == 10 and condition["needed"] == "< 10"
    assert "1 active tool is used by no active initiative: Hootsuite" in condition["message"]


def test_optimizing_needs_two_reviewed_cycles():
    plan = _optimizing(0)
    plan.rows["cycles"][-1]["reviewed_at"] = None  # Q2: the older one
    card = plan.score()
    assert card.rung == 4
    assert _next(card, "reviewed_cycles")["records"][0]["label"] == "Q2"


def test_optimizing_needs_priority_goals_on_track():
    plan = _optimizing(0)
    plan.rows["values"] = [v for v in plan.rows["values"]
                           if v["metric_id"] != plan.goal_metric]
    plan.weekly_values(plan.goal_metric, [10, 10, 10, 10])  # flat: off track
    card = plan.score()
    assert card.rung == 4
    condition = _next(card, "priority_on_track")
    assert condition["now"] == 0 and condition["records"][0]["id"] == plan.the_goal


def test_the_top_rung_has_no_next():
    card = _optimizing(0).score()
    assert card.explanation["next"] is None
    assert all(r["met"] for r in card.explanation["rungs"])


def test_a_rung_needs_every_rung_below_it():
    plan = _integrated()
    plan.initiative(name="Expensive", monthly_cost=1000)  # D2 < 50: not even Defined
    card = plan.score()
    assert card.rung == 1
    assert card.explanation["next"]["rung"] == 2
