"""The one place where Atlassian JSON becomes pmokit's records (``pmokit.records``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from types import MappingProxyType
from typing import Any

from pmokit.records import (
    Attachment,
    Change,
    Comment,
    Issue,
    IssueLink,
    RemoteLink,
    StatusCategory,
    User,
)

from . import adf


@dataclass(frozen=True)
class FieldCatalog:
    """Jira's fields (from ``GET /field``), so logical names can be resolved to field ids once per run."""

    by_id: Mapping[str, str] = field(default_factory=dict)  # id -> name

    @classmethod
    def from_json(cls, fields: Iterable[Mapping[str, Any]]) -> FieldCatalog:
        return cls({str(f["id"]): str(f.get("name") or f["id"]) for f in fields})

    def resolve(self, name_or_id: str) -> str | None:
        """The field id for a Jira field id or (case-insensitive) name, ``None`` if Jira has no such field."""
        if name_or_id in self.by_id:
            return name_or_id
        wanted = name_or_id.casefold()
        matches = [fid for fid, name in self.by_id.items() if name.casefold() == wanted]
        return matches[0] if matches else None


@dataclass(frozen=True)
class Vocabulary:
    """What translation needs from the configuration: logical fields and how the phase is read."""

    logical_fields: Mapping[str, str] = field(default_factory=dict)  # logical name -> field id
    phase_by_status: Mapping[str, str] = field(default_factory=dict)  # casefolded status -> phase id
    phase_field: str | None = None  # logical name of the phase field, when phases come from a field
    phase_by_value: Mapping[str, str] = field(default_factory=dict)  # casefolded value -> phase id
    story_points: str | None = "story_points"  # logical name of the story points field
    epic_link: str | None = "epic_link"  # logical name of a classic Epic Link field, if any
    project_unit: str = "jira_project"  # what a project is: jira_project | epic | issue_type (rules.units)
    record_type: str = "Project"  # the issue type of a project's record

    def phase_of(self, status: str, custom: Mapping[str, Any]) -> str | None:
        if self.phase_field:
            value = custom.get(self.phase_field)
            return self.phase_by_value.get(str(value).casefold()) if value is not None else None
        return self.phase_by_status.get(status.casefold())


def parse_datetime(value: Any) -> datetime | None:
    """Jira timestamps: ``2019-02-15T19:01:52.971-0800`` (also ``+00:00`` and ``Z``)."""
    if not value or not isinstance(value, str):
        return None
    try:  # Python reads Jira's own form as it is (a sync parses every history's moment: the fast path first)
        return datetime.fromisoformat(value)
    except ValueError:
        pass
    text = value.strip().replace("Z", "+00:00")
    if len(text) > 5 and text[-5] in "+-" and text[-3] != ":":
        text = f"{text[:-2]}:{text[-2:]}"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def parse_date(value: Any) -> date | None:
    if not value or not isinstance(value, str):
        return None
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def user_from_json(data: Any) -> User | None:
    """A user from Cloud (``accountId``) or Server/Data Center (``name``/``key``) JSON."""
    if not isinstance(data, Mapping):
        return None
    ident = data.get("accountId") or data.get("name") or data.get("key")
    if not ident:
        return None
    return User(id=str(ident), display_name=str(data.get("displayName") or ident),
                email=data.get("emailAddress"), active=bool(data.get("active", True)))


def plain_value(value: Any) -> Any:
    """A custom field's value without Jira's wrapping: options to their value, users to their id."""
    if isinstance(value, Mapping):
        if "value" in value:
            return value["value"]
        if "accountId" in value or ("name" in value and "key" in value):
            return user_from_json(value)
        if "name" in value:
            return value["name"]
        if value.get("type") == "doc":
            return adf.to_text(value)
        return dict(value)
    if isinstance(value, list):
        return tuple(plain_value(v) for v in value)
    return value


def _names(items: Any) -> tuple[str, ...]:
    return tuple(str(i.get("name")) for i in items or () if isinstance(i, Mapping) and i.get("name"))


def _number(value: Any) -> float | None:
    try:
        return float(value) if value is not None and value != "" else None
    except (TypeError, ValueError):
        return None


def issue_from_json(data: Mapping[str, Any], vocabulary: Vocabulary | None = None,
                    remote_links: Iterable[Mapping[str, Any]] = ()) -> Issue:
    """An :class:`Issue` from an issue as Jira returns it (REST search, get, bulkfetch or a webhook)."""
    vocab = vocabulary or Vocabulary()
    f: Mapping[str, Any] = data.get("fields") or {}
    status = f.get("status") or {}
    category = (status.get("statusCategory") or {}).get("key") or "undefined"
    custom = {logical: plain_value(f.get(fid)) for logical, fid in vocab.logical_fields.items() if fid in f}
    parent = f.get("parent") or {}
    parent_key = parent.get("key")
    parent_type = ((parent.get("fields") or {}).get("issuetype") or {}).get("name")
    epic_key = parent_key if parent_type == "Epic" else None
    if epic_key is None and vocab.epic_link and isinstance(custom.get(vocab.epic_link), str):
        epic_key = custom[vocab.epic_link]
    status_name = str(status.get("name") or "")
    project = f.get("project") or {}
    key = str(data.get("key") or "")
    return Issue(
        id=str(data.get("id") or ""),
        key=key,
        project_key=str(project.get("key") or key.rsplit("-", 1)[0]),
        project_name=str(project.get("name") or ""),
        issue_type=str((f.get("issuetype") or {}).get("name") or ""),
        summary=str(f.get("summary") or ""),
        status=status_name,
        status_category=StatusCategory(category) if category in StatusCategory._value2member_map_
        else StatusCategory.UNKNOWN,
        phase=vocab.phase_of(status_name, custom),
        description=adf.to_text(f.get("description")),
        parent_key=parent_key,
        epic_key=epic_key,
        assignee=user_from_json(f.get("assignee")),
        reporter=user_from_json(f.get("reporter")),
        created=parse_datetime(f.get("created")),
        updated=parse_datetime(f.get("updated")),
        due=parse_date(f.get("duedate")),
        resolved=parse_datetime(f.get("resolutiondate")),
        story_points=_number(custom.get(vocab.story_points)) if vocab.story_points else None,
        priority=(f.get("priority") or {}).get("name"),
        labels=tuple(str(label) for label in f.get("labels") or ()),
        components=_names(f.get("components")),
        fix_versions=_names(f.get("fixVersions")),
        attachments=tuple(attachment_from_json(a) for a in f.get("attachment") or ()),
        remote_links=tuple(remote_link_from_json(r) for r in remote_links),
        links=tuple(_issue_links(f.get("issuelinks") or ())),
        custom=MappingProxyType(custom),
    )


def attachment_from_json(data: Mapping[str, Any]) -> Attachment:
    return Attachment(id=str(data.get("id") or ""), filename=str(data.get("filename") or ""),
                      size=int(data.get("size") or 0), mime_type=str(data.get("mimeType") or ""),
                      created=parse_datetime(data.get("created")), author=user_from_json(data.get("author")))


def remote_link_from_json(data: Mapping[str, Any]) -> RemoteLink:
    obj = data.get("object") or {}
    return RemoteLink(id=str(data.get("id") or ""), url=str(obj.get("url") or ""), title=str(obj.get("title") or ""))


def _issue_links(links: Iterable[Mapping[str, Any]]) -> Iterator[IssueLink]:
    for link in links:
        kind = link.get("type") or {}
        if "outwardIssue" in link:
            yield IssueLink(str(link.get("id") or ""), str(kind.get("outward") or kind.get("name") or ""),
                            str(link["outwardIssue"].get("key") or ""), outward=True)
        elif "inwardIssue" in link:
            yield IssueLink(str(link.get("id") or ""), str(kind.get("inward") or kind.get("name") or ""),
                            str(link["inwardIssue"].get("key") or ""), outward=False)


def changes_from_histories(issue_id: str, histories: Iterable[Mapping[str, Any]]) -> list[Change]:
    """Every item of every changelog history, oldest first."""
    changes: list[Change] = []
    for history in histories:
        created = parse_datetime(history.get("created"))
        if created is None:
            continue
        author = user_from_json(history.get("author"))
        for item in history.get("items") or ():
            changes.append(Change(
                issue_id=str(issue_id), history_id=str(history.get("id") or ""), created=created,
                field=str(item.get("field") or ""), field_id=item.get("fieldId"),
                from_value=_str_or_none(item.get("from")), from_string=_str_or_none(item.get("fromString")),
                to_value=_str_or_none(item.get("to")), to_string=_str_or_none(item.get("toString")),
                author=author))
    changes.sort(key=lambda c: (c.created, c.history_id))
    return changes


def comment_from_json(issue_id: str, data: Mapping[str, Any]) -> Comment:
    return Comment(id=str(data.get("id") or ""), issue_id=str(issue_id), body=adf.to_text(data.get("body")),
                   author=user_from_json(data.get("author")), created=parse_datetime(data.get("created")),
                   updated=parse_datetime(data.get("updated")))


def _str_or_none(value: Any) -> str | None:
    return None if value is None else str(value)
