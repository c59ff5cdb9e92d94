"""The goals pages: tenancy and roles on every view, htmx fragments, the form's live SMART
check and bad input, priorities, the review, and the list's filters and query count."""

from datetime import date, timedelta
from unittest import mock

import pytest
from django.urls import reverse

from goals.models import Cycle, Goal, GoalOutcome
from tests.factories import (
    AlignmentLinkFactory,
    CycleFactory,
    GoalFactory,
    MetricFactory,
    MetricValueFactory,
)
from tests.goals.factories import planning_cycle, smart_goal

ROLES = ["viewer", "staff", "consultant", "owner"]
HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def world(tenancy):
    """A cycle and a goal in each organization."""
    cycle = CycleFactory(organization=tenancy.org, name="2026 Q4")
    goal = GoalFactory(cycle=cycle)
    other_cycle = CycleFactory(organization=tenancy.other_org, name="2026 Q4")
    other_goal = GoalFactory(cycle=other_cycle)
    return {"cycle": cycle, "goal": goal, "other_cycle": other_cycle, "other_goal": other_goal}


# (url name, kwargs in ("goal", "cycle"), method, weakest role allowed)
VIEWS = [
    ("goals:list", (), "get", "viewer"),
    ("goals:create", (), "get", "consultant"),
    ("goals:create", (), "post", "consultant"),
    ("goals:detail", ("goal",), "get", "viewer"),
    ("goals:edit", ("goal",), "get", "consultant"),
    ("goals:edit", ("goal",), "post", "consultant"),
    ("goals:archive", ("goal",), "post", "consultant"),
    ("goals:priority", ("goal",), "post", "consultant"),
    ("goals:cycles", (), "get", "viewer"),
    ("goals:cycle_next_quarter", (), "post", "consultant"),
    ("goals:cycle_create", (), "get", "consultant"),
    ("goals:cycle_detail", ("cycle",), "get", "viewer"),
    ("goals:cycle_edit", ("cycle",), "get", "consultant"),
    ("goals:cycle_edit", ("cycle",), "post", "consultant"),
    ("goals:cycle_transition", ("cycle",), "post", "consultant"),
    ("goals:cycle_review", ("cycle",), "get", "viewer"),
    ("goals:cycle_review", ("cycle",), "post", "consultant"),
]


def url_for(name, keys, slug, records, prefix=""):
    kwargs = {"org_slug": slug}
    for key in keys:
        kwargs[f"{key}_id"] = records[f"{prefix}{key}"].pk
    return reverse(name, kwargs=kwargs)


@pytest.mark.parametrize(("name", "keys", "method", "weakest"), VIEWS)
def test_roles_decide_who_may_use_each_view(tenancy, world, name, keys, method, weakest):
    url = url_for(name, keys, tenancy.org.slug, world)
    for role in ROLES:
        response = getattr(tenancy.client(role), method)(url)
        allowed = ROLES.index(role) >= ROLES.index(weakest)
        if allowed:
            assert response.status_code in (200, 302, 400), (role, response.status_code)
        else:
            assert response.status_code == 403, (role, response.status_code)


@pytest.mark.parametrize(("name", "keys", "method", "weakest"), VIEWS)
def test_outsiders_get_404(tenancy, world, name, keys, method, weakest):
    url = url_for(name, keys, tenancy.org.slug, world)
    assert getattr(tenancy.client_for(tenancy.users["outsider"]), method)(url).status_code == 404
    assert getattr(tenancy.client("owner", tenancy.other_org), method)(url).status_code == 404


@pytest.mark.parametrize(("name", "keys", "method", "weakest"),
                         [v for v in VIEWS if v[1]])
def test_ids_of_another_organization_are_404(tenancy, world, name, keys, method, weakest):
    url = url_for(name, keys, tenancy.org.slug, world, prefix="other_")
    # The consultant belongs to both organizations: the ids are real, just not of this one.
    client = tenancy.client_for(tenancy.users["consultant"])
    assert getattr(client, method)(url).status_code == 404


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_staff_and_viewers_cannot_change_goals(tenancy, world, role):
    goal = world["goal"]
    client = tenancy.client(role)
    slug = tenancy.org.slug
    client.post(reverse("goals:edit", args=[slug, goal.pk]), {"title": "Hijacked"})
    client.post(reverse("goals:archive", args=[slug, goal.pk]))
    client.post(reverse("goals:priority", args=[slug, goal.pk]), {"action": "make"})
    client.post(reverse("goals:create", args=[slug]), {"title": "New", "cycle": goal.cycle_id})
    goal.refresh_from_db()
    assert (goal.status, goal.priority_rank) == ("active", None)
    assert goal.title != "Hijacked"
    assert Goal.objects.filter(organization=tenancy.org).count() == 1


def test_viewers_see_no_planning_controls(tenancy, world):
    body = tenancy.client("viewer").get(
        reverse("goals:detail", args=[tenancy.org.slug, world["goal"].pk])).content.decode()
    assert "Edit" not in body and "Archive" not in body


# The goal form ---------------------------------------------------------------------------------

def form_data(cycle, /, **overrides):
    data = {"title": "Cut the wait at peak to under 4 minutes",
            "description": "Customers queuing from 7 to 9 am are served within four minutes.",
            "why_it_matters": "Regulars leave for the chain café when they wait.",
            "cycle": cycle.pk, "perspective": "customer", "level": "strategic",
            "department": "", "parent": "", "owner": "", "priority_rank": "", "metric": "",
            "baseline_value": "", "target_value": "", "start_date": "2026-10-01",
            "due_date": "2026-12-31", "confidence": "70", "status": "draft"}
    data.update(overrides)
    return data


def test_consultant_creates_a_goal_with_every_field(tenancy, world):
    cycle = world["cycle"]
    metric = MetricFactory(organization=tenancy.org, unit="minutes", direction="lower")
    parent = world["goal"]
    owner = tenancy.user("staff")
    response = tenancy.client("consultant").post(
        reverse("goals:create", args=[tenancy.org.slug]),
        form_data(cycle, metric=metric.pk, baseline_value="7.5", target_value="4",
                  parent=parent.pk, owner=owner.pk, priority_rank="1", department="Front",
                  status="active"))
    goal = Goal.objects.get(title="Cut the wait at peak to under 4 minutes")
    assert response.status_code == 302
    assert response["Location"] == reverse("goals:detail", args=[tenancy.org.slug, goal.pk])
    assert (goal.metric, goal.parent, goal.owner, goal.priority_rank, goal.department,
            goal.confidence) == (metric, parent, owner, 1, "Front", 70)
    assert goal.organization == tenancy.org


def test_a_draft_failing_smart_is_saved_with_what_is_left_to_do(tenancy, world):
    response = tenancy.client("consultant").post(
        reverse("goals:create", args=[tenancy.org.slug]),
        form_data(world["cycle"], title="Improve efficiency", description=""), follow=True)
    assert Goal.objects.filter(title="Improve efficiency", status="draft").exists()
    assert "Still to do: Specific, Measurable" in response.content.decode()


def test_an_active_goal_shows_failures_as_warnings(tenancy, world):
    goal = GoalFactory(cycle=world["cycle"], status="active", title="Grow sales")
    body = tenancy.client("viewer").get(
        reverse("goals:detail", args=[tenancy.org.slug, goal.pk])).content.decode()
    assert "⚠ Warning" in body and "is only a vague verb" in body


@pytest.mark.parametrize(("overrides", "message"), [
    ({"due_date": "2026-09-01"}, "The due date must come after the start date."),
    ({"confidence": "150"}, "Confidence is a percentage: enter 0 to 100."),
    ({"confidence": "-5"}, "Confidence is a percentage: enter 0 to 100."),
    ({"status": "active", "baseline_value": "5", "target_value": "5"},
     "An active goal&#x27;s target must differ from its baseline"),
    ({"title": "<b>Bold</b> plans for the café"}, "Titles are plain text"),
])
def test_bad_input_gets_a_message_on_the_form_and_nothing_is_saved(tenancy, world, overrides,
                                                                    message):
    response = tenancy.client("consultant").post(
        reverse("goals:create", args=[tenancy.org.slug]), form_data(world["cycle"], **overrides))
    assert response.status_code == 200
    body = response.content.decode()
    assert message in body
    assert 'aria-invalid="true"' in body
    assert Goal.objects.filter(organization=tenancy.org).count() == 1


def test_forged_ids_of_another_organization_are_not_valid_choices(tenancy, world):
    other = tenancy.other_org
    foreign_metric = MetricFactory(organization=other)
    for field, value in (("cycle", world["other_cycle"].pk), ("parent", world["other_goal"].pk),
                         ("metric", foreign_metric.pk),
                         ("owner", tenancy.user("owner", other).pk)):
        response = tenancy.client("consultant").post(
            reverse("goals:create", args=[tenancy.org.slug]),
            form_data(world["cycle"], **{field: value}))
        assert "Select a valid choice" in response.content.decode(), field
    assert Goal.objects.filter(organization=tenancy.org).count() == 1


def test_form_choices_list_only_the_organizations_records(tenancy, world):
    MetricFactory(organization=tenancy.other_org, name="Rival metric")
    body = tenancy.client("consultant").get(
        reverse("goals:create", args=[tenancy.org.slug])).content.decode()
    assert "Rival metric" not in body
    assert "rival-owner" not in body and "acme-staff" in body
    assert world["other_goal"].title not in body or world["goal"].title in body


def test_a_parent_loop_is_refused_on_the_form(tenancy, world):
    top = world["goal"]
    child = GoalFactory(cycle=world["cycle"], parent=top)
    response = tenancy.client("consultant").post(
        reverse("goals:edit", args=[tenancy.org.slug, top.pk]),
        form_data(world["cycle"], parent=child.pk))
    # The descendant is not even offered as a parent.
    assert "Select a valid choice" in response.content.decode()
    top.refresh_from_db()
    assert top.parent is None


def test_a_fourth_priority_gets_a_clear_message_on_the_form(tenancy, world):
    cycle = world["cycle"]
    for rank in (1, 2, 3):
        GoalFactory(cycle=cycle, priority_rank=rank)
    response = tenancy.client("consultant").post(
        reverse("goals:edit", args=[tenancy.org.slug, world["goal"].pk]),
        form_data(cycle, priority_rank="2"))
    assert "a fourth is refused" in response.content.decode()
    world["goal"].refresh_from_db()
    assert world["goal"].priority_rank is None


def test_editing_a_goal_of_a_closed_cycle_is_refused(tenancy):
    closed = planning_cycle(tenancy.org, state="closed")
    goal = GoalFactory(cycle=closed, title="Sell forty wedding cakes")
    client = tenancy.client("consultant")
    url = reverse("goals:edit", args=[tenancy.org.slug, goal.pk])
    assert "is closed" in client.get(url).content.decode()
    response = client.post(url, form_data(closed, title="Sell fifty wedding cakes"))
    assert "is closed" in response.content.decode()
    goal.refresh_from_db()
    assert goal.title == "Sell forty wedding cakes"


def test_html_in_titles_is_escaped_on_output(tenancy, world):
    goal = GoalFactory(cycle=world["cycle"], title="<img src=x onerror=alert(1)> wins")
    for url in (reverse("goals:detail", args=[tenancy.org.slug, goal.pk]),
                reverse("goals:list", args=[tenancy.org.slug]),
                reverse("goals:cycle_detail", args=[tenancy.org.slug, world["cycle"].pk])):
        body = tenancy.client("viewer").get(url).content.decode()
        assert "<img src=x" not in body
        assert "&lt;img src=x" in body


def test_live_smart_check_returns_the_badges_fragment(tenancy, world):
    client = tenancy.client("consultant")
    url = reverse("goals:create", args=[tenancy.org.slug])
    response = client.post(url, {**form_data(world["cycle"], title="Improve efficiency"),
                                 "_action": "check"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in body
    assert 'role="status"' in body and "vague verb" in body
    assert not Goal.objects.filter(title="Improve efficiency").exists()


def test_smart_check_without_javascript_renders_the_whole_page(tenancy, world):
    response = tenancy.client("consultant").post(
        reverse("goals:create", args=[tenancy.org.slug]),
        {**form_data(world["cycle"]), "_action": "check"})
    body = response.content.decode()
    assert "<html" in body and "SMART check" in body
    assert not Goal.objects.filter(title__startswith="Cut the wait").exists()


def test_starter_templates_fill_the_form(tenancy, world):
    client = tenancy.client("consultant")
    url = reverse("goals:create", args=[tenancy.org.slug]) + "?template=invoice-time"
    body = client.get(url).content.decode()
    assert "<html" in body
    assert 'value="Cut invoice processing time by half within six months"' in body
    fragment = client.get(url, **HTMX).content.decode()
    assert "<html" not in fragment and 'id="goal-form-section"' in fragment


def test_every_perspective_has_a_starter():
    from goals.models import Perspective
    from goals.starters import STARTERS

    assert {s.perspective for s in STARTERS} == set(Perspective.values)


# Goal page ------------------------------------------------------------------------------------

def test_goal_page_shows_measure_progress_forecast_initiatives_and_history(tenancy, world):
    cycle = world["cycle"]
    metric = MetricFactory(organization=tenancy.org, name="Wait at peak")
    goal = smart_goal(cycle, metric=metric, baseline_value=8, target_value=4)
    for week, value in enumerate([8, 7, 6, 5]):
        MetricValueFactory(metric=metric, period=cycle.start_date + timedelta(weeks=week),
                           value=value)
    AlignmentLinkFactory(goal=goal, organization=tenancy.org,
                         initiative__organization=tenancy.org, initiative__name="Queue tickets")
    body = tenancy.client("viewer").get(
        reverse("goals:detail", args=[tenancy.org.slug, goal.pk])).content.decode()
    assert "75 % of the change needed" in body
    assert "On track" in body
    assert "Queue tickets" in body
    assert "History of changes" in body and "created" in body
    assert "chart-data" in body


def test_goal_page_says_no_data_below_three_values(tenancy, world):
    metric = MetricFactory(organization=tenancy.org)
    goal = smart_goal(world["cycle"], metric=metric)
    MetricValueFactory(metric=metric, period=world["cycle"].start_date, value=12)
    body = tenancy.client("viewer").get(
        reverse("goals:detail", args=[tenancy.org.slug, goal.pk])).content.decode()
    assert "No data" in body and "a forecast needs 3" in body


def test_archive_from_the_goal_page(tenancy, world):
    response = tenancy.client("consultant").post(
        reverse("goals:archive", args=[tenancy.org.slug, world["goal"].pk]))
    assert response.status_code == 302
    world["goal"].refresh_from_db()
    assert world["goal"].status == "archived"


# Priorities on the cycle page -----------------------------------------------------------------

def test_priority_buttons_answer_htmx_with_the_fragment_and_plain_posts_with_a_redirect(
        tenancy, world):
    cycle, goal = world["cycle"], world["goal"]
    second = GoalFactory(cycle=cycle)
    client = tenancy.client("consultant")
    url = reverse("goals:priority", args=[tenancy.org.slug, goal.pk])
    response = client.post(url, {"action": "make"})
    assert response.status_code == 302
    response = client.post(reverse("goals:priority", args=[tenancy.org.slug, second.pk]),
                           {"action": "make"}, **HTMX)
    body = response.content.decode()
    assert "<html" not in body and 'id="priorities"' in body
    assert "is now priority 2" in body
    response = client.post(reverse("goals:priority", args=[tenancy.org.slug, second.pk]),
                           {"action": "up"}, **HTMX)
    goal.refresh_from_db()
    second.refresh_from_db()
    assert (second.priority_rank, goal.priority_rank) == (1, 2)


def test_a_fourth_priority_by_button_gets_the_message(tenancy, world):
    cycle = world["cycle"]
    for rank in (1, 2, 3):
        GoalFactory(cycle=cycle, priority_rank=rank)
    response = tenancy.client("consultant").post(
        reverse("goals:priority", args=[tenancy.org.slug, world["goal"].pk]),
        {"action": "make"}, **HTMX)
    assert response.status_code == 400
    assert "a fourth is refused" in response.content.decode()


def test_cycle_page_lists_goals_by_perspective_with_keyboard_buttons(tenancy, world):
    GoalFactory(cycle=world["cycle"], perspective="people", title="Train the whole team",
                priority_rank=1)
    client = tenancy.client("consultant")
    url = reverse("goals:cycle_detail", args=[tenancy.org.slug, world["cycle"].pk])
    body = client.get(url).content.decode()
    assert "People and learning" in body and "Train the whole team" in body
    assert "↑ Up" in body and "Make priority" in body and "<html" in body
    assert "<html" not in client.get(url, **HTMX).content.decode()


# Cycles ---------------------------------------------------------------------------------------

def test_next_quarter_in_one_click(tenancy):
    tenancy.org.fiscal_year_start_month = 4
    tenancy.org.save()
    CycleFactory(organization=tenancy.org, name="2027 Q1", start_date=date(2026, 4, 1),
                 end_date=date(2026, 6, 30))
    client = tenancy.client("consultant")
    assert "Create 2027 Q2" in client.get(
        reverse("goals:cycles", args=[tenancy.org.slug])).content.decode()
    response = client.post(reverse("goals:cycle_next_quarter", args=[tenancy.org.slug]))
    cycle = Cycle.objects.get(organization=tenancy.org, name="2027 Q2")
    assert response["Location"] == reverse("goals:cycle_detail",
                                           args=[tenancy.org.slug, cycle.pk])


def test_custom_cycle_and_its_bad_dates(tenancy):
    client = tenancy.client("consultant")
    url = reverse("goals:cycle_create", args=[tenancy.org.slug])
    response = client.post(url, {"name": "Summer push", "start_date": "2026-07-01",
                                 "end_date": "2026-06-01"})
    assert "must end after it starts" in response.content.decode()
    response = client.post(url, {"name": "Summer push", "start_date": "2026-07-01",
                                 "end_date": "2026-08-31"})
    assert response.status_code == 302
    response = client.post(url, {"name": "Summer push", "start_date": "2026-09-01",
                                 "end_date": "2026-10-31"})
    assert "already exists" in response.content.decode()


def test_a_cycle_is_renamed_and_moved_and_its_goals_rechecked(tenancy, world):
    cycle = world["cycle"]
    client = tenancy.client("consultant")
    url = reverse("goals:cycle_edit", args=[tenancy.org.slug, cycle.pk])
    assert f'value="{cycle.name}"' in client.get(url).content.decode()
    with mock.patch("goals.services.request_recompute") as recompute:
        response = client.post(url, {"name": " Autumn push ", "start_date": "2026-09-01",
                                     "end_date": "2026-12-15"})
    assert response.status_code == 302 and recompute.called
    cycle.refresh_from_db()
    assert (cycle.name, str(cycle.start_date), str(cycle.end_date)) == (
        "Autumn push", "2026-09-01", "2026-12-15")


def test_editing_a_cycle_refuses_bad_dates_a_taken_name_and_a_closed_cycle(tenancy, world):
    cycle = world["cycle"]
    CycleFactory(organization=tenancy.org, name="Taken", state="planning")
    client = tenancy.client("consultant")
    url = reverse("goals:cycle_edit", args=[tenancy.org.slug, cycle.pk])
    body = client.post(url, {"name": "Q4", "start_date": "2026-12-01",
                             "end_date": "2026-10-01"}).content.decode()
    assert "must end after it starts" in body
    body = client.post(url, {"name": "Taken", "start_date": "2026-10-01",
                             "end_date": "2026-12-31"}).content.decode()
    assert "already exists" in body
    Cycle.objects.filter(pk=cycle.pk).update(state="closed")
    response = client.post(url, {"name": "Rewritten", "start_date": "2026-10-01",
                                 "end_date": "2026-12-31"}, follow=True)
    assert "closed" in response.content.decode()
    cycle.refresh_from_db()
    assert cycle.name == "2026 Q4"


def test_a_second_active_cycle_is_refused_with_a_message(tenancy, world):
    later = planning_cycle(tenancy.org)
    response = tenancy.client("consultant").post(
        reverse("goals:cycle_transition", args=[tenancy.org.slug, later.pk]),
        {"to": "active"}, follow=True)
    assert "Only one cycle can be active" in response.content.decode()
    later.refresh_from_db()
    assert later.state == "planning"


def test_review_and_close_through_the_page(tenancy, world):
    cycle, goal = world["cycle"], world["goal"]
    client = tenancy.client("consultant")
    slug = tenancy.org.slug
    response = client.post(reverse("goals:cycle_transition", args=[slug, cycle.pk]),
                           {"to": "review"})
    assert response["Location"] == reverse("goals:cycle_review", args=[slug, cycle.pk])
    url = reverse("goals:cycle_review", args=[slug, cycle.pk])
    response = client.post(url, {"_action": "close"})
    assert response.status_code == 400
    assert "Record an outcome for every goal" in response.content.decode()
    response = client.post(url, {f"outcome_{goal.pk}": "carried_over",
                                 f"note_{goal.pk}": "Needs one more quarter.",
                                 "_action": "close"})
    assert response.status_code == 302
    cycle.refresh_from_db()
    assert cycle.state == "closed"
    assert cycle.reviewed_by == tenancy.user("consultant")
    assert GoalOutcome.objects.get(goal=goal).note == "Needs one more quarter."
    record = tenancy.client("viewer").get(url).content.decode()
    assert "Needs one more quarter." in record and "Carried over" in record
    assert "print.css" in record


# The goals list -------------------------------------------------------------------------------

def test_list_filters_live_in_the_url_and_htmx_gets_the_results_fragment(tenancy, world):
    cycle = world["cycle"]
    GoalFactory(cycle=cycle, perspective="people", title="Train the team on the new till")
    client = tenancy.client("viewer")
    url = reverse("goals:list", args=[tenancy.org.slug]) + "?perspective=people"
    body = client.get(url).content.decode()
    assert "Train the team on the new till" in body and world["goal"].title not in body
    assert 'hx-push-url="true"' in body and "<html" in body
    fragment = client.get(url, **HTMX).content.decode()
    assert "<html" not in fragment and 'id="goal-results"' in fragment
    assert "Train the team on the new till" in fragment


def test_list_filters_by_cycle_status_and_owner(tenancy, world):
    owner = tenancy.user("staff")
    mine = GoalFactory(cycle=world["cycle"], owner=owner, status="draft", title="Owned draft")
    other_cycle = planning_cycle(tenancy.org)
    GoalFactory(cycle=other_cycle, title="Next quarter's goal")
    client = tenancy.client("viewer")
    base = reverse("goals:list", args=[tenancy.org.slug])
    body = client.get(f"{base}?owner={owner.pk}&status=draft").content.decode()
    assert mine.title in body and world["goal"].title not in body
    body = client.get(f"{base}?cycle={other_cycle.pk}").content.decode()
    assert "Next quarter&#x27;s goal" in body and mine.title not in body
    GoalFactory(cycle=world["cycle"], status="archived", title="Old archived goal")
    assert "Old archived goal" not in client.get(base).content.decode()
    assert "Old archived goal" in client.get(f"{base}?status=archived").content.decode()


def test_list_tree_view_nests_goals_under_their_parent(tenancy, world):
    child = GoalFactory(cycle=world["cycle"], parent=world["goal"], title="The child goal")
    body = tenancy.client("viewer").get(
        reverse("goals:list", args=[tenancy.org.slug]) + "?view=tree").content.decode()
    parent_at = body.index(world["goal"].title)
    assert body.index(child.title) > parent_at
    assert "<ul>" in body[parent_at:]


def test_list_is_paginated(tenancy, world):
    for _ in range(30):
        GoalFactory(cycle=world["cycle"])
    client = tenancy.client("viewer")
    body = client.get(reverse("goals:list", args=[tenancy.org.slug])).content.decode()
    assert "page 1 of 2" in body and "page=2" in body


def test_list_query_count_does_not_grow_with_goals(tenancy, world,
                                                   django_assert_max_num_queries):
    client = tenancy.client("viewer")
    url = reverse("goals:list", args=[tenancy.org.slug])
    metric = MetricFactory(organization=tenancy.org)
    for _ in range(3):
        GoalFactory(cycle=world["cycle"], metric=metric, owner=tenancy.user("staff"),
                    parent=world["goal"])
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(20):
        GoalFactory(cycle=world["cycle"], metric=metric, owner=tenancy.user("staff"),
                    parent=world["goal"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url + "?view=tree")


@pytest.mark.parametrize("raw", ["9" * 40, "abc", "-1", ""])
def test_the_new_goal_form_ignores_ids_it_cannot_use(tenancy, raw):
    """A cycle or parent id in the query string that is not a usable id (too long for a
    primary key, not a number) is ignored, not a server error."""
    response = tenancy.client("consultant").get(
        reverse("goals:create", args=[tenancy.org.slug]), {"cycle": raw, "parent": raw})
    assert response.status_code == 200


def test_the_new_goal_form_starts_in_the_cycle_asked_for_but_never_another_organizations(
        tenancy):
    mine = CycleFactory(organization=tenancy.org, state="planning", name="Q1 mine")
    theirs = CycleFactory(organization=tenancy.other_org, state="planning", name="Q1 theirs")
    client = tenancy.client("consultant")
    url = reverse("goals:create", args=[tenancy.org.slug])
    form = client.get(url, {"cycle": mine.pk}).context["form"]
    assert form.initial["cycle"] == mine
    form = client.get(url, {"cycle": theirs.pk}).context["form"]
    assert form.initial.get("cycle") != theirs
