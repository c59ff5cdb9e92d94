"""The alignment matrix: markers, cell editing through htmx, and a fixed query count."""

import pytest
from django.urls import reverse

from initiatives.models import AlignmentLink
from tests.factories import AlignmentLinkFactory, GoalFactory, InitiativeFactory

HTMX = {"HX-Request": "true"}


def matrix_url(tenancy, query=""):
    return reverse("initiatives:matrix", args=[tenancy.org.slug]) + query


def cell_url(tenancy, goal, initiative):
    return reverse("initiatives:matrix_cell", args=[tenancy.org.slug, goal.pk, initiative.pk])


@pytest.fixture
def grid(tenancy):
    goal = GoalFactory(cycle__organization=tenancy.org, title="Cut peak wait", priority_rank=1)
    orphan = GoalFactory(cycle__organization=tenancy.org, cycle=goal.cycle,
                         title="Grow wholesale")
    served = InitiativeFactory(organization=tenancy.org, name="Queue tickets")
    stray = InitiativeFactory(organization=tenancy.org, name="Oven timers")
    AlignmentLinkFactory(initiative=served, goal=goal, contribution="primary")
    return goal, orphan, served, stray


def test_orphan_goals_and_misaligned_initiatives_are_marked_in_text(tenancy, grid):
    goal, orphan, served, stray = grid
    response = tenancy.client("viewer").get(matrix_url(tenancy))
    text = response.content.decode()
    assert response.context["grid"].orphan_goal_ids == {orphan.pk}
    assert "Orphan: no initiative" in text
    assert "Misaligned: no active goal" in text
    rows = {r.initiative.name: r for g in response.context["grid"].groups for r in g.rows}
    assert rows["Oven timers"].misaligned and not rows["Queue tickets"].misaligned
    assert ">Primary<" in text


def test_clicking_a_cell_opens_the_form_in_place(tenancy, grid):
    goal, _, _, stray = grid
    response = tenancy.client("consultant").get(cell_url(tenancy, goal, stray) + "?edit=1",
                                                 headers=HTMX)
    text = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in text and 'class="cell-form"' in text
    assert f'hx-target="#cell-{goal.pk}-{stray.pk}"' in text


def test_saving_a_cell_through_htmx_creates_the_link_and_returns_the_cell(tenancy, grid):
    goal, _, _, stray = grid
    prefix = f"c{goal.pk}-{stray.pk}-"
    response = tenancy.client("consultant").post(
        cell_url(tenancy, goal, stray),
        {prefix + "contribution": "indirect", prefix + "rationale": "Fresher bread, calmer queue."},
        headers=HTMX)
    text = response.content.decode()
    assert response.status_code == 200
    assert "Indirect" in text and "<form" not in text and 'role="status"' in text
    link = AlignmentLink.objects.get(goal=goal, initiative=stray)
    assert link.contribution == "indirect" and link.organization == tenancy.org


def test_a_cell_without_rationale_answers_the_form_with_its_error(tenancy, grid):
    goal, _, _, stray = grid
    prefix = f"c{goal.pk}-{stray.pk}-"
    response = tenancy.client("consultant").post(
        cell_url(tenancy, goal, stray), {prefix + "contribution": "primary"}, headers=HTMX)
    assert response.status_code == 400
    assert "needs a rationale" in response.content.decode()
    assert not AlignmentLink.objects.filter(initiative=stray).exists()


def test_a_cell_edits_and_removes_an_existing_link(tenancy, grid):
    goal, _, served, _ = grid
    client = tenancy.client("consultant")
    prefix = f"c{goal.pk}-{served.pk}-"
    client.post(cell_url(tenancy, goal, served),
                {prefix + "contribution": "supporting", prefix + "rationale": "Still helps."},
                headers=HTMX)
    assert AlignmentLink.objects.get(goal=goal, initiative=served).contribution == "supporting"
    response = client.post(cell_url(tenancy, goal, served), {"action": "remove"}, headers=HTMX)
    assert "Link removed" in response.content.decode()
    assert not AlignmentLink.objects.filter(goal=goal, initiative=served).exists()


def test_without_javascript_the_cell_is_a_page_and_saving_returns_to_the_matrix(tenancy, grid):
    goal, _, _, stray = grid
    client = tenancy.client("consultant")
    page = client.get(cell_url(tenancy, goal, stray) + "?edit=1")
    assert "<html" in page.content.decode()
    prefix = f"c{goal.pk}-{stray.pk}-"
    response = client.post(cell_url(tenancy, goal, stray),
                           {prefix + "contribution": "primary", prefix + "rationale": "Yes."})
    assert response.status_code == 302 and response["Location"] == matrix_url(tenancy)


def test_viewers_cannot_open_a_cell_form(tenancy, grid):
    goal, _, _, stray = grid
    client = tenancy.client("viewer")
    assert client.get(cell_url(tenancy, goal, stray)).status_code == 200
    assert client.get(cell_url(tenancy, goal, stray) + "?edit=1").status_code == 403
    assert client.get(matrix_url(tenancy)).content.decode().count('class="cell-link') == 0


def test_matrix_filters_goals_and_initiatives(tenancy, grid):
    goal, orphan, served, stray = grid
    client = tenancy.client("viewer")
    context = client.get(matrix_url(tenancy, "?goals=priority&misaligned=1")).context
    assert context["grid"].goals == [goal]
    assert [r.initiative for g in context["grid"].groups for r in g.rows] == [stray]
    fragment = client.get(matrix_url(tenancy, "?q=queue"), headers=HTMX).content.decode()
    assert 'id="matrix-grid"' in fragment and "<html" not in fragment


def test_retired_initiatives_and_archived_goals_leave_the_matrix(tenancy, grid):
    goal, orphan, served, stray = grid
    stray.status = "retired"
    stray.save()
    orphan.status = "archived"
    orphan.save()
    grid_ = tenancy.client("viewer").get(matrix_url(tenancy)).context["grid"]
    assert grid_.goals == [goal]
    assert [r.initiative for g in grid_.groups for r in g.rows] == [served]


def _fill(tenancy, goals, initiatives):
    cycle = GoalFactory(cycle__organization=tenancy.org).cycle
    made_goals = [GoalFactory(cycle=cycle, organization=tenancy.org) for _ in range(goals)]
    for n in range(initiatives):
        initiative = InitiativeFactory(organization=tenancy.org, department=f"D{n % 3}")
        AlignmentLinkFactory(initiative=initiative, goal=made_goals[n % goals])


@pytest.mark.parametrize(("goals", "initiatives"), [(2, 3), (12, 60)])
def test_matrix_query_count_does_not_grow_with_records(tenancy, django_assert_max_num_queries,
                                                       goals, initiatives):
    _fill(tenancy, goals, initiatives)
    client = tenancy.client("consultant")
    with django_assert_max_num_queries(9):
        response = client.get(matrix_url(tenancy))
    assert len(response.context["grid"].goals) == goals + 1
