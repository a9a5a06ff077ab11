"""initial tables: sync cursors, issue snapshot, changelog

Revision ID: 0001
Revises:
Create Date: 2026-11-22 02:32:17.043028
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "changelog_item",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("issue_id", sa.String(length=32), nullable=False),
        sa.Column("history_id", sa.String(length=32), nullable=False),
        sa.Column("item_index", sa.Integer(), nullable=False),
        sa.Column("created", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author_id", sa.String(length=128), nullable=True),
        sa.Column("field", sa.String(length=200), nullable=False),
        sa.Column("field_id", sa.String(length=100), nullable=True),
        sa.Column("from_value", sa.Text(), nullable=True),
        sa.Column("from_string", sa.Text(), nullable=True),
        sa.Column("to_value", sa.Text(), nullable=True),
        sa.Column("to_string", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_changelog_item")),
    )
    with op.batch_alter_table("changelog_item", schema=None) as batch_op:
        batch_op.create_index("ix_changelog_item_issue_created", ["issue_id", "created"], unique=False)
        batch_op.create_index("uq_changelog_item_history", ["issue_id", "history_id", "item_index"], unique=True)

    op.create_table(
        "issue_snapshot",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("project_key", sa.String(length=32), nullable=False),
        sa.Column("issue_type", sa.String(length=100), nullable=False),
        sa.Column("status", sa.String(length=200), nullable=False),
        sa.Column("updated", sa.DateTime(timezone=True), nullable=True),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("deleted", sa.Boolean(), nullable=False),
        sa.Column("synced_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_issue_snapshot")),
    )
    with op.batch_alter_table("issue_snapshot", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issue_snapshot_deleted"), ["deleted"], unique=False)
        batch_op.create_index(batch_op.f("ix_issue_snapshot_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_issue_snapshot_project_key"), ["project_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_issue_snapshot_updated"), ["updated"], unique=False)

    op.create_table(
        "sync_cursor",
        sa.Column("scope", sa.String(length=200), nullable=False),
        sa.Column("last_updated", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_full_sync", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_reconcile", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", name=op.f("pk_sync_cursor")),
    )


def downgrade() -> None:
    op.drop_table("sync_cursor")
    with op.batch_alter_table("issue_snapshot", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issue_snapshot_updated"))
        batch_op.drop_index(batch_op.f("ix_issue_snapshot_project_key"))
        batch_op.drop_index(batch_op.f("ix_issue_snapshot_key"))
        batch_op.drop_index(batch_op.f("ix_issue_snapshot_deleted"))

    op.drop_table("issue_snapshot")
    with op.batch_alter_table("changelog_item", schema=None) as batch_op:
        batch_op.drop_index("uq_changelog_item_history")
        batch_op.drop_index("ix_changelog_item_issue_created")

    op.drop_table("changelog_item")
