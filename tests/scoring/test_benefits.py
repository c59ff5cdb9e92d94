"""The benefit ledger's arithmetic, payback projection, months counting and flags, on
hand-worked cases (no database)."""

from datetime import date, timedelta

import pandas as pd
import pytest

from alignment_portal.scoring import benefits, wording
from alignment_portal.scoring.benefits import whole_months_between
from alignment_portal.scoring.compute import score
from alignment_portal.scoring.frames import OrgFrames, frame

TODAY = date(2026, 6, 15)


def initiative(**fields):
    row = {"id": 1, "name": "Invoice robot", "status": "live", "start_date": None,
           "go_live_date": date(2026, 1, 1), "one_time_cost": 1200, "monthly_cost": 100,
           "hours_saved_per_month": 10, "expected_money_per_month": 0, "impact": 3,
           "effort": 3}
    row.update(fields)
    return row


def entries(*rows):
    """(month, hours, money) tuples for initiative 1."""
    return frame("benefit_entries", [{"initiative_id": 1, "month": m, "hours": h, "money": g}
                                     for m, h, g in rows])


def ledger_of(row=None, rows=(), *, hour_value=25.0, today=TODAY):
    table = benefits.ledger(frame("initiatives", [row or initiative()]), entries(*rows),
                            hour_value=hour_value, today=today)
    return table.loc[1]


FIVE_MONTHS = [(date(2026, m, 1), 8, None) for m in range(1, 6)]  # Jan-May, 8 h each


def test_the_ledger_of_a_hand_worked_case():
    # 10 h × 25 = 250 a month expected; Jan 1 -> Jun 15 is 5 whole months; 8 h × 25 = 200 a
    # month realised over Jan-May.
    row = ledger_of(rows=FIVE_MONTHS)
    assert row["expected_monthly"] == 250
    assert row["months_live"] == 5
    assert row["cost_to_date"] == 1200 + 100 * 5
    assert row["realised_to_date"] == 1000
    assert row["realisation"] == pytest.approx(1000 / (250 * 5))
    assert row["net"] == -700
    assert row["roi"] == pytest.approx(-700 / 1700)
    # The rate of Mar-May is 200 a month, 100 above the monthly cost: 700 / 100 = 7 months
    # after June.
    assert row["recent_rate"] == 200
    assert row["payback_status"] == benefits.PROJECTED
    assert row["payback_month"] == date(2027, 1, 1)


def test_expected_benefit_adds_hours_at_the_hour_value_and_money():
    row = ledger_of(initiative(hours_saved_per_month=4, expected_money_per_month=300),
                    hour_value=30.0)
    assert row["expected_monthly"] == 4 * 30 + 300


def test_payback_is_not_at_this_rate_when_the_rate_does_not_exceed_the_monthly_cost():
    # Mar-May realise 4 h × 25 = 100 a month: exactly the monthly cost.
    rows = [(date(2026, m, 1), 4, None) for m in (3, 4, 5)]
    row = ledger_of(rows=rows)
    assert row["recent_rate"] == 100
    assert row["payback_status"] == benefits.NOT_AT_THIS_RATE
    assert row["payback_month"] is None


def test_payback_projects_a_rounded_up_month():
    # Realised 1400 against 1700: needs 300 more at 300 - 100 = 200 a month: 1.5 months,
    # rounded up to 2 after June.
    rows = [(date(2026, 1, 1), 0, 500), (date(2026, 2, 1), 0, 0),
            (date(2026, 3, 1), 0, 300), (date(2026, 4, 1), 0, 300), (date(2026, 5, 1), 0, 300)]
    row = ledger_of(rows=rows)
    assert row["net"] == 1400 - 1700
    # The rate is the mean of Mar-May.
    assert row["recent_rate"] == 300
    assert row["payback_month"] == date(2026, 8, 1)


def test_no_entries_realise_nothing_and_cannot_pay_back():
    row = ledger_of()
    assert row["entries"] == 0
    assert row["realised_to_date"] == 0
    assert row["realisation"] == 0
    assert row["net"] == -1700
    assert row["payback_status"] == benefits.NOT_AT_THIS_RATE


def test_an_initiative_that_has_paid_back_says_in_which_month():
    # Cost by month j: 1200 + 100 j. Cumulative: Jan 900, Feb 1800 >= 1300: February.
    rows = [(date(2026, 1, 1), 0, 900), (date(2026, 2, 1), 0, 900), (date(2026, 3, 1), 0, 900)]
    row = ledger_of(rows=rows)
    assert row["net"] == 2700 - 1700
    assert row["payback_status"] == benefits.PAID_BACK
    assert row["payback_month"] == date(2026, 2, 1)


def test_a_go_live_in_the_future_costs_only_its_one_time_cost_and_has_no_payback():
    row = ledger_of(initiative(go_live_date=date(2026, 9, 1)), rows=FIVE_MONTHS)
    assert row["months_live"] == 0
    assert row["cost_to_date"] == 1200
    assert row["realised_to_date"] == 0  # entries before the go-live month do not count
    assert row["entries"] == 0
    assert row["realisation"] is None
    assert row["payback_status"] == benefits.UNKNOWN


def test_without_a_go_live_date_the_start_date_counts():
    row = ledger_of(initiative(go_live_date=None, start_date=date(2026, 3, 10)),
                    rows=FIVE_MONTHS)
    assert row["months_live"] == 3  # 10 Mar -> 10 Jun
    assert row["cost_to_date"] == 1200 + 300
    assert row["realised_to_date"] == 3 * 200  # March to May
    assert not row["has_go_live"]


def test_without_any_date_only_the_one_time_cost_counts_and_nothing_is_a_ratio():
    row = ledger_of(initiative(go_live_date=None, start_date=None), rows=FIVE_MONTHS)
    assert row["months_live"] is None
    assert row["cost_to_date"] == 1200
    assert row["realised_to_date"] == 1000
    assert row["realisation"] is None
    assert row["payback_status"] == benefits.UNKNOWN


def test_entries_of_a_month_not_yet_begun_do_not_count():
    row = ledger_of(rows=[(date(2026, 7, 1), 8, None)])
    assert row["entries"] == 0


def test_without_an_hour_value_hours_stay_hours():
    row = ledger_of(rows=FIVE_MONTHS, hour_value=None)
    assert row["basis"] == benefits.HOURS
    assert row["expected_monthly"] is None
    assert row["realised_to_date"] is None
    assert row["net"] is None and row["roi"] is None
    assert row["payback_status"] == benefits.UNKNOWN
    assert row["realised_hours"] == 40
    assert row["realisation"] == pytest.approx(40 / (10 * 5))
    assert row["cost_to_date"] == 1700  # costs are money already


def test_without_an_hour_value_money_only_initiatives_keep_their_money_figures():
    row = ledger_of(initiative(hours_saved_per_month=0, expected_money_per_month=400),
                    rows=[(date(2026, 5, 1), None, 400)], hour_value=None)
    assert row["basis"] == benefits.MONEY
    assert row["expected_monthly"] == 400
    assert row["net"] == 400 - 1700


def test_without_an_hour_value_hours_and_money_together_give_no_ratio():
    row = ledger_of(initiative(expected_money_per_month=100), rows=FIVE_MONTHS,
                    hour_value=None)
    assert row["basis"] == benefits.MIXED
    assert row["realisation"] is None and row["net"] is None


def test_a_free_initiative_has_no_roi_and_nothing_to_pay_back():
    row = ledger_of(initiative(one_time_cost=0, monthly_cost=0), rows=FIVE_MONTHS)
    assert row["roi"] is None
    assert row["payback_status"] == benefits.UNKNOWN
    assert row["net"] == 1000


@pytest.mark.parametrize(("start", "today", "months"), [
    (date(2026, 1, 15), date(2026, 2, 14), 0),  # the day before the anniversary
    (date(2026, 1, 15), date(2026, 2, 15), 1),  # the anniversary
    (date(2026, 1, 31), date(2026, 2, 28), 1),  # the 31st's anniversary in February
    (date(2026, 1, 31), date(2026, 2, 27), 0),
    (date(2026, 1, 31), date(2026, 3, 30), 1),  # March has a 31st
    (date(2026, 1, 31), date(2026, 3, 31), 2),
    (date(2026, 1, 1), date(2026, 1, 31), 0),  # the go-live month in progress counts 0
    (date(2025, 12, 1), date(2026, 1, 1), 1),  # across a year
    (date(2026, 3, 1), date(2026, 2, 1), 0),  # in the future
    (date(2024, 2, 29), date(2025, 2, 28), 12),  # a leap day's anniversary
])
def test_months_since_counts_whole_months_by_anniversary(start, today, months):
    assert whole_months_between(start, today) == months


def test_cost_to_date_steps_on_the_anniversary_not_on_the_first_of_the_month():
    row = initiative(go_live_date=date(2026, 1, 20))
    assert ledger_of(row, today=date(2026, 3, 19))["cost_to_date"] == 1200 + 100
    assert ledger_of(row, today=date(2026, 3, 20))["cost_to_date"] == 1200 + 200


def test_the_recent_rate_leaves_out_months_before_go_live():
    # Go-live 10 Apr, today 15 Jun: the window is April and May only.
    row = ledger_of(initiative(go_live_date=date(2026, 4, 10)),
                    rows=[(date(2026, 4, 1), 0, 100), (date(2026, 5, 1), 0, 300)])
    assert row["recent_rate"] == 200


def _flags_on(day, row, rows=()):
    frames = OrgFrames.build(initiatives=[row], hour_value=25.0)
    frames.benefit_entries = entries(*rows)
    return set(score(frames, day).flags["code"])


@pytest.mark.parametrize(("day", "raised"), [
    (date(2026, 3, 31), False),  # 2 whole months: too early
    (date(2026, 4, 1), True),  # 3 whole months
])
def test_unproven_benefit_waits_three_whole_months(day, raised):
    assert ("UNPROVEN_BENEFIT" in _flags_on(day, initiative())) is raised


def test_unproven_benefit_needs_the_initiative_live():
    assert "UNPROVEN_BENEFIT" not in _flags_on(TODAY, initiative(status="paused"))


def test_benefit_shortfall_is_raised_below_half_and_not_at_half():
    # Expected 250 a month, 5 months: 1250; 624 is below 50 %, 625 is not.
    below = [(date(2026, 1, 1), 0, 624)]
    at_half = [(date(2026, 1, 1), 0, 625)]
    flags_below = _flags_on(TODAY, initiative(), below)
    assert "BENEFIT_SHORTFALL" in flags_below and "UNPROVEN_BENEFIT" not in flags_below
    assert "BENEFIT_SHORTFALL" not in _flags_on(TODAY, initiative(), at_half)


def test_benefit_shortfall_waits_three_whole_months_too():
    assert "BENEFIT_SHORTFALL" not in _flags_on(date(2026, 3, 31), initiative(),
                                                [(date(2026, 1, 1), 0, 10)])
    assert "BENEFIT_SHORTFALL" in _flags_on(date(2026, 4, 1), initiative(),
                                            [(date(2026, 1, 1), 0, 10)])


def test_the_flags_say_what_was_realised_and_since_when():
    frames = OrgFrames.build(initiatives=[initiative()], hour_value=25.0)
    frames.benefit_entries = entries((date(2026, 1, 1), 0, 250))
    card = score(frames, TODAY)
    flag = wording.worded(card.flags[card.flags["code"] == "BENEFIT_SHORTFALL"].iloc[0])
    assert flag["severity"] == "medium"
    assert "20%" in flag["message"] and "5 months" in flag["message"]


def test_monthly_totals_add_expected_from_go_live_and_realised_by_month():
    plans = frame("initiatives", [initiative(), initiative(id=2, go_live_date=date(2026, 3, 5),
                                                           hours_saved_per_month=0,
                                                           expected_money_per_month=50)])
    realised = frame("benefit_entries", [
        {"initiative_id": 1, "month": date(2026, 2, 1), "hours": 8, "money": None},
        {"initiative_id": 2, "month": date(2026, 3, 1), "hours": None, "money": 70}])
    months = [date(2026, 2, 1), date(2026, 3, 1)]
    table = benefits.monthly_totals(realised, plans, hour_value=25.0, months=months)
    assert table["expected"].tolist() == [250, 300]
    assert table["realised"].tolist() == [200, 70]
    assert isinstance(table, pd.DataFrame)


def test_monthly_totals_of_plain_rows_count_only_the_plans_and_months_asked_for():
    plans = [(1, date(2026, 1, 10), None, 4, None),  # from its start: January
             (2, None, date(2026, 3, 5), None, 50),  # from its go-live: March
             (3, None, None, 10, 10)]  # no date: never expected
    entries = [(1, date(2026, 2, 1), 8, None), (2, date(2026, 3, 1), None, 70),
               (9, date(2026, 3, 1), 100, 100),  # not one of the plans
               (1, date(2025, 12, 1), 1, 1)]  # not one of the months
    rows = benefits.monthly_totals_of(entries, plans, hour_value=25,
                                      months=[date(2026, 2, 1), date(2026, 3, 1)])
    assert [(r["month"], r["expected"], r["realised"], r["realised_hours"], r["entries"])
            for r in rows] == [(date(2026, 2, 1), 100, 200, 8, 1),
                               (date(2026, 3, 1), 150, 70, 0, 1)]
    no_hour_value = benefits.monthly_totals_of(entries, plans, hour_value=None,
                                               months=[date(2026, 2, 1)])
    assert (no_hour_value[0]["expected"], no_hour_value[0]["realised"]) == (0, 0)


def test_the_ledgers_months_live_are_whole_months_between_for_every_day():
    """The ledger's months counter for one `today` (benefits._MonthsTo) is
    whole_months_between, month ends and future starts included."""
    starts = [date(2024, 1, 1) + timedelta(days=k) for k in range(0, 1200, 3)]
    for today in (date(2026, 2, 28), date(2024, 2, 29), date(2026, 3, 31), date(2026, 4, 30),
                  date(2026, 7, 15), date(2025, 12, 1)):
        months_to = benefits._MonthsTo(today)
        assert [months_to(s) for s in starts] == [
            benefits.whole_months_between(s, today) for s in starts]
