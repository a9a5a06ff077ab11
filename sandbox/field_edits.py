"""Changing an issue's fields as Jira's create, edit and transition requests do (``fields`` and the ``labels``
operations of ``update``), returning the changelog items of what changed."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Response

from . import rich_text
from .histories import make_item
from .model import SIssue
from .responses import error, site

MAX_LABEL = 255


def _bad_labels(labels: list[str]) -> Response | None:
    """Jira's 400 for a label it refuses (its ``LabelParser``: no space, at most 255 characters), else None."""
    for label in labels:
        if " " in label:
            return error(400, "", labels=f"The label '{label}' contains spaces which is invalid.")
        if len(label) > MAX_LABEL:
            return error(400, "", labels=f"The label '{label}' exceeds the maximum length for a single label of "
                                         f"{MAX_LABEL} characters.")
    return None


def _labels_given(fields: dict[str, Any], update: dict[str, Any]) -> list[str]:
    """Every label a request sets or adds."""
    given: list[str] = []
    for name, value in fields.items():
        field = site().state.field_by_name(name)
        if field is not None and field.id == "labels" and isinstance(value, list):
            given.extend(str(v) for v in value)
    for operation in (update or {}).get("labels", []):
        for verb, label in (operation.items() if isinstance(operation, dict) else ()):
            if verb == "add":
                given.append(str(label))
            elif verb == "set" and isinstance(label, list):
                given.extend(str(v) for v in label)
    return given


def cannot_set(name: str) -> Response:
    return error(400, "", **{name: f"Field '{name}' cannot be set. It is not on the appropriate screen, or unknown."})


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _s(value: Any) -> str | None:
    return None if value is None else str(value)


def _user_ref(value: Any) -> str | None:
    if not isinstance(value, dict):
        return None
    user = site().state.user(value.get("accountId") or value.get("name") or value.get("key") or value.get("id"))
    return user.account_id if user else None


def apply(version: str, issue: SIssue, fields: dict[str, Any], update: dict[str, Any]
          ) -> list[dict[str, Any]] | Response:
    """Change fields; return the changelog items (empty when nothing changed), or Jira's 400."""
    state = site().state
    refused = _bad_labels(_labels_given(fields, update))
    if refused is not None:  # before anything changes
        return refused
    items: list[dict[str, Any]] = []
    for name, value in fields.items():
        field = state.field_by_name(name)
        if field is None:
            return cannot_set(name)
        fid = field.id
        if fid == "summary":
            if not isinstance(value, str) or not value.strip():
                return error(400, "", summary="You must specify a summary of the issue.")
            if value != issue.summary:
                items.append(make_item("summary", "summary", None, issue.summary, None, value))
                issue.summary = value
        elif fid == "description":
            text = rich_text.read(version, value, "description")
            if isinstance(text, Response):
                return text
            if text != issue.description:
                items.append(make_item("description", "description", None, issue.description, None, text))
                issue.description = text
        elif fid == "labels":
            labels = [str(v) for v in value or []]
            if labels != issue.labels:
                items.append(make_item("labels", "labels", None, " ".join(issue.labels), None, " ".join(labels)))
                issue.labels = labels
        elif fid == "assignee":
            account = _user_ref(value) if value else None
            if value and account is None:
                return error(400, "", assignee="User does not exist or you do not have permission to see it.")
            if account != issue.assignee:
                before, after = state.users.get(issue.assignee or ""), state.users.get(account or "")
                items.append(make_item("assignee", "assignee", issue.assignee, before.display_name if before else None,
                                       account, after.display_name if after else None))
                issue.assignee = account
        elif fid == "duedate":
            new = date.fromisoformat(value) if value else None
            if new != issue.duedate:
                items.append(make_item("duedate", "duedate", _iso(issue.duedate), _iso(issue.duedate), _iso(new),
                                       _iso(new)))
                issue.duedate = new
        elif fid == "priority":
            name_ = (value or {}).get("name") if isinstance(value, dict) else value
            if name_ and name_ != issue.priority:
                items.append(make_item("priority", "priority", None, issue.priority, None, name_))
                issue.priority = name_
        elif fid == "parent":
            parent = state.issue((value or {}).get("key") or (value or {}).get("id") or "") if value else None
            new_parent = parent.id if parent else None
            if new_parent != issue.parent:
                items.append(make_item("Parent", "parent", None, None, str(new_parent) if new_parent else None,
                                       parent.key if parent else None))
                issue.parent = new_parent
        elif field.custom:
            plain = value.get("value") if isinstance(value, dict) and "value" in value else value
            if plain != issue.custom.get(fid):
                items.append(make_item(field.name, fid, None, _s(issue.custom.get(fid)), None, _s(plain), custom=True))
                if plain is None:
                    issue.custom.pop(fid, None)
                else:
                    issue.custom[fid] = plain
        else:
            return cannot_set(name)
    for operation in (update or {}).get("labels", []):
        labels = list(issue.labels)
        for verb, label in operation.items():
            if verb == "add" and label not in labels:
                labels.append(str(label))
            elif verb == "remove" and label in labels:
                labels.remove(label)
            elif verb == "set":
                labels = [str(v) for v in label]
        if labels != issue.labels:
            items.append(make_item("labels", "labels", None, " ".join(issue.labels), None, " ".join(labels)))
            issue.labels = labels
    return items
