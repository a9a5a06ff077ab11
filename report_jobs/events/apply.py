"""Applying enforcement actions through the connector's writer: each kind's write is its row of
``rules.actions.ACTIONS``; every write is idempotent, and one failing action stops none of the others."""

from __future__ import annotations

import logging
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


def apply(actions: list[Action], writer: JiraWrites) -> list[Applied]:
    out = []
    for action in actions:
        try:
            out.append(Applied(action, ACTIONS[action.kind].apply(writer, action)))
        except Unreachable as exc:
            log.warning("%s on %s cannot be done: %s", action.kind, action.issue_key, exc)
            out.append(Applied(action, None, str(exc), final=True))
        except AtlassianError as exc:
            log.warning("%s on %s failed: %s", action.kind, action.issue_key, exc)
            out.append(Applied(action, None, str(exc)))
    return out
