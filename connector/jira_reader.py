"""Reading Jira completely with the fewest requests the API allows.

Cloud: ids through ``search/jql`` (5,000 a page), issues through ``issue/bulkfetch`` (100 a request, with the
inline changelog), and ``changelog/bulkfetch`` (1,000 issues a request, 10,000 histories a page) only for
issues whose inline changelog was cut and does not reach back to histories already stored.
Data Center: ``search`` pages with fields and the inline changelog, and the whole changelog of an issue only
where the inline one was cut. Inline changelogs are never trusted alone: completeness is always checked.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .jira_client import JiraConnector
from .translate import parse_datetime

ID_PAGE = 5000
UPDATED_PAGE = 100  # Cloud's enhanced search: 5,000 ids a page, 100 when a field is asked for too
ISSUE_PAGE = 100
CHANGELOG_ISSUES = 1000
CHANGELOG_PAGE = 10000
DC_PAGE = 1000
DC_ID_QUERY = 1000  # ids in one Data Center `id in (…)` search

# A history's place in its issue's changelog: by the instant it was made, then by id (see _oldest_first).
HistoryMark = tuple[datetime, tuple[int, str]]
# Issue id -> the newest history the store has seen of it (kept or not: see report_jobs.sync.rows), or None.
KnownHistories = Callable[[str], HistoryMark | None]


ALL = "all"  # histories is the whole changelog
TAIL = "tail"  # histories are the newest ones; the store has seen every older one
NONE = "none"  # the inline changelog was cut: the whole changelog must be fetched


@dataclass
class FetchedIssue:
    raw: dict[str, Any]  # the issue as Jira returned it, without its changelog
    histories: list[dict[str, Any]] = field(default_factory=list)  # oldest first
    coverage: str = NONE
    expected: int | None = None  # a cut changelog's total, as the inline one gave it: how much is to be fetched

    @property
    def id(self) -> str:
        return str(self.raw["id"])

    @property
    def updated(self) -> str | None:
        return (self.raw.get("fields") or {}).get("updated")


def _chunks(items: list[str], size: int) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def history_mark(history: dict[str, Any]) -> HistoryMark:
    return parse_datetime(history.get("created")) or _NEVER, _numeric(history.get("id"))


def mark_text(history: dict[str, Any]) -> str:
    """The mark of ``history`` as the store keeps it: "<UTC instant> <id>"."""
    moment, _ = history_mark(history)
    return f"{moment.astimezone(UTC).isoformat()} {history.get('id')}"


def mark_from_text(text: str | None) -> HistoryMark | None:
    if not text:
        return None
    moment, _, history_id = text.partition(" ")
    try:
        return datetime.fromisoformat(moment), _numeric(history_id)
    except ValueError:
        return None


def _oldest_first(histories: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """By the instant each was made (Jira writes times in the user's zone, its offset changing with daylight
    saving: as text, 01:50-0400 sorts after 01:10-0500, which came later), then by id."""
    return sorted(histories, key=lambda h: (parse_datetime(h.get("created")) or _NEVER, _numeric(h.get("id"))))


_NEVER = datetime.min.replace(tzinfo=UTC)


def _numeric(value: Any) -> tuple[int, str]:
    text = str(value or "")
    return (int(text), "") if text.isdigit() else (0, text)


def _complete(changelog: dict[str, Any], count: int) -> bool:
    """Whether an inline changelog of ``count`` histories is the whole of it: by its ``total``; without one, only
    if it is shorter than its own page (``maxResults``). Missing both, nothing proves it complete."""
    total = changelog.get("total")
    if isinstance(total, int) and not isinstance(total, bool):
        return total <= count
    page = changelog.get("maxResults")
    return isinstance(page, int) and not isinstance(page, bool) and count < page


def _inline(issue: dict[str, Any], known: KnownHistories | None) -> FetchedIssue:
    """The issue with what its inline changelog proves: all of it, the new tail, or nothing."""
    changelog = issue.pop("changelog", None) or {}
    listed = changelog.get("histories") or []
    total = changelog.get("total")
    expected = total if isinstance(total, int) and not isinstance(total, bool) and total >= 0 else None
    if _complete(changelog, len(listed)):
        return FetchedIssue(issue, _oldest_first(listed), ALL)
    if listed and known is not None:
        histories = _oldest_first(listed)
        # Cut, but enough when its oldest history is one the store has seen: it has seen every older one too.
        seen = known(str(issue["id"]))
        if seen is not None and history_mark(histories[0]) <= seen:
            return FetchedIssue(issue, [h for h in histories if history_mark(h) > seen], TAIL)
    return FetchedIssue(issue, [], NONE, expected)


def _changelog_groups(issues: list[FetchedIssue]) -> Iterator[list[FetchedIssue]]:
    """Cut changelogs in groups of at most 1,000 issues whose totals fill about one page (10,000 histories), so
    that the groups can be fetched side by side rather than page after page. An issue whose total is unknown
    counts as none: its group is bounded by the issue count alone, and its pages are followed."""
    group: list[FetchedIssue] = []
    histories = 0
    for issue in issues:
        size = issue.expected or 0
        if group and (len(group) >= CHANGELOG_ISSUES or histories + size > CHANGELOG_PAGE):
            yield group
            group, histories = [], 0
        group.append(issue)
        histories += size
    if group:
        yield group


def _taken(queue: deque[Future[Any]], asked: set[Future[Any]]) -> Any:
    """The result of the oldest read in ``queue``, which is then forgotten."""
    future = queue.popleft()
    asked.discard(future)
    return future.result()


class _Reads:
    """Reads sent up to ``in_flight`` at once (1: each in the caller's thread, when it is asked for)."""

    def __init__(self, in_flight: int):
        self.in_flight = max(1, in_flight)
        self.pool = ThreadPoolExecutor(self.in_flight, thread_name_prefix="pmokit-read") if self.in_flight > 1 \
            else None

    def submit(self, work: Callable[..., Any], *args: Any) -> Future[Any]:
        if self.pool is not None:
            return self.pool.submit(work, *args)
        future: Future[Any] = Future()
        try:
            future.set_result(work(*args))
        except BaseException as exc:
            future.set_exception(exc)
        return future

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)


class JiraReader:
    """``in_flight``: bulk reads (pages of issues, of changelogs, remote links) sent at once after the id pages.
    Cloud's cut changelogs are fetched in groups of about a page each, which can go side by side."""

    def __init__(self, jira: JiraConnector, in_flight: int = 1):
        self.jira, self.in_flight = jira, in_flight
        self._reads: _Reads | None = None

    @property
    def reads(self) -> _Reads:
        """One pool for every read this reader sends side by side: never more than ``in_flight`` at once."""
        if self._reads is None:
            self._reads = _Reads(self.in_flight)
        return self._reads

    def close(self) -> None:
        if self._reads is not None:
            self._reads.close()
            self._reads = None

    # -- ids --------------------------------------------------------------------------------------------
    def ids(self, jql: str) -> list[str]:
        """Every issue id matching ``jql``: 5,000 a request on Cloud, as many as Data Center allows there."""
        if self.jira.cloud:
            out: list[str] = []
            token: str | None = None
            while True:
                body: dict[str, Any] = {"jql": jql, "maxResults": ID_PAGE, "fields": ["id"]}
                if token:
                    body["nextPageToken"] = token
                page = self.jira.query("search/jql", body)
                out.extend(str(i["id"]) for i in page.get("issues") or [])
                token = page.get("nextPageToken")
                if not token or page.get("isLast"):
                    return out
        return [str(i["id"]) for i in self._dc_pages(jql, ["id"], expand=None)]

    def updated_page(self, jql: str) -> dict[str, str] | None:
        """Issue id -> ``updated`` of every issue matching ``jql``, in one request, when they fit in one page
        (Cloud pages of ids with a field hold 100); None when there are more (or on Data Center, whose search
        pages carry whole issues anyway). An incremental sync reads again only the issues whose ``updated``
        the store does not have."""
        if not self.jira.cloud:
            return None
        page = self.jira.query("search/jql", {"jql": jql, "maxResults": UPDATED_PAGE, "fields": ["updated"]})
        issues = page.get("issues") or []
        if page.get("nextPageToken") and not page.get("isLast", False):
            return None
        return {str(i["id"]): str((i.get("fields") or {}).get("updated") or "") for i in issues}

    # -- issues with complete changelogs ---------------------------------------------------------------------
    def fetch(self, jql: str, field_ids: list[str], known: KnownHistories | None = None,
              batch: int = 1000, ids: list[str] | None = None) -> Iterator[list[FetchedIssue]]:
        """Batches of issues matching ``jql`` (or the given ``ids``), each with its complete changelog."""
        if self.jira.cloud:
            yield from self._fetch_cloud(ids if ids is not None else self.ids(jql), field_ids, known, batch)
        else:
            if ids is None:
                yield from self._fetch_dc(jql, field_ids, known, batch)
            else:  # bounded queries: a JQL of thousands of ids is long even in a POST body
                for chunk in _chunks(ids, DC_ID_QUERY) if ids else [[]]:
                    yield from self._fetch_dc(_id_jql(chunk), field_ids, known, batch)

    def _fetch_cloud(self, ids: list[str], field_ids: list[str], known: KnownHistories | None,
                     batch: int) -> Iterator[list[FetchedIssue]]:
        asked: set[Future[Any]] = set()  # sent or to be sent, not yet read (a read one is let go: it holds a page)
        try:
            yield from self._cloud_batches(self.reads, asked, ids, field_ids, known, batch)
        finally:
            for future in asked:  # stopped early (a failure, a crash): what was not sent yet is not sent
                future.cancel()

    def _cloud_batches(self, reads: _Reads, asked: set[Future[Any]], ids: list[str], field_ids: list[str],
                       known: KnownHistories | None, batch: int) -> Iterator[list[FetchedIssue]]:
        def issue_page(chunk: list[str]) -> Any:
            return self.jira.query("issue/bulkfetch", {"issueIdsOrKeys": chunk, "fields": field_ids,
                                                      "expand": ["changelog"]})

        ready: list[FetchedIssue] = []
        pending: list[FetchedIssue] = []  # cut changelogs, waiting to fill a request
        pages: deque[Future[Any]] = deque()
        completing: deque[Future[list[FetchedIssue]]] = deque()
        chunks = _chunks(ids, ISSUE_PAGE)
        while True:
            for chunk in chunks:  # keep `in_flight` issue pages asked for ahead of the one being read
                pages.append(reads.submit(issue_page, chunk))
                asked.add(pages[-1])
                if len(pages) >= reads.in_flight:
                    break
            if not pages:
                break
            page = _taken(pages, asked)
            for issue in page.get("issues") or []:
                fetched = _inline(issue, known)
                (pending if fetched.coverage == NONE else ready).append(fetched)
            groups = list(_changelog_groups(pending))
            pending = groups.pop() if groups else []  # the last group may still grow
            for group in groups:
                completing.append(reads.submit(self._complete, group))
                asked.add(completing[-1])
            while completing and completing[0].done():
                ready.extend(_taken(completing, asked))
            while len(ready) >= batch:
                yield ready[:batch]
                ready = ready[batch:]
        if pending:
            completing.append(reads.submit(self._complete, pending))
            asked.add(completing[-1])
        while completing:
            ready.extend(_taken(completing, asked))
            while len(ready) >= batch:
                yield ready[:batch]
                ready = ready[batch:]
        if ready:
            yield ready

    def _complete(self, issues: list[FetchedIssue]) -> list[FetchedIssue]:
        logs = self.changelogs([i.id for i in issues])
        for issue in issues:
            issue.histories, issue.coverage = logs.get(issue.id, []), ALL
        return issues

    def changelogs(self, ids: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Whole changelogs of up to any number of issues, 1,000 issues and 10,000 histories a request."""
        out: dict[str, list[dict[str, Any]]] = {}
        for chunk in _chunks(list(ids), CHANGELOG_ISSUES):
            token: str | None = None
            while True:
                body: dict[str, Any] = {"issueIdsOrKeys": chunk, "maxResults": CHANGELOG_PAGE}
                if token:
                    body["nextPageToken"] = token
                page = self.jira.query("changelog/bulkfetch", body)
                for log in page.get("issueChangeLogs") or []:
                    out.setdefault(str(log["issueId"]), []).extend(log.get("changeHistories") or [])
                token = page.get("nextPageToken")
                if not token:
                    break
        return {issue_id: _oldest_first(histories) for issue_id, histories in out.items()}

    # -- Data Center ----------------------------------------------------------------------------------------
    def _dc_pages(self, jql: str, field_ids: list[str], expand: str | None) -> Iterator[dict[str, Any]]:
        """Data Center's search, sent as POST: a GET with a long JQL (``id in (…)`` of a thousand ids is 9 KB)
        is refused with 400 by the Tomcat or proxy in front of Jira past about 8 KB of URL."""
        start = 0
        while True:
            body: dict[str, Any] = {"jql": jql, "startAt": start, "maxResults": DC_PAGE, "fields": field_ids}
            if expand:
                body["expand"] = [expand]
            page = self.jira.query("search", body, api="2")
            issues = page.get("issues") or []
            yield from issues
            # The server may cap maxResults below what was asked: advance by what came back.
            start += len(issues)
            if not issues or start >= int(page.get("total", 0)):
                return

    def _fetch_dc(self, jql: str, field_ids: list[str], known: KnownHistories | None,
                  batch: int) -> Iterator[list[FetchedIssue]]:
        ready: list[FetchedIssue] = []
        for issue in self._dc_pages(jql, field_ids, "changelog"):
            fetched = _inline(issue, known)
            if fetched.coverage == NONE:
                # Data Center returns the whole changelog of a single issue.
                full = self.jira.get(f"issue/{fetched.id}", params={"expand": "changelog", "fields": "updated"},
                                     api="2")
                fetched.histories = _oldest_first((full.get("changelog") or {}).get("histories") or [])
                fetched.coverage = ALL
            ready.append(fetched)
            if len(ready) >= batch:
                yield ready
                ready = []
        if ready:
            yield ready

    def still_there(self, ids: Iterable[str], projects: Iterable[str]) -> set[str]:
        """Of ``ids`` (absent from a search), those Jira still has in one of ``projects``, read by id. Jira
        Cloud's search is eventually consistent: an issue it did not return may only be too new for its index,
        and is no deletion. Data Center's search is current: nothing to confirm there."""
        wanted = sorted({str(i) for i in ids}, key=int)
        if not wanted or not self.jira.cloud:
            return set()
        keys, found = set(projects), set()
        for chunk in _chunks(wanted, ISSUE_PAGE):
            page = self.jira.query("issue/bulkfetch", {"issueIdsOrKeys": chunk, "fields": ["project"]})
            for issue in page.get("issues") or []:
                if (((issue.get("fields") or {}).get("project") or {}).get("key")) in keys:
                    found.add(str(issue["id"]))
        return found

    # -- what bulk reads do not carry -------------------------------------------------------------------
    def remote_links(self, key: str) -> list[dict[str, Any]]:
        return self.jira.get(f"issue/{key}/remotelink") or []

    def remote_links_of(self, keys: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        """Remote links of each issue key, ``in_flight`` requests at once (Jira has no bulk read of them)."""
        wanted = list(dict.fromkeys(keys))
        futures = [self.reads.submit(self.remote_links, key) for key in wanted]
        try:
            return {key: future.result() for key, future in zip(wanted, futures, strict=True)}
        finally:
            for future in futures:
                future.cancel()

    def comments(self, ids: list[str]) -> dict[str, dict[str, Any]]:
        """The ``comment`` field of each issue: 100 issues a request on Cloud, one by one on Data Center."""
        out: dict[str, dict[str, Any]] = {}
        if self.jira.cloud:
            for chunk in _chunks(ids, ISSUE_PAGE):
                page = self.jira.query("issue/bulkfetch", {"issueIdsOrKeys": chunk, "fields": ["comment"]})
                for issue in page.get("issues") or []:
                    out[str(issue["id"])] = (issue.get("fields") or {}).get("comment") or {"comments": []}
        else:
            for issue_id in ids:
                issue = self.jira.get(f"issue/{issue_id}", params={"fields": "comment"}, api="2")
                out[issue_id] = (issue.get("fields") or {}).get("comment") or {"comments": []}
        return out


def _id_jql(ids: list[str]) -> str:
    return f"id in ({', '.join(ids)})" if ids else "id = -1"
