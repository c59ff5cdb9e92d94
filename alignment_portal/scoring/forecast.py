"""Goal progress and forecast (DOMAIN.md, "Goal (SMART)"): pure, no database.

Progress = (latest - baseline) / (target - baseline), clipped to [0, 1.5]. The forecast is the
least-squares line through the metric's values since the goal's start date (at least three),
evaluated at the due date. Lower-is-better goals need no special case: their target lies
below the baseline, and the ratios work out the same way.
"""

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import numpy as np
from django.utils.translation import gettext_lazy

PROGRESS_MIN = 0.0
PROGRESS_MAX = 1.5
MIN_FORECAST_POINTS = 3
AT_RISK_SHARE = 0.8  # the forecast reaches at least this share of the needed change
# Floating-point slack: a line that lands exactly on the target must count as reaching it
# (a least-squares fit gives 0.999999999999998 for a series that does).
SHARE_TOLERANCE = 1e-9


class ForecastStatus(StrEnum):
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_DATA = "no_data"

    @property
    def label(self) -> str:
        return str(STATUS_LABELS[self.value])


STATUS_LABELS = {"on_track": gettext_lazy("On track"), "at_risk": gettext_lazy("At risk"),
                 "off_track": gettext_lazy("Off track"), "no_data": gettext_lazy("No data")}


@dataclass(frozen=True)
class Forecast:
    status: ForecastStatus
    value_at_due: float | None  # the line's value on the due date
    share_of_needed: float | None  # (forecast - baseline) / (target - baseline)
    points: int
    reason: str  # in English, as GoalScore stores it
    # The reason's numbers, for the OFF_TRACK/AT_RISK flag (scoring/wording.py says it in the
    # reader's language): n, status, value and target (4 significant digits), due (ISO) and
    # share ("80%", None when the trend moves away from the target).
    params: dict = field(default_factory=dict)

    @property
    def sentence(self) -> str:
        """The reason in the active language (scoring/wording.py says it from `params`)."""
        from alignment_portal.scoring import wording

        return wording.forecast_reason(self.params, self.reason)


def progress(latest: float | None, baseline: float | None, target: float | None) -> float | None:
    """Share of the way from baseline to target, clipped to [0, 1.5]; None when undefined."""
    if latest is None or baseline is None or target is None or target == baseline:
        return None
    share = (float(latest) - float(baseline)) / (float(target) - float(baseline))
    return float(min(max(share, PROGRESS_MIN), PROGRESS_MAX))


def forecast(periods, values, *, baseline: float | None, target: float | None,
             start_date: date | None, due_date: date | None) -> Forecast:
    """Fit a line to the values dated on or after `start_date` and read it at `due_date`.
    `periods` are dates (or datetime64), in any order, one per value."""
    if baseline is None or target is None or due_date is None or target == baseline:
        return Forecast(ForecastStatus.NO_DATA, None, None, 0,
                        "The goal needs a baseline, a different target and a due date.",
                        {"status": "no_data", "missing": "definition"})
    periods = np.asarray(periods, dtype="datetime64[D]")
    values = np.asarray(values, dtype=float)
    if start_date is not None and len(periods):
        since = periods >= np.datetime64(start_date, "D")
        periods, values = periods[since], values[since]
    if len(values) < MIN_FORECAST_POINTS:
        return Forecast(ForecastStatus.NO_DATA, None, None, len(values),
                        f"{len(values)} value(s) since the start; a forecast needs "
                        f"{MIN_FORECAST_POINTS}.",
                        {"status": "no_data", "n": len(values), "needed": MIN_FORECAST_POINTS})
    origin = periods.min()
    x = (periods - origin).astype("int64").astype(float)
    due = float((np.datetime64(due_date, "D") - origin).astype("int64"))
    value_at_due = _line_at(x, values, due)
    share = (value_at_due - float(baseline)) / (float(target) - float(baseline))
    if share >= 1 - SHARE_TOLERANCE:
        status, verb = ForecastStatus.ON_TRACK, "reaches"
    elif share >= AT_RISK_SHARE - SHARE_TOLERANCE:
        status, verb = ForecastStatus.AT_RISK, "falls a little short of"
    else:
        status, verb = ForecastStatus.OFF_TRACK, "falls short of"
    # A negative share is a trend away from the target: "-177 % of the change needed" said so
    # in a number nobody reads that way.
    how_far = (f"{share:.0%} of the change needed" if share >= 0
               else "moving away from the target, not towards it")
    reason = (f"The trend of {len(values)} values {verb} the target: {value_at_due:.4g} by "
              f"{due_date:%Y-%m-%d} against {float(target):.4g} ({how_far}).")
    params = {"n": len(values), "status": str(status), "value": f"{value_at_due:.4g}",
              "due": f"{due_date:%Y-%m-%d}", "target": f"{float(target):.4g}",
              "share": f"{share:.0%}" if share >= 0 else None}
    return Forecast(status, value_at_due, share, len(values), reason, params)


def _line_at(x: np.ndarray, y: np.ndarray, at: float) -> float:
    """The least-squares line through (x, y), read at `at` (the mean when x is constant).
    The closed form: np.polyfit gives the same line at several times the cost."""
    x_mean, y_mean = x.mean(), y.mean()
    spread = ((x - x_mean) ** 2).sum()
    if spread == 0:
        return float(y_mean)
    slope = ((x - x_mean) * (y - y_mean)).sum() / spread
    return float(y_mean + slope * (at - x_mean))
