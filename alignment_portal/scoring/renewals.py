"""Renewals (DOMAIN.md, "Renewals"): when each tool renews, the notice deadline, whether
RENEWAL_DUE holds and what cancelling or dropping unused seats saves a year. Pure: the
recompute's flag, the renewal calendar and the notifications all read these functions.

Choices where DOMAIN.md is silent:
- the renewal date is the one the user typed; when it has passed, the next one follows from
  the billing period (monthly: the same day of the next month, clipped to the month's end;
  annual: the same day a year on). The notice deadline is the next renewal − the notice
  period;
- RENEWAL_DUE holds while today ≤ notice deadline ≤ today + 30 days. A deadline already
  passed (too late to cancel this term) raises nothing: the calendar says so, and the flag
  comes back before the next term's deadline;
- the yearly saving: a shelfware tool (active, no active initiative uses it) saves its monthly
  cost × 12 by cancelling; otherwise, with the seats used known, dropping the unused seats
  saves (seats paid − seats used) × monthly cost ÷ seats paid × 12. A tool with no seats-used
  count has no seat saving (unknown, not zero).
"""

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from alignment_portal.scoring import rules

CANCEL, DROP_SEATS = "cancel", "drop seats"


def add_months(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def next_renewal(renewal_date: date | None, billing_period: str, today: date) -> date | None:
    """The first renewal on or after `today`, rolling `renewal_date` forward by its billing
    period when it has passed (None without a renewal date)."""
    if renewal_date is None:
        return None
    step = rules.BILLING_PERIOD_MONTHS.get(str(billing_period), 1)
    if renewal_date >= today:
        return renewal_date
    # Whole periods to skip, then at most one more (month-end clipping).
    months = (today.year - renewal_date.year) * 12 + today.month - renewal_date.month
    n = max(0, months // step)
    candidate = add_months(renewal_date, n * step)
    while candidate < today:
        n += 1
        candidate = add_months(renewal_date, n * step)
    return candidate


def notice_deadline(renewal: date | None, notice_days: int | None) -> date | None:
    if renewal is None:
        return None
    return renewal - timedelta(days=int(notice_days or 0))


@dataclass(frozen=True)
class Renewal:
    """One tool's next renewal and what it would save to act on it."""

    tool_id: int
    renews_on: date
    notice_deadline: date
    days_to_deadline: int  # negative: the deadline has passed for this term
    monthly_cost: float
    seats_paid: int | None
    seats_used: int | None
    shelfware: bool
    low_seats: bool  # fewer than half the paid seats in use
    saving_per_year: float  # 0 when nothing is to be saved
    saving_kind: str  # CANCEL, DROP_SEATS or ""

    @property
    def yearly_cost(self) -> float:
        return round(self.monthly_cost * 12, 2)

    @property
    def unused_seats(self) -> int | None:
        if self.seats_used is None or self.seats_paid is None:
            return None
        return max(0, self.seats_paid - self.seats_used)

    @property
    def deadline_passed(self) -> bool:
        return self.days_to_deadline < 0

    @property
    def days_since_deadline(self) -> int:
        return max(0, -self.days_to_deadline)

    @property
    def due(self) -> bool:
        """RENEWAL_DUE: the notice deadline is within RENEWAL_DUE_WITHIN_DAYS (not passed)."""
        return 0 <= self.days_to_deadline <= rules.RENEWAL_DUE_WITHIN_DAYS

    @property
    def high(self) -> bool:
        return self.shelfware or self.low_seats


def yearly_saving(*, monthly_cost: float, seats_paid: int | None, seats_used: int | None,
                  shelfware: bool) -> tuple[float, str]:
    """(money saved per year, how): cancelling a shelfware tool, or dropping unused seats."""
    monthly_cost = float(monthly_cost or 0)
    if shelfware:
        return round(monthly_cost * 12, 2), CANCEL if monthly_cost else ""
    if seats_used is None or not seats_paid or seats_used >= seats_paid:
        return 0.0, ""
    saving = round((seats_paid - seats_used) * monthly_cost / seats_paid * 12, 2)
    return saving, DROP_SEATS if saving else ""


def low_seat_use(seats_paid: int | None, seats_used: int | None) -> bool:
    if seats_used is None or not seats_paid:
        return False
    return seats_used < seats_paid * rules.RENEWAL_LOW_SEAT_SHARE


def renewal_of(*, tool_id: int, status: str, renewal_date: date | None, billing_period: str,
               notice_period_days: int | None, monthly_cost: float, seats_paid: int | None,
               seats_used: int | None, used: bool, today: date) -> Renewal | None:
    """The tool's next renewal, or None (no renewal date, or retired). `used`: an active
    initiative uses it (SHELFWARE applies to active tools only)."""
    if not rules.tool_renews(status):
        return None
    renews = next_renewal(renewal_date, billing_period, today)
    if renews is None:
        return None
    deadline = notice_deadline(renews, notice_period_days)
    shelfware = rules.tool_is_active(status) and not used
    saving, kind = yearly_saving(monthly_cost=monthly_cost, seats_paid=seats_paid,
                                 seats_used=seats_used, shelfware=shelfware)
    return Renewal(tool_id=int(tool_id), renews_on=renews, notice_deadline=deadline,
                   days_to_deadline=(deadline - today).days,
                   monthly_cost=float(monthly_cost or 0), seats_paid=seats_paid,
                   seats_used=seats_used, shelfware=shelfware,
                   low_seats=low_seat_use(seats_paid, seats_used), saving_per_year=saving,
                   saving_kind=kind)


def money(amount: float) -> str:
    return f"{amount:,.2f}"


def saving_params(renewal: Renewal) -> dict | None:
    """What acting on the renewal saves, for the flag's params (wording.saving_text says it):
    kind, amount ("1,234.50") and, for dropped seats, their number. None when nothing."""
    if renewal.saving_kind == CANCEL:
        return {"kind": CANCEL, "amount": money(renewal.saving_per_year)}
    if renewal.saving_kind == DROP_SEATS:
        return {"kind": DROP_SEATS, "amount": money(renewal.saving_per_year),
                "seats": renewal.unused_seats}
    return None


def saving_sentence(renewal: Renewal) -> str:
    """What acting on the renewal saves, in words ("" when nothing)."""
    if renewal.saving_kind == CANCEL:
        return f"cancelling it saves {money(renewal.saving_per_year)} a year"
    if renewal.saving_kind == DROP_SEATS:
        seats = renewal.unused_seats
        return (f"dropping its {seats} unused seat{'s' if seats != 1 else ''} saves "
                f"{money(renewal.saving_per_year)} a year")
    return ""
