"""The results of one evaluation: verdicts at once, explanations when read.

A kind with a fast test (``Kind.fast_pass``) settles pass or fail per issue without building any text; the
evaluation keeps those verdicts as lists of issues and turns one into a full ``Result`` (message, evidence,
what is missing, the fix) when it is read, by running the kind's pure check on the same facts and moment.
Other kinds (gates) are explained at once.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from config.rule_specs import RuleSpec
from pmokit.records import Issue

from .context import CheckContext
from .facts import IssueScope
from .registry import Kind
from .results import Outcome, Result, Severity, State


@dataclass(frozen=True, slots=True)
class RuleRun:
    """One rule over its scope: issues that passed, issues that failed (unexplained yet), explained results."""

    rule: RuleSpec
    kind: Kind
    passed: list[Issue]
    failed: list[Issue]
    others: list[Result]

    def __len__(self) -> int:
        return len(self.passed) + len(self.failed) + len(self.others)


def explained(rule: RuleSpec, issue: Issue, outcome: Outcome, ctx: CheckContext) -> Result:
    grace = rule.grace_period
    in_grace = bool(grace and outcome.state is State.FAIL and issue.created and ctx.now - issue.created < grace)
    fix = rule.fix.get(ctx.language) if rule.fix else outcome.fix
    return Result(rule.id, rule.kind, issue.key, issue.project_key, outcome.state, rule.severity, rule.enforcement,
                  outcome.message, outcome.evidence, outcome.missing, fix, in_grace, outcome.past_gate, outcome.breach,
                  outcome.decision)


class Evaluation(Sequence[Result]):
    """Results rule by rule, issue by issue (in the facts' order); failures are read without touching passes."""

    def __init__(self, ctx: CheckContext, runs: list[RuleRun]):
        self.ctx = ctx
        self.runs = runs
        self._size = sum(len(run) for run in runs)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Result]:
        for run in self.runs:
            yield from self._run_results(run)

    @overload
    def __getitem__(self, index: int) -> Result: ...

    @overload
    def __getitem__(self, index: slice) -> list[Result]: ...

    def __getitem__(self, index: int | slice) -> Result | list[Result]:
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += self._size
        for run in self.runs:
            if 0 <= index < len(run):
                return self._run_results(run)[index]
            index -= len(run)
        raise IndexError("evaluation index out of range")

    def __eq__(self, other: object) -> bool:
        return list(self) == list(other) if isinstance(other, Sequence) else NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Evaluation({len(self)} results, {self.count_state(State.PASS)} passing)"

    def not_passing(self) -> Iterator[Result]:
        """Failures, pending gates, errors and skips, explained; passes are not touched."""
        position = self.ctx.facts.position
        for run in self.runs:
            found = [self._explain(run, issue) for issue in run.failed]
            found += [r for r in run.others if r.state is not State.PASS]
            yield from sorted(found, key=lambda r: position.get(r.issue_key, 0))

    def count_state(self, state: State) -> int:
        """How many results are in ``state``, from the verdicts (nothing is explained)."""
        compact = {State.PASS: "passed", State.FAIL: "failed"}.get(state)
        lazy = sum(len(getattr(run, compact)) for run in self.runs) if compact else 0
        return lazy + sum(1 for run in self.runs for result in run.others if result.state is state)

    def tally(self) -> Iterator[tuple[str, Severity, State, RuleRun, Issue | Result]]:
        """(project, severity, state, run, issue or result) per check, from the verdicts."""
        for run in self.runs:
            severity = run.rule.severity
            for issue in run.passed:
                yield issue.project_key, severity, State.PASS, run, issue
            for issue in run.failed:
                yield issue.project_key, severity, State.FAIL, run, issue
            for result in run.others:
                yield result.project_key, result.severity, result.state, run, result

    def result(self, run: RuleRun, entry: Issue | Result) -> Result:
        """The explained result of one entry of ``tally``."""
        return entry if isinstance(entry, Result) else self._explain(run, entry)

    def _explain(self, run: RuleRun, issue: Issue) -> Result:
        ctx = self.ctx
        try:
            outcome = run.kind.check(run.rule, IssueScope(issue, ctx.facts, ctx.now), ctx)
        except Exception as exc:
            return Result(run.rule.id, run.rule.kind, issue.key, issue.project_key, State.ERROR, run.rule.severity,
                          run.rule.enforcement, f"{exc.__class__.__name__}: {exc}")
        return explained(run.rule, issue, outcome, ctx)

    def _run_results(self, run: RuleRun) -> list[Result]:
        position = self.ctx.facts.position
        results = [self._explain(run, issue) for issue in run.passed + run.failed] + run.others
        return sorted(results, key=lambda r: position.get(r.issue_key, 0))
