"""gate: the passage between two phases — criteria, approvers and a decision.

A gate's state on a project record:
  skipped (not yet evaluated) — the project has not reached the gate's phase;
  fail — criteria are not met (each one named), or the decision is reject/hold/recycle/kill;
  pending — criteria are met and approvals are missing;
  pass — criteria met and enough authorised approvals (Go or Conditional go with its deadline not passed).
A project already past the gate is checked too: if it went through without passing, a `revert` rule moves it
back to the gate's first phase, with the reason. The commands and what they add up to: :mod:`rules.gates`; the
gate's YAML: ``config.rule_specs.Gate``.
"""

from __future__ import annotations

from config.rule_specs import Gate

from .. import gates
from ..context import CheckContext
from ..facts import IssueScope
from ..registry import COMMENT, FIELD_CHANGE, LINK, SCHEDULED, TRANSITION, Kind, register
from ..results import Outcome, State
from ..scope import compiled


def criteria_gaps(spec: Gate, scope: IssueScope, ctx: CheckContext) -> tuple[list[str], list[str]]:
    """(gaps, evidence) of the gate's criteria rules and conditions on this issue."""
    gaps: list[str] = []
    evidence: list[str] = []
    for rule_id in spec.criteria:
        rule = ctx.standard.rules.get(rule_id)
        if rule is None:
            gaps.append(f"criterion {rule_id} is not a configured rule")
            continue
        outcome = ctx.criterion(rule, scope, ctx)  # a criterion applies whatever its own scope
        name = rule.name.get(ctx.language) if rule.name else rule.id
        if outcome.state is State.PASS:
            evidence.append(f"{name}: ok")
        elif rule.kind == "gate":
            # An earlier gate is named, not repeated: its own result says what it lacks.
            gaps.append(ctx.t(f"{rule.id} not passed", f"{rule.id} 未通过"))
        else:
            gaps.append(f"{name}: {outcome.message}")
    for condition in spec.conditions:
        if compiled(condition)(scope):
            evidence.append(f"{condition}: holds")
        else:
            gaps.append(ctx.t(f"condition does not hold: {condition}", f"条件不满足：{condition}"))
    return gaps, evidence


def check(spec: Gate, scope: IssueScope, ctx: CheckContext) -> Outcome:
    issue = scope.issue
    order = ctx.standard.phase_order(issue)  # a gate is checked on the project record, which carries the type
    label = spec.name.get(ctx.language) if spec.name else spec.id
    kind = ctx.standard.project_type(issue)
    if spec.from_phase not in order or spec.to_phase not in order or (
            spec.project_types and (kind is None or kind.id not in spec.project_types)):
        return Outcome(State.SKIPPED, ctx.t(f"{label}: not a gate of this type of project",
                                            f"{label}：不适用于此类项目"))
    if issue.phase not in order:
        return Outcome(State.SKIPPED, ctx.t(f"{label}: the phase of {issue.key} is unknown", f"{label}：阶段未知"))
    here, start = order.index(issue.phase), order.index(spec.from_phase)
    if here < start:
        return Outcome(State.SKIPPED, ctx.t(f"{label}: not yet evaluated", f"{label}：尚未评审"))
    gaps, evidence = criteria_gaps(spec, scope, ctx)
    decided = gates.tally(spec, ctx.facts.comments.get(issue.id, []), ctx.facts.groups, ctx.now.date())
    if decided.ignored:
        names = ", ".join(sorted(set(decided.ignored)))
        evidence.append(ctx.t(f"ignored commands by non-approvers: {names}", f"已忽略非审批人的指令：{names}"))
    final = decided.blocking(spec)
    if final is not None:
        reason = f" — {final.reason}" if final.reason else ""
        message = ctx.t(f"{label}: decision {final.decision} by {final.who}{reason}",
                        f"{label}：{final.who} 决定 {final.decision}{reason}")
        return Outcome(State.FAIL, message, tuple(evidence), (final.decision,),
                       ctx.t("Address the reason, then ask the approvers to decide again.",
                             "请处理上述原因后，再请审批人重新决策。"), past_gate=here > start)
    if gaps:
        past = here > start
        message = ctx.t(f"{label}: {len(gaps)} criteria not met" + (" — the project went past the gate" if past
                                                                      else ""),
                        f"{label}：{len(gaps)} 项准入条件未满足" + ("，项目已越过阶段门" if past else ""))
        return Outcome(State.FAIL, message, tuple(evidence), tuple(gaps),
                       ctx.t(f"Meet the criteria of {label} on {issue.key}: {'; '.join(gaps)}.",
                             f"请在 {issue.key} 上满足 {label} 的准入条件：{'；'.join(gaps)}。"), past_gate=past)
    approvals, expired = decided.approvals, decided.expired
    if expired:
        names = ", ".join(f"{c.who} ({c.conditions or 'conditions'} by {c.deadline})" for c in expired)
        return Outcome(State.FAIL, ctx.t(f"{label}: conditions of a conditional go have expired: {names}",
                                         f"{label}：有条件通过的期限已过：{names}"), tuple(evidence), ("conditions",),
                       ctx.t("Meet the conditions and ask for a new decision.", "请满足条件并申请重新决策。"))
    given = sorted(approvals)
    names = ", ".join(approvals[a].author_name or a for a in given)
    evidence.append(ctx.t(f"approvals: {len(given)} of {spec.approvers.required}" + (f" ({names})" if given else ""),
                          f"审批：{len(given)}/{spec.approvers.required}" + (f"（{names}）" if given else "")))
    if len(given) < spec.approvers.required:
        need = spec.approvers.required - len(given)
        who = ", ".join([*spec.approvers.users, *(f"group {g}" for g in spec.approvers.groups)])
        if here > start:
            message = ctx.t(f"{label}: the project went past the gate without its approvals ({need} missing)",
                            f"{label}：项目未经审批越过阶段门（缺 {need} 个审批）")
            return Outcome(State.FAIL, message, tuple(evidence), (f"approval ×{need}",),
                           ctx.t(f"An approver ({who}) comments “/pmo approve {spec.id}” on {issue.key}, "
                                 f"or the project returns to {spec.from_phase}.",
                                 f"请审批人（{who}）在 {issue.key} 上评论 “/pmo approve {spec.id}”，或项目退回"
                                 f"{spec.from_phase}。"), past_gate=True)
        return Outcome(State.PENDING, ctx.t(f"{label}: criteria met, {need} approval(s) missing",
                                            f"{label}：准入条件已满足，尚缺 {need} 个审批"), tuple(evidence),
                       (f"approval ×{need}",),
                       ctx.t(f"An approver ({who}) comments “/pmo approve {spec.id}” on {issue.key}.",
                             f"请审批人（{who}）在 {issue.key} 上评论 “/pmo approve {spec.id}”。"))
    decision = "conditional go" if decided.conditional else "go"
    return Outcome(State.PASS, ctx.t(f"{label}: passed ({decision})", f"{label}：已通过（{decision}）"),
                   tuple(evidence))


KIND = register(Kind("gate", Gate, check, frozenset({TRANSITION, COMMENT, FIELD_CHANGE, LINK, SCHEDULED}),
                     "a stage gate between two phases: criteria, approvers, decision"))
