"""The ledger on the initiative's page, the form (htmx and not), the CSV import and the API,
for every role."""

import json
from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from alignment_portal.api.models import Scope
from alignment_portal.api.services import api_token_create
from alignment_portal.benefits.models import BenefitEntry, BenefitEntryRevision, BenefitImport
from alignment_portal.benefits.services import benefit_entry_record
from alignment_portal.organizations.services import organization_settings_update
from alignment_portal.scoring import engine
from alignment_portal.scoring.benefits import add_months
from tests.factories import InitiativeFactory


def months_ago(n: int) -> date:
    """The first day of the month n months before the current one."""
    return add_months(timezone.localdate().replace(day=1), -n)


@pytest.fixture
def robot(tenancy):
    organization_settings_update(organization=tenancy.org, hour_value=Decimal("25"))
    return InitiativeFactory(organization=tenancy.org, name="Invoice robot", status="live",
                             go_live_date=months_ago(5), one_time_cost=1200,
                             monthly_cost=100, hours_saved_per_month=10)


def record_url(tenancy, initiative):
    return reverse("benefits:record", args=[tenancy.org.slug, initiative.pk])


def detail_url(tenancy, initiative):
    return reverse("initiatives:detail", args=[tenancy.org.slug, initiative.pk])


# --- The form ---------------------------------------------------------------------------

def test_staff_record_a_month_without_javascript_and_return_to_the_page(tenancy, robot):
    month = months_ago(1)
    response = tenancy.client("staff").post(record_url(tenancy, robot), {
        "month": month.strftime("%Y-%m"), "hours_saved": "8", "money_gained": "", "note": "ok"})
    assert response.status_code == 302 and response["Location"] == detail_url(tenancy, robot)
    entry = BenefitEntry.objects.get()
    assert (entry.month, entry.hours_saved, entry.source) == (month, Decimal("8.0"), "form")
    assert entry.entered_by == tenancy.user("staff")


def test_a_refused_entry_shows_its_error_in_place_and_saves_nothing(tenancy, robot):
    response = tenancy.client("staff").post(record_url(tenancy, robot), {
        "month": months_ago(1).strftime("%Y-%m"), "hours_saved": "NaN"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert 'aria-invalid="true"' in body and "not a number you can measure" in body
    assert 'id="ledger"' in body and "<html" not in body
    assert not BenefitEntry.objects.exists()


def test_without_javascript_a_refused_entry_is_a_400_page_with_the_form(tenancy, robot):
    response = tenancy.client("staff").post(record_url(tenancy, robot), {
        "month": "someday", "money_gained": "5"})
    assert response.status_code == 400
    assert "Enter a month like 2026-03." in response.content.decode()


def test_htmx_gets_the_ledger_back_with_the_saved_month(tenancy, robot):
    month = months_ago(2)
    response = tenancy.client("owner").post(record_url(tenancy, robot), {
        "month": month.strftime("%Y-%m"), "money_gained": "300"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert f"{month:%B %Y}: saved." in body
    # The recompute ran after commit (no broker in tests): the month shows as realised.
    assert "300" in body


def test_hostile_html_in_a_note_is_refused(tenancy, robot):
    response = tenancy.client("staff").post(record_url(tenancy, robot), {
        "month": months_ago(1).strftime("%Y-%m"), "money_gained": "5",
        "note": "<img src=x onerror=alert(1)>"}, HTTP_HX_REQUEST="true")
    assert "HTML markup" in response.content.decode()
    assert not BenefitEntry.objects.exists()


def test_a_viewer_cannot_record_and_sees_no_form(tenancy, robot):
    viewer = tenancy.client("viewer")
    response = viewer.post(record_url(tenancy, robot), {
        "month": months_ago(1).strftime("%Y-%m"), "money_gained": "5"})
    assert response.status_code == 403
    page = viewer.get(detail_url(tenancy, robot)).content.decode()
    assert "Benefit ledger" in page and "Record a month" not in page


def test_outsiders_and_other_organizations_ids_get_404(tenancy, robot):
    data = {"month": months_ago(1).strftime("%Y-%m"), "money_gained": "5"}
    outsider = tenancy.client_for(tenancy.users["outsider"])
    assert outsider.post(record_url(tenancy, robot), data).status_code == 404
    foreign = InitiativeFactory(organization=tenancy.other_org)
    url = reverse("benefits:record", args=[tenancy.org.slug, foreign.pk])
    assert tenancy.client("owner").post(url, data).status_code == 404
    assert not BenefitEntry.objects.exists()


# --- The ledger on the page -------------------------------------------------------------

def test_the_initiative_page_shows_the_ledger_with_units_and_periods(tenancy, robot):
    for n in (1, 2, 3, 4, 5):
        benefit_entry_record(initiative=robot, month=months_ago(n), hours_saved="8")
    engine.recompute(tenancy.org.pk)
    body = tenancy.client("viewer").get(detail_url(tenancy, robot)).content.decode()
    assert "$250.00</strong> per month" in body  # 10 h × 25
    assert "$1,700.00" in body  # 1200 + 100 × 5 whole months
    assert "$1,000.00" in body  # 5 × 8 h × 25
    assert "80 %" in body  # 1000 / (250 × 5)
    assert "-$700.00" in body
    assert "projected at $200.00 a month" in body
    assert f"{months_ago(1):%B %Y}" in body


def test_the_ledger_reads_in_german_with_money_as_germans_write_it(tenancy, robot):
    tenancy.org.currency = "EUR"
    tenancy.org.save(update_fields=["currency"])
    for n in (1, 2, 3, 4, 5):
        benefit_entry_record(initiative=robot, month=months_ago(n), hours_saved="8")
    engine.recompute(tenancy.org.pk)
    body = tenancy.client("viewer").get(detail_url(tenancy, robot),
                                        HTTP_ACCEPT_LANGUAGE="de").content.decode()
    assert "Nutzenbilanz" in body and "Benefit ledger" not in body
    assert "<strong>250,00\xa0€</strong> pro Monat" in body  # 10 h × 25
    assert "1.700,00\xa0€" in body and "-700,00\xa0€" in body
    assert "prognostiziert bei 200,00\xa0€ pro Monat" in body
    assert "aus 5 Monatseinträgen" in body and "Amortisation" in body
    assert "USD" not in body and "€1,700.00" not in body
    english = tenancy.client("viewer").get(detail_url(tenancy, robot)).content.decode()
    assert "€1,700.00" in english and "Benefit ledger" in english


def test_the_ledger_says_not_at_this_rate(tenancy, robot):
    for n in (1, 2, 3):
        benefit_entry_record(initiative=robot, month=months_ago(n), hours_saved="2")
    engine.recompute(tenancy.org.pk)
    body = tenancy.client("viewer").get(detail_url(tenancy, robot)).content.decode()
    assert "Not at this rate" in body


def test_the_initiative_page_queries_do_not_grow_with_entries(tenancy, robot,
                                                              django_assert_max_num_queries):
    client = tenancy.client("staff")
    benefit_entry_record(initiative=robot, month=months_ago(1), hours_saved="1")
    engine.recompute(tenancy.org.pk)
    client.get(detail_url(tenancy, robot))
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        client.get(detail_url(tenancy, robot))
    for n in range(2, 6):
        benefit_entry_record(initiative=robot, month=months_ago(n), hours_saved="1")
    engine.recompute(tenancy.org.pk)
    with django_assert_max_num_queries(len(few)):
        client.get(detail_url(tenancy, robot))


# --- The settings -----------------------------------------------------------------------

def test_the_owner_sets_the_hour_value_in_the_settings(tenancy):
    url = reverse("organization_settings", args=[tenancy.org.slug])
    response = tenancy.client("owner").post(url, {
        "name": "Acme Bakery", "fiscal_year_start_month": 1, "currency": "EUR",
        "hour_value": "32.50"})
    assert response.status_code == 302
    tenancy.org.refresh_from_db()
    assert tenancy.org.hour_value == Decimal("32.50")
    page = tenancy.client("owner").get(url).content.decode()
    assert "Value of an hour of staff time (EUR per hour)" in page


@pytest.mark.parametrize("value", ["-3", "NaN", "1e20"])
def test_a_bad_hour_value_is_refused_on_the_form(tenancy, value):
    url = reverse("organization_settings", args=[tenancy.org.slug])
    response = tenancy.client("owner").post(url, {
        "name": "Acme Bakery", "fiscal_year_start_month": 1, "currency": "USD",
        "hour_value": value})
    assert response.status_code == 200 and "errorlist" in response.content.decode()
    tenancy.org.refresh_from_db()
    assert tenancy.org.hour_value is None


def test_a_consultant_cannot_change_the_hour_value(tenancy):
    url = reverse("organization_settings", args=[tenancy.org.slug])
    consultant = tenancy.client_for(tenancy.users["consultant"])
    assert consultant.post(url, {"hour_value": "10"}).status_code == 403


# --- CSV ---------------------------------------------------------------------------------

def upload(client, tenancy, content: bytes, name="benefits.csv"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(reverse("benefits:import", args=[tenancy.org.slug]),
                       {"file": SimpleUploadedFile(name, content, "text/csv")})


def confirm(client, tenancy):
    staged = BenefitImport.objects.latest("uploaded_at")
    return client.post(reverse("benefits:import_confirm", args=[tenancy.org.slug]),
                       {"import": staged.pk})


def test_a_csv_round_trip_previews_then_imports_once(tenancy, robot):
    client = tenancy.client("staff")
    a, b = months_ago(2), months_ago(1)
    content = ("\ufeffinitiative;month;hours;money;note\r\n"
               f"Invoice robot;{a:%Y-%m};7,5;;first\r\n"
               f"invoice robot;{b:%d/%m/%Y};;1.234,50;caf\xe9\r\n").encode()
    preview = upload(client, tenancy, content)
    body = preview.content.decode()
    assert "2 entries ready to import" in body and "Decimal mark: comma" in body
    assert not BenefitEntry.objects.exists()  # nothing before the confirmation
    assert confirm(client, tenancy).status_code == 302
    stored = {e.month: e for e in BenefitEntry.objects.all()}
    assert stored[a].hours_saved == Decimal("7.5") and stored[a].source == "csv"
    assert stored[b].money_gained == Decimal("1234.50") and stored[b].note == "café"
    # Confirming again imports nothing; uploading the same file again changes nothing.
    confirm(client, tenancy)
    upload(client, tenancy, content)
    confirm(client, tenancy)
    assert BenefitEntry.objects.count() == 2 and not BenefitEntryRevision.objects.exists()


def test_a_latin1_csv_with_bad_lines_refuses_them_and_imports_the_rest(tenancy, robot):
    InitiativeFactory(organization=tenancy.org, name="Caf\xe9 kiosk")
    month = months_ago(1)
    content = ("initiative,month,hours,money,note\n"
               f"Caf\xe9 kiosk,{month:%Y-%m},3,,\n"
               f"Invoice robot,{month:%Y-%m},=1+1,,\n"
               f"Nobody,{month:%Y-%m},1,,\n"
               f"Invoice robot,2999-01,1,,\n"
               f"Invoice robot,{month:%Y-%m},-2,,\n").encode("cp1252")
    body = upload(tenancy.client("staff"), tenancy, content).content.decode()
    assert "1 entry ready to import" in body
    assert "spreadsheet formula" in body and "is not an initiative" in body
    assert "has not begun" in body and "negative" in body
    confirm(tenancy.client("staff"), tenancy)
    assert BenefitEntry.objects.get().initiative.name == "Caf\xe9 kiosk"


def test_two_lines_for_one_month_are_both_refused(tenancy, robot):
    month = months_ago(1)
    content = (f"initiative,month,money\nInvoice robot,{month:%Y-%m},5\n"
               f"Invoice robot,{month:%Y-%m-15},6\n").encode()
    body = upload(tenancy.client("staff"), tenancy, content).content.decode()
    assert "keep one line per initiative and month" in body
    assert "nothing valid to import" in body


def test_a_csv_of_another_layout_is_refused_whole(tenancy, robot):
    body = upload(tenancy.client("staff"), tenancy, b"date,value\n2026-01-01,3\n")
    assert "The columns were not recognised" in body.content.decode()
    assert not BenefitImport.objects.exists()


def test_the_import_needs_staff_and_a_member(tenancy, robot):
    url = reverse("benefits:import", args=[tenancy.org.slug])
    assert tenancy.client("viewer").get(url).status_code == 403
    assert tenancy.client_for(tenancy.users["outsider"]).get(url).status_code == 404
    assert tenancy.client("staff").get(url).status_code == 200


def test_another_organizations_import_cannot_be_confirmed(tenancy, robot):
    staged = BenefitImport.objects.create(organization=tenancy.other_org, content=b"x")
    response = tenancy.client("owner").post(
        reverse("benefits:import_confirm", args=[tenancy.org.slug]), {"import": staged.pk})
    assert response.status_code == 404


# --- API ---------------------------------------------------------------------------------

@pytest.fixture
def tokens(tenancy):
    _, write = api_token_create(organization=tenancy.org, name="erp", scope=Scope.WRITE_VALUES)
    _, read = api_token_create(organization=tenancy.org, name="bi", scope=Scope.READ)
    return {"write": write, "read": read}


def push(client, token, body):
    return client.post("/api/v1/benefits", data=json.dumps(body),
                       content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_the_api_stores_entries_idempotently_per_month(client, tenancy, robot, tokens):
    month = months_ago(1)
    body = {"items": [{"initiative": robot.pk, "month": month.isoformat(), "hours_saved": 8},
                      {"initiative": "Invoice robot", "month": months_ago(2).isoformat(),
                       "money_gained": "120,50"}]}
    first = push(client, tokens["write"], body).json()
    assert (first["stored"], first["refused"]) == (2, 0)
    assert first["items"][0] == {"index": 0, "status": "stored", "initiative_id": robot.pk,
                                 "month": month.isoformat()}
    again = push(client, tokens["write"], body).json()
    assert (again["stored"], again["unchanged"]) == (0, 2)
    body["items"][0]["hours_saved"] = 9
    third = push(client, tokens["write"], body).json()
    assert [i["status"] for i in third["items"]] == ["replaced", "unchanged"]
    assert BenefitEntry.objects.count() == 2 and BenefitEntryRevision.objects.count() == 1
    assert set(BenefitEntry.objects.values_list("source", flat=True)) == {"api"}


def test_the_api_refuses_items_one_by_one_or_the_whole_atomic_batch(client, tenancy, robot,
                                                                    tokens):
    foreign = InitiativeFactory(organization=tenancy.other_org, name="Theirs")
    items = [{"initiative": robot.pk, "month": months_ago(1).isoformat(), "money_gained": 5},
             {"initiative": foreign.pk, "month": months_ago(1).isoformat(), "money_gained": 5},
             {"initiative": robot.pk, "month": months_ago(2).isoformat(),
              "money_gained": "NaN"},
             {"initiative": robot.pk, "month": months_ago(3).isoformat()}]
    atomic = push(client, tokens["write"], {"items": items, "atomic": True})
    assert atomic.status_code == 422 and len(atomic.json()["items"]) == 3
    assert not BenefitEntry.objects.exists()
    answer = push(client, tokens["write"], {"items": items}).json()
    assert [i["status"] for i in answer["items"]] == ["stored", "refused", "refused", "refused"]
    assert "No initiative" in answer["items"][1]["reason"]
    assert "or both" in answer["items"][3]["reason"]
    assert BenefitEntry.objects.count() == 1


def test_a_read_token_cannot_push_benefits(client, tenancy, robot, tokens):
    response = push(client, tokens["read"], {"items": []})
    assert response.status_code == 403


def test_the_api_reads_every_initiatives_ledger(client, tenancy, robot, tokens):
    for n in (1, 2, 3):
        benefit_entry_record(initiative=robot, month=months_ago(n), hours_saved="2")
    InitiativeFactory(organization=tenancy.other_org, name="Not ours")
    engine.recompute(tenancy.org.pk)
    response = client.get("/api/v1/benefits", HTTP_AUTHORIZATION=f"Bearer {tokens['read']}")
    assert response.status_code == 200
    data = response.json()
    assert data["currency"] == "USD"
    assert [i["initiative"] for i in data["items"]] == ["Invoice robot"]
    item = data["items"][0]
    assert set(item) == {"initiative_id", "initiative", "expected_monthly", "cost_to_date",
                         "realised_to_date", "realisation", "net", "roi", "payback"}
    assert item["expected_monthly"] == 250 and item["cost_to_date"] == 1700
    assert item["realised_to_date"] == 150 and item["net"] == -1550
    assert item["payback"] == "not at this rate"


def test_the_api_gives_the_payback_month_as_an_iso_date(client, tenancy, robot, tokens):
    for n in (1, 2, 3):
        benefit_entry_record(initiative=robot, month=months_ago(n), money_gained="900")
    engine.recompute(tenancy.org.pk)
    item = client.get("/api/v1/benefits",
                      HTTP_AUTHORIZATION=f"Bearer {tokens['read']}").json()["items"][0]
    # Go-live 5 months ago; month j after it costs 1200 + 100 j. Cumulative realised: 0, 0,
    # 900 (j=2, 3 months ago), 1800 >= 1500 at j=3 (2 months ago): paid back then.
    assert item["payback"] == months_ago(2).isoformat()


def test_a_nul_character_in_a_note_is_refused_not_a_server_error(client, tenancy, robot,
                                                                  tokens):
    answer = push(client, tokens["write"], {"items": [
        {"initiative": robot.pk, "month": months_ago(1).isoformat(), "money_gained": 5,
         "note": "a\u0000b"}]})
    assert answer.status_code == 200
    assert answer.json()["items"][0]["status"] == "refused"
    assert not BenefitEntry.objects.exists()


@pytest.mark.parametrize("import_id", ["abc", "1e5", "-1", "9" * 40, ""])
def test_a_malformed_import_id_on_confirm_is_a_message(tenancy, robot, import_id):
    response = tenancy.client("staff").post(
        reverse("benefits:import_confirm", args=[tenancy.org.slug]), {"import": import_id},
        follow=True)
    assert response.status_code == 200
    assert "That import is unknown: upload the file again." in response.content.decode()
    assert not BenefitEntry.objects.exists()


def test_unconfirmed_benefit_imports_are_purged_after_a_day(tenancy, settings):
    from datetime import timedelta

    from alignment_portal.benefits.tasks import purge_unconfirmed_imports

    now = timezone.now()
    old = BenefitImport.objects.create(organization=tenancy.org, content=b"x" * 100,
                                       uploaded_at=now - timedelta(hours=25))
    fresh = BenefitImport.objects.create(organization=tenancy.org, content=b"x",
                                         uploaded_at=now - timedelta(hours=23))
    done = BenefitImport.objects.create(organization=tenancy.org, content=b"",
                                        uploaded_at=now - timedelta(days=5), confirmed_at=now)
    assert purge_unconfirmed_imports.delay().get() == 1
    assert set(BenefitImport.objects.values_list("pk", flat=True)) == {fresh.pk, done.pk}
    assert old.pk not in BenefitImport.objects.values_list("pk", flat=True)
    task = settings.CELERY_BEAT_SCHEDULE["benefits-purge-unconfirmed-imports"]["task"]
    assert task == "benefits.purge_unconfirmed_imports"
