"""From results to the actions enforcement takes — pure, so `--dry-run` shows exactly what would happen.

Per issue: one pmokit comment listing the gaps of its `flag` and `revert` rules (with the fix for each), updated
in place; the gap label while there are gaps, removed when there are none (and the comment then says so, if it
exists); and for a `revert` gate the project went past without passing, a transition back to the gate's first
phase. Rules in `audit` and results in their grace period are recorded, not enforced.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from .results import Result

COMMENT_MARKER = "compliance"
GAP_LABEL = "pmo-gap"


@dataclass(frozen=True)
class Action:
    kind: str  # comment | clear_comment | add_label | remove_label | transition
    issue_key: str
    text: str = ""  # comment text, label, or target status
    reason: str = ""

    def describe(self) -> str:
        match self.kind:
            case "comment":
                return f"{self.issue_key}: comment (created or updated in place):\n" + _indent(self.text)
            case "clear_comment":
                return f"{self.issue_key}: update pmokit's comment, if there is one:\n" + _indent(self.text)
            case "add_label" | "remove_label":
                return f"{self.issue_key}: {self.kind.replace('_', ' ')} '{self.text}'"
            case _:
                return f"{self.issue_key}: transition back to '{self.text}' ({self.reason})"


def _indent(text: str) -> str:
    return "\n".join(f"    {line}" for line in text.splitlines())


def comment_text(issue_key: str, gaps: Sequence[Result], language: str = "en",
                 next_gates: Sequence[Result] = ()) -> str:
    zh = language == "zh"
    lines = []
    if gaps:
        lines.append(f"h3. pmokit：{len(gaps)} 项不符合 PMO 规范" if zh
                     else f"h3. pmokit: {len(gaps)} gap{'s' if len(gaps) != 1 else ''} against the PMO standard")
        for result in gaps:
            lines.append(f"* *{result.rule_id}* ({result.severity.value}): {result.message}"
                         + (f" — {result.fix}" if result.fix else ""))
    else:
        lines.append("h3. pmokit：符合 PMO 规范 ✓" if zh else "h3. pmokit: meets the PMO standard ✓")
    for gate in next_gates:
        lines.append(("h4. 下一个阶段门：" if zh else "h4. Next gate: ") + gate.message)
        lines.extend(f"* {item}" for item in gate.missing)
        if gate.fix:
            lines.append(gate.fix)
    lines.append("此评论由 pmokit 自动更新。" if zh else "This comment updates itself as the issue changes.")
    return "\n".join(lines)


def clear_text(language: str = "en") -> str:
    return ("h3. pmokit：符合 PMO 规范 ✓\n此评论由 pmokit 自动更新。" if language == "zh"
            else "h3. pmokit: meets the PMO standard ✓\nThis comment updates itself as the issue changes.")


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
            actions.append(Action("comment", key, comment_text(key, gaps, language, upcoming)))
            actions.append(Action("add_label", key, GAP_LABEL))
        elif upcoming:
            actions.append(Action("comment", key, comment_text(key, [], language, upcoming)))
            actions.append(Action("remove_label", key, GAP_LABEL))
        elif flagged is None or key in flagged:
            # Compliant now: say so where pmokit said otherwise before; nothing at all on other issues.
            actions.append(Action("clear_comment", key, clear_text(language)))
            actions.append(Action("remove_label", key, GAP_LABEL))
        # One phase back at a time: to the start of the latest gate the project went past without passing.
        targets = revert_to or {}
        breached = [r for r in gaps if r.enforcement == "revert" and r.past_gate and r.rule_id in targets]
        if breached:
            latest = max(breached, key=lambda r: list(targets).index(r.rule_id))
            actions.append(Action("transition", key, targets[latest.rule_id], f"{latest.rule_id}: {latest.message}"))
    return actions


def revert_targets(settings: Any) -> dict[str, str]:
    """For each gate: the first status of its first phase (where a project goes back to)."""
    phases = {p.id: p for p in getattr(settings, "phases", [])}
    out = {}
    for rule in getattr(settings, "rules", []):
        if rule.kind == "gate" and rule.from_phase in phases and phases[rule.from_phase].statuses:
            out[rule.id] = phases[rule.from_phase].statuses[0]
    return out
