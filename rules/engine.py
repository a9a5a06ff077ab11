"""``evaluate(rules, facts, trigger, now)``: pure, explained results; a rule that raises becomes an error result."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from .facts import Facts, IssueScope
from .registry import CheckContext, kinds
from .results import Compliance, Result, State
from .spec import RuleSpec


def affected(rules: Sequence[RuleSpec], trigger: str | None) -> list[RuleSpec]:
    """The rules an event of kind ``trigger`` can change (all of them for ``None``)."""
    registry = kinds()
    return [r for r in rules if trigger is None or trigger in registry[r.kind].triggers]


def evaluate(rules: Sequence[RuleSpec], facts: Facts, trigger: str | None, now: datetime, *,
             language: str = "en", settings: Any = None, issue_keys: Iterable[str] | None = None) -> list[Result]:
    """Results of every rule ``trigger`` can affect, for every issue in its scope (or only ``issue_keys``)."""
    registry = kinds()
    ctx = CheckContext(facts, now, language, settings)
    targets = [facts.issues[k] for k in issue_keys if k in facts.issues] if issue_keys is not None \
        else list(facts.issues.values())
    by_type: dict[str, list] = {}
    for issue in targets:
        by_type.setdefault(issue.issue_type.casefold(), []).append(issue)
    results: list[Result] = []
    for rule in affected(rules, trigger):
        kind = registry[rule.kind]
        grace = rule.grace_period
        # Only the issues of the rule's types are candidates: most rules name one or two types.
        candidates = [i for t in sorted(rule.scope.type_set) for i in by_type.get(t, ())] \
            if rule.scope.issue_types else targets
        for issue in candidates:
            scope = IssueScope(issue, facts, now)
            try:
                if not rule.scope.matches(scope, facts):
                    continue
                outcome = kind.check(rule, scope, ctx)
            except Exception as exc:
                results.append(Result(rule.id, rule.kind, issue.key, issue.project_key, State.ERROR, rule.severity,
                                      rule.enforcement, f"{exc.__class__.__name__}: {exc}"))
                continue
            in_grace = bool(grace and outcome.state is State.FAIL and issue.created and now - issue.created < grace)
            fix = rule.fix.get(language) if rule.fix else outcome.fix
            results.append(Result(rule.id, rule.kind, issue.key, issue.project_key, outcome.state, rule.severity,
                                  rule.enforcement, outcome.message, outcome.evidence, outcome.missing, fix, in_grace,
                                  outcome.past_gate))
    return results


def compliance(results: Iterable[Result]) -> dict[str, Compliance]:
    """Per project: the severity-weighted pass rate of its results, with the list of gaps."""
    by_project: defaultdict[str, list[Result]] = defaultdict(list)
    for result in results:
        if result.state in (State.PASS, State.FAIL, State.PENDING):
            by_project[result.project_key].append(result)
    out = {}
    for project, items in sorted(by_project.items()):
        total = sum(r.severity.weight for r in items)
        passed = sum(r.severity.weight for r in items if r.state is State.PASS)
        gaps = tuple(sorted((r for r in items if r.failing), key=lambda r: (-r.severity.weight, r.issue_key)))
        out[project] = Compliance(project, round(100 * passed / total, 1) if total else 100.0,
                                  sum(1 for r in items if r.state is State.PASS), len(gaps), gaps)
    return out
