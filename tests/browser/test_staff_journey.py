"""A staff member on a phone logs five values with the keyboard alone."""

import pytest
from django.utils import timezone

from alignment_portal.organizations.models import Role
from metrics.models import MetricValue
from tests.browser.conftest import PHONE
from tests.factories import PASSWORD, MembershipFactory, MetricFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)

NAMES = ["A orders packed", "B customer wait at peak", "C first-call resolution",
         "D refunds issued", "E repeat customers"]


@pytest.fixture
def shop():
    organization = OrganizationFactory(name="Corner Shop", slug="corner")
    staff = MembershipFactory(organization=organization, role=Role.STAFF,
                              user__username="sam-staff").user
    units = ["count", "minutes", "%", "count", "%"]
    metrics = [MetricFactory(organization=organization, name=name, unit=unit, owner=staff,
                             frequency="weekly") for name, unit in zip(NAMES, units, strict=True)]
    return organization, metrics


def _active_id(page) -> str:
    return page.evaluate("document.activeElement && document.activeElement.id")


def _tab_to(page, element_id: str, limit: int = 60):
    for _ in range(limit):
        if _active_id(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def test_staff_logs_five_values_by_keyboard_on_a_phone(journey, shop):
    organization, metrics = shop
    person = journey(PHONE)
    person.sign_in("sam-staff", PASSWORD)
    person.go(f"/o/{organization.slug}/metrics/log/")
    page = person.page

    ids = [f"m{metric.pk}-value" for metric in metrics]
    _tab_to(page, ids[0])
    typed = ["42", "6.5", "140", "3", "55"]  # the third is a % above 100: refused in place
    for n, (field_id, value) in enumerate(zip(ids, typed, strict=True)):
        assert _active_id(page) == field_id
        page.keyboard.type(value)
        page.keyboard.press("Enter")
        row = page.locator(f"#row-{metrics[n].pk}")
        if value == "140":
            row.locator(".errorlist").wait_for()
            assert "outside 0-100" in row.inner_text()
            person.audit(again=True)  # the error shown in place is accessible too
            page.wait_for_function(f"document.activeElement.id === '{field_id}'")
            page.keyboard.press("Control+A")
            page.keyboard.type("88")
            page.keyboard.press("Enter")
            page.locator(f"#row-{metrics[n].pk}.saved").wait_for()
        else:
            page.locator(f"#row-{metrics[n].pk}.saved").wait_for()
        if n + 1 < len(ids):
            page.wait_for_function(f"document.activeElement.id === '{ids[n + 1]}'")
    person.audit(again=True)  # every row saved

    stored = dict(MetricValue.objects.filter(organization=organization)
                  .values_list("metric__name", "value"))
    assert {name: float(value) for name, value in stored.items()} == {
        NAMES[0]: 42, NAMES[1]: 6.5, NAMES[2]: 88, NAMES[3]: 3, NAMES[4]: 55}

    # The value is on the metric's page, with who entered it.
    person.go(f"/o/{organization.slug}/metrics/{metrics[2].pk}/")
    body = page.locator("main").inner_text()
    assert "88" in body and "sam-staff" in body
    assert not person.console_errors, person.console_errors
    # No horizontal scrolling at phone width.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    assert timezone.now()  # the journey ran against the live server's clock
