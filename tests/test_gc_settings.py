"""pmokit's processes run with the collector settings chosen by benchmarks/gc_settings.py; PMOKIT_GC=default
keeps Python's own (pmokit/gc_settings.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

PROBE = ("import gc, json; from pmokit import gc_settings; applied = gc_settings.tune(); "
         "print(json.dumps([applied, gc.get_threshold(), gc.get_freeze_count()]))")


def _probe(**env: str) -> list:
    clean = {k: v for k, v in os.environ.items() if k != "PMOKIT_GC"} | env
    done = subprocess.run([sys.executable, "-c", PROBE], env=clean, capture_output=True, text=True, check=True)
    return json.loads(done.stdout)


def test_pmokit_processes_collect_less_often_and_freeze_what_start_up_made():
    applied, thresholds, frozen = _probe()
    assert applied and thresholds == [50_000, 20, 100] and frozen > 1000


def test_pmokit_gc_default_keeps_pythons_settings():
    applied, thresholds, frozen = _probe(PMOKIT_GC="default")
    assert not applied and thresholds == [700, 10, 10] and frozen == 0
