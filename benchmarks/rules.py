"""The example standard's issue rules over synthetic issues on one core, against hand-coded closures.

Run: python benchmarks/rules.py [--issues 100000] [--gaps 0.08] [--repeat 5]

A "check" is one rule evaluated on one issue in its scope. The synthetic portfolio has one project per 200
issues: a project record, six milestones and five risks under it, and work items; each requirement of the
standard is missed with probability ``--gaps`` (so most checks pass, as in a portfolio that is mostly in order).

The baseline is the same issue checks written by hand as Python closures (a scope test and a pass test per
rule, over the same index of issues by type), run in the same process, alternating with the engine, best of
``--repeat`` runs each; the two must reach the same verdicts. Verdicts are what both sides compute; pmokit
explains a result (message, evidence, missing items, fix) when it is read, timed on its own line.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import MappingProxyType

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from config import DEFAULT_CONFIG, load_settings
from pmokit.records import Attachment, Change, Issue, IssueLink, StatusCategory, User
from rules.context import Standard
from rules.engine import evaluate
from rules.facts import Facts
from rules.kinds import kinds
from rules.results import State

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
TODAY = NOW.date()
PHASES = ["initiation", "planning", "execution", "acceptance", "closure"]
WORK_STATUSES = ["To Do", "In Progress", "In Review", "Done"]
SECTIONS = ["Background", "Objectives", "Scope", "Budget", "Risks"]
DOCUMENTS = {"initiation": [], "planning": ["可行性研究报告.pdf"],
             "execution": ["可行性研究报告.pdf", "技术方案.docx", "合同.pdf"],
             "acceptance": ["可行性研究报告.pdf", "技术方案.docx", "合同.pdf", "验收报告.pdf"],
             "closure": ["可行性研究报告.pdf", "技术方案.docx", "合同.pdf", "验收报告.pdf", "经验教训.md"]}
OWNER = User("u1", "Li Na")


class Portfolio:
    def __init__(self, n: int, gaps: float, seed: int = 7):
        self.rng, self.gaps = random.Random(seed), gaps
        self.issues: list[Issue] = []
        self.changes: list[Change] = []
        for p in range(max(1, n // 200)):
            self.project(f"P{p}", min(200, n - len(self.issues)))

    def ok(self) -> bool:
        return self.rng.random() >= self.gaps

    def add(self, **fields) -> Issue:
        number = len(self.issues) + 1  # keys are unique across the portfolio, as Jira's are
        created = NOW - timedelta(days=self.rng.randint(5, 300))
        issue = Issue(id=str(number), key=f"{fields['project_key']}-{number}", created=created, **fields)
        self.issues.append(issue)
        return issue

    def project(self, key: str, size: int) -> None:
        rng, ok, first = self.rng, self.ok, len(self.issues)
        phase = rng.choice(PHASES)
        custom = {name: value for name, value in (("budget", 500000), ("sponsor", "王伟"),
                  ("baseline_start", "2026-01-01"), ("baseline_end", "2027-06-30")) if ok()}
        sections = [s for s in SECTIONS if ok()]
        record = self.add(project_key=key, issue_type="Project", summary=f"Project {key}",
                          status=phase.title(), status_category=StatusCategory.IN_PROGRESS, phase=phase,
                          description="\n".join(f"h2. {s}\ntext" for s in sections), custom=MappingProxyType(custom),
                          attachments=tuple(Attachment(str(i), name) for i, name in enumerate(DOCUMENTS[phase])
                                            if ok()))
        children = [("Milestone", 6 if ok() else 4), ("Risk", 5 if ok() else 0), ("Epic", 3)]
        for kind, count in children:
            for j in range(min(count, size - 1)):
                self.child(record, kind, j)
        while len(self.issues) - first < size:
            self.work(key)

    def child(self, record: Issue, kind: str, j: int) -> None:
        rng, ok = self.rng, self.ok
        done = rng.random() < 0.4
        due = (TODAY + timedelta(days=rng.randint(1, 150))) if ok() else TODAY - timedelta(days=rng.randint(1, 9))
        issue = self.add(project_key=record.project_key,
                         issue_type=kind, parent_key=record.key if kind != "Epic" or ok() else None,
                         summary=f"M{j + 1} phase complete" if kind == "Milestone" and ok() else f"{kind} {j}",
                         status="Done" if done else "In Progress",
                         status_category=StatusCategory.DONE if done else StatusCategory.IN_PROGRESS,
                         due=due if ok() else None, assignee=OWNER if ok() else None,
                         custom=MappingProxyType({k: 3 for k in ("probability", "impact") if ok()}
                                                 if kind == "Risk" else {}))
        if kind == "Milestone" and issue.due and rng.random() < 0.2:  # a due date moved once
            moved = 7 if ok() else 30
            self.changes.append(Change(issue.id, f"h{issue.id}", NOW - timedelta(days=20), "duedate",
                                       from_value=str(issue.due - timedelta(days=moved))))

    def work(self, project_key: str) -> None:
        rng = self.rng
        status = rng.choice(WORK_STATUSES)
        # One work item in twenty depends on an item of an earlier project (some of them behind, or due later).
        links = (IssueLink("1", "is blocked by", self.issues[rng.randrange(len(self.issues))].key, outward=False),) \
            if len(self.issues) > 400 and rng.random() < 0.05 else ()
        self.add(project_key=project_key, links=links, due=TODAY + timedelta(days=rng.randint(-10, 90)),
                 issue_type=rng.choice(("Story", "Story", "Task", "Bug")), summary="work item", status=status,
                 status_category=StatusCategory.DONE if status == "Done" else StatusCategory.IN_PROGRESS,
                 assignee=OWNER if self.ok() else None)


def closures(facts: Facts) -> list[tuple[str, tuple[str, ...], Callable[[Issue], bool], Callable[[Issue], bool]]]:
    """The issue rules of the example standard, written by hand: (id, types, applies, passes)."""
    heading = re.compile(r"^h2\.\s+(.+?)\s*$", re.MULTILINE)
    numbered = re.compile(r"^M\d+ ")
    records = {i.project_key: i for i in facts.issues.values() if i.issue_type == "Project"}
    slips: dict[str, int] = {}
    for issue_id, history in facts.changes.items():
        issue = next(i for i in facts.issues.values() if i.id == issue_id)
        slips[issue_id] = (issue.due - date.fromisoformat(history[0].from_value)).days if issue.due else 0

    def fields(*names: str) -> Callable[[Issue], bool]:
        return lambda i: all(i.custom.get(n) not in (None, "") for n in names)

    def document(*patterns: str) -> Callable[[Issue], bool]:
        compiled = [re.compile(p, re.IGNORECASE) for p in patterns]
        return lambda i: all(any(p.search(a.filename) for a in i.attachments) for p in compiled)

    def children(i: Issue) -> bool:
        kids = facts.children.get(i.key, [])
        return sum(k.issue_type == "Risk" for k in kids) >= 1 and sum(k.issue_type == "Milestone" for k in kids) >= 5

    def dates(i: Issue) -> bool:
        if i.due is None:
            return False
        record = records.get(i.project_key)
        start = date.fromisoformat(record.custom["baseline_start"]) if record and "baseline_start" in record.custom \
            else None
        end = date.fromisoformat(record.custom["baseline_end"]) if record and "baseline_end" in record.custom else None
        return not ((i.due < TODAY and not i.is_done) or (start and i.due < start) or (end and i.due > end)
                    or slips.get(i.id, 0) > 21)

    def in_project(i: Issue) -> bool:
        for key in (i.parent_key, i.epic_key):
            parent = facts.issues.get(key) if key else None
            if parent is not None and parent.issue_type == "Project":
                return True
        return i.project_key in facts.program_of and i.project_key in records

    def place(i: Issue) -> int | None:
        record = records.get(i.project_key)
        return PHASES.index(record.phase) if record and record.phase in PHASES else None

    def in_step(i: Issue) -> bool:
        for link in i.links:
            other = facts.issues.get(link.target_key)
            if link.type not in ("is blocked by", "depends on") or other is None \
                    or other.project_key == i.project_key or other.is_done:
                continue
            mine, theirs = place(i), place(other)
            behind = mine is not None and theirs is not None and theirs < mine
            if behind or (i.due and other.due and other.due > i.due):
                return False
        return True

    later = {"planning", "execution", "acceptance", "closure"}
    return [
        ("record-fields", ("Project",), lambda i: True, fields("budget", "sponsor", "baseline_start", "baseline_end")),
        ("record-sections", ("Project",), lambda i: True,
         lambda i: {"background", "objectives", "scope", "budget", "risks"} <= {
             h.casefold() for h in heading.findall(i.description)}),
        ("record-children", ("Project",), lambda i: i.phase in later, children),
        ("feasibility-study", ("Project",), lambda i: i.phase in later, document("feasibility|可行性")),
        ("proposal-and-contract", ("Project",), lambda i: i.phase in ("execution", "acceptance", "closure"),
         document("proposal|技术方案", "contract|合同")),
        ("acceptance-report", ("Project",), lambda i: i.phase == "closure", document("acceptance|验收")),
        ("lessons-learned", ("Project",), lambda i: i.phase == "closure", document("lessons|经验教训|复盘")),
        ("milestone-naming", ("Milestone",), lambda i: True, lambda i: numbered.search(i.summary) is not None),
        ("milestone-dates", ("Milestone",), lambda i: not i.is_done, dates),
        ("risk-assessed", ("Risk",), lambda i: not i.is_done,
         lambda i: bool(i.custom.get("probability") and i.custom.get("impact") and i.assignee)),
        ("work-has-owner", ("Story", "Task", "Bug"), lambda i: i.status in ("In Progress", "In Review"),
         lambda i: i.assignee is not None),
        ("epics-in-projects", ("Epic",), lambda i: True, in_project),
        ("dependencies-in-step", ("Story", "Task", "Epic", "Milestone"), lambda i: not i.is_done, in_step),
    ]


def run_closures(rules, by_type: dict[str, list[Issue]]) -> list[bool]:
    verdicts: list[bool] = []
    keep = verdicts.append
    for _id, types, applies, passes in rules:
        for issue_type in types:
            for issue in by_type.get(issue_type, ()):
                if applies(issue):
                    keep(passes(issue))
    return verdicts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--issues", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per side; the best counts")
    parser.add_argument("--gaps", type=float, default=0.08, help="chance that each requirement is missed")
    args = parser.parse_args()
    settings = load_settings([DEFAULT_CONFIG], require_secrets=False)
    standard = Standard.of(settings)
    # Issue rules: one verdict per issue in scope. Gates need approvals (comments); portfolio rules speak of
    # people and groups, so they are timed on their own line.
    rules = [r for r in settings.rules if r.kind != "gate" and kinds()[r.kind].portfolio is None]
    portfolio_rules = [r for r in settings.rules if kinds()[r.kind].portfolio is not None]
    portfolio = Portfolio(args.issues, args.gaps)
    facts = Facts.build(portfolio.issues, changes=portfolio.changes)
    hand_rules = closures(facts)
    by_type: dict[str, list[Issue]] = {}
    for issue in portfolio.issues:
        by_type.setdefault(issue.issue_type, []).append(issue)
    facts.of_type("project")  # the type index is part of the facts, built before evaluating (as by_type above)

    engine = baseline = float("inf")
    for _ in range(args.repeat):  # best of N, alternating, so that neither side pays for a noisy moment
        started = time.perf_counter()
        results = evaluate(rules, facts, None, NOW, standard=standard)
        engine = min(engine, time.perf_counter() - started)
        started = time.perf_counter()
        verdicts = run_closures(hand_rules, by_type)
        baseline = min(baseline, time.perf_counter() - started)
    started = time.perf_counter()
    explained = sum(1 for _ in results)
    explaining = time.perf_counter() - started
    started = time.perf_counter()
    findings = evaluate(portfolio_rules, facts, None, NOW, standard=standard)
    across = time.perf_counter() - started

    failing = len(results) - results.count_state(State.PASS)
    agree = len(results) == len(verdicts) and failing == verdicts.count(False)
    print(f"{len(portfolio.issues)} issues in {len(portfolio.issues) // 200} projects, {len(rules)} issue rules of the "
          f"example standard, one core; {failing / len(results):.1%} of checks fail")
    print(f"{'':34} {'checks':>9} {'seconds':>9} {'checks/s':>12}")
    print(f"{'pmokit engine':34} {len(results):9d} {engine:9.3f} {len(results) / engine:12,.0f}")
    print(f"{'hand-coded closures':34} {len(verdicts):9d} {baseline:9.3f} {len(verdicts) / baseline:12,.0f}")
    print(f"{'reading every result, explained':34} {explained:9d} {explaining:9.3f} {explained / explaining:12,.0f}")
    print(f"{'portfolio rules (' + str(len(portfolio_rules)) + '), findings':34} {len(findings):9d} {across:9.3f}")
    print(f"verdicts agree (checks and failures): {'yes' if agree else 'NO'}")
    print(f"engine time per check ÷ hand-coded time per check: "
          f"{(engine / len(results)) / (baseline / len(verdicts)):.2f} (target ≤ 2); target ≥ 1,000,000 checks/s")
    if not agree:
        sys.exit(f"the engine found {failing} failures in {len(results)} checks, the closures "
                 f"{verdicts.count(False)} in {len(verdicts)}")


if __name__ == "__main__":
    main()
