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


# --- The batched forms give each series exactly what the per-series functions give it -------

def random_series(rng, count: int, *, low: int = 2, high: int = 30):
    """`count` (x, y) series of random lengths: distinct or tied days, values with and
    without ties, a trend now and then, a constant one now and then."""
    out = []
    for k in range(count):
        n = int(rng.integers(low, high))
        x = np.sort(rng.choice(4000, n, replace=k % 5 == 4)).astype(float) + 20000
        y = rng.normal(size=n) + (0.01 * x if k % 3 == 0 else 0)
        if k % 4 == 1:
            y = np.round(y)  # ties
        if k % 11 == 7:
            y = np.full(n, 2.5)  # constant
        out.append((x, y))
    return out


def test_kendall_tau_b_many_is_kendall_tau_b_of_each_series():
    series = random_series(np.random.default_rng(21), 80)
    x, mask = rank_stats.padded([s[0] for s in series])
    y, _ = rank_stats.padded([s[1] for s in series])
    taus, ps = rank_stats.kendall_tau_b_many(x, y, mask)
    for (xs, ys), tau, p in zip(series, taus, ps, strict=True):
        assert np.array_equal([tau, p], rank_stats.kendall_tau_b(xs, ys), equal_nan=True)


def test_tie_statistics_many_counts_each_rows_groups_like_the_per_series_function():
    rng = np.random.default_rng(23)
    series = [rng.integers(0, int(rng.integers(1, 12)), size=int(rng.integers(0, 30))) * 0.5
              for _ in range(200)]
    series += [np.full(7, 3.0), np.array([np.inf, np.inf, -np.inf]), np.empty(0)]
    values, mask = rank_stats.padded(series, width=32)  # padding after every series
    counts = rank_stats.tie_statistics_many(values, mask)
    assert counts.dtype == np.int64
    assert [tuple(row) for row in counts.tolist()] == [
        rank_stats._tie_statistics(s) for s in series]


def test_phase_tau_b_many_is_phase_tau_b_of_each_pair():
    rng = np.random.default_rng(22)
    pairs = [(before, after) for (_, before), (_, after) in zip(
        random_series(rng, 60), random_series(rng, 60, high=90), strict=True)]
    pairs.append((np.full(3, 1.0), np.full(4, 1.0)))  # identical values: NaN
    before, before_mask = rank_stats.padded([b for b, _ in pairs])
    after, after_mask = rank_stats.padded([a for _, a in pairs])
    taus, ps = rank_stats.phase_tau_b_many(before, before_mask, after, after_mask)
    for (b, a), tau, p in zip(pairs, taus, ps, strict=True):
        assert np.array_equal([tau, p], rank_stats.phase_tau_b(b, a), equal_nan=True)


def test_theil_sen_many_and_medians_are_the_per_series_functions():
    series = random_series(np.random.default_rng(23), 70)
    x, mask = rank_stats.padded([s[0] for s in series])
    y, _ = rank_stats.padded([s[1] for s in series])
    slopes, intercepts = rank_stats.theil_sen_many(y, x, mask)
    for (xs, ys), slope, intercept in zip(series, slopes, intercepts, strict=True):
        assert np.array_equal([slope, intercept], rank_stats.theil_sen(ys, xs), equal_nan=True)
    assert rank_stats.medians(y, mask).tolist() == [rank_stats.median(ys) for _, ys in series]
    empty = rank_stats.medians(np.full((2, 3), np.nan), np.zeros((2, 3), dtype=bool))
    assert np.isnan(empty).all()


def test_tau_bc_many_is_tau_bc_of_each_pair():
    rng = np.random.default_rng(24)
    before, after, lower = [], [], []
    for trial in range(90):
        n_b, n_a = int(rng.integers(5, 27)), int(rng.integers(2, 70))
        t = np.cumsum(rng.integers(7, 8, n_b + n_a)).astype(float) + 20000
        y = rng.normal(size=n_b + n_a) + (0.05 * np.arange(n_b + n_a) if trial % 2 else 0)
        if trial % 3 == 0:
            y = np.round(y * 2) / 2  # ties
        if trial % 17 == 5:
            y = 3.0 + 0.5 * np.arange(n_b + n_a)  # a straight line: ties after detrending
        if trial % 19 == 6:
            y = np.zeros(n_b + n_a)  # nothing moves: a before median of 0
        if trial % 13 == 2:  # small values on a line, off it by less than the tie scale
            y = 0.001 * np.arange(n_b + n_a) + rng.choice([-4e-10, 0.0, 4e-10], n_b + n_a)
        before.append((t[:n_b], y[:n_b]))
        after.append((t[n_b:], y[n_b:]))
        lower.append(trial % 4 == 3)
    batched = impact.tau_bc_many(before, after, lower)
    assert any(row["detrended"] for row in batched)
    assert any(not row["detrended"] for row in batched)
    for (t_b, y_b), (t_a, y_a), low, ours in zip(before, after, lower, batched, strict=True):
        assert ours == impact.tau_bc(t_b, y_b, t_a, y_a, lower_is_better=low)


def test_segmented_regression_many_agrees_with_segmented_regression():
    rng = np.random.default_rng(25)
    before, after, t0, period, lower = [], [], [], [], []
    for trial in range(40):
        n_b, n_a = int(rng.integers(12, 27)), int(rng.integers(12, 80))
        step = 7 if trial % 2 else 30
        t = 20000.0 + step * np.arange(n_b + n_a)
        y = rng.normal(size=n_b + n_a) * 10 + np.r_[np.zeros(n_b), np.full(n_a, trial % 5)]
        before.append((t[:n_b], y[:n_b]))
        after.append((t[n_b:], y[n_b:]))
        t0.append(float(t[n_b]))
        period.append(float(step))
        lower.append(trial % 3 == 0)
    batched = impact.segmented_regression_many(before, after, t0=t0, period_days=period,
                                               lower_is_better=lower)
    for k, ours in enumerate(batched):
        (t_b, y_b), (t_a, y_a) = before[k], after[k]
        theirs = impact.segmented_regression(t_b, y_b, t_a, y_a, t0=t0[k],
                                             period_days=period[k], lower_is_better=lower[k])
        assert ours.keys() == theirs.keys()
        assert (ours["verdict"], ours["rank_ok"]) == (theirs["verdict"], theirs["rank_ok"])
        for name, value in theirs.items():
            if isinstance(value, float):
                assert ours[name] == pytest.approx(value, rel=1e-9, abs=1e-9), name


def _exact_p_per_statistic(n: int, c: int) -> float:
    """The exact p as SciPy computes it, the recurrence run up to this statistic's own c
    (rank_stats.exact_p before it shared one table per n)."""
    new = np.zeros(c + 1)
    new[0:2] = 1.0
    for j in range(3, n + 1):
        new = np.cumsum(new)
        if j <= c:
            new[j:] -= new[:c + 1 - j]
    return float(np.clip(2.0 * np.sum(new) / math.factorial(n), 0.0, 1.0))


def test_the_exact_p_from_one_table_per_n_is_scipys_to_the_last_bit():
    rank_stats.exact_p.cache_clear()
    for n in range(4, rank_stats.EXACT_MAX_N + 1):
        total = n * (n - 1) // 2
        for concordant in range(total + 1):
            c = min(concordant, total - concordant)
            if c < 2 or 4 * c == n * (n - 1):
                continue  # the closed forms
            assert rank_stats.exact_p(n, concordant) == _exact_p_per_statistic(n, c), (n, c)
    assert stats.kendalltau(np.arange(9), [0, 2, 1, 4, 3, 5, 8, 6, 7]).pvalue == \
        pytest.approx(rank_stats.kendall_tau_b(np.arange(9), [0, 2, 1, 4, 3, 5, 8, 6, 7])[1],
                      rel=1e-12)
