from datetime import date

import pytest

from goals.fiscal import fiscal_quarter, next_quarter


def test_calendar_year_quarters():
    q = fiscal_quarter(date(2027, 2, 14), 1)
    assert (q.name, q.start_date, q.end_date) == ("2027 Q1", date(2027, 1, 1), date(2027, 3, 31))


def test_april_fiscal_year_is_named_by_the_year_it_ends_in():
    q = fiscal_quarter(date(2026, 4, 1), 4)
    assert (q.name, q.start_date, q.end_date) == ("2027 Q1", date(2026, 4, 1), date(2026, 6, 30))
    q = fiscal_quarter(date(2027, 3, 31), 4)
    assert (q.name, q.start_date, q.end_date) == ("2027 Q4", date(2027, 1, 1), date(2027, 3, 31))


def test_july_fiscal_year_quarter_crossing_the_calendar_year():
    q = fiscal_quarter(date(2026, 11, 5), 7)
    assert (q.name, q.start_date, q.end_date) == ("2027 Q2", date(2026, 10, 1),
                                                  date(2026, 12, 31))


def test_next_quarter_follows_the_end_date():
    q = next_quarter(date(2026, 12, 31), 1)
    assert (q.name, q.start_date) == ("2027 Q1", date(2027, 1, 1))
    q = next_quarter(date(2026, 12, 31), 11)
    assert (q.name, q.start_date, q.end_date) == ("2027 Q1", date(2026, 11, 1),
                                                  date(2027, 1, 31))


def test_a_bad_start_month_is_refused():
    with pytest.raises(ValueError):
        fiscal_quarter(date(2026, 1, 1), 13)
