"""A brand-new owner signs up, confirms the account from its mail, and reaches a first score
by following the set-up checklist alone (issue 15). Every page on the way is checked for
layout (labels above their controls, nothing overlapping, no sideways scroll) and saved as a
screenshot."""

import pytest
from django.core import mail

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a-long-pass-phrase-1"


def _confirmation_link(base_url: str) -> str:
    [message] = [m for m in mail.outbox if "Confirm your" in m.subject]
    link = next(w for w in message.body.split() if "/accounts/signup/confirm/" in w)
    return base_url + "/" + link.split("://", 1)[1].partition("/")[2]


def _step(page, title: str):
    """Follow the checklist's link for a step, from the dashboard."""
    page.locator("#setup").get_by_role("link", name=title).click()
    page.wait_for_load_state()


def _done(page, title: str) -> bool:
    item = page.locator("#setup li", has=page.get_by_role("link", name=title))
    return "met" in (item.get_attribute("class") or "").split()


def test_a_new_owner_follows_the_checklist_to_a_first_score(journey, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    person = journey()
    page = person.page
    person.go("/accounts/signup/")
    page.get_by_label("Username").fill("maria")
    page.get_by_label("Email").fill("maria@example.com")
    page.get_by_label("Your business").fill("Maria's Cafe")
    page.locator("#id_password1").fill(PASSWORD)
    page.locator("#id_password2").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_load_state()
    person.audit()
    assert "Check your inbox" in page.content()

    page.goto(_confirmation_link(person.base_url))
    page.wait_for_load_state()
    person.audit()
    dashboard = page.url
    setup = page.locator("#setup")
    assert "0 of 7 done" in setup.inner_text()
    assert "Scores as of" in page.locator("#score-status").inner_text()  # scored at once

    _step(page, "Set your fiscal year and currency")
    person.audit()
    page.get_by_label("Fiscal year starts in").select_option(label="April")
    page.get_by_label("Currency").fill("EUR")
    page.get_by_role("button", name="Save settings").click()
    person.go(dashboard.replace(person.base_url, ""))
    assert _done(page, "Set your fiscal year and currency")

    _step(page, "Start your first planning cycle")
    person.audit()
    page.get_by_role("button", name="Create").first.click()
    page.wait_for_load_state()
    person.audit()
    person.go(dashboard.replace(person.base_url, ""))
    assert _done(page, "Start your first planning cycle")

    for template in ("Cut the wait at peak", "Keep 85 % of clients"):
        _step(page, "Write 2–3 goals for the cycle")
        person.audit()
        page.get_by_role("link", name=template).click()
        page.locator("#id_title").wait_for()
        page.wait_for_function("() => document.querySelector('#id_title').value.length > 0")
        person.check_layout()  # the form as a template filled it
        page.get_by_label("Status").select_option(label="Active")
        page.get_by_role("button", name="Create goal").click()
        page.wait_for_load_state()
        person.audit()
        person.go(dashboard.replace(person.base_url, ""))
    assert _done(page, "Write 2–3 goals for the cycle")

    _step(page, "Pick the metrics that measure them")
    person.audit()
    page.locator(".library-item button[type=submit]").first.click()
    page.locator(".library-item [role=status]").first.wait_for()
    person.go(dashboard.replace(person.base_url, ""))
    assert _done(page, "Pick the metrics that measure them")

    _step(page, "List your automation and the tools it uses")
    person.audit()
    page.locator("#id_name").fill("Online queue tickets")
    page.get_by_label("Status").select_option(label="Planned")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    person.audit()
    person.go(dashboard.replace(person.base_url, ""))
    assert _done(page, "List your automation and the tools it uses")

    _step(page, "Say which goal each initiative serves")
    person.audit()
    page.locator("a.cell-link").first.click()
    form = page.locator("form.cell-form")
    form.wait_for()
    # Refused first (no rationale): the error shows in the cell, the page stays whole.
    form.get_by_role("button", name="Save").click()
    form.locator(".errorlist").wait_for()
    assert page.locator("header.site-header").is_visible()
    assert page.locator("h1").count() == 1
    person.audit(again=True)
    form.get_by_label("Rationale").fill("Customers take a ticket and wait less at the counter.")
    form.get_by_role("button", name="Save").click()
    page.locator("a.cell-link.contrib-primary").first.wait_for()
    person.go(dashboard.replace(person.base_url, ""))
    assert _done(page, "Say which goal each initiative serves")

    _step(page, "Log the first values")
    person.audit()
    page.locator(".log-value").first.fill("42")
    page.keyboard.press("Enter")
    page.locator(".log-row.saved").first.wait_for()
    person.go(dashboard.replace(person.base_url, ""))

    # Every step done: the checklist makes way for the scores, computed from the records.
    page.wait_for_function("() => !document.querySelector('#score-status.recomputing')",
                           timeout=30_000)
    person.go(dashboard.replace(person.base_url, ""))
    assert page.locator("#setup").count() == 0
    assert "Scores as of" in page.locator("#score-status").inner_text()
    assert "Maturity: rung" in page.locator("#ladder-h").inner_text()
    person.screenshot("first-score")

    phone = journey(PHONE)
    phone.sign_in("maria", PASSWORD)
    phone.go(dashboard.replace(person.base_url, ""))
