"""Python's round of many floats at once (scoring/rounding.py), and the impact evidence's
stored precision computed with it: the same floats, bit for bit, as one round() a value."""

import copy
import math
import struct

import numpy as np
import pytest

from alignment_portal.scoring import impact, rounding


def _bits(values):
    return [v if v is None or type(v) is not float else struct.pack("d", v) for v in values]


@pytest.mark.parametrize("digits", [0, 2, 4, 6, 9])
def test_python_rounded_is_pythons_round_bit_for_bit(digits):
    """Including the values next to a half-way point, where NumPy's own rounding differs."""
    rng = np.random.default_rng(digits)
    values = rng.uniform(-1e6, 1e6, 3000).tolist() + rng.normal(size=500).tolist()
    halves = [(k + 0.5) / 10**digits for k in rng.integers(-10**6, 10**6, 1000).tolist()]
    values += halves + [float(np.nextafter(v, math.inf)) for v in halves] \
        + [float(np.nextafter(v, -math.inf)) for v in halves]
    values += [0.0, -0.0, -1e-12, 2.675, 1.005, 0.125, 2.0**52, 2.0**53 + 2, 1e300, -1e300,
               math.inf, -math.inf, math.nan]
    got = rounding.python_rounded(np.array(values), digits)
    assert _bits(got) == _bits([None if v != v else round(v, digits) for v in values])


def test_stored_precision_of_many_rows_is_stored_precision_of_each():
    rng = np.random.default_rng(7)

    def row(k):
        numbers = {name: float(rng.normal() * 10 ** int(rng.integers(-3, 6)))
                   for name in impact.STORED_DIGITS}
        numbers["effect_pct"] = None if k % 5 == 0 else numbers["effect_pct"]
        numbers["trend_slope"] = math.nan if k % 7 == 0 else numbers["trend_slope"]
        numbers["p"] = math.inf if k % 11 == 0 else numbers["p"]
        regression = None if k % 3 == 0 else {
            "level_change": float(rng.normal()), "slope_low": (k + 0.5) / 1e6,
            "change_high": -math.inf if k % 13 == 0 else float(rng.normal()),
            "verdict": "improved", "rank_ok": bool(k % 2), "disagrees": False}
        if k % 17 == 0:
            regression = {"level_change": np.float64(rng.normal()), "rank_ok": np.bool_(True)}
        if k % 19 == 0:
            numbers["tau"] = np.float64(0.1234567891)
        return {**numbers, "regression": regression, "verdict": "improved"}

    rows = [row(k) for k in range(200)]
    each = [impact.stored_precision(copy.deepcopy(r)) for r in rows]
    impact.stored_precision_many(rows)
    for got, want in zip(rows, each, strict=True):
        assert got.keys() == want.keys()
        for key in got:
            if isinstance(want[key], dict):
                assert list(got[key]) == list(want[key])
                assert _bits(list(got[key].values())) == _bits(list(want[key].values()))
                assert [type(v) for v in got[key].values()] == \
                    [type(v) for v in want[key].values()]
            else:
                assert _bits([got[key]]) == _bits([want[key]]) and type(got[key]) is \
                    type(want[key])
