"""The records a rule looks at, indexed once: issues by key, children by parent, comments, changes."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from config.conditions import RELATIONS
from pmokit.records import Change, Comment, Decision, Issue, StatusCategory


@dataclass
class Facts:
    issues: dict[str, Issue] = field(default_factory=dict)
    children: dict[str, list[Issue]] = field(default_factory=dict)  # parent or epic key -> issues
    comments: dict[str, list[Comment]] = field(default_factory=dict)  # issue id -> comments
    # issue id -> changes, oldest first (a worker's facts read them from the store as they are asked for)
    changes: Mapping[str, list[Change]] = field(default_factory=dict)
    program_of: dict[str, str] = field(default_factory=dict)  # project key -> program key
    groups: dict[str, frozenset[str]] = field(default_factory=dict)  # group -> user ids
    # project key (or a project record's key) -> labels of the project's Confluence pages
    documents: dict[str, list[str]] = field(default_factory=dict)
    decisions: dict[str, list[Decision]] = field(default_factory=dict)  # record key -> gate decisions, in order
    people: dict[str, str] | None = None  # approver named in the YAML -> their id (None: names used as they are)

    @classmethod
    def build(cls, issues: Iterable[Issue], *, comments: Iterable[Comment] = (), changes: Iterable[Change] = (),
              program_of: Mapping[str, str] | None = None, groups: Mapping[str, Iterable[str]] | None = None,
              documents: Mapping[str, list[str]] | None = None, decisions: Iterable[Decision] = (),
              people: Mapping[str, str] | None = None) -> Facts:
        facts = cls(program_of=dict(program_of or {}),
                    groups={g: frozenset(m) for g, m in (groups or {}).items()},
                    documents=dict(documents or {}), people=dict(people) if people is not None else None)
        for decision in decisions:
            facts.decisions.setdefault(decision.issue_key, []).append(decision)
        children: defaultdict[str, list[Issue]] = defaultdict(list)
        for issue in issues:
            facts.issues[issue.key] = issue
            for parent in {issue.parent_key, issue.epic_key} - {None}:
                children[parent].append(issue)  # type: ignore[index]
        facts.children = dict(children)
        by_issue: defaultdict[str, list[Comment]] = defaultdict(list)
        for comment in comments:
            by_issue[comment.issue_id].append(comment)
        facts.comments = {k: sorted(v, key=lambda c: c.created or datetime.min.replace(tzinfo=UTC))
                          for k, v in by_issue.items()}
        history: defaultdict[str, list[Change]] = defaultdict(list)
        for change in changes:
            history[change.issue_id].append(change)
        facts.changes = {k: sorted(v, key=lambda c: c.created) for k, v in history.items()}
        return facts

    @classmethod
    def assemble(cls, issues: Iterable[Issue], *, comments: Mapping[str, list[Comment]],
                 changes: Mapping[str, list[Change]], program_of: Mapping[str, str] | None = None,
                 groups: Mapping[str, Iterable[str]] | None = None,
                 documents: Mapping[str, list[str]] | None = None, decisions: Iterable[Decision] = (),
                 people: Mapping[str, str] | None = None) -> Facts:
        """Like :meth:`build`, from comments and changes already grouped by issue id and in order."""
        facts = cls.build(issues, program_of=program_of, groups=groups, documents=documents, decisions=decisions,
                          people=people)
        facts.comments = dict(comments)
        facts.changes = changes if not isinstance(changes, dict) else dict(changes)
        return facts

    def record_of(self, project_key: str, record_type: str) -> Issue | None:
        """The project record (the issue of ``record_type``) of a Jira project, indexed on first use."""
        index = self.__dict__.get("_records")
        if index is None or index[0] != record_type:
            records: dict[str, Issue] = {}
            for issue in self.of_type(record_type.casefold()):
                records.setdefault(issue.project_key, issue)
            index = (record_type, records)
            self.__dict__["_records"] = index
        return index[1].get(project_key)

    def of_type(self, casefolded_type: str, casefolded_status: str | None = None) -> list[Issue]:
        """The issues of one type (and status), casefolded names, in key order: most rules name a type or two."""
        if casefolded_status is None:
            return self._index[0].get(casefolded_type, [])
        return self._index[1].get((casefolded_type, casefolded_status), [])

    @functools.cached_property
    def _index(self) -> tuple[dict[str, list[Issue]], dict[tuple[str, str], list[Issue]]]:
        by_type: defaultdict[str, list[Issue]] = defaultdict(list)
        by_status: defaultdict[tuple[str, str], list[Issue]] = defaultdict(list)
        for issue in self.issues.values():
            kind = issue.issue_type.casefold()
            by_type[kind].append(issue)
            by_status[kind, issue.status.casefold()].append(issue)
        return dict(by_type), dict(by_status)

    @functools.cached_property
    def position(self) -> dict[str, int]:
        """Issue key -> its place among the issues, so results read in a stable order."""
        return {key: n for n, key in enumerate(self.issues)}

    def children_of(self, issue: Issue) -> list[Issue]:
        return self.children.get(issue.key, [])

    def parent_of(self, issue: Issue) -> Issue | None:
        key = issue.parent_key or issue.epic_key
        return self.issues.get(key) if key else None


BUILTIN_FIELDS = {
    "key": lambda i: i.key, "id": lambda i: i.id, "project": lambda i: i.project_key,
    "type": lambda i: i.issue_type, "issuetype": lambda i: i.issue_type, "summary": lambda i: i.summary,
    "description": lambda i: i.description, "status": lambda i: i.status,
    "category": lambda i: i.status_category.value, "phase": lambda i: i.phase,
    "assignee": lambda i: i.assignee.id if i.assignee else None,
    "reporter": lambda i: i.reporter.id if i.reporter else None,
    "created": lambda i: i.created, "updated": lambda i: i.updated, "due": lambda i: i.due,
    "resolved": lambda i: i.resolved, "priority": lambda i: i.priority, "story_points": lambda i: i.story_points,
    "labels": lambda i: list(i.labels), "components": lambda i: list(i.components),
    "fix_versions": lambda i: list(i.fix_versions), "parent": lambda i: i.parent_key, "epic": lambda i: i.epic_key,
    "attachments": lambda i: [a.filename for a in i.attachments],
    "links": lambda i: [link.url for link in i.remote_links],
    "done": lambda i: i.status_category is StatusCategory.DONE,  # Issue.is_done, one call fewer: read per check
}
# The condition language knows the same names (config.conditions.BUILTIN_NAMES; a test holds the two equal).


class IssueScope:
    """An issue as an expression sees it: built-in names, logical fields, ``parent.x`` and ``children``."""

    __slots__ = ("facts", "issue", "now")

    def __init__(self, issue: Issue, facts: Facts, now: datetime):
        self.issue, self.facts, self.now = issue, facts, now

    def value(self, path: str) -> Any:
        getter = BUILTIN_FIELDS.get(path)  # the common case first: a plain built-in name
        if getter is not None:
            return getter(self.issue)
        head, _, rest = path.partition(".")
        if rest:
            if head in ("parent", "epic"):
                related = self.facts.parent_of(self.issue) if head == "parent" else self.facts.issues.get(
                    self.issue.epic_key or "")
                return IssueScope(related, self.facts, self.now).value(rest) if related else None
            return None
        if head == "children":
            return self.facts.children_of(self.issue)
        if head == "program":
            return self.facts.program_of.get(self.issue.project_key)
        getter = BUILTIN_FIELDS.get(head)
        return getter(self.issue) if getter else self.issue.custom.get(head)


def reader(path: str, facts: Facts, now: datetime) -> Callable[[Issue], Any]:
    """A function reading ``path`` from an issue, as ``IssueScope.value`` would, built once per rule."""
    getter = BUILTIN_FIELDS.get(path)
    if getter is not None:
        return getter
    if "." not in path and path not in RELATIONS and path != "program":
        return lambda issue: issue.custom.get(path)
    cursor = IssueScope(None, facts, now)  # type: ignore[arg-type]

    def read(issue: Issue) -> Any:
        cursor.issue = issue
        return cursor.value(path)

    return read
