"""the inbox remembers each body's hash: the same signed body is one event, whatever identifier it comes with

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 01:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("inbox_event") as batch:
        batch.add_column(sa.Column("body_sha256", sa.String(length=64), nullable=True))
        batch.create_unique_constraint("uq_inbox_event_body_sha256", ["body_sha256"])


def downgrade() -> None:
    with op.batch_alter_table("inbox_event") as batch:
        batch.drop_constraint("uq_inbox_event_body_sha256", type_="unique")
        batch.drop_column("body_sha256")
