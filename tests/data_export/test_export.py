"""An owner takes the organization's data away: the archive asked, built by the task, mailed
as a signed link that expires; its contents parsed (zip, CSV, JSON) and nothing of another
organization in it."""

import csv
import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from alignment_portal.api.models import Scope
from alignment_portal.api.services import api_token_create
from alignment_portal.data_export import services
from alignment_portal.data_export.models import ExportStatus, OrganizationExport
from alignment_portal.data_export.storage import path_of
from alignment_portal.data_export.tasks import purge_expired
from alignment_portal.organizations.deletion import organization_delete_everything
from alignment_portal.organizations.models import SecurityEvent, SecurityEventKind
from tests.factories import CycleFactory, GoalFactory, MetricFactory, MetricValueFactory

ASKED = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _archives_in_tmp(settings, tmp_path):
    settings.DATA_EXPORT_DIR = tmp_path / "exports"


@pytest.fixture
def clock():
    with time_machine.travel(ASKED, tick=False) as traveller:
        yield traveller


@pytest.fixture
def records(tenancy):
    cycle = CycleFactory(organization=tenancy.org, name="Q2 2026")
    metric = MetricFactory(organization=tenancy.org, name="=HYPERLINK(\"http://x\")")
    MetricValueFactory(metric=metric)
    goal = GoalFactory(cycle=cycle, title="Answer every ticket within a day", metric=metric)
    rival = GoalFactory(cycle=CycleFactory(organization=tenancy.other_org),
                        title="Rival's secret plan")
    MetricFactory(organization=tenancy.other_org, name="Rival revenue")
    api_token_create(organization=tenancy.org, name="shop", scope=Scope.READ)
    return {"cycle": cycle, "goal": goal, "rival": rival}


def _ask(tenancy, django_capture_on_commit_callbacks, role="owner"):
    with django_capture_on_commit_callbacks(execute=True):  # the task runs after the commit
        return tenancy.client(role).post(reverse("data_export:page", args=[tenancy.org.slug]))


def _link(mail) -> str:
    return re.search(r"http://\S+(/o/\S+)", mail.body).group(1)


def _archive(response) -> zipfile.ZipFile:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))


def _rows(archive, name) -> list[dict]:
    return list(csv.DictReader(io.StringIO(archive.read(name).decode("utf-8"))))


def test_the_owner_gets_a_mailed_link_to_everything_of_the_organization(
        tenancy, records, clock, mailoutbox, django_capture_on_commit_callbacks):
    response = _ask(tenancy, django_capture_on_commit_callbacks)
    assert response.status_code == 302
    export = OrganizationExport.objects.get(organization=tenancy.org)
    assert export.status == ExportStatus.READY
    assert export.expires_at == ASKED + timedelta(days=7)
    assert [m.to for m in mailoutbox] == [[tenancy.user("owner").email]]
    archive = _archive(tenancy.client("owner").get(_link(mailoutbox[0])))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["organization"]["slug"] == "acme"
    files = set(archive.namelist())
    for table in manifest["tables"]:
        assert table["file"] in files
        assert len(_rows(archive, table["file"])) == table["rows"], table["file"]
    goals = _rows(archive, "tables/goals_goal.csv")
    assert [g["title"] for g in goals] == ["Answer every ticket within a day"]
    assert {r["file"] for r in manifest["reports"]} == {f"reports/cycle-{records['cycle'].pk}.html"}
    report = archive.read(f"reports/cycle-{records['cycle'].pk}.html").decode()
    assert "Quarterly report: Q2 2026" in report and "<style>" in report


def test_the_archive_holds_nothing_of_another_organization(
        tenancy, records, clock, mailoutbox, django_capture_on_commit_callbacks):
    _ask(tenancy, django_capture_on_commit_callbacks)
    archive = _archive(tenancy.client("owner").get(_link(mailoutbox[0])))
    manifest = json.loads(archive.read("manifest.json"))
    for table in manifest["tables"]:
        rows = _rows(archive, table["file"])
        if rows and "organization_id" in rows[0]:
            assert {r["organization_id"] for r in rows} == {str(tenancy.org.pk)}, table["file"]
    whole = b"".join(archive.read(name) for name in archive.namelist())
    assert b"Rival" not in whole
    users = _rows(archive, "tables/auth_user.csv")
    assert "outsider" not in {u["username"] for u in users}
    assert "acme-owner" in {u["username"] for u in users}


def test_formula_cells_are_neutralised_and_credentials_left_out(
        tenancy, records, clock, mailoutbox, django_capture_on_commit_callbacks):
    _ask(tenancy, django_capture_on_commit_callbacks)
    archive = _archive(tenancy.client("owner").get(_link(mailoutbox[0])))
    metrics = _rows(archive, "tables/metrics_metric.csv")
    assert metrics[0]["name"] == "'=HYPERLINK(\"http://x\")"
    tokens = _rows(archive, "tables/api_apitoken.csv")
    assert tokens and "token_hash" not in tokens[0]
    manifest = json.loads(archive.read("manifest.json"))
    assert "api_apitoken.token_hash" in manifest["left_out"]["columns"]
    assert "feeds_feed.signing_secret" in manifest["left_out"]["columns"]
    assert b"password" not in archive.read("tables/auth_user.csv")


def test_the_link_works_only_signed_unexpired_and_for_owners(
        tenancy, records, clock, mailoutbox, django_capture_on_commit_callbacks):
    _ask(tenancy, django_capture_on_commit_callbacks)
    link = _link(mailoutbox[0])
    unsigned = link.split("?")[0]
    assert tenancy.client("owner").get(unsigned).status_code == 410
    assert tenancy.client("owner").get(unsigned + "?s=1:forged").status_code == 410
    assert tenancy.client("consultant").get(link).status_code == 403
    assert tenancy.client("owner", tenancy.other_org).get(link).status_code == 404
    assert tenancy.client_for(tenancy.users["outsider"]).get(link).status_code == 404
    # The other organization's owner, on their own slug with this export's id: 404.
    other = link.replace("/o/acme/", "/o/rival/")
    assert tenancy.client("owner", tenancy.other_org).get(other).status_code == 404
    clock.shift(timedelta(days=7, seconds=1))
    assert tenancy.client("owner").get(link).status_code == 410


def test_expired_archives_are_deleted_by_the_daily_purge(
        tenancy, records, clock, mailoutbox, django_capture_on_commit_callbacks):
    _ask(tenancy, django_capture_on_commit_callbacks)
    export = OrganizationExport.objects.get(organization=tenancy.org)
    path = path_of(export.file_name)
    assert path.exists()
    clock.shift(timedelta(days=6))
    assert purge_expired.delay().get() == 0 and path.exists()
    clock.shift(timedelta(days=1))
    assert purge_expired.delay().get() == 1
    assert not path.exists()
    export.refresh_from_db()
    assert export.status == ExportStatus.EXPIRED


def test_asking_and_downloading_are_in_the_security_log(
        tenancy, records, clock, mailoutbox, django_capture_on_commit_callbacks):
    _ask(tenancy, django_capture_on_commit_callbacks)
    tenancy.client("owner").get(_link(mailoutbox[0]))
    details = list(SecurityEvent.objects.filter(
        organization=tenancy.org, kind=SecurityEventKind.EXPORT).values_list("detail", flat=True))
    assert any("asked" in d for d in details) and any("downloaded" in d for d in details)


def test_a_second_run_of_the_task_changes_nothing(
        tenancy, records, clock, mailoutbox, django_capture_on_commit_callbacks):
    _ask(tenancy, django_capture_on_commit_callbacks)
    export = OrganizationExport.objects.get(organization=tenancy.org)
    assert services.export_build(export_id=export.pk) is None
    assert len(mailoutbox) == 1
    assert len(list(path_of(export.file_name).parent.iterdir())) == 1


def test_one_archive_at_a_time(tenancy, records, clock):
    client = tenancy.client("owner")
    url = reverse("data_export:page", args=[tenancy.org.slug])
    client.post(url)  # queued (the task would run after the commit)
    response = client.post(url, follow=True)
    assert "already being built" in response.content.decode()
    assert OrganizationExport.objects.filter(organization=tenancy.org).count() == 1


def test_deleting_the_organization_deletes_its_archives(
        tenancy, records, clock, mailoutbox, django_capture_on_commit_callbacks):
    _ask(tenancy, django_capture_on_commit_callbacks)
    path = path_of(OrganizationExport.objects.get(organization=tenancy.org).file_name)
    organization_delete_everything(tenancy.org)
    assert not path.exists()


@pytest.mark.parametrize("role", ["viewer", "staff", "consultant"])
def test_only_owners_ask_for_an_archive(tenancy, role):
    client = tenancy.client(role)
    url = reverse("data_export:page", args=[tenancy.org.slug])
    assert client.get(url).status_code == 403
    assert client.post(url).status_code == 403
    assert not OrganizationExport.objects.exists()


def test_the_export_page_lists_archives_in_a_fixed_number_of_queries(
        tenancy, django_assert_max_num_queries):
    client = tenancy.client("owner")
    url = reverse("data_export:page", args=[tenancy.org.slug])
    OrganizationExport.objects.create(organization=tenancy.org,
                                      requested_by=tenancy.user("owner"), status="failed")
    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(8):
        OrganizationExport.objects.create(organization=tenancy.org,
                                          requested_by=tenancy.user("owner"), status="ready",
                                          expires_at=datetime(2099, 1, 1, tzinfo=UTC),
                                          file_name="x.zip", ready_at=ASKED)
    with django_assert_max_num_queries(len(few.captured_queries)):
        page = client.get(url)
    assert page.content.decode().count("Download the zip") == 8
