"""The garbage collector's settings against Python's default, side by side (pmokit/gc_settings.py).

Run: python benchmarks/gc_settings.py [--issues 6000] [--rounds 2]

A sandbox with the demo portfolio at --issues issues; per round and per setting (``PMOKIT_GC=default`` against
pmokit's own), in a process of its own each: ``pmokit sync --full`` into a fresh store, then ``pmokit report``
(the pages and charts built, nothing published). Prints each process's wall time and user CPU, the largest peak
memory of the processes so far (``ru_maxrss`` of the children), and
the ratio of CPU (pmokit's settings ÷ the default) per command.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sandbox import Sandbox
from sandbox.seed import SeedOptions
from tests.conftest import ANCHOR
from tests.serving import write_config

PMOKIT = Path(sys.executable).parent / "pmokit"
SETTINGS = {"default": {"PMOKIT_GC": "default"}, "pmokit": {}}


def run(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Wall seconds, user CPU seconds and peak MB of one pmokit process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run([str(PMOKIT), *args], env=env, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode not in (0, 1):
        raise SystemExit(f"pmokit {' '.join(args)} exited {done.returncode}: {done.stderr[-2000:]}")
    return wall, after.ru_utime - before.ru_utime, after.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issues", type=int, default=6000)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print(f"{os.cpu_count()} cores; load average at the start {os.getloadavg()[0]:.2f}; {args.issues} issues")
    cpu: dict[tuple[str, str], list[float]] = {}
    with Sandbox.start(seed="demo", seed_options=SeedOptions(issues=args.issues, anchor=ANCHOR)) as sb, \
            tempfile.TemporaryDirectory() as tmp:
        for round_ in range(args.rounds):
            for name, extra in SETTINGS.items():
                where = Path(tmp) / f"{name}-{round_}"
                shutil.rmtree(where, ignore_errors=True)
                config = write_config(where, jira_url=sb.url, secret="sandbox", store=f"sqlite:///{where / 'store.db'}")
                env = {k: v for k, v in os.environ.items() if k != "PMOKIT_GC"} | {"PMOKIT_CONFIG": str(config)} | extra
                for command in (["sync", "--full"], ["report"]):
                    wall, user, peak = run(command, env)
                    cpu.setdefault((command[0], name), []).append(user)
                    print(f"round {round_ + 1} {name:>8} pmokit {' '.join(command):<12} {wall:6.2f} s wall "
                          f"{user:6.2f} s CPU  peak so far {peak:6.0f} MB", flush=True)
    for command in ("sync", "report"):
        ours, theirs = (sum(cpu[(command, n)]) for n in ("pmokit", "default"))
        print(f"{command}: CPU with pmokit's settings ÷ Python's default = {ours / theirs:.2f}")
    print(f"load average at the end {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
