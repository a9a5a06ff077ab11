"""the changelog keeps the histories of the fields pmokit reads: the Rank's moves and the drafts of descriptions
and environments (most of a changelog's rows, read by no rule or report) are dropped; each issue remembers the
newest history the store has seen, so that a cut inline changelog reaching back to it is still enough

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 21:00:00
"""

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

BATCH = 1000


def _numeric(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)


def _instant(value: object) -> datetime:
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def upgrade() -> None:
    op.add_column("issue_snapshot", sa.Column("changelog_mark", sa.String(length=80), nullable=True))
    bind = op.get_bind()
    # The marks first, from every history stored (all of them were, until now): as the sync writes them
    # (connector.jira_reader.mark_text on this day: "<UTC instant, isoformat> <history id>").
    # Only the rows at each issue's newest moment (histories made in the same instant are told apart by id).
    newest: dict[str, tuple[datetime, tuple[int, str], str]] = {}
    for issue_id, history_id, created in bind.execute(sa.text(
            "SELECT c.issue_id, c.history_id, c.created FROM changelog_item c JOIN (SELECT issue_id, "
            "max(created) AS newest FROM changelog_item GROUP BY issue_id) m "
            "ON c.issue_id = m.issue_id AND c.created = m.newest")):
        moment, number = _instant(created), _numeric(str(history_id))
        known = newest.get(issue_id)
        if known is None or (moment, number) > known[:2]:
            newest[issue_id] = (moment, number, str(history_id))
    marks = [{"id": issue_id, "mark": f"{moment.isoformat()} {history_id}"}
             for issue_id, (moment, _, history_id) in newest.items()]
    write = sa.text("UPDATE issue_snapshot SET changelog_mark = :mark WHERE id = :id")
    for start in range(0, len(marks), BATCH):
        bind.execute(write, marks[start:start + BATCH])
    # As report_jobs.sync.rows.UNREAD_HISTORY on this day: Rank by name, the system text fields by name and id.
    op.execute("DELETE FROM changelog_item WHERE field = 'Rank' OR (field IN ('description', 'environment') "
               "AND (field_id IS NULL OR field_id = field))")


def downgrade() -> None:
    op.drop_column("issue_snapshot", "changelog_mark")  # what was dropped is read again by the next full sync
