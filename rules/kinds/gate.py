"""gate: the passage between two phases — criteria, approvers and a decision.

A gate's state on a project record, from its applied decisions (:mod:`rules.gates`) and the record now:
  skipped — the project has not reached the gate's phase, or was killed at another gate;
  pending — criteria are met and approvals are missing;
  pass — passed by decision (enough authorised approvals given while its criteria held): it stays passed;
  fail — criteria not met (each named), a rejection that blocks, on hold, killed, or — for a passed gate — a
    breach: criteria that no longer hold or conditions that expired.
A project past a gate it has not passed is reverted where the gate says `revert` (and a passed gate's breach
where it says `on_breach: revert`): see :func:`rules.gates.placement`. The commands and what they add up to:
:mod:`rules.gates`; the gate's YAML: ``config.rule_specs.Gate``.
"""

from __future__ import annotations

from config.rule_specs import Gate
from pmokit.records import Decision

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
            gaps.append(ctx.t(f"{rule.id} breached", f"{rule.id} 违规") if outcome.breach
                        else ctx.t(f"{rule.id} not passed", f"{rule.id} 未通过"))
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
    states = gates.gate_states(issue, ctx.standard, ctx.facts)
    state = states.get(spec.id, gates.GateState())
    phase = ctx.standard.phase_name
    stop = gates.stopping(states)
    if stop is not None and stop[0] == "kill":
        kill = stop[1]
        if kill.gate != spec.id:
            return Outcome(State.SKIPPED, ctx.t(f"{label}: the project was killed at {kill.gate}",
                                                f"{label}：项目已在 {kill.gate} 终止"))
        reason = f" — {kill.reason}" if kill.reason else ""
        return Outcome(State.FAIL, ctx.t(f"{label}: killed by {kill.author_name} on {_day(kill)}{reason}",
                                         f"{label}：{kill.author_name} 于 {_day(kill)} 终止{reason}"), (), ("kill",),
                       ctx.t(f"Only /pmo reopen {spec.id} by an approver undoes a kill.",
                             f"只有审批人 /pmo reopen {spec.id} 才能撤销终止。"), decision=gates.KILL)
    if state.held is not None:
        held = state.held
        reason = f" — {held.reason}" if held.reason else ""
        return Outcome(State.FAIL, ctx.t(f"{label}: on hold by {held.author_name} since {_day(held)}{reason}",
                                         f"{label}：{held.author_name} 自 {_day(held)} 起暂停{reason}"), (), ("hold",),
                       ctx.t(f"The project stays in {phase(held.phase)} until an approver comments "
                             f"/pmo resume {spec.id}.",
                             f"在审批人评论 /pmo resume {spec.id} 之前，项目保持在{phase(held.phase)}阶段。"),
                       decision=gates.HOLD)
    if issue.phase not in order:
        return Outcome(State.SKIPPED, ctx.t(f"{label}: the phase of {issue.key} is unknown", f"{label}：阶段未知"))
    here, start = order.index(issue.phase), order.index(spec.from_phase)
    if here < start and state.passed is None:
        return Outcome(State.SKIPPED, ctx.t(f"{label}: not yet evaluated", f"{label}：尚未评审"))
    gaps, evidence = criteria_gaps(spec, scope, ctx)
    past = here > start
    if state.rejected is not None:
        final = state.rejected
        reason = f" — {final.reason}" if final.reason else ""
        return Outcome(State.FAIL, ctx.t(f"{label}: decision reject by {final.author_name}{reason}",
                                         f"{label}：{final.author_name} 决定 reject{reason}"), tuple(evidence),
                       ("reject",), ctx.t("Address the reason, then ask the approvers to decide again.",
                                          "请处理上述原因后，再请审批人重新决策。"),
                       past_gate=past, decision=gates.REJECT)
    approvals = state.approvals
    given = sorted(approvals)
    names = ", ".join(approvals[a].author_name or a for a in given)
    evidence.append(ctx.t(f"approvals: {len(given)} of {spec.approvers.required}" + (f" ({names})" if given else ""),
                          f"审批：{len(given)}/{spec.approvers.required}" + (f"（{names}）" if given else "")))
    if state.passed is not None:
        return _passed(spec, state, gaps, tuple(evidence), label, ctx)
    if gaps:
        message = ctx.t(f"{label}: {len(gaps)} criteria not met" + (" — the project went past the gate" if past
                                                                      else ""),
                        f"{label}：{len(gaps)} 项准入条件未满足" + ("，项目已越过阶段门" if past else ""))
        return Outcome(State.FAIL, message, tuple(evidence), tuple(gaps),
                       ctx.t(f"Meet the criteria of {label} on {issue.key}: {'; '.join(gaps)}.",
                             f"请在 {issue.key} 上满足 {label} 的准入条件：{'；'.join(gaps)}。"), past_gate=past)
    need = spec.approvers.required - len(given)
    who = ", ".join([*spec.approvers.users, *(ctx.t(f"group {g}", f"{g} 组") for g in spec.approvers.groups)])
    if past:
        message = ctx.t(f"{label}: the project went past the gate without its approvals ({need} missing)",
                        f"{label}：项目未经审批越过阶段门（缺 {need} 个审批）")
        return Outcome(State.FAIL, message, tuple(evidence), (ctx.t(f"approval ×{need}", f"审批 ×{need}"),),
                       ctx.t(f"An approver ({who}) comments “/pmo approve {spec.id}” on {issue.key}, "
                             f"or the project returns to {phase(spec.from_phase)}.",
                             f"请审批人（{who}）在 {issue.key} 上评论 “/pmo approve {spec.id}”，或项目退回"
                             f"{phase(spec.from_phase)}阶段。"), past_gate=True)
    return Outcome(State.PENDING, ctx.t(f"{label}: criteria met, {need} approval(s) missing",
                                        f"{label}：准入条件已满足，尚缺 {need} 个审批"), tuple(evidence),
                   (ctx.t(f"approval ×{need}", f"审批 ×{need}"),),
                   ctx.t(f"An approver ({who}) comments “/pmo approve {spec.id}” on {issue.key}.",
                         f"请审批人（{who}）在 {issue.key} 上评论 “/pmo approve {spec.id}”。"))


def _passed(spec: Gate, state: gates.GateState, gaps: list[str], evidence: tuple[str, ...], label: str,
            ctx: CheckContext) -> Outcome:
    """A gate passed by decision stays passed; criteria that fail later, or conditions that expired, are a
    breach: flagged, and the project moved back only where the gate says ``on_breach: revert``."""
    passed = state.passed
    assert passed is not None
    decision = "conditional go" if state.conditional else "go"
    when = ctx.t(f"passed ({decision}) on {_day(passed)}", f"于 {_day(passed)} 通过（{decision}）")
    expired = state.expired(ctx.now.date())
    if expired:
        names = ", ".join(f"{d.author_name} ({d.conditions or 'conditions'} by {d.deadline})" for d in expired)
        return Outcome(State.FAIL, ctx.t(f"{label}: conditions of a conditional go have expired: {names}",
                                         f"{label}：有条件通过的期限已过：{names}"), evidence, ("conditions",),
                       ctx.t("Meet the conditions and ask for a new decision.", "请满足条件并申请重新决策。"),
                       breach=True)
    if gaps:
        return Outcome(State.FAIL, ctx.t(f"{label}: {when}, but {len(gaps)} criteria not met (a breach)",
                                         f"{label}：{when}，但有 {len(gaps)} 项准入条件未满足（违规）"), evidence,
                       tuple(gaps), ctx.t(f"Restore what the gate asked for: {'; '.join(gaps)}.",
                                          f"请恢复阶段门的要求：{'；'.join(gaps)}。"), breach=True)
    return Outcome(State.PASS, ctx.t(f"{label}: {when}", f"{label}：{when}"), evidence)


def _day(decision: Decision) -> str:
    return decision.at.date().isoformat() if decision.at else "?"


KIND = register(Kind("gate", Gate, check, frozenset({TRANSITION, COMMENT, FIELD_CHANGE, LINK, SCHEDULED}),
                     "a stage gate between two phases: criteria, approvers, decision"))
