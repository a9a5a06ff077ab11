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
    project_name: str = ""  # the Jira project's name, as the issue's fields carry it

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


@dataclass(frozen=True, slots=True)
class Decision:
    """One `/pmo` command on a project record as pmokit took it: applied (it changed the gate's state) or
    refused (with the answer pmokit gave). Kept in the store in the order they were made; a gate's state is what
    its applied decisions add up to."""

    issue_key: str
    gate: str  # the gate id as configured ("" when the command named none pmokit knows)
    comment_id: str
    line: int  # the command's place among the commands of its comment
    verb: str  # approve | conditional | reject | hold | resume | recycle | kill | reopen (or what was written)
    author: str  # account id (Cloud) or user key/name (Data Center)
    author_name: str
    at: datetime | None
    applied: bool
    answer: str = ""  # what pmokit says of it (why it was refused, or what it did)
    phase: str | None = None  # the project's phase when it was taken
    reason: str = ""  # the reason the approver gave
    deadline: date | None = None  # a conditional go's
    conditions: str = ""


@dataclass(frozen=True, slots=True)
class Span:
    """A run of text in a rich comment: plain, bold, code, a link, or a status lozenge (``colour``)."""

    text: str
    bold: bool = False
    code: bool = False
    link: str | None = None
    colour: str | None = None  # green | yellow | red | blue | grey: a lozenge

    def wiki(self) -> str:
        text = self.text
        if self.colour is not None:
            return "{color:" + _WIKI_COLOURS.get(self.colour, "#42526E") + "}*" + text.upper() + "*{color}"
        if self.code:
            text = "{{" + text + "}}"
        if self.link:
            text = f"[{text}|{self.link}]"
        return f"*{text}*" if self.bold else text


_WIKI_COLOURS = {"green": "#006644", "yellow": "#974F0C", "red": "#BF2600", "blue": "#0747A6", "grey": "#42526E"}


@dataclass(frozen=True, slots=True)
class Block:
    """A heading (``level``), a paragraph, or a bulleted list (``items``, each a line of spans)."""

    kind: str  # heading | paragraph | bullets
    spans: tuple[Span, ...] = ()
    level: int = 0
    items: tuple[tuple[Span, ...], ...] = ()

    def wiki(self) -> str:
        if self.kind == "bullets":
            return "\n".join("* " + "".join(s.wiki() for s in item) for item in self.items)
        text = "".join(s.wiki() for s in self.spans)
        return f"h{self.level}. {text}" if self.kind == "heading" else text


@dataclass(frozen=True, slots=True)
class RichText:
    """A comment as pmokit writes it: ADF on Jira Cloud, wiki markup on Data Center (:meth:`wiki`, also the form
    in which pmokit remembers and compares what it wrote)."""

    blocks: tuple[Block, ...]

    def wiki(self) -> str:
        return "\n".join(block.wiki() for block in self.blocks if block.kind != "bullets" or block.items)
