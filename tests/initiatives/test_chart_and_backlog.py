"""The impact x effort chart and the backlog's order."""

import json

from django.urls import reverse

from alignment_portal.charts import impact_effort_chart, impact_effort_quadrant
from initiatives import selectors
from tests.factories import AlignmentLinkFactory, InitiativeFactory


def test_quadrants_are_named_with_four_and_five_as_high():
    assert impact_effort_quadrant(5, 1) == "Quick wins"
    assert impact_effort_quadrant(4, 4) == "Major projects"
    assert impact_effort_quadrant(3, 3) == "Fill-ins"
    assert impact_effort_quadrant(2, 5) == "Thankless tasks"


def test_chart_points_open_the_initiative_and_split_by_alignment_score():
    chart = impact_effort_chart([
        {"name": "A", "impact": 5, "effort": 1, "monthly_cost": 10, "alignment_score": 85.0,
         "href": "/o/x/initiatives/1/"},
        {"name": "B", "impact": 5, "effort": 1, "monthly_cost": 0, "alignment_score": 12.0,
         "href": "/o/x/initiatives/2/"},
    ])
    figure = json.loads(chart.figure_json)
    aligned, partly, unaligned, unscored = figure["data"]
    assert partly["x"] == [] and unscored["x"] == []
    assert aligned["customdata"] == [["/o/x/initiatives/1/"]]
    assert aligned["marker"]["symbol"] != unaligned["marker"]["symbol"]
    # Two initiatives on one spot are spread apart so neither hides the other.
    assert (aligned["x"][0], aligned["y"][0]) != (unaligned["x"][0], unaligned["y"][0])
    names = {a["text"] for a in figure["layout"]["annotations"]}
    assert names == {"<b>Quick wins</b>", "<b>Major projects</b>", "<b>Fill-ins</b>",
                     "<b>Thankless tasks</b>"}
    assert "Quick wins: 2" in chart.summary


def test_impact_effort_page_shows_active_initiatives_only(tenancy):
    InitiativeFactory(organization=tenancy.org, name="Live one", status="live")
    InitiativeFactory(organization=tenancy.org, name="Just an idea", status="idea")
    response = tenancy.client("viewer").get(
        reverse("initiatives:impact_effort", args=[tenancy.org.slug]))
    text = response.content.decode()
    assert "Live one" in text and "Just an idea" not in text
    assert "Colour and shape show the alignment score" in text and "not scored yet" in text
    assert "<script>" not in text  # CSP: scripts come from static files only


def test_backlog_orders_unscored_ideas_and_plans_by_impact_per_effort_and_says_so(tenancy):
    InitiativeFactory(organization=tenancy.org, name="Slow", status="idea", impact=2, effort=4)
    InitiativeFactory(organization=tenancy.org, name="Quick", status="planned", impact=4,
                      effort=1)
    InitiativeFactory(organization=tenancy.org, name="Middle", status="idea", impact=3, effort=3)
    InitiativeFactory(organization=tenancy.org, name="Running", status="live", impact=5, effort=1)
    assert [i.name for i in selectors.backlog(organization=tenancy.org)] == [
        "Quick", "Middle", "Slow"]
    text = tenancy.client("viewer").get(
        reverse("initiatives:backlog", args=[tenancy.org.slug])).content.decode()
    assert "ordered by priority score" in text
    assert "3 initiatives not scored yet</strong> go last, by impact ÷ effort" in text


def test_backlog_marks_ideas_that_serve_no_active_goal(tenancy):
    link = AlignmentLinkFactory(initiative__organization=tenancy.org,
                                initiative__status="idea")
    InitiativeFactory(organization=tenancy.org, status="idea")
    flags = {i.pk: i.serves_active_goal for i in selectors.backlog(organization=tenancy.org)}
    assert flags[link.initiative.pk] is True
    assert list(flags.values()).count(False) == 1
