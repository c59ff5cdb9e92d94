"""The organization dashboard, the portfolio, the history and the quarterly report: tenancy,
roles, polling, fragments, CSV safety and fixed query counts."""

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from alignment_portal.dashboards.selectors import RECOMPUTE_DELAYED_AFTER
from alignment_portal.organizations.models import Organization
from alignment_portal.scoring import triggers
from alignment_portal.scoring.models import Flag, OrganizationScore
from goals.models import Cycle, Goal, GoalOutcome
from tests.dashboards.conftest import populate
from tests.factories import CycleFactory, MembershipFactory, OrganizationFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def org_urls(slug, cycle_id):
    return [
        reverse("dashboard", args=[slug]),
        reverse("dashboards:score_status", args=[slug]),
        reverse("dashboards:dimensions_chart", args=[slug]),
        reverse("dashboards:history", args=[slug]),
        reverse("dashboards:history_rung", args=[slug]),
        reverse("dashboards:history_dimensions", args=[slug]),
        reverse("dashboards:history_spend", args=[slug]),
        reverse("dashboards:cycle_history", args=[slug, cycle_id]),
        reverse("dashboards:cycle_history_rung", args=[slug, cycle_id]),
        reverse("dashboards:cycle_history_dimensions", args=[slug, cycle_id]),
        reverse("dashboards:cycle_history_spend", args=[slug, cycle_id]),
        reverse("dashboards:report", args=[slug, cycle_id]),
        reverse("dashboards:report_csv", args=[slug, cycle_id]),
    ]


# --- Tenancy and roles -----------------------------------------------------------------------

@pytest.mark.parametrize("role", ["viewer", "staff", "consultant", "owner"])
def test_every_member_sees_every_dashboard_page(tenancy, scored, role):
    client = tenancy.client(role)
    for url in org_urls(tenancy.org.slug, scored.pk):
        assert client.get(url).status_code == 200, url


def test_outsiders_and_other_members_get_404(tenancy, scored):
    outsider = tenancy.client_for(tenancy.users["outsider"])
    other_owner = tenancy.client("owner", tenancy.other_org)
    for url in org_urls(tenancy.org.slug, scored.pk):
        assert outsider.get(url).status_code == 404, url
        assert other_owner.get(url).status_code == 404, url


def test_another_organizations_cycle_is_404(tenancy, scored):
    foreign = CycleFactory(organization=tenancy.other_org)
    client = tenancy.client("owner")
    for url in org_urls(tenancy.org.slug, foreign.pk)[7:]:
        assert client.get(url).status_code == 404, url


def test_another_organizations_records_change_nothing_on_the_dashboard(tenancy, scored, settings):
    """The dashboard's queries are compiled once per process (lib/compiled.py): each run must
    still read only the organization it is given."""
    import re

    settings.DASHBOARD_CACHE_SECONDS = 0
    client, url = tenancy.client("owner"), reverse("dashboard", args=[tenancy.org.slug])

    def page():
        body = client.get(url).content.decode()
        return re.sub(r'(nonce="|csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]*', "", body)

    alone = page()
    populate(tenancy.other_org, 3)
    assert page() == alone

def test_viewers_see_the_dashboard_without_edit_controls(tenancy, scored):
    body = tenancy.client("viewer").get(reverse("dashboard", args=[tenancy.org.slug])
                                        ).content.decode()
    assert "Maturity: rung" in body and "Open flags" in body
    assert "Metrics due or stale" not in body
    assert reverse("metrics:log", args=[tenancy.org.slug]) not in body
    assert reverse("initiatives:backlog", args=[tenancy.org.slug]) not in body


def test_staff_see_the_metrics_due_with_a_link_to_log_them(tenancy, scored):
    body = tenancy.client("staff").get(reverse("dashboard", args=[tenancy.org.slug])
                                       ).content.decode()
    assert "Metrics due or stale" in body
    assert reverse("metrics:log", args=[tenancy.org.slug]) in body
    # Metrics with no value at all are due and listed with their own log link.
    assert "/log/" in body and "no value yet" in body


def test_portfolio_never_shows_an_organization_the_user_does_not_belong_to(tenancy, scored):
    populate(tenancy.other_org, 2)
    stranger = OrganizationFactory(name="Secret Shop", slug="secret")
    MembershipFactory(user=tenancy.user("owner", tenancy.other_org), organization=stranger)
    body = tenancy.client_for(tenancy.users["consultant"]).get(reverse("portfolio")
                                                               ).content.decode()
    assert "Acme Bakery" in body and "Rival Agency" in body
    assert "Secret Shop" not in body
    assert "Median of your clients" in body
    owner_body = tenancy.client("owner").get(reverse("portfolio")).content.decode()
    assert "Rival Agency" not in owner_body and "Secret Shop" not in owner_body


def test_a_member_of_one_organization_lands_on_its_dashboard(tenancy):
    assert tenancy.client("viewer").get("/").url == reverse("dashboard",
                                                            args=[tenancy.org.slug])
    assert tenancy.client_for(tenancy.users["consultant"]).get("/").url == reverse("portfolio")


# --- The dashboard's content -----------------------------------------------------------------

def test_dashboard_shows_rung_spend_goals_flags_and_the_next_rung_records(tenancy, scored):
    score = OrganizationScore.objects.get(organization=tenancy.org)
    body = tenancy.client("owner").get(reverse("dashboard", args=[tenancy.org.slug])
                                       ).content.decode()
    assert f"Maturity: rung {score.rung}" in body
    assert 'aria-current="step"' in body
    assert "Misaligned spend" in body and tenancy.org.currency in body
    misaligned = Flag.objects.filter(organization=tenancy.org, code="MISALIGNED",
                                     resolved_at=None).first()
    assert misaligned is not None
    assert reverse("initiatives:detail", args=[tenancy.org.slug, misaligned.subject_id]) in body
    assert "Priority goals" in body and "<svg class=\"sparkline\"" in body
    assert misaligned.suggested_fix in body
    unmet = score.explanation["next"]["unmet"]
    records = [r for c in unmet for r in c["records"]]
    assert records, "the test organization should have records to act on"
    assert records[0]["label"] in body
    assert "Scores as of" in body


def test_flags_filter_in_the_url_and_as_a_fragment(tenancy, scored):
    url = reverse("dashboard", args=[tenancy.org.slug])
    client = tenancy.client("viewer")
    full = client.get(url, {"code": "MISALIGNED"}).content.decode()
    assert "<html" in full and "MISALIGNED" in full
    fragment = client.get(url, {"code": "MISALIGNED"}, HTTP_HX_TARGET="flags", **HTMX)
    body = fragment.content.decode()
    assert "<html" not in body and body.lstrip().startswith('<section id="flags"')
    assert "Fix:" in body
    assert "ORPHAN_GOAL</span>" not in body  # filtered out
    assert "ORPHAN_GOAL</span>" in client.get(url, HTTP_HX_TARGET="flags", **HTMX
                                              ).content.decode()


def test_dimensions_chart_compares_with_a_month_ago_and_has_its_numbers(tenancy, scored):
    url = reverse("dashboards:dimensions_chart", args=[tenancy.org.slug])
    client = tenancy.client("viewer")
    fragment = client.get(url, **HTMX).content.decode()
    assert "<html" not in fragment and "chart-data" in fragment
    month_ago = (timezone.localdate() - timedelta(days=35)).strftime("%d %b %Y")
    assert f"On {month_ago}" in fragment  # the snapshot taken 35 days ago
    assert "<th scope=\"col\">Dimension</th>" in fragment
    page = client.get(url).content.decode()
    assert "<html" in page and "Back to the dashboard" in page
    dashboard = client.get(reverse("dashboard", args=[tenancy.org.slug])).content.decode()
    assert f'hx-get="{url}" hx-trigger="load"' in dashboard and f'<a href="{url}">' in dashboard


@pytest.mark.parametrize("kind", ["rung", "dimensions", "spend"])
def test_history_charts_are_lazy_fragments_with_a_text_alternative(tenancy, scored, kind):
    slug = tenancy.org.slug
    url = reverse(f"dashboards:history_{kind}", args=[slug])
    page = tenancy.client("viewer").get(reverse("dashboards:history", args=[slug])
                                        ).content.decode()
    assert f'hx-get="{url}" hx-trigger="load"' in page and f'<a href="{url}">' in page
    fragment = tenancy.client("viewer").get(url, **HTMX).content.decode()
    assert "<html" not in fragment
    assert 'class="visually-hidden"' in fragment and "The numbers" in fragment


def test_cycle_history_keeps_to_the_cycle(tenancy, scored):
    closed = Cycle.objects.get(organization=tenancy.org, state="closed")
    body = tenancy.client("viewer").get(reverse("dashboards:cycle_history_rung",
                                                args=[tenancy.org.slug, closed.pk]),
                                        **HTMX).content.decode()
    # The snapshots of 60 and 35 days ago fall in the closed cycle, 10 days ago does not; the
    # cycle's own closing snapshot is there.
    assert "3 snapshots" in body


# --- Recomputing indicator -------------------------------------------------------------------

def test_polling_runs_while_a_recompute_is_pending_and_stops_when_scores_are_fresh(
        tenancy, scored):
    slug = tenancy.org.slug
    status_url = reverse("dashboards:score_status", args=[slug])
    client = tenancy.client("viewer")
    body = client.get(reverse("dashboard", args=[slug])).content.decode()
    assert 'hx-trigger="every 2s"' not in body  # fresh: nothing to wait for

    Organization.objects.filter(pk=tenancy.org.pk).update(recomputed_generation=0)
    Organization.objects.filter(pk=tenancy.org.pk).update(
        recompute_generation=1, recompute_requested_at=timezone.now())
    body = client.get(reverse("dashboard", args=[slug])).content.decode()
    assert 'hx-trigger="every 2s"' in body and "Recomputing" in body
    assert 'role="status"' in body
    still = client.get(status_url, {"seen": 0}, **HTMX).content.decode()
    assert 'hx-trigger="every 2s"' in still and "<html" not in still
    filtered = client.get(reverse("dashboard", args=[slug]), {"severity": "high"}
                          ).content.decode()
    assert "?seen=0&amp;severity=high" in filtered  # the poll keeps the page's filter
    assert "?seen=0&amp;severity=high" in client.get(
        status_url, {"seen": 0, "severity": "high"}, **HTMX).content.decode()

    triggers.run_recompute(tenancy.org.pk)
    assert 'id="flags"' in client.get(status_url, {"seen": 0, "severity": "low"}, **HTMX
                                      ).content.decode()
    done = client.get(status_url, {"seen": 0}, **HTMX).content.decode()
    assert 'hx-trigger="every 2s"' not in done and "Scores as of" in done
    # The parts that depend on the scores come along out of band.
    for section in ("ladder", "spend", "priority-goals", "flags", "dimensions-chart"):
        assert f'id="{section}"' in done
    assert done.count('hx-swap-oob="outerHTML"') >= 5
    # Polled again with what the page now shows: just the quiet status.
    quiet = client.get(status_url, {"seen": 1}, **HTMX).content.decode()
    assert 'hx-trigger' not in quiet and 'hx-swap-oob' not in quiet


def test_polling_stops_with_a_word_when_the_recompute_is_long_overdue(tenancy, scored):
    slug = tenancy.org.slug
    status_url = reverse("dashboards:score_status", args=[slug])
    client = tenancy.client("viewer")
    Organization.objects.filter(pk=tenancy.org.pk).update(recomputed_generation=0)
    Organization.objects.filter(pk=tenancy.org.pk).update(
        recompute_generation=1,
        recompute_requested_at=timezone.now() - RECOMPUTE_DELAYED_AFTER - timedelta(seconds=5))

    for body in (client.get(reverse("dashboard", args=[slug])).content.decode(),
                 client.get(status_url, {"seen": 0}, **HTMX).content.decode()):
        assert "taking longer than usual" in body and "every 2s" not in body
        assert 'role="status"' in body and f'href="{reverse("dashboard", args=[slug])}"' in body

    Organization.objects.filter(pk=tenancy.org.pk).update(recompute_requested_at=timezone.now())
    again = client.get(status_url, {"seen": 0}, **HTMX).content.decode()
    assert 'hx-trigger="every 2s"' in again  # a new change: worth waiting for again


# --- Portfolio -------------------------------------------------------------------------------

def test_portfolio_sorts_and_filters_in_the_url_and_as_a_fragment(tenancy, scored):
    populate(tenancy.other_org, 2)
    client = tenancy.client_for(tenancy.users["consultant"])
    url = reverse("portfolio")
    fragment = client.get(url, {"sort": "name", "dir": "desc"}, **HTMX).content.decode()
    assert "<html" not in fragment and 'id="portfolio-table"' in fragment
    assert fragment.index("Rival Agency") < fragment.index("Acme Bakery")
    assert 'aria-sort="descending"' in fragment
    filtered = client.get(url, {"q": "rival"}).content.decode()
    assert "<html" in filtered
    table = filtered[filtered.index('id="portfolio-table"'):]
    assert "Rival Agency" in table and "Acme Bakery" not in table
    # Links in the table open the client's dashboard.
    assert reverse("dashboard", args=["rival"]) in table


def test_portfolio_shows_change_since_the_last_snapshot(tenancy, scored):
    OrganizationScore.objects.filter(organization=tenancy.org).update(rung=5)
    body = tenancy.client("owner").get(reverse("portfolio")).content.decode()
    assert "rung +" in body


# --- Quarterly report ------------------------------------------------------------------------

def test_report_lists_outcomes_scores_and_flags(tenancy, scored):
    closed = Cycle.objects.get(organization=tenancy.org, state="closed")
    body = tenancy.client("viewer").get(
        reverse("dashboards:report", args=[tenancy.org.slug, closed.pk])).content.decode()
    assert "Old goal 0" in body and 'class="badge outcome-missed"' in body
    assert "End (at closing)" in body and "Open at the close" in body
    assert "Download CSV" in body and "print.css" in body
    current = tenancy.client("viewer").get(
        reverse("dashboards:report", args=[tenancy.org.slug, scored.pk])).content.decode()
    assert "opened" in current and "Initiatives serving these goals" in current
    assert "Now (the cycle is not over)" in current


def test_report_csv_neutralises_formulas(tenancy, scored):
    Goal.objects.filter(cycle=scored).update(title="=HYPERLINK(\"http://evil\",\"x\")")
    goal = Goal.objects.filter(cycle=scored).first()
    GoalOutcome.objects.create(organization=tenancy.org, cycle=scored, goal=goal,
                               outcome="missed", note="@SUM(A1:A9)")
    Flag.objects.filter(organization=tenancy.org).update(subject_label="+cmd|' /C calc'!A0")
    response = tenancy.client("viewer").get(
        reverse("dashboards:report_csv", args=[tenancy.org.slug, scored.pk]))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0] == ["section", "name", "status", "value", "detail"]
    cells = [cell for row in rows[1:] for cell in row]
    assert cells, "the report has rows"
    assert not [c for c in cells if c[:1] in ("=", "+", "@")]
    assert "'=HYPERLINK(\"http://evil\",\"x\")" in cells
    assert "'@SUM(A1:A9)" in cells
    assert any(c.startswith("'+cmd") for c in cells)
    assert any(row[0] == "score" for row in rows)


# --- Query counts do not grow with the organization ------------------------------------------

def _count(client, url, **extra):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **extra)
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("role", ["viewer", "staff"])
def test_query_counts_do_not_grow_with_the_organization(tenancy, role):
    small_cycle = populate(tenancy.org, 3)
    big_cycle = populate(tenancy.other_org, 15)
    counts = {}
    for org, cycle in ((tenancy.org, small_cycle), (tenancy.other_org, big_cycle)):
        client = tenancy.client(role, org)
        counts[org.slug] = [_count(client, url) for url in org_urls(org.slug, cycle.pk)]
        counts[org.slug].append(_count(client, reverse("dashboard", args=[org.slug]),
                                       HTTP_HX_TARGET="flags", **HTMX))
    assert counts[tenancy.org.slug] == counts[tenancy.other_org.slug]
    # The dashboard itself (with "What the automation did" and the benefit ledger's section).
    assert counts[tenancy.org.slug][0] <= 16


def test_portfolio_query_count_does_not_grow_with_clients_or_records(tenancy):
    consultant = tenancy.users["consultant"]
    populate(tenancy.org, 2)
    client = tenancy.client_for(consultant)
    few = _count(client, reverse("portfolio"))
    for n in range(4):
        organization = OrganizationFactory(name=f"Client {n}", slug=f"client-{n}")
        MembershipFactory(user=consultant, organization=organization, role="consultant")
        populate(organization, 6)
    many = _count(client, reverse("portfolio"))
    assert few == many


def test_cached_dashboard_moves_with_the_scores(tenancy, scored):
    """Sections are cached per state of the scores: a change and its recompute show at once."""
    from alignment_portal.organizations.recompute import request_recompute
    from tests.factories import InitiativeFactory

    url = reverse("dashboard", args=[tenancy.org.slug])
    client = tenancy.client("owner")
    assert "Costly Chatbot" not in client.get(url).content.decode()
    InitiativeFactory(organization=tenancy.org, name="Costly Chatbot", monthly_cost=9999)
    request_recompute(tenancy.org)
    pending = client.get(url).content.decode()
    assert "Recomputing" in pending
    triggers.run_recompute(tenancy.org.pk)
    body = client.get(url).content.decode()
    assert "Costly Chatbot" in body and "Recomputing" not in body
