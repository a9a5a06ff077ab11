"""Timestamps from the store: SQLite hands back naive datetimes, and everything pmokit stores is UTC."""

from __future__ import annotations

from datetime import UTC, datetime


def utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
