"""The initiatives pages in German: words, plurals and money as a German reader writes them."""

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import InitiativeFactory, ToolFactory


@pytest.fixture
def german(tenancy):
    """A consultant whose browser asks for German; English again after the test."""
    tenancy.org.currency = "EUR"
    tenancy.org.save()
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(tenancy.user("consultant"))
    with translation.override("en"):
        yield client


def test_initiative_detail_shows_german_words_and_euros(tenancy, german):
    initiative = InitiativeFactory(organization=tenancy.org, name="Queue kiosk",
                                   monthly_cost="1234.50", one_time_cost="300")
    url = reverse("initiatives:detail", args=[tenancy.org.slug, initiative.pk])
    page = german.get(url).content.decode()
    assert "<dt>Monatliche Kosten</dt><dd>1.234,50\xa0€</dd>" in page
    assert "<dt>Einmalige Kosten</dt><dd>300,00\xa0€</dd>" in page
    assert "Gemessen mit" in page and "Verlauf der Änderungen" in page
    english = tenancy.client("consultant").get(url).content.decode()
    assert "<dt>Monthly cost</dt><dd>€1,234.50</dd>" in english


def test_the_technology_audit_sums_money_in_german(tenancy, german):
    ToolFactory(organization=tenancy.org, name="CRM A", category="crm", monthly_cost="1000")
    ToolFactory(organization=tenancy.org, name="CRM B", category="crm", monthly_cost="250.5")
    page = german.get(reverse("initiatives:tool_audit", args=[tenancy.org.slug])).content.decode()
    assert "1.250,50\xa0€/Monat" in page
    assert "Überschneidung: 2 aktive Tools" in page


def test_the_initiative_list_counts_in_german(tenancy, german):
    InitiativeFactory(organization=tenancy.org, name="Only one")
    page = german.get(reverse("initiatives:list", args=[tenancy.org.slug])).content.decode()
    assert "1 Initiative." in page and "Neue Initiative" in page


def test_the_list_filters_and_sort_read_in_german(tenancy, german):
    InitiativeFactory(organization=tenancy.org, name="Queue kiosk")
    page = german.get(reverse("initiatives:list", args=[tenancy.org.slug])).content.decode()
    for word in ("Jeder Status", "Jeder aktive", "Sortierung:", "Jede Abteilung",
                 "Ausrichtungswert (absteigend)", "Monatliche Kosten</a>"):
        assert word in page, word
    for word in ("Any status", "Any active", "Sort:", "Any department", "(descending)",
                 "Monthly cost"):
        assert word not in page, word


def test_the_alignment_score_explained_in_german():
    from types import SimpleNamespace

    from alignment_portal.scoring import constants as scoring
    from initiatives.selectors import alignment_parts

    score = SimpleNamespace(line_of_sight=0.0, measurement=scoring.MEASUREMENT_NONE,
                            freshness=0.0)
    with translation.override("de"):
        words = " ".join(f"{p.label}: {p.explanation}" for p in alignment_parts(score))
    assert "Sichtlinie: sie dient keinem aktiven Ziel" in words
    assert "Messung: keine Kennzahl misst sie" in words and "Aktualität:" in words
    assert "Line of sight" not in words and "no metric" not in words


def test_a_change_made_by_the_system_reads_in_german(tenancy, german):
    initiative = InitiativeFactory(organization=tenancy.org, name="Queue kiosk")
    page = german.get(reverse("initiatives:detail", args=[tenancy.org.slug, initiative.pk])
                      ).content.decode()
    assert "<strong>das System</strong> erstellte" in page
    assert "the system" not in page and "</strong> created" not in page


def test_the_list_caption_names_the_sort_column_and_direction_in_german(tenancy, german):
    InitiativeFactory(organization=tenancy.org, name="Queue kiosk")
    url = reverse("initiatives:list", args=[tenancy.org.slug])
    page = german.get(url, {"sort": "-monthly_cost"}).content.decode()
    assert "Initiativen, sortiert nach Monatliche Kosten (absteigend)" in page
    assert "-monthly_cost" not in page.split("<caption", 1)[1].split("</caption>", 1)[0]
    default = german.get(url).content.decode()
    assert "Initiativen, sortiert nach Name (aufsteigend)" in default
