"""Everything of one organization as one zip: a CSV per table, the quarterly reports as HTML
and a manifest (manifest.json) saying what each file holds.

The tables are found, not listed: every model with an `organization` foreign key (the
planning records, values, scores, flags, history, logs...), so a table added later is in the
archive without anyone remembering. Columns that hold credentials (token hashes, signing
secrets, encrypted webhook URLs) are left out and named in the manifest. Cells that a
spreadsheet would run as a formula are neutralised (metrics.csv_export.neutralise).
The reading is a fixed number of queries per table, each streamed in chunks.
"""

import json
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.staticfiles import finders
from django.db import models
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.utils import timezone

from alignment_portal.dashboards import reports
from alignment_portal.dashboards import selectors as dashboard_selectors
from alignment_portal.organizations.models import Membership, Organization
from alignment_portal.organizations.owned_models import organization_models
from goals.models import Cycle
from metrics.csv_export import csv_lines

# A column whose name contains one of these is a credential: never exported.
CREDENTIAL_MARKERS = ("token_hash", "secret", "encrypted", "password")
SKIPPED_FIELD_TYPES = (models.BinaryField, models.FileField)
# Models that describe the export itself, not the organization's data.
LEFT_OUT_MODELS = {"data_export.OrganizationExport"}
ARCHIVE_FORMAT_VERSION = 1


@dataclass
class ArchiveSummary:
    tables: list[dict] = field(default_factory=list)
    reports: list[dict] = field(default_factory=list)
    left_out_columns: list[str] = field(default_factory=list)

    @property
    def row_count(self) -> int:
        return sum(t["rows"] for t in self.tables)


def exported_models() -> list[type[models.Model]]:
    return [m for m in organization_models() if m._meta.label not in LEFT_OUT_MODELS]


def _is_credential(field_: models.Field) -> bool:
    return any(marker in field_.name for marker in CREDENTIAL_MARKERS)


def _cell(value):
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return value


def _write_csv(zf: zipfile.ZipFile, name: str, header: list[str], rows) -> int:
    count = 0

    def counted():
        nonlocal count
        for row in rows:
            count += 1
            yield [_cell(v) for v in row]

    with zf.open(name, "w") as handle:
        for line in csv_lines(header, counted()):
            handle.write(line.encode("utf-8"))
    return count


def _write_table(zf, model, organization, summary: ArchiveSummary) -> None:
    columns, left_out = [], []
    for field_ in model._meta.concrete_fields:
        if _is_credential(field_) or isinstance(field_, SKIPPED_FIELD_TYPES):
            left_out.append(f"{model._meta.db_table}.{field_.column}")
        else:
            columns.append(field_.attname)
    rows = (model._base_manager.filter(organization=organization).order_by("pk")
            .values_list(*columns).iterator(chunk_size=2000))
    name = f"tables/{model._meta.db_table}.csv"
    count = _write_csv(zf, name, columns, rows)
    summary.tables.append({"file": name, "model": model._meta.label,
                           "description": str(model._meta.verbose_name_plural), "rows": count,
                           "columns": columns})
    summary.left_out_columns.extend(left_out)


def _write_people(zf, organization, summary: ArchiveSummary) -> None:
    """The members' accounts (who the user ids in the other tables are), no passwords."""
    user_model = get_user_model()
    header = ["id", "username", "email", "first_name", "last_name", "role", "member_since"]
    rows = (Membership.objects.filter(organization=organization).order_by("user_id")
            .values_list("user_id", "user__username", "user__email", "user__first_name",
                         "user__last_name", "role", "created_at").iterator(chunk_size=2000))
    name = f"tables/{user_model._meta.db_table}.csv"
    count = _write_csv(zf, name, header, rows)
    summary.tables.append({"file": name, "model": user_model._meta.label,
                           "description": "the members' accounts (no passwords)",
                           "rows": count, "columns": header})


def _stylesheet() -> str:
    path = finders.find("css/portal.css")
    return Path(path).read_text(encoding="utf-8") if path else ""


def _write_reports(zf, organization, requested_by, summary: ArchiveSummary) -> None:
    """Each cycle's quarterly report, as the report page renders it, with the stylesheet
    inlined so the file reads offline (links point back to the site)."""
    membership = Membership.objects.filter(organization=organization,
                                           user=requested_by).first()
    style = _stylesheet()
    for cycle in Cycle.objects.filter(organization=organization).order_by("start_date", "pk"):
        request = RequestFactory().get("/")
        request.user = requested_by
        request.membership, request.organization = membership, organization
        html = render_to_string("dashboards/report.html", {
            "report": reports.report(organization=organization, cycle=cycle), "cycle": cycle,
            "dimension_keys": dashboard_selectors.DIMENSIONS,
            "generated_at": timezone.now()}, request=request)
        html = html.replace("</head>", f"<style>{style}</style>\n</head>", 1)
        name = f"reports/cycle-{cycle.pk}.html"
        zf.writestr(name, html)
        summary.reports.append({"file": name, "cycle": cycle.name,
                                "start_date": cycle.start_date.isoformat(),
                                "end_date": cycle.end_date.isoformat()})


def write_archive(*, organization: Organization, requested_by, path: Path) -> ArchiveSummary:
    """Write the organization's archive to `path` (a zip). Returns what it holds."""
    summary = ArchiveSummary()
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        _write_csv(zf, "tables/organizations_organization.csv",
                   [f.attname for f in Organization._meta.concrete_fields],
                   Organization.objects.filter(pk=organization.pk).values_list(
                       *[f.attname for f in Organization._meta.concrete_fields]))
        summary.tables.append({"file": "tables/organizations_organization.csv",
                               "model": Organization._meta.label,
                               "description": "the organization's settings", "rows": 1,
                               "columns": [f.attname for f in
                                           Organization._meta.concrete_fields]})
        _write_people(zf, organization, summary)
        for model in exported_models():
            _write_table(zf, model, organization, summary)
        _write_reports(zf, organization, requested_by, summary)
        manifest = {
            "format_version": ARCHIVE_FORMAT_VERSION,
            "organization": {"id": organization.pk, "name": organization.name,
                             "slug": organization.slug},
            "generated_at": timezone.now().isoformat(),
            "generated_for": requested_by.get_username() if requested_by else "",
            "csv": "UTF-8, comma-separated, a header line; dates and times ISO 8601 (UTC); "
                   "a cell that a spreadsheet would run as a formula starts with an "
                   "apostrophe",
            "tables": summary.tables,
            "reports": summary.reports,
            "left_out": {"columns": summary.left_out_columns,
                         "why": "credentials (token hashes, signing secrets, encrypted "
                                "webhook addresses) and uploaded files' raw bytes"},
        }
        zf.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
    return summary
