"""apply.py: changes made to frames in memory, the frames given left alone. No database."""

from datetime import date

from alignment_portal.scenarios.apply import Change, NewLink, apply_changes
from alignment_portal.scenarios.evaluate import evaluate
from alignment_portal.scoring.frames import OrgFrames

TODAY = date(2026, 11, 15)


def plan() -> OrgFrames:
    return OrgFrames.build(
        cycles=[{"id": 1, "name": "Q4", "start_date": date(2026, 10, 1),
                 "end_date": date(2026, 12, 31), "state": "active"}],
        goals=[{"id": 10, "cycle_id": 1, "title": "Cut the wait", "status": "active",
                "priority_rank": 1},
               {"id": 11, "cycle_id": 1, "title": "Keep clients", "status": "active"}],
        initiatives=[{"id": 1, "name": "Kiosk", "status": "live", "monthly_cost": 100,
                      "one_time_cost": 0, "impact": 3, "effort": 3},
                     {"id": 2, "name": "Newsletter", "status": "live", "monthly_cost": 60,
                      "one_time_cost": 0, "impact": 3, "effort": 3}],
        tools=[{"id": 5, "name": "CRM A", "category": "crm", "monthly_cost": 50,
                "integration": "api", "status": "active"},
               {"id": 6, "name": "CRM B", "category": "crm", "monthly_cost": 40,
                "integration": "standalone", "status": "active"}],
        initiative_tools=[{"initiative_id": 1, "tool_id": 5}],
        alignment_links=[{"initiative_id": 1, "goal_id": 10, "contribution": "primary",
                          "rationale": "Tickets cut the time each customer waits."}],
    )


def test_applying_changes_leaves_the_given_frames_as_they_were():
    frames = plan()
    links_before = frames.alignment_links.copy()
    tools_before = frames.tools.copy()
    apply_changes(frames, [Change("retire_tool", tool=6),
                           Change("unlink", initiative=1, goal=10)])
    assert frames.alignment_links.equals(links_before)
    assert frames.tools.equals(tools_before)


def test_each_kind_of_change_is_made_in_memory():
    after, problems = apply_changes(plan(), [
        Change("link", initiative=2, goal=11, contribution="supporting",
               rationale="A monthly letter keeps clients close."),
        Change("unlink", initiative=1, goal=10),
        Change("initiative_status", initiative=1, status="paused"),
        Change("retire_tool", tool=6),
        Change("priority", goal=10, rank=None),
        Change("priority", goal=11, rank=1),
        Change("new_initiative", name="Chatbot", monthly_cost=30, one_time_cost=1200,
               links=(NewLink(10, "primary", "Answers questions while people wait."),)),
    ])
    assert problems == [""] * 7
    links = set(zip(after.alignment_links["initiative_id"], after.alignment_links["goal_id"],
                    strict=True))
    assert links == {(2, 11), (-1, 10)}
    assert after.initiatives.set_index("id").at[1, "status"] == "paused"
    assert after.tools.set_index("id").at[6, "status"] == "retired"
    ranks = after.goals.set_index("id")["priority_rank"]
    assert ranks[10] is None and ranks[11] == 1
    new = after.initiatives.set_index("id").loc[-1]
    assert (new["name"], new["status"], new["monthly_cost"]) == ("Chatbot", "planned", 30.0)


def test_a_change_that_does_not_fit_is_skipped_with_its_reason():
    after, problems = apply_changes(plan(), [
        Change("link", initiative=1, goal=10, contribution="primary", rationale="Again."),
        Change("unlink", initiative=2, goal=10),
        Change("priority", goal=11, rank=1),
        Change("retire_tool", tool=999),
    ])
    assert problems[0] == "This initiative is already linked to this goal."
    assert "not linked" in problems[1]
    assert problems[2].startswith("Rank 1 is taken by “Cut the wait”")
    assert problems[3] == "Its tool no longer exists."
    assert after.alignment_links.equals(plan().alignment_links)


def test_a_later_change_sees_the_earlier_ones():
    _, problems = apply_changes(plan(), [
        Change("priority", goal=10, rank=None),
        Change("priority", goal=11, rank=1),
        Change("unlink", initiative=1, goal=10),
        Change("link", initiative=1, goal=10, contribution="indirect",
               rationale="Only a little, now."),
    ])
    assert problems == ["", "", "", ""]


def test_a_link_added_by_an_earlier_change_is_seen_and_can_be_taken_back():
    after, problems = apply_changes(plan(), [
        Change("link", initiative=2, goal=11, contribution="supporting",
               rationale="A monthly letter keeps clients close."),
        Change("link", initiative=2, goal=11, contribution="primary",
               rationale="Twice, by mistake."),
        Change("link", initiative=2, goal=10, contribution="indirect",
               rationale="Some readers come in."),
        Change("unlink", initiative=2, goal=11),
        Change("unlink", initiative=2, goal=11),
    ])
    assert problems[0] == problems[2] == problems[3] == ""
    assert "already linked" in problems[1] and "not linked" in problems[4]
    assert list(zip(after.alignment_links["initiative_id"], after.alignment_links["goal_id"],
                    after.alignment_links["contribution"], strict=True)) == [
        (1, 10, "primary"), (2, 10, "indirect")]


def test_evaluation_shows_the_spend_and_flags_a_change_moves():
    frames = plan()
    evaluation = evaluate(frames, [
        Change("link", initiative=2, goal=11, contribution="primary",
               rationale="A monthly letter keeps clients close to renewal."),
        Change("retire_tool", tool=6)], TODAY)
    assert evaluation.before["misaligned_spend"] == 100.0  # newsletter 60 + unused CRM B 40
    assert evaluation.after["misaligned_spend"] == 0.0
    assert evaluation.after["d2"] == 100.0 and evaluation.before["d2"] < 100.0
    resolved = {(f["code"], f["subject_label"]) for f in evaluation.flags_resolved}
    assert {("MISALIGNED", "Newsletter"), ("SHELFWARE", "CRM B"),
            ("ORPHAN_GOAL", "Keep clients")} <= resolved
    assert "REDUNDANT_TOOLS" in {f["code"] for f in evaluation.flags_resolved}
    assert evaluation.flags_opened == []
    # Each change on its own: the link moves D2 and 60 of spend, the retirement 40.
    link_effect, retire_effect = evaluation.effects
    assert link_effect["misaligned_spend"] == -60.0 and link_effect["d2"] > 0
    assert retire_effect["misaligned_spend"] == -40.0 and retire_effect["d2"] == 0
    rows = {r["name"]: r for r in evaluation.initiatives}
    assert rows["Newsletter"]["before"] < rows["Newsletter"]["after"]


def test_a_hypothetical_initiative_appears_with_no_before():
    evaluation = evaluate(plan(), [Change("new_initiative", name="Chatbot", monthly_cost=80,
                                          one_time_cost=0)], TODAY)
    row = next(r for r in evaluation.initiatives if r["hypothetical"])
    assert (row["name"], row["before"]) == ("Chatbot", None)
    assert evaluation.after["misaligned_spend"] == evaluation.before["misaligned_spend"] + 80
    assert ("MISALIGNED", "Chatbot") in {(f["code"], f["subject_label"])
                                         for f in evaluation.flags_opened}


def test_no_change_scores_the_plan_once_and_moves_nothing():
    evaluation = evaluate(plan(), [], TODAY)
    assert evaluation.before == evaluation.after
    assert evaluation.flags_opened == evaluation.flags_resolved == []


def _with_benefits(frames: OrgFrames, hour_value) -> OrgFrames:
    frames.initiatives["hours_saved_per_month"] = [10.0, 0.0]
    frames.initiatives["expected_money_per_month"] = [0.0, 25.0]
    frames.hour_value = hour_value
    return frames


def test_net_monthly_benefit_is_expected_benefit_less_initiative_and_tool_costs():
    evaluation = evaluate(_with_benefits(plan(), 30.0), [
        Change("retire_tool", tool=6),
        Change("initiative_status", initiative=2, status="retired")], TODAY)
    # 10 h × 30 + 25 expected, less 100 + 60 (initiatives) and 50 + 40 (tools): 75.
    assert evaluation.before["net_monthly_benefit"] == 75.0
    # Without CRM B (40) and the newsletter (60 cost, 25 benefit): 75 + 40 + 60 − 25.
    assert evaluation.after["net_monthly_benefit"] == 150.0
    assert [e["net_monthly_benefit"] for e in evaluation.effects] == [40.0, 35.0]


def test_net_monthly_benefit_is_not_set_while_the_hour_value_is_not():
    evaluation = evaluate(_with_benefits(plan(), None), [Change("retire_tool", tool=6)], TODAY)
    assert evaluation.before["net_monthly_benefit"] is None
    assert evaluation.after["net_monthly_benefit"] is None
    assert "hour value is not set" in evaluation.after["net_benefit_note"]
    assert evaluation.effects[0]["net_monthly_benefit"] is None


def test_without_hours_to_value_the_net_is_money_even_without_an_hour_value():
    frames = _with_benefits(plan(), None)
    frames.initiatives["hours_saved_per_month"] = [0.0, 0.0]
    evaluation = evaluate(frames, [], TODAY)
    assert evaluation.before["net_monthly_benefit"] == 25.0 - 250.0


def test_each_changes_own_effect_equals_a_full_scoring_of_that_change_alone():
    from alignment_portal.scenarios.evaluate import effect, summary
    from alignment_portal.scoring.compute import score

    frames = plan()
    changes = [Change("link", initiative=2, goal=11, contribution="primary",
                      rationale="A monthly letter keeps clients close."),
               Change("retire_tool", tool=6), Change("unlink", initiative=1, goal=10),
               Change("priority", goal=11, rank=2)]
    evaluation = evaluate(frames, changes, TODAY)
    before = summary(frames, score(frames, TODAY))
    for change, own in zip(changes, evaluation.effects, strict=True):
        alone, _ = apply_changes(frames, [change])
        assert own == effect(before, summary(alone, score(alone, TODAY)))
