"""Portfolio scale in one command: sync, one project's check, the report and a worker's warm-up at N issues,
each measured as its own process (wall time, CPU time, peak memory), against issue 18's targets.

Run: python benchmarks/scale.py --scale 100000 [--latency-ms 30] [--project SHOP]

The sandbox holds N issues (10% with 150 changelog histories, the rest with 8). The store is made by the sync
benchmark's replay (benchmarks/sync.py --replay: recorded once, replayed with the latency, serial and pipelined
side by side); the other commands then run on that store, pointed at the sandbox.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.measure import config_for, pmokit, process
from benchmarks.sync import replay_sync, seed
from sandbox import Sandbox

WARM = ("import sys; from config import load_settings; from pmokit.runtime import open_runtime; "
        "from report_jobs.events.worker import Worker; runtime = open_runtime(load_settings([sys.argv[1]])); "
        "worker = Worker(runtime); print(f'warm-up {worker.warm():.1f}s, {len(worker.facts.get().issues)} issues')")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=100_000)
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--project", default="SHOP")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="pmokit-scale-"))
    with Sandbox.start(seed="demo", seed_options=seed(args.scale)) as sb:
        store_dir = replay_sync(sb, args.scale, args.latency_ms, workdir)
        config = config_for(sb.url, store_dir)  # the store the replayed sync made, now on the sandbox itself
        store_mb = sum(f.stat().st_size for f in store_dir.glob("store.db*")) / 1e6
        rows = {
            f"check --project {args.project} --dry-run": (
                pmokit(config, "-v", "check", "--project", args.project, "--dry-run", name="check"), 3.0, 500),
            # The first report rebuilds its weeks of history from the changelog; later ones read what it kept.
            "report --preview (first: 12 weeks rebuilt)": (
                pmokit(config, "report", "--preview", str(workdir / "preview"), name="report"), 40.0, 1500),
            "report --preview (again)": (
                pmokit(config, "report", "--preview", str(workdir / "preview"), name="report-again"), 40.0, 1500),
            "worker warm-up": (process([sys.executable, "-c", WARM, str(config)], store_dir / "warm"), None, 1000),
        }
    print(f"\nN = {args.scale} issues: the store after the sync {store_mb:.0f} MB (SQLite, with its write-ahead log; "
          f"target <= 450 MB at 100,000)")
    print("each command a process of its own on the synced store")
    print(f"{'command':40} {'wall s':>8} {'cpu s':>7} {'peak MB':>8}   targets")
    for label, (row, seconds, megabytes) in rows.items():
        aims = ", ".join(x for x in ((f"<= {seconds:g} s" if seconds else ""), f"<= {megabytes} MB") if x)
        print(f"{label:40} {row['seconds']:8.1f} {row['cpu']:7.1f} {row['peak_mb']:8.0f}   {aims}")
    scope = re.search(r"facts: .*", rows[f"check --project {args.project} --dry-run"][0]["stderr"])
    if scope:
        print(f"  check read {scope.group(0)}")
    print(f"  {rows['worker warm-up'][0]['stdout'].strip()}")


if __name__ == "__main__":
    main()
