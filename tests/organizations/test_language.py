"""The language a person reads the portal in: the browser's by default, their own choice once
made (on every device they sign in on), and a cookie for someone not signed in."""

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from alignment_portal.organizations.models import Preferences

pytestmark = pytest.mark.django_db


def _dashboard(client, tenancy, **headers):
    return client.get(reverse("dashboard", args=[tenancy.org.slug]), **headers)


def test_the_browser_language_is_the_default(tenancy):
    client = tenancy.client("owner")
    german = _dashboard(client, tenancy, HTTP_ACCEPT_LANGUAGE="de-DE,de;q=0.9,en;q=0.5")
    english = _dashboard(client, tenancy, HTTP_ACCEPT_LANGUAGE="en-GB")
    assert '<html lang="de">' in german.text and ">Ziele</a>" in german.text
    assert german["Content-Language"] == "de"
    assert '<html lang="en">' in english.text and ">Goals</a>" in english.text
    # Nothing asked for: English.
    assert ">Goals</a>" in _dashboard(client, tenancy).text


def test_a_chosen_language_beats_the_browser_and_follows_the_person(tenancy):
    user = tenancy.user("staff")
    client = tenancy.client_for(user)
    response = client.post(reverse("language"), {"language": "de", "next": "/portfolio/"})
    assert response.status_code == 302 and response["Location"] == "/portfolio/"
    assert Preferences.objects.get(user=user).language == "de"
    assert ">Ziele</a>" in _dashboard(client, tenancy, HTTP_ACCEPT_LANGUAGE="en").text
    # Another device: a new session, signed in afresh, an English browser.
    elsewhere = Client()
    elsewhere.force_login(user)
    assert ">Ziele</a>" in _dashboard(elsewhere, tenancy, HTTP_ACCEPT_LANGUAGE="en").text
    # Back to following the browser.
    client.post(reverse("language"), {"language": ""})
    assert Preferences.objects.get(user=user).language == ""
    assert ">Goals</a>" in _dashboard(client, tenancy, HTTP_ACCEPT_LANGUAGE="en").text
    assert ">Ziele</a>" in _dashboard(client, tenancy, HTTP_ACCEPT_LANGUAGE="de").text


def test_someone_not_signed_in_keeps_the_choice_in_a_cookie():
    client = Client()
    response = client.post(reverse("language"), {"language": "de", "next": reverse("login")})
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "de"
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en")
    assert '<html lang="de">' in page.text
    assert not Preferences.objects.exists()


def test_a_language_the_portal_does_not_speak_is_refused(tenancy):
    client = tenancy.client("owner")
    response = client.post(reverse("language"), {"language": "xx"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.text
    assert not Preferences.objects.exists()


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x"])
def test_next_never_leaves_the_portal(tenancy, target):
    client = tenancy.client("viewer")
    response = client.post(reverse("language"), {"language": "en", "next": target})
    assert response["Location"] == reverse("home")


def test_the_language_page_offers_every_language_and_the_browser(tenancy):
    page = tenancy.client("viewer").get(reverse("language"), HTTP_ACCEPT_LANGUAGE="de")
    assert page.status_code == 200
    assert "Die Sprache Ihres Browsers" in page.text
    assert 'value="de"' in page.text and 'value="en"' in page.text


def test_the_scripts_catalog_is_one_cacheable_file_per_language(client):
    german = client.get(reverse("javascript_catalog", args=["de"]))
    assert german.status_code == 200 and "javascript" in german["Content-Type"]
    assert '"Oktober"' in german.text and '"%d.%m.%Y"' in german.text
    assert "max-age=86400" in german["Cache-Control"]
    assert "public" in german["Cache-Control"]
    assert client.get(reverse("javascript_catalog", args=["xx"])).status_code == 404


def test_charts_speak_german_only_when_the_reader_does(tenancy):
    client = tenancy.client("owner")
    url = reverse("javascript_catalog", args=["de"])
    assert url in _dashboard(client, tenancy, HTTP_ACCEPT_LANGUAGE="de").text
    assert url not in _dashboard(client, tenancy, HTTP_ACCEPT_LANGUAGE="en").text
