"""status snapshots per reporting period

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22 07:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "status_snapshot",
        sa.Column("period", sa.String(length=20), nullable=False),
        sa.Column("project_key", sa.String(length=64), nullable=False),
        sa.Column("rag", sa.String(length=10), nullable=False),
        sa.Column("figures", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("period", "project_key", name=op.f("pk_status_snapshot")),
    )


def downgrade() -> None:
    op.drop_table("status_snapshot")
