"""The web and Celery worker processes collect garbage as lib/runtime.py sets out (each check
in a process of its own: the signals a worker sends at start-up also reach Celery's Django
fix-up, which this test process must not run)."""

import subprocess
import sys
from pathlib import Path

import pytest

from alignment_portal.lib.runtime import GC_THRESHOLDS

ROOT = Path(__file__).resolve().parents[2]


def _thresholds_after(code: str) -> str:
    return subprocess.run([sys.executable, "-c", f"import gc\n{code}\nprint(gc.get_threshold())"],
                          cwd=ROOT, capture_output=True, text=True, check=True
                          ).stdout.strip().splitlines()[-1]


def test_the_wsgi_application_sets_the_garbage_collectors_thresholds():
    assert _thresholds_after("print(gc.get_threshold())") != str(GC_THRESHOLDS)
    assert _thresholds_after("import alignment_portal.wsgi") == str(GC_THRESHOLDS)


@pytest.mark.parametrize("signal", ["worker_process_init", "worker_init"])
def test_a_celery_worker_process_sets_them_when_it_starts(signal):
    assert _thresholds_after("import alignment_portal.celery") != str(GC_THRESHOLDS)
    assert _thresholds_after(
        "import warnings; warnings.simplefilter('ignore')\n"
        "from celery import signals\nimport alignment_portal.celery\n"
        f"signals.{signal}.send(sender=None)") == str(GC_THRESHOLDS)
