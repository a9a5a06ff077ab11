"""Enforcement, the one step behind the worker, ``pmokit check``, the scheduled reconcile and the demo.

For the target issues: take the `/pmo` commands written since pmokit last looked; evaluate every rule; plan the
comment (as it should read now), the label and the move each project record must make; hold back what the
hourly limit stops; apply the rest through the connector. When something moved (or could not), the moved
issues are read again and evaluated again, so the comment says what is true after the move; then the
decisions, the results, the actions and the comments written are kept."""

from __future__ import annotations

import logging
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Literal

from pmokit.records import Decision
from pmokit.runtime import Runtime
from pmokit.store import comments as comment_memory
from pmokit.store import issues as store
from pmokit.store.audit import actions_since, record_actions, record_decisions, record_results, ruleset_hash
from pmokit.store.decisions import save_decisions
from rules.actions import GAP_LABEL, Action, ActionKind, plan
from rules.context import Standard
from rules.decide import placements, standing_answers, take_commands
from rules.engine import evaluate_settings
from rules.evaluation import Evaluation
from rules.facts import Facts

from ..sync.snapshot import load_facts, reread
from ..sync.syncer import Syncer
from .apply import Applied, apply

log = logging.getLogger(__name__)
ROUNDS = 3  # evaluate → act, again after a move: a move can end a gate's breach, or uncover the next one
COMMENT_KINDS = (ActionKind.COMMENT, ActionKind.CLEAR_COMMENT, ActionKind.REMOVE_COMMENT)
LABEL_KINDS = (ActionKind.ADD_LABEL, ActionKind.REMOVE_LABEL)
# How pmokit knows what its comment on an issue says: "all" reads every target's comments in Jira (a person's
# `pmokit check`); "unknown" reads them only where the store does not remember pmokit's comment (the worker:
# someone editing or deleting that comment makes it forget); "none" trusts the store everywhere, an issue
# it remembers no comment on having none (the reconcile and the demo, over the whole portfolio).
Look = Literal["all", "unknown", "none"]


@dataclass
class Enforcement:
    """What one evaluation led to: the results, the planned actions, what applying them did."""

    results: Evaluation
    actions: list[Action]
    applied: list[Applied]
    held_back: list[str]  # issues whose actions the hourly limit stopped
    decisions: list[Decision] = field(default_factory=list)  # the gate commands taken


def enforce(runtime: Runtime, facts: Facts, targets: list[str], *, trigger: str, dry_run: bool = False,
            now: datetime | None = None, action_limit: int | None = None, look: Look = "all",
            related: Sequence[str] = (), fresh: Collection[str] = ()) -> Enforcement:
    """Take the new gate commands on ``targets``, evaluate every rule on them, plan and apply the actions
    (unless ``dry_run``) and keep it all. ``look``: how pmokit's comment on each target is known (:data:`Look`);
    a comment the store remembers is written by its id, and the labels of the ``fresh`` issues (read from Jira
    just now) are taken from ``facts``, with no read before the write (the others' are read: the store does not
    know of pmokit's own writes until the next sync). ``related``: issues whose results may change with the
    targets (the work of a project record: its milestones' dates are checked against the record's window),
    enforced too, their comments as pmokit remembers them."""
    settings = runtime.settings
    now = now or datetime.now(UTC)
    standard = Standard.of(settings)
    decisions = take_commands(facts, standard, now, targets)
    related = [k for k in dict.fromkeys(related) if k not in set(targets) and k in facts.issues]
    with runtime.sessions() as session:
        remembered = comment_memory.load_comments(session)
    # A row without a comment id: pmokit looked and has no comment there.
    memory = {k: text for k, (comment_id, text) in remembered.items() if comment_id}
    comment_ids = {k: comment_id for k, (comment_id, _) in remembered.items() if comment_id} if look != "all" else {}
    known = None if look == "all" else memory
    unknown = [k for k in targets if k not in remembered] if look == "unknown" else []
    results, actions = _evaluate_and_plan(runtime, facts, targets, standard, now, known, {}, unknown)
    if related:
        actions += _evaluate_and_plan(runtime, facts, related, standard, now, memory, {})[1]
    targets = [*targets, *related]
    if dry_run:
        return Enforcement(results, actions, [], [], decisions)
    held_back: list[str] = []
    applied: list[Applied] = []
    fresh = set(fresh)
    for round_ in range(ROUNDS):
        actions, held = _within_limit(runtime, actions, action_limit, now)
        held_back += held
        done = apply(_with_what_is_known(actions, facts, comment_ids, fresh), runtime.writer,
                     settings.enforcement.writes_in_flight)
        applied += done
        known = _written(done, known)
        comment_ids = _ids_after(done, comment_ids)
        moved = [a for a in done if a.action.kind is ActionKind.TRANSITION]
        if not moved or round_ == ROUNDS - 1:
            break
        # Read the moved records again: the comment must say what is true after the move (or why it failed).
        ids = [facts.issues[a.issue_key].id for a in moved if a.issue_key in facts.issues]
        Syncer.of(runtime).refresh(ids)
        facts = reread(runtime, facts, ids)
        fresh |= {a.issue_key for a in moved}
        notes = {a.issue_key: [f"{a.action.reason}: {a.error}"] for a in moved if a.final}
        unknown = [k for k in unknown if known is not None and k not in known]
        _, actions = _evaluate_and_plan(runtime, facts, [a.issue_key for a in moved], standard, now, known, notes,
                                        unknown)
        if all(a.final for a in moved):  # nothing moved: only the comment can say so
            actions = [a for a in actions if a.kind is not ActionKind.TRANSITION]
    results = evaluate_settings(settings, facts, now, issue_keys=targets)
    _keep(runtime, facts, results, applied, decisions, trigger, now)
    return Enforcement(results, [a.action for a in applied], applied, sorted(set(held_back)), decisions)


def _evaluate_and_plan(runtime: Runtime, facts: Facts, targets: list[str], standard: Standard, now: datetime,
                       known: dict[str, str] | None, notes: dict[str, list[str]],
                       unknown: Sequence[str] = ()) -> tuple[Evaluation, list[Action]]:
    """Evaluate ``targets`` and plan their actions, pmokit's comment as ``known`` says, but on the ``unknown``
    issues as if nothing were known (their comments are read when written)."""
    settings = runtime.settings
    results = evaluate_settings(settings, facts, now, issue_keys=targets)
    flagged = {key for key, issue in facts.issues.items() if GAP_LABEL in issue.labels}
    places = placements(facts, standard, list(results), targets)
    answers = standing_answers(facts, targets)
    blind = set(unknown)
    actions: list[Action] = []
    for keys, knowing in (([k for k in targets if k not in blind], known), ([k for k in targets if k in blind], None)):
        if keys:
            actions += plan(results, keys, language=settings.language, placements=places,
                            when_compliant=settings.enforcement.when_compliant, answers=answers, notes=notes,
                            known=knowing, flagged=flagged)
    return results, actions


def _with_what_is_known(actions: list[Action], facts: Facts, ids: Mapping[str, str],
                        fresh: Collection[str]) -> list[Action]:
    """The actions with what pmokit knows of their issue, so their writes need no read first: its comment's id
    (where the store remembers it) and the labels of the issues just read."""
    out = []
    for action in actions:
        issue = facts.issues.get(action.issue_key)
        if action.kind in COMMENT_KINDS and action.issue_key in ids:
            action = replace(action, comment_id=ids[action.issue_key])
        elif action.kind in LABEL_KINDS and issue is not None and action.issue_key in fresh:
            action = replace(action, labels=tuple(issue.labels))
        out.append(action)
    return out


def _ids_after(applied: list[Applied], ids: dict[str, str]) -> dict[str, str]:
    """pmokit's comment ids after these writes: a comment written has its id, one deleted (or found gone) none."""
    ids = dict(ids)
    for item in applied:
        if item.action.kind not in COMMENT_KINDS or item.error:
            continue
        comment_id = getattr(item.result, "id", None) if item.result is not None else None
        if comment_id and item.action.kind is not ActionKind.REMOVE_COMMENT:
            ids[item.issue_key] = str(comment_id)
        else:
            ids.pop(item.issue_key, None)
    return ids


def _within_limit(runtime: Runtime, actions: list[Action], limit: int | None,
                  now: datetime) -> tuple[list[Action], list[str]]:
    """The actions the hourly per-issue limit lets through, and the issues it stops."""
    if limit is None or not actions:
        return actions, []
    with runtime.sessions() as session:
        recent = actions_since(session, {a.issue_key for a in actions}, now - timedelta(hours=1))
    held_back = sorted(k for k, n in recent.items() if n >= limit)
    if held_back:
        log.warning("hourly action limit (%d) reached on %s: actions held back", limit, ", ".join(held_back))
    return [a for a in actions if a.issue_key not in held_back], held_back


def _written(applied: list[Applied], known: dict[str, str] | None) -> dict[str, str] | None:
    """What pmokit knows its comments say after these writes (None stays unknown, but for what it wrote)."""
    written = {a.issue_key: a.action.text for a in applied
               if a.action.kind in (ActionKind.COMMENT, ActionKind.CLEAR_COMMENT) and a.result is not None
               and getattr(a.result, "id", None)}
    removed = {a.issue_key for a in applied if a.action.kind is ActionKind.REMOVE_COMMENT and not a.error}
    return None if known is None else {k: v for k, v in {**known, **written}.items() if k not in removed}


def _keep(runtime: Runtime, facts: Facts, results: Evaluation, applied: list[Applied], decisions: list[Decision],
          trigger: str, now: datetime) -> None:
    settings = runtime.settings
    ruleset = ruleset_hash(settings.files)
    project_of = {key: issue.project_key for key, issue in facts.issues.items()}
    with runtime.sessions.begin() as session:
        save_decisions(session, decisions, now)
        record_decisions(session, decisions, trigger=trigger, ruleset=ruleset, project_of=project_of, now=now)
        record_results(session, results, trigger=trigger, ruleset=ruleset, now=now)
        record_actions(session, applied, trigger=trigger, ruleset=ruleset, project_of=project_of, now=now)
        labels: dict[str, tuple[set[str], set[str]]] = {}
        for item in applied:
            if item.action.kind in LABEL_KINDS and not item.error:
                added, removed = labels.setdefault(item.issue_key, (set(), set()))
                (added if item.action.kind is ActionKind.ADD_LABEL else removed).add(item.action.text)
        if labels:
            store.apply_labels(session, labels)
        for item in applied:
            comment_id = getattr(item.result, "id", None) if item.result is not None else None
            if item.action.kind in (ActionKind.COMMENT, ActionKind.CLEAR_COMMENT) and comment_id:
                comment_memory.remember_comment(session, item.issue_key, str(comment_id), item.action.text, now)
            elif item.action.kind in COMMENT_KINDS and not item.error:
                # None there (looked for and not found, found gone, or deleted by pmokit): known, so the next
                # enforcement does not look again.
                comment_memory.remember_no_comment(session, item.issue_key, now)


def enforce_portfolio(runtime: Runtime, *, trigger: str, action_limit: int | None = None) -> Enforcement:
    """Every issue of the store evaluated and enforced (the scheduled reconcile: what webhooks missed)."""
    facts = load_facts(runtime)
    return enforce(runtime, facts, list(facts.issues), trigger=trigger, action_limit=action_limit, look="none")
