"""Scores and flags in the initiatives pages: the initiative's page, the list's flag filter
and score sort, the backlog by priority score, and the impact x effort chart's colours."""

from datetime import date, timedelta
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from alignment_portal.scoring.engine import recompute
from alignment_portal.scoring.models import Flag, InitiativeScore
from initiatives import selectors
from tests.factories import (
    AlignmentLinkFactory,
    GoalFactory,
    InitiativeFactory,
    MeasurementLinkFactory,
    MetricFactory,
    MetricValueFactory,
)

MISALIGNED_FIX = "Link it to the active goal it should move, or pause or retire it."


def detail_url(tenancy, initiative):
    return reverse("initiatives:detail", args=[tenancy.org.slug, initiative.pk])


def list_url(tenancy, **params):
    return reverse("initiatives:list", args=[tenancy.org.slug]) + (
        "?" + urlencode(params) if params else "")


def aligned_initiative(organization, name="Automated approvals", **fields):
    """A live initiative serving a priority goal, measured by the goal's fresh metric."""
    metric = MetricFactory(organization=organization, frequency="weekly")
    MetricValueFactory(metric=metric, period=date.today() - timedelta(days=2))
    goal = GoalFactory(cycle__organization=organization, metric=metric, priority_rank=1)
    initiative = InitiativeFactory(organization=organization, name=name, **fields)
    AlignmentLinkFactory(initiative=initiative, goal=goal)
    MeasurementLinkFactory(initiative=initiative, metric=metric)
    return initiative


def body(response) -> str:
    assert response.status_code == 200
    return response.content.decode()


# The initiative's page

def test_initiative_page_shows_score_parts_and_flags_with_fixes(tenancy):
    lonely = InitiativeFactory(organization=tenancy.org, name="Oven timers", monthly_cost=40)
    recompute(tenancy.org.pk)
    text = body(tenancy.client("viewer").get(detail_url(tenancy, lonely)))
    assert "Alignment score" in text and "Priority score" in text
    assert "Line of sight: 0.0 of 60 points" in text and "it serves no active goal" in text
    assert "Measurement: 0.0 of 25 points" in text and "no metric measures it" in text
    assert "Freshness: 0.0 of 15 points" in text
    assert "Scores as of" in text
    assert "MISALIGNED" in text and "UNMEASURED" in text
    assert "“Oven timers” is active but serves no active goal; it costs 40.00 a month." in text
    assert MISALIGNED_FIX in text


def test_well_aligned_initiative_explains_its_full_score(tenancy):
    initiative = aligned_initiative(tenancy.org, impact=4, effort=2)
    recompute(tenancy.org.pk)
    score = InitiativeScore.objects.get(initiative=initiative)
    assert score.alignment_score == pytest.approx(100)
    text = body(tenancy.client("viewer").get(detail_url(tenancy, initiative)))
    assert "Line of sight: 60.0 of 60 points" in text
    assert "one of its outcome metrics is the measure of a goal it serves" in text
    assert "100% of its metrics have a fresh value" in text
    assert "<strong class=\"score-value\">200</strong>" in text  # 100 × 4 ÷ 2
    assert "No open flag on this initiative." in text


def test_initiative_page_says_scores_are_not_computed_yet(tenancy):
    initiative = InitiativeFactory(organization=tenancy.org)
    text = body(tenancy.client("viewer").get(detail_url(tenancy, initiative)))
    assert "Not computed yet" in text and "score-value" not in text


def test_a_resolved_flag_shows_as_resolved_not_open(tenancy):
    initiative = InitiativeFactory(organization=tenancy.org, name="Oven timers")
    recompute(tenancy.org.pk)
    AlignmentLinkFactory(initiative=initiative,
                         goal=GoalFactory(cycle__organization=tenancy.org))
    recompute(tenancy.org.pk)
    flag = Flag.objects.get(organization=tenancy.org, code="MISALIGNED")
    assert flag.resolved_at is not None
    text = body(tenancy.client("viewer").get(detail_url(tenancy, initiative)))
    open_part, resolved_part = text.split("Recently resolved")
    assert "MISALIGNED" not in open_part
    assert "Resolved" in resolved_part and "MISALIGNED" in resolved_part


def test_viewers_see_scores_but_no_edit_controls(tenancy):
    initiative = InitiativeFactory(organization=tenancy.org)
    recompute(tenancy.org.pk)
    text = body(tenancy.client("viewer").get(detail_url(tenancy, initiative)))
    assert "Alignment score" in text and MISALIGNED_FIX in text
    assert reverse("initiatives:edit", args=[tenancy.org.slug, initiative.pk]) not in text
    assert reverse("initiatives:link_create", args=[tenancy.org.slug, initiative.pk]) not in text
    assert text.count('<form method="post"') == 2  # signing out and the language, nothing else
    consultant = body(tenancy.client("consultant").get(detail_url(tenancy, initiative)))
    assert reverse("initiatives:edit", args=[tenancy.org.slug, initiative.pk]) in consultant


def test_another_organizations_flags_never_appear(tenancy):
    mine = InitiativeFactory(organization=tenancy.org, name="Mine")
    InitiativeFactory(organization=tenancy.other_org, name="Theirs")
    recompute(tenancy.org.pk)
    recompute(tenancy.other_org.pk)
    # A flag of the other organization on the same subject id must not leak in.
    Flag.objects.create(organization=tenancy.other_org, code="SHELFWARE", severity="high",
                        subject_type="initiative", subject_id=str(mine.pk),
                        subject_label="Theirs",
                        params={"legacy": {"message": "Rival secret message",
                        "suggested_fix": "Rival secret fix"}})
    client = tenancy.client("viewer")
    text = body(client.get(detail_url(tenancy, mine)))
    assert "Rival secret" not in text and "“Theirs”" not in text
    listing = body(client.get(list_url(tenancy)))
    assert "SHELFWARE" not in listing and "Rival secret" not in listing
    # Forged as a filter, the code is not a choice (no initiative of ours carries it)...
    assert "this filter is ignored" in body(client.get(list_url(tenancy, flag="SHELFWARE")))
    # ...and the selector itself matches flags within the organization only.
    page = selectors.initiative_page(organization=tenancy.org, filters={"flag": "SHELFWARE"})
    assert list(page) == []


# The list

def test_flag_filter_lists_only_initiatives_with_that_open_flag(tenancy):
    aligned_initiative(tenancy.org, name="Aligned one")
    InitiativeFactory(organization=tenancy.org, name="Oven timers")
    recompute(tenancy.org.pk)
    client = tenancy.client("viewer")
    everything = body(client.get(list_url(tenancy)))
    assert "Aligned one" in everything and "Oven timers" in everything
    assert '<option value="MISALIGNED">MISALIGNED (1)</option>' in everything
    response = client.get(list_url(tenancy, flag="MISALIGNED"))
    assert [i.name for i in response.context["page"]] == ["Oven timers"]
    response = client.get(list_url(tenancy, flag="any"))
    assert [i.name for i in response.context["page"]] == ["Oven timers"]


def test_a_flag_code_not_open_is_refused_and_ignored(tenancy):
    InitiativeFactory(organization=tenancy.org, name="Oven timers")
    recompute(tenancy.org.pk)
    response = tenancy.client("viewer").get(list_url(tenancy, flag="OFF_TRACK"))
    assert [i.name for i in response.context["page"]] == ["Oven timers"]
    assert "this filter is ignored" in body(response)


def test_list_sorts_by_alignment_and_priority_score_unscored_last(tenancy):
    aligned_initiative(tenancy.org, name="Aligned", impact=1, effort=5)
    InitiativeFactory(organization=tenancy.org, name="Misaligned", impact=5, effort=1)
    recompute(tenancy.org.pk)
    InitiativeFactory(organization=tenancy.org, name="New")  # not scored yet
    client = tenancy.client("viewer")

    def names(sort):
        return [i.name for i in client.get(list_url(tenancy, sort=sort)).context["page"]]

    assert names("-alignment_score") == ["Aligned", "Misaligned", "New"]
    assert names("alignment_score") == ["Misaligned", "Aligned", "New"]
    assert names("-priority_score") == ["Aligned", "Misaligned", "New"]
    text = body(client.get(list_url(tenancy, sort="-alignment_score")))
    assert "Alignment score" in text and "not scored" in text


def test_list_htmx_fragment_carries_the_score_column(tenancy):
    InitiativeFactory(organization=tenancy.org, name="Oven timers")
    recompute(tenancy.org.pk)
    text = body(tenancy.client("viewer").get(list_url(tenancy, flag="MISALIGNED"),
                                               headers={"HX-Request": "true"}))
    assert text.lstrip().startswith('<div id="initiative-results">')
    assert 'data-label="Alignment score"' in text and "MISALIGNED" in text


def _fill(organization, goal, n):
    for k in range(n):
        initiative = InitiativeFactory(organization=organization)
        if k % 2:
            AlignmentLinkFactory(initiative=initiative, goal=goal)
    recompute(organization.pk)


def test_list_query_count_does_not_grow_with_scored_records(tenancy,
                                                           django_assert_max_num_queries):
    client = tenancy.client("viewer")
    goal = GoalFactory(cycle__organization=tenancy.org)
    _fill(tenancy.org, goal, 3)
    url = list_url(tenancy, sort="-priority_score", flag="any")
    with django_assert_max_num_queries(14) as few:
        client.get(url)
    _fill(tenancy.org, goal, 20)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url)
    assert len(response.context["page"]) > 3


# The backlog and the chart

def test_backlog_orders_by_priority_score_and_puts_unscored_last(tenancy):
    aligned_initiative(tenancy.org, name="Served idea", status="idea", impact=2, effort=2)
    InitiativeFactory(organization=tenancy.org, name="Unserved quick win", status="planned",
                      impact=5, effort=1)
    InitiativeFactory(organization=tenancy.org, name="Unserved slog", status="idea",
                      impact=1, effort=5)
    recompute(tenancy.org.pk)
    InitiativeFactory(organization=tenancy.org, name="Brand new", status="idea",
                      impact=5, effort=1)
    order = [i.name for i in selectors.backlog(organization=tenancy.org)]
    # Equal priority scores (0) fall back to impact / effort; the unscored one goes last.
    assert order == ["Served idea", "Unserved quick win", "Unserved slog", "Brand new"]
    text = body(tenancy.client("viewer").get(
        reverse("initiatives:backlog", args=[tenancy.org.slug])))
    assert "ordered by priority score" in text
    assert "1 initiative not scored yet</strong> goes last" in text
    assert text.index("Served idea") < text.index("Unserved quick win") < text.index(
        "Brand new")
    assert "Not scored yet" in text


def test_impact_effort_chart_colours_by_alignment_score(tenancy):
    aligned_initiative(tenancy.org, name="Aligned")
    InitiativeFactory(organization=tenancy.org, name="Misaligned")
    recompute(tenancy.org.pk)
    response = tenancy.client("viewer").get(
        reverse("initiatives:impact_effort", args=[tenancy.org.slug]))
    text = body(response)
    assert "alignment score 100" in text and "alignment score 0" in text
    chart = response.context["chart"]
    assert "1 well aligned (70–100)" in chart.summary
    assert "1 poorly aligned (under 40)" in chart.summary
