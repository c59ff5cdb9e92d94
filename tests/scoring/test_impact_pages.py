"""Impact evidence in the database and where people see it: the recompute's rows, the
initiative page, the dashboard, the metric page, the portfolio and GET /api/v1/impact."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from alignment_portal.api.models import Scope
from alignment_portal.api.services import api_token_create
from alignment_portal.scoring import engine
from alignment_portal.scoring.models import Flag, ImpactEvidence
from tests.factories import (
    InitiativeFactory,
    MeasurementLinkFactory,
    MetricFactory,
    MetricValueFactory,
)

BEFORE = [12.0, 11.5, 12.4, 11.8, 12.1, 12.6, 11.9, 12.2, 12.3]
AFTER = [10.1, 9.8, 10.4, 9.6, 10.0, 10.3, 9.9, 10.2, 9.7, 10.0, 10.5, 9.9]
ROLES = ["viewer", "staff", "consultant", "owner"]


def this_monday():
    today = timezone.localdate()
    return today - timedelta(days=today.weekday())


def weekly_metric(organization, name, values, *, direction="lower", unit="minutes"):
    metric = MetricFactory(organization=organization, name=name, frequency="weekly",
                           direction=direction, unit=unit)
    first = this_monday() - timedelta(weeks=len(values) - 1)
    for k, value in enumerate(values):
        MetricValueFactory(metric=metric, period=first + timedelta(weeks=k), value=value)
    return metric


def live(organization, name, metric=None, *, weeks_ago, role="outcome", **fields):
    initiative = InitiativeFactory(organization=organization, name=name, status="live",
                                   go_live_date=this_monday() - timedelta(weeks=weeks_ago),
                                   **fields)
    if metric is not None:
        MeasurementLinkFactory(initiative=initiative, metric=metric, role=role)
    return initiative


@pytest.fixture
def story(tenancy):
    org = tenancy.org
    wait = weekly_metric(org, "Customer wait time at peak", BEFORE + AFTER)
    queue = live(org, "Queue tickets", wait, weeks_ago=len(AFTER) - 1)
    timers = live(org, "Oven timers", weeks_ago=20)
    recent = weekly_metric(org, "Loaves wasted", BEFORE + [9, 8, 9])
    waste = live(org, "Waste log", recent, weeks_ago=2)
    foreign_metric = weekly_metric(tenancy.other_org, "Leads", BEFORE + AFTER)
    foreign = live(tenancy.other_org, "Rival scheduler", foreign_metric, weeks_ago=11)
    engine.recompute(org.pk)
    engine.recompute(tenancy.other_org.pk)
    return {"org": org, "wait": wait, "queue": queue, "timers": timers, "waste": waste,
            "recent": recent, "foreign": foreign}


def detail(story, initiative):
    return reverse("initiatives:detail", args=[story["org"].slug, initiative.pk])


# --- The recompute's rows -----------------------------------------------------------------------

def test_the_recompute_stores_one_row_per_live_initiative_and_outcome_metric(story):
    rows = {(e.initiative_id, e.metric_id): e for e in
            ImpactEvidence.objects.filter(organization=story["org"])}
    assert set(rows) == {(story["queue"].pk, story["wait"].pk),
                         (story["waste"].pk, story["recent"].pk)}
    queue = rows[(story["queue"].pk, story["wait"].pk)]
    assert (queue.verdict, queue.n_before, queue.n_after) == ("improved", 9, 12)
    assert queue.tau > 0 and queue.p < 0.05
    waste = rows[(story["waste"].pk, story["recent"].pk)]
    assert (waste.verdict, waste.n_after, waste.tau, waste.p) == ("not enough data", 3, None,
                                                                   None)
    assert waste.earliest_verdict == this_monday() + timedelta(weeks=3)


def test_a_second_recompute_writes_no_evidence_and_words_flags_the_same(story):
    story["wait"].direction = "higher"  # a WORSENED flag, worded from the evidence
    story["wait"].save()
    engine.recompute(story["org"].pk)  # computed afresh
    card = engine.score(engine.load_frames(story["org"].pk), timezone.localdate())  # reused
    written = engine.write_scorecard(story["org"].pk, card)
    assert (written["impact"], written["opened"], written["updated"]) == (0, 0, 0)


def test_evidence_of_a_pair_that_no_longer_applies_is_removed(story):
    story["queue"].status = "paused"
    story["queue"].save()
    engine.recompute(story["org"].pk)
    assert not ImpactEvidence.objects.filter(initiative=story["queue"]).exists()
    assert ImpactEvidence.objects.filter(initiative=story["waste"]).exists()


def test_worsened_opens_a_high_flag_that_resolves_when_the_evidence_changes(story):
    story["wait"].direction = "higher"
    story["wait"].save()
    engine.recompute(story["org"].pk)
    flag = Flag.objects.get(organization=story["org"], code="WORSENED", resolved_at=None)
    assert flag.severity == "high" and flag.subject_id == str(story["queue"].pk)
    assert "the wrong way" in flag.message and "9 weeks before, 12 after" in flag.message
    story["wait"].direction = "lower"
    story["wait"].save()
    engine.recompute(story["org"].pk)
    flag.refresh_from_db()
    assert flag.resolved_at is not None


def test_ramp_up_periods_are_saved_from_the_initiative_form(tenancy, story):
    client = tenancy.client("consultant")
    url = reverse("initiatives:edit", args=[story["org"].slug, story["queue"].pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items()
            if value is not None and name != "tools"}
    data.update(ramp_up_periods=2, go_live_date=story["queue"].go_live_date.isoformat())
    response = client.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    story["queue"].refresh_from_db()
    assert story["queue"].ramp_up_periods == 2
    data["ramp_up_periods"] = 27
    response = client.post(url, data)
    assert response.status_code == 200
    assert "ramp_up_periods" in response.context["form"].errors


# --- The initiative page ------------------------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_every_member_reads_the_verdict_in_words_with_its_ns_and_p(tenancy, story, role):
    response = tenancy.client(role).get(detail(story, story["queue"]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "What it did to its numbers" in html
    assert "Customer wait time at peak fell by 2.1 minutes (−17 %) since go-live on" in html
    assert "this is unlikely to be chance (p &lt; 0.001, 9 weeks before, 12 after)" in html
    chart = response.context["impact"][0].chart
    figure = json.loads(chart.figure_json)
    names = [trace["name"] for trace in figure["data"]]
    assert names == ["before go-live", "after go-live", "baseline projection", "after median"]
    assert figure["layout"]["shapes"][0]["x0"] == story["queue"].go_live_date.isoformat()
    assert len(chart.table) == 21  # the table alternative: every value with its phase
    assert "The numbers" in html


def test_an_initiative_with_no_outcome_metric_says_so(tenancy, story):
    html = tenancy.client("viewer").get(detail(story, story["timers"])).content.decode()
    assert "No outcome metric" in html
    assert "no outcome metric measures it" in html


def test_not_enough_data_says_how_many_values_and_from_when(tenancy, story):
    html = tenancy.client("viewer").get(detail(story, story["waste"])).content.decode()
    possible = this_monday() + timedelta(weeks=3)
    assert "Not enough data yet: 3 weekly values since go-live on" in html
    assert f"a verdict is possible from {possible.day} {possible:%b}" in html
    assert "Improved" not in html


def test_the_initiative_page_query_count_does_not_grow_with_outcome_metrics(
        tenancy, story, django_assert_max_num_queries):
    client = tenancy.client("viewer")
    url = detail(story, story["queue"])
    client.get(url)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(url)
    for k in range(3):
        metric = weekly_metric(story["org"], f"Outcome {k}", BEFORE + AFTER)
        MeasurementLinkFactory(initiative=story["queue"], metric=metric)
    engine.recompute(story["org"].pk)
    with django_assert_max_num_queries(len(one)):
        response = client.get(url)
    assert len(response.context["impact"]) == 4


def test_outsiders_and_other_organizations_ids_get_404(tenancy, story):
    outsider = tenancy.client_for(tenancy.users["outsider"])
    assert outsider.get(detail(story, story["queue"])).status_code == 404
    foreign = reverse("initiatives:detail", args=[story["org"].slug, story["foreign"].pk])
    assert tenancy.client("owner").get(foreign).status_code == 404


# --- Dashboard, metric page, portfolio ---------------------------------------------------------

@pytest.mark.parametrize("role", ROLES)
def test_the_dashboard_says_what_the_automation_did_by_verdict(tenancy, story, role):
    response = tenancy.client(role).get(reverse("dashboard", args=[story["org"].slug]))
    html = response.content.decode()
    section = html[html.index('id="impact-h"'):html.index("</section>", html.index(
        'id="impact-h"'))]
    assert "What the automation did" in section
    assert "Improved <span class=\"muted\">(1)</span>" in section
    assert "Not enough data <span class=\"muted\">(1)</span>" in section
    assert "Queue tickets" in section and "p &lt; 0.001, 9 weeks before, 12 after" in section
    assert "Rival scheduler" not in section


def test_the_metric_page_lists_the_initiatives_that_claim_it(tenancy, story):
    other = live(story["org"], "Paused rota", story["wait"], weeks_ago=3)
    other.status = "paused"
    other.save()
    url = reverse("metrics:detail", args=[story["org"].slug, story["wait"].pk])
    html = tenancy.client("viewer").get(url).content.decode()
    section = html[html.index("Initiatives that claim to move it"):]
    assert "Queue tickets" in section and "Improved" in section
    assert "Paused rota" in section and "the evidence starts once it is live" in section


def test_the_portfolio_counts_initiatives_by_verdict_per_client(tenancy, story):
    html = tenancy.client_for(tenancy.users["consultant"]).get(
        reverse("portfolio")).content.decode()
    row = html[html.index("Acme Bakery"):html.index("</tr>", html.index("Acme Bakery"))]
    assert "1 improved" in row and "0 no clear change" in row and "0 worsened" in row
    rival = html[html.index("Rival Agency"):html.index("</tr>", html.index("Rival Agency"))]
    assert "1 improved" in rival


def test_a_german_reader_reads_the_verdicts_in_german_on_every_page(tenancy, story):
    german = {"HTTP_ACCEPT_LANGUAGE": "de"}
    org = story["org"]
    dashboard = tenancy.client("viewer").get(reverse("dashboard", args=[org.slug]),
                                             **german).content.decode()
    assert 'Verbessert <span class="muted">(1)</span>' in dashboard
    assert 'Nicht genug Daten <span class="muted">(1)</span>' in dashboard
    metric = tenancy.client("viewer").get(reverse("metrics:detail", args=[
        org.slug, story["wait"].pk]), **german).content.decode()
    claims = metric[metric.index('id="claims-title"'):]
    assert ">Verbessert</span>" in claims and ">Improved<" not in claims
    page = tenancy.client("viewer").get(detail(story, story["queue"]),
                                        **german).content.decode()
    portfolio = tenancy.client_for(tenancy.users["consultant"]).get(
        reverse("portfolio"), **german).content.decode()
    row = portfolio[portfolio.index("Acme Bakery"):portfolio.index("</tr>", portfolio.index(
        "Acme Bakery"))]
    assert "1 verbessert" in row and "0 ohne klare Veränderung" in row
    assert "0 verschlechtert" in row and "improved" not in row
    assert ">Verbessert</span>" in page and ">Improved<" not in page


def test_a_german_reader_reads_the_regressions_verdict_in_german(tenancy, story):
    long_before = BEFORE + [12.0, 11.7, 12.5]
    wait = weekly_metric(story["org"], "Phone wait", long_before + AFTER)
    phones = live(story["org"], "Call-back queue", wait, weeks_ago=len(AFTER) - 1)
    engine.recompute(story["org"].pk)
    page = tenancy.client("viewer").get(detail(story, phones),
                                        HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Zweite Meinung" in page
    assert "sie ergibt „verbessert“" in page and "“improved”" not in page


# --- The API -------------------------------------------------------------------------------------

def test_the_api_returns_the_organizations_evidence_only(client, story):
    _, token = api_token_create(organization=story["org"], name="bi", scope=Scope.READ)
    response = client.get("/api/v1/impact", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 200
    items = {item["initiative"]: item for item in response.json()["items"]}
    assert set(items) == {"Queue tickets", "Waste log"}
    queue = items["Queue tickets"]
    evidence = ImpactEvidence.objects.get(initiative=story["queue"])
    assert queue == {"initiative_id": story["queue"].pk, "initiative": "Queue tickets",
                     "metric_id": story["wait"].pk, "metric": "Customer wait time at peak",
                     "verdict": "improved", "tau": evidence.tau, "p": evidence.p,
                     "effect": evidence.effect, "effect_pct": evidence.effect_pct,
                     "n_before": 9, "n_after": 12, "detrended": False,
                     "earliest_verdict": None, "shared_with": []}
    waste = items["Waste log"]
    assert (waste["tau"], waste["p"], waste["effect"], waste["verdict"]) == (
        None, None, None, "not enough data")
    assert waste["earliest_verdict"] == (this_monday() + timedelta(weeks=3)).isoformat()


def test_the_api_needs_a_token(client, story):
    assert client.get("/api/v1/impact").status_code == 401


def test_the_impact_endpoint_is_in_the_schema(client, db):
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/impact" in schema["paths"]
