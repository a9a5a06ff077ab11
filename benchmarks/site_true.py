"""Site-true: the demo flow on harsh sites, against the same flow on clean ones (tests/site_true_flow.py says what
the flow is and what must hold).

Two comparisons, each a clean run and a harsh run side by side from the same seed:
- Cloud: `--search-lag-ms 3000 --user-timezone America/New_York`, every comment, transition and page update of
  pmokit's account applied and then answered 503;
- Data Center: `--flavor datacenter --confluence-flavor datacenter --max-url-bytes 8192`, the same time zone
  and faults, on 5,000 issues.

Run: python benchmarks/site_true.py [--issues 5000] [--cloud-issues 3000] [--events 200] [--seed 7]
Prints, per site: issues, events delivered, pmokit writes failed after applying, the seconds of each step of both
runs, and what broke (nothing, or what and where). Exits 1 if anything broke.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.site_true_flow import Flow, Outcome, run


def compare(name: str, shape: dict, directory: Path) -> list[str]:
    started = time.perf_counter()
    clean = run(Flow(harsh=False, **shape), directory / f"{name}-clean")
    harsh = run(Flow(harsh=True, **shape), directory / f"{name}-harsh")
    problems = harsh.problems(clean)
    print(f"\n{name}: {len(harsh.live_ids)} issues, {harsh.events_delivered} webhook deliveries, "
          f"{harsh.writes_failed_after_applying} of pmokit's writes applied then failed, "
          f"{len(harsh.pmokit_comments)} issues with a pmokit comment, {len(harsh.page_versions)} pages "
          f"({time.perf_counter() - started:.0f} s for both runs)")
    _steps("clean", clean)
    _steps("harsh", harsh)
    print(f"  stored and not deleted: {len(harsh.stored_ids & harsh.live_ids)} of {len(harsh.live_ids)}; "
          f"marked deleted while live: {len(harsh.marked_deleted)}; history problems: {len(harsh.history_problems)}; "
          f"issues with >1 pmokit comment: {sum(1 for n in harsh.pmokit_comments.values() if n > 1)}; "
          f"pages at another version than clean: "
          f"{sum(1 for t, v in harsh.page_versions.items() if clean.page_versions.get(t) != v)}")
    print("  broke: " + ("nothing" if not problems else "; ".join(problems)))
    return problems


def _steps(label: str, outcome: Outcome) -> None:
    print(f"  {label:5}  " + "  ".join(f"{step} {seconds:.1f} s" for step, seconds in outcome.seconds.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=5000, help="issues on the Data Center site")
    parser.add_argument("--cloud-issues", type=int, default=3000, help="issues on the Cloud site")
    parser.add_argument("--events", type=int, default=200)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    with tempfile.TemporaryDirectory(prefix="pmokit-site-true-") as tmp:
        broke = compare("cloud", dict(flavor="cloud", confluence_flavor="cloud", issues=args.cloud_issues,
                                      events=args.events, seed=args.seed), Path(tmp))
        broke += compare("datacenter", dict(flavor="datacenter", confluence_flavor="datacenter", max_url_bytes=8192,
                                            issues=args.issues, events=args.events, seed=args.seed), Path(tmp))
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    sys.exit(1 if broke else 0)


if __name__ == "__main__":
    main()
