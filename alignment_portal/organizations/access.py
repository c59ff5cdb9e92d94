"""The one access helper every organization view starts with.

Non-members (and unknown slugs) get 404, so an outsider learns nothing of which organizations
exist; a member whose role is too weak for the action gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from alignment_portal.organizations.models import Membership, Role


def get_membership(request, slug: str, role: Role = Role.VIEWER) -> Membership:
    """The signed-in user's membership of organization `slug`, with at least `role`.

    The membership carries its organization (`membership.organization`), which views pass to
    every selector and service: nothing is queried without it.
    """
    user = request.user
    if not user.is_authenticated:
        raise Http404("No such organization")
    membership = (
        Membership.objects.select_related("organization")
        .filter(user=user, organization__slug=slug)
        .first()
    )
    if membership is None:
        raise Http404("No such organization")
    if not membership.can(role):
        raise PermissionDenied(f"This needs the {Role(role).label.lower()} role or stronger.")
    request.membership = membership
    request.organization = membership.organization
    return membership
