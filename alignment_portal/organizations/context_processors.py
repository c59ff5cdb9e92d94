from alignment_portal.organizations.models import Membership


def current_organization(request):
    """The organization in view (set by the access helper) and the user's others, for the
    header's switcher. The list is lazy: a page that never shows it costs no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def switcher():
        return list(
            Membership.objects.filter(user=user)
            .select_related("organization")
            .order_by("organization__name")
        )

    return {
        "membership": getattr(request, "membership", None),
        "organization": getattr(request, "organization", None),
        "switcher_memberships": switcher,
    }
