"""Security properties checked over every organization page, like the isolation sweep."""

import pytest
from django.test import Client

from tests.test_isolation_sweep import FOREIGN_ID, _fill, make_records, org_routes

OWN_ID = 700001


@pytest.mark.parametrize("route", org_routes())
def test_every_html_page_has_a_csp_without_inline_script(tenancy, route):
    make_records(tenancy, tenancy.org, OWN_ID)  # detail pages show the org's own records
    client = tenancy.client("owner")
    response = client.get(_fill(route, tenancy.org.slug, OWN_ID))
    if response.status_code == 405 or not response.get("Content-Type", "").startswith("text/html"):
        pytest.skip(f"{route} serves no HTML page on GET")
    policy = response["Content-Security-Policy"]
    script_src = next(d for d in policy.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'unsafe-eval'" not in script_src
    body = response.content.decode()
    # No inline script runs: every <script> either has a src, is a data block, or has the nonce.
    for chunk in body.split("<script")[1:]:
        tag = chunk.split(">", 1)[0]
        assert ("src=" in tag or 'type="application/json"' in tag or "nonce=" in tag), tag
    assert " onclick=" not in body and " onload=" not in body and " onchange=" not in body


@pytest.mark.parametrize("route", org_routes())
def test_every_post_without_a_csrf_token_is_refused(tenancy, route):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenancy.user("owner"))
    response = client.post(_fill(route, tenancy.org.slug, FOREIGN_ID), {"name": "x"})
    assert response.status_code in (403, 405), response.status_code


@pytest.mark.parametrize("name", ["signup", "password_reset", "login", "two_factor_verify",
                                  "two_factor"])
def test_account_forms_refuse_a_post_without_a_csrf_token(db, name):
    from django.urls import reverse

    client = Client(enforce_csrf_checks=True)
    response = client.post(reverse(name), {"username": "x", "email": "x@example.com"})
    assert response.status_code == 403


@pytest.mark.parametrize("name", ["signup", "password_reset"])
def test_account_pages_have_a_csp_without_inline_script(db, name):
    from django.urls import reverse

    response = Client().get(reverse(name))
    policy = response["Content-Security-Policy"]
    assert "'unsafe-inline'" not in next(d for d in policy.split(";")
                                         if d.strip().startswith("script-src"))
