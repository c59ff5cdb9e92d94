from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from alignment_portal.organizations.models import Membership, Organization, Role
from tests.factories import PASSWORD

User = get_user_model()


SIGN_UP = {"username": "maria", "email": "maria@example.com",
           "organization_name": "Maria's Cafe",
           "password1": "a-long-pass-phrase-1", "password2": "a-long-pass-phrase-1"}


def _link(message) -> str:
    return next(word for word in message.body.split() if "/accounts/signup/confirm/" in word)


def test_sign_up_creates_the_account_and_its_first_organization_once_confirmed(client, db):
    response = client.post(reverse("signup"), SIGN_UP)
    assert "Check your inbox" in response.content.decode()
    organization = Organization.objects.get(name="Maria's Cafe")
    membership = Membership.objects.get(organization=organization)
    assert membership.user.username == "maria" and membership.role == Role.OWNER
    assert not membership.user.is_active  # not until the link is opened
    assert client.post(reverse("login"), {"username": "maria",
                                          "password": SIGN_UP["password1"]}).status_code == 200
    [message] = mail.outbox
    assert message.to == ["maria@example.com"]
    response = client.get(_link(message).replace("http://127.0.0.1:8000", ""))
    assert response.url == reverse("dashboard", args=[organization.slug])
    assert client.get(response.url).status_code == 200  # signed in
    # The link works once.
    client.post(reverse("logout"))
    again = client.get(_link(message).replace("http://127.0.0.1:8000", ""))
    assert again.status_code == 410 and "not valid any more" in again.content.decode()


def _main(body: str, email: str) -> str:
    """The page's main content with the address typed replaced (the nonce and CSRF token of
    the head differ on every response)."""
    main = body[body.index("<main"):body.index("</main>")]
    return main.replace(email, "EMAIL").replace(email.upper(), "EMAIL")


def test_sign_up_with_a_taken_email_answers_the_same_and_mails_the_owner(tenancy, client):
    """The probe: sign-up said "An account with this email exists already", which tells
    anyone who is a customer."""
    new = client.post(reverse("signup"), SIGN_UP).content.decode()
    taken = client.post(reverse("signup"), {
        **SIGN_UP, "username": "someone-else",
        "email": tenancy.user("owner").email.upper()}).content.decode()
    assert _main(new, "maria@example.com") == _main(taken, tenancy.user("owner").email)
    assert not User.objects.filter(username="someone-else").exists()
    notice = mail.outbox[-1]
    assert notice.to == [tenancy.user("owner").email]
    assert "Someone tried to sign up with your address" in notice.subject
    assert "/accounts/signup/confirm/" not in notice.body


def test_sign_up_mails_are_limited_per_address(client, db):
    for n in range(5):
        client.post(reverse("signup"), {**SIGN_UP, "username": f"maria{n}"})
    assert len(mail.outbox) == 3  # SIGNUP_MAILS_PER_ADDRESS_PER_HOUR


def test_sign_ups_are_limited_per_client(client, db):
    codes = [client.post(reverse("signup"), {**SIGN_UP, "username": f"u{n}",
                                             "email": f"u{n}@example.com"}).status_code
             for n in range(11)]
    assert codes[:10] == [200] * 10 and codes[10] == 429


def test_password_reset_mails_are_limited_per_address_and_requests_per_client(tenancy, client):
    email = tenancy.user("owner").email
    for _ in range(5):
        response = client.post(reverse("password_reset"), {"email": email})
        assert response.status_code == 302  # the same answer every time
    assert len(mail.outbox) == 3
    codes = [client.post(reverse("password_reset"), {"email": f"x{n}@example.com"}).status_code
             for n in range(6)]
    assert codes[-1] == 429


def test_unconfirmed_accounts_are_deleted_after_a_week_with_their_organization(client, db):
    from datetime import timedelta

    from django.utils import timezone

    from alignment_portal.organizations.services import unconfirmed_accounts_purge

    client.post(reverse("signup"), SIGN_UP)
    User.objects.filter(username="maria").update(
        date_joined=timezone.now() - timedelta(days=8))
    assert unconfirmed_accounts_purge() == 1
    assert not User.objects.filter(username="maria").exists()
    assert not Organization.objects.filter(name="Maria's Cafe").exists()


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
