"""Rule test cases in YAML: given issues (and their changes) at a moment, the results expected per rule.

Parsing only: the files are read by the command that runs them (``pmokit rules test``), which hands the plain
data and the location of every node to :func:`parse_cases`."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from pydantic import Field, TypeAdapter, ValidationError, field_validator

from config.base import Frozen
from config.problems import Location, Problem
from config.problems import Path as YamlPath
from config.source import Source
from config.validation import problems_from
from pmokit.records import Attachment, Change, Comment, Issue, IssueLink, RemoteLink, StatusCategory, User

CATEGORY_OF = {"done": StatusCategory.DONE, "closed": StatusCategory.DONE, "closure": StatusCategory.DONE,
               "收尾": StatusCategory.DONE, "to do": StatusCategory.TODO, "open": StatusCategory.TODO,
               "initiation": StatusCategory.TODO, "立项": StatusCategory.TODO}


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=UTC)
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


class CaseLink(Frozen):
    title: str
    url: str = "https://example.com/doc"


class CaseIssue(Frozen):
    key: str = Field(pattern=r"^[A-Z][A-Z0-9_]*-\d+$")
    type: str = "Task"
    summary: str = ""
    status: str = "To Do"
    category: Literal["new", "indeterminate", "done"] | None = None
    phase: str | None = None
    description: str = ""
    parent: str | None = None
    epic: str | None = None
    assignee: str | None = None
    created: datetime | date | None = None
    due: date | None = None
    labels: list[str] = Field(default_factory=list)
    attachments: list[str] = Field(default_factory=list)
    links: list[CaseLink] = Field(default_factory=list)
    blocked_by: list[str] = Field(default_factory=list, description="keys of issues this one depends on")
    story_points: float | None = None
    fields: dict[str, Any] = Field(default_factory=dict)


class CaseChange(Frozen):
    issue: str
    field: str
    at: datetime | date
    from_: str | None = Field(None, alias="from")
    to: str | None = None

    @field_validator("from_", "to", mode="before")
    @classmethod
    def _text(cls, value: Any) -> Any:
        """Dates and numbers are written plainly in YAML; a changelog holds them as text."""
        return value.isoformat() if isinstance(value, date) else (None if value is None else str(value))


class CaseComment(Frozen):
    issue: str
    author: str
    body: str
    at: datetime | date | None = None


class Expectation(Frozen):
    rule: str
    issue: str = Field(description="an issue key, or the subject of a portfolio result, e.g. person:li.na")
    state: Literal["pass", "fail", "pending", "skipped", "error", "none"] = Field(
        description="'none': the rule must not apply to the issue at all")
    missing: list[str] | None = None
    message: str | None = Field(None, description="text the message must contain")


class Case(Frozen):
    name: str
    now: datetime | date
    language: Literal["en", "zh"] | None = None
    issues: list[CaseIssue] = Field(min_length=1)
    changes: list[CaseChange] = Field(default_factory=list)
    comments: list[CaseComment] = Field(default_factory=list)
    groups: dict[str, list[str]] = Field(default_factory=dict, description="group -> members, for approvers")
    expect: list[Expectation] = Field(min_length=1)

    @field_validator("issues")
    @classmethod
    def _unique_keys(cls, issues: list[CaseIssue]) -> list[CaseIssue]:
        keys = [i.key for i in issues]
        duplicated = sorted({k for k in keys if keys.count(k) > 1})
        if duplicated:
            raise ValueError(f"issue keys used twice: {', '.join(duplicated)}")
        return issues


class CaseFile(Frozen):
    cases: list[Case] = Field(min_length=1)


def parse_cases(data: Any, locations: dict[YamlPath, Location], path: Path) -> tuple[list[Case], list[Problem]]:
    """The cases of one file's plain data; problems located in the file."""
    try:
        parsed = TypeAdapter(CaseFile).validate_python(data)
    except ValidationError as exc:
        source = Source(data if isinstance(data, dict) else {}, locations, [path])
        return [], list(problems_from(exc, (), CaseFile, source))
    return list(parsed.cases), []


def issues_of(case: Case, phase_by_status: dict[str, str]) -> list[Issue]:
    ids = {spec.key: str(10000 + n) for n, spec in enumerate(case.issues)}
    out = []
    for spec in case.issues:
        category = StatusCategory(spec.category) if spec.category else CATEGORY_OF.get(
            spec.status.casefold(), StatusCategory.IN_PROGRESS)
        out.append(Issue(
            id=ids[spec.key], key=spec.key, project_key=spec.key.rsplit("-", 1)[0], issue_type=spec.type,
            summary=spec.summary or spec.key, status=spec.status, status_category=category,
            phase=spec.phase or phase_by_status.get(spec.status.casefold()), description=spec.description,
            parent_key=spec.parent, epic_key=spec.epic, assignee=User(spec.assignee) if spec.assignee else None,
            created=_moment(spec.created) if spec.created else None, due=spec.due, labels=tuple(spec.labels),
            attachments=tuple(Attachment(str(n), name) for n, name in enumerate(spec.attachments)),
            remote_links=tuple(RemoteLink(str(n), link.url, link.title) for n, link in enumerate(spec.links)),
            links=tuple(IssueLink(str(n), "is blocked by", key, outward=False)
                        for n, key in enumerate(spec.blocked_by)),
            story_points=spec.story_points, custom=MappingProxyType(dict(spec.fields))))
    return out


def changes_of(case: Case, issues: list[Issue]) -> list[Change]:
    ids = {i.key: i.id for i in issues}
    return [Change(ids.get(c.issue, c.issue), str(n), _moment(c.at), c.field, c.field, c.from_, c.from_, c.to, c.to)
            for n, c in enumerate(case.changes)]


def comments_of(case: Case, issues: list[Issue]) -> list[Comment]:
    ids = {i.key: i.id for i in issues}
    return [Comment(str(n), ids.get(c.issue, c.issue), c.body, User(c.author), _moment(c.at) if c.at else None)
            for n, c in enumerate(case.comments)]


def case_now(case: Case) -> datetime:
    return _moment(case.now)
