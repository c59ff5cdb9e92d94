from datetime import date

from metrics import demo
from metrics.models import Metric, MetricValue
from metrics.selectors import metric_statuses
from tests.factories import OrganizationFactory, UserFactory

TODAY = date(2026, 11, 18)


def test_demo_seed_tells_each_story_and_is_idempotent(db):
    people = {"owner": UserFactory(), "staff": UserFactory()}
    for slug in demo.STORIES:
        organization = OrganizationFactory(slug=slug)
        demo.seed(organization, people, TODAY)
        count = MetricValue.objects.filter(organization=organization).count()
        demo.seed(organization, people, TODAY)
        assert MetricValue.objects.filter(organization=organization).count() == count
        statuses = metric_statuses(organization=organization, today=TODAY)
        assert any(s.freshness == "stale" for s in statuses), slug
        assert any(s.freshness == "fresh" for s in statuses), slug
    vanity = Metric.objects.get(organization__slug="agency", name="Automated emails sent")
    assert vanity.nature == "output" and vanity.values.count() >= 50
    assert Metric.objects.filter(organization__slug="fintech", kind="KVI").count() >= 3
