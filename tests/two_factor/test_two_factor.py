"""Two-factor sign-in as a person meets it: turning it on, signing in with a code or a
recovery code, wrong codes locked out with the passwords, and an owner's requirement."""

import re
from datetime import UTC, datetime

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from alignment_portal.api.models import Scope
from alignment_portal.api.services import api_token_create
from alignment_portal.organizations.models import SecurityEvent, SecurityEventKind
from alignment_portal.two_factor import services
from tests.factories import PASSWORD

START = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock():
    with time_machine.travel(START, tick=False) as traveller:
        yield traveller


def code_of(device: TOTPDevice) -> str:
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


def turn_on(client: Client, clock) -> list[str]:
    """The account page's flow: start, scan, confirm; returns the recovery codes shown."""
    client.post(reverse("two_factor"), {"action": "start"})
    user_id = int(client.session["_auth_user_id"])
    device = TOTPDevice.objects.get(user_id=user_id, confirmed=False)
    response = client.post(reverse("two_factor"), {"action": "confirm", "code": code_of(device)})
    assert response.status_code == 200
    clock.shift(31)  # the next code is a new one (a code works once)
    return re.findall(r"<li><code>([0-9a-z]+)</code></li>", response.content.decode())


def sign_in_with_password(user) -> Client:
    client = Client()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def kinds_logged(organization, kind) -> int:
    return SecurityEvent.objects.filter(organization=organization, kind=kind).count()


def test_a_user_turns_two_factor_on_after_confirming_a_code(tenancy, clock):
    user = tenancy.user("staff")
    client = tenancy.client("staff")
    page = client.post(reverse("two_factor"), {"action": "start"}).content.decode()
    assert "<svg" in page and "Enter this key in the app" in page
    assert not services.has_two_factor(user)  # shown, not yet on
    device = TOTPDevice.objects.get(user=user)
    wrong = client.post(reverse("two_factor"), {"action": "confirm", "code": "000000"})
    assert wrong.status_code == 400 and "does not match" in wrong.content.decode()
    assert not services.has_two_factor(user)
    clock.shift(31)
    page = client.post(reverse("two_factor"),
                       {"action": "confirm", "code": code_of(device)}).content.decode()
    codes = re.findall(r"<li><code>([0-9a-z]+)</code></li>", page)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert services.has_two_factor(user)
    # Shown once: the page does not show them again.
    again = client.get(reverse("two_factor")).content.decode()
    assert not any(code in again for code in codes) and "10</strong> of 10" in again
    assert kinds_logged(tenancy.org, SecurityEventKind.TWO_FACTOR_ENABLED) == 1


def test_sign_in_asks_for_the_code_after_the_password(tenancy, clock):
    user = tenancy.user("staff")
    turn_on(tenancy.client("staff"), clock)
    signed_in_before = kinds_logged(tenancy.org, SecurityEventKind.SIGN_IN)
    client = sign_in_with_password(user)
    assert client.get(reverse("dashboard", args=[tenancy.org.slug])).status_code == 302
    assert kinds_logged(tenancy.org, SecurityEventKind.SIGN_IN) == signed_in_before
    assert "_auth_user_id" not in client.session  # not signed in before the code
    page = client.get(reverse("two_factor_verify"))
    assert page.status_code == 200 and "Two-factor code" in page.content.decode()
    response = client.post(reverse("two_factor_verify"),
                           {"code": code_of(TOTPDevice.objects.get(user=user))})
    assert response.status_code == 302
    assert client.get(reverse("dashboard", args=[tenancy.org.slug])).status_code == 200
    assert kinds_logged(tenancy.org, SecurityEventKind.SIGN_IN) == signed_in_before + 1


def test_the_code_must_follow_the_password_within_five_minutes(tenancy, clock):
    user = tenancy.user("staff")
    turn_on(tenancy.client("staff"), clock)
    client = sign_in_with_password(user)
    clock.shift(301)
    response = client.post(reverse("two_factor_verify"),
                           {"code": code_of(TOTPDevice.objects.get(user=user))})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session


def test_a_recovery_code_signs_in_once(tenancy, clock):
    user = tenancy.user("staff")
    codes = turn_on(tenancy.client("staff"), clock)
    client = sign_in_with_password(user)
    assert client.post(reverse("two_factor_verify"), {"code": codes[0]}).status_code == 302
    assert client.get(reverse("dashboard", args=[tenancy.org.slug])).status_code == 200
    assert services.recovery_codes_left(user) == 9
    assert kinds_logged(tenancy.org, SecurityEventKind.RECOVERY_CODE_USED) == 1
    clock.shift(60)
    again = sign_in_with_password(user)
    refused = again.post(reverse("two_factor_verify"), {"code": codes[0]})
    assert refused.status_code == 400 and "not right" in refused.content.decode()
    assert "_auth_user_id" not in again.session


def test_wrong_codes_are_locked_out_with_the_passwords(tenancy, clock, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = tenancy.user("staff")
    turn_on(tenancy.client("staff"), clock)
    client = sign_in_with_password(user)
    answers = []
    for _ in range(3):
        clock.shift(31)
        answers.append(client.post(reverse("two_factor_verify"), {"code": "123456"}).status_code)
    assert answers == [400, 400, 429]
    clock.shift(31)
    # Locked: even the right code is refused, and so is the password.
    right = client.post(reverse("two_factor_verify"),
                        {"code": code_of(TOTPDevice.objects.get(user=user))})
    assert right.status_code == 429 and "_auth_user_id" not in client.session
    password = Client().post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert password.status_code == 429
    assert kinds_logged(tenancy.org, SecurityEventKind.TWO_FACTOR_FAILED) == 3
    # Locked by the third code, and again by the password tried while locked.
    assert kinds_logged(tenancy.org, SecurityEventKind.SIGN_IN_LOCKED) >= 1


def test_turning_two_factor_off_needs_a_current_code(tenancy, clock):
    user = tenancy.user("staff")
    client = tenancy.client("staff")
    codes = turn_on(client, clock)
    refused = client.post(reverse("two_factor"), {"action": "disable", "code": "999999"})
    assert refused.status_code == 400 and services.has_two_factor(user)
    clock.shift(31)
    client.post(reverse("two_factor"), {"action": "disable", "code": codes[3]})
    assert not services.has_two_factor(user) and services.recovery_codes_left(user) == 0
    assert kinds_logged(tenancy.org, SecurityEventKind.TWO_FACTOR_DISABLED) == 1
    assert kinds_logged(tenancy.org, SecurityEventKind.TWO_FACTOR_FAILED) == 1


def test_new_recovery_codes_replace_the_old_ones(tenancy, clock):
    user = tenancy.user("staff")
    client = tenancy.client("staff")
    old = turn_on(client, clock)
    page = client.post(reverse("two_factor"), {
        "action": "recovery_codes",
        "code": code_of(TOTPDevice.objects.get(user=user))}).content.decode()
    new = re.findall(r"<li><code>([0-9a-z]+)</code></li>", page)
    assert len(new) == 10 and not set(new) & set(old)
    assert services.code_check(user=user, code=old[0]) is None
    clock.shift(31)  # past django-otp's own back-off after a failure
    assert services.code_check(user=user, code=new[0]) is not None


def _require(tenancy, clock) -> Client:
    owner = tenancy.client("owner")
    turn_on(owner, clock)
    response = owner.post(reverse("organization_two_factor", args=[tenancy.org.slug]),
                          {"require_two_factor": "on"})
    assert response.status_code == 302
    tenancy.org.refresh_from_db()
    assert tenancy.org.require_two_factor
    return owner


def test_an_owner_without_two_factor_cannot_require_it(tenancy):
    owner = tenancy.client("owner")
    response = owner.post(reverse("organization_two_factor", args=[tenancy.org.slug]),
                          {"require_two_factor": "on"}, follow=True)
    assert "for yourself first" in response.content.decode()
    tenancy.org.refresh_from_db()
    assert not tenancy.org.require_two_factor


def test_members_without_two_factor_are_sent_to_set_it_up(tenancy, clock):
    owner = _require(tenancy, clock)
    assert owner.get(reverse("dashboard", args=[tenancy.org.slug])).status_code == 200
    staff = tenancy.client("staff")
    dashboard = reverse("goals:list", args=[tenancy.org.slug])
    response = staff.get(dashboard)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("two_factor") + "?next=")
    # Every organization page, POSTs too: the access helper decides, no view escapes it.
    assert staff.post(reverse("members", args=[tenancy.org.slug])).status_code == 302
    page = staff.get(response["Location"]).content.decode()
    assert "Acme Bakery requires two-factor sign-in" in page
    # Another organization of the same person is not affected.
    other = tenancy.client("consultant", tenancy.other_org)
    assert other.get(reverse("dashboard", args=[tenancy.other_org.slug])).status_code == 200
    turn_on(staff, clock)
    assert staff.get(dashboard).status_code == 200
    assert kinds_logged(tenancy.org, SecurityEventKind.SETTINGS_CHANGED) == 1


def test_a_member_with_two_factor_but_an_unverified_session_gives_a_code(tenancy, clock):
    user = tenancy.user("staff")
    turn_on(tenancy.client("staff"), clock)
    _require(tenancy, clock)
    client = tenancy.client("staff")  # signed in without a code (a session from before)
    goals = reverse("goals:list", args=[tenancy.org.slug])
    response = client.get(goals)
    assert response["Location"].startswith(reverse("two_factor_verify") + "?next=")
    clock.shift(31)
    back = client.post(response["Location"],
                       {"code": code_of(TOTPDevice.objects.get(user=user)), "next": goals})
    assert back.status_code == 302 and back["Location"] == goals
    assert client.get(goals).status_code == 200


def test_outsiders_still_get_404_from_an_organization_that_requires_two_factor(tenancy, clock):
    _require(tenancy, clock)
    outsider = tenancy.client_for(tenancy.users["outsider"])
    assert outsider.get(reverse("dashboard", args=[tenancy.org.slug])).status_code == 404


def test_api_tokens_keep_working_when_two_factor_is_required(tenancy, clock, client):
    _require(tenancy, clock)
    _, token = api_token_create(organization=tenancy.org, name="bi", scope=Scope.READ)
    response = client.get("/api/v1/metrics", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200


@pytest.mark.parametrize("role", ["viewer", "staff", "consultant"])
def test_only_owners_set_the_requirement(tenancy, role):
    response = tenancy.client(role).post(
        reverse("organization_two_factor", args=[tenancy.org.slug]), {"require_two_factor": "on"})
    assert response.status_code == 403
    tenancy.org.refresh_from_db()
    assert not tenancy.org.require_two_factor


def test_the_next_address_cannot_leave_the_site(tenancy, clock):
    user = tenancy.user("staff")
    turn_on(tenancy.client("staff"), clock)
    client = sign_in_with_password(user)
    response = client.post(reverse("two_factor_verify") + "?next=https://evil.example/",
                           {"code": code_of(TOTPDevice.objects.get(user=user)),
                            "next": "https://evil.example/"})
    assert response.status_code == 302 and "evil" not in response["Location"]


def test_the_members_page_says_who_has_two_factor(tenancy, clock):
    turn_on(tenancy.client("staff"), clock)
    page = tenancy.client("owner").get(reverse("members", args=[tenancy.org.slug]))
    body = page.content.decode()
    staff_row = body.split("acme-staff</td>")[1].split("</tr>")[0]
    viewer_row = body.split("acme-viewer</td>")[1].split("</tr>")[0]
    assert ">On<" in staff_row and ">Off<" in viewer_row


def test_an_htmx_request_is_sent_to_the_set_up_page_whole(tenancy, clock):
    _require(tenancy, clock)
    response = tenancy.client("staff").get(reverse("goals:list", args=[tenancy.org.slug]),
                                           HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith(reverse("two_factor") + "?next=")
