"""the webhook inbox and the per-issue leases of workers

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22 05:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inbox_event",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("webhook_event", sa.String(length=60), nullable=False),
        sa.Column("issue_id", sa.String(length=32), nullable=False),
        sa.Column("issue_key", sa.String(length=64), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("triggers", sa.JSON(), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claim", sa.String(length=64), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=False),
        sa.Column("processed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_inbox_event")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_inbox_event_dedupe_key")),
    )
    with op.batch_alter_table("inbox_event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_inbox_event_status"), ["status"], unique=False)
    op.create_table(
        "issue_lease",
        sa.Column("issue_id", sa.String(length=32), nullable=False),
        sa.Column("claim", sa.String(length=64), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("issue_id", name=op.f("pk_issue_lease")),
    )
    with op.batch_alter_table("issue_lease", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_issue_lease_claim"), ["claim"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("issue_lease", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_issue_lease_claim"))
    op.drop_table("issue_lease")
    with op.batch_alter_table("inbox_event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_inbox_event_status"))
    op.drop_table("inbox_event")
