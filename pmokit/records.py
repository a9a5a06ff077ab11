"""The plain, frozen records the whole suite speaks.

They are built from Atlassian JSON in exactly one place (``connector.translate``) and read everywhere
else (rules, reports, store). They hold no behaviour beyond small derived views, so ``rules/`` can stay
pure and the records cheap to build in bulk.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from types import MappingProxyType
from typing import Any


class StatusCategory(StrEnum):
    """Jira's three fixed status categories (``statusCategory.key``)."""

    TODO = "new"
    IN_PROGRESS = "indeterminate"
    DONE = "done"
    UNKNOWN = "undefined"


EMPTY_MAPPING: MappingProxyType[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True)
class User:
    """A Jira user, identified by ``accountId`` on Cloud or ``name``/``key`` on Server/Data Center."""

    id: str
    display_name: str = ""
    email: str | None = None
    active: bool = True

    def __str__(self) -> str:
        return self.display_name or self.id


@dataclass(frozen=True, slots=True)
class Attachment:
    id: str
    filename: str
    size: int = 0
    mime_type: str = ""
    created: datetime | None = None
    author: User | None = None


@dataclass(frozen=True, slots=True)
class RemoteLink:
    id: str
    url: str
    title: str = ""


@dataclass(frozen=True, slots=True)
class IssueLink:
    """A link from this issue to another: ``type`` is the phrase read from this side (e.g. "blocks")."""

    id: str
    type: str
    target_key: str
    outward: bool = True


@dataclass(frozen=True, slots=True)
class Change:
    """One item of one changelog history: a single field changing at one moment."""

    issue_id: str
    history_id: str
    created: datetime
    field: str
    field_id: str | None = None
    from_value: str | None = None
    from_string: str | None = None
    to_value: str | None = None
    to_string: str | None = None
    author: User | None = None


@dataclass(frozen=True, slots=True)
class Comment:
    id: str
    issue_id: str
    body: str
    author: User | None = None
    created: datetime | None = None
    updated: datetime | None = None


@dataclass(frozen=True, slots=True)
class Issue:
    """A Jira issue as pmokit sees it. Custom fields are keyed by the PMO's logical names."""

    id: str
    key: str
    project_key: str
    issue_type: str
    summary: str
    status: str
    status_category: StatusCategory = StatusCategory.UNKNOWN
    phase: str | None = None
    description: str = ""
    parent_key: str | None = None
    epic_key: str | None = None
    assignee: User | None = None
    reporter: User | None = None
    created: datetime | None = None
    updated: datetime | None = None
    due: date | None = None
    resolved: datetime | None = None
    story_points: float | None = None
    priority: str | None = None
    labels: tuple[str, ...] = ()
    components: tuple[str, ...] = ()
    fix_versions: tuple[str, ...] = ()
    attachments: tuple[Attachment, ...] = ()
    remote_links: tuple[RemoteLink, ...] = ()
    links: tuple[IssueLink, ...] = ()
    custom: Mapping[str, Any] = field(default_factory=lambda: EMPTY_MAPPING)

    @property
    def is_done(self) -> bool:
        return self.status_category is StatusCategory.DONE

    def value(self, logical_name: str) -> Any:
        """A custom field by its logical name, ``None`` where the issue does not carry it."""
        return self.custom.get(logical_name)


@dataclass(frozen=True, slots=True)
class Project:
    """A unit the PMO governs: a Jira project, an epic, or an issue such as an Initiative."""

    key: str
    name: str
    program: str | None = None
    lead: User | None = None
    project_type: str | None = None
    record_issue_key: str | None = None


@dataclass(frozen=True, slots=True)
class Remembered:
    """What pmokit last published of one Confluence page: where it is, and the hash of the body it wrote."""

    page_id: str
    title: str
    body_hash: str
    version: int
