"""Times as real Jira writes them: in the site's default user time zone, with the offset of their day.

Source: Jira Cloud's REST documentation (dates are returned in the user's time zone) and responses recorded
from one Jira Cloud site by mattermost-plugin-jira (tests/fixtures/jira-webhooks/mattermost-plugin-jira):
`"created": "2019-02-15T19:01:52.971-0800"` in February and `"created": "2019-07-17T17:59:42.002-0700"` in July —
Pacific time, daylight saving included. The sandbox wrote every time as +0000, so nothing showed what pmokit
did with offsets: it sorted histories by their text, and on SQLite it stored a time's wall clock without its
offset, reading it back hours off (an incremental sync's cursor with it).
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from pmokit.store import open_store
from pmokit.store.tables import ChangelogItem, IssueSnapshot
from sandbox import Sandbox
from sandbox.histories import make_item, new_history
from tests.conftest import ANCHOR
from tests.syncing import runtime_for


def test_the_sandbox_writes_times_in_the_site_zone_with_the_offset_of_their_day():
    """The recorded payloads' own instants, on a sandbox in America/Los_Angeles, come out as recorded."""
    with Sandbox.start(seed="demo", anchor=ANCHOR, user_timezone="America/Los_Angeles") as sb:
        issue = sb.state.issue("SHOP-1")
        with sb.state.lock:
            new_history(sb.state, issue, "admin", datetime(2019, 2, 16, 3, 1, 52, 971000, tzinfo=UTC),
                        [make_item("summary", "summary", None, "a", None, "b")])
            new_history(sb.state, issue, "admin", datetime(2019, 7, 18, 0, 59, 42, 2000, tzinfo=UTC),
                        [make_item("summary", "summary", None, "b", None, "c")])
        answer = sb.session().get(f"{sb.url}/rest/api/3/issue/SHOP-1/changelog", params={"maxResults": 100},
                                  timeout=10).json()
        created = {h["created"] for h in answer["values"]}
        assert {"2019-02-15T19:01:52.971-0800", "2019-07-17T17:59:42.002-0700"} <= created
        # Every time the sandbox writes carries the zone's offset, not +0000.
        issue_json = sb.session().get(f"{sb.url}/rest/api/2/issue/SHOP-1", timeout=10).json()
        assert issue_json["fields"]["created"][-5:] in ("-0800", "-0700")


def test_histories_across_the_end_of_daylight_saving_keep_their_true_order(tmp_path):
    """New York, 1 November 2026: 01:50 EDT (05:50Z) comes before 01:10 EST (06:10Z), though its text sorts after.
    pmokit's store must hold them in the order they happened, at the instants they happened."""
    with Sandbox.start(seed="demo", anchor=ANCHOR, user_timezone="America/New_York") as sb:
        issue = sb.state.issue("SHOP-2")
        first, second = datetime(2026, 11, 1, 5, 50, tzinfo=UTC), datetime(2026, 11, 1, 6, 10, tzinfo=UTC)
        with sb.state.lock:
            # The later one gets the smaller id: only the instants can order them.
            later = new_history(sb.state, issue, "admin", second, [make_item("summary", "summary", None, "middle",
                                                                            None, "last")])
            earlier = new_history(sb.state, issue, "admin", first, [make_item("summary", "summary", None, "first",
                                                                              None, "middle")])
            later["id"], earlier["id"] = earlier["id"], later["id"]
        runtime = runtime_for(sb, tmp_path)
        from tests.syncing import syncer

        syncer(runtime).full(["SHOP"])
        runtime.close()
        store = open_store(f"sqlite:///{tmp_path / 'store.db'}", tmp_path)
        with store.sessions() as session:
            rows = session.execute(sa.select(ChangelogItem.created, ChangelogItem.to_string)
                                   .join(IssueSnapshot, IssueSnapshot.id == ChangelogItem.issue_id)
                                   .where(IssueSnapshot.key == "SHOP-2", ChangelogItem.field == "summary")
                                   .order_by(ChangelogItem.created, ChangelogItem.history_id)).all()
        store.engine.dispose()
        ours = [(created.astimezone(UTC), text) for created, text in rows if text in ("middle", "last")]
        assert ours == [(first, "middle"), (second, "last")]


def test_an_incremental_sync_east_of_utc_sees_the_next_edit(tmp_path, run_cli):
    """Asia/Shanghai (+0800), SQLite: the stored `updated` read back as UTC was eight hours late, so the next
    incremental sync asked for changes after a time still to come and missed the edit made meanwhile."""
    with Sandbox.start(seed="demo", anchor=ANCHOR, user_timezone="Asia/Shanghai") as sb:
        runtime_for(sb, tmp_path).close()
        config = str(tmp_path / "pmokit.yaml")
        assert run_cli("--config", config, "sync", "--full").exit_code == 0
        response = sb.session().put(f"{sb.url}/rest/api/2/issue/SHOP-3",
                                    json={"fields": {"summary": "Edited after the full sync"}}, timeout=10)
        assert response.status_code == 204
        result = run_cli("--config", config, "sync")
        assert result.exit_code == 0 and result.stdout.startswith("incremental sync"), result.output
        store = open_store(f"sqlite:///{tmp_path / 'store.db'}", tmp_path)
        with store.sessions() as session:
            snapshot = session.scalars(sa.select(IssueSnapshot).where(IssueSnapshot.key == "SHOP-3")).one()
            assert snapshot.fields["summary"] == "Edited after the full sync"
            assert abs((snapshot.updated.astimezone(UTC) - datetime.now(UTC)).total_seconds()) < 600
        store.engine.dispose()
