"""A scenario in German: the comparison's words and its money in the reader's format."""

import re

from django.test import Client
from django.urls import reverse
from django.utils import translation


def german_page(tenancy, scenario) -> str:
    """The scenario's page as a consultant whose browser asks for German reads it."""
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(tenancy.user("consultant"))
    with translation.override("en"):
        return client.get(reverse("scenarios:detail", args=[tenancy.org.slug, scenario.pk])
                          ).content.decode()


def test_the_scenario_comparison_in_german(tenancy, plan, scenario):
    page = german_page(tenancy, scenario)
    assert "Vorher und nachher" in page and "Nicht ausgerichtete Ausgaben" in page
    assert "Änderung hinzufügen" in page
    currency = tenancy.org.currency
    assert f"{currency} pro Monat" in page
    # the misaligned spend before and after, in dollars as German writes them
    assert len(re.findall(r'<td class="num">(?:<strong>)?\d[\d.]*,\d\d\xa0\$', page)) >= 2


def test_the_dimensions_and_a_changes_effect_read_in_german(tenancy, plan, scenario):
    from alignment_portal.scenarios.views import effect_words

    page = german_page(tenancy, scenario)
    assert "D2 Ausrichtung" in page and "D3 Messung" in page
    assert "D2 Alignment" not in page and "D3 Measurement" not in page
    effect = {"rung": 1, "d1": 0, "d2": 11.38, "d3": 0, "d4": 0, "d5": 0,
              "misaligned_spend": -120.0, "misaligned_share": -2.5, "net_monthly_benefit": 40.0}
    with translation.override("de"):
        words = " · ".join(effect_words(effect, "EUR"))
    assert words.startswith("Stufe +1 · D2 Ausrichtung +11.38")
    assert "nicht ausgerichtete Ausgaben" in words and "Nettonutzen" in words
    assert "rung" not in words and "misaligned" not in words and "net benefit" not in words


def test_rung_names_flag_severities_and_statuses_read_in_german(tenancy, plan, scenario):
    """The comparison words the evaluation's codes: the rung as the dashboard names it, each
    flag's severity and each initiative's status as their choice labels."""
    from alignment_portal.scenarios import services
    from alignment_portal.scenarios.apply import Change
    from alignment_portal.scenarios.selectors import plan_of

    frames = plan_of(tenancy.org).frames
    for change in (Change("retire_tool", tool=plan.shelfware.pk),
                   Change("link", initiative=plan.misaligned.pk, goal=plan.orphan_goal.pk,
                          contribution="supporting", rationale="It keeps clients informed."),
                   Change("initiative_status", initiative=plan.aligned.pk, status="paused")):
        services.change_add(scenario=scenario, change=change, frames=frames)
    page = german_page(tenancy, scenario)
    assert re.search(r'<td class="num">2 Definiert</td>', page)
    assert "Defined" not in page
    severities = re.findall(r'<span class="severity">([^<]*)</span>', page)
    assert {"Hoch", "Mittel", "Niedrig"} <= set(severities)
    assert not {"High", "Medium", "Low", "high", "medium", "low"} & set(severities)
    assert "Live → Pausiert" in page and "live → paused" not in page
