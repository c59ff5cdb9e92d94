"""The next-rung checklist in the reader's language: labels and messages are rendered from the
stored key and params; an explanation stored before params shows its stored English."""

import copy
from datetime import date

from django.utils import translation

from alignment_portal.dashboards.selectors import ladder
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import maturity_wording
from alignment_portal.scoring.models import OrganizationScore
from tests.scoring.builders import Plan


def _score(card) -> OrganizationScore:
    return OrganizationScore(rung=card.rung, explanation=card.explanation)


def _stale_kvi_plan() -> Plan:
    plan = Plan.aligned()
    plan.metric(name="Customer lifetime value", kind="KVI")
    plan.cycle(name="Q3", state="closed", start_date=date(2026, 7, 1),
               end_date=date(2026, 9, 30))
    return plan


def _cards():
    empty = Plan()
    unaligned = Plan.aligned()
    unaligned.initiative(name="Chatbot", monthly_cost=500)
    return [empty.score(), unaligned.score(), _stale_kvi_plan().score()]


@translation.override("en")
def test_every_unmet_condition_renders_its_stored_english_words():
    keys = set()
    for card in _cards():
        for condition in card.explanation["next"]["unmet"]:
            keys.add(condition["key"])
            assert condition["params"]
            assert maturity_wording.condition_message(condition) == condition["message"]
            assert maturity_wording.condition_label(condition) == condition["label"]
    assert {"smart_goal", "d2", "fresh_kvi", "last_cycle_reviewed"} <= keys


def test_the_checklist_is_german_under_german():
    organization = Organization(name="Acme", slug="acme")
    score = _score(Plan().score())
    with translation.override("en"):
        english = ladder(organization, score).checklist
    assert english[0].label == "Active goals passing SMART"
    assert english[0].message == ("There is no active goal yet: write one that passes all "
                                  "five SMART criteria.")
    with translation.override("de"):
        german = ladder(organization, score).checklist
    assert german[0].label == "Aktive Ziele, die SMART erfüllen"
    assert german[0].message.startswith("Es gibt noch kein aktives Ziel")
    assert german[1].label == "D2 Ausrichtung"
    assert german[1].message == "D2 Ausrichtung ist 0, benötigt 50."
    with translation.override("en"):
        again = ladder(organization, score).checklist
    assert [c.message for c in again] == [c.message for c in english]


def test_listings_and_yes_no_are_german_under_german():
    organization = Organization(name="Acme", slug="acme")
    score = _score(_stale_kvi_plan().score())
    with translation.override("de"):
        checklist = {c.label: c for c in ladder(organization, score).checklist}
    kvi = checklist["Aktuelle KVIs"]
    assert kvi.message == ("Kein KVI hat einen aktuellen Wert. Erfassen Sie einen Wert für: "
                           "Customer lifetime value")
    reviewed = checklist["Letzter abgeschlossener Zyklus geprüft"]
    assert (reviewed.now, reviewed.needed) == ("nein", "ja")
    assert "Q3" in reviewed.message


def test_an_explanation_stored_before_params_shows_its_stored_english():
    organization = Organization(name="Acme", slug="acme")
    explanation = copy.deepcopy(Plan().score().explanation)
    for rung in explanation["rungs"]:
        for condition in rung["conditions"]:
            del condition["params"]
    for condition in explanation["next"]["unmet"]:
        del condition["params"]
    score = OrganizationScore(rung=1, explanation=explanation)
    with translation.override("de"):
        checklist = ladder(organization, score).checklist
    assert checklist[0].label == "Active goals passing SMART"
    assert checklist[1].message == "D2 Alignment is 0, needs 50."


def test_the_stored_explanation_does_not_depend_on_the_language():
    with translation.override("en"):
        english = [card.explanation for card in _cards()]
    with translation.override("de"):
        german = [card.explanation for card in _cards()]
    assert german == english
