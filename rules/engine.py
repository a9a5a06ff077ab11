"""``evaluate(rules, facts, trigger, now)``: pure, explained results; a rule that raises becomes an error result."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from functools import partial
from itertools import chain, compress
from operator import not_

from config.models import Settings
from config.rule_specs import RuleSpec
from pmokit.records import Issue

from .context import CheckContext, Standard
from .evaluation import Evaluation, RuleRun, explained
from .facts import Facts, IssueScope
from .kinds import kinds
from .registry import Kind
from .results import Compliance, Outcome, Result, Severity, State
from .scope import scope_test


def affected(rules: Sequence[RuleSpec], trigger: str | None) -> list[RuleSpec]:
    """The rules an event of kind ``trigger`` can change (all of them for ``None``)."""
    registry = kinds()
    return [r for r in rules if trigger is None or trigger in registry[r.kind].triggers]


def evaluate_settings(settings: Settings, facts: Facts, now: datetime, *, trigger: str | None = None,
                      issue_keys: Iterable[str] | None = None, rules: Sequence[RuleSpec] | None = None,
                      language: str | None = None) -> Evaluation:
    """The configuration's rules (or ``rules`` of it) on ``facts``, in its language (or ``language``): the one way
    the suite evaluates the PMO's standard."""
    chosen = settings.rules if rules is None else rules
    return evaluate(chosen, facts, trigger, now, standard=Standard.of(settings, language), issue_keys=issue_keys)


def evaluate(rules: Sequence[RuleSpec], facts: Facts, trigger: str | None, now: datetime, *,
             standard: Standard | None = None, issue_keys: Iterable[str] | None = None) -> Evaluation:
    """Results of every rule ``trigger`` can affect, for every issue in its scope (or only ``issue_keys``);
    ``standard``: what the rules read of the rest of the configuration (phases, record type, other rules)."""
    registry = kinds()
    ctx = context(facts, now, standard)
    targets: list[Issue] | None = None
    if issue_keys is not None:
        targets = [facts.issues[k] for k in dict.fromkeys(issue_keys) if k in facts.issues]
    return Evaluation(ctx, [_run(rule, registry[rule.kind], targets, ctx) for rule in affected(rules, trigger)])


def context(facts: Facts, now: datetime, standard: Standard | None = None) -> CheckContext:
    """What a check sees, with what the engine lends a kind that looks at other rules."""
    registry = kinds()
    chosen = standard or Standard()

    def criterion(rule: RuleSpec, scope: IssueScope, ctx: CheckContext) -> Outcome:
        return registry[rule.kind].check(rule, scope, ctx)

    def findings(rule: RuleSpec) -> Evaluation:
        return evaluate([rule], facts, None, now, standard=chosen)

    return CheckContext(facts, now, chosen, criterion, findings)


def _candidates(rule: RuleSpec, facts: Facts, targets: list[Issue] | None) -> tuple[Iterable[Issue], bool]:
    """The issues a rule may apply to, from the type (and status) index; True when statuses are settled."""
    scope = rule.scope
    types = scope.type_set
    if targets is not None:
        return ([i for i in targets if i.issue_type.casefold() in types] if types else targets), False
    if not types:
        return facts.issues.values(), False
    if scope.statuses:
        statuses = sorted(scope.status_set)
        return list(chain.from_iterable(facts.of_type(t, s) for t in sorted(types) for s in statuses)), True
    if len(types) == 1:
        return facts.of_type(next(iter(types))), False
    return list(chain.from_iterable(facts.of_type(t) for t in sorted(types))), False


def _run(rule: RuleSpec, kind: Kind, targets: list[Issue] | None, ctx: CheckContext) -> RuleRun:
    """Scope test and the kind's fast test over all candidates, then the explained check where that is false."""
    if kind.portfolio is not None:
        return _portfolio(rule, kind, ctx)
    candidates, statuses_indexed = _candidates(rule, ctx.facts, targets)
    in_scope = scope_test(rule.scope, ctx.facts, ctx.now, statuses_indexed=statuses_indexed)
    passes = kind.fast_pass(rule, ctx) if kind.fast_pass else None
    try:
        issues = list(filter(in_scope, candidates)) if in_scope else list(candidates)
        verdicts = list(map(passes, issues)) if passes else [False] * len(issues)
    except Exception:  # a test raised on some issue: go one by one, so that issue alone becomes an error
        return _one_by_one(rule, kind, candidates, in_scope, passes, ctx)
    failed = list(compress(issues, map(not_, verdicts)))
    if passes is not None:  # a kind with a fast test only passes or fails: failures are explained when read
        return RuleRun(rule, kind, list(compress(issues, verdicts)), failed, [])
    run = RuleRun(rule, kind, [], [], [])
    for issue in failed:
        _explain(run, issue, ctx)
    return run


def _portfolio(rule: RuleSpec, kind: Kind, ctx: CheckContext) -> RuleRun:
    """A kind that looks across issues sees every issue in its scope, whichever issues an event named."""
    assert kind.portfolio is not None
    run = RuleRun(rule, kind, [], [], [])
    try:
        candidates, statuses_indexed = _candidates(rule, ctx.facts, None)
        in_scope = scope_test(rule.scope, ctx.facts, ctx.now, statuses_indexed=statuses_indexed)
        findings = kind.portfolio(rule, list(filter(in_scope, candidates)) if in_scope else list(candidates), ctx)
    except Exception as exc:
        run.others.append(Result(rule.id, rule.kind, "", "", State.ERROR, rule.severity, rule.enforcement,
                                 f"{exc.__class__.__name__}: {exc}", subject="portfolio"))
        return run
    for finding in findings:
        outcome = finding.outcome
        fix = rule.fix.get(ctx.language) if rule.fix else outcome.fix
        run.others.append(Result(rule.id, rule.kind, finding.issue_key, finding.project_key, outcome.state,
                                 rule.severity, rule.enforcement, outcome.message, outcome.evidence, outcome.missing,
                                 fix, subject=finding.subject))
    return run


def _one_by_one(rule: RuleSpec, kind: Kind, candidates: Iterable[Issue], in_scope: Callable[[Issue], bool] | None,
                passes: Callable[[Issue], bool] | None, ctx: CheckContext) -> RuleRun:
    run = RuleRun(rule, kind, [], [], [])
    for issue in candidates:
        try:
            if in_scope is not None and not in_scope(issue):
                continue
            if passes is not None:
                (run.passed if passes(issue) else run.failed).append(issue)
                continue
        except Exception as exc:
            run.others.append(_error(rule, issue, exc))
            continue
        _explain(run, issue, ctx)
    return run


def _explain(run: RuleRun, issue: Issue, ctx: CheckContext) -> None:
    """The full check of one issue: its explained result (a pass the fast test missed is kept as a pass)."""
    try:
        outcome = run.kind.check(run.rule, IssueScope(issue, ctx.facts, ctx.now), ctx)
    except Exception as exc:
        run.others.append(_error(run.rule, issue, exc))
        return
    if outcome.state is State.PASS:
        run.passed.append(issue)
    else:
        run.others.append(explained(run.rule, issue, outcome, ctx))


def _error(rule: RuleSpec, issue: Issue, exc: Exception) -> Result:
    return Result(rule.id, rule.kind, issue.key, issue.project_key, State.ERROR, rule.severity, rule.enforcement,
                  f"{exc.__class__.__name__}: {exc}")


def _itself(result: Result) -> Result:
    return result


def compliance(results: Iterable[Result]) -> dict[str, Compliance]:
    """Per project: the severity-weighted pass rate of its results, with the list of gaps."""
    # (project, severity, state, the explained result when it is needed): passes are never explained.
    tally: Iterator[tuple[str, Severity, State, Callable[[], Result]]]
    if isinstance(results, Evaluation):
        read = results.result
        tally = ((project, severity, state, partial(read, run, entry))
                 for project, severity, state, run, entry in results.tally())
    else:
        tally = ((r.project_key, r.severity, r.state, partial(_itself, r)) for r in results)
    weights: defaultdict[str, list[int]] = defaultdict(lambda: [0, 0, 0])  # total, passed weight, passed count
    gaps: defaultdict[str, list[Result]] = defaultdict(list)
    for project, severity, state, result in tally:
        if not project or state not in (State.PASS, State.FAIL, State.PENDING):  # "": a portfolio-wide result
            continue
        counts = weights[project]
        counts[0] += severity.weight
        if state is State.PASS:
            counts[1] += severity.weight
            counts[2] += 1
        else:
            gaps[project].append(result())
    out = {}
    for project, (total, passed, passed_count) in sorted(weights.items()):
        found = tuple(sorted(gaps[project], key=lambda r: (-r.severity.weight, r.issue_key)))
        out[project] = Compliance(project, round(100 * passed / total, 1) if total else 100.0, passed_count,
                                  len(found), found)
    return out
