"""Reads for organizations and memberships. Each takes the organization or the user."""

from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice

from alignment_portal.lib.compiled import CompiledQuery
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


_SWITCHER_COLUMNS = ("organization_id", "organization__slug", "organization__name", "role")
# By limit: the header asks on every page for the same number (lib/compiled.py).
_SWITCHER_QUERIES: dict[int, CompiledQuery] = {}


def switcher_entries(*, user, name_contains: str = "", limit: int) -> list[dict]:
    """Up to `limit` of `user`'s organizations by name, as the header's switcher lists them
    (one query of the four columns it shows; each link reversed once per organization)."""
    if name_contains:
        rows = (Membership.objects.filter(user=user,
                                          organization__name__icontains=name_contains)
                .order_by("organization__name").values_list(*_SWITCHER_COLUMNS)[:limit])
    else:
        query = _SWITCHER_QUERIES.get(limit)
        if query is None:
            query = _SWITCHER_QUERIES.setdefault(limit, CompiledQuery(
                lambda user_id: Membership.objects.filter(user_id=user_id)
                .order_by("organization__name").values_list(*_SWITCHER_COLUMNS)[:limit],
                ints=["user_id"]))
        rows = query.rows(user_id=user.pk)
    labels = dict(Role.choices)
    return [{"organization_id": organization_id, "name": name,
             "role_label": labels.get(role, role), "url": organization_path("dashboard", slug)}
            for organization_id, slug, name, role in rows]
