"""drawn charts by the digest of their data: a report draws only the charts whose data changed

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 18:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drawn_chart",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_drawn_chart")),
    )
    op.create_index(op.f("ix_drawn_chart_used_at"), "drawn_chart", ["used_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_drawn_chart_used_at"), table_name="drawn_chart")
    op.drop_table("drawn_chart")
