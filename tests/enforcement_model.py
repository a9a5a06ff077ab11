"""A model of a team and a PMO at work on the sandbox, for the model-based test and the soak benchmark.

A :class:`Site` is the sandbox with `pmokit serve`'s receiver (waitress, in this process) registered as its webhook,
and the worker draining the inbox when the model says so (or while the team goes on working, in a thread). A
sequence is a handful of random team and PMO actions made as people make them, through the sandbox's REST API:
field edits and clears, moves forward and back (several phases at once too), gate commands by approvers and by
others, typos, commands shown as examples in code, noformat and quotes, deletions of pmokit's comment, two people
editing one issue at the same moment. After each sequence the webhooks are delivered, the worker drains, and the
scheduled reconcile runs; then :meth:`Site.check` holds the invariants and returns what broke (nothing, or
sentences saying what and where).

What the model knows by itself (from docs/rules.md, not from pmokit): who is an approver, which commands are
examples, which are typos or name no gate; that a kill by an approver closes a project until an approver's
reopen; that a hold keeps it in its phase until a resume; that a gate passed by decision stays passed unless a
recycle, a kill or a reopen says otherwise. What pmokit must show: one comment per issue with something to say,
equal to the rendering of the issue's current evaluation (read from a full sync of the site, so a missed change
shows), the gap label where there are gaps, no project past an unpassed enforcing gate, no dead letter, and every
write of pmokit's account in the audit with its reason.
"""

from __future__ import annotations

import logging
import random
import tempfile
import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select

from config import load_settings
from connector import adf
from pmokit.cli.sandbox_config import sandbox_config
from pmokit.records import Block, RichText, Span
from pmokit.runtime import Runtime, open_runtime
from pmokit.store import inbox
from pmokit.store.decisions import load_decisions
from pmokit.store.tables import AuditEvent
from pmokit.supervisor import Service
from report_jobs.events.enforce import enforce
from report_jobs.events.worker import Worker, drain
from report_jobs.scheduler import scheduled_sync
from report_jobs.sync.snapshot import load_facts
from report_jobs.sync.syncer import Syncer
from rules.actions import ActionKind
from rules.context import Standard
from rules.gates import gate_states
from sandbox import BOT_ACCOUNT_ID, BOT_NAME, Sandbox

MARKER = "[pmokit:compliance]"
# The projects the model works on: a record in each phase, and one maintenance project (one gate, GM).
PROJECTS = ["FIN", "OMS", "RET", "SHOP", "PAY"]
MAINTENANCE = "OMS"
APPROVERS = ["li.na", "wang.wei", "zhang.min"]  # the sandbox's pmo group
TEAM = ["liu.yang", "chen.jing", "yang.fan", "zhao.lei"]
PHASES = ["Initiation", "Planning", "Execution", "Acceptance", "Closure"]
MAINTENANCE_PHASES = ["Initiation", "Execution", "Closure"]
KILL_STATUS = "Cancelled"
GATES = {"standard": ["G1", "G2", "G3", "G4"], "maintenance": ["GM"]}
# Each gate's entry phase, and whether it holds a project back (docs/rules.md, config/examples/gates.yaml).
GATE_FROM = {"G1": "Initiation", "G2": "Planning", "G3": "Execution", "G4": "Acceptance", "GM": "Initiation"}
REVERTING = {"G1", "G2"}
VERBS = ["approve", "reject", "hold", "resume", "recycle", "kill", "reopen"]
TYPOS = ["aprove", "approv", "rejct", "hodl", "resme", "recylce", "kil", "repoen", "ok"]
# What the answer to a command that cannot be taken says, by what is wrong with it (docs/rules.md).
EXPECTED_ANSWER = {"typo": "unknown command", "team": "is not an approver", "unknown-gate": "has no gate",
                   "no-gate": "say which gate"}
REASONS = ["budget confirmed", "waiting for the vendor", "no business case", "rework the proposal",
           "预算已确认", "等待供应商", "重新评估", ""]


@dataclass
class Command:
    """A `/pmo` command the model wrote, and what it expects pmokit to make of it."""

    key: str
    comment_id: str
    author: str
    verb: str
    gate: str
    form: str  # plain | example | typo | unknown-gate | no-gate
    expect: str  # applied | refused | ignored | either
    seen: bool = False  # the worker has drained since it was written (pmokit took it against what was then)


@dataclass
class Tally:
    sequences: int = 0
    actions: Counter[str] = field(default_factory=Counter)
    commands: Counter[str] = field(default_factory=Counter)  # expectation -> count
    reconcile_actions: int = 0
    worker_events: int = 0
    failures: list[str] = field(default_factory=list)


class Site:
    """The sandbox, pmokit's receiver on it, a worker the model drains, and the model's own memory."""

    def __init__(self, flavor: str = "cloud", seed: int = 0, issues: int = 60):
        logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # its "queue depth" notes are not news here
        self.rng = random.Random(seed)
        self.sb = Sandbox.start(seed="demo", issues=issues, flavor=flavor, webhook_backoff=0.05)
        self.tmp = tempfile.TemporaryDirectory(prefix="pmokit-model-")
        self.runtime = _runtime(self.sb, Path(self.tmp.name))
        self.api = f"{self.sb.url}/rest/api/2"
        self.fields = {f.name: f.id for f in self.sb.state.fields.values()}
        self._sessions: dict[str, Any] = {}
        # The maintenance project: one gate (GM), no planning and no acceptance.
        self._put("admin", f"{MAINTENANCE}-1", {"fields": {self.fields["Project Type"]: {"value": "Maintenance"}}})
        Syncer.of(self.runtime).full()
        self.service = Service(self.runtime, bind="127.0.0.1:0", workers=0, schedule=False, threads=4).start()
        hook = {"name": "pmokit", "url": f"{self.service.url}{self.runtime.settings.webhooks.path}",
                "secret": "sandbox", "events": ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted",
                                                "comment_created", "comment_updated", "comment_deleted"]}
        response = self.session("admin").post(f"{self.sb.url}/rest/webhooks/1.0/webhook", json=hook)
        assert response.status_code == 201, response.text
        self.worker = Worker(self.runtime)
        self.records = [f"{p}-1" for p in PROJECTS]
        self.work = [i.key for i in self.sb.state.live_issues()
                     if i.project_key in PROJECTS and i.issue_type in ("Risk", "Milestone", "Story", "Task")]
        self.commands: list[Command] = []
        self.deleted: Counter[str] = Counter()  # issue -> pmokit comments the model deleted
        self.killed: dict[str, str] = {}  # record -> the gate it was killed at (by the model's own reckoning)
        self.held: dict[str, set[str]] = defaultdict(set)
        self.tally = Tally()
        self.passed: dict[str, set[str]] | None = None  # the gates passed when the last check looked
        self.log: list[str] = []
        self._background: threading.Thread | None = None
        self.settle()  # the reconcile's first pass: pmokit's comments on the demo's issues

    def close(self) -> None:
        self.service.close()
        self.runtime.close()
        self.sb.close()
        self.tmp.cleanup()

    # -- people -----------------------------------------------------------------------------------------
    def session(self, who: str) -> Any:
        if who not in self._sessions:
            self._sessions[who] = self.sb.session("admin@example.com", "sandbox") if who == "admin" else \
                self.sb.session(f"{who}@example.com", f"sandbox-{who}")
        return self._sessions[who]

    def _put(self, who: str, key: str, body: dict[str, Any]) -> None:
        response = self.session(who).put(f"{self.api}/issue/{key}", json=body)
        assert response.status_code == 204, f"PUT {key}: {response.status_code} {response.text}"

    def _comment(self, who: str, key: str, body: str) -> str:
        response = self.session(who).post(f"{self.api}/issue/{key}/comment", json={"body": body})
        assert response.status_code == 201, response.text
        return str(response.json()["id"])

    def status(self, key: str) -> str:
        issue = self.sb.state.issue(key)
        return self.sb.state.statuses[issue.status].name

    def phases_of(self, key: str) -> list[str]:
        return MAINTENANCE_PHASES if key.startswith(MAINTENANCE) else PHASES

    def gates_of(self, key: str) -> list[str]:
        return GATES["maintenance" if key.startswith(MAINTENANCE) else "standard"]

    # -- one sequence -----------------------------------------------------------------------------------
    def sequence(self, length: int | None = None) -> list[str]:
        """A random sequence of actions, then webhooks delivered, the worker drained, a reconcile; returns the
        invariants broken (empty when all hold)."""
        self.log = []
        self.commands = []
        self.started = datetime.now(UTC)
        before = self.passed if self.passed is not None else self._passed_gates()
        actions = self._actions()
        names, weights = zip(*actions.items(), strict=True)
        for _ in range(length or self.rng.randint(3, 8)):
            name = self.rng.choices(names, weights)[0]
            self.tally.actions[name] += 1
            ACTIONS[name](self)
        self._join_background()
        self.settle()
        self.tally.sequences += 1
        broken = self.check(before)
        self.tally.failures += broken
        return broken

    def _actions(self) -> dict[str, int]:
        return {"edit record": 14, "clear record field": 8, "edit charter": 3, "move": 12, "move far": 4,
                "cancel": 3, "approver command": 18, "team command": 4, "typo": 4, "example command": 4,
                "delete comment": 4, "edit work": 8, "concurrent edits": 4, "drain": 8, "drain while working": 3}

    def drain(self) -> None:
        written = [c for c in self.commands if not c.seen]
        self.sb.site.dispatcher.flush(30)
        report = drain(self.worker)
        self.tally.worker_events += report.claimed
        for command in written:
            command.seen = True

    def moved(self, key: str) -> None:
        """The team moved ``key``: a hold written since the worker last looked is taken in the phase pmokit finds,
        which may be none (cancelled): the model cannot tell."""
        for command in self.commands:
            if command.key == key and command.verb == "hold" and command.expect == "applied" and not command.seen:
                command.expect = "either"

    def settle(self) -> None:
        """Deliver every webhook, let the worker handle them, then the scheduled reconcile (and what it caused)."""
        self.drain()
        with self.runtime.sessions() as session:
            before = session.query(AuditEvent).filter(AuditEvent.kind == "action",
                                                      AuditEvent.trigger == "reconcile").count()
        scheduled_sync(self.runtime, reconcile=True)
        with self.runtime.sessions() as session:
            after = session.query(AuditEvent).filter(AuditEvent.kind == "action",
                                                     AuditEvent.trigger == "reconcile").count()
        self.tally.reconcile_actions += after - before
        self.reconciled = after - before
        self.drain()

    def _join_background(self) -> None:
        if self._background is not None:
            self._background.join(60)
            self._background = None

    # -- the invariants ---------------------------------------------------------------------------------
    def _passed_gates(self) -> dict[str, set[str]]:
        runtime = self.runtime
        facts = load_facts(runtime)
        standard = Standard.of(runtime.settings)
        return {key: {g for g, s in gate_states(facts.issues[key], standard, facts).items() if s.passed}
                for key in self.records if key in facts.issues}

    def check(self, passed_before: dict[str, set[str]]) -> list[str]:
        broken: list[str] = []
        runtime, state = self.runtime, self.sb.state
        Syncer.of(runtime).full()  # the truth, read afresh: a change pmokit missed shows as a stale comment
        facts = load_facts(runtime)
        keys = sorted(k for k in facts.issues if facts.issues[k].project_key in PROJECTS)
        planned = enforce(runtime, facts, keys, trigger="check", dry_run=True).actions
        by_key: dict[str, list[Any]] = defaultdict(list)
        for action in planned:
            by_key[action.issue_key].append(action)
        with runtime.sessions() as session:
            counts = inbox.counts(session)
            audit = list(session.scalars(select(AuditEvent).where(AuditEvent.issue_key.in_(keys))))
            decisions = load_decisions(session, self.records)
        if self.reconciled:  # every webhook was delivered: the worker's handling must have left nothing to do
            broken.append(f"the reconcile still took {self.reconciled} action(s) the worker had not")
        if counts["dead"]:
            broken.append(f"{counts['dead']} dead letter(s) in the inbox")
        if counts["pending"]:
            broken.append(f"{counts['pending']} event(s) still pending after the worker drained")
        audited = defaultdict(list)
        for event in audit:
            audited[event.issue_key].append(event)
        for key in keys:
            broken += self._check_comment(key, by_key[key], state.issue(key))
            broken += [f"{key}: pmokit would still {a.describe()}" for a in by_key[key]
                       if a.kind in (ActionKind.ADD_LABEL, ActionKind.REMOVE_LABEL, ActionKind.TRANSITION)]
            broken += self._check_audit(key, state.issue(key), audited[key])
        standard = Standard.of(runtime.settings)
        for key in self.records:
            states = gate_states(facts.issues[key], standard, facts)
            broken += self._check_record(key, states, passed_before.get(key, set()), audited[key])
        broken += self._check_commands(decisions)
        # What the model could not tell in advance (a hold on a project the team moved meanwhile) it learns.
        states_now = {key: gate_states(facts.issues[key], standard, facts) for key in self.records}
        self.held = defaultdict(set, {key: {g for g, s in states.items() if s.held}
                                      for key, states in states_now.items()})
        self.passed = {key: {g for g, s in states.items() if s.passed} for key, states in states_now.items()}
        return [f"{b}\n  sequence: {'; '.join(self.log)}" for b in broken]

    def _check_comment(self, key: str, planned: list[Any], issue: Any) -> list[str]:
        mine = [c for c in issue.comments if MARKER in c["body"]]
        says = [a for a in planned if a.kind is ActionKind.COMMENT]
        clear = [a for a in planned if a.kind is ActionKind.CLEAR_COMMENT]
        if len(mine) > 1:
            return [f"{key}: {len(mine)} pmokit comments"]
        if says and not mine:
            return [f"{key}: no pmokit comment, but it should say:\n{says[0].text}"]
        if not mine:
            return []
        expected = (says or clear)[0]
        if self.sb.state.flavor == "cloud":
            doc = adf.from_rich(RichText((*expected.doc.blocks, Block("paragraph", (Span(MARKER),)))))
            if mine[0].get("adf") != doc:
                return [f"{key}: the comment says\n{mine[0]['body']}\nbut the evaluation renders\n{expected.text}"]
        elif mine[0]["body"] != f"{expected.text.rstrip()}\n{MARKER}":
            return [f"{key}: the comment says\n{mine[0]['body']}\nbut the evaluation renders\n{expected.text}"]
        return []

    def _check_audit(self, key: str, issue: Any, events: list[AuditEvent]) -> list[str]:
        broken = []
        actions = [e for e in events if e.kind == "action"]
        for event in actions:
            if not (event.detail or {}).get("reason"):
                broken.append(f"{key}: audited action without a reason: {event.summary}")
        created = sum(1 for e in actions if e.detail["action"] == "comment" and e.state == "created")
        live = sum(1 for c in issue.comments if _by_bot(c.get("author")))
        if created != live + self.deleted[key]:
            broken.append(f"{key}: {created} comment(s) created in the audit, {live} on the issue and "
                          f"{self.deleted[key]} deleted by people")
        labels = sum(1 for h in issue.histories if _by_bot(h["author"])
                     for item in h["items"] if item["field"] == "labels")
        label_actions = sum(1 for e in actions if e.detail["action"] in ("add_label", "remove_label")
                            and e.state != "failed")
        if labels != label_actions:
            broken.append(f"{key}: {labels} label change(s) by pmokit on the issue, {label_actions} in the audit")
        targets = {e.detail["text"].casefold() for e in actions if e.detail["action"] == "transition"}
        moves = [item["toString"] for h in issue.histories if _by_bot(h["author"])
                 for item in h["items"] if item["field"] == "status"]
        moved_to = [m for m in moves if m.casefold() in targets]
        applied = sum(1 for e in actions if e.detail["action"] == "transition" and e.state != "failed")
        if len(moved_to) < applied or (moves and not targets):
            broken.append(f"{key}: pmokit moved it {moves}, the audit has {applied} move(s) to {sorted(targets)}")
        return broken

    def _check_record(self, key: str, states: dict[str, Any], passed_before: set[str],
                      events: list[AuditEvent]) -> list[str]:
        broken = []
        status = self.status(key)
        gates = self.gates_of(key)
        undone = [e for e in events if e.kind == "approval" and e.state in ("recycle", "reopen", "kill")
                  and _aware(e.at) >= self.started]
        # Decisions stick: a gate passed by decision is passed still, unless the PMO sent it back.
        if not undone:
            broken += [f"{key}: {gate} was passed and no longer is, with no recycle, kill or reopen"
                       for gate in sorted(passed_before) if not states[gate].passed]
        if key in self.killed:
            if status != KILL_STATUS:
                broken.append(f"{key}: killed at {self.killed[key]}, but in '{status}'")
            return broken
        if status == KILL_STATUS:
            return broken  # the team cancelled it: not a phase, no gate holds it
        phases = self.phases_of(key)
        if status not in phases:
            return [f"{key}: in '{status}', which is no phase of its type"]
        held = [s.held for s in states.values() if s.held is not None]
        if held:
            phase = held[0].phase or ""
            if status.casefold() != phase.casefold():
                broken.append(f"{key}: on hold in {phase} (by {held[0].author_name}), but in '{status}'")
            return broken
        # No project past an unpassed gate that holds it back (in `revert`, or recycled).
        here = phases.index(status)
        for gate in gates:
            holds_back = gate in REVERTING or (states.get(gate) is not None and states[gate].recycled is not None)
            entry = phases.index(GATE_FROM[gate])
            if holds_back and not states[gate].passed and here > entry:
                broken.append(f"{key}: in '{status}', past {gate}, which is not passed")
                break
        return broken

    def _check_commands(self, decisions: list[Any]) -> list[str]:
        broken = []
        taken: dict[str, list[Any]] = defaultdict(list)
        for d in decisions:
            taken[d.comment_id].append(d)
        for command in self.commands:
            found = taken.get(command.comment_id, [])
            self.tally.commands[command.expect] += 1
            what = f"{command.key}: /pmo {command.verb} {command.gate} by {command.author} ({command.form})"
            if command.expect == "ignored" and found:
                broken.append(f"{what}: an example, but taken as {found[0].verb} ({found[0].answer})")
            elif command.expect in ("applied", "refused", "either") and len(found) != 1:
                broken.append(f"{what}: {len(found)} decision(s) kept, expected one")
            elif command.expect == "applied" and not found[0].applied:
                broken.append(f"{what}: refused ({found[0].answer}), expected applied")
            elif command.expect == "refused" and found[0].applied:
                broken.append(f"{what}: applied, expected refused")
            elif found and not found[0].applied and EXPECTED_ANSWER.get(command.form, "") not in found[0].answer:
                broken.append(f"{what}: answered '{found[0].answer}'")
        return broken


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo else at.replace(tzinfo=UTC)


def _by_bot(author: Any) -> bool:
    return author in (BOT_ACCOUNT_ID, BOT_NAME) or (isinstance(author, dict) and
                                                    author.get("accountId") == BOT_ACCOUNT_ID)


def _runtime(sb: Sandbox, directory: Path) -> Runtime:
    """pmokit on the sandbox, its portfolio the model's projects (one program each)."""
    text = sandbox_config(sb.url, flavor=sb.options.flavor, store=f"sqlite:///{directory / 'store.db'}")
    data = yaml.safe_load(text)
    for program in data["portfolio"]["programs"]:
        program["projects"] = [p for p in program["projects"] if p in PROJECTS]
    data["webhooks"]["max_actions_per_hour"] = 10_000  # the model's pace is not a runaway
    path = directory / "pmokit.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return open_runtime(load_settings([path]))


# -- the actions ------------------------------------------------------------------------------------------
def _record(site: Site) -> str:
    return site.rng.choice(site.records)


def edit_record(site: Site) -> None:
    key = _record(site)
    rng = site.rng
    name, value = rng.choice([
        ("Sponsor", rng.choice(["李娜", "王伟", "张敏"])), ("Budget (CNY)", float(rng.choice([0, 500_000, 2_000_000]))),
        ("Actual Cost (CNY)", float(rng.choice([100_000, 1_900_000, 5_000_000]))),
        ("Baseline Start", "2026-03-01"), ("Baseline End", "2027-06-30")])
    site.log.append(f"{key} {name}={value}")
    site._put(rng.choice(TEAM), key, {"fields": {site.fields[name]: value}})


def clear_record_field(site: Site) -> None:
    key = _record(site)
    name = site.rng.choice(["Sponsor", "Budget (CNY)", "Baseline Start", "Baseline End"])
    site.log.append(f"{key} {name} cleared")
    site._put(site.rng.choice(TEAM), key, {"fields": {site.fields[name]: None}})


def edit_charter(site: Site) -> None:
    key = _record(site)
    sections = ["Background", "Objectives", "Scope", "Budget", "Risks"]
    kept = sections if site.rng.random() < 0.5 else site.rng.sample(sections, 3)
    site.log.append(f"{key} charter sections {kept}")
    text = "\n".join(f"h2. {s}\n{s} of the project." for s in kept)
    site._put(site.rng.choice(TEAM), key, {"fields": {"description": text}})


def _move(site: Site, key: str, who: str, target: str) -> bool:
    session = site.session(who)
    offered = session.get(f"{site.api}/issue/{key}/transitions").json()["transitions"]
    choice = next((t for t in offered if t["to"]["name"] == target), None)
    if choice is None:
        return False
    response = session.post(f"{site.api}/issue/{key}/transitions", json={"transition": {"id": choice["id"]}})
    if response.status_code == 204:
        site.moved(key)
    return response.status_code == 204


def move(site: Site) -> None:
    key = _record(site)
    phases = site.phases_of(key)
    status = site.status(key)
    if status == KILL_STATUS:  # the team takes it up again (the workflow allows it; a kill does not)
        target = site.rng.choice(phases)
        site.log.append(f"{key} taken up again in {target}")
        _move(site, key, site.rng.choice(TEAM), target)
        return
    if status not in phases:
        return
    here = phases.index(status)
    step = site.rng.choice([-1, 1, 1])
    if 0 <= here + step < len(phases):
        site.log.append(f"{key} moved {status} → {phases[here + step]}")
        _move(site, key, site.rng.choice(TEAM), phases[here + step])


def move_far(site: Site) -> None:
    """The team takes a project on by several phases, one transition after another, before pmokit looks."""
    key = _record(site)
    phases = site.phases_of(key)
    status = site.status(key)
    if status not in phases:
        return
    who = site.rng.choice(TEAM)
    for target in phases[phases.index(status) + 1:phases.index(status) + 1 + site.rng.randint(2, 3)]:
        site.log.append(f"{key} moved on to {target}")
        if not _move(site, key, who, target):
            break


def cancel(site: Site) -> None:
    key = _record(site)
    if key in site.killed or site.status(key) == KILL_STATUS:
        return
    site.log.append(f"{key} cancelled by the team")
    _move(site, key, site.rng.choice(TEAM), KILL_STATUS)


def _gate_command(site: Site, key: str, author: str, verb: str, gate: str, form: str, text: str,
                  expect: str) -> None:
    site.log.append(f"{key} {author}: {text!r}")
    comment_id = site._comment(author, key, text)
    site.commands.append(Command(key, comment_id, author, verb, gate, form, expect))


def approver_command(site: Site) -> None:
    key = _record(site)
    rng = site.rng
    author = rng.choice(APPROVERS)
    gates = site.gates_of(key)
    killed = site.killed.get(key)
    if killed and rng.random() < 0.5:
        verb, gate = "reopen", killed
    else:
        verb = rng.choices(VERBS, (10, 3, 3, 3, 2, 2, 2))[0]
        gate = rng.choice(gates)
    reason = rng.choice(REASONS)
    expect = "either"  # approvals, rejections, resumes: the criteria and the state decide
    if killed:
        expect = "applied" if verb == "reopen" and gate == killed else "refused"
        if expect == "applied":
            del site.killed[key]
    elif verb == "kill":
        expect = "applied"
        site.killed[key] = gate
        site.held[key].clear()  # a kill ends a hold
    elif verb == "reopen":
        expect = "refused"  # nothing killed
    elif verb == "hold":
        # Held in the phase pmokit finds it in; a project in no phase (cancelled by the team) has none to hold.
        expect = "refused" if gate in site.held[key] else "applied" if site.status(key) in site.phases_of(key) \
            else "either"
        site.held[key].add(gate)
    elif verb == "resume":
        expect = "applied" if gate in site.held[key] else "refused"
        site.held[key].discard(gate)
    elif verb == "recycle":
        expect = "applied"
    prefix = rng.choice(["", "Reviewed.\n", "评审完成。\n"])
    _gate_command(site, key, author, verb, gate, "plain", f"{prefix}/pmo {verb} {gate} {reason}".rstrip(), expect)


def team_command(site: Site) -> None:
    key = _record(site)
    gate = site.rng.choice(site.gates_of(key))
    verb = site.rng.choice(["approve", "kill", "hold", "recycle"])
    expect = "refused"
    _gate_command(site, key, site.rng.choice(TEAM), verb, gate, "team", f"/pmo {verb} {gate}", expect)


def typo(site: Site) -> None:
    key = _record(site)
    rng = site.rng
    author = rng.choice(APPROVERS)
    kind = rng.choice(["typo", "unknown-gate", "no-gate"])
    if kind == "typo":
        verb, gate = rng.choice(TYPOS), rng.choice(site.gates_of(key))
    elif kind == "unknown-gate":
        verb, gate = rng.choice(VERBS), rng.choice(["G9", "G0", "GX", "G5"])
    else:
        verb, gate = rng.choice(VERBS), ""
    # Refused whatever the project's state: pmokit cannot tell what was meant.
    _gate_command(site, key, author, verb, gate, kind, f"/pmo {verb} {gate}".rstrip(), "refused")


def example_command(site: Site) -> None:
    key = _record(site)
    rng = site.rng
    gate = rng.choice(site.gates_of(key))
    verb = rng.choice(VERBS)
    line = f"/pmo {verb} {gate} {rng.choice(REASONS)}".rstrip()
    text = rng.choice([f"For example:\n{{noformat}}\n{line}\n{{noformat}}", f"Write it so:\n{{code}}\n{line}\n{{code}}",
                       f"{{quote}}\n{line}\n{{quote}}\nas you said", f"bq. {line}", f"Quoting:\n> {line}"])
    _gate_command(site, key, rng.choice(APPROVERS), verb, gate, "example", text, "ignored")


def delete_comment(site: Site) -> None:
    candidates = [k for k in site.records + site.work
                  if any(MARKER in c["body"] for c in site.sb.state.issue(k).comments)]
    if not candidates:
        return
    key = site.rng.choice(candidates)
    comment = next(c for c in site.sb.state.issue(key).comments if MARKER in c["body"])
    site.log.append(f"{key} pmokit's comment deleted")
    response = site.session("admin").delete(f"{site.api}/issue/{key}/comment/{comment['id']}")
    assert response.status_code == 204, response.text
    site.deleted[key] += 1


def edit_work(site: Site) -> None:
    key = site.rng.choice(site.work)
    issue = site.sb.state.issue(key)
    rng = site.rng
    if issue.issue_type == "Risk":
        value = rng.choice([None, 3])
        body = {"fields": {site.fields["Risk Probability"]: value}}
    elif issue.issue_type == "Milestone":
        body = {"fields": {"duedate": rng.choice([None, "2027-03-31"])}}
    else:
        body = {"fields": {"assignee": rng.choice([None, {"accountId": _account(site, rng.choice(TEAM))}])}}
    site.log.append(f"{key} {body['fields']}")
    site._put(rng.choice(TEAM), key, body)


def _account(site: Site, name: str) -> str:
    return next(u.account_id for u in site.sb.state.users.values() if u.name == name)


def concurrent_edits(site: Site) -> None:
    """Two people change one record at the same moment (and the worker may be handling it too)."""
    key = _record(site)
    first = threading.Thread(target=lambda: _safely(site, lambda: edit_record_on(site, key)))
    second = threading.Thread(target=lambda: _safely(site, lambda: move_on(site, key)))
    site.log.append(f"{key} two people at once:")
    first.start()
    second.start()
    first.join(30)
    second.join(30)


def edit_record_on(site: Site, key: str) -> None:
    sponsor = site.rng.choice([None, "李娜"])
    site._put(site.rng.choice(TEAM), key, {"fields": {site.fields["Sponsor"]: sponsor}})


def move_on(site: Site, key: str) -> None:
    phases = site.phases_of(key)
    status = site.status(key)
    if status in phases and phases.index(status) + 1 < len(phases):
        _move(site, key, site.rng.choice(TEAM), phases[phases.index(status) + 1])


def _safely(site: Site, act: Callable[[], None]) -> None:
    try:
        act()
    except AssertionError as exc:  # a lost race is a person's problem, not an invariant; say it in the log
        site.log.append(f"(refused: {exc})")


def drain_now(site: Site) -> None:
    site.log.append("worker drains")
    site._join_background()
    site.drain()


def drain_while_working(site: Site) -> None:
    """The worker handles what came in while the team goes on with the next actions."""
    site._join_background()
    site.log.append("worker drains while the team works")
    site.sb.site.dispatcher.flush(30)
    site._background = threading.Thread(target=lambda: drain(site.worker), daemon=True)
    site._background.start()


ACTIONS: dict[str, Callable[[Site], None]] = {
    "edit record": edit_record, "clear record field": clear_record_field, "edit charter": edit_charter,
    "move": move, "move far": move_far, "cancel": cancel, "approver command": approver_command,
    "team command": team_command, "typo": typo, "example command": example_command,
    "delete comment": delete_comment, "edit work": edit_work, "concurrent edits": concurrent_edits,
    "drain": drain_now, "drain while working": drain_while_working,
}


def run(sequences: int, *, flavor: str = "cloud", seed: int = 0, stop_on_failure: bool = True) -> Tally:
    """``sequences`` random sequences on one site; the tally of what was done and what broke."""
    site = Site(flavor=flavor, seed=seed)
    try:
        for _ in range(sequences):
            if site.sequence() and stop_on_failure:
                break
        return site.tally
    finally:
        site.close()

