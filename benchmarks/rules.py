"""The example standard's issue rules over synthetic issues on one core, against hand-coded closures.

Run: python benchmarks/rules.py [--issues 100000]

A "check" is one rule evaluated on one issue in its scope. The hand-coded baseline does the same checks as
plain Python closures (scope test and condition written by hand), in the same run.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import DEFAULT_CONFIG, load_settings
from pmokit.records import Attachment, Issue, StatusCategory
from rules.engine import evaluate
from rules.facts import Facts

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
TYPES = ["Story", "Task", "Bug", "Milestone", "Risk", "Project"]
STATUSES = ["To Do", "In Progress", "In Review", "Done"]


def synthetic(n: int) -> list[Issue]:
    rng = random.Random(7)
    issues = []
    for i in range(n):
        kind = rng.choices(TYPES, (40, 25, 20, 6, 6, 3))[0]
        status = rng.choice(STATUSES) if kind != "Project" else rng.choice(["Planning", "Execution", "Closure"])
        custom = {}
        if kind == "Project":
            custom = {"budget": rng.choice((0, 100000)), "sponsor": rng.choice(("", "王伟")),
                      "baseline_start": "2026-01-01", "baseline_end": "2026-12-31"}
        elif kind == "Risk":
            custom = {"probability": rng.randint(1, 5)} if rng.random() < 0.7 else {}
        issues.append(Issue(
            id=str(i), key=f"P{i % 50}-{i}", project_key=f"P{i % 50}", issue_type=kind,
            summary=f"M{i % 5 + 1} milestone" if kind == "Milestone" and rng.random() < 0.8 else f"item {i}",
            status=status, status_category=StatusCategory.DONE if status == "Done" else StatusCategory.IN_PROGRESS,
            phase=status.lower() if kind == "Project" else None,
            description="h2. Background\nh2. Scope\nh2. Risks" if rng.random() < 0.5 else "",
            created=NOW - timedelta(days=rng.randint(1, 300)),
            due=date(2026, 11, 1) + timedelta(days=rng.randint(-30, 60)) if rng.random() < 0.8 else None,
            attachments=(Attachment("1", "可行性研究报告.pdf"),) if rng.random() < 0.5 else (),
            custom=MappingProxyType(custom)))
    return issues


def hand_coded(issues: list[Issue]) -> int:
    """The same template checks, written by hand."""
    checks = 0
    fails = 0
    pattern = re.compile(r"^M\d+ ")
    for issue in issues:
        t = issue.issue_type
        if t == "Project":
            checks += 3
            fails += not (issue.custom.get("budget") and issue.custom.get("sponsor"))
            fails += "scope" not in issue.description.lower()
            fails += not any("可行性" in a.filename for a in issue.attachments)
        elif t == "Milestone":
            checks += 1
            fails += not pattern.search(issue.summary)
            if not issue.is_done:
                checks += 1
                fails += issue.due is None or issue.due < NOW.date()
        elif t == "Risk" and not issue.is_done:
            checks += 1
            fails += not (issue.custom.get("probability") and issue.custom.get("impact") and issue.assignee)
        elif t in ("Story", "Task", "Bug") and issue.status in ("In Progress", "In Review"):
            checks += 1
            fails += issue.assignee is None
    return checks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    args = parser.parse_args()
    settings = load_settings([DEFAULT_CONFIG], require_secrets=False)
    rules = [r for r in settings.rules if r.kind != "gate"]
    issues = synthetic(args.issues)
    facts = Facts.build(issues)
    started = time.perf_counter()
    results = evaluate(rules, facts, None, NOW, settings=settings)
    engine = time.perf_counter() - started
    started = time.perf_counter()
    baseline_checks = hand_coded(issues)
    baseline = time.perf_counter() - started
    print(f"{args.issues} issues, {len(rules)} issue rules of the example standard, one core")
    print(f"{'':24} {'checks':>9} {'seconds':>9} {'checks/s':>12}")
    print(f"{'pmokit engine':24} {len(results):9d} {engine:9.3f} {len(results) / engine:12,.0f}")
    print(f"{'hand-coded closures':24} {baseline_checks:9d} {baseline:9.3f} {baseline_checks / baseline:12,.0f}")
    print(f"engine time per check ÷ hand-coded time per check: "
          f"{(engine / len(results)) / (baseline / baseline_checks):.2f} (target ≤ 2) ; target ≥ 1,000,000 checks/s")


if __name__ == "__main__":
    main()
