import pytest
from django.urls import reverse

from alignment_portal.organizations.models import Membership, Organization, Role


def _membership(tenancy, role):
    return Membership.objects.get(user=tenancy.user(role), organization=tenancy.org)


def test_owner_changes_a_role(tenancy):
    staff = _membership(tenancy, "staff")
    response = tenancy.client("owner").post(
        reverse("member_role", args=[tenancy.org.slug, staff.pk]), {"role": "consultant"})
    assert response.status_code == 302
    staff.refresh_from_db()
    assert staff.role == Role.CONSULTANT


def test_last_owner_can_be_neither_demoted_nor_removed(tenancy):
    owner = _membership(tenancy, "owner")
    client = tenancy.client("owner")
    slug = tenancy.org.slug
    response = client.post(reverse("member_role", args=[slug, owner.pk]), {"role": "viewer"},
                           follow=True)
    assert "last owner cannot be demoted" in response.content.decode()
    response = client.post(reverse("member_remove", args=[slug, owner.pk]), {"confirm": "yes"},
                           follow=True)
    assert "last owner cannot be removed" in response.content.decode()
    owner.refresh_from_db()
    assert owner.role == Role.OWNER


def test_an_owner_can_step_down_once_another_owner_exists(tenancy):
    owner = _membership(tenancy, "owner")
    staff = _membership(tenancy, "staff")
    client = tenancy.client("owner")
    slug = tenancy.org.slug
    client.post(reverse("member_role", args=[slug, staff.pk]), {"role": "owner"})
    client.post(reverse("member_role", args=[slug, owner.pk]), {"role": "viewer"})
    owner.refresh_from_db()
    assert owner.role == Role.VIEWER


def test_an_unknown_role_is_refused(tenancy):
    staff = _membership(tenancy, "staff")
    response = tenancy.client("owner").post(
        reverse("member_role", args=[tenancy.org.slug, staff.pk]), {"role": "god"}, follow=True)
    assert "Choose one of the listed roles" in response.content.decode()
    staff.refresh_from_db()
    assert staff.role == Role.STAFF


def test_owner_removes_a_member_after_confirming(tenancy):
    viewer = _membership(tenancy, "viewer")
    client = tenancy.client("owner")
    url = reverse("member_remove", args=[tenancy.org.slug, viewer.pk])
    asked = client.post(url)
    assert "They lose access at once" in asked.content.decode()
    assert Membership.objects.filter(pk=viewer.pk).exists()  # not until confirmed
    client.post(url, {"confirm": "yes"})
    assert not Membership.objects.filter(pk=viewer.pk).exists()


def test_signed_in_user_creates_an_organization_and_owns_it(tenancy):
    client = tenancy.client_for(tenancy.users["outsider"])
    response = client.post(reverse("organization_create"),
                           {"name": "Corner Shop", "fiscal_year_start_month": 4,
                            "currency": "eur"})
    organization = Organization.objects.get(name="Corner Shop")
    assert response.url == reverse("dashboard", args=[organization.slug])
    assert organization.currency == "EUR"
    assert Membership.objects.get(organization=organization).role == Role.OWNER


def test_organization_names_with_html_are_escaped(tenancy):
    client = tenancy.client_for(tenancy.users["outsider"])
    client.post(reverse("organization_create"),
                {"name": "<script>alert(1)</script>", "fiscal_year_start_month": 1,
                 "currency": "USD"})
    organization = Organization.objects.get(name="<script>alert(1)</script>")
    body = client.get(reverse("dashboard", args=[organization.slug])).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


@pytest.mark.parametrize("currency", ["US", "12$", ""])
def test_a_bad_currency_is_refused_on_the_form(tenancy, currency):
    client = tenancy.client_for(tenancy.users["outsider"])
    response = client.post(reverse("organization_create"),
                           {"name": "Shop", "fiscal_year_start_month": 1, "currency": currency})
    assert response.status_code == 200
    assert not Organization.objects.filter(name="Shop").exists()


def test_owner_schedules_the_deletion_only_with_its_name(tenancy):
    client = tenancy.client("owner")
    url = reverse("organization_delete", args=[tenancy.org.slug])
    response = client.post(url, {"confirm_name": "wrong"})
    assert "exactly to confirm" in response.content.decode()
    assert Organization.objects.get(pk=tenancy.org.pk).deletion_scheduled_for is None
    client.post(url, {"confirm_name": "Acme Bakery"})
    # Scheduled, not done: tests/organizations/test_deletion.py follows the 14 days.
    assert Organization.objects.get(pk=tenancy.org.pk).deletion_scheduled_for is not None
