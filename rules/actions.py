"""From results to the actions enforcement takes — pure, so `--dry-run` shows exactly what would happen.

Per issue: one pmokit comment listing the gaps of its `flag` and `revert` rules (with the fix for each), updated
in place; the gap label while there are gaps, removed when there are none (and the comment then says so, if it
exists); and for a `revert` gate the project went past without passing, a transition back to the gate's first
phase. Rules in `audit` and results in their grace period are recorded, not enforced.

Every kind of action is one row of :data:`ACTIONS`: how it reads in a dry run and the audit, and which write it
is (through :class:`JiraWrites`, which the connector's writer provides: this module performs no I/O itself).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from config.language import Words

from .results import Result

COMMENT_MARKER = "compliance"
GAP_LABEL = "pmo-gap"


class ActionKind(StrEnum):
    COMMENT = "comment"  # pmokit's one comment on the issue, created or updated in place
    CLEAR_COMMENT = "clear_comment"  # the comment, where there is one, says the issue meets the standard
    ADD_LABEL = "add_label"
    REMOVE_LABEL = "remove_label"
    TRANSITION = "transition"  # back to a gate's first phase


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    issue_key: str
    text: str = ""  # comment text, label, or target status
    reason: str = ""

    def describe(self) -> str:
        return ACTIONS[self.kind].describe(self)


class WriteOutcome(Protocol):
    """What a write reports: what it did (``created``, ``updated``, ``unchanged``, …) and whether it changed."""

    @property
    def action(self) -> str: ...

    @property
    def changed(self) -> bool: ...


class JiraWrites(Protocol):
    """The writes actions need (``connector.jira_writer.JiraWriter``); each is idempotent."""

    def upsert_comment(self, key: str, name: str, text: str) -> WriteOutcome: ...
    def update_comment_if_present(self, key: str, name: str, text: str) -> WriteOutcome: ...
    def update_labels(self, key: str, add: tuple[str, ...] | list[str] = (),
                      remove: tuple[str, ...] | list[str] = ()) -> WriteOutcome: ...
    def transition_to(self, key: str, status: str) -> WriteOutcome: ...


@dataclass(frozen=True)
class ActionType:
    describe: Callable[[Action], str]
    apply: Callable[[JiraWrites, Action], WriteOutcome]
    touches: str  # what of the issue it changes: comment | label | status


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


ACTIONS: dict[ActionKind, ActionType] = {
    ActionKind.COMMENT: ActionType(
        lambda a: f"{a.issue_key}: comment (created or updated in place):\n" + _indent(a.text),
        lambda w, a: w.upsert_comment(a.issue_key, COMMENT_MARKER, a.text), "comment"),
    ActionKind.CLEAR_COMMENT: ActionType(
        lambda a: f"{a.issue_key}: update pmokit's comment, if there is one:\n" + _indent(a.text),
        lambda w, a: w.update_comment_if_present(a.issue_key, COMMENT_MARKER, a.text), "comment"),
    ActionKind.ADD_LABEL: ActionType(
        lambda a: f"{a.issue_key}: add label '{a.text}'",
        lambda w, a: w.update_labels(a.issue_key, add=[a.text]), "label"),
    ActionKind.REMOVE_LABEL: ActionType(
        lambda a: f"{a.issue_key}: remove label '{a.text}'",
        lambda w, a: w.update_labels(a.issue_key, remove=[a.text]), "label"),
    ActionKind.TRANSITION: ActionType(
        lambda a: f"{a.issue_key}: transition back to '{a.text}' ({a.reason})",
        lambda w, a: w.transition_to(a.issue_key, a.text), "status"),
}


def comment_text(issue_key: str, gaps: Sequence[Result], language: str = "en",
                 next_gates: Sequence[Result] = ()) -> str:
    t = Words(language)
    lines = []
    if gaps:
        count = len(gaps)
        lines.append(t(f"h3. pmokit: {count} gap{'s' if count != 1 else ''} against the PMO standard",
                       f"h3. pmokit：{count} 项不符合 PMO 规范"))
        for result in gaps:
            lines.append(f"* *{result.rule_id}* ({result.severity.value}): {result.message}"
                         + (f" — {result.fix}" if result.fix else ""))
    else:
        lines.append(t("h3. pmokit: meets the PMO standard ✓", "h3. pmokit：符合 PMO 规范 ✓"))
    for gate in next_gates:
        lines.append(t("h4. Next gate: ", "h4. 下一个阶段门：") + gate.message)
        lines.extend(f"* {item}" for item in gate.missing)
        if gate.fix:
            lines.append(gate.fix)
    lines.append(t("This comment updates itself as the issue changes.", "此评论由 pmokit 自动更新。"))
    return "\n".join(lines)


def clear_text(language: str = "en") -> str:
    return comment_text("", [], language)


def plan(results: Iterable[Result], issue_keys: Iterable[str], *, language: str = "en",
         revert_to: dict[str, str] | None = None, flagged: set[str] | None = None) -> list[Action]:
    """Actions for ``issue_keys`` given their results. ``revert_to``: rule id of a gate -> status to return to.
    ``flagged``: issues known to carry the gap label (None: unknown, so clearing is planned for every issue).
    Applying an action is idempotent, so a plan may be applied again with no further change."""
    by_issue: defaultdict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_issue[result.issue_key].append(result)
    actions: list[Action] = []
    for key in issue_keys:
        enforced = [r for r in by_issue.get(key, []) if r.enforcement in ("flag", "revert") and not r.in_grace]
        # The gate ahead of a project is what it needs to move on, not a breach: shown, not flagged.
        upcoming = [r for r in enforced if r.kind == "gate" and r.failing and not r.past_gate]
        gaps = sorted((r for r in enforced if r.failing and r not in upcoming),
                      key=lambda r: (-r.severity.weight, r.rule_id))
        if gaps:
            actions.append(Action(ActionKind.COMMENT, key, comment_text(key, gaps, language, upcoming)))
            actions.append(Action(ActionKind.ADD_LABEL, key, GAP_LABEL))
        elif upcoming:
            actions.append(Action(ActionKind.COMMENT, key, comment_text(key, [], language, upcoming)))
            actions.append(Action(ActionKind.REMOVE_LABEL, key, GAP_LABEL))
        elif flagged is None or key in flagged:
            # Compliant now: say so where pmokit said otherwise before; nothing at all on other issues.
            actions.append(Action(ActionKind.CLEAR_COMMENT, key, clear_text(language)))
            actions.append(Action(ActionKind.REMOVE_LABEL, key, GAP_LABEL))
        # One phase back at a time: to the start of the latest gate the project went past without passing.
        targets = revert_to or {}
        breached = [r for r in gaps if r.enforcement == "revert" and r.past_gate and r.rule_id in targets]
        if breached:
            latest = max(breached, key=lambda r: list(targets).index(r.rule_id))
            actions.append(Action(ActionKind.TRANSITION, key, targets[latest.rule_id],
                                  f"{latest.rule_id}: {latest.message}"))
    return actions
