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
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from config.language import Words
from pmokit.records import Block, Decision, RichText, Span

from .gates import Placement
from .results import Result

COMMENT_MARKER = "compliance"
GAP_LABEL = "pmo-gap"


class ActionKind(StrEnum):
    COMMENT = "comment"  # pmokit's one comment on the issue, created or updated in place
    CLEAR_COMMENT = "clear_comment"  # the comment, where there is one, says the issue meets the standard
    REMOVE_COMMENT = "remove_comment"  # the comment, where there is one, is deleted (`when_compliant: remove`)
    ADD_LABEL = "add_label"
    REMOVE_LABEL = "remove_label"
    TRANSITION = "transition"  # back to a gate's first phase


@dataclass(frozen=True)
class Action:
    kind: ActionKind
    issue_key: str
    text: str = ""  # comment text (its wiki form), label, or target status
    reason: str = ""
    doc: RichText | None = None  # the comment as rich text (ADF on Cloud)
    via: tuple[str, ...] = ()  # a move: statuses it may pass on the way, best first
    fields: Mapping[str, object] = field(default_factory=dict)  # a move: fields its last step sets
    # What pmokit already knows, so the write needs no read first: its comment's id (it wrote it), the
    # issue's labels (it has just read the issue).
    comment_id: str = ""
    labels: tuple[str, ...] | None = None

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

    def upsert_comment(self, key: str, name: str, text: str, doc: RichText | None = None, *,
                       comment_id: str | None = None) -> WriteOutcome: ...
    def update_comment_if_present(self, key: str, name: str, text: str, doc: RichText | None = None, *,
                                  comment_id: str | None = None) -> WriteOutcome: ...
    def delete_comment(self, key: str, name: str, *, comment_id: str | None = None) -> WriteOutcome: ...
    def update_labels(self, key: str, add: tuple[str, ...] | list[str] = (),
                      remove: tuple[str, ...] | list[str] = (), *,
                      labels: Collection[str] | None = None) -> WriteOutcome: ...
    def transition_to(self, key: str, status: str, *, via: Sequence[str] = (),
                      fields: Mapping[str, object] | None = None) -> WriteOutcome: ...


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
        lambda w, a: w.upsert_comment(a.issue_key, COMMENT_MARKER, a.text, a.doc, comment_id=a.comment_id or None),
        "comment"),
    ActionKind.CLEAR_COMMENT: ActionType(
        lambda a: f"{a.issue_key}: update pmokit's comment, if there is one:\n" + _indent(a.text),
        lambda w, a: w.update_comment_if_present(a.issue_key, COMMENT_MARKER, a.text, a.doc,
                                                 comment_id=a.comment_id or None), "comment"),
    ActionKind.REMOVE_COMMENT: ActionType(
        lambda a: f"{a.issue_key}: delete pmokit's comment, if there is one (it meets the standard)",
        lambda w, a: w.delete_comment(a.issue_key, COMMENT_MARKER, comment_id=a.comment_id or None), "comment"),
    ActionKind.ADD_LABEL: ActionType(
        lambda a: f"{a.issue_key}: add label '{a.text}'",
        lambda w, a: w.update_labels(a.issue_key, add=[a.text], labels=a.labels), "label"),
    ActionKind.REMOVE_LABEL: ActionType(
        lambda a: f"{a.issue_key}: remove label '{a.text}'",
        lambda w, a: w.update_labels(a.issue_key, remove=[a.text], labels=a.labels), "label"),
    ActionKind.TRANSITION: ActionType(
        lambda a: f"{a.issue_key}: move to '{a.text}'" + (f" (by way of {', '.join(a.via)})" if a.via else "")
        + f" ({a.reason})",
        lambda w, a: w.transition_to(a.issue_key, a.text, via=a.via, fields=a.fields), "status"),
}


SEVERITY_COLOURS = {"blocker": "red", "error": "red", "warning": "yellow", "info": "blue"}


@dataclass(frozen=True)
class Comment:
    """What pmokit's comment on one issue says: a pure function of the issue's evaluation."""

    gaps: Sequence[Result] = ()  # enforced failures (breaches of passed gates among them)
    decisions: Sequence[Result] = ()  # decisions that stop the project: on hold, killed
    next_gates: Sequence[Result] = ()  # the gate ahead, and what it still needs
    answers: Sequence[Decision] = ()  # commands pmokit could not take, with the reason
    notes: Sequence[str] = ()  # what pmokit could not do (a move the workflow does not allow)

    @property
    def says_something(self) -> bool:
        return bool(self.gaps or self.decisions or self.next_gates or self.answers or self.notes)

    def reason(self) -> str:
        """Why the comment reads as it does, in one line for the audit."""
        parts = [f"{label}: {', '.join(r.rule_id for r in results)}" for label, results in (
            ("gaps", self.gaps), ("decisions", self.decisions), ("gate ahead", self.next_gates)) if results]
        if self.answers:
            parts.append(f"{len(self.answers)} command(s) answered")
        if self.notes:
            parts.append(f"{len(self.notes)} thing(s) pmokit could not do")
        return "; ".join(parts) or "meets the PMO standard"


def render(comment: Comment, language: str = "en") -> RichText:
    t = Words(language)
    blocks: list[Block] = []
    if comment.gaps:
        count = len(comment.gaps)
        blocks.append(_heading(3, t(f"pmokit: {count} gap{'s' if count != 1 else ''} against the PMO standard",
                                    f"pmokit：{count} 项不符合 PMO 规范")))
        blocks.append(Block("bullets", items=tuple(_result_line(r) for r in comment.gaps)))
    elif comment.decisions:  # stopped by the PMO: say that first, not that all is well
        stop = comment.decisions[0]
        words = DECISION_WORDS.get(stop.decision, (stop.decision, stop.decision))
        blocks.append(_heading(3, t(f"pmokit: {words[0]} at {stop.rule_id} by decision of the PMO",
                                    f"pmokit：PMO 已决定在 {stop.rule_id} {words[1]}")))
    else:
        blocks.append(_heading(3, t("pmokit: meets the PMO standard ✓", "pmokit：符合 PMO 规范 ✓")))
    if comment.decisions:
        blocks.append(_heading(4, t("Decisions", "决策")))
        blocks.append(Block("bullets", items=tuple(
            (Span(DECISION_WORDS.get(r.decision, ("", ""))[0 if t.language == "en" else 1] or r.decision,
                  colour="red" if r.decision == "kill" else "yellow"), Span(" "), Span(r.rule_id, bold=True),
             Span(f": {r.message}" + (f" — {r.fix}" if r.fix else ""))) for r in comment.decisions)))
    for gate in comment.next_gates:
        blocks.append(_heading(4, t("Next gate: ", "下一个阶段门：") + gate.message))
        if gate.missing:
            blocks.append(Block("bullets", items=tuple((Span(item),) for item in gate.missing)))
        if gate.fix:
            blocks.append(Block("paragraph", (Span(gate.fix),)))
    if comment.answers:
        blocks.append(_heading(4, t("Commands not taken", "未执行的指令")))
        blocks.append(Block("bullets", items=tuple(
            (Span(_written(d), code=True), Span(f" ({d.author_name or d.author}): {d.answer}"))
            for d in comment.answers)))
    if comment.notes:
        blocks.append(_heading(4, t("What pmokit could not do", "pmokit 未能完成")))
        blocks.append(Block("bullets", items=tuple((Span(note),) for note in comment.notes)))
    blocks.append(Block("paragraph", (Span(t("This comment updates itself as the issue changes.",
                                             "此评论由 pmokit 自动更新。")),)))
    return RichText(tuple(blocks))


DECISION_WORDS = {"hold": ("on hold", "暂停"), "kill": ("killed", "终止")}


def _heading(level: int, text: str) -> Block:
    return Block("heading", (Span(text),), level)


def _result_line(result: Result) -> tuple[Span, ...]:
    return (Span(result.rule_id, bold=True), Span(" "),
            Span(result.severity.value, colour=SEVERITY_COLOURS.get(result.severity.value, "grey")),
            Span(f" {result.message}" + (f" — {result.fix}" if result.fix else "")))


def _written(decision: Decision) -> str:
    return " ".join(part for part in ("/pmo", decision.verb, decision.gate) if part)


def comment_text(issue_key: str, gaps: Sequence[Result], language: str = "en",
                 next_gates: Sequence[Result] = ()) -> str:
    """The wiki form of the comment for ``gaps`` and ``next_gates`` (the dry run shows it; pmokit remembers it)."""
    return render(Comment(gaps, (), next_gates), language).wiki()


def clear_text(language: str = "en") -> str:
    return render(Comment(), language).wiki()


def split(results: Iterable[Result]) -> tuple[list[Result], list[Result], list[Result]]:
    """An issue's enforced results as (gaps, decisions, gates ahead): the gate ahead of a project is what it
    needs to move on, not a gap; a passed gate's breach is a gap; a hold or a kill is the PMO's decision."""
    enforced = [r for r in results if r.enforcement in ("flag", "revert") and not r.in_grace and r.failing]
    decisions = [r for r in enforced if r.decision in ("hold", "kill")]
    upcoming = [r for r in enforced if r.kind == "gate" and not r.past_gate and not r.breach and r not in decisions]
    gaps = sorted((r for r in enforced if r not in upcoming and r not in decisions),
                  key=lambda r: (-r.severity.weight, r.rule_id))
    return gaps, decisions, upcoming


def plan(results: Iterable[Result], issue_keys: Iterable[str], *, language: str = "en",
         placements: Mapping[str, Placement] | None = None, answers: Mapping[str, Sequence[Decision]] | None = None,
         notes: Mapping[str, Sequence[str]] | None = None, known: Mapping[str, str] | None = None,
         flagged: set[str] | None = None, when_compliant: str = "say") -> list[Action]:
    """Actions for ``issue_keys`` given their results: the comment as it should read now (written where it
    differs from what pmokit knows is there), the gap label, and the move a placement asks for.

    ``known``: issue key -> the text pmokit last wrote as its comment there (None: unknown, so a compliant issue
    gets a clearing that writes only where a comment exists). ``when_compliant``: ``say`` (the comment says the
    issue meets the standard) or ``remove`` (the comment is deleted). ``flagged``: issues known to carry the gap label
    (None: unknown, so the label is removed everywhere there is nothing to say). Applying an action is
    idempotent, so a plan may be applied again with no further change."""
    by_issue: defaultdict[str, list[Result]] = defaultdict(list)
    for result in results:
        by_issue[result.issue_key].append(result)
    actions: list[Action] = []
    for key in dict.fromkeys(issue_keys):
        gaps, decisions, upcoming = split(by_issue.get(key, []))
        comment = Comment(gaps, decisions, upcoming, tuple((answers or {}).get(key, ())),
                          tuple((notes or {}).get(key, ())))
        doc = render(comment, language)
        text = doc.wiki()
        remembered = None if known is None else known.get(key)
        why = comment.reason()
        if comment.says_something:
            if remembered != text:
                actions.append(Action(ActionKind.COMMENT, key, text, why, doc=doc))
        elif when_compliant == "remove":
            if known is None or remembered is not None:  # compliant now: the comment goes, where there is one
                actions.append(Action(ActionKind.REMOVE_COMMENT, key, "", why))
        elif known is None or (remembered is not None and remembered != text):
            # Compliant now: say so where pmokit said otherwise before; nothing at all on other issues.
            actions.append(Action(ActionKind.CLEAR_COMMENT, key, text, why, doc=doc))
        if gaps:
            if flagged is None or key not in flagged:
                actions.append(Action(ActionKind.ADD_LABEL, key, GAP_LABEL, why))
        elif flagged is None or key in flagged:
            actions.append(Action(ActionKind.REMOVE_LABEL, key, GAP_LABEL, "no gaps"))
        place = (placements or {}).get(key)
        if place is not None:
            actions.append(Action(ActionKind.TRANSITION, key, place.status, place.reason, via=place.via,
                                  fields=place.fields))
    return actions
