"""Reading a CSV of metric values, before anything is written.

Two shapes are accepted (header names are case-insensitive):
- long: one value per line, columns `metric`, `date` (or `period`), `value`, optional `note`;
- wide: the first column is the date (`date`, `period`, `week`, `month` or `quarter`), every
  other column is a metric named by its header; empty cells are skipped.

The encoding (UTF-8 with or without BOM, UTF-16 with BOM, otherwise Latin-1/Windows-1252) and
the delimiter (comma, semicolon, tab, pipe: whichever splits the header into most columns) are
detected. Decimal commas are read where unambiguous, and always in a semicolon-separated file
(the spreadsheet convention where the comma is the decimal mark). Dates: ISO (2026-03-01, with or
without a time), 2026/03/01, 01/03/2026 and 01.03.2026 (day first unless a day above 12 shows the
file is month first), 2026-03 (a month), "March 2026", "Mar 2026", "1 Mar 2026", 2026-Q1.

Every value goes through metrics/validation.py. The result is an `ImportPreview`: the valid
rows, and each refused line with its number and reason. Nothing is written here.
"""

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import pandas as pd
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from alignment_portal.organizations.models import Organization
from metrics.models import Metric
from metrics.periods import period_label
from metrics.services import ValueRow
from metrics.validation import validate_entry

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 100_000
DELIMITERS = [",", ";", "\t", "|"]
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
DATE_HEADERS = {"date", "period", "period date", "week", "month", "quarter", "day"}
NOTE_HEADERS = {"note", "notes", "comment", "comments"}
PROBLEM_DISPLAY_LIMIT = 500


@dataclass
class Problem:
    line: int
    reason: str
    lines: int = 1  # how many lines it refuses (duplicates are summarised in one problem)


@dataclass
class PreviewRow:
    line: int
    metric: str
    period: date
    period_label: str
    value: object
    note: str
    metric_id: int = 0
    replaces: object = None  # the value logged now, when this row replaces it
    warning: str = ""  # far outside the metric's history (metrics/import_checks.py)


@dataclass
class ImportPreview:
    error: str = ""  # the whole file is refused
    shape: str = ""  # "long" or "wide"
    encoding: str = ""
    delimiter: str = ""
    decimal_comma: bool = False
    notes: list[str] = field(default_factory=list)  # how the file was read
    rows: list[ValueRow] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)  # the file line of each of `rows`
    metrics_by_id: dict = field(default_factory=dict)
    sample: list[PreviewRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    per_metric: dict = field(default_factory=dict)  # name -> count of valid rows
    data_lines: int = 0
    columns: list[str] = field(default_factory=list)  # the header as read
    names: list[str] = field(default_factory=list)  # the metric names a long file uses

    @property
    def refused(self) -> int:
        """Values refused: a summarised problem counts every line it covers."""
        return sum(problem.lines for problem in self.problems)

    @property
    def problems_shown(self):
        return self.problems[:PROBLEM_DISPLAY_LIMIT]

    @property
    def problems_hidden(self) -> int:
        return max(0, len(self.problems) - PROBLEM_DISPLAY_LIMIT)


def decode(content: bytes) -> tuple[str, str]:
    """(text, encoding name) or ValidationError for a file that is not text."""
    if content.startswith(b"\xef\xbb\xbf"):
        return content[3:].decode("utf-8", errors="strict"), "UTF-8 with BOM"
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return content.decode("utf-16"), "UTF-16"
    if b"\x00" in content[:8192]:
        raise ValidationError(gettext("This is not a text file (it contains binary data). Save "
                                      "it as CSV from your spreadsheet and upload that."))
    try:
        text, name = content.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        try:
            text, name = content.decode("cp1252"), "Latin-1 (Windows-1252)"
        except UnicodeDecodeError:
            text, name = content.decode("latin-1"), "Latin-1"
    controls = sum(1 for ch in text[:8192] if ord(ch) < 32 and ch not in "\r\n\t")
    if controls > max(2, len(text[:8192]) // 100):
        raise ValidationError(gettext("This is not a text file (it contains binary data). Save "
                                      "it as CSV from your spreadsheet and upload that."))
    return text, name


def detect_delimiter(header: str) -> str:
    best, best_count = ",", 1
    for candidate in DELIMITERS:
        count = len(next(csv.reader([header], delimiter=candidate), []))
        if count > best_count:
            best, best_count = candidate, count
    return best


_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})([ T].*)?$")
_YMD_SLASH = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_YEAR_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})\s*-?\s*[Qq]([1-4])$|^[Qq]([1-4])\s*-?\s*(\d{4})$")
_TEXT_FORMATS = ["%B %Y", "%b %Y", "%d %B %Y", "%d %b %Y", "%B %d, %Y", "%b %d, %Y",
                 "%d-%b-%Y", "%d-%b-%y"]


def _day_first(values) -> tuple[bool, bool]:
    """(day first?, ambiguous?) for the file's dd/mm/yyyy-like dates."""
    first_big = second_big = False
    for value in values:
        match = _DMY.match(value)
        if match:
            first_big |= int(match.group(1)) > 12
            second_big |= int(match.group(2)) > 12
    if first_big:
        return True, False
    if second_big:
        return False, False
    return True, any(_DMY.match(v) for v in values)


def parse_date(text: str, *, day_first: bool = True) -> date | None:
    text = text.strip()
    if not text:
        return None
    try:
        if m := _ISO.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _YMD_SLASH.match(text):
            return date(int(m[1]), int(m[2]), int(m[3]))
        if m := _DMY.match(text):
            a, b = int(m[1]), int(m[2])
            day, month = (a, b) if day_first else (b, a)
            return date(int(m[3]), month, day)
        if m := _YEAR_MONTH.match(text):
            return date(int(m[1]), int(m[2]), 1)
        if m := _QUARTER.match(text):
            year, quarter = (m[1], m[2]) if m[1] else (m[4], m[3])
            return date(int(year), 3 * (int(quarter) - 1) + 1, 1)
    except ValueError:
        return None
    for fmt in _TEXT_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def _decimal_comma(values: list[str], delimiter: str) -> bool:
    """Is the comma the decimal mark in this file? Yes in a semicolon file, or where some value
    can only be read that way ("12,5"), unless another value uses a decimal point."""
    sample = [v.strip() for v in values[:5000] if v and v.strip()]
    if any(re.match(r"^[+-]?\d+\.\d+$", v) for v in sample):
        return False
    if delimiter == ";":
        return True
    return any(re.match(r"^[+-]?\d+,(\d{1,2}|\d{4,})$", v) for v in sample)


def parse_values_csv(content: bytes, *, organization: Organization,
                     today: date | None = None,
                     mapping: dict[str, Metric | None] | None = None) -> ImportPreview:
    """Read `content` into an ImportPreview for `organization`; writes nothing.

    `mapping` (a feed's): names in the file (wide columns or long metric names, any case)
    mapped to one of the organization's metrics, or to None to skip them quietly; other names
    are matched to a metric of the same name."""
    preview = ImportPreview()
    today = today or timezone.localdate()
    if not content or not content.strip():
        preview.error = gettext("The file is empty.")
        return preview
    if len(content) > MAX_BYTES:
        preview.error = (gettext("The file is %(value)s MB; the limit is 5 MB. Split it into "
                                 "smaller files.") % {"value": f"{len(content) / 1_048_576:.1f}"})
        return preview
    try:
        text, preview.encoding = decode(content)
    except ValidationError as exc:
        preview.error = exc.messages[0]
        return preview
    header = next((line for line in text.splitlines() if line.strip()), "")
    preview.delimiter = detect_delimiter(header)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=preview.delimiter, dtype=str,
                            keep_default_na=False, skip_blank_lines=False, engine="c")
    except pd.errors.EmptyDataError:
        preview.error = gettext("The file is empty.")
        return preview
    except pd.errors.ParserError as exc:
        detail = str(exc).split("C error: ")[-1]
        preview.error = gettext("The file could not be read as CSV: %(detail)s") % {
            "detail": detail}
        return preview
    frame = frame.fillna("")
    if len(frame) > MAX_ROWS:
        preview.error = (gettext("The file has %(len)s rows; the limit is %(max_rows)s. Split it "
                                 "into smaller files.") % {
                                     "len": f"{len(frame):,}", "max_rows": f"{MAX_ROWS:,}"})
        return preview
    columns = [str(c).strip() for c in frame.columns]
    preview.columns = columns
    lowered = [c.lower() for c in columns]
    metrics = {m.name.strip().lower(): m for m in Metric.objects.filter(organization=organization)}
    preview.metrics_by_id = {m.pk: m for m in metrics.values()}
    ignored = set()
    for name, metric in (mapping or {}).items():
        key = name.strip().lower()
        if metric is None:
            ignored.add(key)
            metrics.pop(key, None)
        elif metric.organization_id == organization.pk:  # never another organization's
            metrics[key] = metric
            preview.metrics_by_id[metric.pk] = metric
    if "metric" in lowered and "value" in lowered and any(c in DATE_HEADERS for c in lowered):
        preview.shape = "long"
        _read_long(frame, lowered, metrics, preview, today, ignored)
    elif len(columns) >= 2 and lowered[0] in DATE_HEADERS:
        preview.shape = "wide"
        _read_wide(frame, columns, metrics, preview, today, ignored)
    else:
        preview.error = (
            "The columns were not recognised. Use either metric, date, value, note (one value "
            "per line) or date followed by one column per metric name. Found: "
            + ", ".join(columns[:8]))
        return preview
    if preview.data_lines == 0 and not preview.error:
        preview.error = gettext("The file has a header but no values.")
    refuse_duplicates(preview)
    summarise(preview)
    preview.problems.sort(key=lambda p: p.line)
    notes = [f"Encoding: {preview.encoding}", f"Separator: {DELIMITER_NAMES[preview.delimiter]}",
             "Decimal mark: comma" if preview.decimal_comma else "Decimal mark: point"]
    preview.notes = notes + preview.notes
    return preview


def _dates(values, preview: ImportPreview) -> dict[str, date | None]:
    unique = sorted({v.strip() for v in values if v and v.strip()})
    day_first, ambiguous = _day_first(unique)
    if ambiguous:
        preview.notes.append(gettext("Dates like 03/04/2026 were read as day/month/year."))
    elif any(_DMY.match(v) for v in unique):
        preview.notes.append("Dates were read as " + ("day/month/year." if day_first
                                                      else "month/day/year."))
    return {v: parse_date(v, day_first=day_first) for v in unique}


def _reason(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def add_entry(preview, *, line, metric, raw_date, day, raw_value, note, today,
              label_metric=False):
    """Validate one value and add it to `preview` (or its problem, with the line)."""
    prefix = f"{metric.name}: " if label_metric else ""
    if day is None:
        preview.problems.append(Problem(line, gettext("%(prefix)s“%(value)s” is not a date (use "
                                                      "YYYY-MM-DD, e.g. 2026-03-01).") % {
                                                          "prefix": prefix,
                                                          "value": raw_date.strip()[:40]}))
        return
    try:
        period, value, note = validate_entry(metric=metric, day=day, value=raw_value, note=note,
                                             today=today, decimal_comma=preview.decimal_comma)
    except ValidationError as exc:
        preview.problems.append(Problem(line, prefix + _reason(exc)))
        return
    preview.rows.append(ValueRow(metric.pk, period, value, note))
    preview.lines.append(line)


def _read_long(frame, lowered, metrics, preview, today, ignored=frozenset()):
    date_col = next(frame.columns[i] for i, c in enumerate(lowered) if c in DATE_HEADERS)
    metric_col = frame.columns[lowered.index("metric")]
    value_col = frame.columns[lowered.index("value")]
    note_col = next((frame.columns[i] for i, c in enumerate(lowered) if c in NOTE_HEADERS), None)
    metric_cells = frame[metric_col].tolist()
    date_cells = frame[date_col].tolist()
    value_cells = frame[value_col].tolist()
    note_cells = frame[note_col].tolist() if note_col is not None else [""] * len(frame)
    preview.decimal_comma = _decimal_comma(value_cells, preview.delimiter)
    preview.names = sorted({name.strip() for name in metric_cells if name.strip()})[:200]
    dates = _dates(date_cells, preview)
    for index, (name, raw_date, raw_value, note) in enumerate(
            zip(metric_cells, date_cells, value_cells, note_cells, strict=True)):
        if not (name.strip() or raw_date.strip() or raw_value.strip() or note.strip()):
            continue  # a blank line
        if name.strip().lower() in ignored:
            continue
        line = index + 2
        preview.data_lines += 1
        metric = metrics.get(name.strip().lower())
        if metric is None:
            shown = name.strip()[:60] or "(empty)"
            preview.problems.append(Problem(line, gettext("“%(shown)s” is not a metric of this "
                                                          "organization.") % {"shown": shown}))
            continue
        add_entry(preview, line=line, metric=metric, raw_date=raw_date,
               day=dates.get(raw_date.strip()), raw_value=raw_value, note=note, today=today)


def _read_wide(frame, columns, metrics, preview, today, ignored=frozenset()):
    date_cells = frame[frame.columns[0]].tolist()
    dates = _dates(date_cells, preview)
    usable = []
    for position, name in enumerate(columns[1:], start=1):
        if name.lower() in ignored:
            continue
        metric = metrics.get(name.lower())
        if metric is None:
            preview.problems.append(Problem(1, gettext("Column “%(value)s” is not a metric of "
                                                       "this organization; its values were "
                                                       "skipped.") % {"value": name[:60]}))
        else:
            usable.append((metric, frame[frame.columns[position]].tolist()))
    preview.decimal_comma = _decimal_comma(
        [v for _, cells in usable for v in cells[:1000]], preview.delimiter)
    for index, raw_date in enumerate(date_cells):
        cells = [(metric, values[index]) for metric, values in usable]
        if not raw_date.strip() and not any(v.strip() for _, v in cells):
            continue
        line = index + 2
        preview.data_lines += 1
        day = dates.get(raw_date.strip())
        for metric, raw_value in cells:
            if not raw_value.strip():
                continue
            add_entry(preview, line=line, metric=metric, raw_date=raw_date, day=day,
                   raw_value=raw_value, note="", today=today, label_metric=True)


DUPLICATE_LINES_SHOWN = 5


def refuse_duplicates(preview: ImportPreview) -> None:
    """Two lines for one metric and period: which is right cannot be told, so none goes.

    One problem per metric and period, naming the first few lines and counting the rest:
    linear in the file (5,000 identical lines are one entry, not 5,000 entries each naming
    4,999 others)."""
    by_key = defaultdict(list)
    for position, row in enumerate(preview.rows):
        by_key[(row.metric_id, row.period)].append(position)
    duplicated = set()
    for (metric_id, period), positions in by_key.items():
        if len(positions) < 2:
            continue
        duplicated.update(positions)
        lines = [preview.lines[p] for p in positions]
        shown = ", ".join(str(line) for line in lines[:DUPLICATE_LINES_SHOWN])
        more = len(lines) - DUPLICATE_LINES_SHOWN
        if more > 0:
            shown += f" and {more:,} more"
        name = preview.metrics_by_id[metric_id].name
        preview.problems.append(Problem(
            lines[0],
            gettext("%(name)s: %(len)s lines (lines %(shown)s) have a value for the same period "
                    "(starting %(period)s); keep one line per metric and period.") % {
                        "name": name, "len": f"{len(lines):,}", "shown": shown,
                        "period": f"{period:%Y-%m-%d}"},
            lines=len(lines)))
    if duplicated:
        keep = [pos for pos in range(len(preview.rows)) if pos not in duplicated]
        preview.rows = [preview.rows[pos] for pos in keep]
        preview.lines = [preview.lines[pos] for pos in keep]


def summarise(preview: ImportPreview) -> None:
    counts = defaultdict(int)
    for row in preview.rows:
        counts[row.metric_id] += 1
    preview.per_metric = dict(sorted(
        (preview.metrics_by_id[metric_id].name, n) for metric_id, n in counts.items()))
    for line, row in zip(preview.lines[:50], preview.rows[:50], strict=True):
        metric = preview.metrics_by_id[row.metric_id]
        preview.sample.append(PreviewRow(line, metric.name, row.period,
                                         period_label(metric.frequency, row.period),
                                         row.value, row.note, metric_id=row.metric_id))
