"""Reads for organizations and memberships. Each takes the organization or the user."""

from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice

from alignment_portal.lib.urls import organization_path
from alignment_portal.organizations.models import Invitation, Membership, Organization, Role


def organization_members(*, organization: Organization) -> list[Membership]:
    """The members, each with `has_two_factor` (an authenticator app confirmed)."""
    return list(
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .annotate(has_two_factor=Exists(TOTPDevice.objects.filter(user=OuterRef("user"),
                                                                  confirmed=True)))
        .order_by("user__username")
    )


def pending_invitations(*, organization: Organization) -> list[Invitation]:
    return list(Invitation.objects.filter(organization=organization).pending())


def switcher_entries(*, user, name_contains: str = "", limit: int) -> list[dict]:
    """Up to `limit` of `user`'s organizations by name, as the header's switcher lists them
    (one query of the four columns it shows; each link reversed once per organization)."""
    memberships = Membership.objects.filter(user=user)
    if name_contains:
        memberships = memberships.filter(organization__name__icontains=name_contains)
    labels = dict(Role.choices)
    return [{"organization_id": organization_id, "name": name,
             "role_label": labels.get(role, role), "url": organization_path("dashboard", slug)}
            for organization_id, slug, name, role in memberships.order_by("organization__name")
            .values_list("organization_id", "organization__slug", "organization__name",
                         "role")[:limit]]
