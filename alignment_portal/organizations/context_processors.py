from alignment_portal.organizations.selectors import switcher_entries

# The header's switcher lists this many organizations; past that it offers a search (a
# consultant with 300 clients would otherwise get 300 links on every page).
SWITCHER_LIMIT = 12


def current_organization(request):
    """The organization in view (set by the access helper) and the user's others, for the
    header's switcher. The list is lazy: a page that never shows it costs no query."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def switcher():
        # One more than shown tells whether there are more (then the search appears).
        return switcher_entries(user=user, limit=SWITCHER_LIMIT + 1)

    return {
        "membership": getattr(request, "membership", None),
        "organization": getattr(request, "organization", None),
        "switcher_memberships": switcher,
        "switcher_limit": SWITCHER_LIMIT,
    }
