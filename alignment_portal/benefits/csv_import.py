"""Reading a CSV of realised benefits, before anything is written: the conventions of the
metric values' import (metrics/csv_import.py), whose readers it reuses.

One entry per line, header names case-insensitive: `initiative` (its name or id), `month` (or
`date`, `period`: any date of the month, "2026-03", "March 2026", 01/03/2026 ...), `hours`
(or `hours saved`, `hours_saved`), `money` (or `money gained`, `money_gained`) and an
optional `note`. Encoding (UTF-8 with or without BOM, UTF-16, Latin-1), delimiter and decimal
commas are detected as for values. Every line goes through benefits/validation.py; two lines
for one initiative and month are both refused (which one is right cannot be told). The result
is a `BenefitPreview`: the valid rows, and each refused line with its number and reason.
"""

import io
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

import pandas as pd
from django.core.exceptions import ValidationError
from django.utils import dateformat, timezone
from django.utils.translation import gettext

from alignment_portal.benefits.services import BenefitRow
from alignment_portal.benefits.validation import validate_benefit
from alignment_portal.organizations.models import Organization
from initiatives.models import Initiative
from metrics.csv_import import (
    DELIMITER_NAMES,
    MAX_BYTES,
    MAX_ROWS,
    NOTE_HEADERS,
    PROBLEM_DISPLAY_LIMIT,
    Problem,
    _day_first,
    _decimal_comma,
    decode,
    detect_delimiter,
    parse_date,
)

INITIATIVE_HEADERS = {"initiative", "initiative id", "initiative_id"}
MONTH_HEADERS = {"month", "date", "period"}
HOURS_HEADERS = {"hours", "hours saved", "hours_saved"}
MONEY_HEADERS = {"money", "money gained", "money_gained", "amount"}


@dataclass
class BenefitPreview:
    error: str = ""
    encoding: str = ""
    delimiter: str = ""
    decimal_comma: bool = False
    notes: list[str] = field(default_factory=list)
    rows: list[BenefitRow] = field(default_factory=list)
    lines: list[int] = field(default_factory=list)
    initiatives_by_id: dict = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    per_initiative: dict = field(default_factory=dict)  # name -> count of valid rows
    data_lines: int = 0

    @property
    def problems_shown(self):
        return self.problems[:PROBLEM_DISPLAY_LIMIT]

    @property
    def problems_hidden(self) -> int:
        return max(0, len(self.problems) - PROBLEM_DISPLAY_LIMIT)

    @property
    def sample(self):
        return [(line, self.initiatives_by_id[row.initiative_id].name, row)
                for line, row in zip(self.lines[:50], self.rows[:50], strict=True)]


def _column(frame, lowered, names):
    return next((frame.columns[i] for i, c in enumerate(lowered) if c in names), None)


def parse_benefits_csv(content: bytes, *, organization: Organization,
                       today: date | None = None) -> BenefitPreview:
    """Read `content` into a BenefitPreview for `organization`; writes nothing."""
    preview = BenefitPreview()
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
        preview.error = gettext("The file could not be read as CSV: %(value)s") % {
            "value": str(exc).split('C error: ')[-1]}
        return preview
    frame = frame.fillna("")
    if len(frame) > MAX_ROWS:
        preview.error = (gettext("The file has %(len)s rows; the limit is %(max_rows)s. Split it "
                                 "into smaller files.") % {
                                     "len": f"{len(frame):,}", "max_rows": f"{MAX_ROWS:,}"})
        return preview
    lowered = [str(c).strip().lower() for c in frame.columns]
    initiative_col = _column(frame, lowered, INITIATIVE_HEADERS)
    month_col = _column(frame, lowered, MONTH_HEADERS)
    hours_col = _column(frame, lowered, HOURS_HEADERS)
    money_col = _column(frame, lowered, MONEY_HEADERS)
    note_col = _column(frame, lowered, NOTE_HEADERS)
    if initiative_col is None or month_col is None or (hours_col is None and money_col is None):
        preview.error = ("The columns were not recognised. Use initiative, month, hours, "
                         "money, note (hours or money may be left out). Found: "
                         + ", ".join(str(c) for c in frame.columns[:8]))
        return preview
    _read(frame, preview, organization=organization, today=today,
          columns=(initiative_col, month_col, hours_col, money_col, note_col))
    if preview.data_lines == 0:
        preview.error = gettext("The file has a header but no entries.")
    _refuse_duplicates(preview)
    counts = defaultdict(int)
    for row in preview.rows:
        counts[preview.initiatives_by_id[row.initiative_id].name] += 1
    preview.per_initiative = dict(sorted(counts.items()))
    preview.problems.sort(key=lambda p: p.line)
    preview.notes = [f"Encoding: {preview.encoding}",
                     f"Separator: {DELIMITER_NAMES[preview.delimiter]}",
                     "Decimal mark: comma" if preview.decimal_comma else "Decimal mark: point",
                     *preview.notes]
    return preview


def _read(frame, preview, *, organization, today, columns) -> None:
    initiative_col, month_col, hours_col, money_col, note_col = columns
    blank = [""] * len(frame)
    names = frame[initiative_col].tolist()
    months = frame[month_col].tolist()
    hours = frame[hours_col].tolist() if hours_col is not None else blank
    money = frame[money_col].tolist() if money_col is not None else blank
    notes = frame[note_col].tolist() if note_col is not None else blank
    preview.decimal_comma = _decimal_comma(hours + money, preview.delimiter)
    initiatives = list(Initiative.objects.filter(organization=organization))
    preview.initiatives_by_id = {i.pk: i for i in initiatives}
    by_name = {i.name.strip().lower(): i for i in initiatives}
    unique_dates = sorted({m.strip() for m in months if m.strip()})
    day_first, ambiguous = _day_first(unique_dates)
    if ambiguous:
        preview.notes.append(gettext("Dates like 03/04/2026 were read as day/month/year."))
    for index, cells in enumerate(zip(names, months, hours, money, notes, strict=True)):
        name, raw_month, raw_hours, raw_money, note = cells
        if not any(cell.strip() for cell in cells):
            continue
        line = index + 2
        preview.data_lines += 1
        key = name.strip()
        initiative = by_name.get(key.lower())
        if initiative is None and key.isdigit():
            initiative = preview.initiatives_by_id.get(int(key))
        if initiative is None:
            preview.problems.append(Problem(line, gettext("“%(value)s” is not an initiative of "
                                                          "this organization.") % {
                                                              "value": key[:60] or '(empty)'}))
            continue
        day = parse_date(raw_month, day_first=day_first)
        if day is None:
            preview.problems.append(Problem(
                line, gettext("%(name)s: “%(value)s” is not a month (use YYYY-MM, e.g. "
                              "2026-03).") % {"name": initiative.name,
                                              "value": raw_month.strip()[:40]}))
            continue
        try:
            month, h, g, note = validate_benefit(
                month=day, hours_saved=raw_hours, money_gained=raw_money, note=note,
                today=today, decimal_comma=preview.decimal_comma)
        except ValidationError as exc:
            preview.problems.append(Problem(line, f"{initiative.name}: "
                                                  + " ".join(exc.messages)))
            continue
        preview.rows.append(BenefitRow(initiative.pk, month, h, g, note))
        preview.lines.append(line)


def _refuse_duplicates(preview: BenefitPreview) -> None:
    by_key = defaultdict(list)
    for position, row in enumerate(preview.rows):
        by_key[(row.initiative_id, row.month)].append(position)
    duplicated = set()
    for positions in by_key.values():
        if len(positions) < 2:
            continue
        duplicated.update(positions)
        for pos in positions:
            others = ", ".join(str(preview.lines[p]) for p in positions if p != pos)
            row = preview.rows[pos]
            name = preview.initiatives_by_id[row.initiative_id].name
            preview.problems.append(Problem(
                preview.lines[pos], gettext(
                    "%(name)s: line %(others)s is for the same month (%(month)s); keep one line "
                    "per initiative and month.") % {
                    "name": name, "others": others,
                    "month": dateformat.format(row.month, "F Y")}))
    if duplicated:
        keep = [p for p in range(len(preview.rows)) if p not in duplicated]
        preview.rows = [preview.rows[p] for p in keep]
        preview.lines = [preview.lines[p] for p in keep]
