"""Applying enforcement actions through the connector: idempotent, and one failing action stops nothing."""

from __future__ import annotations

import logging
from dataclasses import dataclass

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
