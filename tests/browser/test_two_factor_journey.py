"""An owner turns on two-factor sign-in on a phone, signs in again with a code, then opens
the export and deletion pages: every page passes axe-core."""

import re

import pytest
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from tests.browser.conftest import PHONE
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _code(user, confirmed) -> str:
    device = TOTPDevice.objects.get(user=user, confirmed=confirmed)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


def test_an_owner_turns_on_two_factor_and_signs_in_with_a_code(journey):
    organization = OrganizationFactory(name="Corner Shop", slug="corner")
    owner = UserFactory(username="corner-owner")
    MembershipFactory(user=owner, organization=organization, role="owner")
    person = journey(PHONE)
    person.sign_in("corner-owner", PASSWORD)
    page = person.page
    page.locator("details.account-menu summary").click()
    page.get_by_role("link", name="Two-factor").click()
    person.audit()
    page.get_by_role("button", name="Set up two-factor sign-in").click()
    expect(page.locator("svg.qr")).to_be_visible()
    person.audit(again=True)
    page.get_by_label("Six-digit code").fill(_code(owner, confirmed=False))
    page.get_by_role("button", name="Turn on two-factor").click()
    codes = page.locator(".recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    person.audit(again=True)
    page.locator("details.account-menu summary").click()
    page.get_by_role("button", name="Sign out").click()
    person.sign_in("corner-owner", PASSWORD)
    expect(page.get_by_role("heading", name="Two-factor code")).to_be_visible()
    person.audit()
    page.get_by_label(re.compile("Code from your authenticator app")).fill(codes[0])
    page.get_by_role("button", name="Continue").click()
    expect(page.locator(".messages")).to_contain_text("recovery code: 9 left")
    person.go("/o/corner/export/")
    person.go("/o/corner/settings/")
    person.go("/o/corner/delete/")
    page.get_by_label("Type the organization's name to confirm").fill("Corner Shop")
    page.get_by_role("button", name="Delete in 14 days").click()
    expect(page.locator(".deletion-notice")).to_contain_text("scheduled for deletion on")
    person.audit(again=True)
