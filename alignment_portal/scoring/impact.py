"""Impact evidence (DOMAIN.md, "Impact evidence"): did the outcome metric move after go-live?

Pure: frames in, a frame out, no database and no Django. For every `live` initiative with a
go-live date and each of its outcome metrics (measurement role `outcome`, metric not
archived), `impact_evidence` returns one row:

- **phases**: *before* = the values with a period date before the go-live date (at most the
  last BEFORE_MAX_VALUES); *after* = the values from the go-live date moved on by the
  initiative's ramp-up periods (at the metric's frequency) up to today. Values inside the
  ramp-up belong to neither phase.
- **Tau-BC** (Tarlow 2017): Kendall's tau of the before values against time (the period date
  in days); when its two-sided p < TREND_P, a Theil–Sen line fitted to the before phase is
  subtracted from every value. Then Kendall's tau-b between the phase (0 before, 1 after)
  and the (detrended) values, with its two-sided p. `tau` is signed so that a positive tau is
  better (flipped for `lower is better`).
- **effect**: median of the after values minus the median of the baseline over the after
  periods (the Theil–Sen projection when detrended, else the before median), in the metric's
  unit, and as a % of the before median (None when that median is 0).
- **verdict**: `improved` / `worsened` (signed tau > 0 / < 0 with p < VERDICT_P), `no clear
  change`, or `not enough data` (fewer than MIN_PHASE_VALUES in either phase; the statistics
  are not computed for such a pair).
- **earliest_verdict**: while the after phase is short, the day after the period in which it
  would reach MIN_PHASE_VALUES values (one value per period from the next open period on).
- **shared_with**: other initiatives measured by the same metric that went live within
  SHARED_CREDIT_PERIODS periods of this one (either side).
- **regression**: with at least SEGMENTED_MIN_VALUES in each phase, a segmented (interrupted
  time series) least-squares fit `value = b0 + b1·t + b2·after + b3·(t − t0)·after` with 95 %
  intervals for the level change (b2) and the slope change (b3, per period), and its own
  reading of the change at the middle of the after phase; `disagrees` when that reading is not
  the Tau-BC verdict.

Kendall's tau and the Theil–Sen line come from rank_stats.py: SciPy's numbers (its tests
compare them with scipy.stats to 1e-9) without SciPy's per-call overhead, which made most of
a recompute's time.

`impact_sentence` turns a row into the words a person reads, in the active language (gettext
is the one piece of Django here); it lives here so the pages, the flags and the tests say the
same thing.
"""

import calendar
import functools
import hashlib
import math
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd
from django.utils import dateformat
from django.utils.translation import gettext, gettext_lazy, ngettext, pgettext_lazy
from scipy import stats

from alignment_portal.lib.formats import local_digits
from alignment_portal.scoring import rank_stats, rounding, rules

# --- The numbers of the method (DOMAIN.md, "Impact evidence") ------------------------------
BEFORE_MAX_VALUES = 26  # the before phase keeps at most the last 26 values
MIN_PHASE_VALUES = 5  # fewer in either phase: "not enough data"
TREND_P = 0.05  # the before phase's Kendall tau against time below this: detrend
VERDICT_P = 0.05  # the phase tau's p below this: improved or worsened
SEGMENTED_MIN_VALUES = 12  # in each phase, for the segmented regression's second opinion
SEGMENTED_CONFIDENCE = 0.95
SHARED_CREDIT_PERIODS = 4  # another initiative live within this many periods shares credit
NO_EFFECT_MIN_AFTER = 8  # NO_EFFECT: at least this many after values on every outcome metric
# Part of every pair's input digest: change it when the method changes, so stored evidence is
# recomputed rather than reused.
METHOD_VERSION = 1
# Statuses of an initiative that has gone live (for shared credit: a paused or retired one
# still went live and may have moved the number).
WENT_LIVE_STATUSES = frozenset({"live", "paused", "retired"})

IMPROVED, WORSENED = "improved", "worsened"
NO_CLEAR_CHANGE, NOT_ENOUGH_DATA = "no clear change", "not enough data"
VERDICTS = (IMPROVED, NO_CLEAR_CHANGE, WORSENED, NOT_ENOUGH_DATA)

# Average period lengths in days, to state a slope "per period".
PERIOD_DAYS = {"weekly": 7.0, "monthly": 365.25 / 12, "quarterly": 365.25 / 4}
PERIOD_NOUN = {"weekly": ("week", "weeks"), "monthly": ("month", "months"),
               "quarterly": ("quarter", "quarters")}

COLUMNS = ["initiative_id", "metric_id", "verdict", "tau", "p", "effect", "effect_pct",
           "before_median", "after_median", "n_before", "n_after", "detrended",
           "trend_slope", "trend_at_go_live", "go_live_date", "after_start",
           "earliest_verdict", "shared_with", "regression", "note", "inputs_digest"]


# --- Periods (the metrics app's rules, restated without Django) ----------------------------

def period_start(frequency: str, day: date) -> date:
    """The first day of the period of `frequency` containing `day` (ISO week's Monday, the
    1st of the month, the 1st of the calendar quarter), as metrics.periods stores values."""
    if frequency == "weekly":
        return day - timedelta(days=day.weekday())
    if frequency == "monthly":
        return day.replace(day=1)
    return date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def add_periods(frequency: str, day: date, n: int) -> date:
    """`day` moved by n periods (weeks, months or quarters; a month end is clamped)."""
    if frequency == "weekly":
        return day + timedelta(days=7 * n)
    months = day.month - 1 + n * (1 if frequency == "monthly" else 3)
    year, month = day.year + months // 12, months % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def first_period_on_or_after(frequency: str, day: date) -> date:
    start = period_start(frequency, day)
    return start if start == day else add_periods(frequency, start, 1)


def epoch_days(day: date) -> int:
    return (day - date(1970, 1, 1)).days


def from_epoch_days(days: float) -> date:
    return date(1970, 1, 1) + timedelta(days=int(days))


# --- The statistics -------------------------------------------------------------------------

def _tidy(residuals: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Residuals rounded at a billionth of the values' scale, so values a straight line fits
    exactly tie (instead of ranking rounding noise)."""
    scale = 1e-9 * max(1.0, float(np.max(np.abs(values))) if len(values) else 1.0)
    return np.round(residuals / scale) * scale


def tau_bc(t_before: np.ndarray, y_before: np.ndarray, t_after: np.ndarray,
           y_after: np.ndarray, *, lower_is_better: bool = False) -> dict:
    """Tau-BC of one before/after pair of series (t in days). Needs at least two values a
    phase; returns the signed tau (positive = better), its two-sided p, whether the baseline
    was detrended (with the Theil–Sen slope per day and intercept), the baseline over the
    after periods, and the effect."""
    t_before, y_before = np.asarray(t_before, float), np.asarray(y_before, float)
    t_after, y_after = np.asarray(t_after, float), np.asarray(y_after, float)
    _, trend_p = rank_stats.kendall_tau_b(t_before, y_before)
    detrended = bool(np.isfinite(trend_p) and trend_p < TREND_P)
    slope = intercept = None
    if detrended:
        slope, intercept = rank_stats.theil_sen(y_before, t_before)
        base_before = intercept + slope * t_before
        base_after = intercept + slope * t_after
        everything = np.concatenate([y_before, y_after])
        adjusted = _tidy(np.concatenate([y_before - base_before, y_after - base_after]),
                         everything)
    else:
        base_after = np.full(len(t_after), float(rank_stats.median(y_before)))
        adjusted = np.concatenate([y_before, y_after])
    tau, p = rank_stats.phase_tau_b(adjusted[:len(y_before)], adjusted[len(y_before):])
    if not np.isfinite(tau):  # every (detrended) value the same: no change at all
        tau, p = 0.0, 1.0
    signed = -tau if lower_is_better else tau
    before_median = float(rank_stats.median(y_before))
    effect = float(rank_stats.median(y_after) - rank_stats.median(base_after))
    return {"tau": signed + 0.0, "p": p, "detrended": detrended, "trend_slope": slope,
            "trend_intercept": intercept, "effect": effect,
            "effect_pct": 100.0 * effect / abs(before_median) if before_median else None,
            "before_median": before_median, "after_median": float(rank_stats.median(y_after))}


def verdict_of(tau: float, p: float) -> str:
    if p < VERDICT_P and tau > 0:
        return IMPROVED
    if p < VERDICT_P and tau < 0:
        return WORSENED
    return NO_CLEAR_CHANGE


@functools.lru_cache(maxsize=256)
def _t_critical(dof: int) -> float:
    return float(stats.t.ppf(0.5 + SEGMENTED_CONFIDENCE / 2, dof))


def segmented_regression(t_before, y_before, t_after, y_after, *, t0: float,
                         period_days: float, lower_is_better: bool = False) -> dict:
    """Ordinary least squares `y = b0 + b1·(t − t0) + b2·after + b3·(t − t0)·after` (t in
    days, t0 the after phase's start): the level change b2 and the slope change b3 (per
    period) with 95 % intervals (Student t, n − 4 degrees of freedom), and the change the fit
    implies at the middle of the after phase with its interval, read as a verdict."""
    # np.concatenate rather than np.r_: the same arrays without np.r_'s parsing per call.
    t = np.concatenate((np.asarray(t_before, float), np.asarray(t_after, float))) - t0
    y = np.concatenate((np.asarray(y_before, float), np.asarray(y_after, float)))
    after = np.concatenate((np.zeros(len(y_before)), np.ones(len(y_after))))
    x = np.column_stack([np.ones_like(t), t, after, t * after])
    # One SVD gives what lstsq (the coefficients, with its cut-off for the rank) and
    # pinv(xᵀx) (the covariance, with pinv's cut-off on the squared singular values) would.
    u, singular, vt = np.linalg.svd(x, full_matrices=False)
    largest = singular[0] if len(singular) else 0.0
    kept = singular > np.finfo(float).eps * max(x.shape) * largest
    rank = int(kept.sum())
    inverse = np.where(kept, 1.0 / np.where(kept, singular, 1.0), 0.0)
    coef = vt.T @ (inverse * (u.T @ y))
    dof = len(y) - 4
    residual = y - x @ coef
    sigma2 = float(residual @ residual) / dof if dof > 0 else float("nan")
    squared = singular ** 2
    kept_squared = squared > np.finfo(float).eps * 4 * (squared[0] if len(squared) else 0.0)
    cov = sigma2 * (vt.T * np.where(kept_squared, 1.0 / np.where(kept_squared, squared, 1.0),
                                    0.0)) @ vt
    crit = _t_critical(dof)

    def interval(c: np.ndarray, scale: float = 1.0) -> tuple[float, float, float]:
        estimate = float(c @ coef) * scale
        half = crit * float(np.sqrt(max(c @ cov @ c, 0.0))) * abs(scale)
        return estimate, estimate - half, estimate + half

    level = interval(np.array([0.0, 0.0, 1.0, 0.0]))
    slope = interval(np.array([0.0, 0.0, 0.0, 1.0]), period_days)
    middle = float(rank_stats.median(np.asarray(t_after, float))) - t0
    change = interval(np.array([0.0, 0.0, 1.0, middle]))
    sign = -1.0 if lower_is_better else 1.0
    low, high = sorted((sign * change[1], sign * change[2]))
    reading = IMPROVED if low > 0 else WORSENED if high < 0 else NO_CLEAR_CHANGE
    return {"level_change": level[0], "level_low": level[1], "level_high": level[2],
            "slope_change": slope[0], "slope_low": slope[1], "slope_high": slope[2],
            "change_mid_after": change[0], "change_low": change[1], "change_high": change[2],
            "verdict": reading, "rank_ok": bool(rank == 4)}


# --- Every pair at once -----------------------------------------------------------------------
#
# The same statistics for many pairs in a handful of NumPy operations (rank_stats' `_many`
# functions, over padded arrays) instead of a dozen small ones per pair: a large organization
# has a hundred or more pairs, and NumPy's per-call overhead was most of their cost.
# `tau_bc_many` gives each pair exactly what `tau_bc` gives it (the same integers counted, the
# same floating-point operations); `segmented_regression_many` solves the stacked systems in
# one SVD call, which agrees with `segmented_regression` to rounding (~1e-15 relative; the
# stored evidence keeps 6 digits). The tests compare both with the per-pair functions.

def tau_bc_many(before: list[tuple[np.ndarray, np.ndarray]],
                after: list[tuple[np.ndarray, np.ndarray]],
                lower_is_better: list[bool]) -> list[dict]:
    """`tau_bc` of every pair: `before[k]` and `after[k]` are pair k's (t, y) arrays."""
    if not before:
        return []
    t_b, before_mask = rank_stats.padded([t for t, _ in before])
    y_b, _ = rank_stats.padded([y for _, y in before])
    t_a, after_mask = rank_stats.padded([t for t, _ in after])
    y_a, _ = rank_stats.padded([y for _, y in after])
    _, trend_p = rank_stats.kendall_tau_b_many(t_b, y_b, before_mask)
    detrended = np.isfinite(trend_p) & (trend_p < TREND_P)
    slope = np.full(len(before), np.nan)
    intercept = np.full(len(before), np.nan)
    adjusted_b, adjusted_a = y_b.copy(), y_a.copy()
    base_after_median = rank_stats.medians(y_b, before_mask)  # the before median, flat
    if detrended.any():
        d = np.flatnonzero(detrended)
        slope[d], intercept[d] = rank_stats.theil_sen_many(y_b[d], t_b[d], before_mask[d])
        s, c = slope[d][:, None], intercept[d][:, None]
        base_b, base_a = c + s * t_b[d], c + s * t_a[d]
        # _tidy's scale: a billionth of the largest |value| of either phase (at least 1).
        largest = np.maximum(
            np.where(before_mask[d], np.abs(y_b[d]), 0.0).max(axis=1, initial=0.0),
            np.where(after_mask[d], np.abs(y_a[d]), 0.0).max(axis=1, initial=0.0))
        scale = (1e-9 * np.maximum(1.0, largest))[:, None]
        adjusted_b[d] = np.round((y_b[d] - base_b) / scale) * scale
        adjusted_a[d] = np.round((y_a[d] - base_a) / scale) * scale
        base_after_median[d] = rank_stats.medians(base_a, after_mask[d])
    tau, p = rank_stats.phase_tau_b_many(adjusted_b, before_mask, adjusted_a, after_mask)
    before_medians = rank_stats.medians(y_b, before_mask).tolist()
    after_medians = rank_stats.medians(y_a, after_mask).tolist()
    out = []
    for k, (pair_tau, pair_p, lower) in enumerate(zip(tau.tolist(), p.tolist(),
                                                      lower_is_better, strict=True)):
        if not math.isfinite(pair_tau):  # every (detrended) value the same: no change at all
            pair_tau, pair_p = 0.0, 1.0
        signed = -pair_tau if lower else pair_tau
        before_median, after_median = before_medians[k], after_medians[k]
        effect = after_median - float(base_after_median[k])
        trended = bool(detrended[k])
        out.append({"tau": signed + 0.0, "p": pair_p, "detrended": trended,
                    "trend_slope": float(slope[k]) if trended else None,
                    "trend_intercept": float(intercept[k]) if trended else None,
                    "effect": effect,
                    "effect_pct": 100.0 * effect / abs(before_median) if before_median
                    else None,
                    "before_median": before_median, "after_median": after_median})
    return out


def segmented_regression_many(before: list[tuple[np.ndarray, np.ndarray]],
                              after: list[tuple[np.ndarray, np.ndarray]], *,
                              t0: list[float], period_days: list[float],
                              lower_is_better: list[bool]) -> list[dict]:
    """`segmented_regression` of every pair, the stacked least-squares systems in one SVD
    (each padded with rows of zeros, which change neither its singular values nor its fit)."""
    if not before:
        return []
    t, mask = rank_stats.padded([np.concatenate((np.asarray(tb, float), np.asarray(ta, float)))
                                 for (tb, _), (ta, _) in zip(before, after, strict=True)])
    y, _ = rank_stats.padded([np.concatenate((np.asarray(yb, float), np.asarray(ya, float)))
                              for (_, yb), (_, ya) in zip(before, after, strict=True)])
    n_before = np.array([len(tb) for tb, _ in before])
    n = mask.sum(axis=1)
    origin = np.asarray(t0, float)[:, None]
    t = np.where(mask, t - origin, 0.0)
    y = np.where(mask, y, 0.0)
    phase = (mask & (np.arange(t.shape[1])[None, :] >= n_before[:, None])).astype(float)
    x = np.stack([mask.astype(float), t, phase, t * phase], axis=2)
    u, singular, vt = np.linalg.svd(x, full_matrices=False)
    eps = np.finfo(float).eps
    kept = singular > eps * np.maximum(n, 4)[:, None] * singular[:, :1]
    rank = kept.sum(axis=1)
    inverse = np.where(kept, 1.0 / np.where(kept, singular, 1.0), 0.0)
    coef = np.einsum("pji,pj->pi", vt, inverse * np.einsum("pwj,pw->pj", u, y))
    dof = n - 4
    residual = y - np.einsum("pwi,pi->pw", x, coef)
    sigma2 = np.where(dof > 0, (residual * residual).sum(axis=1) / np.maximum(dof, 1), np.nan)
    squared = singular ** 2
    kept_squared = squared > eps * 4 * squared[:, :1]
    weights = np.where(kept_squared, 1.0 / np.where(kept_squared, squared, 1.0), 0.0)
    cov = sigma2[:, None, None] * np.einsum("pki,pk,pkj->pij", vt, weights, vt)
    crit = _t_criticals(dof.tolist())
    middle = np.array([rank_stats.median(np.asarray(ta, float)) for ta, _ in after]) \
        - np.asarray(t0, float)
    scale = np.asarray(period_days, float)
    level, level_var = coef[:, 2], cov[:, 2, 2]
    slope, slope_var = coef[:, 3] * scale, cov[:, 3, 3]
    change = coef[:, 2] + middle * coef[:, 3]
    change_var = cov[:, 2, 2] + middle * (cov[:, 2, 3] + cov[:, 3, 2]) \
        + middle * middle * cov[:, 3, 3]
    level_half = crit * np.sqrt(np.maximum(level_var, 0.0))
    slope_half = crit * np.sqrt(np.maximum(slope_var, 0.0)) * np.abs(scale)
    change_half = crit * np.sqrt(np.maximum(change_var, 0.0))
    out = []
    for k, lower in enumerate(lower_is_better):
        sign = -1.0 if lower else 1.0
        low, high = sorted((sign * (change[k] - change_half[k]),
                            sign * (change[k] + change_half[k])))
        reading = IMPROVED if low > 0 else WORSENED if high < 0 else NO_CLEAR_CHANGE
        out.append({
            "level_change": float(level[k]), "level_low": float(level[k] - level_half[k]),
            "level_high": float(level[k] + level_half[k]),
            "slope_change": float(slope[k]), "slope_low": float(slope[k] - slope_half[k]),
            "slope_high": float(slope[k] + slope_half[k]),
            "change_mid_after": float(change[k]),
            "change_low": float(change[k] - change_half[k]),
            "change_high": float(change[k] + change_half[k]),
            "verdict": reading, "rank_ok": bool(rank[k] == 4)})
    return out


def _t_criticals(dofs: list[int]) -> np.ndarray:
    """_t_critical of each degree of freedom; the ones not yet cached in one SciPy call."""
    missing = sorted({d for d in dofs if d > 0} - _T_CRITICAL.keys())
    if missing:
        found = stats.t.ppf(0.5 + SEGMENTED_CONFIDENCE / 2, np.array(missing, dtype=float))
        _T_CRITICAL.update(zip(missing, found.tolist(), strict=True))
    return np.array([_T_CRITICAL.get(d, math.nan) for d in dofs], dtype=float)


_T_CRITICAL: dict[int, float] = {}


# --- One pair -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Phases:
    """The values a pair compares: before (at most the last BEFORE_MAX_VALUES before go-live)
    and after (from go-live + ramp-up to today), period dates as days since 1970-01-01."""

    t_before: np.ndarray
    y_before: np.ndarray
    t_after: np.ndarray
    y_after: np.ndarray
    after_start: date

    def digest(self, *, go_live: date, frequency: str, direction: str, today: date) -> str:
        """A fingerprint of everything the pair's evidence depends on (the values compared,
        the dates, the direction and today's period, which the earliest verdict reads): equal
        digests give equal evidence, so a recompute can reuse the stored row."""
        h = hashlib.blake2b(digest_size=16)
        for array in (self.t_before, self.y_before, self.t_after, self.y_after):
            h.update(np.ascontiguousarray(array, dtype=float).tobytes())
            h.update(b"|")
        h.update(f"{METHOD_VERSION}|{go_live}|{self.after_start}|{frequency}|{direction}|"
                 f"{period_start(frequency, today)}".encode())
        return h.hexdigest()


def phases(days: np.ndarray, values: np.ndarray, *, go_live: date, ramp_up: int,
           frequency: str, today: date) -> Phases:
    after_start = add_periods(frequency, go_live, max(int(ramp_up or 0), 0))
    go_live_day, after_day, today_day = (epoch_days(go_live), epoch_days(after_start),
                                         epoch_days(today))
    before = days < go_live_day
    after = (days >= after_day) & (days <= today_day)
    return Phases(days[before][-BEFORE_MAX_VALUES:], values[before][-BEFORE_MAX_VALUES:],
                  days[after], values[after], after_start)


def evaluate_pair(days: np.ndarray, values: np.ndarray, *, go_live: date, ramp_up: int,
                  frequency: str, direction: str, today: date) -> dict:
    """The evidence of one initiative × metric from the metric's values (`days`: period
    dates as days since 1970-01-01, ascending; `values` aligned). No shared credit (that
    needs the other initiatives; see impact_evidence)."""
    return evaluate_phases(phases(days, values, go_live=go_live, ramp_up=ramp_up,
                                  frequency=frequency, today=today),
                           go_live=go_live, frequency=frequency, direction=direction,
                           today=today)


def evaluate_phases(selected: Phases, *, go_live: date, frequency: str, direction: str,
                    today: date) -> dict:
    row = _pending_row(selected, go_live=go_live, frequency=frequency, today=today)
    if not _enough(row):
        return row
    lower = direction == "lower"
    result = tau_bc(selected.t_before, selected.y_before, selected.t_after, selected.y_after,
                    lower_is_better=lower)
    regression = None
    if _regressed(row):
        regression = segmented_regression(
            selected.t_before, selected.y_before, selected.t_after, selected.y_after,
            t0=epoch_days(selected.after_start), period_days=PERIOD_DAYS[frequency],
            lower_is_better=lower)
    return _judged(row, result, regression, go_live=go_live)


def evaluate_many(selected: list[Phases], *, go_lives: list[date], frequencies: list[str],
                  directions: list[str], today: date) -> list[dict]:
    """`evaluate_phases` of many pairs (pair k: selected[k], go_lives[k], ...), the
    statistics of all of them at once (tau_bc_many, segmented_regression_many)."""
    rows = [_pending_row(chosen, go_live=go_live, frequency=frequency, today=today)
            for chosen, go_live, frequency in zip(selected, go_lives, frequencies, strict=True)]
    judged = [k for k, row in enumerate(rows) if _enough(row)]
    lower = [directions[k] == "lower" for k in judged]
    before = [(selected[k].t_before, selected[k].y_before) for k in judged]
    after = [(selected[k].t_after, selected[k].y_after) for k in judged]
    results = tau_bc_many(before, after, lower)
    regressed = [j for j, k in enumerate(judged) if _regressed(rows[k])]
    regressions = dict(zip(regressed, segmented_regression_many(
        [before[j] for j in regressed], [after[j] for j in regressed],
        t0=[epoch_days(selected[judged[j]].after_start) for j in regressed],
        period_days=[PERIOD_DAYS[frequencies[judged[j]]] for j in regressed],
        lower_is_better=[lower[j] for j in regressed]), strict=True))
    for j, k in enumerate(judged):
        rows[k] = _judged(rows[k], results[j], regressions.get(j), go_live=go_lives[k])
    return rows


def _pending_row(selected: Phases, *, go_live: date, frequency: str, today: date) -> dict:
    """A pair's row before its statistics: the counts, the dates, the earliest verdict and
    what is missing; its verdict `not enough data` until _judged gives one."""
    n_before, n_after = len(selected.y_before), len(selected.y_after)
    enough = n_before >= MIN_PHASE_VALUES and n_after >= MIN_PHASE_VALUES
    row = {"verdict": NOT_ENOUGH_DATA, "tau": None, "p": None, "effect": None,
           "effect_pct": None,
           # (a pair with enough values gets its medians from the statistics)
           "before_median": rank_stats.median(selected.y_before) if n_before and not enough
           else None,
           "after_median": rank_stats.median(selected.y_after) if n_after and not enough
           else None,
           "n_before": n_before, "n_after": n_after, "detrended": False, "trend_slope": None,
           "trend_at_go_live": None, "go_live_date": go_live,
           "after_start": selected.after_start, "earliest_verdict": None, "regression": None,
           "note": ""}
    if n_after < MIN_PHASE_VALUES:
        row["earliest_verdict"] = earliest_verdict(frequency, selected.after_start,
                                                   selected.t_after, n_after, today)
    if not enough:
        row["note"] = missing_note(n_before, n_after, frequency)
    return row


def _enough(row: dict) -> bool:
    return row["n_before"] >= MIN_PHASE_VALUES and row["n_after"] >= MIN_PHASE_VALUES


def _regressed(row: dict) -> bool:
    return row["n_before"] >= SEGMENTED_MIN_VALUES and row["n_after"] >= SEGMENTED_MIN_VALUES


def _judged(row: dict, result: dict, regression: dict | None, *, go_live: date) -> dict:
    """The row with its Tau-BC result, verdict and (when there is one) the regression's
    second opinion."""
    row.update({key: result[key] for key in ("tau", "p", "detrended", "effect", "effect_pct",
                                             "before_median", "after_median")})
    row["verdict"] = verdict_of(result["tau"], result["p"])
    if result["detrended"]:
        row["trend_slope"] = result["trend_slope"]
        row["trend_at_go_live"] = (result["trend_intercept"]
                                   + result["trend_slope"] * epoch_days(go_live))
    if regression is not None:
        regression["disagrees"] = regression["verdict"] != row["verdict"]
        row["regression"] = regression
        if regression["disagrees"]:
            row["note"] = (f"A segmented regression reads it as “{regression['verdict']}”: "
                           "the two methods disagree, so treat the verdict with caution.")
    return row


def earliest_verdict(frequency: str, after_start: date, t_after: np.ndarray, n_after: int,
                     today: date) -> date:
    """The day after the period in which the after phase would reach MIN_PHASE_VALUES values,
    one value per period from the next period without one (never a period already past:
    those can still be back-filled, but the date promised is one a verdict will surely
    come by)."""
    next_slot = first_period_on_or_after(frequency, after_start)
    if n_after:
        latest = from_epoch_days(int(t_after[-1]))
        next_slot = max(next_slot, add_periods(frequency, period_start(frequency, latest), 1))
    next_slot = max(next_slot, period_start(frequency, today))
    return add_periods(frequency, next_slot, MIN_PHASE_VALUES - n_after)


def missing_note(n_before: int, n_after: int, frequency: str) -> str:
    """What is missing for a verdict, in words."""
    singular, plural = PERIOD_NOUN[frequency]
    parts = []
    if n_before < MIN_PHASE_VALUES:
        parts.append(f"{MIN_PHASE_VALUES - n_before} more {frequency} value(s) before go-live "
                     f"(there are {n_before}; log the earlier {plural} if they are known)")
    if n_after < MIN_PHASE_VALUES:
        parts.append(f"{MIN_PHASE_VALUES - n_after} more {frequency} value(s) since go-live "
                     f"(there are {n_after})")
    return "A verdict needs " + " and ".join(parts) + "." if parts else ""


# --- The organization -------------------------------------------------------------------------

def _column(table: pd.DataFrame, name: str, default=None) -> list:
    return table[name].tolist() if name in table else [default] * len(table)


def impact_evidence(frames, today: date, previous: dict | None = None) -> pd.DataFrame:
    """One row (COLUMNS) per live initiative with a go-live date × each of its outcome
    metrics that is not archived. `frames` is an OrgFrames (frames.py). `previous` maps
    (initiative id, metric id) to (inputs digest, stored evidence row) from the last
    recompute: a pair whose inputs have not changed reuses its row instead of computing the
    statistics again (the statistics are the costly part of a recompute)."""
    return pd.DataFrame(evidence_rows(frames, today, previous), columns=COLUMNS)


def evidence_rows(frames, today: date, previous: dict | None = None) -> list[dict]:
    """impact_evidence's rows as dicts by column of COLUMNS (a column a row lacks is NaN in
    the frame), in pair order."""
    previous = previous if previous is not None else getattr(frames, "impact_previous", {})
    initiatives, metrics = frames.initiatives, frames.metrics
    links = frames.measurement_links
    if initiatives.empty or links.empty:
        return []
    go_live = dict(zip(initiatives["id"].tolist(),
                       [_as_date(d) for d in _column(initiatives, "go_live_date")], strict=True))
    status = dict(zip(initiatives["id"].tolist(), initiatives["status"].tolist(), strict=True))
    ramp = dict(zip(initiatives["id"].tolist(),
                    pd.to_numeric(pd.Series(_column(initiatives, "ramp_up_periods", 0),
                                            dtype=object), errors="coerce")
                    .fillna(0).astype("int64").tolist(), strict=True))
    names = dict(zip(initiatives["id"].tolist(), initiatives["name"].tolist(), strict=True))
    live = {i for i, s in status.items()
            if s == rules.LIVE_INITIATIVE_STATUS and go_live[i] is not None}
    if not live:
        return []
    metric_info = {m: (f, d) for m, f, d, archived in zip(
        metrics["id"].tolist(), metrics["frequency"].tolist(), metrics["direction"].tolist(),
        metrics["archived"].tolist(), strict=True) if not archived}
    pairs, measured_by = [], {}
    for i, m, role in zip(links["initiative_id"].tolist(), links["metric_id"].tolist(),
                          links["role"].tolist(), strict=True):
        measured_by.setdefault(m, []).append(i)
        if i in live and role == "outcome" and m in metric_info:
            pairs.append((i, m))
    if not pairs:
        return []
    series = _series_by_metric(frames.values, {m for _, m in pairs})
    went_live = {j for j, day in go_live.items()
                 if day is not None and status.get(j) in WENT_LIVE_STATUSES and day <= today}
    rows, fresh = [], []  # fresh: (index in rows, the pair's phases) to compute now
    for i, m in sorted(pairs):
        frequency, direction = metric_info[m]
        days, values = series.get(m, (np.empty(0, "int64"), np.empty(0)))
        selected = phases(days, values, go_live=go_live[i], ramp_up=ramp[i],
                          frequency=frequency, today=today)
        digest = selected.digest(go_live=go_live[i], frequency=frequency,
                                 direction=direction, today=today)
        stored = previous.get((i, m))
        if stored is not None and stored[0] == digest:
            row = dict(stored[1])
        else:
            row = {}
            fresh.append((len(rows), selected))
        row["inputs_digest"] = digest
        window = (add_periods(frequency, go_live[i], -SHARED_CREDIT_PERIODS),
                  add_periods(frequency, go_live[i], SHARED_CREDIT_PERIODS))
        row["shared_with"] = sorted({
            names[j] for j in measured_by[m]
            if j != i and j in went_live and window[0] <= go_live[j] <= window[1]})
        rows.append({"initiative_id": i, "metric_id": m, **row})
    if fresh:
        chosen = [rows[k] for k, _ in fresh]
        computed = evaluate_many(
            [selected for _, selected in fresh],
            go_lives=[go_live[row["initiative_id"]] for row in chosen],
            frequencies=[metric_info[row["metric_id"]][0] for row in chosen],
            directions=[metric_info[row["metric_id"]][1] for row in chosen], today=today)
        stored_precision_many(computed)
        for row, evidence in zip(chosen, computed, strict=True):
            row.update(evidence)
    return rows


# The digits a stored row keeps (engine.py writes them so): a fresh row is rounded the same
# way, so the flags read the same numbers whether a row was computed now or reused.
STORED_DIGITS = {"tau": 6, "p": 6, "effect": 6, "effect_pct": 4, "before_median": 6,
                 "after_median": 6, "trend_slope": 9, "trend_at_go_live": 6}


def _round(value, digits: int):
    if type(value) is float:  # the common case first: a Python float
        return round(value, digits) if math.isfinite(value) else None
    if value is None or type(value) is str:
        return value
    if isinstance(value, dict):
        return {k: _round(v, digits) for k, v in value.items()}
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, float | np.floating):
        return None if not np.isfinite(value) else round(float(value), digits)
    return value


def stored_precision(row: dict) -> dict:
    for name, digits in STORED_DIGITS.items():
        row[name] = _round(row[name], digits)
    row["regression"] = _round(row["regression"], 6)
    return row


def stored_precision_many(rows: list[dict]) -> None:
    """stored_precision of every row, each field's numbers rounded together
    (rounding.finite_rounded: Python's round, bit for bit, without a call per number). A
    field or a regression holding anything but Python floats, strings, bools and None is
    rounded the one-by-one way."""
    for name, digits in STORED_DIGITS.items():
        values = [row[name] for row in rows]
        if all(v is None or type(v) is float for v in values):
            values = rounding.finite_rounded(values, digits)
        else:
            values = [_round(v, digits) for v in values]
        for row, value in zip(rows, values, strict=True):
            row[name] = value
    plain = []
    for row in rows:
        regression = row["regression"]
        if type(regression) is dict and all(type(v) in _PLAIN_TYPES
                                            for v in regression.values()):
            plain.append(row)
        else:
            row["regression"] = _round(regression, 6)
    numbers = iter(rounding.finite_rounded(
        [v for row in plain for v in row["regression"].values() if type(v) is float], 6))
    for row in plain:
        row["regression"] = {k: next(numbers) if type(v) is float else v
                             for k, v in row["regression"].items()}


_PLAIN_TYPES = frozenset({float, str, bool, type(None)})


def _as_date(value) -> date | None:
    if type(value) is date:
        return value
    if value is None or (not isinstance(value, date) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value


def _series_by_metric(values: pd.DataFrame, wanted: set) -> dict:
    """{metric id: (period days ascending, values)} for the wanted metrics only."""
    ids = values["metric_id"].to_numpy()
    numbers = values["value"].to_numpy(dtype=float)
    chosen = np.isin(ids, np.fromiter(wanted, dtype=ids.dtype, count=len(wanted))) \
        & np.isfinite(numbers)
    if not chosen.any():
        return {}
    ids, numbers = ids[chosen], numbers[chosen]
    days = values["period"].to_numpy()[chosen].astype("datetime64[D]").astype("int64")
    # The engine loads values ordered by metric and period; sort only frames that are not.
    same = ids[1:] == ids[:-1]
    if not ((ids[1:] > ids[:-1]) | (same & (days[1:] >= days[:-1]))).all():
        order = np.lexsort((days, ids))  # stable, as a stable sort by (metric, period)
        ids, days, numbers = ids[order], days[order], numbers[order]
        same = ids[1:] == ids[:-1]
    bounds = np.flatnonzero(np.r_[True, ~same, True])
    return {int(ids[a]): (days[a:b], numbers[a:b]) for a, b in zip(bounds[:-1], bounds[1:],
                                                                    strict=True)}


def impact_by_initiative(evidence: pd.DataFrame) -> dict[int, list[dict]]:
    """{initiative id: its rows as dicts}, for the flags."""
    out: dict[int, list[dict]] = {}
    names = evidence.columns.tolist()
    for values in zip(*(evidence[name].tolist() for name in names), strict=True):
        row = dict(zip(names, values, strict=True))
        out.setdefault(row["initiative_id"], []).append(row)
    return out


def no_effect(rows: list[dict]) -> bool:
    """NO_EFFECT: at least NO_EFFECT_MIN_AFTER after values on every outcome metric, and every
    verdict `no clear change` (a metric without enough values before go-live has no verdict,
    so it cannot show there was no effect)."""
    return bool(rows) and all(r["n_after"] >= NO_EFFECT_MIN_AFTER
                              and r["verdict"] == NO_CLEAR_CHANGE for r in rows)


# --- In words ---------------------------------------------------------------------------------
# The sentences a person reads, in the active language (Django's gettext: the only Django this
# module touches). The English wording is the one the tests and the flags have always had.

# A frequency's period, singular and plural, and the frequency as a word.
PERIOD_WORDS = {
    "weekly": (pgettext_lazy("period", "week"), pgettext_lazy("period", "weeks")),
    "monthly": (pgettext_lazy("period", "month"), pgettext_lazy("period", "months")),
    "quarterly": (pgettext_lazy("period", "quarter"), pgettext_lazy("period", "quarters")),
}
FREQUENCY_WORDS = {"weekly": pgettext_lazy("frequency", "weekly"),
                   "monthly": pgettext_lazy("frequency", "monthly"),
                   "quarterly": pgettext_lazy("frequency", "quarterly")}
# The segmented regression's reading, as the note quotes it.
VERDICT_WORDS = {IMPROVED: gettext_lazy("improved"), WORSENED: gettext_lazy("worsened"),
                 NO_CLEAR_CHANGE: gettext_lazy("no clear change")}


def period_word(frequency: str, count: int) -> str:
    singular, plural = PERIOD_WORDS[frequency]
    return str(singular if count == 1 else plural)


def short_date(day: date, today: date) -> str:
    """"3 Aug" this year, "3 Aug 2025" another year (month names in the active language)."""
    return dateformat.format(day, "j M" if day.year == today.year else "j M Y")


def format_p(p: float) -> str:
    return local_digits("p < 0.001" if p < 0.001 else f"p = {p:.3f}" if p < 0.1
                        else f"p = {p:.2f}")


def amount(value: float, unit: str, currency: str = "") -> str:
    """A change in the metric's unit: "1.8 minutes", "2.5 percentage points", "3"."""
    number = local_digits(f"{abs(value):,.3g}" if abs(value) < 1000 else f"{abs(value):,.0f}")
    if unit == "%":
        return gettext("%(number)s percentage points") % {"number": number}
    if unit == "currency":
        return f"{number} {currency}".strip()
    if unit == "score":
        return gettext("%(number)s points") % {"number": number}
    if unit == "count":
        return number
    return f"{number} {unit}"


# What impact_sentence reads of a row: a page that only shows the sentence reads only these.
SENTENCE_COLUMNS = ("verdict", "go_live_date", "n_before", "n_after", "earliest_verdict",
                    "effect", "effect_pct", "detrended", "p", "shared_with", "note", "regression")


def missing_text(n_before: int, n_after: int, frequency: str) -> str:
    """What is missing for a verdict, in words (missing_note in the active language)."""
    plural = period_word(frequency, 2)
    word = FREQUENCY_WORDS[frequency]
    parts = []
    if n_before < MIN_PHASE_VALUES:
        more = MIN_PHASE_VALUES - n_before
        parts.append(ngettext(
            "%(more)s more %(frequency)s value(s) before go-live (there are %(count)s; log the "
            "earlier %(periods)s if they are known)",
            "%(more)s more %(frequency)s value(s) before go-live (there are %(count)s; log the "
            "earlier %(periods)s if they are known)", more)
            % {"more": more, "frequency": word, "count": n_before, "periods": plural})
    if n_after < MIN_PHASE_VALUES:
        more = MIN_PHASE_VALUES - n_after
        parts.append(ngettext(
            "%(more)s more %(frequency)s value(s) since go-live (there are %(count)s)",
            "%(more)s more %(frequency)s value(s) since go-live (there are %(count)s)", more)
            % {"more": more, "frequency": word, "count": n_after})
    if not parts:
        return ""
    return gettext("A verdict needs %(parts)s.") % {"parts": gettext(" and ").join(parts)}


def note_text(row: dict, frequency: str) -> str:
    """The row's note (evaluate_phases) in the active language, from the row's numbers."""
    if row["n_before"] < MIN_PHASE_VALUES or row["n_after"] < MIN_PHASE_VALUES:
        return missing_text(row["n_before"], row["n_after"], frequency)
    regression = row.get("regression")
    if isinstance(regression, dict) and regression.get("disagrees"):
        verdict = regression["verdict"]
        return gettext("A segmented regression reads it as “%(verdict)s”: the two methods "
                       "disagree, so treat the verdict with caution.") % {
            "verdict": VERDICT_WORDS[verdict] if verdict in VERDICT_WORDS else verdict}
    return ""


def _day(value) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def impact_sentence(row: dict, *, metric_name: str, unit: str, frequency: str, today: date,
                    currency: str = "") -> str:
    """The verdict in words, always with its n's and p where it has them."""
    went_live = short_date(_day(row["go_live_date"]), today)
    plural = period_word(frequency, 2)
    n_before, n_after = row["n_before"], row["n_after"]
    if row["verdict"] == NOT_ENOUGH_DATA:
        words = {"n": n_after, "frequency": FREQUENCY_WORDS[frequency], "day": went_live,
                 "before": n_before, "more": MIN_PHASE_VALUES - n_before}
        text = ngettext("Not enough data yet: %(n)s %(frequency)s value since go-live on "
                        "%(day)s and %(before)s before",
                        "Not enough data yet: %(n)s %(frequency)s values since go-live on "
                        "%(day)s and %(before)s before", n_after) % words
        if row["earliest_verdict"]:
            words["earliest"] = short_date(_day(row["earliest_verdict"]), today)
            if n_before < MIN_PHASE_VALUES:
                text += gettext("; a verdict is possible from %(earliest)s if %(more)s more "
                                "values before go-live are logged") % words
            else:
                text += gettext("; a verdict is possible from %(earliest)s") % words
        elif n_before < MIN_PHASE_VALUES:
            text += gettext("; %(more)s more values before go-live would allow a verdict") % words
        return text + "."
    effect = row["effect"]
    words = {"metric": metric_name, "day": went_live}
    if effect == 0:
        words["change"] = ""
    else:
        change = amount(effect, unit, currency)
        if row["effect_pct"] is not None:
            pct = local_digits(f"{row['effect_pct']:+.0f}".replace("-", "−"))
            change = gettext("%(amount)s (%(percent)s %%)") % {"amount": change, "percent": pct}
        words["change"] = (gettext(" by %(amount)s") % {"amount": change})
    if row["detrended"]:
        words["change"] += gettext(" against its earlier trend")
    words["evidence"] = ngettext(
        "%(p)s, %(before)s %(periods)s before, %(after)s after",
        "%(p)s, %(before)s %(periods)s before, %(after)s after", n_before) % {
        "p": format_p(row["p"]), "before": n_before, "after": n_after,
        "periods": period_word(frequency, n_before)}
    if row["verdict"] == NO_CLEAR_CHANGE:
        text = (gettext("No clear change in %(metric)s since go-live on %(day)s: it rose"
                        "%(change)s, which could be chance (%(evidence)s).") if effect > 0 else
                gettext("No clear change in %(metric)s since go-live on %(day)s: it fell"
                        "%(change)s, which could be chance (%(evidence)s).") if effect < 0 else
                gettext("No clear change in %(metric)s since go-live on %(day)s: it did not "
                        "move from its baseline's median%(change)s, which could be chance "
                        "(%(evidence)s).")) % words
    elif row["verdict"] == IMPROVED:
        text = (gettext("%(metric)s rose%(change)s since go-live on %(day)s; this is unlikely "
                        "to be chance (%(evidence)s).") if effect > 0 else
                gettext("%(metric)s fell%(change)s since go-live on %(day)s; this is unlikely "
                        "to be chance (%(evidence)s).") if effect < 0 else
                gettext("%(metric)s did not move from its baseline's median%(change)s since "
                        "go-live on %(day)s; this is unlikely to be chance (%(evidence)s).")
                ) % words
    else:
        text = (gettext("%(metric)s rose%(change)s since go-live on %(day)s, the wrong way; "
                        "this is unlikely to be chance (%(evidence)s).") if effect > 0 else
                gettext("%(metric)s fell%(change)s since go-live on %(day)s, the wrong way; "
                        "this is unlikely to be chance (%(evidence)s).") if effect < 0 else
                gettext("%(metric)s did not move from its baseline's median%(change)s since "
                        "go-live on %(day)s, the wrong way; this is unlikely to be chance "
                        "(%(evidence)s).")) % words
    if row.get("shared_with"):
        text += " " + gettext(
            "It cannot be credited to this initiative alone: %(others)s also went live within "
            "%(count)s %(periods)s and is measured by %(metric)s.") % {
            "others": ", ".join(row["shared_with"]), "count": SHARED_CREDIT_PERIODS,
            "periods": plural, "metric": metric_name}
    note = note_text(row, frequency)
    if note:
        text += " " + note
    return text
