"""rank_stats: Kendall's tau-b and Theil–Sen give SciPy's numbers (to 1e-9), on random
series, series with ties, and the edge cases (constant, two values, the exact/asymptotic
boundary, the very edge of the exact distribution)."""

import math

import numpy as np
import pytest
from scipy import stats

from alignment_portal.scoring import impact, rank_stats

TOLERANCE = 1e-9


def same(ours: float, theirs: float) -> bool:
    if math.isnan(theirs):
        return math.isnan(ours)
    return abs(ours - theirs) <= TOLERANCE


def assert_kendall_matches(x, y):
    tau, p = rank_stats.kendall_tau_b(x, y)
    expected = stats.kendalltau(x, y)
    assert same(tau, float(expected.statistic)), (x, y, tau, expected)
    assert same(p, float(expected.pvalue)), (x, y, p, expected)


SIZES = [2, 3, 4, 5, 8, 13, 26, 33, 34, 40, 60]


@pytest.mark.parametrize("n", SIZES)
def test_kendall_tau_b_matches_scipy_on_random_series_without_ties(n):
    rng = np.random.default_rng(n)
    for _ in range(20):
        assert_kendall_matches(np.sort(rng.choice(5000, n, replace=False)) * 1.0,
                               rng.normal(size=n))


@pytest.mark.parametrize("n", SIZES)
def test_kendall_tau_b_matches_scipy_with_ties_in_either_series(n):
    rng = np.random.default_rng(100 + n)
    for _ in range(20):
        x = rng.integers(0, max(2, n // 3), n).astype(float)
        y = rng.integers(0, 4, n).astype(float)
        assert_kendall_matches(x, y)
        assert_kendall_matches(np.arange(n, dtype=float), y)


def test_kendall_tau_b_matches_scipy_at_the_edges():
    assert_kendall_matches([1.0, 2.0], [3.0, 1.0])
    assert_kendall_matches([1.0, 2.0, 3.0], [5.0, 5.0, 5.0])  # constant: NaN
    assert_kendall_matches([1.0, 1.0, 1.0], [1.0, 2.0, 3.0])
    for n in (5, 26, 40, 100):  # perfectly ordered: the very edge of the exact distribution
        t = np.arange(n, dtype=float)
        assert_kendall_matches(t, t * 2.0)
        assert_kendall_matches(t, -t)
        almost = t.copy()
        almost[[0, 1]] = almost[[1, 0]]  # one discordant pair
        assert_kendall_matches(t, almost)
    assert_kendall_matches(np.arange(4.0), [1.0, 3.0, 2.0, 4.0])  # 4c = n(n-1): p is 1


@pytest.mark.parametrize("n_before,n_after", [(2, 2), (5, 5), (9, 12), (26, 3), (26, 60),
                                              (12, 200)])
def test_phase_tau_b_is_scipys_kendalltau_of_phase_against_values(n_before, n_after):
    rng = np.random.default_rng(n_before * 1000 + n_after)
    for ties in (False, True):
        for _ in range(15):
            before = rng.normal(size=n_before)
            after = rng.normal(0.5, size=n_after)
            if ties:
                before, after = np.round(before), np.round(after)
            tau, p = rank_stats.phase_tau_b(before, after)
            expected = stats.kendalltau(np.r_[np.zeros(n_before), np.ones(n_after)],
                                        np.r_[before, after])
            assert same(tau, float(expected.statistic))
            assert same(p, float(expected.pvalue))


def test_phase_tau_b_of_identical_values_is_nan_like_scipy():
    tau, p = rank_stats.phase_tau_b([3.0, 3.0], [3.0, 3.0, 3.0])
    assert math.isnan(tau) and math.isnan(p)


@pytest.mark.parametrize("n", [2, 3, 5, 10, 26])
def test_theil_sen_matches_scipy(n):
    rng = np.random.default_rng(7 * n)
    for ties in (False, True):
        for _ in range(20):
            x = np.sort(rng.choice(3000, n, replace=not ties)).astype(float)
            y = 0.3 * x + rng.normal(size=n)
            if ties:
                y = np.round(y)
            slope, intercept = rank_stats.theil_sen(y, x)
            expected = stats.theilslopes(y, x)
            assert same(slope, float(expected.slope))
            assert same(intercept, float(expected.intercept))


def test_median_is_numpys():
    rng = np.random.default_rng(3)
    for n in range(1, 30):
        values = rng.normal(size=n)
        assert rank_stats.median(values) == float(np.median(values))


def test_tau_bc_equals_the_method_made_of_scipy_calls():
    """The whole Tau-BC of impact.py against the same steps done with scipy.stats."""
    rng = np.random.default_rng(11)
    for trial in range(60):
        n_b, n_a = int(rng.integers(5, 27)), int(rng.integers(5, 40))
        t = np.cumsum(rng.integers(7, 8, n_b + n_a)).astype(float) + 20000
        y = rng.normal(size=n_b + n_a) + (0.05 * np.arange(n_b + n_a) if trial % 2 else 0)
        if trial % 3 == 0:
            y = np.round(y * 2) / 2  # ties
        t_b, y_b, t_a, y_a = t[:n_b], y[:n_b], t[n_b:], y[n_b:]
        ours = impact.tau_bc(t_b, y_b, t_a, y_a)
        trend = stats.kendalltau(t_b, y_b)
        detrended = bool(trend.pvalue < impact.TREND_P)
        assert ours["detrended"] == detrended
        if detrended:
            fit = stats.theilslopes(y_b, t_b)
            assert same(ours["trend_slope"], float(fit.slope))
            residuals = impact._tidy(np.r_[y_b - (fit.intercept + fit.slope * t_b),
                                           y_a - (fit.intercept + fit.slope * t_a)], y)
        else:
            residuals = y
        expected = stats.kendalltau(np.r_[np.zeros(n_b), np.ones(n_a)], residuals)
        assert same(ours["tau"], float(expected.statistic))
        assert same(ours["p"], float(expected.pvalue))


def test_segmented_regression_is_numpys_least_squares():
    """The one-SVD fit gives lstsq's coefficients and pinv(xᵀx)'s intervals."""
    rng = np.random.default_rng(5)
    for _ in range(20):
        n_b, n_a = int(rng.integers(12, 27)), int(rng.integers(12, 40))
        t = 20000.0 + 7 * np.arange(n_b + n_a)
        y = rng.normal(size=n_b + n_a) + np.r_[np.zeros(n_b), np.full(n_a, 1.5)]
        t0 = t[n_b]
        ours = impact.segmented_regression(t[:n_b], y[:n_b], t[n_b:], y[n_b:], t0=t0,
                                           period_days=7.0)
        after = np.r_[np.zeros(n_b), np.ones(n_a)]
        x = np.column_stack([np.ones(n_b + n_a), t - t0, after, (t - t0) * after])
        coef = np.linalg.lstsq(x, y, rcond=None)[0]
        residual = y - x @ coef
        cov = residual @ residual / (len(y) - 4) * np.linalg.pinv(x.T @ x)
        half = stats.t.ppf(0.975, len(y) - 4) * math.sqrt(cov[2, 2])
        assert abs(ours["level_change"] - coef[2]) <= TOLERANCE
        assert abs(ours["slope_change"] - 7 * coef[3]) <= TOLERANCE
        assert abs(ours["level_high"] - (coef[2] + half)) <= TOLERANCE
        assert ours["rank_ok"]
