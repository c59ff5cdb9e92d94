"""Staff on a phone (issue 15, item 4): they land on what they owe, the first due field is
focused, and the rows keep their order from one visit to the next."""

import re
from datetime import date

import time_machine
from django.urls import reverse

from tests.factories import MetricFactory, MetricValueFactory


def _row_names(html: str) -> list[str]:
    return re.findall(r'class="log-name"[^>]*>([^<]+)</a>', html)


def test_staff_land_on_log_values(tenancy):
    response = tenancy.client("staff").get(reverse("home"))
    assert response.url == reverse("metrics:log", args=[tenancy.org.slug])


def test_planners_still_land_on_the_dashboard(tenancy):
    response = tenancy.client("owner").get(reverse("home"))
    assert response.url == reverse("dashboard", args=[tenancy.org.slug])


@time_machine.travel(date(2026, 11, 18), tick=False)
def test_log_values_keeps_its_row_order_after_a_value_is_logged_and_focuses_the_first_due(
        tenancy):
    staff = tenancy.user("staff")
    logged = MetricFactory(organization=tenancy.org, name="Alpha", frequency="weekly")
    MetricValueFactory(organization=tenancy.org, metric=logged, period=date(2026, 11, 16),
                       value=3)
    MetricFactory(organization=tenancy.org, name="Bravo", frequency="weekly", owner=staff)
    MetricFactory(organization=tenancy.org, name="Charlie", frequency="weekly")
    client = tenancy.client("staff")
    url = reverse("metrics:log", args=[tenancy.org.slug])
    before = client.get(url).content.decode()
    assert _row_names(before) == ["Bravo", "Alpha", "Charlie"]  # mine first, then by name
    # The first field due is focused: Bravo's (Alpha is logged for this week).
    focused = re.findall(r'id="m(\d+)-value" class="log-value" autofocus', before)
    assert len(focused) == 1
    assert f'id="row-{focused[0]}-name" class="log-name" href' in before
    assert re.search(rf'id="row-{focused[0]}-name"[^>]*>Bravo<', before)
    bravo = focused[0]
    client.post(reverse("metrics:log_value", args=[tenancy.org.slug, bravo]),
                {"value": "5", "period": "2026-11-18", "note": ""})
    after = client.get(url).content.decode()
    assert _row_names(after) == ["Bravo", "Alpha", "Charlie"]
    assert re.search(r'>Charlie<', after)
    now_focused = re.findall(r'id="m(\d+)-value" class="log-value" autofocus', after)
    assert now_focused and now_focused != [bravo]
