"""Python's round(v, digits) of many floats at once (pure: NumPy only).

The engine stores rounded numbers and compares them with what earlier recomputes stored, so
the rounding must be Python's, bit for bit; a recompute of a large organization rounds ten
thousand values, and round() one at a time was a few milliseconds of it.
"""

import numpy as np


def python_rounded(array: np.ndarray, digits: int) -> list:
    """`[round(v, digits) for v in array]` with NaN as None: Python's round, not NumPy's, so
    the digits match what earlier recomputes stored, but computed by NumPy for all the values
    whose result is sure, a thirtieth of the cost (a recompute rounds ten thousand values).

    Python rounds the exact value v × 10^digits to the nearest integer k and returns the
    float nearest k / 10^digits. NumPy's v * 10^digits is within half a unit in the last
    place of the exact product; when that product lies farther than that from the half-way
    point between two integers, rounding it gives Python's k, and k / 10^digits is the same
    correctly rounded division. The rest (near a half, huge, infinite or NaN) go through
    Python's round one by one."""
    scale = 10.0 ** digits  # exact for digits <= 22
    with np.errstate(invalid="ignore", over="ignore"):
        scaled = array * scale
        off_half = np.abs(scaled - np.floor(scaled) - 0.5)  # exact below 2**52
        sure = (np.abs(scaled) < 2.0 ** 52) & (off_half > np.abs(scaled) * 2.0 ** -50)
        values = (np.rint(scaled) / scale).tolist()
    if not sure.all():
        originals = array.tolist()
        for i in np.flatnonzero(~sure).tolist():
            v = originals[i]
            values[i] = None if v != v else round(v, digits)
    return values


def finite_rounded(values: list, digits: int) -> list:
    """Python floats or None, each rounded to `digits`, anything not finite as None (what
    impact._round does to a float or None)."""
    array = np.array([np.nan if v is None else v for v in values], dtype=float)
    rounded = python_rounded(array, digits)
    for i in np.flatnonzero(np.isinf(array)).tolist():
        rounded[i] = None
    return rounded
