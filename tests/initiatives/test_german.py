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
