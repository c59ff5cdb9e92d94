"""CSV exports of definitions and values, safe to open in a spreadsheet.

A cell that starts with =, +, -, @ (or a tab or carriage return) would run as a formula in
Excel or LibreOffice (CSV injection); such cells get a leading apostrophe, which spreadsheets
show as text. Plain numbers (-12.5, +3) are left alone: they are not formulas, and escaping
them would turn every negative value into text.

A download for a reader whose language writes a decimal comma (German) comes as a spreadsheet
there expects it: semicolons between cells and "12,5" in number cells (`local=True`; the import
reads both back). Number cells are the int, float and Decimal cells and text marked `Number`;
names and notes are never touched. Dates stay ISO (2026-03-31) in every language.
"""

import csv
import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.utils.formats import get_format

from metrics.models import Metric, MetricValue
from metrics.validation import format_decimal

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?\d+([.,]\d+)?$")

VALUE_HEADER = ["metric", "date", "value", "note"]
DEFINITION_HEADER = ["name", "definition", "kind", "nature", "level", "unit", "direction",
                     "frequency", "owner", "source", "library_key", "archived"]


class Number(str):
    """Text that is a number ("12.5"): written with the reader's decimal mark."""


def _local_number(cell, decimal_mark: str):
    if isinstance(cell, bool) or not isinstance(cell, (int, float, Decimal, Number)):
        return cell
    text = cell if isinstance(cell, str) else str(cell)
    return text.replace(".", decimal_mark)


def neutralise(cell) -> str:
    text = "" if cell is None else str(cell)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.match(text):
        return "'" + text
    return text


class _Echo:
    def write(self, value):
        return value


def csv_lines(header: list[str], rows: Iterable[Iterable], *, local: bool = False
              ) -> Iterator[str]:
    """The CSV text line by line (for a streaming response or stdout). `local`: in the active
    language's way of writing numbers (semicolons and decimal commas where it uses a comma)."""
    decimal_mark = get_format("DECIMAL_SEPARATOR") if local else "."
    writer = csv.writer(_Echo(), delimiter=";" if decimal_mark == "," else ",")
    yield writer.writerow(header)
    for row in rows:
        if decimal_mark == ".":
            yield writer.writerow([neutralise(cell) for cell in row])
        else:
            yield writer.writerow([neutralise(_local_number(cell, decimal_mark))
                                   for cell in row])


def value_rows(organization, metric: Metric | None = None) -> Iterator[list]:
    """Long-format rows (metric, date, value, note), in one streamed query."""
    values = MetricValue.objects.filter(organization=organization)
    if metric is not None:
        values = values.filter(metric=metric)
    for name, period, value, note in values.order_by("metric__name", "period").values_list(
            "metric__name", "period", "value", "note").iterator(chunk_size=5000):
        yield [name, period.isoformat(), Number(format_decimal(value)), note]


def definition_rows(organization) -> Iterator[list]:
    metrics = Metric.objects.filter(organization=organization).select_related("owner")
    for m in metrics.order_by("name"):
        yield [m.name, m.definition, m.kind, m.nature, m.level, m.unit, m.direction, m.frequency,
               m.owner.get_username() if m.owner else "", m.source, m.library_key,
               "yes" if m.is_archived else "no"]
