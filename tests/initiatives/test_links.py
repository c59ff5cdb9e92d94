"""Alignment links (from an initiative and from a goal) and measurement links."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from initiatives import services
from initiatives.models import AlignmentLink, MeasurementLink
from tests.factories import (
    AlignmentLinkFactory,
    GoalFactory,
    InitiativeFactory,
    MeasurementLinkFactory,
    MetricFactory,
)

LINK = {"contribution": "supporting", "rationale": "Tickets end the crush at the counter.",
        "expected_effect": "-4 minutes at peak"}


@pytest.fixture
def pair(tenancy):
    initiative = InitiativeFactory(organization=tenancy.org, name="Queue tickets")
    goal = GoalFactory(cycle__organization=tenancy.org, title="Cut peak wait to 5 minutes")
    return initiative, goal


def test_linking_from_the_initiative_saves_the_link(tenancy, pair):
    initiative, goal = pair
    url = reverse("initiatives:link_create", args=[tenancy.org.slug, initiative.pk])
    response = tenancy.client("consultant").post(url, {**LINK, "goal": goal.pk})
    assert response.status_code == 302
    link = AlignmentLink.objects.get(initiative=initiative, goal=goal)
    assert (link.contribution, link.expected_effect) == ("supporting", "-4 minutes at peak")
    assert link.organization == tenancy.org


def test_a_link_without_rationale_is_refused(tenancy, pair):
    initiative, goal = pair
    url = reverse("initiatives:link_create", args=[tenancy.org.slug, initiative.pk])
    response = tenancy.client("consultant").post(url, {**LINK, "rationale": "  ",
                                                       "goal": goal.pk})
    assert response.status_code == 400
    assert "needs a rationale" in response.content.decode()
    assert not AlignmentLink.objects.exists()


def test_a_duplicate_link_is_refused(tenancy, pair):
    initiative, goal = pair
    AlignmentLinkFactory(initiative=initiative, goal=goal)
    url = reverse("initiatives:link_create", args=[tenancy.org.slug, initiative.pk])
    response = tenancy.client("consultant").post(url, {**LINK, "goal": goal.pk})
    assert response.status_code == 400
    assert "already linked" in response.content.decode()
    assert AlignmentLink.objects.count() == 1


def test_a_goal_of_another_organization_is_not_offered_and_refused_when_forged(tenancy, pair):
    initiative, _ = pair
    theirs = GoalFactory(cycle__organization=tenancy.other_org, title="Their secret goal")
    client = tenancy.client("consultant")
    page = client.get(reverse("initiatives:detail", args=[tenancy.org.slug, initiative.pk]))
    assert "Their secret goal" not in page.content.decode()
    response = client.post(reverse("initiatives:link_create",
                                   args=[tenancy.org.slug, initiative.pk]),
                           {**LINK, "goal": theirs.pk})
    assert response.status_code == 400
    assert "not one of the available choices" in response.content.decode()
    assert not AlignmentLink.objects.exists()


def test_an_initiative_of_another_organization_is_refused_from_the_goal_side(tenancy, pair):
    _, goal = pair
    theirs = InitiativeFactory(organization=tenancy.other_org, name="Their bot")
    client = tenancy.client("consultant")
    url = reverse("initiatives:goal_links", args=[tenancy.org.slug, goal.pk])
    assert "Their bot" not in client.get(url).content.decode()
    response = client.post(url, {**LINK, "initiative": theirs.pk})
    assert response.status_code == 400
    assert not AlignmentLink.objects.exists()


def test_the_goal_side_lists_adds_and_edits_links(tenancy, pair):
    initiative, goal = pair
    client = tenancy.client("consultant")
    url = reverse("initiatives:goal_links", args=[tenancy.org.slug, goal.pk])
    assert "Orphan goal" in client.get(url).content.decode()
    assert client.post(url, {**LINK, "initiative": initiative.pk}).status_code == 302
    link = AlignmentLink.objects.get()
    edit = reverse("initiatives:link_edit", args=[tenancy.org.slug, link.pk]) + "?from=goal"
    response = client.post(edit, {**LINK, "contribution": "primary"})
    assert response.status_code == 302 and response["Location"] == url
    link.refresh_from_db()
    assert link.contribution == "primary"
    page = client.get(url).content.decode()
    assert "Queue tickets" in page and "Contribution: Supporting → Primary" in page


def test_viewers_see_the_goal_side_without_a_form(tenancy, pair):
    _, goal = pair
    response = tenancy.client("viewer").get(
        reverse("initiatives:goal_links", args=[tenancy.org.slug, goal.pk]))
    assert response.status_code == 200 and response.context["form"] is None


def test_services_refuse_records_of_another_organization(tenancy, pair):
    initiative, goal = pair
    theirs = GoalFactory(cycle__organization=tenancy.other_org)
    their_metric = MetricFactory(organization=tenancy.other_org)
    with pytest.raises(ValidationError):
        services.alignment_link_create(organization=tenancy.org, initiative=initiative,
                                       goal=theirs, contribution="primary", rationale="x y.")
    with pytest.raises(ValidationError):
        services.alignment_link_create(organization=tenancy.other_org, initiative=initiative,
                                       goal=theirs, contribution="primary", rationale="x y.")
    with pytest.raises(ValidationError):
        services.measurement_link_create(organization=tenancy.org, initiative=initiative,
                                         metric=their_metric, role="outcome")
    assert not AlignmentLink.objects.exists() and not MeasurementLink.objects.exists()


def test_unlinking_removes_the_link_and_keeps_its_history(tenancy, pair):
    initiative, goal = pair
    link = AlignmentLinkFactory(initiative=initiative, goal=goal)
    client = tenancy.client("consultant")
    assert client.post(reverse("initiatives:link_delete",
                               args=[tenancy.org.slug, link.pk])).status_code == 302
    assert not AlignmentLink.objects.exists()
    page = client.get(reverse("initiatives:detail", args=[tenancy.org.slug, initiative.pk]))
    assert "deleted" in page.content.decode()


def test_measurement_links_add_change_role_and_refuse_forged_metrics(tenancy, pair):
    initiative, _ = pair
    metric = MetricFactory(organization=tenancy.org, name="Peak wait")
    theirs = MetricFactory(organization=tenancy.other_org, name="Their metric")
    client = tenancy.client("consultant")
    detail = client.get(reverse("initiatives:detail", args=[tenancy.org.slug, initiative.pk]))
    assert "Their metric" not in detail.content.decode()
    url = reverse("initiatives:measure_create", args=[tenancy.org.slug, initiative.pk])
    assert client.post(url, {"metric": theirs.pk, "role": "outcome"}).status_code == 400
    assert client.post(url, {"metric": metric.pk, "role": "outcome"}).status_code == 302
    duplicate = client.post(url, {"metric": metric.pk, "role": "activity"})
    assert duplicate.status_code == 400 and "already" in duplicate.content.decode()
    link = MeasurementLink.objects.get()
    edit = reverse("initiatives:measure_edit", args=[tenancy.org.slug, link.pk])
    assert client.post(edit, {"role": "activity"}).status_code == 302
    link.refresh_from_db()
    assert link.role == "activity"


def test_every_link_write_asks_for_a_recompute(tenancy, pair):
    initiative, goal = pair
    tenancy.org.refresh_from_db()
    before = tenancy.org.recompute_requested_at
    link = services.alignment_link_create(organization=tenancy.org, initiative=initiative,
                                          goal=goal, contribution="primary",
                                          rationale="It removes the queue.")
    tenancy.org.refresh_from_db()
    assert tenancy.org.recompute_requested_at != before
    measure = MeasurementLinkFactory(initiative=initiative)
    for write in (lambda: services.alignment_link_delete(link=link),
                  lambda: services.measurement_link_update(link=measure, role="activity")):
        stamp = tenancy.org.recompute_requested_at
        write()
        tenancy.org.refresh_from_db()
        assert tenancy.org.recompute_requested_at > stamp
