"""CSV import (pandas) and export: shapes, encodings, limits, bad rows, formula injection."""

from datetime import date
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from metrics import csv_import
from metrics.csv_export import neutralise
from metrics.csv_import import parse_values_csv
from metrics.models import MetricValue
from metrics.services import metric_values_record_bulk
from tests.factories import MetricFactory, MetricValueFactory, OrganizationFactory

TODAY = date(2026, 11, 18)


@pytest.fixture
def org(db):
    organization = OrganizationFactory(slug="shop")
    MetricFactory(organization=organization, name="Wait time", unit="minutes",
                  frequency="weekly")
    MetricFactory(organization=organization, name="Stock accuracy", unit="%",
                  frequency="monthly")
    MetricFactory(organization=organization, name="Café visits", unit="count",
                  frequency="monthly")
    return organization


def read(org, text, encoding="utf-8"):
    content = text.encode(encoding) if isinstance(text, str) else text
    return parse_values_csv(content, organization=org, today=TODAY)


def test_long_format_with_notes(org):
    preview = read(org, "metric,date,value,note\nWait time,2026-11-02,7.5,new tickets\n"
                        "Stock accuracy,2026-10-15,91,\n")
    assert not preview.error and not preview.problems
    assert preview.shape == "long"
    assert [(r.period, r.value, r.note) for r in preview.rows] == [
        (date(2026, 11, 2), Decimal("7.5"), "new tickets"), (date(2026, 10, 1), Decimal(91), "")]


def test_utf8_with_bom_semicolons_and_decimal_commas(org):
    preview = read(org, "\ufeffmetric;date;value\nWait time;02.11.2026;7,5\n"
                        "Café visits;15/10/2026;1.234\n")
    assert not preview.problems, preview.problems
    assert preview.encoding == "UTF-8 with BOM" and preview.delimiter == ";"
    assert [r.value for r in preview.rows] == [Decimal("7.5"), Decimal("1.234")]


def test_latin1_file_is_read(org):
    preview = read(org, "metric,date,value\nCafé visits,2026-10-01,120\n", encoding="latin-1")
    assert preview.encoding.startswith("Latin-1")
    assert not preview.problems and preview.rows[0].value == 120


def test_wide_format_with_tabs_and_gaps(org):
    preview = read(org, "date\tWait time\tStock accuracy\tUnknown KPI\n"
                        "2026-11-02\t7\t\t3\n2026-11-09\t6,5\t92\t\n")
    assert preview.shape == "wide"
    assert len(preview.rows) == 3
    assert preview.problems[0].line == 1 and "Unknown KPI" in preview.problems[0].reason


def test_month_first_dates_are_recognised_from_the_file(org):
    preview = read(org, "metric,date,value\nWait time,11/02/2026,7\nWait time,10/26/2026,8\n")
    assert not preview.problems
    assert [r.period for r in preview.rows] == [date(2026, 11, 2), date(2026, 10, 26)]


@pytest.mark.parametrize(("line", "words"), [
    ("Wait time,2026-11-02,NaN", "not a number you can measure"),
    ("Wait time,2026-11-02,inf", "not a number you can measure"),
    ("Wait time,2026-11-02,", "empty"),
    ("Wait time,2026-11-02,lots", "not a number"),
    ("Stock accuracy,2026-10-01,140", "outside 0-100"),
    ("Stock accuracy,2026-10-01,-3", "outside 0-100"),
    ("Wait time,2026-11-02,-3", "negative"),
    ("Wait time,2031-01-06,3", "not started yet"),
    ("Wait time,someday,3", "is not a date"),
    ("Nobody knows,2026-11-02,3", "not a metric of this organization"),
    ("Wait time,2026-11-02,=1+2", "spreadsheet formula"),
    ("Wait time,2026-11-02,99999999999999999", "too large"),
    ("Wait time,2026-11-02,3,<img src=x onerror=alert(1)>", "HTML"),
    ("Wait time,2026-11-02,3,=HYPERLINK(\"http://evil\")", "formula"),
])
def test_bad_rows_are_refused_with_their_line_and_reason(org, line, words):
    preview = read(org, "metric,date,value,note\nWait time,2026-10-05,5,ok\n" + line + "\n")
    assert len(preview.rows) == 1
    assert [p.line for p in preview.problems] == [3]
    assert words in preview.problems[0].reason


def test_value_for_an_archived_metric_is_refused(org):
    from django.utils import timezone

    MetricFactory(organization=org, name="Old thing", archived_at=timezone.now())
    preview = read(org, "metric,date,value\nOld thing,2026-10-05,5\n")
    assert not preview.rows and "archived" in preview.problems[0].reason


def test_duplicate_rows_for_one_period_are_both_refused(org):
    preview = read(org, "metric,date,value\nWait time,2026-11-02,5\nWait time,2026-11-04,6\n"
                        "Wait time,2026-11-09,7\n")
    assert [r.value for r in preview.rows] == [7]
    assert len(preview.problems) == 1 and preview.refused == 2
    assert "2 lines (lines 2, 3) have a value for the same period" in preview.problems[0].reason


def test_thousands_of_identical_lines_are_one_summarised_problem(org):
    """The probe: 5,000 identical lines took 16 s and a 14 MB page (each line's reason named
    the 4,999 others)."""
    preview = read(org, "metric,date,value\n" + "Wait time,2026-11-02,5\n" * 5000)
    assert not preview.rows and preview.refused == 5000
    [problem] = preview.problems
    assert problem.line == 2
    assert "5,000 lines (lines 2, 3, 4, 5, 6 and 4,995 more)" in problem.reason
    assert len(problem.reason) < 200


@pytest.mark.parametrize(("content", "words"), [
    (b"", "empty"), (b"   \n", "empty"), (b"metric,date,value\n", "no values"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "not a text file"),
    (b"foo,bar\n1,2\n", "columns were not recognised"),
])
def test_unusable_files_are_refused_whole(org, content, words):
    preview = read(org, content)
    assert words in preview.error
    assert not preview.rows


def test_files_over_the_limits_are_refused(org, monkeypatch):
    monkeypatch.setattr(csv_import, "MAX_ROWS", 3)
    preview = read(org, "metric,date,value\n" + "Wait time,2026-11-02,5\n" * 4)
    assert "limit is 3" in preview.error
    monkeypatch.setattr(csv_import, "MAX_BYTES", 10)
    assert "limit is 5 MB" in read(org, "metric,date,value\nWait time,2026-11-02,5\n").error


def test_nothing_is_written_by_a_preview(org):
    read(org, "metric,date,value\nWait time,2026-11-02,5\n")
    assert not MetricValue.objects.exists()


def test_formula_cells_are_neutralised_on_export():
    assert neutralise("=SUM(A1)") == "'=SUM(A1)"
    assert neutralise("+cmd") == "'+cmd"
    assert neutralise("-cmd|calc") == "'-cmd|calc"
    assert neutralise("@me") == "'@me"
    assert neutralise("-12.5") == "-12.5"
    assert neutralise("plain") == "plain"


def test_export_and_import_commands_round_trip(org, tmp_path):
    metric = org.metrics.get(name="Wait time")
    MetricValueFactory(metric=metric, period=date(2026, 11, 2), value=Decimal("7.5"),
                       note="=cmd")
    out = StringIO()
    call_command("export_values", "--org", "shop", stdout=out)
    assert out.getvalue().splitlines() == ["metric,date,value,note",
                                           "Wait time,2026-11-02,7.5,'=cmd"]
    path = tmp_path / "values.csv"
    path.write_text("metric,date,value\nWait time,2026-10-26,6\nWait time,2026-10-19,x\n")
    out, err = StringIO(), StringIO()
    call_command("import_values", "--org", "shop", str(path), "--dry-run", stdout=out,
                 stderr=err)
    assert "line 3:" in err.getvalue() and "1 values would be imported" in out.getvalue()
    assert MetricValue.objects.count() == 1
    call_command("import_values", "--org", "shop", str(path), stdout=out, stderr=err)
    assert MetricValue.objects.count() == 2
    path.write_text("metric,date,value\nWait time,2026-10-19,x\n")
    with pytest.raises(CommandError, match="Nothing was imported"):
        call_command("import_values", "--org", "shop", str(path), stdout=out, stderr=err)


def test_a_large_import_writes_in_bulk(org, django_assert_max_num_queries):
    lines = ["date,Wait time"] + [f"{date.fromordinal(date(2000, 1, 3).toordinal() + 7 * i)},"
                                  f"{i % 50}" for i in range(1300)]
    preview = read(org, "\n".join(lines))
    assert len(preview.rows) == 1300 and not preview.problems
    with django_assert_max_num_queries(12):
        result = metric_values_record_bulk(organization=org, rows=preview.rows)
    assert result.created == 1300
