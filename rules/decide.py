"""Taking the gate commands written since pmokit last looked, and where each project must then be. Pure: the
decisions are returned (and added to the facts) for the caller to keep; nothing is written here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from config.rule_specs import Gate
from pmokit.records import Decision, Issue

from . import gates
from .context import CheckContext, Standard
from .engine import context
from .facts import Facts, IssueScope
from .kinds.gate import criteria_gaps
from .results import Result


def gates_of(record: Issue, standard: Standard) -> dict[str, Gate]:
    """The gates that apply to a record: both their phases in its type's order, and of its type."""
    order = standard.phase_order(record)
    kind = standard.project_type(record)
    return {g.id: g for g in standard.rules.values() if isinstance(g, Gate) and g.from_phase in order
            and g.to_phase in order and (not g.project_types or (kind is not None and kind.id in g.project_types))}


def is_record(issue: Issue, standard: Standard) -> bool:
    return issue.issue_type.casefold() == standard.record_type.casefold()


def _gaps_on(scope: IssueScope, ctx: CheckContext) -> gates.CriteriaGaps:
    return lambda spec: criteria_gaps(spec, scope, ctx)[0]


def take_commands(facts: Facts, standard: Standard, now: datetime, keys: Iterable[str]) -> list[Decision]:
    """The decisions that the `/pmo` commands not yet taken on these records lead to, oldest first; each is
    also added to ``facts.decisions`` (later commands see what earlier ones decided)."""
    ctx = context(facts, now, standard)
    taken_now: list[Decision] = []
    for key in dict.fromkeys(keys):
        record = facts.issues.get(key)
        if record is None or not is_record(record, standard):
            continue
        known = {(d.comment_id, d.line) for d in facts.decisions.get(key, [])}
        new = [c for c in gates.commands(facts.comments.get(record.id, [])) if (c.comment_id, c.line) not in known]
        if not new:
            continue
        where = gates.Situation(record, standard, facts, gates_of(record, standard),
                                gates.gate_states(record, standard, facts),
                                _gaps_on(IssueScope(record, facts, now), ctx), facts.people)
        for command in new:
            decision = gates.take(command, where, ctx.t)
            taken_now.append(decision)
            facts.decisions.setdefault(key, []).append(decision)
            if decision.applied and decision.verb == "recycle":  # the gates after it open again too
                where.states.clear()
                where.states.update(gates.gate_states(record, standard, facts))
    return taken_now


def placements(facts: Facts, standard: Standard, results: Sequence[Result],
               keys: Iterable[str]) -> dict[str, gates.Placement]:
    """Record key -> where the record must move (only those not where they must be)."""
    t = context(facts, datetime.min, standard).t
    by_record: dict[str, dict[str, Result]] = {}
    for result in results:
        if result.kind == "gate" and result.issue_key:
            by_record.setdefault(result.issue_key, {})[result.rule_id] = result
    out: dict[str, gates.Placement] = {}
    for key in dict.fromkeys(keys):
        record = facts.issues.get(key)
        if record is None or not is_record(record, standard):
            continue
        found = gates.placement(record, standard, facts, by_record.get(key, {}), t)
        if found is not None:
            out[key] = found
    return out


def standing_answers(facts: Facts, keys: Iterable[str]) -> Mapping[str, list[Decision]]:
    """Record key -> the commands pmokit could not take and still answers on the record."""
    found = {key: gates.answers(facts.decisions.get(key, [])) for key in keys}
    return {key: answers for key, answers in found.items() if answers}
