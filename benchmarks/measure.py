"""One pmokit command as its own process: wall time, CPU time and peak memory of that process alone."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from pmokit.cli.sandbox_config import sandbox_config

# The child's peak memory is read by a small launcher: Linux counts a child's peak from the moment it was forked,
# and a child forked from a benchmark (which may hold a sandbox of 100,000 issues) would start with its size.
LAUNCHER = ("import resource, subprocess, sys; code = subprocess.call(sys.argv[1:]); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr); sys.exit(code)")


def config_for(url: str, directory: Path, reads_in_flight: int | None = None) -> Path:
    """``directory/pmokit.yaml``: the example standard on the site at ``url``, the store beside it."""
    directory.mkdir(parents=True, exist_ok=True)
    text = sandbox_config(url, store=f"sqlite:///{directory / 'store.db'}")
    if reads_in_flight is not None:
        text = text.replace("  bot:\n", f"  reads_in_flight: {reads_in_flight}\n  bot:\n", 1)
    path = directory / "pmokit.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def pmokit(config: Path, *args: str, name: str = "run") -> dict:
    """Run ``pmokit --config CONFIG ARGS…``; SystemExit with its last words when it fails."""
    return process([sys.executable, "-m", "pmokit", "--config", str(config), *args], config.with_name(name))


def process(argv: list[str], stem: Path) -> dict:
    """Run ``argv`` (its output in ``stem``.out and .err): seconds, CPU seconds, peak MB, stdout, stderr."""
    out, err = stem.with_suffix(".out"), stem.with_suffix(".err")
    started = time.perf_counter()
    with out.open("w") as stdout, err.open("w") as stderr:
        child = subprocess.Popen([sys.executable, "-c", LAUNCHER, *argv], stdout=stdout, stderr=stderr,
                                 env={**os.environ, "PMOKIT_CONFIG": ""})
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    errors = err.read_text().strip().splitlines()
    if os.waitstatus_to_exitcode(status):
        raise SystemExit(f"{' '.join(argv[2:])} failed: {chr(10).join(errors[-20:])}")
    return {"seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": int(errors[-1]) / 1024,
            "stdout": out.read_text(), "stderr": "\n".join(errors[:-1])}
