"""Tenant isolation and roles for every organization view of the foundation."""

import pytest
from django.urls import reverse

from alignment_portal.organizations.models import Invitation, Membership, Role
from alignment_portal.organizations.services import invitation_create

ROLES = ["viewer", "staff", "consultant", "owner"]

# (url name, method, weakest role allowed)
ORG_VIEWS = [
    ("dashboard", "get", "viewer"),
    ("goals:list", "get", "viewer"),
    ("initiatives:list", "get", "viewer"),
    ("initiatives:tools", "get", "viewer"),
    ("metrics:list", "get", "viewer"),
    ("members", "get", "consultant"),
    ("organization_settings", "get", "owner"),
    ("organization_delete", "get", "owner"),
    ("data_export:page", "get", "owner"),
]


@pytest.mark.parametrize(("name", "method", "weakest"), ORG_VIEWS)
def test_org_views_answer_by_role(tenancy, name, method, weakest):
    url = reverse(name, args=[tenancy.org.slug])
    for role in ROLES:
        response = getattr(tenancy.client(role), method)(url)
        expected = 200 if ROLES.index(role) >= ROLES.index(weakest) else 403
        assert response.status_code == expected, (role, response.status_code)


@pytest.mark.parametrize(("name", "method", "weakest"), ORG_VIEWS)
def test_outsiders_and_other_members_get_404(tenancy, name, method, weakest):
    url = reverse(name, args=[tenancy.org.slug])
    assert tenancy.client_for(tenancy.users["outsider"]).get(url).status_code == 404
    # The owner of another organization is an outsider here.
    assert tenancy.client("owner", tenancy.other_org).get(url).status_code == 404
    assert tenancy.client("owner").get(reverse(name, args=["no-such-org"])).status_code == 404


def test_anonymous_is_sent_to_sign_in(tenancy):
    response = tenancy.client_for(tenancy.users["outsider"]).__class__().get(
        reverse("dashboard", args=[tenancy.org.slug]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_member_ids_of_another_organization_are_404(tenancy):
    """An owner of `org` posting with a membership or invitation id of `other_org`."""
    other_member = Membership.objects.get(user=tenancy.user("staff", tenancy.other_org),
                                          organization=tenancy.other_org)
    owner_other = Membership.objects.get(user=tenancy.user("owner", tenancy.other_org),
                                         organization=tenancy.other_org)
    invitation, _ = invitation_create(inviter=owner_other, email="x@example.com", role="staff")
    client = tenancy.client("owner")
    slug = tenancy.org.slug
    assert client.post(reverse("member_role", args=[slug, other_member.pk]),
                       {"role": "owner"}).status_code == 404
    assert client.post(reverse("member_remove", args=[slug, other_member.pk])).status_code == 404
    assert client.post(reverse("invitation_revoke", args=[slug, invitation.pk])).status_code == 404
    other_member.refresh_from_db()
    invitation.refresh_from_db()
    assert other_member.role == Role.STAFF
    assert invitation.revoked_at is None


@pytest.mark.parametrize("role", ["viewer", "staff", "consultant"])
def test_only_owners_change_roles_or_remove_members(tenancy, role):
    target = Membership.objects.get(user=tenancy.user("viewer"), organization=tenancy.org)
    client = tenancy.client(role)
    slug = tenancy.org.slug
    assert client.post(reverse("member_role", args=[slug, target.pk]),
                       {"role": "owner"}).status_code == 403
    assert client.post(reverse("member_remove", args=[slug, target.pk])).status_code == 403
    target.refresh_from_db()
    assert target.role == Role.VIEWER


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_staff_and_viewers_cannot_revoke_invitations(tenancy, role):
    owner = Membership.objects.get(user=tenancy.user("owner"), organization=tenancy.org)
    invitation, _ = invitation_create(inviter=owner, email="y@example.com", role="staff")
    response = tenancy.client(role).post(
        reverse("invitation_revoke", args=[tenancy.org.slug, invitation.pk]))
    assert response.status_code == 403
    assert Invitation.objects.get(pk=invitation.pk).revoked_at is None


def test_switcher_lists_only_own_organizations(tenancy):
    response = tenancy.client_for(tenancy.users["consultant"]).get(
        reverse("dashboard", args=[tenancy.org.slug]))
    body = response.content.decode()
    assert "Acme Bakery" in body and "Rival Agency" in body
    response = tenancy.client("owner").get(reverse("dashboard", args=[tenancy.org.slug]))
    assert "Rival Agency" not in response.content.decode()


def test_portfolio_and_landing(tenancy):
    consultant = tenancy.client_for(tenancy.users["consultant"])
    assert consultant.get("/").url == reverse("portfolio")
    body = consultant.get(reverse("portfolio")).content.decode()
    assert "Acme Bakery" in body and "Rival Agency" in body and "Consultant" in body
    owner = tenancy.client("owner")
    assert owner.get("/").url == reverse("dashboard", args=[tenancy.org.slug])
    assert "Rival Agency" not in owner.get(reverse("portfolio")).content.decode()


def test_dashboard_query_count_is_fixed(tenancy, django_assert_max_num_queries):
    client = tenancy.client("viewer")
    with django_assert_max_num_queries(12):
        assert client.get(reverse("dashboard", args=[tenancy.org.slug])).status_code == 200
