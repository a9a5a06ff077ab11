"""Insert-or-update for SQLite and PostgreSQL, in one statement per batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import FromClause, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session


def upsert(session: Session, table: FromClause, rows: Sequence[dict[str, Any]], keys: Sequence[str],
           update: bool = True) -> None:
    """Insert ``rows``; where ``keys`` clash, update the other columns (or leave the row, with update=False)."""
    if not rows:
        return
    assert isinstance(table, Table), table  # a mapped class's __table__
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(table)
    columns = [c for c in rows[0] if c not in keys]
    if update and columns:
        statement = statement.on_conflict_do_update(index_elements=list(keys),
                                                    set_={c: statement.excluded[c] for c in columns})
    else:
        statement = statement.on_conflict_do_nothing(index_elements=list(keys))
    session.execute(statement, list(rows))
