"""The one access helper every organization view starts with.

Non-members (and unknown slugs) get 404, so an outsider learns nothing of which organizations
exist; a member whose role is too weak for the action gets 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext

from alignment_portal.lib.compiled import CompiledQuery, field_names, instance
from alignment_portal.organizations.models import Membership, Organization, Role


class TwoFactorRequired(Exception):
    """The organization requires two-factor sign-in and this session has not used one.

    Raised by the access helper, so no organization view escapes it; the two-factor
    middleware answers it with a redirect to the set-up page (or to the code, for a person
    who has two-factor but signed in before this session verified it).
    """

    def __init__(self, organization):
        super().__init__(f"{organization.name} requires two-factor sign-in")
        self.organization = organization


def session_is_verified(user) -> bool:
    """Whether this session signed in with a second factor (django-otp's middleware)."""
    is_verified = getattr(user, "is_verified", None)
    return bool(is_verified and is_verified())


# Every organization page runs this first: compiled once (lib/compiled.py), one query for the
# membership and its organization.
_MEMBERSHIP_FIELDS = field_names(Membership)
_ORGANIZATION_FIELDS = [f"organization__{name}" for name in field_names(Organization)]
_MEMBERSHIP = CompiledQuery(
    lambda user_id, slug: Membership.objects.filter(user_id=user_id, organization__slug=slug)
    .order_by("pk").values_list(*_MEMBERSHIP_FIELDS, *_ORGANIZATION_FIELDS)[:1],
    ints=["user_id"], strs=["slug"])


def _membership_of(user, slug: str) -> Membership | None:
    """The user's membership of organization `slug`, its organization loaded, or None."""
    rows = _MEMBERSHIP.rows(user_id=user.pk, slug=slug)
    if not rows:
        return None
    split = len(_MEMBERSHIP_FIELDS)
    membership = instance(Membership, rows[0][:split])
    membership.organization = instance(Organization, rows[0][split:])
    return membership


def get_membership(request, slug: str, role: Role = Role.VIEWER) -> Membership:
    """The signed-in user's membership of organization `slug`, with at least `role`.

    The membership carries its organization (`membership.organization`), which views pass to
    every selector and service: nothing is queried without it.
    """
    user = request.user
    if not user.is_authenticated:
        raise Http404(gettext("No such organization"))
    membership = _membership_of(user, slug)
    if membership is None:
        raise Http404(gettext("No such organization"))
    if membership.organization.require_two_factor and not session_is_verified(user):
        raise TwoFactorRequired(membership.organization)
    if not membership.can(role):
        raise PermissionDenied(gettext("This needs the %(lower)s role or stronger.") % {
            "lower": Role(role).label.lower()})
    request.membership = membership
    request.organization = membership.organization
    return membership
