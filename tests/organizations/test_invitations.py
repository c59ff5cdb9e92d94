from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from alignment_portal.organizations.models import Invitation, Membership, Role
from alignment_portal.organizations.services import invitation_create

User = get_user_model()


def _invite(tenancy, email="new@example.com", role="staff", inviter_role="owner"):
    inviter = Membership.objects.get(user=tenancy.user(inviter_role), organization=tenancy.org)
    return invitation_create(inviter=inviter, email=email, role=role)


def test_owner_invites_and_the_link_is_emailed_and_shown(
        tenancy, django_capture_on_commit_callbacks):
    client = tenancy.client("owner")
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("members", args=[tenancy.org.slug]),
                               {"email": "New@Example.com", "role": "staff"})
    body = response.content.decode()
    invitation = Invitation.objects.get(organization=tenancy.org)
    assert invitation.email == "new@example.com"
    assert len(mail.outbox) == 1
    link = next(word for word in mail.outbox[0].body.split() if "/invitations/" in word)
    assert link in body  # shown to copy
    assert invitation.token_hash not in body and invitation.token_hash not in link


def test_consultant_invites_staff_but_not_owners(tenancy):
    client = tenancy.client("consultant")
    url = reverse("members", args=[tenancy.org.slug])
    client.post(url, {"email": "owner2@example.com", "role": "owner"})
    assert not Invitation.objects.filter(email="owner2@example.com").exists()
    client.post(url, {"email": "staff2@example.com", "role": "staff"})
    assert Invitation.objects.filter(email="staff2@example.com", role="staff").exists()


def test_a_new_person_signs_up_through_the_link(tenancy, client):
    _, token = _invite(tenancy)
    url = reverse("invitation_accept", args=[token])
    assert "Create your account" in client.get(url).content.decode()
    response = client.post(url, {"username": "newbie", "email": "ignored@example.com",
                                 "password1": "a-long-pass-phrase-1", "password2":
                                 "a-long-pass-phrase-1"})
    assert response.url == reverse("dashboard", args=[tenancy.org.slug])
    user = User.objects.get(username="newbie")
    assert user.email == "new@example.com"  # the invited address, not the one posted
    assert Membership.objects.get(user=user, organization=tenancy.org).role == Role.STAFF


def test_an_existing_user_accepts_when_signed_in(tenancy):
    _, token = _invite(tenancy, email="outsider@example.com", role="viewer")
    client = tenancy.client_for(tenancy.users["outsider"])
    response = client.post(reverse("invitation_accept", args=[token]))
    assert response.status_code == 302
    assert Membership.objects.filter(user=tenancy.users["outsider"], organization=tenancy.org,
                                     role=Role.VIEWER).exists()


def test_a_used_link_gets_a_clear_page(tenancy):
    _, token = _invite(tenancy, email="outsider@example.com")
    client = tenancy.client_for(tenancy.users["outsider"])
    client.post(reverse("invitation_accept", args=[token]))
    response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410
    assert "used already" in response.content.decode()


def test_an_expired_link_gets_a_clear_page(tenancy, client):
    invitation, token = _invite(tenancy)
    Invitation.objects.filter(pk=invitation.pk).update(
        expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    client.post(reverse("invitation_accept", args=[token]),
                {"username": "late", "password1": "a-long-pass-phrase-1",
                 "password2": "a-long-pass-phrase-1"})
    assert not User.objects.filter(username="late").exists()


def test_a_revoked_link_gets_a_clear_page(tenancy, client):
    invitation, token = _invite(tenancy)
    tenancy.client("owner").post(
        reverse("invitation_revoke", args=[tenancy.org.slug, invitation.pk]))
    response = client.get(reverse("invitation_accept", args=[token]))
    assert response.status_code == 410
    assert "withdrawn" in response.content.decode()


def test_an_unknown_link_is_404_with_a_clear_page(client, db):
    response = client.get(reverse("invitation_accept", args=["not-a-token"]))
    assert response.status_code == 404
    assert "not a link we know" in response.content.decode()


def test_the_wrong_signed_in_email_cannot_accept(tenancy):
    _, token = _invite(tenancy, email="someone.else@example.com")
    client = tenancy.client_for(tenancy.users["outsider"])
    assert "was sent to someone.else@example.com" in client.get(
        reverse("invitation_accept", args=[token])).content.decode()
    response = client.post(reverse("invitation_accept", args=[token]))
    assert response.status_code == 200
    assert not Membership.objects.filter(user=tenancy.users["outsider"],
                                         organization=tenancy.org).exists()
    assert Invitation.objects.get(organization=tenancy.org).accepted_at is None


def test_inviting_a_member_again_is_refused(tenancy):
    response = tenancy.client("owner").post(
        reverse("members", args=[tenancy.org.slug]),
        {"email": tenancy.user("staff").email, "role": "viewer"})
    assert "already a member" in response.content.decode()
    assert not Invitation.objects.exists()


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b"])
def test_bad_email_is_refused_on_the_form(tenancy, email):
    response = tenancy.client("owner").post(reverse("members", args=[tenancy.org.slug]),
                                            {"email": email, "role": "staff"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()
    assert not Invitation.objects.exists()


def test_an_invitation_whose_email_failed_is_not_reported_as_emailed(tenancy, monkeypatch):
    """The probe: invitation emails failed while the page said "Invitation emailed"."""
    def refuse(self, messages):
        raise ConnectionRefusedError("no SMTP here")

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    response = tenancy.client("owner").post(reverse("members", args=[tenancy.org.slug]),
                                            {"email": "new@example.com", "role": "staff"})
    body = response.content.decode()
    assert "Invitation emailed" not in body
    assert "the email could not be sent: copy the link below" in body
    assert "/invitations/" in body  # the link to copy
    invitation = Invitation.objects.get(email="new@example.com")
    assert invitation.emailed_at is None and "no SMTP here" in invitation.email_error
    assert "Not sent" in body


def test_a_sent_invitation_is_recorded_as_emailed(tenancy):
    response = tenancy.client("owner").post(reverse("members", args=[tenancy.org.slug]),
                                            {"email": "new@example.com", "role": "staff"})
    assert "Invitation emailed to new@example.com" in response.content.decode()
    assert Invitation.objects.get(email="new@example.com").emailed_at is not None


@pytest.mark.parametrize(("name", "words"), [
    ("Acme\r\nBcc: victim@example.com", "keep it on one line"),
    ("Acme\tBakery", "keep it on one line"), ("A\x00", "Null characters are not allowed")])
def test_an_organization_name_with_control_characters_is_refused(tenancy, name, words):
    response = tenancy.client("owner").post(
        reverse("organization_settings", args=[tenancy.org.slug]),
        {"name": name, "fiscal_year_start_month": 1, "currency": "USD"})
    assert response.status_code == 200
    assert words in response.content.decode()
    tenancy.org.refresh_from_db()
    assert tenancy.org.name == "Acme Bakery"


def test_sign_up_refuses_a_business_name_with_a_line_break(client, db):
    response = client.post(reverse("signup"), {
        "username": "maria", "email": "maria@example.com",
        "organization_name": "Cafe\r\nBcc: x@example.com",
        "password1": "a-long-pass-phrase-1", "password2": "a-long-pass-phrase-1"})
    assert response.status_code == 200 and "keep it on one line" in response.content.decode()
    assert not User.objects.filter(username="maria").exists()
