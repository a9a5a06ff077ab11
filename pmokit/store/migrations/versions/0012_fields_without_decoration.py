"""issues' stored fields without what no part of pmokit reads: each user's, status's, priority's, type's and
project's REST link and pictures ("self", "avatarUrls", "iconUrl"), half of a typical issue's JSON

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04 03:00:00
"""

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

DECORATION = frozenset({"self", "avatarUrls", "iconUrl"})  # as connector.storable.DECORATION on this day
BATCH = 1000


def _undecorated(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: _undecorated(item) for key, item in value.items() if key not in DECORATION}
    if isinstance(value, list):
        return [_undecorated(item) for item in value]
    return value


def upgrade() -> None:
    bind = op.get_bind()
    postgresql = bind.dialect.name == "postgresql"
    write = sa.text("UPDATE issue_snapshot SET fields = CAST(:fields AS json) WHERE id = :id" if postgresql
                    else "UPDATE issue_snapshot SET fields = :fields WHERE id = :id")
    after = ""
    while True:
        rows = bind.execute(sa.text("SELECT id, fields FROM issue_snapshot WHERE id > :after ORDER BY id LIMIT :n"),
                            {"after": after, "n": BATCH}).all()
        if not rows:
            return
        changed = []
        for issue_id, fields in rows:
            data = json.loads(fields) if isinstance(fields, (str, bytes)) else fields
            slim = _undecorated(data)
            if slim != data:
                changed.append({"id": issue_id, "fields": json.dumps(slim, ensure_ascii=False)})
        if changed:
            bind.execute(write, changed)
        after = rows[-1][0]


def downgrade() -> None:
    pass  # what was dropped is read again by the next full sync
