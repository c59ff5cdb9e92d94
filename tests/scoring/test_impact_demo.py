"""The demo tells the impact stories (whatever the weekday it is seeded on): the bakery's queue
tickets cut the wait, its oven timers have no outcome metric, the agency's social scheduler
shows no clear effect on leads, the boutique's online store made stock-outs worse, and the
fintech's triage bot is too recent for a verdict."""

from datetime import date

import pytest

from alignment_portal.organizations.demo import DEMO_ORGANIZATIONS
from alignment_portal.scoring import engine
from goals import demo as goals_demo
from initiatives import demo as initiatives_demo
from metrics import demo as metrics_demo
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def verdicts(card, frames) -> dict[tuple[str, str], str]:
    initiatives, metrics = frames.labels("initiatives"), frames.labels("metrics")
    return {(initiatives[i], metrics[m]): v for i, m, v in zip(
        card.impact["initiative_id"], card.impact["metric_id"], card.impact["verdict"],
        strict=True)}


@pytest.mark.parametrize("today", [date(2026, 11, 30), date(2026, 12, 2), date(2027, 1, 17)])
def test_the_demo_tells_each_impact_story(db, today):
    people = {role: UserFactory(username=f"demo-{role}-{today:%d}")
              for role in ("owner", "consultant", "staff", "viewer")}
    found = {}
    for spec in DEMO_ORGANIZATIONS:
        organization = OrganizationFactory(slug=spec.slug, name=spec.name)
        for role, person in people.items():
            MembershipFactory(user=person, organization=organization, role=role)
        for seeder in (metrics_demo, goals_demo, initiatives_demo):
            seeder.seed(organization, people, today)
        frames = engine.load_frames(organization.pk)
        card = engine.score(frames, today)
        found[spec.slug] = (verdicts(card, frames), card)
    bakery, bakery_card = found["bakery"]
    assert bakery[("Queue-ticket automation", "Customer wait time at peak")] == "improved"
    assert not [pair for pair in bakery if pair[0] == "Oven timers"]
    agency, agency_card = found["agency"]
    assert agency[("Social post scheduling", "Marketing-qualified leads")] == "no clear change"
    assert "NO_EFFECT" in set(agency_card.flags["code"])
    boutique, boutique_card = found["boutique"]
    assert boutique[("Online store", "Online orders cancelled for lack of stock")] == "worsened"
    assert "WORSENED" in set(boutique_card.flags["code"])
    fintech, _ = found["fintech"]
    assert fintech[("Support triage bot", "First response time")] == "not enough data"
