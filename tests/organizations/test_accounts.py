from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from alignment_portal.organizations.models import Membership, Organization, Role
from tests.factories import PASSWORD

User = get_user_model()


def test_sign_up_creates_the_account_and_its_first_organization(client, db):
    response = client.post(reverse("signup"), {
        "username": "maria", "email": "maria@example.com", "organization_name": "Maria's Cafe",
        "password1": "a-long-pass-phrase-1", "password2": "a-long-pass-phrase-1"})
    organization = Organization.objects.get(name="Maria's Cafe")
    assert response.url == reverse("dashboard", args=[organization.slug])
    membership = Membership.objects.get(organization=organization)
    assert membership.user.username == "maria" and membership.role == Role.OWNER
    assert client.get(response.url).status_code == 200  # signed in


def test_sign_up_with_a_weak_password_saves_nothing(client, db):
    response = client.post(reverse("signup"), {
        "username": "maria", "email": "maria@example.com", "organization_name": "Cafe",
        "password1": "123", "password2": "123"})
    assert response.status_code == 200
    assert not User.objects.exists() and not Organization.objects.exists()


def test_login_rotates_the_session_and_logout_ends_it(tenancy, client):
    client.get(reverse("login"))
    before = client.cookies.get("sessionid")
    response = client.post(reverse("login"), {"username": "acme-owner", "password": PASSWORD})
    assert response.status_code == 302
    session_key = client.session.session_key
    assert session_key and (before is None or before.value != session_key)
    client.post(reverse("logout"))
    response = client.get(reverse("dashboard", args=[tenancy.org.slug]))
    assert response.status_code == 302


def test_five_failures_lock_the_username_from_that_address(tenancy, client):
    url = reverse("login")
    for _ in range(5):
        response = client.post(url, {"username": "acme-owner", "password": "wrong"})
    response = client.post(url, {"username": "acme-owner", "password": PASSWORD})
    assert response.status_code == 429
    assert "locked for 15 minutes" in response.content.decode()
    # Another username from the same address is not locked.
    response = client.post(url, {"username": "acme-staff", "password": PASSWORD})
    assert response.status_code == 302
    # The same username from another address is not locked either.
    response = client.post(url, {"username": "acme-owner", "password": PASSWORD},
                           REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 302


def test_password_reset_emails_a_link(tenancy, client):
    client.post(reverse("password_reset"), {"email": "acme-owner@example.com"})
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_password_change(tenancy):
    client = tenancy.client("owner")
    response = client.post(reverse("password_change"), {
        "old_password": PASSWORD, "new_password1": "another-long-phrase-2",
        "new_password2": "another-long-phrase-2"})
    assert response.status_code == 302
    assert User.objects.get(username="acme-owner").check_password("another-long-phrase-2")


def _fail_five_times(client, username, **extra):
    for _ in range(5):
        client.post(reverse("login"), {"username": username, "password": "wrong"}, **extra)


def test_behind_a_proxy_one_client_locked_out_does_not_lock_out_the_others(tenancy, client,
                                                                           settings):
    """The probe: the throttle keyed on REMOTE_ADDR, the proxy's address, so 5 wrong passwords
    from anyone locked the user out for everyone."""
    settings.PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    _fail_five_times(client, "acme-owner", HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    locked = client.post(reverse("login"), {"username": "acme-owner", "password": PASSWORD},
                         HTTP_X_FORWARDED_FOR="203.0.113.5", **proxy)
    assert locked.status_code == 429
    other = client.post(reverse("login"), {"username": "acme-owner", "password": PASSWORD},
                        HTTP_X_FORWARDED_FOR="198.51.100.7", **proxy)
    assert other.status_code == 302


def test_a_client_cannot_dodge_the_lock_by_forging_x_forwarded_for(tenancy, client, settings):
    settings.PROXY_COUNT = 1
    proxy = {"REMOTE_ADDR": "10.0.0.2"}
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"):
        # The proxy appends the real client (203.0.113.5) after what the client sent.
        client.post(reverse("login"), {"username": "acme-owner", "password": "wrong"},
                    HTTP_X_FORWARDED_FOR=f"{forged}, 203.0.113.5", **proxy)
    response = client.post(reverse("login"), {"username": "acme-owner", "password": PASSWORD},
                           HTTP_X_FORWARDED_FOR="9.9.9.9, 203.0.113.5", **proxy)
    assert response.status_code == 429


def test_without_a_proxy_x_forwarded_for_is_ignored(tenancy, client, settings):
    settings.PROXY_COUNT = 0
    for n in range(5):
        client.post(reverse("login"), {"username": "acme-owner", "password": "wrong"},
                    HTTP_X_FORWARDED_FOR=f"192.0.2.{n}")
    response = client.post(reverse("login"), {"username": "acme-owner", "password": PASSWORD},
                           HTTP_X_FORWARDED_FOR="192.0.2.200")
    assert response.status_code == 429
