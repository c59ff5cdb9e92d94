"""The dashboard, the quarterly report and the portfolio for a German reader: German words,
money as Germans write it ("202,00 €"), and the cached page kept apart per language."""

import pytest
from django.urls import reverse

from alignment_portal.lib import formats
from alignment_portal.scoring.models import OrganizationScore
from goals.models import Cycle
from tests.dashboards.conftest import populate

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


@pytest.fixture
def euro_org(tenancy):
    tenancy.org.currency = "EUR"
    tenancy.org.save(update_fields=["currency"])
    populate(tenancy.org, 4)
    return tenancy.org


def test_the_dashboard_reads_in_german_with_euros_as_germans_write_them(tenancy, euro_org):
    score = OrganizationScore.objects.get(organization=euro_org)
    body = tenancy.client("owner").get(reverse("dashboard", args=[euro_org.slug]),
                                       **GERMAN).content.decode()
    assert f"Reifegrad: Stufe {score.rung}" in body
    for german in ("Nicht ausgerichtete Ausgaben", "pro Monat", "Prioritätsziele",
                   "Offene Hinweise", "Die fünf Dimensionen"):
        assert german in body, german
    spend = formats.money(score.misaligned_spend, "EUR", locale="de")
    assert "," in spend and spend.endswith("\xa0€")  # "202,00 €", not "€202.00"
    assert f'<p class="stat">{spend} <span class="per">pro Monat</span></p>' in body
    assert "Misaligned spend" not in body


def test_a_german_reader_does_not_leave_german_in_the_cache_for_the_next_one(tenancy,
                                                                             euro_org):
    url = reverse("dashboard", args=[euro_org.slug])
    client = tenancy.client("viewer")
    assert "Prioritätsziele" in client.get(url, **GERMAN).content.decode()
    english = client.get(url).content.decode()
    assert "Priority goals" in english and "Prioritätsziele" not in english
    assert "Prioritätsziele" in client.get(url, **GERMAN).content.decode()


def test_the_quarterly_report_reads_in_german(tenancy, euro_org):
    closed = Cycle.objects.get(organization=euro_org, state="closed")
    body = tenancy.client("viewer").get(
        reverse("dashboards:report", args=[euro_org.slug, closed.pk]), **GERMAN
    ).content.decode()
    assert f"Quartalsbericht: {closed.name}" in body
    assert "Nicht ausgerichtete Ausgaben pro Monat" in body and "CSV herunterladen" in body
    assert "\xa0€ (" in body  # the spend at the start and the end, in euros


def test_the_portfolio_reads_in_german(tenancy, euro_org):
    body = tenancy.client_for(tenancy.users["consultant"]).get(
        reverse("portfolio"), **GERMAN).content.decode()
    assert "Ihre Organisationen" in body and "Median Ihrer Kunden" in body
    assert "2 von 2 Organisationen, neben dem Median aller 2." in body


def test_the_dashboard_names_rungs_severities_and_the_dimensions_chart_in_german(tenancy,
                                                                                  euro_org):
    import json

    client = tenancy.client("owner")
    body = client.get(reverse("dashboard", args=[euro_org.slug]), **GERMAN).content.decode()
    for german in ("Definiert", "Ausgerichtet", "Integriert", "Optimierend"):
        assert german in body, german
    for german in ("Hoch", "Mittel", "Niedrig"):
        assert f"</span> {german} <span class=\"muted\">" in body, german
    for english in ("Defined", "Integrated", "Optimizing", "</span> High <span"):
        assert english not in body, english

    chart_url = reverse("dashboards:dimensions_chart", args=[euro_org.slug])
    chart = client.get(chart_url, **GERMAN).content.decode()
    assert "Die fünf Dimensionen jetzt: D1 Ziele" in chart  # the text alternative
    assert "D2 Ausrichtung" in chart and "D1 Goals" not in chart
    assert "<figcaption>Die fünf Dimensionen</figcaption>" in chart
    figure = json.loads(chart.split('class="chart-data">', 1)[1].split("</script>")[0])
    assert "D1 Ziele" in [y for trace in figure["data"] for y in trace["y"]]
    assert "Jetzt" in [trace["name"] for trace in figure["data"]]

    english = client.get(chart_url).content.decode()
    assert "The five dimensions now: D1 Goals" in english and "D1 Ziele" not in english
    english_body = client.get(reverse("dashboard", args=[euro_org.slug])).content.decode()
    assert "Optimizing" in english_body and "</span> High <span" in english_body
    assert "Optimierend" not in english_body


def test_the_report_of_a_running_cycle_says_now_in_german(tenancy, scored):
    url = reverse("dashboards:report", args=[tenancy.org.slug, scored.pk])
    body = tenancy.client("viewer").get(url, **GERMAN).content.decode()
    assert "Jetzt (der Zyklus läuft noch)" in body and "Beginn" in body
    assert "Now (the cycle is not over)" not in body


def test_the_report_of_a_closed_cycle_says_its_end_in_german(tenancy, scored):
    closed = Cycle.objects.get(organization=tenancy.org, state="closed")
    url = reverse("dashboards:report", args=[tenancy.org.slug, closed.pk])
    body = tenancy.client("viewer").get(url, **GERMAN).content.decode()
    assert "Ende (beim Abschluss)" in body and "End (at closing)" not in body
