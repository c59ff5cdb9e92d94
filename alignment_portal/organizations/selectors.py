"""Reads for organizations and memberships. Each takes the organization or the user."""

from alignment_portal.organizations.models import Invitation, Membership, Organization


def portfolio_rows(*, user) -> list[Membership]:
    """The user's memberships, one per organization, with the organization."""
    return list(
        Membership.objects.filter(user=user)
        .select_related("organization")
        .order_by("organization__name")
    )


def organization_members(*, organization: Organization) -> list[Membership]:
    return list(
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__username")
    )


def pending_invitations(*, organization: Organization) -> list[Invitation]:
    return list(Invitation.objects.filter(organization=organization).pending())


def organization_counts(*, organization: Organization) -> dict:
    """Record counts for the dashboard: one small query per kind of record."""
    return {
        "goals": organization.goals.count(),
        "initiatives": organization.initiatives.count(),
        "metrics": organization.metrics.count(),
        "tools": organization.tools.count(),
    }
