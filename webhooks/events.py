"""What a Jira webhook says, in pmokit's terms: which issue, who did it, and which rule triggers it touches.

Pure: a payload (a dict) in, an :class:`Event` or an :class:`Ignored` with the reason out. Handles Jira Cloud and
Server/Data Center shapes: ``jira:issue_*`` events (with or without ``issue_event_type_name``; Server puts its
comment events inside ``jira:issue_updated``), ``comment_*`` events (Cloud sends a trimmed issue, Server only
the comment, whose ``self`` URL names the issue), and users by ``accountId`` or by ``name``/``key``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from rules.registry import COMMENT, CREATED, DELETED, FIELD_CHANGE, LINK, TRANSITION

# The events pmokit acts on (``classify`` below ignores every other): a webhook registered for pmokit sends these.
HANDLED_EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created",
                  "comment_updated", "comment_deleted")
# Changelog fields (as Jira names them) and the rule trigger a change of them is.
TRANSITION_FIELDS = {"status", "resolution", "workflow"}
LINK_FIELDS = {"link", "remoteissuelink", "attachment", "parent", "epic link", "epic child", "parent link"}
COMMENT_TYPES = {"issue_commented", "issue_comment_edited", "issue_comment_deleted"}
TRANSITION_TYPES = {"issue_generic", "issue_resolved", "issue_closed", "issue_reopened", "issue_work_started",
                    "issue_work_stopped", "issue_moved"}
ISSUE_IN_URL = re.compile(r"/issue/(\d+)/comment/")
# The events :func:`classify` acts on: what `pmokit webhook register` asks Jira to send (Data Center also wraps
# comment events in jira:issue_updated, which is among them).
HANDLED_EVENTS = ("jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created",
                  "comment_updated", "comment_deleted")


@dataclass(frozen=True)
class Event:
    webhook_event: str
    issue_id: str
    issue_key: str  # "" when the payload does not carry it (Server comment events)
    actor: str  # accountId, else name or key, else ""
    triggers: tuple[str, ...]  # rule triggers, or ("deleted",)
    comment: str = ""  # the comment's text for comment events: approvals are read from it
    changed: tuple[str, ...] = field(default=())  # changelog fields, for the record

    @property
    def project_key(self) -> str:
        return self.issue_key.rsplit("-", 1)[0] if "-" in self.issue_key else ""


@dataclass(frozen=True)
class Ignored:
    reason: str


@dataclass(frozen=True)
class Invalid:
    """A body that names an issue in a way Jira never would: a 400, not an event."""

    reason: str


# A Jira issue key: a project key (letters first, then letters, digits or underscores; Data Center admins may
# widen the pattern, so case and length are not held to Cloud's rules) and an issue number.
ISSUE_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,254}-[1-9][0-9]{0,18}")


def is_issue_id(text: str) -> bool:
    """A Jira issue id: ASCII digits, at most 19 (a Java ``long`` in Jira's API; the inbox keeps 32 characters,
    and PostgreSQL refuses more: the receiver would answer 503 for ever). ``str.isdigit()`` alone also takes
    superscripts such as "²³", which ``int()`` refuses, and other scripts' digits."""
    return text.isascii() and text.isdigit() and len(text) <= 19


def _user_id(user: Any) -> str:
    if not isinstance(user, dict):
        return ""
    for key in ("accountId", "name", "key"):
        if isinstance(user.get(key), str) and user[key]:
            return user[key]
    return ""


def _text(value: Any) -> str:
    """A comment body: a wiki string (Server, REST v2) or ADF (Cloud v3), as plain text."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        if value.get("type") == "text" and isinstance(value.get("text"), str):
            return value["text"]
        parts = [_text(child) for child in value.get("content") or [] if isinstance(child, dict | str)]
        return ("\n" if value.get("type") in ("doc",) else "").join(parts)
    return ""


def _changed(payload: dict[str, Any]) -> tuple[str, ...]:
    changelog = payload.get("changelog")
    items = changelog.get("items") if isinstance(changelog, dict) else None
    if not isinstance(items, list):
        return ()
    return tuple(str(item.get("field", "")).casefold() for item in items if isinstance(item, dict))


def _triggers_of_update(payload: dict[str, Any], changed: tuple[str, ...]) -> tuple[str, ...]:
    found: set[str] = set()
    for name in changed:
        found.add(TRANSITION if name in TRANSITION_FIELDS else LINK if name in LINK_FIELDS else FIELD_CHANGE)
    type_name = payload.get("issue_event_type_name")
    type_name = type_name if isinstance(type_name, str) else ""
    if type_name in COMMENT_TYPES or isinstance(payload.get("comment"), dict):
        found.add(COMMENT)
    if type_name in TRANSITION_TYPES and not changed:
        found.add(TRANSITION)
    if not found:
        # An update that says nothing about what changed (old Server payloads): assume any field.
        found.add(FIELD_CHANGE)
    return tuple(sorted(found))


def changed_comment(payload: Any) -> str | None:
    """The id of the comment an event says was edited or deleted (``""`` when it does not say which); None for
    any other event. pmokit forgets what it knows of its own comment when someone else changes it."""
    if not isinstance(payload, dict):
        return None
    name, type_name = payload.get("webhookEvent"), payload.get("issue_event_type_name")
    if name not in ("comment_updated", "comment_deleted") and not (
            name == "jira:issue_updated" and type_name in ("issue_comment_edited", "issue_comment_deleted")):
        return None
    comment = payload.get("comment")
    comment_id = comment.get("id") if isinstance(comment, dict) else None
    return str(comment_id) if isinstance(comment_id, str | int) and not isinstance(comment_id, bool) else ""


def classify(payload: Any) -> Event | Ignored | Invalid:
    if not isinstance(payload, dict):
        return Ignored("the body is not a JSON object")
    name = payload.get("webhookEvent")
    if not isinstance(name, str) or not name:
        return Ignored("no webhookEvent in the body")
    issue: dict[str, Any] = payload["issue"] if isinstance(payload.get("issue"), dict) else {}
    comment: dict[str, Any] | None = payload["comment"] if isinstance(payload.get("comment"), dict) else None
    issue_id = str(issue.get("id") or "")
    issue_key: str = issue["key"] if isinstance(issue.get("key"), str) else ""
    if not issue_id and comment is not None:
        match = ISSUE_IN_URL.search(str(comment.get("self") or ""))
        issue_id = match[1] if match else ""
    if not issue_id:
        return Ignored(f"{name}: no issue id in the event")
    if not is_issue_id(issue_id):
        return Invalid(f"{name}: the issue id is not a Jira issue id (at most 19 ASCII digits)")
    if issue_key and not (issue_key.isascii() and ISSUE_KEY.fullmatch(issue_key)):
        return Invalid(f"{name}: the issue key is not a Jira issue key (PROJECT-123)")
    actor = _user_id(payload.get("user"))
    if name == "comment_deleted":
        # Who deleted it is not in Jira Cloud's payload, and the comment's author is not them (people delete
        # pmokit's comment): unknown unless the payload names the user.
        return Event(name, issue_id, issue_key, actor, (COMMENT,), "")
    if name.startswith("comment_"):
        author = comment.get("updateAuthor") or comment.get("author") if comment else None
        return Event(name, issue_id, issue_key, actor or _user_id(author), (COMMENT,),
                     _text(comment.get("body")) if comment else "")
    if name == "jira:issue_deleted":
        return Event(name, issue_id, issue_key, actor, (DELETED,))
    if name == "jira:issue_created":
        return Event(name, issue_id, issue_key, actor, (CREATED,), changed=_changed(payload))
    if name == "jira:issue_updated":
        changed = _changed(payload)
        body = _text(comment.get("body")) if comment and payload.get("issue_event_type_name") != \
            "issue_comment_deleted" else ""
        if comment and not actor and payload.get("issue_event_type_name") != "issue_comment_deleted":
            actor = _user_id(comment.get("updateAuthor") or comment.get("author"))
        return Event(name, issue_id, issue_key, actor, _triggers_of_update(payload, changed), body, changed)
    if name in ("issuelink_created", "issuelink_deleted"):
        return Ignored(f"{name}: handled through the issues' own update events")
    return Ignored(f"{name}: not an event pmokit acts on")
