"""Renewal arithmetic and RENEWAL_DUE thresholds (DOMAIN.md, "Renewals"), pure: fixed dates,
no database, no clock."""

from datetime import date, timedelta

import pytest

from alignment_portal.scoring import renewals, wording
from tests.scoring.builders import TODAY, Plan, flags_on


def _flag(card, tool_id):
    rows = card.flags[(card.flags["code"] == "RENEWAL_DUE")
                      & (card.flags["subject_id"] == str(tool_id))]
    return None if rows.empty else wording.worded(rows.iloc[0].to_dict())


def _plan_with_tool(*, used=True, **tool):
    plan = Plan.aligned()
    tool_id = plan.tool(name="Mailer", category="email_marketing", monthly_cost=120.0, **tool)
    if used:
        plan.use(plan.the_initiative, tool_id)
    return plan, tool_id


def test_notice_deadline_is_the_renewal_date_minus_the_notice_period():
    assert renewals.notice_deadline(date(2027, 1, 31), 30) == date(2027, 1, 1)
    assert renewals.notice_deadline(date(2027, 1, 31), 0) == date(2027, 1, 31)
    assert renewals.notice_deadline(None, 30) is None


@pytest.mark.parametrize(("renewal", "period", "today", "expected"), [
    (date(2026, 12, 1), "monthly", date(2026, 11, 20), date(2026, 12, 1)),  # ahead: as typed
    (date(2026, 11, 20), "monthly", date(2026, 11, 20), date(2026, 11, 20)),  # today counts
    (date(2026, 1, 31), "monthly", date(2026, 11, 20), date(2026, 11, 30)),  # clipped month end
    (date(2026, 1, 31), "monthly", date(2026, 12, 1), date(2026, 12, 31)),
    (date(2024, 2, 29), "annual", date(2026, 11, 20), date(2027, 2, 28)),
    (date(2025, 12, 5), "annual", date(2026, 11, 20), date(2026, 12, 5)),
])
def test_a_passed_renewal_date_rolls_forward_by_its_billing_period(renewal, period, today,
                                                                    expected):
    assert renewals.next_renewal(renewal, period, today) == expected


def test_yearly_saving_of_cancelling_shelfware_is_twelve_months_of_its_cost():
    saving, how = renewals.yearly_saving(monthly_cost=65, seats_paid=3, seats_used=3,
                                         shelfware=True)
    assert (saving, how) == (780.0, renewals.CANCEL)


def test_yearly_saving_of_unused_seats_is_their_share_of_the_bill():
    # 8 seats for 800 a month, 3 used: 5 × 100 × 12.
    saving, how = renewals.yearly_saving(monthly_cost=800, seats_paid=8, seats_used=3,
                                         shelfware=False)
    assert (saving, how) == (6000.0, renewals.DROP_SEATS)


def test_no_seat_saving_without_a_count_or_with_every_seat_used():
    assert renewals.yearly_saving(monthly_cost=800, seats_paid=8, seats_used=None,
                                  shelfware=False) == (0.0, "")
    assert renewals.yearly_saving(monthly_cost=800, seats_paid=8, seats_used=9,
                                  shelfware=False) == (0.0, "")


@pytest.mark.parametrize(("deadline_in", "due"), [(-1, False), (0, True), (30, True),
                                                   (31, False)])
def test_renewal_due_opens_when_the_notice_deadline_is_within_30_days(deadline_in, due):
    # Notice 14 days: the renewal falls 14 days after the deadline.
    plan, tool_id = _plan_with_tool(renewal_date=TODAY + timedelta(days=deadline_in + 14),
                                    billing_period="annual", notice_period_days=14,
                                    seats=5, seats_used=5)
    card = plan.score(TODAY)
    assert ("RENEWAL_DUE" in flags_on(card, "tool", tool_id)) is due
    if due:
        assert _flag(card, tool_id)["severity"] == "medium"


def test_a_shelfware_tool_renewing_is_high_with_what_cancelling_saves():
    plan, tool_id = _plan_with_tool(used=False, renewal_date=TODAY + timedelta(days=20),
                                    billing_period="monthly", notice_period_days=10)
    flag = _flag(plan.score(TODAY), tool_id)
    assert flag["severity"] == "high"
    assert "no active initiative uses it" in flag["message"]
    assert "Cancelling it saves 1,440.00 a year" in flag["message"]
    assert "30 Nov 2026" in flag["message"]  # the notice deadline, a date (stable wording)


def test_fewer_than_half_the_seats_used_is_high_and_half_is_not():
    plan, low = _plan_with_tool(renewal_date=TODAY + timedelta(days=20), seats=10, seats_used=4)
    flag = _flag(plan.score(TODAY), low)
    assert flag["severity"] == "high"
    assert "only 4 of its 10 paid seats are in use" in flag["message"]
    assert "Dropping its 6 unused seats saves 864.00 a year" in flag["message"]

    plan, half = _plan_with_tool(renewal_date=TODAY + timedelta(days=20), seats=10, seats_used=5)
    flag = _flag(plan.score(TODAY), half)
    assert flag["severity"] == "medium"
    assert "Dropping its 5 unused seats saves 720.00 a year" in flag["message"]


def test_a_retired_tool_or_one_without_a_renewal_date_raises_nothing():
    plan, retired = _plan_with_tool(renewal_date=TODAY + timedelta(days=5), status="retired")
    assert "RENEWAL_DUE" not in flags_on(plan.score(TODAY), "tool", retired)
    plan, undated = _plan_with_tool()
    assert "RENEWAL_DUE" not in flags_on(plan.score(TODAY), "tool", undated)


def test_a_trial_ending_is_due_but_never_shelfware():
    plan, trial = _plan_with_tool(used=False, status="trial",
                                  renewal_date=TODAY + timedelta(days=3))
    flag = _flag(plan.score(TODAY), trial)
    assert flag["severity"] == "medium"
    assert "saves" not in flag["message"]


def test_the_flag_holds_its_wording_from_one_day_to_the_next():
    plan, tool_id = _plan_with_tool(used=False, renewal_date=TODAY + timedelta(days=25))
    first = _flag(plan.score(TODAY), tool_id)["message"]
    assert _flag(plan.score(TODAY + timedelta(days=1)), tool_id)["message"] == first
