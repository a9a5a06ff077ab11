"""Soak: the model-based enforcement test run long — 2,000 random sequences of team and PMO actions on the
sandbox (Jira Cloud and Data Center), each followed by the webhooks, the worker and a reconcile, the invariants
held after every one (tests/enforcement_model.py says which).

Run: python benchmarks/enforcement_soak.py [--sequences 2000] [--per-site 200] [--seed 1] [--share-cloud 0.6]
Each site (a fresh sandbox and store) takes --per-site sequences; sites alternate Jira Cloud and Data Center in
the --share-cloud proportion, each from its own seed.
Prints the sequences run, the actions and commands they made, the events the worker handled, the actions the
reconcile still had to take (what the webhooks' handling left undone), the invariants broken (each with its
sequence, the first few in full) and the time per sequence. Exits 1 if any invariant broke.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.enforcement_model import Site, Tally


def soak(flavor: str, sequences: int, seed: int) -> tuple[Tally, float]:
    site = Site(flavor=flavor, seed=seed)
    started = time.perf_counter()
    try:
        for _ in range(sequences):
            site.sequence()
        return site.tally, time.perf_counter() - started
    finally:
        site.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sequences", type=int, default=2000)
    parser.add_argument("--per-site", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--share-cloud", type=float, default=0.6)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    sites = []
    remaining, cloud_done = args.sequences, 0
    while remaining > 0:
        count = min(args.per_site, remaining)
        done = args.sequences - remaining
        flavor = "cloud" if cloud_done + count <= args.share_cloud * (done + count) + count / 2 else "datacenter"
        cloud_done += count if flavor == "cloud" else 0
        sites.append((flavor, count, args.seed + len(sites)))
        remaining -= count
    print(f"enforcement soak: {args.sequences} sequences on {len(sites)} sites "
          f"({sum(c for f, c, _ in sites if f == 'cloud')} Cloud, {sum(c for f, c, _ in sites if f != 'cloud')} "
          f"Data Center), seeds from {args.seed}, load average {load:.2f} at start")
    total_actions: Counter[str] = Counter()
    total_commands: Counter[str] = Counter()
    failures: list[str] = []
    sequences = events = reconcile = 0
    seconds = 0.0
    for flavor, count, seed in sites:
        tally, elapsed = soak(flavor, count, seed)
        sequences += tally.sequences
        events += tally.worker_events
        reconcile += tally.reconcile_actions
        total_actions.update(tally.actions)
        total_commands.update(tally.commands)
        failures += [f"[{flavor}, seed {seed}] {f}" for f in tally.failures]
        seconds += elapsed
        print(f"{flavor:<11} seed {seed}: {tally.sequences} sequences in {elapsed:.0f} s "
              f"({elapsed / tally.sequences * 1000:.0f} ms each), {tally.worker_events} events handled, "
              f"{tally.reconcile_actions} reconcile action(s), {len(tally.failures)} invariant(s) broken", flush=True)
    print(f"actions:  {sum(total_actions.values())} — " + ", ".join(f"{k} {v}" for k, v in total_actions.most_common()))
    print(f"commands: {sum(total_commands.values())} — " + ", ".join(
        f"{k} {v}" for k, v in total_commands.most_common()))
    print(f"events handled by the worker: {events}; actions the reconcile took: {reconcile} (the first pass of each "
          f"site writes the demo's comments)")
    print(f"invariants broken: {len(failures)} in {sequences} sequences ({seconds / max(sequences, 1) * 1000:.0f} ms "
          f"a sequence); load average {os.getloadavg()[0]:.2f} at the end")
    for failure in failures[:5]:
        print("---\n" + failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
