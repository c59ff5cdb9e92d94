"""Fiscal quarters of an organization's year: pure date arithmetic, no database.

A fiscal year is named by the calendar year it ends in (as the US and UK governments and most
companies with a July or April year do): with an April start, April 2026 - March 2027 is
fiscal 2027, and its first quarter is "2027 Q1". With a January start this is simply the
calendar year.
"""

from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class Quarter:
    name: str
    start_date: date
    end_date: date


def _month_start(year: int, month_index: int) -> date:
    """The first day of month `month_index` (0-based, may exceed 11) counted from January of
    `year`."""
    return date(year + month_index // 12, month_index % 12 + 1, 1)


def fiscal_quarter(day: date, start_month: int) -> Quarter:
    """The fiscal quarter that contains `day`."""
    if not 1 <= start_month <= 12:
        raise ValueError(f"fiscal year start month must be 1-12, not {start_month}")
    fy_start_year = day.year if day.month >= start_month else day.year - 1
    fy_name_year = fy_start_year if start_month == 1 else fy_start_year + 1
    months_in = (day.month - start_month) % 12
    quarter = months_in // 3  # 0-based
    first_month = start_month - 1 + 3 * quarter
    start = _month_start(fy_start_year, first_month)
    end = _month_start(fy_start_year, first_month + 3) - timedelta(days=1)
    return Quarter(f"{fy_name_year} Q{quarter + 1}", start, end)


def next_quarter(after: date, start_month: int) -> Quarter:
    """The fiscal quarter that begins after `after` (usually the last cycle's end date)."""
    return fiscal_quarter(after + timedelta(days=1), start_month)
