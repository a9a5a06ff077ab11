"""Roll-ups over synthetic portfolios on one core: building the frame, and every roll-up of a report.

Run: python benchmarks/rollups.py [--sizes 100000 1000000] [--repeat 3] [--no-demo]

Targets: the frame from 100,000 records in at most 250 ms; all roll-ups over 100,000 issues in at most 50 ms and
over 1,000,000 in at most 300 ms. Best of ``--repeat`` runs. Then the whole demo end to end (`pmokit demo`'s
work on a fresh sandbox: sync, enforce, every report built, previewed and published), and its reports again
on the synced store.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from types import MappingProxyType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config.reports import RagThresholds
from pmokit.records import Issue, StatusCategory, User
from report_jobs.reports.rollups.frame import issues_frame
from report_jobs.reports.rollups.milestones import due_changes_frame, milestones, slippage
from report_jobs.reports.rollups.money import budget, receivables, schedule_variance
from report_jobs.reports.rollups.progress import progress_levels
from report_jobs.reports.rollups.rag import rag
from report_jobs.reports.rollups.risks import heat_map, open_risks, top_risks

TODAY = date(2026, 11, 20)
CATEGORIES = [StatusCategory.TODO, StatusCategory.IN_PROGRESS, StatusCategory.DONE]
PEOPLE = [User(f"u{n}", f"person {n}") for n in range(300)]


def synthetic(n: int) -> list[Issue]:
    rng = random.Random(11)
    issues = []
    projects = max(1, n // 2000)
    for i in range(n):
        project = f"P{i % projects}"
        local = i // projects
        kind = "Project" if local == 0 else rng.choices(["Story", "Task", "Bug", "Milestone", "Risk", "Epic"],
                                                         (45, 25, 15, 5, 5, 5))[0]
        custom = {}
        if kind == "Project":
            custom = {"budget": 1_000_000, "actual_cost": rng.randint(1, 12) * 100_000,
                      "forecast_cost": rng.randint(8, 14) * 100_000, "baseline_start": "2026-01-01",
                      "baseline_end": "2027-03-31"}
        elif kind == "Risk":
            custom = {"probability": rng.randint(1, 5), "impact": rng.randint(1, 5)}
        elif kind == "Milestone" and rng.random() < 0.3:
            custom = {"payment_amount": 50_000, "payment_status": rng.choice(["Paid", "Invoiced", "Not invoiced"])}
        issues.append(Issue(
            id=str(i), key=f"{project}-{local + 1}", project_key=project, issue_type=kind, summary="x",
            status="s", status_category=rng.choice(CATEGORIES), story_points=rng.choice([None, 1, 2, 3, 5, 8]),
            due=TODAY + timedelta(days=rng.randint(-60, 120)) if kind == "Milestone" else None,
            created=datetime(2026, 1, 1, tzinfo=UTC), assignee=rng.choice(PEOPLE),
            epic_key=f"{project}-2" if kind in ("Story", "Task") and rng.random() < 0.5 else None,
            custom=MappingProxyType(custom)))
    return issues


def all_rollups(frame, slipped, compliance):
    projects = sorted(frame["project"].unique())
    levels = progress_levels(frame)
    stones = milestones(frame, slipped, TODAY)
    money, sched = budget(frame), schedule_variance(frame, TODAY)
    owed = receivables(frame, TODAY)
    risks = open_risks(frame)
    grid, top = heat_map(risks), top_risks(risks)
    status = rag(projects, schedule=sched, milestones=stones, budget=money, risks=risks, compliance=compliance,
                 thresholds=RagThresholds())
    return levels, stones, money, sched, owed, grid, top, status


def best(repeat: int, work) -> tuple[float, object]:
    seconds, result = float("inf"), None
    for _ in range(repeat):
        started = time.perf_counter()
        result = work()
        seconds = min(seconds, time.perf_counter() - started)
    return seconds, result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-demo", action="store_true", help="skip the end-to-end demo report")
    args = parser.parse_args()
    print(f"{'issues':>10} {'frame ms':>9} {'roll-ups ms':>12} {'projects':>9}  targets: frame ≤ 250 ms at 100,000; "
          f"roll-ups ≤ 50 ms at 100,000, ≤ 300 ms at 1,000,000")
    for n in args.sizes:
        issues = synthetic(n)
        programs = {f"P{p}": f"program{p % 5}" for p in range(max(1, n // 2000))}
        frame_s, frame = best(args.repeat, partial(issues_frame, issues, programs))
        slipped = slippage(frame, due_changes_frame([]), {})
        compliance = {p: 80.0 for p in programs}
        rollup_s, results = best(args.repeat, partial(all_rollups, frame, slipped, compliance))
        print(f"{n:10,d} {1000 * frame_s:9.0f} {1000 * rollup_s:12.0f} {len(results[-1]):9d}")
    if not args.no_demo:
        demo_report()


def demo_report() -> None:
    """The demo's whole run, then its reports alone (gathered once, every report built, previewed, published)."""
    import tempfile

    from pmokit.cli.demo_cmd import prepare
    from pmokit.demo import run_demo
    from report_jobs.reports.inputs import gather
    from report_jobs.reports.report import run_report
    from sandbox import Sandbox

    with tempfile.TemporaryDirectory() as tmp, Sandbox.start(seed="demo") as sandbox:
        runtime = prepare(Path(tmp), sandbox)
        try:
            result = run_demo(runtime, sandbox, Path(tmp))
            now = datetime.now(UTC)
            started = time.perf_counter()
            inputs = gather(runtime, now)
            gathered = time.perf_counter() - started
            pages = sum(len(run_report(runtime, name, preview=Path(tmp) / "again", publish=True, now=now,
                                       inputs=inputs).pages) for name in runtime.settings.reports.definitions)
            reported = time.perf_counter() - started
        finally:
            runtime.close()
    print(f"demo end to end ({result.issues:,} issues, {result.projects} projects): {result.seconds:.1f} s "
          f"(target for `pmokit demo`: under 60 s); its reports again: {reported:.1f} s for {pages} pages "
          f"({gathered:.1f} s reading the store, evaluating and rolling up; the rest pages, charts, preview and "
          f"publishing with nothing changed)")


if __name__ == "__main__":
    main()
