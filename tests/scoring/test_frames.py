"""The frames the scoring reads (alignment_portal/scoring/frames.py), built without a
database."""

from decimal import Decimal

import numpy as np
import pandas as pd
import pytest

from alignment_portal.scoring.frames import as_floats


@pytest.mark.parametrize("values", [
    [Decimal("12.50"), None, Decimal("0.10"), Decimal("1234567.89"), Decimal("NaN")],
    [1, None, 2.5, Decimal("3.3")],
    [None, None],
    ["12.5", None, "not a number", Decimal("1")],
])
def test_money_columns_become_the_floats_pandas_would_make(values):
    column = pd.Series(values, dtype=object, name="monthly_cost")
    expected = pd.to_numeric(column, errors="coerce").astype(float)
    got = as_floats(column)
    assert got.dtype == float and got.name == "monthly_cost"
    assert np.array_equal(got.to_numpy(), expected.to_numpy(), equal_nan=True)
