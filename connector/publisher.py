"""Publishing a tree of pages to Confluence without noise.

Unchanged content costs zero writes and at most one read per page; a changed page is exactly one update, as
a minor edit (no watcher notifications) with version + 1, and a 409 re-reads the version and tries again a
bounded number of times. Attachments are uploaded only when their bytes change. One page failing does not
stop the others: the report names it (and skips the pages under it).

A page create whose answer was lost (:class:`~connector.errors.OutcomeUnknown`) may have made the page: the page is
looked up by its title before it is created again. Attachments go up with ``PUT child/attachment``, which creates
or updates the file of that name, so the transport may send it again; adding labels is idempotent too.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from pmokit.records import Remembered

from .confluence_client import ConfluenceConnector
from .errors import AtlassianError, Conflict, NotFound, OutcomeUnknown
from .page_content import same_storage, version_message, written_by_pmokit
from .transport import RequestKind

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class AttachmentSpec:
    filename: str
    data: bytes
    media_type: str = "image/png"


@dataclass(frozen=True)
class PageSpec:
    key: str  # a stable name for the page, e.g. "portfolio/program/storefront"
    title: str
    body: str  # storage format
    parent_key: str | None = None  # None: under the configured parent page
    labels: tuple[str, ...] = ()
    attachments: tuple[AttachmentSpec, ...] = ()


class PageMemory(Protocol):
    """Where pmokit keeps what it last published (the store, in production)."""

    def page(self, key: str) -> Remembered | None: ...
    def remember_page(self, key: str, remembered: Remembered) -> None: ...
    def forget_page(self, key: str) -> None: ...
    def attachment_hash(self, page_id: str, filename: str) -> str | None: ...
    def remember_attachment(self, page_id: str, filename: str, attachment_id: str, content_hash: str) -> None: ...


@dataclass
class PublishReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    attachments_uploaded: int = 0
    page_ids: dict[str, str] = field(default_factory=dict)

    def line(self) -> str:
        text = (f"pages: {len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
                f"{len(self.failed)} failed; {self.attachments_uploaded} attachments uploaded")
        if self.failed:
            text += "; failed: " + "; ".join(f"{k} ({v})" for k, v in self.failed.items())
        return text


def digest(data: str | bytes) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


EXPAND = "body.storage,version,ancestors,metadata.labels"


class Publisher:
    def __init__(self, confluence: ConfluenceConnector, memory: PageMemory, *, conflict_retries: int = 3,
                 create_attempts: int = 3):
        self.confluence, self.memory, self.conflict_retries = confluence, memory, conflict_retries
        self.create_attempts = create_attempts
        self.space = confluence.settings.space

    def publish(self, pages: list[PageSpec], parent_title: str | None = None,
                on_page: Callable[[int, int], None] | None = None) -> PublishReport:
        """Publish ``pages`` under the page titled ``parent_title`` (default: ``confluence.parent_page``);
        ``on_page(done, total)`` after each page, for a progress bar."""
        report = PublishReport()
        try:
            root = self._root_parent(parent_title or self.confluence.settings.parent_page)
        except AtlassianError as exc:
            for page in pages:
                report.failed[page.key] = f"parent page: {exc}"
            return report
        for done, page in enumerate(_parents_first(pages), 1):
            if page.parent_key is not None and page.parent_key not in report.page_ids:
                report.failed[page.key] = f"its parent {page.parent_key} was not published"
            else:
                parent_id = report.page_ids[page.parent_key] if page.parent_key else root
                try:
                    self._publish_one(page, parent_id, report)
                except AtlassianError as exc:
                    log.warning("publishing %s failed: %s", page.key, exc)
                    report.failed[page.key] = str(exc)
            if on_page is not None:
                on_page(done, len(pages))
        return report

    # -- one page -----------------------------------------------------------------------------------------
    def _root_parent(self, title: str | None) -> str | None:
        if not title:
            return None
        key = f"__parent__/{self.space}/{title}"
        remembered = self.memory.page(key)
        if remembered is not None:
            return remembered.page_id
        found = self._find(title)
        if found is None:
            raise NotFound(f"Confluence space {self.space} has no page titled '{title}' to publish under")
        self.memory.remember_page(key, Remembered(str(found["id"]), title, "", int(found["version"]["number"])))
        return str(found["id"])

    def _find(self, title: str) -> dict[str, Any] | None:
        results = self.confluence.request("GET", "content", params={
            "spaceKey": self.space, "title": title, "type": "page", "expand": EXPAND}).get("results") or []
        return results[0] if results else None

    def _publish_one(self, page: PageSpec, parent_id: str | None, report: PublishReport) -> None:
        body_hash = digest(page.body)
        remembered = self.memory.page(page.key)
        current: dict[str, Any] | None = None
        if remembered is not None:
            try:
                current = self.confluence.request("GET", f"content/{remembered.page_id}", params={"expand": EXPAND})
            except NotFound:
                self.memory.forget_page(page.key)
                remembered = None
        if current is None:
            current = self._find(page.title)
        if current is None:
            current = self._create(page, parent_id)
            report.created.append(page.key)
        else:
            version = int(current["version"]["number"])
            # What pmokit remembers decides at no cost; else (nothing remembered, or someone wrote since) what the
            # page holds does.
            unchanged_here = (remembered is not None and remembered.version == version
                              and remembered.body_hash == body_hash) or _holds(current, page.body, body_hash)
            same_place = current.get("title") == page.title and (
                parent_id is None or _parent_of(current) == str(parent_id))
            if unchanged_here and same_place:
                report.unchanged.append(page.key)
            else:
                current = self._update(page, current, parent_id)
                report.updated.append(page.key)
        page_id = str(current["id"])
        report.page_ids[page.key] = page_id
        self.memory.remember_page(page.key, Remembered(page_id, page.title, body_hash,
                                                       int(current["version"]["number"])))
        self._labels(page, current)
        for attachment in page.attachments:
            if self._attach(page_id, attachment):
                report.attachments_uploaded += 1

    def _create(self, page: PageSpec, parent_id: str | None) -> dict[str, Any]:
        body: dict[str, Any] = {"type": "page", "title": page.title, "space": {"key": self.space},
                                "body": {"storage": {"value": page.body, "representation": "storage"}}}
        if parent_id:
            body["ancestors"] = [{"id": parent_id}]
        for attempt in range(1, self.create_attempts + 1):
            try:
                created: dict[str, Any] = self.confluence.request("POST", "content", body=body)
            except OutcomeUnknown as exc:
                # The page may have been made: look for it by its title before making it again.
                found = self._find(page.title)
                if found is not None:
                    log.info("creating %s: %s; the page is there (%s)", page.key, exc, found["id"])
                    return found
                if attempt == self.create_attempts:
                    raise
                log.info("creating %s: %s; no such page yet, creating it again", page.key, exc)
                continue
            created.setdefault("metadata", {"labels": {"results": []}})
            return created
        raise AssertionError("unreachable")

    def _update(self, page: PageSpec, current: dict[str, Any], parent_id: str | None) -> dict[str, Any]:
        """One new version holding ``page``. The PUT is a write whose outcome is checked, not retried blindly:
        sent again after an applied update it would meet a 409 and, read again, make a version more. So after a
        lost answer, a 5xx or a 409 the page is read: if its version is pmokit's with this body, that is the
        update; otherwise it is written on top of the version read, a bounded number of times."""
        version = int(current["version"]["number"])
        body_digest = digest(page.body)
        for attempt in range(self.conflict_retries + 1):
            body: dict[str, Any] = {
                "type": "page", "title": page.title,
                # What the page history shows beside the version: who wrote it, which page of which report,
                # and a digest of the body, by which pmokit knows its page again with nothing remembered.
                "version": {"number": version + 1, "minorEdit": True,
                            "message": version_message(page.key, body_digest)},
                "body": {"storage": {"value": page.body, "representation": "storage"}}}
            if parent_id:
                body["ancestors"] = [{"id": parent_id}]
            try:
                updated = self.confluence.request("PUT", f"content/{current['id']}", body=body,
                                                  kind=RequestKind.WRITE)
                updated["metadata"] = current.get("metadata") or {}
                return updated
            except (Conflict, OutcomeUnknown) as exc:
                fresh = self.confluence.request("GET", f"content/{current['id']}", params={"expand": EXPAND})
                if written_by_pmokit(fresh, body_digest) and int(fresh["version"]["number"]) > version:
                    log.info("updating %s: %s; read back: the update is there (version %s)", page.key, exc,
                             fresh["version"]["number"])
                    fresh["metadata"] = current.get("metadata") or fresh.get("metadata") or {}
                    return fresh
                if attempt == self.conflict_retries:
                    raise
                # Someone saved in between, or the update was not applied: write on top of the version read.
                version = int(fresh["version"]["number"])
        raise AssertionError("unreachable")

    def _labels(self, page: PageSpec, current: dict[str, Any]) -> None:
        have = {label.get("name") for label in ((current.get("metadata") or {}).get("labels") or {})
                .get("results") or []}
        missing = [label for label in page.labels if label not in have]
        if missing:
            # Adding a label a page has already changes nothing: safe to send again.
            self.confluence.request("POST", f"content/{current['id']}/label",
                                    body=[{"prefix": "global", "name": label} for label in missing],
                                    kind=RequestKind.IDEMPOTENT)

    def _attach(self, page_id: str, attachment: AttachmentSpec) -> bool:
        content_hash = digest(attachment.data)
        if self.memory.attachment_hash(page_id, attachment.filename) == content_hash:
            return False
        result = self.confluence.request(
            "PUT", f"content/{page_id}/child/attachment",
            files={"file": (attachment.filename, attachment.data, attachment.media_type),
                   "minorEdit": (None, "true")}, kind=RequestKind.IDEMPOTENT)  # create or update: safe to repeat
        uploaded = (result.get("results") or [result])[0]
        self.memory.remember_attachment(page_id, attachment.filename, str(uploaded.get("id")), content_hash)
        return True


def _holds(current: dict[str, Any], body: str, body_hash: str) -> bool:
    """The page holds ``body``: Confluence answers its own serialisation of what was written, never the bytes, so
    the version message or the content decides (:mod:`connector.page_content`)."""
    if written_by_pmokit(current, body_hash):
        return True
    return same_storage(str(((current.get("body") or {}).get("storage") or {}).get("value") or ""), body)


def _parent_of(content: dict[str, Any]) -> str | None:
    ancestors = content.get("ancestors") or []
    return str(ancestors[-1]["id"]) if ancestors else None


def _parents_first(pages: list[PageSpec]) -> list[PageSpec]:
    by_key = {p.key: p for p in pages}
    ordered: list[PageSpec] = []
    seen: set[str] = set()

    def visit(page: PageSpec, trail: tuple[str, ...] = ()) -> None:
        if page.key in seen or page.key in trail:
            return
        if page.parent_key in by_key:
            visit(by_key[page.parent_key], (*trail, page.key))
        seen.add(page.key)
        ordered.append(page)

    for page in pages:
        visit(page)
    return ordered
