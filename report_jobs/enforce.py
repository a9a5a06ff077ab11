"""Applying enforcement actions through the connector: idempotent, and one failing action stops nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from connector.errors import AtlassianError
from connector.jira_writer import JiraWriter, WriteResult
from rules.actions import COMMENT_MARKER, Action

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Applied:
    action: Action
    result: WriteResult | None
    error: str = ""

    @property
    def changed(self) -> bool:
        return self.result is not None and self.result.changed


def apply(actions: list[Action], writer: JiraWriter) -> list[Applied]:
    out = []
    for action in actions:
        try:
            match action.kind:
                case "comment":
                    result = writer.upsert_comment(action.issue_key, COMMENT_MARKER, action.text)
                case "clear_comment":
                    result = writer.update_comment_if_present(action.issue_key, COMMENT_MARKER, action.text)
                case "add_label":
                    result = writer.update_labels(action.issue_key, add=[action.text])
                case "remove_label":
                    result = writer.update_labels(action.issue_key, remove=[action.text])
                case "transition":
                    result = writer.transition_to(action.issue_key, action.text)
                case _:
                    raise ValueError(f"unknown action {action.kind}")
            out.append(Applied(action, result))
        except AtlassianError as exc:
            log.warning("%s on %s failed: %s", action.kind, action.issue_key, exc)
            out.append(Applied(action, None, str(exc)))
    return out


@dataclass
class Enforcement:
    """What one evaluation led to: the results, the planned actions, what applying them did."""

    results: Any
    actions: list[Action]
    applied: list[Applied]
    held_back: list[str]  # issues whose actions the hourly limit stopped


def enforce(runtime: Any, facts: Any, targets: list[str], *, trigger: str, dry_run: bool = False,
            now: datetime | None = None, action_limit: int | None = None) -> Enforcement:
    """Evaluate every rule on ``targets``, plan the actions, apply them (unless ``dry_run``) and audit it all."""
    from pmokit.store.audit import actions_since, record_actions, record_approvals, record_results, ruleset_hash
    from rules.actions import GAP_LABEL, plan, revert_targets
    from rules.engine import evaluate

    settings = runtime.settings
    now = now or datetime.now(UTC)
    results = evaluate(list(settings.rules), facts, None, now, language=settings.language, settings=settings,
                       issue_keys=targets)
    flagged = {key for key, issue in facts.issues.items() if GAP_LABEL in issue.labels}
    actions = plan(results, targets, language=settings.language, revert_to=revert_targets(settings),
                   flagged=flagged)
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
    ruleset = ruleset_hash(settings)
    project_of = {key: issue.project_key for key, issue in facts.issues.items()}
    gates = [r for r in settings.rules if r.kind == "gate"]
    with runtime.sessions.begin() as session:
        record_results(session, results, trigger=trigger, ruleset=ruleset, now=now)
        record_actions(session, applied, trigger=trigger, ruleset=ruleset, project_of=project_of, now=now)
        record_approvals(session, facts, gates, trigger=trigger, ruleset=ruleset, now=now)
    return Enforcement(results, actions, applied, held_back)
