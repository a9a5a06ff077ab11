"""Applying enforcement actions through the connector's writer: each kind's write is its row of
``rules.actions.ACTIONS``; every write is idempotent, and one failing action stops none of the others."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from connector.errors import AtlassianError, Unreachable
from rules.actions import ACTIONS, Action, JiraWrites, WriteOutcome

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Applied:
    action: Action
    result: WriteOutcome | None
    error: str = ""
    final: bool = False  # the error is the site's answer (a move the workflow does not allow): not retried

    @property
    def changed(self) -> bool:
        return self.result is not None and self.result.changed

    @property
    def outcome(self) -> str:
        """The error, else what the write did (created, updated, unchanged, …)."""
        return self.error or (self.result.action if self.result else "")

    # What the audit reads of the action.
    @property
    def issue_key(self) -> str:
        return self.action.issue_key

    @property
    def kind(self) -> str:
        return self.action.kind.value

    @property
    def text(self) -> str:
        return self.action.text

    @property
    def reason(self) -> str:
        return self.action.reason

    @property
    def summary(self) -> str:
        return self.action.describe().splitlines()[0]


def apply(actions: list[Action], writer: JiraWrites, in_flight: int = 1) -> list[Applied]:
    """Apply ``actions`` (their results in the same order). The actions of one issue are applied one after
    another, in order (a label after the comment that explains it, a move last); up to ``in_flight`` issues'
    actions at once, so the writes wait for Jira's latency side by side rather than one behind the other."""
    by_issue: dict[str, list[int]] = {}
    for index, action in enumerate(actions):
        by_issue.setdefault(action.issue_key, []).append(index)
    out: list[Applied | None] = [None] * len(actions)

    def issue_writes(indexes: list[int]) -> None:
        for index in indexes:
            out[index] = _apply_one(actions[index], writer)

    if in_flight <= 1 or len(by_issue) <= 1:
        for indexes in by_issue.values():
            issue_writes(indexes)
    else:
        with ThreadPoolExecutor(min(in_flight, len(by_issue)), thread_name_prefix="pmokit-write") as pool:
            for future in [pool.submit(issue_writes, indexes) for indexes in by_issue.values()]:
                future.result()
    return [applied for applied in out if applied is not None]


def _apply_one(action: Action, writer: JiraWrites) -> Applied:
    try:
        return Applied(action, ACTIONS[action.kind].apply(writer, action))
    except Unreachable as exc:
        log.warning("%s on %s cannot be done: %s", action.kind, action.issue_key, exc)
        return Applied(action, None, str(exc), final=True)
    except AtlassianError as exc:
        log.warning("%s on %s failed: %s", action.kind, action.issue_key, exc)
        return Applied(action, None, str(exc))
