"""The metrics pages in German: the reader's language, and numbers with a decimal comma."""

from datetime import date

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.factories import MetricFactory, MetricValueFactory


@pytest.fixture
def german(tenancy):
    """A staff member whose browser asks for German; English again after the test."""
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(tenancy.user("staff"))
    with translation.override("en"):
        yield client


@pytest.fixture
def wait_time(tenancy):
    metric = MetricFactory(organization=tenancy.org, name="Wait time", unit="minutes",
                           frequency="monthly")
    MetricValueFactory(metric=metric, period=date(2026, 1, 1), value="5.9")
    return metric


def test_log_values_speaks_german_with_a_decimal_comma(tenancy, german, wait_time):
    page = german.get(reverse("metrics:log", args=[tenancy.org.slug])).content.decode()
    assert "<h1>Werte erfassen</h1>" in page
    assert "Zuletzt: 5,90 minutes, " in page and "Last: " not in page
    assert f'<label for="m{wait_time.pk}-value">Wert für ' in page
    assert "Speichern" in page


def test_log_values_stays_english_without_the_header(tenancy, wait_time):
    page = tenancy.client("staff").get(reverse("metrics:log", args=[tenancy.org.slug]))
    body = page.content.decode()
    assert "Last: 5.90 minutes, " in body and "Value for " in body and "Zuletzt" not in body


def test_metric_detail_in_german(tenancy, german, wait_time):
    page = german.get(reverse("metrics:detail", args=[tenancy.org.slug, wait_time.pk])
                      ).content.decode()
    assert "Neuester Wert 5,90 minutes für " in page
    assert "Verlauf ersetzter Werte" in page and "Alle Kennzahlen" in page


def test_the_to_do_list_counts_in_german(tenancy, german):
    for name in ("Wait time", "Online sales"):
        MetricFactory(organization=tenancy.org, name=name, owner=tenancy.user("staff"))
    page = german.get(reverse("metrics:todo", args=[tenancy.org.slug])).content.decode()
    assert "2 Werte in Ihrer Verantwortung sind fällig oder überfällig." in page
