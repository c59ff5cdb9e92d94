"""An owner signs up, plans a quarter and sees the dashboard flag, then clear, a misaligned
initiative.

Without a broker the recompute task runs in-process right after each request's commit, so the
scores are in by the next page load; where the dashboard still shows its "recomputing…"
indicator, the journey waits for the indicator to go.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from alignment_portal.organizations.models import Organization
from alignment_portal.scoring.models import Flag
from goals.models import Goal
from initiatives.models import Initiative
from metrics.models import Metric

pytestmark = pytest.mark.django_db(transaction=True)

TIMEOUT = 15_000  # ms: a condition the page reaches within this, or the journey fails


def _flags(organization, code, initiative):
    return Flag.objects.filter(organization=organization, code=code,
                               subject_type="initiative", subject_id=str(initiative.pk))


def open_flag(organization, code, initiative) -> bool:
    return _flags(organization, code, initiative).filter(resolved_at=None).exists()


def resolved_flag(organization, code, initiative) -> bool:
    return _flags(organization, code, initiative).exclude(resolved_at=None).exists()


def real_errors(console_errors: list[str]) -> list[str]:
    """The console errors but htmx's report of a live SMART check it aborted on purpose: the
    form syncs with `hx-sync="this:replace"`, so a keystroke replaces the check in flight, and
    htmx logs the abort (and that request's end) as errors."""
    aborts = sum(1 for e in console_errors if e.startswith("htmx:sendAbort"))
    ends = [e for e in console_errors if e.startswith("htmx:afterRequest")]
    return [e for e in console_errors if not e.startswith("htmx:sendAbort")
            and not (e.startswith("htmx:afterRequest") and len(ends) <= aborts)]


def _goal(person, slug, *, title, metric, baseline, target, rank):
    """Fill the goal form; the SMART panel is left to the caller to check before saving."""
    page = person.page
    person.go(f"/o/{slug}/goals/new/")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Description").fill(
        f"{title}: a measurable change for our customers and staff, by the due date.")
    page.get_by_label("Why it matters").fill("It is what customers complain about most.")
    page.get_by_label(re.compile(r"^Priority:?$")).select_option(label=f"Priority {rank}")
    page.get_by_label("Status").select_option(label="Active")
    page.get_by_label("Metric").select_option(value=str(metric.pk))
    page.get_by_label("Baseline value").fill(str(baseline))
    page.get_by_label("Target value").fill(str(target))
    page.get_by_label("Confidence").fill("70")
    return page.get_by_role("complementary", name="SMART check")


def _save_goal(person, title):
    page = person.page
    page.get_by_role("button", name="Create goal").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title, timeout=TIMEOUT)
    expect(page.get_by_role("status").first).to_contain_text("passes all five SMART criteria")
    person.audit()


def _dashboard_scores_in(person, slug, query=""):
    """Open the dashboard; if it is still recomputing, wait for the indicator to go (it polls
    and swaps in the new sections), and for the lazy chart; then audit it as it settled."""
    page = person.page
    page.goto(f"{person.base_url}/o/{slug}/{query}")
    expect(page.locator("#score-status.recomputing")).to_have_count(0, timeout=TIMEOUT)
    expect(page.locator("#score-status")).to_contain_text("Scores as of")
    expect(page.locator("#dimensions-chart figure")).to_be_visible()
    person.audit(again=True)


def test_owner_signs_up_plans_and_clears_a_misaligned_flag(journey):
    person = journey()
    page = person.page
    page.set_default_timeout(TIMEOUT)

    # Sign up: the account and its first organization, in one form.
    person.go("/accounts/signup/")
    page.get_by_label("Username").fill("olga-owner")
    page.get_by_label("Email").fill("olga@example.com")
    page.get_by_label(re.compile(r"^Password:?$")).fill("a-long-Owner-passphrase-42")
    page.get_by_label("Password confirmation").fill("a-long-Owner-passphrase-42")
    page.get_by_label("Your business").fill("Olga's Bakery")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible(timeout=TIMEOUT)
    person.audit()
    # The confirmation link from the email (same process: the test outbox).
    link = next(word for word in mail.outbox[-1].body.split() if "/accounts/signup/" in word)
    person.go(urlsplit(link).path)
    expect(page.get_by_role("status").first).to_contain_text("Olga's Bakery is ready",
                                                              timeout=TIMEOUT)
    organization = Organization.objects.get(name="Olga's Bakery")
    slug = organization.slug
    assert page.url.endswith(f"/o/{slug}/")
    person.audit()

    # A cycle: the next quarter, in one click.
    person.go(f"/o/{slug}/goals/cycles/")
    page.get_by_role("button", name=re.compile(r"^Create ")).click()
    expect(page.get_by_role("status").first).to_contain_text("is created, in planning",
                                                              timeout=TIMEOUT)
    person.audit()

    # Metrics from the library, one click each (htmx swaps the item in place).
    person.go(f"/o/{slug}/metrics/library/")
    for name in ("Customer wait time at peak", "Invoice processing time",
                 "Customer satisfaction (CSAT)"):
        page.get_by_role("button", name=f"Add {name} to Olga's Bakery").click()
        item = page.locator("li.library-item").filter(
            has=page.get_by_role("heading", name=name, exact=True))
        expect(item.get_by_role("status")).to_contain_text("In use", timeout=TIMEOUT)
    person.audit(again=True)
    metric = {m.library_key: m for m in Metric.objects.filter(organization=organization)}
    assert set(metric) == {"wait_time_peak", "invoice_processing_time", "csat"}

    # Three goals; the second starts vague and fails the live SMART check until fixed.
    smart = _goal(person, slug, title="Cut customer wait at peak to five minutes",
                  metric=metric["wait_time_peak"], baseline=12, target=5, rank=1)
    expect(smart).to_contain_text("Passes all five SMART criteria.", timeout=TIMEOUT)
    _save_goal(person, "Cut customer wait at peak to five minutes")

    smart = _goal(person, slug, title="Improve efficiency",
                  metric=metric["invoice_processing_time"], baseline=6, target=2, rank=2)
    expect(smart.get_by_role("status")).to_have_text(
        "1 of 5 SMART criteria fail: Specific.", timeout=TIMEOUT)
    specific = smart.get_by_role("listitem").filter(has_text="Specific")
    expect(specific).to_contain_text("✗ Fail")
    expect(specific).to_contain_text("“Improve efficiency” is only a vague verb")
    person.audit(again=True)
    page.get_by_label("Title").fill("Pay supplier invoices within two days")
    expect(smart.get_by_role("status")).to_have_text(
        "Passes all five SMART criteria.", timeout=TIMEOUT)
    expect(smart.get_by_role("listitem").filter(has_text="Specific")).to_contain_text("✓ Pass")
    _save_goal(person, "Pay supplier invoices within two days")

    smart = _goal(person, slug, title="Lift customer satisfaction to 90 %",
                  metric=metric["csat"], baseline=78, target=90, rank=3)
    expect(smart).to_contain_text("Passes all five SMART criteria.", timeout=TIMEOUT)
    _save_goal(person, "Lift customer satisfaction to 90 %")
    goals = {g.title: g for g in Goal.objects.filter(organization=organization)}
    assert len(goals) == 3 and all(g.status == "active" for g in goals.values())
    wait_goal = goals["Cut customer wait at peak to five minutes"]
    invoice_goal = goals["Pay supplier invoices within two days"]

    # Two initiatives: one linked to a goal with a rationale, the other left unlinked.
    booking = _initiative(person, slug, "Online booking with SMS reminders", monthly_cost=40)
    _link(person, goal=wait_goal, rationale="Customers book a slot online, so fewer of them "
                                            "queue at the counter during the lunch peak.")
    approvals = _initiative(person, slug, "Automatic invoice approvals", monthly_cost=60)
    expect(page.get_by_text("This initiative serves no goal yet")).to_be_visible()

    # The dashboard flags the unlinked one, and only that one, as misaligned.
    _dashboard_scores_in(person, slug)
    flags = page.get_by_role("region", name=re.compile(r"^Open flags"))
    page.get_by_label("Kind").select_option(value="MISALIGNED")
    expect(page).to_have_url(re.compile(r"code=MISALIGNED"), timeout=TIMEOUT)
    misaligned = flags.get_by_role("listitem").filter(has_text="MISALIGNED")
    expect(misaligned).to_have_count(1, timeout=TIMEOUT)
    expect(misaligned).to_contain_text("Automatic invoice approvals")
    expect(misaligned).to_contain_text("serves no active goal")
    person.audit(again=True)
    assert open_flag(organization, "MISALIGNED", approvals)
    assert not open_flag(organization, "MISALIGNED", booking)

    # Link it from the flag's own link, then the flag resolves (kept, not deleted).
    misaligned.get_by_role("link", name="Automatic invoice approvals", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Automatic invoice approvals",
                                                              timeout=TIMEOUT)
    _link(person, goal=invoice_goal, rationale="Invoices under the approval limit are approved "
                                               "the day they arrive, so suppliers are paid "
                                               "within two days.")
    _dashboard_scores_in(person, slug, "?all=1")
    flags = page.get_by_role("region", name=re.compile(r"^Open flags"))
    expect(flags.get_by_role("listitem").filter(has_text="MISALIGNED")).to_have_count(0)
    expect(page.get_by_label("Kind").locator("option", has_text="MISALIGNED")).to_have_count(0)
    assert resolved_flag(organization, "MISALIGNED", approvals)
    assert not open_flag(organization, "MISALIGNED", approvals)
    errors = real_errors(person.console_errors)
    assert not errors, "\n".join(errors)


def _initiative(person, slug, name, *, monthly_cost):
    page = person.page
    person.go(f"/o/{slug}/initiatives/new/")
    page.get_by_label("Name").fill(name)
    page.get_by_label("Status").select_option(label="Live")
    page.get_by_label("Monthly cost").fill(str(monthly_cost))
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(name, timeout=TIMEOUT)
    person.audit()
    return Initiative.objects.get(organization__slug=slug, name=name)


def _link(person, *, goal, rationale):
    """On an initiative's page: serves goal, with a rationale."""
    page = person.page
    page.get_by_role("combobox", name="Serves goal").select_option(value=str(goal.pk))
    page.get_by_label("Contribution").select_option(label="Primary")
    page.get_by_label("Rationale").fill(rationale)
    page.get_by_role("button", name="Save link").click()
    expect(page.get_by_role("status").first).to_contain_text(f"now serves “{goal.title}”",
                                                              timeout=TIMEOUT)
    serves = page.get_by_role("region", name="Serves goals")
    expect(serves.get_by_role("link", name=goal.title, exact=True)).to_be_visible()
    person.audit(again=True)
