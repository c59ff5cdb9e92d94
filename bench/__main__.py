"""Run the benchmarks: `python -m bench [NAME ...]`.

Every module bench/bench_*.py with a `run()` function is run in name order (only those whose
name contains one of the NAMEs, when given; bench_hosts, the cluster on network namespaces,
only when named: `python -m bench hosts`). `run()` may return figures as (label, value)
pairs; they are printed under the module's name. Nothing here asserts a timing.

The database is PostgreSQL `alignment_bench` on 127.0.0.1:5432 as user postgres (override
with BENCH_DATABASE_URL), dropped, created and migrated afresh on every run. Celery tasks are
not published (a web request only enqueues them), so figures are the request's own time.
"""

import argparse
import importlib
import os
import pkgutil
import secrets
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/alignment_bench"


def recreate_database(url: str) -> None:
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = psycopg.connect(host=parsed.hostname or "127.0.0.1", port=parsed.port or 5432,
                            user=parsed.username or "postgres", password=parsed.password,
                            dbname="postgres", autocommit=True)
    with admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')


# Run only when named (`python -m bench hosts`): it needs root and takes minutes.
ON_REQUEST = {"bench_hosts"}


def modules(filters: list[str]) -> list[str]:
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)])
                   if m.name.startswith("bench_"))
    if not filters:
        return [n for n in names if n not in ON_REQUEST]
    return [n for n in names if any(f in n for f in filters)]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("names", nargs="*", help="run only modules whose name contains one")
    args = parser.parse_args(argv)
    selected = modules(args.names)
    if not selected:
        print(f"No benchmark matches {' '.join(args.names)}.", file=sys.stderr)
        return 1

    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL)
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "alignment_portal.settings")
    os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")
    # One strong key for this process and the servers it starts (bench/load.py), so the
    # sessions it signs for the load clients are valid there.
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(60))
    recreate_database(url)
    # The servers the benchmarks start share production's kind of cache (bench/load.py).
    os.environ.setdefault("BENCH_CACHE_URL", "redis://127.0.0.1:6379/9")
    os.environ.setdefault("CACHE_URL", os.environ["BENCH_CACHE_URL"])

    import django

    django.setup()
    from django.core.management import call_command

    from alignment_portal.lib import queue
    from alignment_portal.lib.runtime import tune_gc

    # In-process figures (a recompute, one scoring) are taken as the workers that run them
    # in production collect garbage (the gunicorn and Celery workers: lib/runtime.py).
    tune_gc()

    queue.send_now = lambda task, *a, **kw: True  # measure the request, not the worker
    call_command("migrate", verbosity=0)
    from django.core.cache import cache

    cache.clear()  # nothing cached from an earlier run's database
    print(f"Database: {urlparse(url).path.lstrip('/')} (fresh)\n")
    for name in selected:
        module = importlib.import_module(f"bench.{name}")
        if not hasattr(module, "run"):
            continue
        print(f"== {name} ==")
        started = time.perf_counter()
        figures = module.run() or []
        for label, value in figures:
            print(f"  {label:<52} {value}")
        print(f"  ({time.perf_counter() - started:.1f} s in all)\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
