"""Creating, editing and retiring initiatives, and the list's filters, sort and pages."""

from datetime import date

import pytest
from django.urls import reverse

from initiatives.models import Initiative
from tests.factories import (
    AlignmentLinkFactory,
    GoalFactory,
    InitiativeFactory,
    ToolFactory,
)

VALID = {
    "name": "Queue tickets", "description": "Customers take a ticket and wait seated.",
    "process": "Serving the morning queue", "department": "Shop", "status": "planned",
    "start_date": "2026-01-05", "go_live_date": "2026-02-01", "one_time_cost": "400",
    "monthly_cost": "25", "hours_saved_per_month": "12", "impact": "4", "effort": "2",
    "automation_level": "2",
}


def create_url(tenancy):
    return reverse("initiatives:create", args=[tenancy.org.slug])


def test_consultant_creates_an_initiative_with_every_field(tenancy):
    tool = ToolFactory(organization=tenancy.org)
    owner = tenancy.user("staff")
    response = tenancy.client("consultant").post(
        create_url(tenancy), {**VALID, "tools": [tool.pk], "owner": owner.pk})
    assert response.status_code == 302
    initiative = Initiative.objects.get(organization=tenancy.org, name="Queue tickets")
    assert list(initiative.tools.all()) == [tool]
    assert initiative.owner == owner
    assert (initiative.impact, initiative.effort, initiative.go_live_date) == (
        4, 2, date(2026, 2, 1))
    assert initiative.ramp_up_periods == 0  # not sent: none
    tenancy.org.refresh_from_db()
    assert tenancy.org.recompute_requested_at is not None


@pytest.mark.parametrize(("field", "value", "message"), [
    ("monthly_cost", "-1", "cannot be negative"),
    ("one_time_cost", "-5", "cannot be negative"),
    ("hours_saved_per_month", "-2", "cannot be negative"),
    ("impact", "6", "1 to 5"),
    ("effort", "0", "1 to 5"),
    ("go_live_date", "2025-12-01", "cannot be before the start date"),
    ("ramp_up_periods", "27", "from 0 to 26"),
    ("ramp_up_periods", "-1", "from 0 to 26"),
    ("ramp_up_periods", "two", "Enter a whole number"),
])
def test_bad_input_is_refused_with_a_clear_message_and_nothing_saved(tenancy, field, value,
                                                                      message):
    response = tenancy.client("consultant").post(create_url(tenancy), {**VALID, field: value})
    assert response.status_code == 200
    assert message in response.content.decode()
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Initiative.objects.filter(name="Queue tickets").exists()


def test_a_tool_of_another_organization_is_not_offered_and_refused_when_forged(tenancy):
    mine = ToolFactory(organization=tenancy.org, name="Our POS")
    theirs = ToolFactory(organization=tenancy.other_org, name="Their CRM")
    client = tenancy.client("consultant")
    page = client.get(create_url(tenancy)).content.decode()
    assert "Our POS" in page and "Their CRM" not in page
    response = client.post(create_url(tenancy), {**VALID, "tools": [mine.pk, theirs.pk]})
    assert response.status_code == 200
    assert "not one of the available choices" in response.content.decode()
    assert not Initiative.objects.filter(name="Queue tickets").exists()


def test_an_owner_who_is_not_a_member_is_not_offered_and_refused(tenancy):
    stranger = tenancy.user("owner", tenancy.other_org)
    client = tenancy.client("consultant")
    assert stranger.username not in client.get(create_url(tenancy)).content.decode()
    response = client.post(create_url(tenancy), {**VALID, "owner": stranger.pk})
    assert "not one of the available choices" in response.content.decode()
    assert not Initiative.objects.filter(name="Queue tickets").exists()


def test_editing_changes_fields_and_tools_and_shows_in_history(tenancy):
    initiative = InitiativeFactory(organization=tenancy.org, name="Oven timers")
    tool = ToolFactory(organization=tenancy.org, name="TimerCloud")
    client = tenancy.client("consultant")
    url = reverse("initiatives:edit", args=[tenancy.org.slug, initiative.pk])
    assert client.post(url, {**VALID, "name": "Oven timers", "monthly_cost": "30",
                             "tools": [tool.pk]}).status_code == 302
    initiative.refresh_from_db()
    assert initiative.monthly_cost == 30
    page = client.get(reverse("initiatives:detail", args=[tenancy.org.slug, initiative.pk]))
    text = page.content.decode()
    assert "Monthly cost: 100.00 → 30.00" in text
    assert "Tools: none → TimerCloud" in text


def test_retiring_keeps_the_initiative_and_its_links(tenancy):
    link = AlignmentLinkFactory(initiative__organization=tenancy.org)
    url = reverse("initiatives:retire", args=[tenancy.org.slug, link.initiative.pk])
    assert tenancy.client("owner").post(url).status_code == 302
    link.initiative.refresh_from_db()
    assert link.initiative.status == "retired"
    assert link.initiative.alignment_links.count() == 1


def list_url(tenancy, **params):
    from urllib.parse import urlencode

    return reverse("initiatives:list", args=[tenancy.org.slug]) + (
        "?" + urlencode(params) if params else "")


def test_list_filters_by_status_department_tool_and_goal(tenancy):
    tool = ToolFactory(organization=tenancy.org)
    goal = GoalFactory(cycle__organization=tenancy.org)
    a = InitiativeFactory(organization=tenancy.org, name="Alpha", status="live",
                          department="Shop")
    a.tools.add(tool)
    AlignmentLinkFactory(initiative=a, goal=goal)
    InitiativeFactory(organization=tenancy.org, name="Beta", status="idea", department="Office")
    client = tenancy.client("viewer")
    for params, expected in [({"status": "live"}, "Alpha"), ({"status": "idea"}, "Beta"),
                             ({"department": "Office"}, "Beta"), ({"tool": tool.pk}, "Alpha"),
                             ({"goal": goal.pk}, "Alpha")]:
        names = [i.name for i in client.get(list_url(tenancy, **params)).context["page"]]
        assert names == [expected], params


def test_list_answers_htmx_with_the_results_fragment_only(tenancy):
    InitiativeFactory(organization=tenancy.org, name="Alpha")
    response = tenancy.client("viewer").get(list_url(tenancy, status="live"),
                                            headers={"HX-Request": "true"})
    text = response.content.decode()
    assert 'id="initiative-results"' in text
    assert "<html" not in text and "Alpha" in text


def test_list_ignores_a_forged_goal_or_tool_filter(tenancy):
    InitiativeFactory(organization=tenancy.org, name="Alpha")
    theirs = GoalFactory(cycle__organization=tenancy.other_org)
    response = tenancy.client("viewer").get(list_url(tenancy, goal=theirs.pk))
    assert response.status_code == 200
    assert [i.name for i in response.context["page"]] == ["Alpha"]
    assert "this filter is ignored" in response.content.decode()


def test_list_sorts_and_paginates(tenancy):
    for n in range(30):
        InitiativeFactory(organization=tenancy.org, name=f"I{n:02}", monthly_cost=n)
    client = tenancy.client("viewer")
    page = client.get(list_url(tenancy, sort="-monthly_cost")).context["page"]
    assert page.object_list[0].name == "I29"
    assert page.paginator.num_pages == 2
    page2 = client.get(list_url(tenancy, sort="name", page=2)).context["page"]
    assert [i.name for i in page2] == ["I25", "I26", "I27", "I28", "I29"]


def _fill(organization, n):
    goal = GoalFactory(cycle__organization=organization)
    for _ in range(n):
        initiative = InitiativeFactory(organization=organization)
        initiative.tools.add(ToolFactory(organization=organization))
        AlignmentLinkFactory(initiative=initiative, goal=goal)


@pytest.mark.parametrize("n", [3, 20])
def test_list_query_count_does_not_grow_with_records(tenancy, django_assert_max_num_queries, n):
    _fill(tenancy.org, n)
    client = tenancy.client("viewer")
    # 12: session user, membership, switcher, the flag filter's choices, the page's open
    # flags...: a fixed number, whatever the number of initiatives.
    with django_assert_max_num_queries(12):
        response = client.get(list_url(tenancy, status="live"))
    assert len(response.context["page"]) == n
