"""the status category of each stored issue (what is not done is read without reading every issue) and an index
on when each was stored (a worker looks for what changed since its last batch)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 02:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("issue_snapshot", sa.Column("status_category", sa.String(length=32), nullable=True))
    # Filled from each issue's fields as Jira sent them (status.statusCategory.key: new, indeterminate, done).
    if op.get_bind().dialect.name == "postgresql":
        op.execute("UPDATE issue_snapshot SET status_category = fields -> 'status' -> 'statusCategory' ->> 'key'")
    else:
        op.execute("UPDATE issue_snapshot SET status_category = json_extract(fields, '$.status.statusCategory.key')")
    op.create_index(op.f("ix_issue_snapshot_status_category"), "issue_snapshot", ["status_category"])
    op.create_index(op.f("ix_issue_snapshot_synced_at"), "issue_snapshot", ["synced_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_issue_snapshot_synced_at"), table_name="issue_snapshot")
    op.drop_index(op.f("ix_issue_snapshot_status_category"), table_name="issue_snapshot")
    op.drop_column("issue_snapshot", "status_category")
