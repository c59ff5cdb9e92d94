"""Reads for organizations and memberships. Each takes the organization or the user."""

from alignment_portal.organizations.models import Invitation, Membership, Organization


def organization_members(*, organization: Organization) -> list[Membership]:
    return list(
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__username")
    )


def pending_invitations(*, organization: Organization) -> list[Invitation]:
    return list(Invitation.objects.filter(organization=organization).pending())
