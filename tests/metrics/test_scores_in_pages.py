"""Scores and flags in the metrics pages: freshness and the STALE_DATA flag, the vanity verdict
with its evidence and the VANITY_METRIC flag, on the metric's page and in the list."""

from datetime import date, timedelta

from django.urls import reverse

from alignment_portal.scoring.engine import recompute
from alignment_portal.scoring.models import Flag, MetricScore
from tests.factories import (
    AlignmentLinkFactory,
    GoalFactory,
    InitiativeFactory,
    MeasurementLinkFactory,
    MetricFactory,
    MetricValueFactory,
)

LAST_MONDAY = date.today() - timedelta(days=date.today().weekday())


def detail_url(tenancy, metric):
    return reverse("metrics:detail", args=[tenancy.org.slug, metric.pk])


def body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


def weekly(metric, values):
    for n, value in enumerate(values):
        MetricValueFactory(metric=metric, value=value,
                           period=LAST_MONDAY - timedelta(weeks=len(values) - 1 - n))


def output_metric_beside_goal(organization, output_values, goal_values, name="Emails sent"):
    """An output metric measuring an initiative that serves a goal, with no outcome metric of
    its own: the vanity rule applies, and the evidence compares it with the goal's metric."""
    goal_metric = MetricFactory(organization=organization, name="Repeat orders",
                                frequency="weekly")
    weekly(goal_metric, goal_values)
    output = MetricFactory(organization=organization, name=name, nature="output",
                           frequency="weekly")
    weekly(output, output_values)
    goal = GoalFactory(cycle__organization=organization, metric=goal_metric,
                       title="Grow repeat orders")
    initiative = InitiativeFactory(organization=organization)
    AlignmentLinkFactory(initiative=initiative, goal=goal)
    MeasurementLinkFactory(initiative=initiative, metric=output, role="activity")
    return output


def test_metric_page_shows_the_stale_flag_with_its_fix(tenancy):
    metric = MetricFactory(organization=tenancy.org, name="Tickets served")
    MeasurementLinkFactory(initiative=InitiativeFactory(organization=tenancy.org),
                           metric=metric)
    recompute(tenancy.org.pk)
    text = body(tenancy.client("viewer").get(detail_url(tenancy, metric)))
    assert "Freshness, vanity check and flags" in text and "Scores as of" in text
    assert "Stale" in text and "STALE_DATA" in text
    assert "“Tickets served” has no value yet." in text and "Log its latest value." in text
    assert "Does not apply" in text  # an outcome metric: no vanity check


def test_vanity_verdict_confirmed_with_its_evidence(tenancy):
    output = output_metric_beside_goal(tenancy.org, [5, 5, 9, 9, 5, 5, 9, 9],
                                       [1, 3, 4, 6, 7, 9, 10, 12])
    recompute(tenancy.org.pk)
    score = MetricScore.objects.get(metric=output)
    assert score.vanity_verdict == "confirmed"
    text = body(tenancy.client("viewer").get(detail_url(tenancy, output)))
    assert "Vanity metric, confirmed" in text
    assert (f"Its changes correlate {score.vanity_correlation:.2f} with the measure of "
            "“Grow repeat orders”, below 0.3") in text
    assert "VANITY_METRIC" in text
    assert "Pair it with the outcome it should move" in text


def test_vanity_verdict_cleared_when_it_moves_with_the_outcome(tenancy):
    values = [1, 3, 4, 6, 7, 9, 10, 12]
    output = output_metric_beside_goal(tenancy.org, [2 * v for v in values], values)
    recompute(tenancy.org.pk)
    assert MetricScore.objects.get(metric=output).vanity_verdict == "cleared"
    text = body(tenancy.client("viewer").get(detail_url(tenancy, output)))
    assert "Cleared: moves with the outcome" in text
    assert "this activity moves with the outcome" in text
    assert "VANITY_METRIC" not in text


def test_metric_page_says_scores_are_not_computed_yet(tenancy):
    metric = MetricFactory(organization=tenancy.org)
    text = body(tenancy.client("viewer").get(detail_url(tenancy, metric)))
    assert "Not computed yet" in text and "Vanity check</dt>" not in text


def test_viewers_see_metric_flags_but_no_edit_controls(tenancy):
    metric = MetricFactory(organization=tenancy.org)
    MeasurementLinkFactory(initiative=InitiativeFactory(organization=tenancy.org),
                           metric=metric)
    recompute(tenancy.org.pk)
    text = body(tenancy.client("viewer").get(detail_url(tenancy, metric)))
    assert "STALE_DATA" in text
    assert reverse("metrics:edit", args=[tenancy.org.slug, metric.pk]) not in text


def test_another_organizations_metric_flags_never_appear(tenancy):
    metric = MetricFactory(organization=tenancy.org, name="Ours")
    recompute(tenancy.org.pk)
    Flag.objects.create(organization=tenancy.other_org, code="STALE_DATA", severity="medium",
                        subject_type="metric", subject_id=str(metric.pk), subject_label="x",

    params={"legacy": {"message": "Rival secret", "suggested_fix": "Rival fix"}})
    client = tenancy.client("viewer")
    assert "Rival secret" not in body(client.get(detail_url(tenancy, metric)))
    listing = body(client.get(reverse("metrics:list", args=[tenancy.org.slug])))
    assert "STALE_DATA" not in listing and "Rival secret" not in listing


def test_list_shows_vanity_verdicts_and_flags(tenancy):
    output_metric_beside_goal(tenancy.org, [5, 5, 9, 9, 5, 5, 9, 9],
                              [1, 3, 4, 6, 7, 9, 10, 12])
    recompute(tenancy.org.pk)
    MetricFactory(organization=tenancy.org, name="Brand new")
    text = body(tenancy.client("viewer").get(reverse("metrics:list", args=[tenancy.org.slug])))
    assert '<th scope="col">Vanity check</th>' in text
    assert "Vanity metric, confirmed" in text and "VANITY_METRIC" in text
    assert "not scored" in text


def test_list_query_count_does_not_grow_with_scored_metrics(tenancy,
                                                           django_assert_max_num_queries):
    client = tenancy.client("viewer")
    url = reverse("metrics:list", args=[tenancy.org.slug])
    initiative = InitiativeFactory(organization=tenancy.org)

    def add(n):
        for _ in range(n):
            MeasurementLinkFactory(initiative=initiative,
                                   metric=MetricFactory(organization=tenancy.org))
        recompute(tenancy.org.pk)

    add(3)
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    add(20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["rows"]) == 23
