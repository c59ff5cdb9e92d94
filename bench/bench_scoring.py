"""Scoring engine figures on PostgreSQL (issue 6's targets).

- recompute of one size-L organization (target <= 1.5 s), and the time merely to read the
  same rows (the loader's queries, fetched, no frames): their ratio (target <= 3x);
- 50 size-M organizations recomputed one after the other by one worker, through the task's
  own code path (claim, recompute, release; target <= 15 s);
- queries per recompute for M and L (must be equal).

"first" is a recompute that inserts every score row and flag (the organization's scores and
flags are deleted before each of 5 runs; the median is reported); "again" is a forced
recompute with nothing changed (reads everything, writes nothing), the steady state of a
portal where a change touches a few rows. Both are compared with the read measured in the
same warm state. "cold" is the very first recompute right after seeding, once (fresh rows,
perhaps before autovacuum has analysed them; it swings between runs), compared with the first
read of a second L organization seeded alongside. Run with
`python -m bench scoring` or standalone `python -m bench.bench_scoring` (both use a fresh
`alignment_bench` database).
"""

import os
import statistics
import sys
import time

L_TARGET_SECONDS = 1.5
READ_RATIO_TARGET = 3.0
M_ORGS = 50
M_TARGET_SECONDS = 15.0


def _timed(function, *args, **kwargs):
    started = time.perf_counter()
    result = function(*args, **kwargs)
    return time.perf_counter() - started, result


def _cpu(function, *args, **kwargs) -> tuple[float, float]:
    """(wall seconds, this process's CPU seconds): the second is what a shared, busy machine
    does not inflate (PostgreSQL's own time is not in it)."""
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args, **kwargs)
    return time.perf_counter() - wall, time.process_time() - cpu


def _read_only(organization_id: int) -> int:
    """Read the rows a recompute reads, with its queries, and build nothing from them."""
    from alignment_portal.scoring.engine import load_rows

    _, rows = load_rows(organization_id)
    return sum(len(table) for table in rows.values())


def _first(organization_id: int) -> float:
    """One recompute that writes every row: the organization's scores and flags are deleted
    first (not timed)."""
    from alignment_portal.scoring import engine
    from alignment_portal.scoring.models import (
        Flag,
        GoalScore,
        ImpactEvidence,
        InitiativeScore,
        MetricScore,
        OrganizationScore,
    )

    for model in (InitiativeScore, GoalScore, MetricScore, OrganizationScore, Flag,
                  ImpactEvidence):
        model.objects.filter(organization_id=organization_id).delete()
    seconds, _ = _timed(engine.recompute, organization_id)
    return seconds


def _queries(function, *args, **kwargs) -> tuple[int, float]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        seconds, _ = _timed(function, *args, **kwargs)
    return len(captured), seconds


def run():
    from django.core.management import call_command

    from alignment_portal.organizations.models import Organization
    from alignment_portal.scoring import engine
    from alignment_portal.scoring.tasks import recompute_organization

    # Two L organizations: the cold recompute of one is compared with the cold read of the
    # other (the first reader of fresh rows pays for them, e.g. setting their hint bits).
    seed_seconds, _ = _timed(call_command, "seed_load", size="L", orgs=2, no_scores=True,
                             verbosity=0, stdout=_Null())
    seed_m_seconds, _ = _timed(call_command, "seed_load", size="M", orgs=M_ORGS,
                               no_scores=True, verbosity=0, stdout=_Null())
    large = Organization.objects.get(slug="load-l-1").pk
    mediums = list(Organization.objects.filter(slug__startswith="load-m-")
                   .order_by("pk").values_list("pk", flat=True))

    read_cold, _ = _timed(_read_only, Organization.objects.get(slug="load-l-2").pk)
    l_first_queries, l_cold = _queries(engine.recompute, large)
    m_first_queries, _ = _queries(engine.recompute, mediums[0])

    def recompute_all(force):
        for organization_id in mediums:
            recompute_organization.apply(args=(organization_id,), kwargs={"force": force})

    Organization.objects.filter(pk__in=mediums[1:]).update(recompute_generation=1)
    # 49 first recomputes + 1 up to date
    m_first_total, m_first_cpu = _cpu(recompute_all, False)
    # The floor: merely reading the 50 organizations' rows, as the recomputes do.
    m_read_total, m_read_cpu = _cpu(lambda: [_read_only(pk) for pk in mediums])

    l_again = []
    for _ in range(5):
        l_again_queries, seconds = _queries(engine.recompute, large)
        l_again.append(seconds)
    m_again_queries, _ = _queries(engine.recompute, mediums[0])
    reads = []
    for _ in range(5):
        seconds, rows = _timed(_read_only, large)
        reads.append(seconds)
    l_first = statistics.median(_first(large) for _ in range(5))
    _, l_first_cpu = _cpu(_first, large)
    m_again_total, m_again_cpu = _cpu(recompute_all, True)
    _, l_again_cpu = _cpu(engine.recompute, large)

    l_again_s, read_s = statistics.median(l_again), statistics.median(reads)
    figures = [
        ("seed L (2 orgs, 50,000 values each)", f"{seed_seconds:.1f} s"),
        (f"seed M ({M_ORGS} orgs, 3,000 values each)", f"{seed_m_seconds:.1f} s"),
        ("L recompute, cold (first after seeding, once)", _verdict(l_cold, L_TARGET_SECONDS)),
        ("L recompute, first (every row written, median of 5)",
         _verdict(l_first, L_TARGET_SECONDS)),
        ("L recompute, again (median of 5)", _verdict(l_again_s, L_TARGET_SECONDS)),
        (f"L read of the same {rows:,} rows (median of 5)", f"{read_s:.3f} s"),
        ("L read, cold (the first read of the other fresh L)", f"{read_cold:.3f} s"),
        ("L recompute / read, cold", _ratio(l_cold / read_cold)),
        ("L recompute / read, first", _ratio(l_first / read_s)),
        ("L recompute / read, again", _ratio(l_again_s / read_s)),
        (f"{M_ORGS} M recomputes by one worker, first", _verdict(m_first_total,
                                                                  M_TARGET_SECONDS)),
        (f"{M_ORGS} M recomputes by one worker, again", _verdict(m_again_total,
                                                                  M_TARGET_SECONDS)),
        (f"{M_ORGS} M reads alone (the floor)", f"{m_read_total:.3f} s"),
        (f"{M_ORGS} M recomputes, first: CPU of this process", f"{m_first_cpu:.3f} s"),
        (f"{M_ORGS} M reads alone: CPU of this process", f"{m_read_cpu:.3f} s"),
        ("L recompute, first: CPU of this process (one run)", f"{l_first_cpu:.3f} s"),
        ("L recompute, again: CPU of this process", f"{l_again_cpu:.3f} s"),
        (f"{M_ORGS} M recomputes, again: CPU of this process", f"{m_again_cpu:.3f} s"),
        ("queries per recompute, first: M / L",
         f"{m_first_queries} / {l_first_queries}"
         + (" (equal)" if m_first_queries == l_first_queries else " (NOT EQUAL)")),
        ("queries per recompute, again: M / L",
         f"{m_again_queries} / {l_again_queries}"
         + (" (equal)" if m_again_queries == l_again_queries else " (NOT EQUAL)")),
    ]
    figures.append(("machine load average (1 min) at the end", f"{os.getloadavg()[0]:.1f} "
                    f"on {os.cpu_count()} CPUs"))
    return figures


def _verdict(seconds: float, target: float) -> str:
    return f"{seconds:.3f} s (target <= {target:g} s: {'met' if seconds <= target else 'MISSED'})"


def _ratio(ratio: float) -> str:
    return f"{ratio:.2f}x (target <= {READ_RATIO_TARGET:g}x: " \
           f"{'met' if ratio <= READ_RATIO_TARGET else 'MISSED'})"


class _Null:
    def write(self, *args, **kwargs):
        pass

    def flush(self):
        pass


if __name__ == "__main__":
    from bench.__main__ import main

    sys.exit(main(["bench_scoring"]))
