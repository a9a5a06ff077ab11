"""What pmokit last published to Confluence, kept in the store (``connector.publisher.PageMemory``)."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, sessionmaker

from pmokit.records import Remembered

from .tables import PublishedAttachment, PublishedPage
from .upsert import upsert


class StorePageMemory:
    def __init__(self, sessions: sessionmaker[Session]):
        self.sessions = sessions

    def page(self, key: str) -> Remembered | None:
        with self.sessions() as session:
            row = session.get(PublishedPage, key)
            return Remembered(row.page_id, row.title, row.body_hash, row.version) if row else None

    def remember_page(self, key: str, remembered: Remembered) -> None:
        with self.sessions.begin() as session:
            upsert(session, PublishedPage.__table__, [{
                "key": key, "page_id": remembered.page_id, "title": remembered.title,
                "body_hash": remembered.body_hash, "version": remembered.version,
                "updated_at": datetime.now(UTC)}], ["key"])

    def forget_page(self, key: str) -> None:
        with self.sessions.begin() as session:
            session.execute(delete(PublishedPage).where(PublishedPage.key == key))

    def attachment_hash(self, page_id: str, filename: str) -> str | None:
        with self.sessions() as session:
            return session.scalar(select(PublishedAttachment.content_hash).where(
                PublishedAttachment.page_id == page_id, PublishedAttachment.filename == filename))

    def remember_attachment(self, page_id: str, filename: str, attachment_id: str, content_hash: str) -> None:
        with self.sessions.begin() as session:
            upsert(session, PublishedAttachment.__table__, [{
                "page_id": page_id, "filename": filename, "attachment_id": attachment_id,
                "content_hash": content_hash, "updated_at": datetime.now(UTC)}], ["page_id", "filename"])
