"""gate decisions (the ledger of /pmo commands) and pmokit's comments

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 21:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "gate_decision",
        sa.Column("pk", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("issue_key", sa.String(length=64), nullable=False),
        sa.Column("gate", sa.String(length=100), nullable=False),
        sa.Column("comment_id", sa.String(length=64), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("verb", sa.String(length=40), nullable=False),
        sa.Column("author", sa.String(length=200), nullable=False),
        sa.Column("author_name", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("applied", sa.Boolean(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("phase", sa.String(length=100), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("pk", name=op.f("pk_gate_decision")),
        sa.UniqueConstraint("comment_id", "line", name=op.f("uq_gate_decision_comment_id")),
    )
    op.create_index(op.f("ix_gate_decision_issue_key"), "gate_decision", ["issue_key"])
    op.create_table(
        "pmokit_comment",
        sa.Column("issue_key", sa.String(length=64), nullable=False),
        sa.Column("comment_id", sa.String(length=64), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("written_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("issue_key", name=op.f("pk_pmokit_comment")),
    )


def downgrade() -> None:
    op.drop_table("pmokit_comment")
    op.drop_index(op.f("ix_gate_decision_issue_key"), table_name="gate_decision")
    op.drop_table("gate_decision")
