"""Check 6: whether the moves gates make have a way through each project's workflow.

pmokit moves a project's record back to a gate's first phase (a gate in ``revert``, or ``on_breach: revert``) and,
with ``portfolio.kill``, to the kill status, taking at each step the transition to the target when it is offered,
else the one to the first status of the phases in between (``JiraWriter.transition_to``, ``rules.gates``).

What the site shows pmokit's account is an issue's transitions from its own status (``GET issue/{key}/
transitions``; reading a whole workflow takes *Administer Jira*). So the check reads the transitions of the
records of each project, one per status they are in, and walks each move from there as pmokit would, as far as
the statuses it has seen reach: a move whose first step is not offered fails; one that reaches a status no record
is in is checked up to there, and the detail says so.
"""

from __future__ import annotations

from dataclasses import dataclass

from config.models import Settings
from config.rule_specs import Gate
from connector.errors import AtlassianError
from rules.gates import first_status, path_between

from .context import Context
from .findings import Finding, failed, passed


def _fold(name: str) -> str:
    return name.casefold()


@dataclass(frozen=True)
class Walk:
    reached: bool  # the target was offered on the way (else: stuck, or at a status whose transitions are unseen)
    stuck: str = ""  # where no step was offered, with what was


def walk(start: str, target: str, via: tuple[str, ...], offered: dict[str, list[str]]) -> Walk:
    """pmokit's way from ``start`` to ``target`` over the transitions seen (status -> statuses it leads to)."""
    now, visited = start, {_fold(start)}
    for _ in range(len(via) + 1):
        here = offered.get(_fold(now))
        if here is None:
            return Walk(False)
        leads = {_fold(s) for s in here}
        if _fold(target) in leads:
            return Walk(True)
        step = next((s for s in via if _fold(s) in leads and _fold(s) not in visited), None)
        if step is None:
            return Walk(False, f"at {now} {_offered(here)}")
        now = step
        visited.add(_fold(step))
    return Walk(False, f"after {len(via) + 1} steps it is at {now}")


def _offered(statuses: list[str]) -> str:
    if not statuses:
        return "no transition at all is offered to pmokit's account (does it have Transition Issues?)"
    return f"only transitions to {', '.join(statuses)} are offered"


def _more(items: list[str], most: int) -> str:
    return f"; and {len(items) - most} more" if len(items) > most else ""


def _moves(settings: Settings) -> list[Gate]:
    return [rule for rule in settings.rules if isinstance(rule, Gate)
            and (rule.enforcement == "revert" or rule.on_breach == "revert")]


def reverts(ctx: Context) -> Finding:
    settings = ctx.settings
    portfolio, phases = settings.portfolio, settings.phases
    order = [p.id for p in phases]
    gates, kill = _moves(settings), portfolio.kill
    if not gates and kill is None:
        return passed("reverts", "no gate reverts and portfolio.kill is not set: pmokit moves no project")
    if portfolio.phase.source != "status":
        return passed("reverts", "phases are read from a field: pmokit's moves change no status")
    phase_of = {_fold(s): p.id for p in phases for s in p.statuses}
    problems: list[str] = []
    warnings: list[str] = []
    walked = reached = 0
    for project in portfolio.project_keys:
        try:
            records = ctx.records(project)
        except AtlassianError as exc:
            problems.append(f"{project}: its records cannot be read ({exc})")
            continue
        if not records:
            warnings.append(f"{project} has no {portfolio.record_issue_type} to read transitions from")
            continue
        samples: dict[str, tuple[str, str]] = {}  # folded status -> (its name, a record in it)
        for record in records:
            status = str((((record.get("fields") or {}).get("status")) or {}).get("name", ""))
            samples.setdefault(_fold(status), (status, str(record["key"])))
        offered = {folded: ctx.transitions(key) for folded, (_, key) in samples.items()}
        program = portfolio.program_of.get(project)
        for folded, (status, key) in samples.items():
            phase = phase_of.get(folded)
            if phase is None:
                continue
            for gate in gates:
                scope = gate.scope
                if (scope.projects and project not in scope.projects) or (scope.programs and program
                                                                            not in scope.programs):
                    continue
                if gate.from_phase not in order or order.index(phase) <= order.index(gate.from_phase):
                    continue
                target = first_status(phases, gate.from_phase)
                if target is None:
                    problems.append(f"{gate.id}: phase {gate.from_phase} has no status to move back to")
                    continue
                result = walk(status, target, path_between(phases, order, gate.from_phase, phase), offered)
                walked += 1
                reached += result.reached
                if result.stuck:
                    problems.append(f"{gate.id} cannot move {key} from {status} back to {target}: {result.stuck}")
            if kill is not None and folded != _fold(kill.status):
                walked += 1
                if _fold(kill.status) in {_fold(s) for s in offered[folded]}:
                    reached += 1
                else:
                    problems.append(f"kill cannot move {key} from {status} to {kill.status}: "
                                    f"{_offered(offered[folded])}")
    what = ", ".join([g.id for g in gates] + (["kill"] if kill else []))
    seen = (f"{walked} moves ({what}) walked from the statuses of the records; {reached} reached their target, "
            f"the others as far as Jira shows (an issue's transitions are seen only from its own status)")
    if problems:
        return failed("reverts", f"{'; '.join(problems[:6])}{_more(problems, 6)} ({seen})",
                      "add the missing transitions to the record's workflow (one that leads back to each gate's first "
                      "phase, and to the kill status from every phase), and give pmokit's account Transition Issues; "
                      "a transition with a condition must let pmokit's account through", warnings)
    return passed("reverts", seen, warnings)
