"""Reads for organizations and memberships. Each takes the organization or the user."""

from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice

from alignment_portal.organizations.models import Invitation, Membership, Organization


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
