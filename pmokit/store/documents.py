"""The Confluence pages that count as a project's documents, as the last sync found them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .tables import ConfluenceDocument


def replace_documents(session: Session, pages: Iterable[dict[str, Any]], now: datetime | None = None) -> None:
    """Replace what is known (rows: page_id, project_key, title, labels): a page that lost its label or moved
    away no longer counts."""
    now = now or datetime.now(UTC)
    session.execute(delete(ConfluenceDocument))
    session.add_all(ConfluenceDocument(**page, seen_at=now) for page in pages)


def stored_documents(session: Session) -> dict[str, list[str]]:
    """Project (or record) key -> the labels of its Confluence pages."""
    documents: dict[str, list[str]] = {}
    for row in session.scalars(select(ConfluenceDocument)):
        documents.setdefault(row.project_key, []).extend(row.labels or [])
    return documents
