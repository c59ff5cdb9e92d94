"""Kendall's tau-b and the Theil–Sen line, as SciPy computes them, without SciPy's per-call cost.

`scipy.stats.kendalltau` and `scipy.stats.theilslopes` spend most of a call on argument
handling (signature inspection, the nan-policy wrapper, array-API dispatch): about 0.7 ms a
call, against a few microseconds of arithmetic on the short series impact evidence reads
(26 values before go-live at most). A recompute of a large organization makes hundreds of
such calls, so they were most of its time. These functions do the same arithmetic directly on
NumPy arrays and give SciPy's numbers (the tests compare them with SciPy to 1e-9 on random
series, ties and edge cases):

- `kendall_tau_b(x, y)`: tau-b and its two-sided p, with SciPy's `method="auto"`: the exact
  null distribution when neither series has ties and n <= 33 (or the statistic is at the very
  edge), else the normal approximation with the tie-corrected variance. NaN, NaN when either
  series is constant or empty (SciPy's answer).
- `phase_tau_b(before, after)`: the same for the common case of a 0/1 phase against values,
  counting pairs across the phases only (every pair within a phase is a tie in the phase).
- `theil_sen(y, x)`: the median of the pairwise slopes (pairs with equal x left out) and
  SciPy's "separate" intercept, median(y) − slope · median(x).
"""

import functools
import math

import numpy as np
from scipy import special

EXACT_MAX_N = 33  # SciPy's bound for the exact p of a series without ties


def _tie_statistics(values: np.ndarray) -> tuple[int, int, int]:
    """(tied pairs, Σ t(t−1)(t−2), Σ t(t−1)(2t+5)) over groups of t equal values."""
    ordered = np.sort(values)
    if not len(ordered) or (ordered[1:] != ordered[:-1]).all():
        return 0, 0, 0
    edges = np.ones(len(ordered) + 1, dtype=bool)
    edges[1:-1] = ordered[1:] != ordered[:-1]
    bounds = np.flatnonzero(edges)
    return _group_statistics(np.diff(bounds).tolist())


def _group_statistics(counts: list[int]) -> tuple[int, int, int]:
    counts = [t for t in counts if t > 1]
    return (sum(t * (t - 1) // 2 for t in counts),
            sum(t * (t - 1) * (t - 2) for t in counts),
            sum(t * (t - 1) * (2 * t + 5) for t in counts))


def median(values: np.ndarray) -> float:
    """np.median of a non-empty 1-d array, without its per-call overhead (the same number:
    the middle value, or the mean of the two middle values)."""
    ordered = np.sort(values)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return float((ordered[middle - 1] + ordered[middle]) / 2)


@functools.lru_cache(maxsize=4096)
def exact_p(n: int, concordant: int) -> float:
    """Two-sided p of Kendall's statistic under no ties: the null distribution of the number
    of inversions (Kendall 1970), as scipy.stats._mstats_basic._kendall_p_exact computes it."""
    c = int(min(concordant, n * (n - 1) // 2 - concordant))
    if n <= 2:
        return 1.0
    if c == 0:
        return min(2.0 / math.factorial(n), 1.0) if n < 171 else 0.0
    if c == 1:
        return min(2.0 / math.factorial(n - 1), 1.0) if n < 172 else 0.0
    if 4 * c == n * (n - 1):
        return 1.0
    if n < 171:
        # (a copy: np.sum of the same c + 1 numbers as SciPy's array of them, so the same sum)
        prob = 2.0 * np.sum(inversion_counts(n)[:c + 1].copy()) / math.factorial(n)
    else:
        new = np.zeros(c + 1)
        new[0:2] = 1.0
        for j in range(3, n + 1):
            new = np.cumsum(new) / j
            if j <= c:
                new[j:] -= new[:c + 1 - j]
        prob = np.sum(new)
    return float(np.clip(prob, 0.0, 1.0))


@functools.lru_cache(maxsize=64)
def inversion_counts(n: int) -> np.ndarray:
    """How many permutations of n items have k inversions, for k = 0 .. ⌊n(n−1)/4⌋ (floats),
    by the recurrence of SciPy's exact p. SciPy runs it up to each statistic's own k; entry k
    depends only on entries 0..k, so one table per n gives every statistic the very same
    numbers, and a fresh worker's first recompute no longer runs the recurrence once per
    statistic (~10 ms for a large organization). Read only: it is shared."""
    top = n * (n - 1) // 4
    new = np.zeros(top + 1)
    new[0:2] = 1.0
    for j in range(3, n + 1):
        new = np.cumsum(new)
        if j <= top:
            new[j:] -= new[:top + 1 - j]
    new.flags.writeable = False
    return new


def _tau_and_p(n: int, concordant_minus_discordant: int, discordant: int,
               x_ties: tuple[int, int, int], y_ties: tuple[int, int, int]) -> tuple[float, float]:
    total = n * (n - 1) // 2
    xtie, x0, x1 = x_ties
    ytie, y0, y1 = y_ties
    if n < 2 or xtie == total or ytie == total:
        return math.nan, math.nan
    tau = concordant_minus_discordant / math.sqrt(total - xtie) / math.sqrt(total - ytie)
    tau = min(1.0, max(-1.0, tau))
    if xtie == 0 and ytie == 0 and (n <= EXACT_MAX_N or min(discordant,
                                                             total - discordant) <= 1):
        return tau, exact_p(n, total - discordant)
    m = n * (n - 1.0)
    variance = ((m * (2 * n + 5) - x1 - y1) / 18 + (2 * xtie * ytie) / m
                + x0 * y0 / (9 * m * (n - 2)))
    z = concordant_minus_discordant / math.sqrt(variance)
    return tau, float(2 * special.ndtr(-abs(z)))


def kendall_tau_b(x, y) -> tuple[float, float]:
    """Kendall's tau-b of x against y and its two-sided p (SciPy's `kendalltau`)."""
    x, y = np.asarray(x, float), np.asarray(y, float)
    n = len(x)
    if n < 2:
        return math.nan, math.nan
    # Every pair twice (i, j and j, i give the same product), the diagonal zero.
    product = np.sign(x[:, None] - x[None, :]) * np.sign(y[:, None] - y[None, :])
    return _tau_and_p(n, int(product.sum()) // 2, int((product < 0).sum()) // 2,
                      _tie_statistics(x), _tie_statistics(y))


def phase_tau_b(before, after) -> tuple[float, float]:
    """Kendall's tau-b of the phase (0 for `before`, 1 for `after`) against the values, and
    its two-sided p: SciPy's `kendalltau(phase, values)` with the pairs counted across the
    phases only."""
    before, after = np.asarray(before, float), np.asarray(after, float)
    n_b, n_a = len(before), len(after)
    n = n_b + n_a
    signs = np.sign(after[None, :] - before[:, None])
    phase_ties = _group_statistics([n_b, n_a])
    return _tau_and_p(n, int(signs.sum()), int((signs < 0).sum()), phase_ties,
                      _tie_statistics(np.concatenate((before, after))))


def theil_sen(y, x) -> tuple[float, float]:
    """The Theil–Sen slope (median of the slopes between pairs of points with different x)
    and intercept median(y) − slope · median(x) (SciPy's `theilslopes`, method "separate")."""
    y, x = np.asarray(y, float), np.asarray(x, float)
    # Every pair twice (the same slope either way round): the median of the doubled slopes
    # is the median of the slopes.
    dx = x[:, None] - x[None, :]
    dy = y[:, None] - y[None, :]
    keep = dx != 0
    slope = median(dy[keep] / dx[keep]) if keep.any() else math.nan
    return slope, float(median(y) - slope * median(x))


# --- Many series at once --------------------------------------------------------------------
#
# A recompute of a large organization computes Tau-BC for a hundred or more initiative ×
# metric pairs. Called per pair, the functions above spend most of their time on NumPy's
# per-call overhead (a dozen small array operations each). The batched forms below take the
# series of every pair together, padded: `values[k, :n_k]` holds series k, `mask[k, :n_k]` is
# True, the rest is padding, never read as a value. They count the same pairs and ties in
# integers and hand them to the same `_tau_and_p`, so each series gets the numbers the
# per-series function gives it, to the last bit (the tests compare them with `==`).

def padded(series: list[np.ndarray], width: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(values, mask) of shape (len(series), width): each series left-aligned, NaN after it."""
    lengths = np.fromiter((len(s) for s in series), dtype=np.int64, count=len(series))
    width = int(lengths.max(initial=0)) if width is None else width
    mask = np.arange(width)[None, :] < lengths[:, None]
    values = np.full((len(series), width), np.nan)
    if len(series) and width:
        values[mask] = np.concatenate(series).astype(float) if lengths.sum() else []
    return values, mask


def medians(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`median` of each row's masked values (NaN for an empty row)."""
    if not values.shape[1]:
        return np.full(len(values), np.nan)
    ordered = np.sort(np.where(mask, values, np.nan), axis=1)  # NaN sorts last
    counts = mask.sum(axis=1)
    rows = np.arange(len(values))
    upper = ordered[rows, counts // 2]  # < width: counts <= width
    lower = ordered[rows, np.maximum(counts // 2 - 1, 0)]
    out = np.where(counts % 2 == 1, upper, (lower + upper) / 2)
    return np.where(counts > 0, out, np.nan)


def tie_statistics_many(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """`_tie_statistics` of each row: an (n, 3) integer array. A value in a group of t equal
    values adds (t−1)/2, (t−1)(t−2) and (t−1)(2t+5), so each group adds t(t−1)/2,
    t(t−1)(t−2) and t(t−1)(2t+5). The masked values are numbers (NaN only pads): sorted,
    equal values are runs, and t is the length of a value's run, found in one pass over the
    sorted rows rather than by comparing every pair of values."""
    rows, width = values.shape
    if not rows or not width:
        return np.zeros((rows, 3), dtype=np.int64)
    ordered = np.sort(np.where(mask, values, np.nan), axis=1)  # padding last, and never equal
    starts = np.ones((rows, width), dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    run = np.cumsum(starts.ravel()) - 1
    group = np.bincount(run)[run].reshape(rows, width).astype(np.int64)  # padding: t = 1
    less = group - 1
    return np.stack([less.sum(axis=1) // 2, (less * (group - 2)).sum(axis=1),
                     (less * (2 * group + 5)).sum(axis=1)], axis=1)


def kendall_tau_b_many(x: np.ndarray, y: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
    """`kendall_tau_b(x[k], y[k])` of every row k (the masked values): (taus, ps)."""
    pairs = mask[:, :, None] & mask[:, None, :]
    product = np.where(pairs, np.sign(x[:, :, None] - x[:, None, :])
                       * np.sign(y[:, :, None] - y[:, None, :]), 0.0)
    balance = product.sum(axis=(1, 2)).astype(np.int64) // 2
    discordant = (product < 0).sum(axis=(1, 2)) // 2
    x_ties, y_ties = tie_statistics_many(x, mask), tie_statistics_many(y, mask)
    lengths = mask.sum(axis=1)
    out = [_tau_and_p(int(n), int(s), int(d), tuple(xt), tuple(yt)) if n >= 2
           else (math.nan, math.nan)
           for n, s, d, xt, yt in zip(lengths.tolist(), balance.tolist(), discordant.tolist(),
                                      x_ties.tolist(), y_ties.tolist(), strict=True)]
    return _columns(out)


def phase_tau_b_many(before: np.ndarray, before_mask: np.ndarray, after: np.ndarray,
                     after_mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """`phase_tau_b(before[k], after[k])` of every row k: (taus, ps)."""
    # Every before × after difference; a pair with padding (made NaN here) is neither above
    # nor below 0, so it counts on neither side: the pairs across the phases only.
    difference = (np.where(after_mask, after, np.nan)[:, None, :]
                  - np.where(before_mask, before, np.nan)[:, :, None])
    discordant = (difference < 0).sum(axis=(1, 2))
    balance = (difference > 0).sum(axis=(1, 2)) - discordant
    value_ties = tie_statistics_many(np.concatenate((before, after), axis=1),
                                     np.concatenate((before_mask, after_mask), axis=1))
    n_before, n_after = before_mask.sum(axis=1).tolist(), after_mask.sum(axis=1).tolist()
    out = [_tau_and_p(n_b + n_a, int(s), int(d), _group_statistics([n_b, n_a]), tuple(vt))
           for n_b, n_a, s, d, vt in zip(n_before, n_after, balance.tolist(),
                                         discordant.tolist(), value_ties.tolist(), strict=True)]
    return _columns(out)


def theil_sen_many(y: np.ndarray, x: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray,
                                                                            np.ndarray]:
    """`theil_sen(y[k], x[k])` of every row k: (slopes, intercepts)."""
    dx = x[:, :, None] - x[:, None, :]
    dy = y[:, :, None] - y[:, None, :]
    keep = (dx != 0) & mask[:, :, None] & mask[:, None, :]
    slopes = np.divide(dy, dx, out=np.full(dx.shape, np.nan), where=keep)
    width = x.shape[1]
    slope = medians(slopes.reshape(len(x), width * width), keep.reshape(len(x), width * width))
    # As theil_sen: median(y) − slope · median(x), in Python floats.
    intercepts = [m_y - s * m_x for m_y, s, m_x in zip(medians(y, mask).tolist(),
                                                          slope.tolist(),
                                                          medians(x, mask).tolist(),
                                                          strict=True)]
    return slope, np.array(intercepts, dtype=float)


def _columns(pairs: list[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    if not pairs:
        return np.empty(0), np.empty(0)
    first, second = zip(*pairs, strict=True)
    return np.array(first, dtype=float), np.array(second, dtype=float)
