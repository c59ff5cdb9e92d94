"""The benefit ledger (DOMAIN.md, "Benefit ledger"): is an initiative paying for itself? Pure:
frames in, a frame out, no database and no Django.

Per initiative, with `hour value` the organization's value of an hour of staff time:

- **expected monthly benefit** = expected hours saved per month × hour value + expected money
  per month;
- **months live** = the whole months elapsed since the go-live date (the start date when there
  is no go-live date), counted by anniversary: go-live on 15 Jan makes 1 month on 15 Feb, 0 on
  14 Feb; a go-live on the 31st reaches its anniversary on the last day of a shorter month
  (31 Jan -> 28 Feb). The month in progress does not count until its anniversary. A go-live in
  the future is 0 months; no date at all is None;
- **cost to date** = one-time cost + monthly cost × months live (each whole month elapsed is
  charged, the month in progress not yet);
- **realised to date** = the sum of the realised entries of the months from the go-live month
  (or start month) to the current month, hours × hour value + money. Entries of earlier months
  are kept but not counted; with no date at all every entry counts;
- **realisation** = realised to date / (expected monthly × months live), None before the first
  whole month or without an expected benefit;
- **net** = realised to date − cost to date; **ROI** = net / cost to date (None at no cost);
- **payback**: when cumulative realised reaches cumulative cost. Already reached: `paid_back`,
  in the first month (from the go-live month, month j costing one-time + monthly × j) whose
  cumulative realised covers it. Otherwise projected from the **recent rate**, the mean realised
  benefit of the 3 calendar months before the current one (months before the go-live month left
  out; a month without an entry counts 0): `not_at_this_rate` when the rate does not exceed the
  monthly cost, else `projected` in the current month + ceil(−net / (rate − monthly cost))
  months. Unknown ("") with no cost to recover, before go-live, with no whole month behind the
  current one, or when the money figures are hidden.

**Basis**: with an hour value every figure is money. Without one, hours cannot become money:
where no hours are involved (none expected, none realised) the figures are money all the same;
where only hours are involved, realisation is computed in hours and the money figures that
would need hours (expected monthly, realised to date, net, ROI, payback) are None; where both
are involved, realisation is None too. The basis column says which ("money", "hours", "").
"""

import functools
import math
from datetime import date

import numpy as np
import pandas as pd
from django.utils.translation import gettext_noop

from alignment_portal.scoring import rules
from alignment_portal.scoring.rules import LIVE_INITIATIVE_STATUS

# --- The ledger's rules, named -------------------------------------------------------------
RECENT_RATE_MONTHS = 3  # payback is projected from the mean of this many recent months
FLAG_MIN_MONTHS_LIVE = 3  # BENEFIT_SHORTFALL and UNPROVEN_BENEFIT wait this many whole months
SHORTFALL_BELOW = 0.5  # realisation below this is a shortfall
LIVE_STATUS = LIVE_INITIATIVE_STATUS  # "live at least 3 months" (rules.py)

PAID_BACK, PROJECTED, NOT_AT_THIS_RATE, UNKNOWN = "paid_back", "projected", "not_at_this_rate", ""
MONEY, HOURS, MIXED = "money", "hours", ""

INITIATIVE_COLUMNS = ["id", "status", "start_date", "go_live_date", "one_time_cost",
                      "monthly_cost", "hours_saved_per_month", "expected_money_per_month"]
ENTRY_COLUMNS = ["initiative_id", "month", "hours", "money"]
LEDGER_COLUMNS = ["status", "has_go_live", "months_live", "basis", "expected_monthly",
                  "expected_hours_monthly", "expected_money_monthly", "cost_to_date",
                  "realised_hours", "realised_money", "realised_to_date", "entries",
                  "realisation", "net", "roi", "recent_rate", "payback_status",
                  "payback_month"]


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    """The first day of the month `n` months after `month`'s."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def whole_months_between(start: date, today: date) -> int:
    """Whole months from `start` to `today`, by anniversary (0 when `start` is in the future).

    The anniversary of the 29th-31st in a shorter month is that month's last day."""
    if start > today:
        return 0
    months = month_index(today) - month_index(start)
    last_day = (add_months(month_start(today), 1) - month_start(today)).days
    if today.day < min(start.day, last_day):
        months -= 1
    return months


class _MonthsTo:
    """whole_months_between(start, today) for one `today`, with today's part worked out
    once (the ledger asks it for every initiative)."""

    def __init__(self, today: date):
        self.today, self.index = today, month_index(today)
        self.last_day = (add_months(month_start(today), 1) - month_start(today)).days

    def __call__(self, start: date) -> int:
        if start > self.today:
            return 0
        months = self.index - month_index(start)
        if self.today.day < min(start.day, self.last_day):
            months -= 1
        return months


def _entries_by_initiative(entries: pd.DataFrame) -> dict[int, list[tuple[date, float, float]]]:
    """{initiative id: [(month, hours, money), ...]} with missing hours/money as 0."""
    if entries.empty:
        return {}
    months = [m if type(m) is date else pd.Timestamp(m).date() for m in entries["month"]]
    hours = pd.to_numeric(entries["hours"], errors="coerce").fillna(0.0).tolist()
    money = pd.to_numeric(entries["money"], errors="coerce").fillna(0.0).tolist()
    grouped: dict[int, list] = {}
    for initiative_id, month, h, m in zip(entries["initiative_id"].tolist(), months, hours,
                                          money, strict=True):
        grouped.setdefault(int(initiative_id), []).append((month, float(h), float(m)))
    return grouped


def _basis(hour_value, expected_hours, expected_money, realised_hours, realised_money) -> str:
    if hour_value is not None:
        return MONEY
    uses_hours = expected_hours > 0 or realised_hours > 0
    uses_money = expected_money > 0 or realised_money > 0
    if not uses_hours:
        return MONEY
    return HOURS if not uses_money else MIXED


def _payback(*, anchor: date | None, today: date, one_time: float, monthly: float,
             cost_to_date: float, net: float, monthly_values: dict[date, float]
             ) -> tuple[str, date | None, float | None]:
    """(payback status, payback month, recent rate) of one initiative in money."""
    current = month_start(today)
    if anchor is None or anchor > today:
        return UNKNOWN, None, None
    first = month_start(anchor)
    window = [m for m in _recent_months(current) if m >= first]
    rate = (sum(monthly_values.get(m, 0.0) for m in window) / len(window)) if window else None
    if cost_to_date <= 0:
        return UNKNOWN, None, rate
    if net >= 0:
        cumulative, month, j = 0.0, first, 0
        while month <= current:
            cumulative += monthly_values.get(month, 0.0)
            if cumulative >= one_time + monthly * j:
                return PAID_BACK, month, rate
            month, j = add_months(month, 1), j + 1
        return PAID_BACK, current, rate
    if rate is None:
        return UNKNOWN, None, None
    if rate <= monthly:
        return NOT_AT_THIS_RATE, None, rate
    months_needed = math.ceil(-net / (rate - monthly) - 1e-9)
    return PROJECTED, add_months(current, months_needed), rate


@functools.lru_cache(maxsize=16)
def _recent_months(current: date) -> tuple[date, ...]:
    """The RECENT_RATE_MONTHS months before `current`, latest first."""
    return tuple(add_months(current, -k) for k in range(1, RECENT_RATE_MONTHS + 1))


def _missing(value) -> bool:
    """None, NaN or NaT (pd.isna of one value, with a fast path for a date)."""
    return value is None or (type(value) is not date and pd.isna(value))


def expected_monthly_benefit(hours: float, money: float, hour_value: float) -> float:
    """Expected monthly benefit = expected hours saved per month × hour value + expected
    money per month."""
    return hours * hour_value + money


# Marked for translation; the reader's language is applied where it is shown (scenarios).
HOUR_VALUE_NOT_SET = gettext_noop("not set: the organization's hour value is not set, so the "
                                  "hours its initiatives save have no money value (Settings)")


def plan_net_monthly(initiatives: pd.DataFrame, tools: pd.DataFrame, *,
                     hour_value: float | None) -> tuple[float | None, str]:
    """The plan's net monthly benefit: the expected monthly benefit of its active initiatives
    less the monthly cost of its active initiatives and active tools (currency per month),
    and "" — or (None, why) when the hours some active initiative expects to save have no
    money value because the hour value is not set."""
    # On the columns' arrays: a scenario's evaluation asks for it on every change.
    active = np.isin(initiatives["status"].to_numpy(dtype=object),
                     list(rules.ACTIVE_INITIATIVE_STATUSES))

    def amounts(table: pd.DataFrame, column: str, rows: np.ndarray) -> np.ndarray:
        values = table[column].to_numpy(dtype=float)[rows]
        return np.where(np.isnan(values), 0.0, values)  # a missing amount is none

    hours = amounts(initiatives, "hours_saved_per_month", active)
    hv = None if hour_value is None or pd.isna(hour_value) else float(hour_value)
    if hv is None and (hours > 0).any():
        return None, HOUR_VALUE_NOT_SET
    benefit = expected_monthly_benefit(
        hours.sum(), amounts(initiatives, "expected_money_per_month", active).sum(), hv or 0.0)
    active_tools = np.isin(tools["status"].to_numpy(dtype=object),
                           list(rules.ACTIVE_TOOL_STATUSES))
    cost = (amounts(initiatives, "monthly_cost", active).sum()
            + amounts(tools, "monthly_cost", active_tools).sum())
    return round(float(benefit - cost), 2), ""


def ledger(initiatives: pd.DataFrame, entries: pd.DataFrame, *, hour_value: float | None,
           today: date) -> pd.DataFrame:
    """The ledger of each initiative of `initiatives` (INITIATIVE_COLUMNS; dates as `date`),
    from its realised `entries` (ENTRY_COLUMNS), indexed by initiative id (LEDGER_COLUMNS)."""
    table = pd.DataFrame.from_records(
        ledger_records(initiatives, entries, hour_value=hour_value, today=today),
        columns=["id", *LEDGER_COLUMNS])
    return table.set_index("id")


def ledger_records(initiatives: pd.DataFrame, entries: pd.DataFrame, *,
                   hour_value: float | None, today: date) -> list[tuple]:
    """ledger's rows as tuples in the order of ["id", *LEDGER_COLUMNS], one per initiative of
    `initiatives` in their order."""
    grouped = _entries_by_initiative(entries)
    hv = None if hour_value is None or pd.isna(hour_value) else float(hour_value)
    current = month_start(today)
    months_to = _MonthsTo(today)
    records = []
    columns = [initiatives[c].tolist() for c in INITIATIVE_COLUMNS]
    for (initiative_id, status, start, go_live, one_time, monthly, exp_hours,
         exp_money) in zip(*columns, strict=True):
        one_time, monthly = float(one_time or 0), float(monthly or 0)
        exp_hours, exp_money = float(exp_hours or 0), float(exp_money or 0)
        go_live = None if _missing(go_live) else go_live
        start = None if _missing(start) else start
        anchor = go_live or start
        months_live = None if anchor is None else months_to(anchor)
        since = None if anchor is None else month_start(anchor)
        counted = [(m, h, g) for m, h, g in grouped.get(int(initiative_id), ())
                   if m <= current and (since is None or m >= since)]
        realised_hours = realised_money = 0  # (summed in order, as sum() would)
        for _, h, g in counted:
            realised_hours += h
            realised_money += g
        basis = _basis(hv, exp_hours, exp_money, realised_hours, realised_money)
        cost = one_time + monthly * (months_live or 0)
        expected_monthly = realised = net = roi = None
        realisation = None
        payback_status, payback_month, rate = UNKNOWN, None, None
        if basis == MONEY:
            to_money = hv or 0.0
            expected_monthly = expected_monthly_benefit(exp_hours, exp_money, to_money)
            values: dict[date, float] = {}
            for m, h, g in counted:
                values[m] = values.get(m, 0.0) + h * to_money + g
            realised = sum(values.values())
            net = realised - cost
            roi = net / cost if cost > 0 else None
            if months_live and expected_monthly > 0:
                realisation = realised / (expected_monthly * months_live)
            payback_status, payback_month, rate = _payback(
                anchor=anchor, today=today, one_time=one_time, monthly=monthly,
                cost_to_date=cost, net=net, monthly_values=values)
        elif basis == HOURS and months_live and exp_hours > 0:
            realisation = realised_hours / (exp_hours * months_live)
        # (a tuple in the order of ["id", *LEDGER_COLUMNS])
        records.append((int(initiative_id), status, go_live is not None, months_live, basis,
                        expected_monthly, exp_hours, exp_money, cost, realised_hours,
                        realised_money, realised, len(counted), realisation, net, roi, rate,
                        payback_status, payback_month))
    return records


def live_long_enough(table: pd.DataFrame) -> pd.Series:
    """Live, with a go-live date at least FLAG_MIN_MONTHS_LIVE whole months ago."""
    months = pd.to_numeric(table["months_live"], errors="coerce").fillna(0)
    return (table["status"].eq(LIVE_STATUS) & table["has_go_live"].astype(bool)
            & months.ge(FLAG_MIN_MONTHS_LIVE))


def shortfall(table: pd.DataFrame, live: pd.Series | None = None) -> pd.Series:
    """BENEFIT_SHORTFALL: live long enough (`live`, when the caller has it already), with
    entries, realising under SHORTFALL_BELOW."""
    realisation = pd.to_numeric(table["realisation"], errors="coerce")
    return ((live_long_enough(table) if live is None else live) & table["entries"].gt(0)
            & realisation.lt(SHORTFALL_BELOW).fillna(False))


def unproven(table: pd.DataFrame, live: pd.Series | None = None) -> pd.Series:
    """UNPROVEN_BENEFIT: live long enough (`live`, when the caller has it already) and not
    one realised entry since go-live."""
    return (live_long_enough(table) if live is None else live) & table["entries"].eq(0)


MONTHLY_TOTAL_COLUMNS = ["month", "expected", "realised", "realised_hours", "entries"]


def monthly_totals(entries: pd.DataFrame, initiatives: pd.DataFrame, *,
                   hour_value: float | None, months: list[date]) -> pd.DataFrame:
    """monthly_totals_of (below) over frames (ENTRY_COLUMNS, and INITIATIVE_COLUMNS' id,
    start_date, go_live_date, hours_saved_per_month and expected_money_per_month)."""
    grouped = _entries_by_initiative(entries)
    plans = zip(*(initiatives[c].tolist() for c in ["id", "start_date", "go_live_date",
                                                     "hours_saved_per_month",
                                                     "expected_money_per_month"]), strict=True)
    return pd.DataFrame(monthly_totals_of(
        [(i, m, h, g) for i, rows in grouped.items() for m, h, g in rows],
        [(int(i), _no_date(start), _no_date(go_live), hours, money)
         for i, start, go_live, hours, money in plans],
        hour_value=None if hour_value is None or pd.isna(hour_value) else hour_value,
        months=months), columns=MONTHLY_TOTAL_COLUMNS)


def _no_date(value):
    return None if value is None or pd.isna(value) else value


def monthly_totals_of(entries, plans, *, hour_value, months: list[date]) -> list[dict]:
    """Expected against realised per month across the initiatives of `plans`, for the dashboard
    and the report: one dict per month of `months` with expected (the expected monthly benefit
    of every initiative live by that month's end, by the go-live or start date), realised
    (money of the entries of that month), realised_hours and entries. Money needs hours × hour
    value: without an hour value, hours are left out of both money columns.

    Plain rows, no frame (a page reads these): `entries` are (initiative id, month, hours,
    money), `plans` (id, start date, go-live date, expected hours per month, expected money per
    month); a missing number counts 0. One pass over each."""
    hv = 0.0 if hour_value is None else float(hour_value)
    anchored = []  # (the month its benefit is first expected, expected monthly benefit)
    for _, start, go_live, exp_hours, exp_money in plans:
        anchor = go_live or start
        if anchor is not None:
            anchored.append((month_start(anchor),
                             float(exp_hours or 0) * hv + float(exp_money or 0)))
    ids = {p[0] for p in plans}
    by_month = {month: [0.0, 0.0, 0] for month in months}  # realised, hours, entries
    for initiative_id, month, hours, money in entries:
        totals = by_month.get(month)
        if totals is not None and initiative_id in ids:
            h = float(hours or 0)
            totals[0] += h * hv + float(money or 0)
            totals[1] += h
            totals[2] += 1
    return [{"month": month,
             "expected": sum(value for anchor, value in anchored if anchor <= month),
             "realised": realised, "realised_hours": hours, "entries": count}
            for month, (realised, hours, count) in by_month.items()]


def empty_ledger() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in LEDGER_COLUMNS},
                        index=pd.Index([], dtype=np.int64, name="id"))
