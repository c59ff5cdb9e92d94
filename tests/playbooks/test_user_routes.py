"""The routes outside /o/<slug>/ that the sweeps do not walk: the playbook library and the
consultant's profile. Each refuses a POST without a CSRF token and serves its page with the
portal's CSP."""

import pytest
from django.test import Client
from django.urls import reverse

from alignment_portal.playbooks.models import Playbook
from tests.playbooks.conftest import save_everything


@pytest.fixture
def own(tenancy, plan):
    return save_everything(tenancy.users["consultant"], plan)


def routes(playbook):
    return [reverse("playbook_library:library"),
            reverse("playbook_library:detail", args=[playbook.pk]),
            reverse("playbook_library:delete", args=[playbook.pk]),
            reverse("playbook_library:new_client", args=[playbook.pk]),
            reverse("consultants:profile")]


def test_every_post_without_a_csrf_token_is_refused(tenancy, own):
    client = Client(enforce_csrf_checks=True)
    client.force_login(tenancy.users["consultant"])
    for url in routes(own):
        assert client.post(url, {"name": "x"}).status_code in (403, 405), url
    assert Playbook.objects.filter(pk=own.pk).exists()


def test_every_page_has_the_csp_without_inline_script(tenancy, own):
    client = tenancy.client_for(tenancy.users["consultant"])
    for url in routes(own):
        response = client.get(url)
        assert response.status_code == 200, url
        script_src = next(d for d in response["Content-Security-Policy"].split(";")
                          if d.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src
        for chunk in response.content.decode().split("<script")[1:]:
            tag = chunk.split(">", 1)[0]
            assert "src=" in tag or "nonce=" in tag or 'type="application/json"' in tag
