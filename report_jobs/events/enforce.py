"""Enforcement, the one step behind the worker, ``pmokit check``, the scheduled reconcile and the demo: evaluate
every rule on the target issues, plan the actions, hold back what the hourly limit stops, apply the rest through
the connector, and audit the results, the actions and the gate decisions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from config.rule_specs import Gate
from pmokit.runtime import Runtime
from pmokit.store.audit import actions_since, record_actions, record_approvals, record_results, ruleset_hash
from rules.actions import GAP_LABEL, Action, plan
from rules.engine import evaluate_settings
from rules.evaluation import Evaluation
from rules.facts import Facts
from rules.gates import decisions, revert_targets

from ..sync.snapshot import load_facts
from .apply import Applied, apply

log = logging.getLogger(__name__)


@dataclass
class Enforcement:
    """What one evaluation led to: the results, the planned actions, what applying them did."""

    results: Evaluation
    actions: list[Action]
    applied: list[Applied]
    held_back: list[str]  # issues whose actions the hourly limit stopped


def enforce(runtime: Runtime, facts: Facts, targets: list[str], *, trigger: str, dry_run: bool = False,
            now: datetime | None = None, action_limit: int | None = None) -> Enforcement:
    """Evaluate every rule on ``targets``, plan the actions, apply them (unless ``dry_run``) and audit it all."""
    settings = runtime.settings
    now = now or datetime.now(UTC)
    results = evaluate_settings(settings, facts, now, issue_keys=targets)
    flagged = {key for key, issue in facts.issues.items() if GAP_LABEL in issue.labels}
    actions = plan(results, targets, language=settings.language,
                   revert_to=revert_targets(settings.phases, settings.rules), flagged=flagged)
    held_back: list[str] = []
    if dry_run:
        return Enforcement(results, actions, [], held_back)
    if action_limit is not None and actions:
        with runtime.sessions() as session:
            recent = actions_since(session, {a.issue_key for a in actions}, now - timedelta(hours=1))
        held_back = sorted(k for k, n in recent.items() if n >= action_limit)
        if held_back:
            log.warning("hourly action limit (%d) reached on %s: actions held back", action_limit,
                        ", ".join(held_back))
            actions = [a for a in actions if a.issue_key not in held_back]
    applied = apply(actions, runtime.writer)
    ruleset = ruleset_hash(settings.files)
    project_of = {key: issue.project_key for key, issue in facts.issues.items()}
    gates = [r for r in settings.rules if isinstance(r, Gate)]
    with runtime.sessions.begin() as session:
        record_results(session, results, trigger=trigger, ruleset=ruleset, now=now)
        record_actions(session, applied, trigger=trigger, ruleset=ruleset, project_of=project_of, now=now)
        record_approvals(session, decisions(facts, gates), trigger=trigger, ruleset=ruleset, now=now)
    return Enforcement(results, actions, applied, held_back)


def enforce_portfolio(runtime: Runtime, *, trigger: str, action_limit: int | None = None) -> Enforcement:
    """Every issue of the store evaluated and enforced (the scheduled reconcile: what webhooks missed)."""
    facts = load_facts(runtime)
    return enforce(runtime, facts, list(facts.issues), trigger=trigger, action_limit=action_limit)
