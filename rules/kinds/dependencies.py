"""dependencies: a dependency on another project must not point at a later phase.

For each link of the issue that says it depends on something (``is blocked by``, ``depends on`` …) in another
project: the other project must not be in an earlier phase than this one (its work would then land in a later
phase than the one that needs it), and, with ``compare_due``, the other issue must not be due after this one.
A finished dependency is never a problem.
"""

from __future__ import annotations

from collections.abc import Callable

from config.rule_specs import Dependencies
from pmokit.records import Issue

from ..context import CheckContext
from ..facts import IssueScope
from ..registry import FIELD_CHANGE, LINK, SCHEDULED, TRANSITION, Kind, register
from ..results import Outcome, State

Problem = tuple[str, Issue, str, str]  # (code, the other issue, this side's value, the other side's value)


def _phase(issue: Issue, ctx: CheckContext) -> tuple[str | None, int | None]:
    """The phase of the issue's project and its place in that project's order."""
    record = ctx.facts.record_of(issue.project_key, ctx.standard.record_type)
    if record is None or record.phase is None:
        return None, None
    order = ctx.standard.phase_order(record)
    return record.phase, order.index(record.phase) if record.phase in order else None


def _problems(spec: Dependencies, issue: Issue, ctx: CheckContext) -> list[Problem]:
    wanted = {t.casefold() for t in spec.link_types}
    found: list[Problem] = []
    for link in issue.links:
        other = ctx.facts.issues.get(link.target_key)
        if link.type.casefold() not in wanted or other is None or other.project_key == issue.project_key \
                or other.is_done:
            continue
        (mine, my_place), (theirs, their_place) = _phase(issue, ctx), _phase(other, ctx)
        if my_place is not None and their_place is not None and their_place < my_place:
            found.append(("phase", other, mine or "", theirs or ""))
        if spec.compare_due and issue.due and other.due and other.due > issue.due:
            found.append(("due", other, str(issue.due), str(other.due)))
    return found


def check(spec: Dependencies, scope: IssueScope, ctx: CheckContext) -> Outcome:
    issue = scope.issue
    problems = _problems(spec, issue, ctx)
    evidence = tuple(f"{link.type} {link.target_key}" for link in issue.links
                     if link.type.casefold() in {t.casefold() for t in spec.link_types})
    if not problems:
        return Outcome(State.PASS, ctx.t("cross-project dependencies are in step", "跨项目依赖进度一致"), evidence)
    texts = []
    for code, other, mine, theirs in problems:
        if code == "phase":
            texts.append(ctx.t(f"{other.key} ({other.project_key}) is still in {theirs} while {issue.project_key} is "
                               f"in {mine}", f"{other.key}（{other.project_key}）仍处于{theirs}，而 "
                                             f"{issue.project_key} 已处于{mine}"))
        else:
            texts.append(ctx.t(f"{other.key} is due {theirs}, after {issue.key} ({mine})",
                               f"{other.key} 的到期日 {theirs} 晚于 {issue.key}（{mine}）"))
    others = ", ".join(sorted({p[1].key for p in problems}))
    return Outcome(State.FAIL, "; ".join(texts), evidence, tuple(texts),
                   ctx.t(f"Agree a date for {others} with its project, or re-plan {issue.key}.",
                         f"请与 {others} 所属项目商定交付时间，或重新规划 {issue.key}。"))


def fast_pass(spec: Dependencies, ctx: CheckContext) -> Callable[[Issue], bool]:
    return lambda issue: not issue.links or not _problems(spec, issue, ctx)


KIND = register(Kind("dependencies", Dependencies, check, frozenset({FIELD_CHANGE, TRANSITION, LINK, SCHEDULED}),
                     "cross-project dependencies that point at a later phase or date", fast_pass=fast_pass))
