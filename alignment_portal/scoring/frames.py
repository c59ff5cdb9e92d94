"""The frames the scoring functions read: one organization's records as pandas DataFrames.

The engine fills them from the database in a fixed number of queries (engine.load_frames);
tests build them by hand with `OrgFrames.build(...)`. Every frame has the columns listed in
COLUMNS, in any order, even when empty, so the functions never special-case a missing column.
Money and measured values are floats; dates are `datetime.date` objects except
`values.period`, which is datetime64 for vectorized arithmetic.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import numpy as np
import pandas as pd

COLUMNS = {
    "cycles": ["id", "name", "start_date", "end_date", "state", "reviewed_at", "closed_at"],
    "goals": ["id", "cycle_id", "title", "description", "why_it_matters", "level", "parent_id",
              "priority_rank", "metric_id", "baseline_value", "target_value", "start_date",
              "due_date", "confidence", "status"],
    "metrics": ["id", "name", "kind", "nature", "frequency", "direction", "archived", "unit"],
    "values": ["metric_id", "period", "value"],
    "initiatives": ["id", "name", "status", "monthly_cost", "one_time_cost", "impact", "effort",
                    "go_live_date", "ramp_up_periods", "start_date", "hours_saved_per_month",
                    "expected_money_per_month"],
    "tools": ["id", "name", "category", "monthly_cost", "integration", "status",
              # Renewals (scoring/renewals.py): RENEWAL_DUE.
              "renewal_date", "billing_period", "notice_period_days", "seats", "seats_used"],
    "initiative_tools": ["initiative_id", "tool_id"],
    "alignment_links": ["initiative_id", "goal_id", "contribution", "rationale"],
    "measurement_links": ["initiative_id", "metric_id", "role"],
    # Active feeds and their health (alignment_portal/feeds): FEED_FAILING.
    "feeds": ["id", "name", "consecutive_failures", "last_error", "last_error_words"],
    # The benefit ledger's realised entries (month: the month's first day, a `date`).
    "benefit_entries": ["initiative_id", "month", "hours", "money"],
}
FLOAT_COLUMNS = {
    "goals": ["baseline_value", "target_value"],
    "values": ["value"],
    "initiatives": ["monthly_cost", "one_time_cost", "hours_saved_per_month",
                    "expected_money_per_month"],
    "benefit_entries": ["hours", "money"],
    "tools": ["monthly_cost"],
}


def frame(name: str, rows=None) -> pd.DataFrame:
    """A frame of kind `name` from tuples (in COLUMNS order) or dicts; typed the same way."""
    columns = COLUMNS[name]
    rows = list(rows or [])
    if rows and isinstance(rows[0], dict):
        df = pd.DataFrame.from_records(rows)
        for column in columns:
            if column not in df:
                df[column] = None
        df = df[columns]
    else:
        # Tuples may stop short of the newer trailing columns (go_live_date, unit, ...).
        if set(map(len, rows)) - {len(columns)}:  # (map: one C loop over the rows)
            rows = [(*row, *([None] * (len(columns) - len(row)))) for row in rows]
        df = pd.DataFrame.from_records(rows, columns=columns)
    for column in FLOAT_COLUMNS.get(name, []):
        df[column] = as_floats(df[column])
    if name == "values":
        df["period"] = pd.to_datetime(df["period"])
        df["metric_id"] = df["metric_id"].astype("int64")
    if name == "metrics":
        df["archived"] = df["archived"].fillna(False).astype(bool)
    if name == "initiatives":
        df["ramp_up_periods"] = pd.to_numeric(df["ramp_up_periods"]).fillna(0).astype("int64")
    return df


@dataclass
class OrgFrames:
    """Everything one recompute reads about one organization."""

    organization_id: int
    organization_name: str
    cycles: pd.DataFrame = field(default_factory=lambda: frame("cycles"))
    goals: pd.DataFrame = field(default_factory=lambda: frame("goals"))
    metrics: pd.DataFrame = field(default_factory=lambda: frame("metrics"))
    values: pd.DataFrame = field(default_factory=lambda: frame("values"))
    initiatives: pd.DataFrame = field(default_factory=lambda: frame("initiatives"))
    tools: pd.DataFrame = field(default_factory=lambda: frame("tools"))
    initiative_tools: pd.DataFrame = field(default_factory=lambda: frame("initiative_tools"))
    alignment_links: pd.DataFrame = field(default_factory=lambda: frame("alignment_links"))
    measurement_links: pd.DataFrame = field(default_factory=lambda: frame("measurement_links"))
    feeds: pd.DataFrame = field(default_factory=lambda: frame("feeds"))
    # The last recompute's impact evidence: {(initiative id, metric id): (inputs digest, row)}
    # (impact.impact_evidence reuses a row whose inputs have not changed).
    impact_previous: dict = field(default_factory=dict)
    benefit_entries: pd.DataFrame = field(default_factory=lambda: frame("benefit_entries"))
    hour_value: float | None = None  # the organization's value of an hour of staff time
    # The tool categories' display names ({"crm": "CRM", ...}): vocabulary of the models,
    # which the engine passes in so that the pure code imports none of them.
    tool_category_labels: dict = field(default_factory=dict)
    # What scenarios/apply.py did to make these frames: (the frames it started from, {frame
    # name: ids of the records it changed or added}); None for frames as loaded.
    edits: tuple | None = None

    def labels(self, name: str) -> dict:
        """{id: name} of frame `name`'s records (goals by title), built once per frames."""
        cache = self.__dict__.setdefault("_labels", {})
        if name not in cache:
            table = getattr(self, name)
            column = "title" if name == "goals" else "name"
            cache[name] = dict(zip(table["id"].tolist(), table[column].tolist(), strict=True))
        return cache[name]

    @classmethod
    def build(cls, organization_id: int = 1, organization_name: str = "Organization",
              hour_value: float | None = None, **rows) -> "OrgFrames":
        """Frames from plain rows (lists of dicts or tuples) keyed by frame name."""
        unknown = set(rows) - set(COLUMNS)
        if unknown:
            raise TypeError(f"unknown frames: {sorted(unknown)}")
        return cls(organization_id, organization_name,
                   **{name: frame(name, rows.get(name)) for name in COLUMNS},
                   hour_value=hour_value)


def as_floats(column: pd.Series) -> pd.Series:
    """A column as floats, anything not a number as NaN: pd.to_numeric(errors="coerce"),
    with a fast path for what the database gives (Decimal, int, float, None), which
    pd.to_numeric converts one object at a time at several times the cost."""
    if column.dtype.kind == "f":
        return column
    values = column.tolist()
    if not set(map(type, values)) <= _NUMBER_TYPES:  # (map: one C loop over the values)
        return pd.to_numeric(column, errors="coerce").astype(float)  # text, pd.NA, ...
    return pd.Series(np.array([np.nan if v is None else float(v) for v in values],
                              dtype=float), index=column.index, name=column.name)


_NUMBER_TYPES = frozenset({Decimal, int, float, type(None)})


def as_date(value) -> date | None:
    """A pandas/NumPy/Python date-like as a `date`, None for missing."""
    if value is None or (not isinstance(value, date) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    return value if type(value) is date else value.date() if hasattr(value, "date") else value


def as_float(value) -> float | None:
    if value is None or pd.isna(value):
        return None
    return float(value)


def as_int(value) -> int | None:
    if value is None or pd.isna(value):
        return None
    return int(value)
