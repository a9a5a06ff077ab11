"""The synced store read back as the records rules look at (``rules.facts.Facts``): issues translated with the
site's vocabulary, their changelogs and comments, the Confluence documents, the approver groups' members."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from connector.translate import Vocabulary, comment_from_json, issue_from_json
from pmokit.records import Change, Comment, Issue, User
from pmokit.runtime import Runtime
from pmokit.store import issues as store
from pmokit.store.decisions import load_decisions
from pmokit.store.documents import stored_documents
from rules.facts import Facts
from rules.reach import Reach
from rules.units import assign_units


def load_facts(runtime: Runtime, project_keys: list[str] | None = None) -> Facts:
    """The store's snapshot as the rules see it, with the members of every approver group."""
    people = runtime.approver_people()
    with runtime.sessions() as session:
        facts = read_facts(session, runtime.vocabulary(), runtime.program_of(), project_keys,
                           groups=runtime.approver_groups())
    facts.people = people
    return facts


@dataclass(frozen=True)
class FactsScope:
    """What a scoped read took from the store (``pmokit check -v`` says it; tests count it)."""

    projects: tuple[str, ...]  # read whole: every issue, its changelog and comments
    whole: int  # issues of those projects
    changes: int  # their changelog items
    records: int  # project records of the other projects (their phase, their gate decisions)
    linked: int  # issues elsewhere that the projects' issues link to or hang under
    elsewhere: int  # other issues, for the portfolio rules (rules.reach)
    reach: Reach
    stored: int  # live issues in the store

    def line(self) -> str:
        others = {"none": "no portfolio rule: no other issue",
                  "open": f"{self.elsewhere} open issue(s) elsewhere for the portfolio rules",
                  "all": f"{self.elsewhere} issue(s) elsewhere for the portfolio rules"}[self.reach]
        return (f"facts: {self.whole} issue(s) of {', '.join(self.projects)} with {self.changes} change(s), "
                f"{self.records} other project record(s), {self.linked} linked issue(s), {others}; "
                f"{self.stored} issue(s) in the store")


def load_scoped_facts(runtime: Runtime, project_keys: Sequence[str], reach: Reach) -> tuple[Facts, FactsScope]:
    """The facts a check of these Jira projects needs, and no more: their issues whole (changelogs, comments),
    every project record, the issues elsewhere they link to or hang under, and for the portfolio rules the
    other projects' issues ``reach`` says (without changelogs). The rules' results on the projects' issues are
    those a read of the whole store gives (tests/test_check_scope.py)."""
    people = runtime.approver_people()
    vocabulary = runtime.vocabulary()
    projects = sorted({k.upper() for k in project_keys})
    if not projects:
        raise ValueError("a scoped read names at least one project")
    issues: dict[str, Issue] = {}
    comments: list[Comment] = []

    def take(rows: Iterable[store.StoredIssue]) -> int:
        """Translate the rows not taken yet (each one's fields let go at once); how many were new."""
        before = len(issues)
        for row in rows:
            if row.id not in issues:
                issues[row.id] = _issue(row, vocabulary)
                comments.extend(comment_from_json(row.id, data) for data in row.comments)
        return len(issues) - before

    with runtime.sessions() as session:
        whole = take(store.stored_issues(session, projects))
        changes = load_changes_of_projects(session, projects)
        records = take(store.stored_issues_of_type(session, vocabulary.record_type))
        elsewhere = 0
        if reach != "none":
            elsewhere = take(store.stored_issues_outside(session, projects, open_only=reach == "open"))
        known = {issue.key for issue in issues.values()}
        wanted = sorted({key for issue in issues.values() for key in _pointed_at(issue)} - known)
        linked = take(store.stored_issues_by_key(session, wanted)) if wanted else 0
        documents, decisions = stored_documents(session), load_decisions(session)
        stored = store.live_count(session)
    units, program_of = _units(issues.values(), vocabulary, runtime.program_of())
    facts = Facts.build(units, changes=changes, comments=comments, program_of=program_of,
                        groups=runtime.approver_groups(), documents=documents, decisions=decisions)
    facts.people = people
    return facts, FactsScope(tuple(projects), whole, len(changes), records, linked, elsewhere, reach, stored)


def _issue(row: store.StoredIssue, vocabulary: Vocabulary) -> Issue:
    return issue_from_json({"id": row.id, "key": row.key, "fields": row.fields}, vocabulary, row.remote_links)


def _pointed_at(issue: Issue) -> set[str]:
    """Keys an issue names: what it links to, its parent and epic."""
    return {link.target_key for link in issue.links if link.target_key} | ({issue.parent_key, issue.epic_key}
                                                                           - {None})  # type: ignore[operator]


def read_facts(session: Session, vocabulary: Vocabulary, program_of: dict[str, str],
               project_keys: list[str] | None = None, groups: dict[str, list[str]] | None = None) -> Facts:
    comments: list[Comment] = []
    issues, program_of = _units(load_issues(session, vocabulary, project_keys, comments), vocabulary, program_of)
    changes = load_changes(session, [i.id for i in issues] if project_keys else None)
    return Facts.build(issues, changes=changes, comments=comments, program_of=program_of,
                       groups=groups, documents=stored_documents(session), decisions=load_decisions(session))


def reread(runtime: Runtime, facts: Facts, issue_ids: Sequence[str]) -> Facts:
    """``facts`` with these issues (and their changelogs and comments) read again from the store."""
    wanted = set(issue_ids)
    with runtime.sessions() as session:
        fresh = {row.id: row for row in store.stored_issues_by_id(session, sorted(wanted))}
        vocabulary = runtime.vocabulary()
        issues = {i.id: i for i in facts.issues.values()}
        for issue_id in wanted:
            issues.pop(issue_id, None)
            row = fresh.get(issue_id)
            if row is not None:
                issues[issue_id] = _issue(row, vocabulary)
        changes: Mapping[str, list[Change]]
        if isinstance(facts.changes, StoredChanges):  # a worker's: what was read of these is read again
            facts.changes.forget(wanted)
            changes = facts.changes
        else:
            changes = {k: v for k, v in facts.changes.items() if k not in wanted}
            for change in load_changes(session, sorted(wanted)):
                changes.setdefault(change.issue_id, []).append(change)
        comments = {k: v for k, v in facts.comments.items() if k not in wanted}
        for issue_id, row in fresh.items():
            found = [comment_from_json(issue_id, data) for data in row.comments]
            if found:
                comments[issue_id] = sorted(found, key=lambda c: c.created or datetime.min.replace(tzinfo=UTC))
        decisions = load_decisions(session)
    # What the store keeps, and what this evaluation took and has not kept yet.
    taken = {(d.comment_id, d.line): d for d in decisions}
    for ds in facts.decisions.values():
        for d in ds:
            taken.setdefault((d.comment_id, d.line), d)
    ordered = sorted(taken.values(), key=lambda d: (d.at or datetime.min.replace(tzinfo=UTC), d.comment_id, d.line))
    units, program_of = _units(issues.values(), vocabulary, facts.program_of)
    return Facts.assemble(units, comments=comments, changes=changes, program_of=program_of,
                          groups={g: list(m) for g, m in facts.groups.items()}, documents=facts.documents,
                          decisions=ordered, people=facts.people)


def _units(issues: Any, vocabulary: Vocabulary, program_of: dict[str, str]) -> tuple[list[Issue], dict[str, str]]:
    """Each issue's project as the PMO counts projects (``portfolio.project_unit``: rules.units)."""
    return assign_units(issues, vocabulary.project_unit, vocabulary.record_type, program_of)


def load_issues(session: Session, vocabulary: Vocabulary, project_keys: list[str] | None = None,
                comments: list[Comment] | None = None) -> list[Issue]:
    """The live issues (of these projects) translated, each row's fields let go once read; their comments
    (project records: the gate decisions) added to ``comments`` in the same pass."""
    out = []
    for row in store.stored_issues(session, project_keys):
        out.append(_issue(row, vocabulary))
        if comments is not None:
            comments.extend(comment_from_json(row.id, data) for data in row.comments)
    return out


def load_changes(session: Session, issue_ids: Sequence[str] | None = None) -> list[Change]:
    return _changes(store.stored_changes(session, issue_ids))


def _changes(rows: Iterable[tuple[Any, ...]]) -> list[Change]:
    """Change records from the store's rows, the repeated texts shared (an issue's id and a history's id are on
    every one of their items, a field's name and a status's on thousands): at 100,000 issues, 2.2 million
    changes hold a fraction of the strings they would."""
    authors: dict[str, User] = {}  # one User per account: a few people wrote most of the changelog
    texts: dict[str, str] = {}

    def author(account: str | None) -> User | None:
        if not account:
            return None
        found = authors.get(account)
        if found is None:
            found = authors[account] = User(account)
        return found

    def shared(text: str | None) -> str | None:
        if text is None or len(text) > SHARED_TEXT:
            return text
        return texts.setdefault(text, text)

    out: list[Change] = []
    last_issue, last_history = "", ""
    for (issue_id, history_id, created, field, field_id, from_value, from_string, to_value, to_string,
         author_id) in rows:
        if issue_id != last_issue:
            last_issue = issue_id
        if history_id != last_history:
            last_history = history_id
        out.append(Change(last_issue, last_history, created, texts.setdefault(field, field), shared(field_id),
                          shared(from_value), shared(from_string), shared(to_value), shared(to_string),
                          author(author_id)))
    return out


SHARED_TEXT = 40  # longer values (a description's old text) are rarely repeated: not worth a look-up


def load_changes_of_projects(session: Session, project_keys: Sequence[str]) -> list[Change]:
    return _changes(store.stored_changes_of_projects(session, project_keys))


# How far back each look at the store goes again: a row stamped with its time before a slower transaction
# committed it may appear after rows stamped later; within this window it is still found.
OVERLAP = timedelta(seconds=30)


class StoredChanges(Mapping[str, list[Change]]):
    """Each issue's changes, read from the store when first asked for and kept. A worker holds the portfolio's
    issues, not its changelog (2.2 million changes, 0.8 GB, at 100,000 issues): a batch reads the changes of the
    issues its rules ask about. Iterating it covers what was read so far."""

    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions
        self._held: dict[str, list[Change]] = {}
        self.reads = 0  # queries sent, for tests

    def read(self, issue_ids: Iterable[str]) -> None:
        """Read these issues' changes now, in one query per 500 (the ones not held yet)."""
        wanted = [i for i in dict.fromkeys(issue_ids) if i not in self._held]
        if not wanted:
            return
        self.reads += 1
        with self.sessions() as session:
            found: dict[str, list[Change]] = {i: [] for i in wanted}
            for change in load_changes(session, wanted):
                found[change.issue_id].append(change)
        self._held.update(found)

    def forget(self, issue_ids: Iterable[str]) -> None:
        for issue_id in issue_ids:
            self._held.pop(issue_id, None)

    def __getitem__(self, issue_id: str) -> list[Change]:
        if issue_id not in self._held:
            self.read([issue_id])
        found = self._held[issue_id]
        if not found:
            raise KeyError(issue_id)
        return found

    def __contains__(self, issue_id: object) -> bool:
        try:
            self[str(issue_id)]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Iterator[str]:
        return iter([k for k, v in self._held.items() if v])

    def __len__(self) -> int:
        return sum(1 for v in self._held.values() if v)


class FactsCache:
    """The store's facts kept between a worker's batches. The whole store is read once, on the first call (a
    worker's warm-up); each later call reads only the issues stored (or marked deleted) since: it looks at the
    stamps of the rows stored in the last moments (:data:`OVERLAP`) and reads the rows whose stamp it has not
    seen, so a batch of events costs its own issues, not the whole portfolio."""

    def __init__(self, sessions: sessionmaker[Session], vocabulary: Callable[[], Vocabulary],
                 program_of: dict[str, str], groups: Callable[[], dict[str, list[str]]]):
        self.sessions, self.vocabulary, self.program_of, self.groups = sessions, vocabulary, program_of, groups
        self._stamps: dict[str, datetime] = {}  # issue id -> when the row this cache holds was stored
        self.full_loads = 0  # how many times the whole store was read
        self._issues: dict[str, Issue] = {}
        self._changes = StoredChanges(sessions)
        self._comments: dict[str, list[Comment]] = {}
        self._since: datetime | None = None
        self._loaded = 0.0
        self.people: Callable[[], dict[str, str]] | None = None  # approvers by id (None: names as they are)

    @classmethod
    def of(cls, runtime: Runtime) -> FactsCache:
        cache = cls(runtime.sessions, runtime.vocabulary, runtime.program_of(), runtime.approver_groups)
        cache.people = runtime.approver_people
        return cache

    def get(self) -> Facts:
        with self.sessions() as session:
            if self._since is None:
                self._full(session)
            else:
                self._recent(session, self._since)
            documents = stored_documents(session)
            decisions = load_decisions(session)
        issues, program_of = _units(self._issues.values(), self.vocabulary(), self.program_of)
        return Facts.assemble(issues, comments=self._comments, changes=self._changes,
                              program_of=program_of, groups=self.groups(), documents=documents,
                              decisions=decisions, people=self.people() if self.people is not None else None)

    def _full(self, session: Session) -> None:
        self.full_loads += 1
        self._stamps = store.stored_stamps_since(session, None)  # first: a row stored meanwhile is read again
        self._since = max(self._stamps.values(), default=None) or datetime.now(UTC)
        comments: list[Comment] = []
        self._issues = {i.id: i for i in load_issues(session, self.vocabulary(), comments=comments)}
        self._changes, self._comments = StoredChanges(self.sessions), {}
        for comment in comments:
            self._comments.setdefault(comment.issue_id, []).append(comment)
        _sort_comments(self._comments)

    def _recent(self, session: Session, since: datetime) -> None:
        stamps = store.stored_stamps_since(session, since - OVERLAP)
        unseen = [issue_id for issue_id, at in stamps.items() if self._stamps.get(issue_id) != at]
        if not unseen:
            return
        rows = store.stored_rows(session, unseen)
        vocabulary = self.vocabulary()
        ids = [row.id for row in rows]
        for row in rows:
            if row.synced_at is not None:
                since = max(since, row.synced_at)
                self._stamps[row.id] = row.synced_at
            self._comments.pop(row.id, None)
            if row.deleted:
                self._issues.pop(row.id, None)
                continue
            self._issues[row.id] = _issue(row, vocabulary)
            comments = [comment_from_json(row.id, data) for data in row.comments]
            if comments:
                self._comments[row.id] = comments
        self._since = since
        self._changes.forget(ids)  # read again when asked for
        _sort_comments({i: self._comments[i] for i in ids if i in self._comments})


def _sort_comments(by_issue: dict[str, list[Comment]]) -> None:
    for comments in by_issue.values():
        comments.sort(key=lambda c: c.created or datetime.min.replace(tzinfo=UTC))
