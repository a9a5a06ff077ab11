"""labelled Confluence pages of projects

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22 05:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "confluence_document",
        sa.Column("page_id", sa.String(length=64), nullable=False),
        sa.Column("project_key", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("labels", sa.JSON(), nullable=False),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("page_id", name=op.f("pk_confluence_document")),
    )
    with op.batch_alter_table("confluence_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_confluence_document_project_key"), ["project_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("confluence_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_confluence_document_project_key"))
    op.drop_table("confluence_document")
