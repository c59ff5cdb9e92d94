"""The goals demo seeder: a current active cycle and a closed, reviewed one per organization,
the stories' goals, a vague goal failing SMART, and the same rows on a second run."""

from datetime import date

import pytest

from alignment_portal.organizations.demo import DEMO_ORGANIZATIONS
from alignment_portal.scoring.models import ScoreSnapshot
from goals import demo
from goals.models import Cycle, Goal, GoalOutcome
from goals.selectors import EMPTY_SERIES, goal_smart
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 23)


def seed_all(with_metrics: bool):
    consultant = UserFactory(username="consultant")
    organizations = []
    for spec in DEMO_ORGANIZATIONS:
        organization = OrganizationFactory(slug=spec.slug, name=spec.name,
                                           fiscal_year_start_month=spec.fiscal_year_start_month)
        people = {"consultant": consultant}
        MembershipFactory(user=consultant, organization=organization, role="consultant")
        for role in ("owner", "staff", "viewer"):
            people[role] = UserFactory(username=f"{spec.slug}-{role}")
            MembershipFactory(user=people[role], organization=organization, role=role)
        if with_metrics:
            from metrics import demo as metrics_demo

            metrics_demo.seed(organization, people, TODAY)
        demo.seed(organization, people, TODAY)
        organizations.append((organization, people))
    return organizations


@pytest.mark.parametrize("with_metrics", [True, False])
def test_each_organization_gets_an_active_and_a_closed_reviewed_cycle(with_metrics):
    for organization, _ in seed_all(with_metrics):
        active = Cycle.objects.get(organization=organization, state="active")
        closed = Cycle.objects.get(organization=organization, state="closed")
        assert closed.end_date < active.start_date
        assert closed.reviewed_at is not None
        assert ScoreSnapshot.objects.get(cycle=closed).record["goals"]
        assert GoalOutcome.objects.filter(cycle=closed).count() == closed.goals.count()
        assert active.goals.filter(priority_rank=1).exists()


def test_the_stories_goals_are_there():
    seed_all(with_metrics=True)
    wait = Goal.objects.get(organization__slug="bakery", cycle__state="active",
                            title__startswith="Cut the morning wait at peak to under 4")
    assert wait.metric.name == "Customer wait time at peak" and wait.priority_rank == 1
    online = Goal.objects.get(organization__slug="boutique", metric__name="Online sales")
    assert online.status == "missed"  # the drift story of the online store
    assert Goal.objects.filter(organization__slug="fintech", metric__kind="KVI",
                               cycle__state="active").count() >= 3
    carried = Goal.objects.get(organization__slug="fintech", cycle__state="active",
                               title="Cut monthly churn to 2.5 %")
    assert carried.carried_over_from is not None
    vague = Goal.objects.get(organization__slug="bakery", title="Improve efficiency")
    assert not goal_smart(vague, series=EMPTY_SERIES).passed


def test_a_second_run_changes_nothing():
    organizations = seed_all(with_metrics=False)
    counts = (Cycle.objects.count(), Goal.objects.count(), GoalOutcome.objects.count())
    for organization, people in organizations:
        demo.seed(organization, people, TODAY)
    assert (Cycle.objects.count(), Goal.objects.count(), GoalOutcome.objects.count()) == counts
