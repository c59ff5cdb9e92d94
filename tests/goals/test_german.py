"""The goals pages and the sign-in pages in German, for a reader whose browser asks for it:
the words are German and the numbers carry a decimal comma."""

from django.urls import reverse

from tests.factories import AlignmentLinkFactory, InitiativeFactory
from tests.goals.factories import planning_cycle, smart_goal

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de"}


def test_a_goal_reads_in_german_with_a_decimal_comma(tenancy):
    cycle = planning_cycle(tenancy.org, state="active")
    goal = smart_goal(cycle, title="Wartezeit senken", baseline_value="1234.5",
                      target_value="7.25")
    client = tenancy.client("viewer")
    body = client.get(reverse("goals:detail", args=[tenancy.org.slug, goal.pk]),
                      **GERMAN).content.decode()
    for german in ("Ausgangswert", "Zielwert", "Verlauf der Änderungen", "SMART-Prüfung",
                   "Initiativen, die dieses Ziel unterstützen"):
        assert german in body, german
    assert "<dd>1234,5000</dd>" in body and "<dd>7,2500</dd>" in body
    assert "History of changes" not in body and "Baseline" not in body


def test_the_same_goal_stays_english_without_the_header(tenancy):
    cycle = planning_cycle(tenancy.org, state="active")
    goal = smart_goal(cycle, baseline_value="1234.5")
    body = tenancy.client("viewer").get(
        reverse("goals:detail", args=[tenancy.org.slug, goal.pk])).content.decode()
    assert "History of changes" in body and "<dd>1234.5000</dd>" in body
    assert "Verlauf der Änderungen" not in body


def test_counts_in_german_use_the_german_plural(tenancy):
    cycle = planning_cycle(tenancy.org, state="active")
    one = smart_goal(cycle, title="Ein Ziel")
    smart_goal(cycle, title="Noch ein Ziel")
    AlignmentLinkFactory(goal=one, initiative=InitiativeFactory(organization=tenancy.org))
    client = tenancy.client("viewer")
    listing = client.get(reverse("goals:list", args=[tenancy.org.slug]), **GERMAN)
    assert "2 Ziele." in listing.content.decode()
    cycles = client.get(reverse("goals:cycles", args=[tenancy.org.slug]), **GERMAN)
    assert "Planungszyklen" in cycles.content.decode()


def test_sign_in_reads_in_german(client):
    body = client.get(reverse("login"), **GERMAN).content.decode()
    assert "Passwort vergessen?" in body and "Ein Konto erstellen" in body
    assert "Forgot your password?" not in body
