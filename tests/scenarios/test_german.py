"""A scenario in German: the comparison's words and its money in the reader's format."""

import re

from django.test import Client
from django.urls import reverse
from django.utils import translation


def test_the_scenario_comparison_in_german(tenancy, plan, scenario):
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(tenancy.user("consultant"))
    with translation.override("en"):
        page = client.get(reverse("scenarios:detail", args=[tenancy.org.slug, scenario.pk])
                          ).content.decode()
    assert "Vorher und nachher" in page and "Nicht ausgerichtete Ausgaben" in page
    assert "Änderung hinzufügen" in page
    currency = tenancy.org.currency
    assert f"{currency} pro Monat" in page
    # the misaligned spend before and after, in dollars as German writes them
    assert len(re.findall(r'<td class="num">(?:<strong>)?\d[\d.]*,\d\d\xa0\$', page)) >= 2
