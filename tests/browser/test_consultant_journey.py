"""A consultant with two clients opens the portfolio, opens one client's dashboard from it,
switches to the other with the header's switcher (keyboard only), and reads a quarterly report.

Each client has a closed last quarter (reviewed and closed through goals.services, so the
report has outcomes and notes) and an active current quarter with goals, initiatives (one
linked, one not) and metric values; the scores are computed before the browser opens.
"""

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from alignment_portal.organizations.models import Role
from alignment_portal.scoring.triggers import run_recompute
from goals import services as goal_services
from tests.factories import (
    PASSWORD,
    AlignmentLinkFactory,
    CycleFactory,
    GoalFactory,
    InitiativeFactory,
    MeasurementLinkFactory,
    MembershipFactory,
    MetricFactory,
    MetricValueFactory,
    OrganizationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 15_000  # ms


def _quarter(day: date) -> tuple[date, date]:
    start = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
    end = (date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
           - timedelta(days=1))
    return start, end


def _client(name, slug, consultant, *, goal_titles, outcomes):
    """A client: last quarter reviewed and closed, this quarter active and scored."""
    organization = OrganizationFactory(name=name, slug=slug)
    MembershipFactory(organization=organization, user=consultant, role=Role.CONSULTANT)
    this_start, this_end = _quarter(date.today())
    last_start, last_end = _quarter(this_start - timedelta(days=1))
    last = CycleFactory(organization=organization, name=f"Last quarter {slug}",
                        start_date=last_start, end_date=last_end, state="active")
    wait = MetricFactory(organization=organization, name="Customer wait at peak",
                         unit="minutes", direction="lower", frequency="weekly")
    for week, value in enumerate([14, 13, 11, 10, 9, 8]):
        MetricValueFactory(metric=wait, period=last_start + timedelta(days=7 * week),
                           value=value)
    last_goals = [GoalFactory(cycle=last, title=title, metric=wait, baseline_value=14,
                              target_value=8, start_date=last_start, due_date=last_end,
                              confidence=70, priority_rank=rank)
                  for rank, title in enumerate(goal_titles[:2], start=1)]

    this = CycleFactory(organization=organization, name=f"This quarter {slug}",
                        start_date=this_start, end_date=this_end, state="planning")
    current = GoalFactory(cycle=this, title=goal_titles[2], metric=wait, baseline_value=8,
                          target_value=5, start_date=this_start, due_date=this_end,
                          confidence=60, priority_rank=1)
    MeasurementLinkFactory(initiative=AlignmentLinkFactory(
        organization=organization, goal=current,
        initiative=InitiativeFactory(organization=organization,
                                     name=f"Online booking ({name})")).initiative,
        metric=wait)
    InitiativeFactory(organization=organization, name=f"Social media scheduler ({name})")

    # Review and close last quarter as a consultant would, then open this one.
    goal_services.cycle_transition(cycle=last, to="review")
    goal_services.cycle_review_record(
        cycle=last, user=consultant,
        outcomes={g.pk: outcome for g, outcome in zip(last_goals, outcomes, strict=True)})
    goal_services.cycle_close(cycle=last, user=consultant)
    goal_services.cycle_transition(cycle=this, to="active")
    assert run_recompute(organization.pk, force=True) == "done"  # engine.recompute, claimed
    organization.refresh_from_db()
    assert organization.recomputed_generation == organization.recompute_generation
    return organization, last


@pytest.fixture
def clients():
    consultant = UserFactory(username="cora-consultant")
    florist = _client(
        "Harbour Florist", "harbour-florist", consultant,
        goal_titles=["Cut bouquet wait at peak to eight minutes",
                     "Answer every web order within one hour",
                     "Cut bouquet wait at peak to five minutes"],
        outcomes=[("achieved", "Online booking spread the Saturday rush."),
                  ("partly", "Evenings improved; weekends did not.")])
    garage = _client(
        "Northside Garage", "northside-garage", consultant,
        goal_titles=["Cut service desk wait to eight minutes",
                     "Confirm every booking by text the same day",
                     "Cut service desk wait to five minutes"],
        outcomes=[("achieved", "Kiosk check-in halved the queue."),
                  ("missed", "The text provider's rollout slipped to next quarter.")])
    return consultant, florist, garage


def test_consultant_compares_clients_switches_and_reads_a_quarterly_report(journey, clients):
    consultant, (florist, _), (garage, garage_last) = clients
    person = journey()
    page = person.page
    page.set_default_timeout(TIMEOUT)
    person.sign_in(consultant.username, PASSWORD)

    # The portfolio: both clients side by side.
    person.go("/portfolio/")
    table = page.get_by_role("table")
    expect(table.get_by_role("caption")).to_contain_text("2 of 2 organizations")
    for organization in (florist, garage):
        row = table.get_by_role("row").filter(
            has=page.get_by_role("link", name=organization.name, exact=True))
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Consultant")
        # Scored before the browser came: the rung cell holds a rung, not a dash.
        expect(row.get_by_role("cell").first).to_have_text(re.compile(r"^\d "))

    # One client's dashboard, by clicking its name.
    table.get_by_role("link", name="Harbour Florist", exact=True).click()
    expect(page).to_have_url(re.compile(r"/o/harbour-florist/$"))
    _settled_dashboard(person, "Harbour Florist")
    flags = page.get_by_role("region", name=re.compile(r"^Open flags"))
    expect(flags).to_contain_text("Social media scheduler (Harbour Florist)")

    # The header's switcher, with the keyboard alone.
    switcher = page.locator("details.switcher")
    switcher.locator("summary").focus()
    page.keyboard.press("Enter")
    expect(switcher).to_have_attribute("open", "")
    clients_nav = page.get_by_role("navigation", name="Switch organization")
    expect(clients_nav.get_by_role("link", name="Harbour Florist")).to_have_attribute(
        "aria-current", "page")
    person.audit(again=True)  # the open switcher
    target = clients_nav.get_by_role("link", name="Northside Garage")
    for _ in range(10):
        if target.evaluate("link => link === document.activeElement"):
            break
        page.keyboard.press("Tab")
    else:
        raise AssertionError("Tab never reached the Northside Garage link in the switcher")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/o/northside-garage/$"))
    _settled_dashboard(person, "Northside Garage")
    expect(page.get_by_role("region", name=re.compile(r"^Open flags"))).to_contain_text(
        "Social media scheduler (Northside Garage)")
    expect(page.get_by_role("main")).not_to_contain_text("Harbour Florist")

    # The quarterly report of last quarter, through the history page.
    page.get_by_role("link", name="Quarterly reports").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("History")
    for figure in page.locator(".lazy-chart").all():
        expect(figure.locator("figure")).to_be_visible()
    person.audit()
    page.get_by_role("link", name=f"Report of {garage_last.name}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Quarterly report: {garage_last.name}")
    person.audit()
    expect(page.get_by_text("Closed · reviewed")).to_be_visible()
    goals = page.get_by_role("table").filter(has=page.get_by_role("columnheader",
                                                                   name="Outcome"))
    achieved = goals.get_by_role("row").filter(has_text="Cut service desk wait to eight minutes")
    expect(achieved).to_contain_text("Achieved")
    expect(achieved).to_contain_text("Kiosk check-in halved the queue.")
    missed = goals.get_by_role("row").filter(
        has_text="Confirm every booking by text the same day")
    expect(missed).to_contain_text("Missed")
    expect(missed).to_contain_text("The text provider's rollout slipped to next quarter.")
    expect(page.get_by_role("main")).not_to_contain_text("Harbour Florist")
    assert not person.console_errors, "\n".join(person.console_errors)


def _settled_dashboard(person, name):
    """A dashboard with its scores in (no "recomputing…") and its lazy chart loaded, audited."""
    page = person.page
    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.locator("#score-status.recomputing")).to_have_count(0)
    expect(page.locator("#score-status")).to_contain_text("Scores as of")
    expect(page.locator("#dimensions-chart figure")).to_be_visible()
    person.audit()
