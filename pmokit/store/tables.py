"""The store's tables. Schema changes go through Alembic migrations in ``migrations/versions``."""

from __future__ import annotations

from datetime import UTC, datetime
from datetime import date as Date

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import Date as DateType
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """A moment, kept as UTC on every database. SQLite keeps a datetime's wall clock and drops its offset: a time
    Jira wrote as 10:00+0800 would read back as 10:00 UTC, eight hours late (and an incremental sync's cursor
    with it); normalised on the way in, it reads back as the instant it was."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class SyncCursor(Base):
    """How far a sync of one scope (a set of projects) has safely got."""

    __tablename__ = "sync_cursor"

    scope: Mapped[str] = mapped_column(String(200), primary_key=True)
    last_updated: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_full_sync: Mapped[datetime | None] = mapped_column(UtcDateTime())
    last_reconcile: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class IssueSnapshot(Base):
    """The latest copy of one Jira issue as read from Jira (raw fields, for re-translation)."""

    __tablename__ = "issue_snapshot"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    key: Mapped[str] = mapped_column(String(64), index=True)
    project_key: Mapped[str] = mapped_column(String(32), index=True)
    issue_type: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(200))
    # Jira's category of the status (new, indeterminate, done): what is still open is found without its fields.
    status_category: Mapped[str | None] = mapped_column(String(32), nullable=True, index=True)
    updated: Mapped[datetime | None] = mapped_column(UtcDateTime(), index=True)
    fields: Mapped[dict] = mapped_column(JSON)
    remote_links: Mapped[list | None] = mapped_column(JSON, nullable=True)  # read for project records only
    deleted: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    synced_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)
    # The newest changelog history the store has seen of this issue, kept or not ("<UTC instant> <history id>";
    # see report_jobs.sync.rows): a cut inline changelog that reaches back to it needs no full read.
    changelog_mark: Mapped[str | None] = mapped_column(String(80), nullable=True)


class ChangelogItem(Base):
    """One item of one changelog history of an issue."""

    __tablename__ = "changelog_item"
    __table_args__ = (
        Index("ix_changelog_item_issue_created", "issue_id", "created"),
        Index("uq_changelog_item_history", "issue_id", "history_id", "item_index", unique=True),
    )

    pk: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True,
                                    autoincrement=True)
    issue_id: Mapped[str] = mapped_column(String(32))
    history_id: Mapped[str] = mapped_column(String(32))
    item_index: Mapped[int] = mapped_column(Integer)
    created: Mapped[datetime] = mapped_column(UtcDateTime())
    author_id: Mapped[str | None] = mapped_column(String(128))
    field: Mapped[str] = mapped_column(String(200))
    field_id: Mapped[str | None] = mapped_column(String(100))
    from_value: Mapped[str | None] = mapped_column(Text)
    from_string: Mapped[str | None] = mapped_column(Text)
    to_value: Mapped[str | None] = mapped_column(Text)
    to_string: Mapped[str | None] = mapped_column(Text)



class ConnectorCache(Base):
    """Per-site facts the connector would otherwise look up every run (flavour, account, field list)."""

    __tablename__ = "connector_cache"

    site: Mapped[str] = mapped_column(String(300), primary_key=True)
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[dict] = mapped_column(JSON)
    fetched_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PublishedPage(Base):
    """A Confluence page pmokit publishes: where it is and what was last written to it."""

    __tablename__ = "published_page"

    key: Mapped[str] = mapped_column(String(300), primary_key=True)  # the report's stable name for the page
    page_id: Mapped[str] = mapped_column(String(64))
    title: Mapped[str] = mapped_column(String(500))
    body_hash: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PublishedAttachment(Base):
    """An attachment pmokit uploaded, with the hash of its bytes, so unchanged charts are not sent again."""

    __tablename__ = "published_attachment"

    page_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    filename: Mapped[str] = mapped_column(String(300), primary_key=True)
    attachment_id: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DrawnChart(Base):
    """A chart's PNG by the digest of what it was drawn from, so a report does not draw an unchanged chart again."""

    __tablename__ = "drawn_chart"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    png: Mapped[bytes] = mapped_column(LargeBinary)
    used_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class RuleState(Base):
    """The latest result of each rule on each issue, so the audit records only what changed."""

    __tablename__ = "rule_state"

    rule_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    issue_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(20))
    fingerprint: Mapped[str] = mapped_column(String(64))  # hash of state, message and missing
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AuditEvent(Base):
    """Every evaluation that changed a result, every action taken and every approval, with its evidence."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_project_at", "project_key", "at"),)

    pk: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    kind: Mapped[str] = mapped_column(String(20))  # result | action | approval
    trigger: Mapped[str] = mapped_column(String(40))
    project_key: Mapped[str] = mapped_column(String(32))
    issue_key: Mapped[str] = mapped_column(String(64))
    rule_id: Mapped[str | None] = mapped_column(String(100))
    state: Mapped[str | None] = mapped_column(String(20))
    summary: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON)  # evidence, missing, fix; or the action and its outcome
    ruleset_hash: Mapped[str] = mapped_column(String(64))


class GateDecision(Base):
    """One `/pmo` command on a project record as pmokit took it (``pmokit.records.Decision``)."""

    __tablename__ = "gate_decision"
    __table_args__ = (UniqueConstraint("comment_id", "line", name="uq_gate_decision_comment_id"),)

    pk: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    issue_key: Mapped[str] = mapped_column(String(64), index=True)
    gate: Mapped[str] = mapped_column(String(100))
    comment_id: Mapped[str] = mapped_column(String(64))
    line: Mapped[int] = mapped_column(Integer)
    verb: Mapped[str] = mapped_column(String(40))
    author: Mapped[str] = mapped_column(String(200))
    author_name: Mapped[str] = mapped_column(String(200))
    at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    applied: Mapped[bool] = mapped_column(Boolean)
    answer: Mapped[str] = mapped_column(Text)
    phase: Mapped[str | None] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text)
    deadline: Mapped[Date | None] = mapped_column(DateType)
    conditions: Mapped[str] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UtcDateTime())


class PmokitComment(Base):
    """The comment pmokit keeps on an issue, as it last wrote it (so it knows what is there without a read)."""

    __tablename__ = "pmokit_comment"

    issue_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    comment_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    written_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ConfluenceDocument(Base):
    """A labelled Confluence page of a project: evidence for `documents` rules with `confluence_label`."""

    __tablename__ = "confluence_document"

    page_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_key: Mapped[str] = mapped_column(String(64), index=True)  # a Jira project key or a record's key
    title: Mapped[str] = mapped_column(String(500))
    labels: Mapped[list] = mapped_column(JSON)
    seen_at: Mapped[datetime] = mapped_column(UtcDateTime())


class InboxEvent(Base):
    """A webhook event, persisted before it is acknowledged, until a worker has handled it (or given up)."""

    __tablename__ = "inbox_event"

    pk: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True,
                                    autoincrement=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)  # Jira's identifier, or the body's hash
    # The same signed body sent again under another identifier is a replay, not a new event.
    body_sha256: Mapped[str | None] = mapped_column(String(64), unique=True)
    received_at: Mapped[datetime] = mapped_column(UtcDateTime())
    webhook_event: Mapped[str] = mapped_column(String(60))
    issue_id: Mapped[str] = mapped_column(String(32))
    issue_key: Mapped[str] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(200))
    triggers: Mapped[list] = mapped_column(JSON)
    payload: Mapped[str] = mapped_column(Text)  # the body as received (JSON text): kept, not re-encoded
    status: Mapped[str] = mapped_column(String(12), index=True)  # pending | done | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime())
    claim: Mapped[str | None] = mapped_column(String(64))  # the claiming worker's token while it holds the event
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime())
    outcome: Mapped[str] = mapped_column(Text, default="")  # what processing did, or the last error
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class IssueLease(Base):
    """Which worker is acting on an issue: one at a time, so two never write the same comment at once."""

    __tablename__ = "issue_lease"

    issue_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    claim: Mapped[str] = mapped_column(String(64), index=True)
    until: Mapped[datetime] = mapped_column(UtcDateTime())


class LeaderLease(Base):
    """Which pmokit instance runs a singleton duty (the scheduler) until when; renewed while it lives."""

    __tablename__ = "leader_lease"

    name: Mapped[str] = mapped_column(String(100), primary_key=True)
    holder: Mapped[str] = mapped_column(String(200))
    until: Mapped[datetime] = mapped_column(UtcDateTime())


class StatusSnapshot(Base):
    """A project's status in one reporting period: kept so reports show trends and what changed."""

    __tablename__ = "status_snapshot"

    period: Mapped[str] = mapped_column(String(20), primary_key=True)  # e.g. 2026-W47
    project_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    rag: Mapped[str] = mapped_column(String(10))
    figures: Mapped[dict] = mapped_column(JSON)  # indicator values and colours, progress, compliance
    reasons: Mapped[list] = mapped_column(JSON)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime())
