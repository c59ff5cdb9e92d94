"""Scenario pages: who sees and does what, other organizations' ids, htmx re-evaluation,
apply, and the ways in (matrix, technology audit, flags, next-rung checklist)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from alignment_portal.scenarios import services
from alignment_portal.scenarios.apply import Change
from alignment_portal.scenarios.models import Scenario, ScenarioChange
from alignment_portal.scoring import engine
from alignment_portal.scoring.models import Flag
from initiatives.models import AlignmentLink, Tool

pytestmark = pytest.mark.django_db


def url(name, org, *args):
    return reverse(f"scenarios:{name}", args=[org.slug, *args])


def add(client, org, scenario, **data):
    return client.post(url("change_add", org, scenario.pk), data)


def test_planners_create_a_scenario_and_see_before_and_after(tenancy, plan):
    client = tenancy.client("owner")
    response = client.post(url("create", tenancy.org), {"name": "Tidy the tools"})
    scenario = Scenario.objects.get(name="Tidy the tools")
    assert response.status_code == 302 and scenario.author == tenancy.user("owner")
    add(client, tenancy.org, scenario, type="retire_tool", tool=plan.shelfware.pk)
    page = client.get(url("detail", tenancy.org, scenario.pk)).content.decode()
    assert "Retire the tool “CRM B”" in page
    assert "Before and after" in page and "Misaligned spend" in page
    assert "SHELFWARE" in page  # resolves
    assert "misaligned spend -40.00" in page  # its own effect
    assert Tool.objects.get(pk=plan.shelfware.pk).status == "active"  # the plan is untouched


def test_a_blank_scenario_name_is_refused_with_a_message(tenancy, plan):
    response = tenancy.client("owner").post(url("create", tenancy.org), {"name": "  "})
    assert response.status_code == 400 and "Name the scenario." in response.content.decode()
    assert not Scenario.objects.exists()


@pytest.mark.parametrize("role", ["staff", "viewer"])
def test_staff_and_viewers_cannot_create_or_change_scenarios(tenancy, plan, scenario, role):
    client = tenancy.client(role)
    assert client.post(url("create", tenancy.org), {"name": "Mine"}).status_code == 403
    scenario.shared = True
    scenario.save()
    assert add(client, tenancy.org, scenario, type="retire_tool",
               tool=plan.shelfware.pk).status_code == 403
    assert client.post(url("apply", tenancy.org, scenario.pk)).status_code == 403
    assert client.post(url("delete", tenancy.org, scenario.pk)).status_code == 403
    assert Scenario.objects.filter(pk=scenario.pk).exists()


@pytest.mark.parametrize("role", ["owner", "staff", "viewer"])
def test_a_private_scenario_is_404_to_everyone_but_its_author(tenancy, plan, scenario, role):
    assert tenancy.client(role).get(url("detail", tenancy.org, scenario.pk)).status_code == 404
    assert tenancy.client("consultant").get(url("detail", tenancy.org,
                                                scenario.pk)).status_code == 200
    listing = tenancy.client(role).get(url("list", tenancy.org)).content.decode()
    assert "Tidy up" not in listing


@pytest.mark.parametrize("role", ["owner", "staff", "viewer"])
def test_members_read_a_shared_scenario(tenancy, plan, scenario, role):
    author = tenancy.client("consultant")
    author.post(url("edit", tenancy.org, scenario.pk), {"action": "share"})
    response = tenancy.client(role).get(url("detail", tenancy.org, scenario.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Before and after" in page
    assert ("Add a change" in page) == (role == "owner")
    assert "Tidy up" in tenancy.client(role).get(url("list", tenancy.org)).content.decode()


def test_outsiders_get_404(tenancy, plan, scenario):
    client = tenancy.client_for(tenancy.users["outsider"])
    assert client.get(url("list", tenancy.org)).status_code == 404
    assert client.get(url("detail", tenancy.org, scenario.pk)).status_code == 404


FOREIGN_CHANGES = {
    "link": lambda o: {"initiative": o.misaligned.pk, "goal": o.orphan_goal.pk,
                       "contribution": "primary", "rationale": "It would move it."},
    "link-goal": lambda o: {"type": "link", "goal": o.orphan_goal.pk,
                            "contribution": "primary", "rationale": "It would move it."},
    "unlink": lambda o: {"initiative": o.aligned.pk, "goal": o.goal.pk},
    "initiative_status": lambda o: {"initiative": o.aligned.pk, "status": "retired"},
    "retire_tool": lambda o: {"tool": o.shelfware.pk},
    "priority": lambda o: {"goal": o.orphan_goal.pk, "rank": "2"},
    "new_initiative": lambda o: {"name": "Chatbot", "link_goal": o.orphan_goal.pk,
                                 "link_contribution": "primary",
                                 "link_rationale": "It would answer at night."},
}


@pytest.mark.parametrize("kind", sorted(FOREIGN_CHANGES))
def test_another_organizations_ids_are_404_in_every_change_type(tenancy, plan, other_plan,
                                                                scenario, kind):
    data = {"type": kind.split("-")[0], **FOREIGN_CHANGES[kind](other_plan)}
    if kind == "link-goal":
        data["initiative"] = plan.misaligned.pk  # mine, with their goal
    client = tenancy.client("consultant")
    assert add(client, tenancy.org, scenario, **data).status_code == 404
    assert client.post(url("try", tenancy.org), data).status_code == 404
    assert not ScenarioChange.objects.exists()


def test_bad_input_gets_a_message_and_saves_nothing(tenancy, plan, scenario):
    client = tenancy.client("consultant")
    cases = [
        ({"type": "link", "initiative": plan.misaligned.pk, "goal": plan.orphan_goal.pk,
          "contribution": "primary", "rationale": ""}, "Say how the initiative will move"),
        ({"type": "new_initiative", "name": "Bot", "monthly_cost": "NaN"}, "finite"),
        ({"type": "new_initiative", "name": "Bot", "monthly_cost": "-5"}, "negative"),
        ({"type": "new_initiative", "name": "Bot", "monthly_cost": "=1+1"}, "not a number"),
        ({"type": "new_initiative", "name": "x" * 161}, "At most 160"),
        ({"type": "priority", "goal": plan.orphan_goal.pk, "rank": "1"}, "Rank 1 is taken"),
        ({"type": "link", "initiative": plan.aligned.pk, "goal": plan.goal.pk,
          "contribution": "primary", "rationale": "Again, please."}, "already linked"),
        ({"type": "bogus"}, "Choose what to change"),
    ]
    for data, message in cases:
        response = add(client, tenancy.org, scenario, **data)
        assert response.status_code == 400, data
        assert message in response.content.decode(), data
    assert not ScenarioChange.objects.exists()


def test_hostile_html_is_shown_as_text(tenancy, plan, scenario):
    client = tenancy.client("consultant")
    add(client, tenancy.org, scenario, type="new_initiative", name="<script>alert(1)</script>",
        monthly_cost="10")
    page = client.get(url("detail", tenancy.org, scenario.pk)).content.decode()
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page


def test_an_htmx_change_re_evaluates_the_workspace_in_place(tenancy, plan, scenario):
    response = tenancy.client("consultant").post(
        url("change_add", tenancy.org, scenario.pk),
        {"type": "link", "initiative": plan.misaligned.pk, "goal": plan.orphan_goal.pk,
         "contribution": "supporting", "rationale": "A monthly letter keeps clients close."},
        HTTP_HX_REQUEST="true")
    page = response.content.decode()
    assert response.status_code == 200
    assert page.lstrip().startswith('<div id="workspace"') and "<html" not in page
    assert "Change added" in page and "Link “Newsletter” to “Keep 90 %" in page
    change = ScenarioChange.objects.get()
    response = tenancy.client("consultant").post(
        url("change_remove", tenancy.org, scenario.pk, change.pk), HTTP_HX_REQUEST="true")
    assert "Change removed" in response.content.decode()
    assert not ScenarioChange.objects.exists()


def test_the_scenario_page_runs_a_fixed_number_of_queries(tenancy, plan, scenario,
                                                          django_assert_max_num_queries):
    client = tenancy.client("consultant")
    add(client, tenancy.org, scenario, type="retire_tool", tool=plan.shelfware.pk)
    with CaptureQueriesContext(connection) as one:
        assert client.get(url("detail", tenancy.org, scenario.pk)).status_code == 200
    queries_with_one = len(one)  # now: later requests reset the connection's query log
    for data in ({"type": "initiative_status", "initiative": plan.aligned.pk,
                  "status": "paused"},
                 {"type": "priority", "goal": plan.orphan_goal.pk, "rank": "2"},
                 {"type": "new_initiative", "name": "Bot", "monthly_cost": "5"}):
        add(client, tenancy.org, scenario, **data)
    assert scenario.changes.count() == 4
    with django_assert_max_num_queries(queries_with_one):
        client.get(url("detail", tenancy.org, scenario.pk))
    assert queries_with_one <= engine.LOAD_QUERIES + 10


def test_applying_from_the_page_changes_the_plan_and_says_so(tenancy, plan, scenario):
    client = tenancy.client("consultant")
    add(client, tenancy.org, scenario, type="retire_tool", tool=plan.shelfware.pk)
    assert "Apply 1 change(s)" in client.get(url("apply", tenancy.org,
                                                 scenario.pk)).content.decode()
    response = client.post(url("apply", tenancy.org, scenario.pk), follow=True)
    assert "Applied 1 change(s)" in response.content.decode()
    assert Tool.objects.get(pk=plan.shelfware.pk).status == "retired"


def test_applying_a_scenario_the_plan_outgrew_is_refused_with_reasons(tenancy, plan, scenario):
    client = tenancy.client("consultant")
    add(client, tenancy.org, scenario, type="link", initiative=plan.misaligned.pk,
        goal=plan.orphan_goal.pk, contribution="primary", rationale="It keeps them close.")
    AlignmentLink.objects.create(organization=tenancy.org, initiative=plan.misaligned,
                                 goal=plan.orphan_goal, contribution="primary",
                                 rationale="Made by hand meanwhile.")
    response = client.post(url("apply", tenancy.org, scenario.pk))
    page = response.content.decode()
    assert response.status_code == 409
    assert "Not applied" in page and "already linked" in page


def test_deleting_a_scenario_leaves_the_plan(tenancy, plan, scenario):
    client = tenancy.client("consultant")
    add(client, tenancy.org, scenario, type="retire_tool", tool=plan.shelfware.pk)
    client.post(url("delete", tenancy.org, scenario.pk))
    assert not Scenario.objects.exists()
    assert Tool.objects.get(pk=plan.shelfware.pk).status == "active"


# --- Ways in ------------------------------------------------------------------------------

def test_the_matrix_in_scenario_mode_puts_cell_changes_into_the_scenario(tenancy, plan,
                                                                         scenario):
    client = tenancy.client("consultant")
    matrix = reverse("initiatives:matrix", args=[tenancy.org.slug])
    page = client.get(matrix + f"?scenario={scenario.pk}").content.decode()
    assert "Scenario mode" in page and "not into the plan" in page
    cell = reverse("scenarios:matrix_cell", args=[tenancy.org.slug, scenario.pk,
                                                  plan.orphan_goal.pk, plan.misaligned.pk])
    assert cell in page
    response = client.post(cell, {"contribution": "supporting",
                                  "rationale": "A monthly letter keeps clients close."},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "in the scenario" in response.content.decode()
    assert not AlignmentLink.objects.filter(initiative=plan.misaligned).exists()
    change = ScenarioChange.objects.get()
    assert (change.type, change.initiative, change.goal) == ("link", plan.misaligned,
                                                             plan.orphan_goal)
    # The plan's existing link, clicked in scenario mode, is unlinked in the scenario.
    cell = reverse("scenarios:matrix_cell", args=[tenancy.org.slug, scenario.pk,
                                                  plan.goal.pk, plan.aligned.pk])
    client.post(cell, {})
    assert ScenarioChange.objects.filter(type="unlink", initiative=plan.aligned).exists()
    assert AlignmentLink.objects.filter(pk=plan.link.pk).exists()


def test_the_matrix_offers_to_try_in_a_scenario_to_planners_only(tenancy, plan):
    matrix = reverse("initiatives:matrix", args=[tenancy.org.slug])
    assert "Try in a scenario" in tenancy.client("consultant").get(matrix).content.decode()
    assert "Try in a scenario" not in tenancy.client("viewer").get(matrix).content.decode()
    response = tenancy.client("consultant").post(url("create", tenancy.org),
                                                 {"name": "Matrix changes", "next": "matrix"})
    assert response.url.startswith(matrix + "?scenario=")


def test_retiring_a_tool_from_the_audit_goes_into_the_open_scenario(tenancy, plan, scenario):
    client = tenancy.client("consultant")
    client.post(url("open", tenancy.org, scenario.pk))
    audit = client.get(reverse("initiatives:tool_audit", args=[tenancy.org.slug]))
    assert "Try retiring it in a scenario" in audit.content.decode()
    response = client.post(url("try", tenancy.org), {"type": "retire_tool",
                                                     "tool": plan.shelfware.pk})
    assert response.url == url("detail", tenancy.org, scenario.pk)
    assert scenario.changes.get().tool == plan.shelfware


def test_trying_without_an_open_scenario_starts_one(tenancy, plan):
    client = tenancy.client("consultant")
    client.post(url("try", tenancy.org), {"type": "retire_tool", "tool": plan.shelfware.pk})
    scenario = Scenario.objects.get()
    assert scenario.author == tenancy.user("consultant") and scenario.changes.count() == 1


def test_a_flags_fix_can_be_tried_in_a_scenario(tenancy, plan):
    client = tenancy.client("consultant")
    dashboard = client.get(reverse("dashboard", args=[tenancy.org.slug])).content.decode()
    shelfware = Flag.objects.get(organization=tenancy.org, code="SHELFWARE")
    assert url("try_flag", tenancy.org, shelfware.pk) in dashboard
    page = client.get(url("try_flag", tenancy.org, shelfware.pk)).content.decode()
    assert "Retire the tool “CRM B”" in page
    client.post(url("try_flag", tenancy.org, shelfware.pk), {"type": "retire_tool",
                                                             "tool": plan.shelfware.pk})
    assert ScenarioChange.objects.get().tool == plan.shelfware
    misaligned = Flag.objects.get(organization=tenancy.org, code="MISALIGNED")
    page = client.get(url("try_flag", tenancy.org, misaligned.pk)).content.decode()
    assert "Try the link" in page and "Newsletter" in page


def test_the_next_rung_checklist_suggests_a_scenario(tenancy, plan):
    client = tenancy.client("consultant")
    dashboard = client.get(reverse("dashboard", args=[tenancy.org.slug])).content.decode()
    assert url("suggest", tenancy.org) in dashboard
    preview = client.get(url("suggest", tenancy.org)).content.decode()
    assert "What would reach rung" in preview and "Newsletter" in preview
    response = client.post(url("suggest", tenancy.org))
    scenario = Scenario.objects.get()
    assert response.url == url("detail", tenancy.org, scenario.pk)
    kinds = {(c.type, c.initiative_id or c.tool_id) for c in scenario.changes.all()}
    assert ("link", plan.misaligned.pk) in kinds


def test_an_applied_scenario_is_read_only(tenancy, plan, scenario):
    services.change_add(scenario=scenario, change=Change("retire_tool",
                                                         tool=plan.shelfware.pk))
    services.scenario_apply(scenario=scenario, user=tenancy.user("consultant"))
    client = tenancy.client("consultant")
    page = client.get(url("detail", tenancy.org, scenario.pk)).content.decode()
    assert "Applied" in page and "Add a change" not in page
    assert add(client, tenancy.org, scenario, type="retire_tool",
               tool=plan.used_tool.pk).status_code == 400
