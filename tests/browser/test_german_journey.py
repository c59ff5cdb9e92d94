"""A German-speaking owner: the browser asks for German, the portal answers in German, a value
typed with a decimal comma is stored as the number it is, and numbers read back German."""

from decimal import Decimal

import pytest

from alignment_portal.organizations.models import Role
from metrics.models import MetricValue
from tests.browser.conftest import DESKTOP, PHONE
from tests.factories import PASSWORD, MembershipFactory, MetricFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bakery():
    organization = OrganizationFactory(name="Bäckerei Sonne", slug="sonne", currency="EUR")
    owner = MembershipFactory(organization=organization, role=Role.OWNER,
                              user__username="greta-owner").user
    metric = MetricFactory(organization=organization, name="Wartezeit zur Stoßzeit",
                           unit="minutes", owner=owner, frequency="weekly")
    return organization, metric


def _german(journey, viewport):
    person = journey(viewport)
    person.page.context.set_extra_http_headers({"Accept-Language": "de-DE,de;q=0.9"})
    return person


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_a_german_owner_logs_a_decimal_comma_and_reads_german(journey, bakery, viewport):
    organization, metric = bakery
    person = _german(journey, viewport)
    page = person.page
    person.go("/accounts/login/")
    assert page.locator("html").get_attribute("lang") == "de"
    page.get_by_label("Benutzername").fill("greta-owner")
    page.get_by_label("Passwort").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()

    person.go(f"/o/{organization.slug}/metrics/log/")
    assert page.get_by_role("link", name="Ziele").count() == 1
    field = page.locator(f"#m{metric.pk}-value")
    field.fill("6,5")
    field.press("Enter")
    page.locator(f"#row-{metric.pk}.saved").wait_for()
    person.audit(again=True)
    assert MetricValue.objects.get(metric=metric).value == Decimal("6.5")

    person.go(f"/o/{organization.slug}/metrics/{metric.pk}/")
    assert "6,5" in page.locator("main").inner_text()

    person.go(f"/o/{organization.slug}/")
    main = page.locator("main").inner_text()
    assert "Dashboard" in page.title() or organization.name in page.title()
    assert page.get_by_role("link", name="Kennzahlen").count() >= 1
    for english in ("Sign out", "Goals", "Metrics", "Log values"):
        assert english not in main, f"{english!r} left in English on the dashboard"
    assert not person.console_errors, person.console_errors
