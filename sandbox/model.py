"""The sandbox's state: users, projects and workflows, issues with their histories, webhooks, Confluence.

Issues keep Jira's field values in a compact internal form; ``render`` turns them into Atlassian JSON.
Seeded changelog histories are generated on demand from a per-issue seed, so a site of 100,000 issues
with millions of histories fits in memory; histories written later are kept as they happen.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any


@dataclass
class SUser:
    account_id: str
    name: str
    display_name: str
    email: str
    token: str
    time_zone: str = "Asia/Shanghai"
    groups: list[str] = field(default_factory=list)
    active: bool = True


@dataclass(frozen=True)
class SStatus:
    id: str
    name: str
    category: str  # new | indeterminate | done


@dataclass(frozen=True)
class STransition:
    id: str
    name: str
    to: str  # status id
    sources: tuple[str, ...] | None = None  # status ids it can be taken from; None: from any other status


@dataclass
class SWorkflow:
    name: str
    statuses: list[str]  # status ids, initial first
    transitions: list[STransition]

    def available(self, status_id: str) -> list[STransition]:
        return [t for t in self.transitions
                if t.to != status_id and (t.sources is None or status_id in t.sources)]


@dataclass
class SIssueType:
    id: str
    name: str
    workflow: str
    hierarchy_level: int = 0
    description: str = ""


@dataclass(frozen=True)
class SProjectCategory:
    id: str
    name: str
    description: str = ""


@dataclass
class SProject:
    id: str
    key: str
    name: str
    lead: str  # account id
    issue_types: list[str]  # names
    next_number: int = 1
    category: str = ""  # the id of its project category ("": none)
    properties: dict[str, Any] = field(default_factory=dict)  # entity properties: key -> JSON value


@dataclass
class SField:
    id: str
    name: str
    custom: bool
    schema_type: str  # string, number, date, datetime, option, user, array, ...
    clause_names: tuple[str, ...] = ()
    navigable: bool = True
    options: tuple[str, ...] = ()


@dataclass
class SIssue:
    id: int
    key: str
    project_key: str
    issue_type: str
    summary: str
    status: str  # status id
    created: datetime
    updated: datetime
    reporter: str | None
    assignee: str | None = None
    description: str = ""
    priority: str = "Medium"
    duedate: date | None = None
    resolutiondate: datetime | None = None
    resolution: str | None = None  # resolution id while resolved (None: Done, for older states)
    labels: list[str] = field(default_factory=list)
    components: list[str] = field(default_factory=list)
    fix_versions: list[str] = field(default_factory=list)
    parent: int | None = None  # issue id
    custom: dict[str, Any] = field(default_factory=dict)  # field id -> plain value
    attachments: list[dict[str, Any]] = field(default_factory=list)
    remote_links: list[dict[str, Any]] = field(default_factory=list)
    links: list[dict[str, Any]] = field(default_factory=list)  # {id, type, target (issue id), outward}
    comments: list[dict[str, Any]] = field(default_factory=list)
    # Changelog: seeded histories come from (history_seed, seeded_histories); later ones are kept in order.
    history_seed: int = 0
    seeded_histories: int = 0
    # What the seeded histories were generated from (updated, due date, status, as seeded): a change made later
    # is a history of its own, after them, and never rewrites them (Jira's histories are immutable).
    seeded_from: tuple[datetime, date | None, str] | None = None
    due_history: tuple[date, ...] = ()  # earlier due dates of a seeded issue, baseline first
    histories: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False
    properties: dict[str, Any] = field(default_factory=dict)  # entity properties: key -> JSON value

    @property
    def number(self) -> int:
        return int(self.key.rsplit("-", 1)[1])


@dataclass
class SWebhook:
    id: int
    name: str
    url: str
    events: list[str]
    jql: str | None = None
    secret: str | None = None
    enabled: bool = True
    updated_ms: int = 0  # when it was registered (or last changed), epoch milliseconds
    updated_by: str = "admin"  # who did it, as Jira names them (an account id on Cloud, a user name on DC)
    exclude_body: bool = False


@dataclass
class SSpace:
    id: str
    key: str
    name: str
    homepage_id: str | None = None


@dataclass
class SAttachment:
    id: str
    title: str
    media_type: str
    data: bytes
    version: int = 1
    comment: str = ""
    created: datetime | None = None


@dataclass
class SPage:
    id: str
    title: str
    space_key: str
    parent_id: str | None
    body: str
    version: int
    created: datetime
    updated: datetime
    author: str
    minor_edit: bool = False
    labels: list[str] = field(default_factory=list)
    attachments: list[SAttachment] = field(default_factory=list)
    status: str = "current"
    version_message: str = ""  # the update's "version.message", shown in the page history


@dataclass
class SiteState:
    """Everything the sandbox holds. One lock guards it: requests are short and the sandbox is local."""

    flavor: str = "cloud"
    # The site's default user time zone: Jira writes every time in it, with that zone's offset of the day (Jira
    # Cloud's REST documentation; recorded payloads of one Cloud site show -0800 in February, -0700 in July).
    time_zone: str = "UTC"
    anchor: date = field(default_factory=date.today)
    users: dict[str, SUser] = field(default_factory=dict)  # account id -> user
    groups: dict[str, list[str]] = field(default_factory=dict)  # group name -> account ids
    statuses: dict[str, SStatus] = field(default_factory=dict)
    workflows: dict[str, SWorkflow] = field(default_factory=dict)
    issue_types: dict[str, SIssueType] = field(default_factory=dict)  # name -> type
    projects: dict[str, SProject] = field(default_factory=dict)  # key -> project
    project_categories: dict[str, SProjectCategory] = field(default_factory=dict)  # id -> category
    fields: dict[str, SField] = field(default_factory=dict)  # id -> field
    issues: dict[int, SIssue] = field(default_factory=dict)
    keys: dict[str, int] = field(default_factory=dict)  # issue key -> id (moved keys included)
    webhooks: dict[int, SWebhook] = field(default_factory=dict)
    spaces: dict[str, SSpace] = field(default_factory=dict)  # key -> space
    pages: dict[str, SPage] = field(default_factory=dict)
    # Project permissions taken away from a user on a project (account id -> project key -> permission keys); every
    # other one is held (the sandbox's permission scheme is open: see ``jira_permissions``).
    revoked: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    version: int = 0  # bumped on every write, so cached searches know they are stale
    counters: dict[str, int] = field(default_factory=lambda: {
        "issue": 10000, "history": 900_000_000, "comment": 20000, "link": 30000, "attachment": 40000,
        "remotelink": 50000, "webhook": 0, "page": 100000, "page_attachment": 500000, "space": 1000})
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False, compare=False)

    def __getstate__(self) -> dict[str, Any]:
        data = dict(self.__dict__)
        data.pop("lock", None)
        return data

    def __setstate__(self, data: dict[str, Any]) -> None:
        data.setdefault("project_categories", {})  # a state kept before categories were
        self.__dict__.update(data)
        self.__dict__.setdefault("revoked", {})  # a state kept before permissions could be taken away
        self.lock = threading.RLock()

    def next_id(self, kind: str) -> int:
        self.counters[kind] += 1
        return self.counters[kind]

    def touch(self) -> None:
        self.version += 1

    # -- lookups ------------------------------------------------------------------------------------------
    def issue(self, id_or_key: str | int) -> SIssue | None:
        text = str(id_or_key)
        issue_id = int(text) if text.isdigit() else self.keys.get(text.upper())
        found = self.issues.get(issue_id) if issue_id is not None else None
        return None if found is None or found.deleted else found

    def user(self, ident: str | None) -> SUser | None:
        if not ident:
            return None
        if ident in self.users:
            return self.users[ident]
        for user in self.users.values():
            if ident in (user.name, user.email):
                return user
        return None

    def workflow_for(self, issue: SIssue) -> SWorkflow:
        return self.workflows[self.issue_types[issue.issue_type].workflow]

    def status_by_name(self, name: str) -> SStatus | None:
        wanted = name.casefold()
        return next((s for s in self.statuses.values() if s.name.casefold() == wanted or s.id == name), None)

    def field_by_name(self, name: str) -> SField | None:
        wanted = name.casefold()
        for f in self.fields.values():
            if f.id == name or f.name.casefold() == wanted or wanted in (c.casefold() for c in f.clause_names):
                return f
        return None

    def category(self, name: str, description: str = "") -> SProjectCategory:
        """The project category called ``name``, made when there is none (ids as Jira numbers them, from 10000)."""
        for found in self.project_categories.values():
            if found.name == name:
                return found
        made = SProjectCategory(str(10000 + len(self.project_categories)), name, description)
        self.project_categories[made.id] = made
        return made

    def live_issues(self) -> list[SIssue]:
        return [i for i in self.issues.values() if not i.deleted]
