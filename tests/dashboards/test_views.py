"""Dashboard and portfolio filters reach the cache only as values the pages know."""

from django.urls import reverse


def test_random_filter_values_share_one_cache_entry(tenancy, settings):
    """The probe: every random filter value made a cache entry and a cold render."""
    from django.core.cache import cache

    client = tenancy.client("viewer")
    url = reverse("dashboard", args=[tenancy.org.slug])
    client.get(url)
    keys_before = len(cache._cache)
    for n in range(20):
        client.get(url, {"severity": f"x{n}", "code": f"NOPE{n}", "type": f"t{n}"})
    assert len(cache._cache) == keys_before


def test_portfolio_filters_are_normalised_and_a_name_search_is_not_cached(tenancy):
    from django.core.cache import cache

    client = tenancy.client_for(tenancy.users["consultant"])
    client.get(reverse("portfolio"))
    keys_before = len(cache._cache)
    for n in range(10):
        client.get(reverse("portfolio"), {"rung": f"{n + 6}", "attention": f"a{n}"})
        client.get(reverse("portfolio"), {"q": f"name {n}"})
    assert len(cache._cache) == keys_before
