"""The demo seeder tells each story, works without goals or metrics, and is idempotent."""

import pytest

from initiatives import demo
from initiatives.models import AlignmentLink, Initiative, MeasurementLink, Tool
from initiatives.selectors import technology_audit
from tests.factories import (
    CycleFactory,
    GoalFactory,
    MetricFactory,
    OrganizationFactory,
    UserFactory,
)


@pytest.fixture
def people(db):
    return {"owner": UserFactory(username="demo-owner"),
            "consultant": UserFactory(username="demo-consultant")}


def counts(organization):
    return (Tool.objects.filter(organization=organization).count(),
            Initiative.objects.filter(organization=organization).count(),
            AlignmentLink.objects.filter(organization=organization).count(),
            MeasurementLink.objects.filter(organization=organization).count())


def test_seeding_without_goals_or_metrics_skips_the_links(people):
    from datetime import date

    agency = OrganizationFactory(slug="agency", name="Agency")
    demo.seed(agency, people, date(2026, 11, 1))
    assert counts(agency) == (5, 4, 0, 0)
    audit = {c.category: c for c in technology_audit(organization=agency)}
    assert audit["email_marketing"].overlapping
    assert [t.name for t in audit["email_marketing"].tools if t.shelfware] == ["ActiveCampaign"]


def test_bakery_story_and_a_second_run_changes_nothing(people):
    from datetime import date

    bakery = OrganizationFactory(slug="bakery", name="Bakery")
    cycle = CycleFactory(organization=bakery)
    wait_goal = GoalFactory(cycle=cycle, title="Cut the wait at peak to 5 minutes",
                            priority_rank=1)
    MetricFactory(organization=bakery, name="Customer wait time at peak",
                  library_key="wait_time_peak")
    demo.seed(bakery, people, date(2026, 11, 1))
    first = counts(bakery)
    demo.seed(bakery, people, date(2026, 11, 1))
    assert counts(bakery) == first
    queue = Initiative.objects.get(organization=bakery, name="Queue-ticket automation")
    assert queue.alignment_links.get().goal == wait_goal
    assert queue.measurement_links.get().role == "outcome"
    timers = Initiative.objects.get(organization=bakery, name="Oven timers")
    assert not timers.alignment_links.exists()


def test_the_boutique_store_links_only_to_a_goal_that_is_no_longer_active(people):
    from datetime import date

    boutique = OrganizationFactory(slug="boutique", name="Boutique")
    cycle = CycleFactory(organization=boutique)
    GoalFactory(cycle=cycle, title="Grow online sales", status="active")
    demo.seed(boutique, people, date(2026, 11, 1))
    store = Initiative.objects.get(organization=boutique, name="Online store")
    assert not store.alignment_links.exists()  # no drifted goal to point at: skipped
    archived = GoalFactory(cycle=cycle, title="Launch the online store", status="archived")
    demo.seed(boutique, people, date(2026, 11, 1))
    assert [link.goal for link in store.alignment_links.all()] == [archived]
