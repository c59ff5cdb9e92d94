"""The quarterly report reads like the document a consultant hands a client (issue 15, item
7): the organization's name (and who prepared it), page numbers and the chart in print, no
trailing grey page, and no draft goals."""

from django.template.loader import render_to_string
from django.urls import reverse

from alignment_portal.consultants.selectors import PreparedBy
from alignment_portal.dashboards import reports
from tests.dashboards.conftest import populate
from tests.factories import AlignmentLinkFactory, CycleFactory, GoalFactory, InitiativeFactory


def test_the_report_leaves_draft_goals_out(tenancy):
    cycle = CycleFactory(organization=tenancy.org)
    GoalFactory(organization=tenancy.org, cycle=cycle, title="Serve the queue in 4 minutes")
    draft = GoalFactory(organization=tenancy.org, cycle=cycle, title="A half-thought idea",
                        status="draft")
    AlignmentLinkFactory(initiative=InitiativeFactory(organization=tenancy.org,
                                                      name="Sketch only"), goal=draft)
    html = tenancy.client("viewer").get(
        reverse("dashboards:report", args=[tenancy.org.slug, cycle.pk])).content.decode()
    assert "Serve the queue in 4 minutes" in html
    assert "A half-thought idea" not in html and "Sketch only" not in html
    report = reports.report(organization=tenancy.org, cycle=cycle)
    assert [g["title"] for g in report.goals] == ["Serve the queue in 4 minutes"]


def test_the_report_names_the_organization_and_whoever_prepared_it(tenancy, rf):
    cycle = CycleFactory(organization=tenancy.org)
    client = tenancy.client("viewer")
    html = client.get(reverse("dashboards:report", args=[tenancy.org.slug, cycle.pk])
                      ).content.decode()
    assert '<p class="report-org"><strong>Acme Bakery</strong></p>' in html
    assert "prepared by" not in html
    request = rf.get("/")
    request.user = tenancy.user("viewer")
    html = render_to_string("dashboards/report.html", {
        "report": reports.report(organization=tenancy.org, cycle=cycle), "cycle": cycle,
        "organization": tenancy.org, "prepared_by": PreparedBy(
            firm_name="Reyes Advisory", contact_line="", person="Dana Reyes", logo_url="")},
        request=request)
    assert '<p class="report-org"><strong>Acme Bakery</strong></p>' in html
    assert html.count("Prepared by") == 1
    assert "<strong>Reyes Advisory</strong> · Dana Reyes" in html


def test_the_report_carries_the_dimensions_chart(tenancy):
    cycle = populate(tenancy.org, 2)
    html = tenancy.client("viewer").get(
        reverse("dashboards:report", args=[tenancy.org.slug, cycle.pk])).content.decode()
    url = reverse("dashboards:cycle_history_dimensions", args=[tenancy.org.slug, cycle.pk])
    assert f'hx-get="{url}"' in html


def test_print_numbers_pages_and_drops_the_screen_height_column():
    css = open("static/css/print.css").read()
    assert 'counter(page) " of " counter(pages)' in css
    assert "min-height: 0 !important" in css
