"""connector cache, published pages, remote links of project records

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 03:15:24.281628
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("issue_snapshot") as batch:
        batch.add_column(sa.Column("remote_links", sa.JSON(), nullable=True))
    op.create_table(
        "connector_cache",
        sa.Column("site", sa.String(length=300), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("site", "key", name=op.f("pk_connector_cache")),
    )
    op.create_table(
        "published_attachment",
        sa.Column("page_id", sa.String(length=64), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("attachment_id", sa.String(length=64), nullable=False),
        sa.Column("content_hash", sa.String(length=64), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("page_id", "filename", name=op.f("pk_published_attachment")),
    )
    op.create_table(
        "published_page",
        sa.Column("key", sa.String(length=300), nullable=False),
        sa.Column("page_id", sa.String(length=64), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_published_page")),
    )


def downgrade() -> None:
    with op.batch_alter_table("issue_snapshot") as batch:
        batch.drop_column("remote_links")
    op.drop_table("published_page")
    op.drop_table("published_attachment")
    op.drop_table("connector_cache")
