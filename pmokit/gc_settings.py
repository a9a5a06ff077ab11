"""The garbage collector's settings for pmokit's processes, chosen by measurement (benchmarks/gc_settings.py).

pmokit builds many small objects that live long (issues, histories, JSON read from Jira and from the store) and
few cycles. CPython's default (a young-generation collection every 700 allocations) scans them again and again.
With a young generation of 50,000 and the objects made at start-up frozen (never scanned again), one run of the
benchmark (6,000 issues, two rounds, 2 cores, load average 0.98) took CPU × 0.88 for a full sync and × 0.82 for
a report, at the same peak memory. ``PMOKIT_GC=default`` keeps Python's own settings (to compare).
"""

from __future__ import annotations

import gc
import os

THRESHOLDS = (50_000, 20, 100)


def tune() -> bool:
    """Apply pmokit's settings (unless ``PMOKIT_GC=default``): whether they were applied."""
    if os.environ.get("PMOKIT_GC", "").strip().lower() == "default":
        return False
    gc.set_threshold(*THRESHOLDS)
    gc.freeze()  # what is loaded so far (modules, the command line) is never scanned again
    return True
