"""Stage gates outside the result: the commands approvers write on a project record, what pmokit does with each
(applied, or refused with an answer), what the applied decisions add up to, and where a project must be.

    /pmo approve G2                          Go
    /pmo approve G2 conditional 2026-12-31 contract signed by then    Conditional go, with a deadline
    /pmo reject G2 the budget is not approved
    /pmo hold G2 waiting for the vendor       the project stays in its phase until /pmo resume G2
    /pmo resume G2
    /pmo recycle G2 rework the proposal       back to G2's entry phase; G2 (and the gates after it) open again
    /pmo kill G2 no business case             closed through the configured status; only /pmo reopen G2 undoes it
    /pmo reopen G2

One command per line, case-insensitive; commands inside ``{code}``, ``{noformat}``, ``{quote}`` or ``bq.`` lines
are examples, not commands. A command is taken once, when pmokit first reads it (:func:`take`), against the
gate's state and the project as they are then; the decision it leads to is kept (``pmokit.records.Decision``)
and a gate's state is what its applied decisions add up to (:func:`gate_state`). The gate's result is the
``gate`` rule kind's check, :mod:`rules.kinds.gate`; where a project must be is :func:`placement`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from config.models import Phase
from config.rule_specs import Gate
from pmokit.records import Comment, Decision, Issue

from .context import Standard
from .facts import Facts
from .results import Result

VERBS = ("approve", "reject", "hold", "resume", "recycle", "kill", "reopen")
CONDITIONAL = "conditional"  # an approve with a deadline is kept with this verb
COMMAND = re.compile(r"^[ \t]*/pmo\b(?P<rest>.*)$", re.IGNORECASE | re.MULTILINE)
DEADLINE = re.compile(r"^\s*conditional(?:ly)?\s+(?P<date>\S+)\s*(?P<conditions>.*)$", re.IGNORECASE)
# Examples in comments are not commands: wiki markup's code, noformat and quote blocks, and quoted lines (the
# connector writes Cloud's code blocks and quotes as these too).
_BLOCK = re.compile(r"\{(code|noformat|quote)(?::[^}]*)?\}.*?(?:\{\1\}|\Z)", re.IGNORECASE | re.DOTALL)
_QUOTED = re.compile(r"^[ \t]*(?:bq\.|>).*$", re.MULTILINE)

# Decision names shown to people and kept by the audit.
GO, CONDITIONAL_GO, HOLD, RECYCLE, KILL, REJECT = "go", "conditional-go", "hold", "recycle", "kill", "reject"


@dataclass(frozen=True)
class Command:
    """One `/pmo` line as written; what it means is decided by :func:`take`."""

    comment_id: str
    line: int
    verb: str  # lower-cased, as written ("aprove" stays "aprove")
    gate: str  # upper-cased, as written ("" when none)
    rest: str
    author: str
    author_name: str
    author_email: str
    at: datetime | None

    @property
    def who(self) -> str:
        return self.author_name or self.author

    @property
    def text(self) -> str:
        return " ".join(part for part in ("/pmo", self.verb, self.gate, self.rest) if part)


def command_text(body: str) -> str:
    """The comment without the parts that are examples (code, noformat, quotes)."""
    return _QUOTED.sub("", _BLOCK.sub("", body or ""))


def parse(comment: Comment) -> list[Command]:
    """Every `/pmo` command of one comment, in its order."""
    author = comment.author.id if comment.author else ""
    name = str(comment.author) if comment.author else author
    email = (comment.author.email or "") if comment.author else ""
    out = []
    for index, match in enumerate(COMMAND.finditer(command_text(comment.body))):
        words = match["rest"].split(None, 2)
        verb = words[0].lower() if words else ""
        gate = words[1].upper() if len(words) > 1 else ""
        out.append(Command(comment.id, index, verb, gate, words[2].strip() if len(words) > 2 else "", author,
                           name, email, comment.updated or comment.created))
    return out


def commands(comments: Iterable[Comment]) -> list[Command]:
    """The commands of ``comments``, oldest first."""
    found = [c for comment in comments for c in parse(comment)]
    return sorted(found, key=lambda c: (c.at or datetime.min, c.comment_id, c.line))


def authorised(author: str, spec: Gate, groups: Mapping[str, frozenset[str]],
               people: Mapping[str, str] | None = None) -> bool:
    """An approver of ``spec``: one of its `users` (each resolved to an account id or user key through Jira, see
    ``people``; an entry that resolved to no one names no one) or a member of its `groups`."""
    ids = {people[user] for user in spec.approvers.users if user in people} if people is not None \
        else set(spec.approvers.users)
    if author and author in ids:
        return True
    return any(author in groups.get(group, frozenset()) for group in spec.approvers.groups)


# -- what the applied decisions add up to ---------------------------------------------------------------------
@dataclass(frozen=True)
class GateState:
    """One gate of one project, from its applied decisions in order."""

    approvals: Mapping[str, Decision] = field(default_factory=dict)  # approver -> standing go (or conditional)
    passed: Decision | None = None  # the decision that completed the approvals: the gate stays passed
    rejected: Decision | None = None  # a standing rejection that blocks
    held: Decision | None = None  # on hold (the project stays in this decision's phase) until resumed
    killed: Decision | None = None  # killed; only a reopen undoes it
    recycled: Decision | None = None  # sent back: the gate is open again and holds the project before it
    reopened: Decision | None = None  # the reopen that undid the last kill
    killed_in: str | None = None  # the phase the project was in when it was killed (a reopen returns it there)

    @property
    def conditional(self) -> bool:
        return any(d.verb == CONDITIONAL for d in self.approvals.values())

    def expired(self, today: date) -> list[Decision]:
        """Conditional goes of a passed gate whose deadline has gone by."""
        return [d for d in self.approvals.values() if d.verb == CONDITIONAL and d.deadline and d.deadline < today]


def gate_state(spec: Gate, decisions: Iterable[Decision]) -> GateState:
    state = GateState()
    for decision in decisions:
        if decision.applied and decision.gate == spec.id:
            state = _apply(spec, state, decision)
    return state


def _apply(spec: Gate, state: GateState, d: Decision) -> GateState:
    match d.verb:
        case "approve" | "conditional":
            approvals = {**state.approvals, d.author: d}
            passed = d if len(approvals) >= spec.approvers.required else None
            return replace(state, approvals=approvals, passed=passed, rejected=None)
        case "reject":
            approvals = {a: x for a, x in state.approvals.items() if a != d.author}
            return replace(state, approvals=approvals, rejected=d if spec.approvers.rejection_blocks else None)
        case "hold":
            return replace(state, held=d)
        case "resume":
            return replace(state, held=None)
        case "recycle":
            return replace(state, approvals={}, passed=None, rejected=None, recycled=d)
        case "kill":
            return replace(state, killed=d, killed_in=d.phase, held=None)
        case "reopen":
            return replace(state, approvals={}, passed=None, rejected=None, killed=None, reopened=d)
    return state


def gate_states(record: Issue, standard: Standard, facts: Facts) -> dict[str, GateState]:
    """Every gate's state on ``record``, a recycle reopening the gates after it too."""
    decisions = facts.decisions.get(record.key, [])
    gates = [r for r in standard.rules.values() if isinstance(r, Gate)]
    states = {g.id: gate_state(g, decisions) for g in gates}
    order = standard.phase_order(record)
    # A kill ends every hold taken before it, at any gate: a project reopened later is not still on hold.
    kills = [d for d in decisions if d.applied and d.verb == "kill"]
    for gate_id, state in states.items():
        if state.held is not None and any(_before(state.held, kill) for kill in kills):
            states[gate_id] = replace(state, held=None)
    for gate in gates:
        recycled = states[gate.id].recycled
        if recycled is None or gate.from_phase not in order:
            continue
        for later in gates:  # a gate after the recycled one, passed before the recycle, is open again
            state = states[later.id]
            if later.from_phase in order and order.index(later.from_phase) > order.index(gate.from_phase) \
                    and state.passed is not None and _before(state.passed, recycled):
                states[later.id] = replace(state, approvals={}, passed=None, rejected=None, recycled=recycled)
    return states


def _before(first: Decision, second: Decision) -> bool:
    return (first.at or datetime.min) <= (second.at or datetime.min)


def stopping(states: Mapping[str, GateState]) -> tuple[str, Decision] | None:
    """The project-wide stop a decision put on the project: ("kill", ...) before ("hold", ...)."""
    for state in states.values():
        if state.killed is not None:
            return "kill", state.killed
    for state in states.values():
        if state.held is not None:
            return "hold", state.held
    return None


# -- taking a command --------------------------------------------------------------------------------------
CriteriaGaps = Callable[[Gate], list[str]]  # the gate's criteria and conditions not met on the record now


@dataclass(frozen=True)
class Situation:
    """What a command is taken against: the record now, the gates that apply to it, their states."""

    record: Issue
    standard: Standard
    facts: Facts
    gates: Mapping[str, Gate]  # the gates of this record's type, by id
    states: dict[str, GateState]
    gaps: CriteriaGaps
    people: Mapping[str, str] | None = None


def take(command: Command, where: Situation, t: Callable[[str, str], str]) -> Decision:
    """The decision a command leads to, applied or refused with the answer; ``where.states`` is updated."""
    record, verb, gate_id = where.record, command.verb, command.gate

    def refuse(answer: str, gate: str = gate_id) -> Decision:
        return _decision(command, record, gate, verb, False, answer)

    if verb not in VERBS:
        close = _closest(verb, VERBS)
        return refuse(t(f"unknown command '{verb or '(none)'}'" + (f" (did you mean '{close}'?)" if close
                                                                   else f"; commands: {', '.join(VERBS)}"),
                        f"无法识别的指令“{verb or '（空）'}”" + (f"（您是否想用“{close}”？）" if close
                                                           else f"；可用指令：{', '.join(VERBS)}")))
    known = sorted(where.gates)
    if not gate_id:
        return refuse(t(f"say which gate, e.g. /pmo {verb} {known[0] if known else 'G1'}",
                        f"请写明阶段门，例如 /pmo {verb} {known[0] if known else 'G1'}"))
    spec = where.gates.get(gate_id)
    if spec is None:
        close = _closest(gate_id, known)
        return refuse(t(f"{record.key} has no gate '{gate_id}'" + (
            f" (did you mean '{close}'?)" if close else f"; gates of {record.key}: {', '.join(known)}" if known
            else ""), f"{record.key} 没有阶段门“{gate_id}”" + (
            f"（您是否想用“{close}”？）" if close else f"；{record.key} 的阶段门：{', '.join(known)}" if known
            else "")))
    if not authorised(command.author, spec, where.facts.groups, where.people):
        users = list(spec.approvers.users)
        return refuse(t(f"{command.who} is not an approver of {spec.id} (approvers: "
                        f"{', '.join([*users, *(f'group {g}' for g in spec.approvers.groups)]) or 'none'})",
                        f"{command.who} 不是 {spec.id} 的审批人（审批人："
                        f"{'、'.join([*users, *(f'{g} 组' for g in spec.approvers.groups)]) or '无'}）"))
    state = where.states.get(spec.id, GateState())
    kill_state = next((s for s in where.states.values() if s.killed is not None), None)
    order = where.standard.phase_order(record)
    phase = record.phase
    named = where.standard.phase_name
    if verb == "approve":
        conditional = DEADLINE.match(command.rest)
        deadline: date | None = None
        if conditional:
            try:
                deadline = date.fromisoformat(conditional["date"])
            except ValueError:
                return refuse(t(f"the deadline '{conditional['date']}' is not a date (YYYY-MM-DD)",
                                f"期限“{conditional['date']}”不是日期（YYYY-MM-DD）"))
        if kill_state is not None and kill_state.killed is not None:
            return refuse(_killed(kill_state.killed, t))
        if state.held is not None:
            return refuse(t(f"{spec.id} is on hold ({state.held.author_name}): /pmo resume {spec.id} first",
                            f"{spec.id} 已暂停（{state.held.author_name}）：请先 /pmo resume {spec.id}"))
        if state.passed is not None:
            return refuse(t(f"{spec.id} is already passed", f"{spec.id} 已通过"))
        if command.author in state.approvals:
            return refuse(t(f"{command.who} has already approved {spec.id}", f"{command.who} 已批准 {spec.id}"))
        if phase not in order or spec.from_phase not in order or order.index(phase) < order.index(spec.from_phase):
            entry = named(spec.from_phase)
            return refuse(t(f"{spec.id} is not due: {record.key} is not yet in its phase ({entry})",
                            f"{spec.id} 尚未到期：{record.key} 尚未进入{entry}阶段"))
        # The approver of a gate ahead needs its criteria met; one who approves a gate the project already went
        # through decides after the fact (a gap in the criteria is then a breach of a passed gate).
        through = spec.to_phase in order and order.index(phase) >= order.index(spec.to_phase)
        gaps = [] if through else where.gaps(spec)
        if gaps:
            return refuse(t(f"{spec.id} cannot be approved yet: {len(gaps)} criteria not met: {'; '.join(gaps)}",
                            f"{spec.id} 暂不能批准：{len(gaps)} 项准入条件未满足：{'；'.join(gaps)}"))
        decision = replace(_decision(command, record, spec.id, CONDITIONAL if conditional else "approve", True, ""),
                           deadline=deadline, conditions=conditional["conditions"].strip() if conditional else "",
                           reason="" if conditional else command.rest)
        after = _apply(spec, state, decision)
        count = len(after.approvals)
        answer = t(f"{spec.id} passed", f"{spec.id} 已通过") if after.passed else \
            t(f"approved ({count} of {spec.approvers.required})", f"已批准（{count}/{spec.approvers.required}）")
        return _store(where, spec, replace(decision, answer=answer))
    if kill_state is not None and kill_state.killed is not None and verb != "reopen":
        return refuse(_killed(kill_state.killed, t))
    if verb == "reject" and state.passed is not None:
        return refuse(t(f"{spec.id} is passed: to send the project back, /pmo recycle {spec.id}",
                        f"{spec.id} 已通过：如需退回项目，请 /pmo recycle {spec.id}"))
    if verb == "hold" and state.held is not None:
        return refuse(t(f"{spec.id} is already on hold", f"{spec.id} 已暂停"))
    if verb == "hold" and phase not in order:
        return refuse(t(f"{record.key} is in no phase ('{record.status}'): there is no phase to hold it in",
                        f"{record.key} 不在任何阶段（“{record.status}”）：无法暂停"))
    if verb == "resume" and state.held is None:
        return refuse(t(f"{spec.id} is not on hold", f"{spec.id} 未暂停"))
    if verb == "reopen" and state.killed is None:
        return refuse(t(f"{spec.id} was not killed", f"{spec.id} 未被终止"))
    done = {"reject": t("rejected", "已驳回"), "hold": t(f"on hold in {named(phase)}", f"暂停于{named(phase)}阶段"),
            "resume": t("resumed", "已恢复"), "kill": t("killed", "已终止"), "reopen": t("reopened", "已重新开启"),
            "recycle": t(f"sent back to {named(spec.from_phase)}", f"退回{named(spec.from_phase)}阶段")}
    return _store(where, spec, replace(_decision(command, record, spec.id, verb, True, done[verb]),
                                       reason=command.rest))


def _closest(word: str, choices: Sequence[str]) -> str | None:
    """The choice ``word`` was most likely meant to be, if one is close."""
    matches = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return matches[0] if matches else None


def _killed(kill: Decision, t: Callable[[str, str], str]) -> str:
    return t(f"{kill.issue_key} was killed at {kill.gate} by {kill.author_name}: only /pmo reopen {kill.gate} "
             f"undoes a kill", f"{kill.issue_key} 已在 {kill.gate} 被 {kill.author_name} 终止：只有 /pmo reopen "
             f"{kill.gate} 能撤销")


def _store(where: Situation, spec: Gate, decision: Decision) -> Decision:
    where.states[spec.id] = _apply(spec, where.states.get(spec.id, GateState()), decision)
    return decision


def _decision(command: Command, record: Issue, gate: str, verb: str, applied: bool, answer: str) -> Decision:
    return Decision(record.key, gate, command.comment_id, command.line, verb, command.author, command.author_name,
                    command.at, applied, answer, record.phase)


def answers(decisions: Sequence[Decision]) -> list[Decision]:
    """The refused commands still standing: each author's latest command on the record, where it was refused
    (a later command of theirs, applied or not, replaces the answer)."""
    latest: dict[str, Decision] = {}
    for decision in decisions:
        latest[decision.author] = decision
    return [d for d in latest.values() if not d.applied]


# -- where a project must be ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Placement:
    """Where a project's record must go: a status, the statuses it may pass on the way (best first), the fields
    the last step sets, and why."""

    status: str
    via: tuple[str, ...]
    reason: str
    fields: Mapping[str, object] = field(default_factory=dict)
    kind: str = "revert"  # revert | hold | kill | reopen


def first_status(phases: Sequence[Phase], phase: str) -> str | None:
    found = next((p for p in phases if p.id == phase), None)
    return found.statuses[0] if found and found.statuses else None


def path_between(phases: Sequence[Phase], order: Sequence[str], target: str, current: str | None) -> tuple[str, ...]:
    """The first statuses of the phases between ``target`` and ``current`` (either way), nearest the target first:
    where a move that cannot be made in one step may stop on the way."""
    if current not in order or target not in order:
        return ()
    low, high = sorted((order.index(target), order.index(current)))
    between = [order[i] for i in range(low + 1, high)]
    if order.index(target) > order.index(current):
        between.reverse()
    return tuple(s for s in (first_status(phases, p) for p in between) if s)


def placement(record: Issue, standard: Standard, facts: Facts, results: Mapping[str, Result],
              t: Callable[[str, str], str]) -> Placement | None:
    """Where ``record`` must be now, if not where it is: closed through the kill status while killed; back where
    it was killed once reopened; in its phase while on hold; else no later than the first phase of the first gate
    it went past without passing (a gate in `revert`, a recycled one, or a breach of a gate in `on_breach:
    revert`). ``results``: gate id -> the gate's result on ``record``."""
    states = gate_states(record, standard, facts)
    stop = stopping(states)
    phases, order = standard.phase_list, standard.phase_order(record)
    # The way there may pass phases this type of project skips (one workflow serves every type).
    everywhere = [p.id for p in phases]
    kill = standard.kill
    at = record.status.casefold()
    if stop is not None and stop[0] == "kill":
        decision = stop[1]
        if kill is None or at == kill.status.casefold():
            return None
        fields = {"resolution": {"name": kill.resolution}} if kill.resolution else {}
        return Placement(kill.status, (), t(f"{decision.gate}: killed by {decision.author_name}",
                                            f"{decision.gate}：{decision.author_name} 决定终止"), fields, "kill")
    if kill is not None and at == kill.status.casefold():
        reopened = [s for s in states.values() if s.reopened is not None and s.killed_in]
        if reopened:
            state = max(reopened, key=lambda s: s.reopened.at or datetime.min if s.reopened else datetime.min)
            target = first_status(phases, state.killed_in or "")
            if target and state.reopened is not None:
                return Placement(target, path_between(phases, everywhere, state.killed_in or "", None),
                                 t(f"{state.reopened.gate}: reopened by {state.reopened.author_name}",
                                   f"{state.reopened.gate}：{state.reopened.author_name} 重新开启"), {}, "reopen")
        return None
    if stop is not None and stop[0] == "hold":
        held = stop[1]
        target = first_status(phases, held.phase or "")
        if target is None or record.phase == held.phase:
            return None
        return Placement(target, path_between(phases, everywhere, held.phase or "", record.phase),
                         t(f"{held.gate}: on hold in {standard.phase_name(held.phase)} by {held.author_name}",
                           f"{held.gate}：{held.author_name} 决定暂停于{standard.phase_name(held.phase)}阶段"), {},
                         "hold")
    if record.phase not in order:
        return None
    here = order.index(record.phase)
    limits: list[tuple[int, Result]] = []
    for gate_id, result in results.items():
        spec = standard.rules.get(gate_id)
        if not isinstance(spec, Gate) or spec.from_phase not in order or result.in_grace:
            continue
        start = order.index(spec.from_phase)
        recycled = states.get(gate_id, GateState()).recycled is not None
        reverting = (result.past_gate and (result.enforcement == "revert" or recycled)) or (
            result.breach and spec.on_breach == "revert" and here > start)
        if reverting and (result.enforcement != "audit" or recycled):
            limits.append((start, result))
    if not limits:
        return None
    start, result = min(limits, key=lambda item: item[0])
    target_phase = order[start]
    target = first_status(phases, target_phase)
    if target is None:
        return None
    return Placement(target, path_between(phases, everywhere, target_phase, record.phase),
                     f"{result.rule_id}: {result.message}")
