"""The agency's demo scenario: it moves the rung, D2, D5 and the misaligned spend before
anything is applied, and applying it lands the recompute on the same numbers."""

from datetime import date

import pytest
from django.utils import timezone

import goals.demo
import initiatives.demo
import metrics.demo
from alignment_portal.organizations.models import Role
from alignment_portal.scenarios import demo, selectors, services
from alignment_portal.scenarios.models import Scenario
from alignment_portal.scoring.models import OrganizationScore
from alignment_portal.scoring.triggers import run_recompute
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_agency_scenario_moves_the_spend_and_the_recompute_agrees():
    agency = OrganizationFactory(slug="agency", name="Agency", currency="GBP", hour_value=40)
    owner = UserFactory(username="agency-owner")
    MembershipFactory(user=owner, organization=agency, role=Role.OWNER)
    people = {"owner": owner}
    today = timezone.localdate()
    for seeder in (metrics.demo, goals.demo, initiatives.demo, demo):
        seeder.seed(agency, people, today)
    demo.seed(agency, people, today)  # idempotent
    scenario = Scenario.objects.get(organization=agency)
    assert scenario.shared and scenario.changes.count() == 4
    run_recompute(agency.pk, force=True)
    agency.refresh_from_db()
    evaluation = selectors.evaluate_changes(
        organization=agency, changes=[selectors.as_change(r)
                                      for r in selectors.changes_of(scenario)])
    assert evaluation.before["misaligned_spend"] > 0
    assert evaluation.after["misaligned_spend"] == 0
    assert evaluation.after["d2"] > evaluation.before["d2"]
    assert evaluation.after["d5"] > evaluation.before["d5"]
    # What the scenario promises: from Defined to Aligned before anything is applied.
    assert (evaluation.before["rung"], evaluation.after["rung"]) == (2, 3)
    # Each change's own effect says what it moves: retiring a platform raises D5 and saves
    # its cost, linking an orphan raises D2.
    retire, retire_too, link, link_too = evaluation.effects
    for effect in (retire, retire_too):
        assert effect["d5"] > 0 and effect["net_monthly_benefit"] > 0
    for effect in (link, link_too):
        assert effect["d2"] > 0 and effect["misaligned_spend"] < 0
    assert (evaluation.after["net_monthly_benefit"] - evaluation.before["net_monthly_benefit"]
            == pytest.approx(retire["net_monthly_benefit"] + retire_too["net_monthly_benefit"]))
    services.scenario_apply(scenario=scenario, user=owner)
    run_recompute(agency.pk, force=True)
    score = OrganizationScore.objects.get(organization=agency)
    assert (score.rung, score.d2_alignment, score.d5_integration,
            float(score.misaligned_spend), score.misaligned_spend_share) == (
        evaluation.after["rung"], evaluation.after["d2"], evaluation.after["d5"],
        evaluation.after["misaligned_spend"], evaluation.after["misaligned_share"])


def test_the_demo_scenario_is_only_the_agencys():
    bakery = OrganizationFactory(slug="bakery")
    demo.seed(bakery, {"owner": UserFactory()}, date(2026, 11, 1))
    assert not Scenario.objects.exists()
