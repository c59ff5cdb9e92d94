"""A playbook's preview in German: the links' codes as their labels, in the reader's words."""

from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.playbooks.conftest import save_everything


def test_the_preview_words_contributions_and_roles_in_german(tenancy, plan):
    playbook = save_everything(tenancy.users["consultant"], plan)
    url = reverse("playbooks:apply", args=[tenancy.other_org.slug, playbook.pk])
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(tenancy.users["consultant"])
    with translation.override("en"):
        response = client.get(url)
        english = tenancy.client_for(tenancy.users["consultant"]).get(url)
    preview = response.content.decode().split('class="playbook-plan"', 1)[1]
    assert "(Primär)" in preview and "(Ergebnis)" in preview
    assert "Customer wait time at peak misst " in preview
    for raw in ("(primary)", "(outcome)", " measures "):
        assert raw not in preview
    # the confirmation's digest does not depend on the reader's language
    assert response.context["plan"].digest == english.context["plan"].digest


def test_the_library_page_words_them_in_german_too(tenancy, plan):
    playbook = save_everything(tenancy.users["consultant"], plan)
    client = Client(HTTP_ACCEPT_LANGUAGE="de")
    client.force_login(tenancy.users["consultant"])
    with translation.override("en"):
        page = client.get(reverse("playbook_library:detail", args=[playbook.pk])).content.decode()
    contents = page.split('id="contents-h"', 1)[1]
    assert '<span class="muted">(Primär)</span>' in contents
    assert '<span class="muted">(Ergebnis)</span>' in contents
    assert "(primary)" not in contents and "(outcome)" not in contents
