"""What the portal's long-running processes (gunicorn workers, Celery workers) set up for
themselves before their first request or task.

The cyclic garbage collector: Python's default first threshold, 700 container objects
allocated, runs a collection many times in every request of a pandas-heavy page (a scenario's
evaluation, a recompute), and every tenth of those goes through the older generations too,
hundreds of thousands of objects once a plan is held in memory. At 50,000 a scenario's
evaluation took 51 ms of CPU on average instead of 54-57 (its slowest twentieth 54 instead of
60-66 ms) and a recompute of a large organization 118 instead of 127 ms, measured in-process
on the size-L organization; what is freed by reference counting (nearly everything) is freed
as before. The older generations keep their defaults.
"""

import gc

GC_THRESHOLDS = (50_000, 10, 10)


def tune_gc() -> None:
    gc.set_threshold(*GC_THRESHOLDS)
