"""The demo tells the impact stories (whatever the weekday it is seeded on): the bakery's queue
tickets cut the wait, its oven timers have no outcome metric, the agency's social scheduler
shows no clear effect on leads, the boutique's online store made stock-outs worse, the
fintech's robo-advice engine lifted a KVI (customers holding two or more products), and its
triage bot is too recent for a verdict."""

from datetime import date

import pytest

from alignment_portal.benefits import demo as benefits_demo
from alignment_portal.organizations.demo import DEMO_ORGANIZATIONS
from alignment_portal.scoring import engine
from goals import demo as goals_demo
from initiatives import demo as initiatives_demo
from metrics import demo as metrics_demo
from tests.factories import MembershipFactory, OrganizationFactory, UserFactory


def verdicts(card, frames) -> dict[tuple[str, str], str]:
    return {pair: row["verdict"] for pair, row in evidence(card, frames).items()}


def evidence(card, frames) -> dict[tuple[str, str], dict]:
    initiatives, metrics = frames.labels("initiatives"), frames.labels("metrics")
    return {(initiatives[row["initiative_id"]], metrics[row["metric_id"]]): row
            for row in card.impact.to_dict("records")}


@pytest.mark.parametrize("today", [date(2026, 11, 30), date(2026, 12, 2), date(2027, 1, 17)])
def test_the_demo_tells_each_impact_story(db, today):
    people = {role: UserFactory(username=f"demo-{role}-{today:%d}")
              for role in ("owner", "consultant", "staff", "viewer")}
    found = {}
    for spec in DEMO_ORGANIZATIONS:
        organization = OrganizationFactory(slug=spec.slug, name=spec.name)
        for role, person in people.items():
            MembershipFactory(user=person, organization=organization, role=role)
        for seeder in (metrics_demo, goals_demo, initiatives_demo, benefits_demo):
            seeder.seed(organization, people, today)
        frames = engine.load_frames(organization.pk)
        card = engine.score(frames, today)
        found[spec.slug] = (verdicts(card, frames), card, evidence(card, frames))
    bakery, _, _ = found["bakery"]
    assert bakery[("Queue-ticket automation", "Customer wait time at peak")] == "improved"
    assert not [pair for pair in bakery if pair[0] == "Oven timers"]
    agency, agency_card, _ = found["agency"]
    assert agency[("Social post scheduling", "Marketing-qualified leads")] == "no clear change"
    assert "NO_EFFECT" in set(agency_card.flags["code"])
    boutique, boutique_card, _ = found["boutique"]
    assert boutique[("Online store", "Online orders cancelled for lack of stock")] == "worsened"
    assert "WORSENED" in set(boutique_card.flags["code"])
    fintech, _, fintech_evidence = found["fintech"]
    assert fintech[("Support triage bot", "First response time")] == "not enough data"
    advice = fintech_evidence[(benefits_demo.ADVICE_ENGINE, benefits_demo.TWO_PRODUCTS)]
    assert advice["verdict"] == "improved" and advice["effect"] > 0
    assert advice["n_before"] >= 5 and advice["n_after"] >= 5 and advice["p"] < 0.05
