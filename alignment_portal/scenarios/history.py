"""History says which scenario a change of the plan came from.

While a scenario is applied, every historical record the ordinary services write (links,
initiatives, tools, goals; created, changed or deleted) gets the change reason
"From scenario N: <name>". A context variable rather than a parameter on every service: the
services stay as they are, and nothing outside an apply is touched.
"""

import contextvars
from contextlib import contextmanager

from simple_history.signals import pre_create_historical_record

REASON_MAX_LENGTH = 100  # simple_history's history_change_reason column

_reason: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "scenario_change_reason", default=None)


def reason_for(scenario) -> str:
    return f"From scenario {scenario.pk}: {scenario.name}"[:REASON_MAX_LENGTH]


@contextmanager
def change_reason(reason: str):
    token = _reason.set(reason[:REASON_MAX_LENGTH])
    try:
        yield
    finally:
        _reason.reset(token)


def _stamp_reason(sender, history_instance, **kwargs) -> None:
    reason = _reason.get()
    if reason:
        history_instance.history_change_reason = reason


def connect() -> None:
    pre_create_historical_record.connect(_stamp_reason, dispatch_uid="scenario_change_reason")
