"""`pmokit db upgrade` creates the store on SQLite and PostgreSQL, and running it again changes nothing."""

from __future__ import annotations

import time

import sqlalchemy as sa

from pmokit.store import head_revision, make_engine


def test_db_upgrade_creates_tables_and_is_idempotent(run_cli, store_url):
    first = run_cli("db", "upgrade", "--url", store_url)
    assert first.exit_code == 0, first.output
    assert f"upgraded from empty to {head_revision()}" in first.output
    engine = make_engine(store_url)
    try:
        tables = set(sa.inspect(engine).get_table_names())
        assert {"sync_cursor", "issue_snapshot", "changelog_item", "alembic_version"} <= tables
        with engine.begin() as conn:
            conn.execute(sa.text(
                "INSERT INTO issue_snapshot (id, key, project_key, issue_type, status, fields, deleted, synced_at)"
                " VALUES ('1', 'SHOP-1', 'SHOP', 'Task', 'To Do', '{}', false, CURRENT_TIMESTAMP)"))
    finally:
        engine.dispose()
    second = run_cli("db", "upgrade", "--url", store_url)
    assert second.exit_code == 0
    assert "is up to date" in second.output
    engine = make_engine(store_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM issue_snapshot")).scalar() == 1
    finally:
        engine.dispose()
    current = run_cli("db", "current", "--url", store_url)
    assert "up to date" in current.output


def test_sqlite_store_uses_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'w.db'}")
    try:
        with engine.connect() as conn:
            assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
    finally:
        engine.dispose()


def test_relative_sqlite_path_is_beside_the_config(run_cli, tmp_path, monkeypatch):
    from config import DEFAULT_CONFIG

    conf_dir = tmp_path / "conf"
    conf_dir.mkdir()
    for example in DEFAULT_CONFIG.parent.glob("*.yaml"):
        (conf_dir / example.name).write_text(example.read_text(encoding="utf-8"), encoding="utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = run_cli("--config", str(conf_dir / "pmo.yaml"), "db", "upgrade")
    assert result.exit_code == 0, result.output
    assert (conf_dir / "pmokit.db").exists()
    assert not (elsewhere / "pmokit.db").exists()


def test_unreachable_store_is_a_clear_error_without_traceback(run_cli):
    result = run_cli("db", "upgrade", "--url", "postgresql://nobody@127.0.0.1:1/none")
    assert result.exit_code == 1
    assert result.output.startswith("error: cannot upgrade the store at postgresql+psycopg://nobody@127.0.0.1:1/none")
    assert "Traceback" not in result.output

def test_background_checkpoint_moves_the_wal_into_the_database_off_the_commit_path(tmp_path):
    """The receiver's engine never checkpoints on commit (its fsync stalled acknowledgements); a thread does."""
    from pmokit.store.engine import start_checkpointer

    path = tmp_path / "c.db"
    engine = make_engine(f"sqlite:///{path}", background_checkpoint=True)
    stop = None
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE blob (body TEXT)"))
        for _ in range(10):  # about 2 MB: well past SQLite's own checkpoint threshold of 1000 pages
            with engine.begin() as conn:
                conn.execute(sa.text("INSERT INTO blob VALUES (:b)"), [{"b": "x" * 4000}] * 50)
        assert path.stat().st_size < 100_000, "a commit checkpointed the WAL"
        assert (tmp_path / "c.db-wal").stat().st_size > 1_000_000
        stop = start_checkpointer(engine, interval=0.05)
        deadline = time.monotonic() + 10
        while path.stat().st_size < 1_000_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size > 1_000_000, "the checkpointer did not copy the WAL into the database"
    finally:
        if stop is not None:
            stop.set()
        engine.dispose()


def test_checkpointer_is_for_sqlite_only(store_url):
    from pmokit.store.engine import start_checkpointer

    engine = make_engine(store_url, background_checkpoint=True)
    try:
        stop = start_checkpointer(engine)
        assert (stop is None) == (engine.dialect.name != "sqlite")
        if stop is not None:
            stop.set()
    finally:
        engine.dispose()


def _upgrade_in_a_process(url: str) -> None:
    from pmokit.store import upgrade

    engine = make_engine(url)
    try:
        upgrade(engine)
    finally:
        engine.dispose()


def test_processes_starting_together_migrate_a_new_store_once(store_url):
    """The workers of a WSGI server each open the store at start; all must come up (one migrates)."""
    import multiprocessing

    from pmokit.store import current_revision

    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_upgrade_in_a_process, args=(store_url,)) for _ in range(4)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(120)
    assert [p.exitcode for p in processes] == [0, 0, 0, 0]
    engine = make_engine(store_url)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_drawn_charts_are_kept_by_digest_and_dropped_after_two_weeks_unused(store_url):
    from datetime import UTC, datetime, timedelta

    from pmokit.store import open_store
    from pmokit.store.charts import StoreChartCache

    store = open_store(store_url)
    try:
        day = datetime(2026, 12, 1, tzinfo=UTC)
        digests = [f"{n:064x}" for n in range(1200)]  # more than one query's worth of parameters
        StoreChartCache(store.sessions, day).remember_charts({d: d.encode() + b"\x00\xff" for d in digests})
        found = StoreChartCache(store.sessions, day + timedelta(days=10)).charts([*digests[:700], "f" * 64])
        assert len(found) == 700 and found[digests[3]] == digests[3].encode() + b"\x00\xff"
        # On day 20, one new chart: the 500 not asked for since day 0 are gone, those asked for on day 10 kept.
        StoreChartCache(store.sessions, day + timedelta(days=20)).remember_charts({"e" * 64: b"new"})
        kept = StoreChartCache(store.sessions, day + timedelta(days=20)).charts([*digests, "e" * 64])
        assert sorted(kept) == sorted([*digests[:700], "e" * 64])
    finally:
        store.close()


def test_changelog_rows_read_back_as_written_and_a_second_write_adds_nothing(store_url):
    """SQLite's changelog rows go to the driver directly (tables' type processing skipped): what the ORM reads
    back must be what it would have written itself, on each store."""
    from datetime import UTC, datetime, timedelta, timezone

    from pmokit.store import issues as store_issues
    from pmokit.store import open_store
    from pmokit.store.tables import ChangelogItem

    beijing = timezone(timedelta(hours=8))
    moments = [datetime(2026, 3, 29, 1, 30, 15, 123000, tzinfo=beijing), datetime(2026, 11, 1, 23, 59, 59),
               datetime(2026, 6, 1, 12, 0, tzinfo=UTC)]
    rows = [("10001", str(100 + n), index, moment, None if n == 2 else "acc-1", "status", "status", None, "To Do",
             "3", "进行中 ✓") for n, moment in enumerate(moments) for index in range(2)]
    store = open_store(store_url)
    try:
        for _ in range(2):
            with store.sessions.begin() as session:
                store_issues.save_issues(session, [], rows)
        with store.sessions() as session:
            stored = session.scalars(sa.select(ChangelogItem).order_by(ChangelogItem.history_id,
                                                                       ChangelogItem.item_index)).all()
        assert len(stored) == 6
        assert [item.created for item in stored[::2]] == [
            datetime(2026, 3, 28, 17, 30, 15, 123000, tzinfo=UTC), datetime(2026, 11, 1, 23, 59, 59, tzinfo=UTC),
            datetime(2026, 6, 1, 12, 0, tzinfo=UTC)]
        assert [(i.history_id, i.item_index, i.author_id, i.from_value, i.from_string, i.to_string)
                for i in stored[:3]] == [("100", 0, "acc-1", None, "To Do", "进行中 ✓"),
                                         ("100", 1, "acc-1", None, "To Do", "进行中 ✓"),
                                         ("101", 0, "acc-1", None, "To Do", "进行中 ✓")]
        assert stored[4].author_id is None
        # Read by moment, as facts and history reports do: the stored text compares in time order.
        with store.sessions() as session:
            later = session.scalars(sa.select(ChangelogItem.history_id).where(
                ChangelogItem.created > datetime(2026, 5, 1, tzinfo=UTC)).distinct()).all()
        assert sorted(later) == ["101", "102"]
    finally:
        store.close()


def test_the_status_category_migration_fills_what_the_fields_say(store_url):
    """Revision 0011 adds each issue's status category: a store synced before it has them filled from the
    fields Jira sent (an issue whose fields have none stays unknown, and is treated as open)."""
    from pmokit.store import make_engine, upgrade

    engine = make_engine(store_url)
    try:
        upgrade(engine, "0010")
        done = '{"status": {"name": "Done", "statusCategory": {"key": "done"}}}'
        rows = [("1", done), ("2", '{"status": {"name": "进行中", "statusCategory": {"key": "indeterminate"}}}'),
                ("3", '{"summary": "no status"}')]
        with engine.begin() as connection:
            for issue_id, fields in rows:
                connection.execute(sa.text(
                    "INSERT INTO issue_snapshot (id, key, project_key, issue_type, status, fields, deleted, "
                    "synced_at) VALUES (:id, :key, 'SHOP', 'Task', '', :fields, false, :at)"),
                    {"id": issue_id, "key": f"SHOP-{issue_id}", "fields": fields, "at": "2026-12-01 00:00:00"})
        upgrade(engine)
        with engine.connect() as connection:
            found = dict(connection.execute(sa.text("SELECT id, status_category FROM issue_snapshot")).all())
        assert found == {"1": "done", "2": "indeterminate", "3": None}
    finally:
        engine.dispose()


def test_stored_fields_lose_their_decoration_in_a_migration_and_keep_the_rest(store_url):
    """Revision 0012: a store synced before it keeps each issue's fields without the REST links and pictures no
    part of pmokit reads (half of a typical issue's JSON); everything else is as it was."""
    import json

    from pmokit.store import make_engine, upgrade

    engine = make_engine(store_url)
    fields = {"summary": "支付网关 v2", "assignee": {"accountId": "a-1", "displayName": "Li Na", "self": "http://x/u",
                                                  "avatarUrls": {"48x48": "http://x/a.png"}},
              "status": {"name": "Done", "iconUrl": "http://x/i.png", "statusCategory": {"key": "done", "self": "s"}},
              "labels": ["self"], "customfield_10100": [{"value": "High", "self": "http://x/o"}]}
    try:
        upgrade(engine, "0011")
        with engine.begin() as connection:
            connection.execute(sa.text(
                "INSERT INTO issue_snapshot (id, key, project_key, issue_type, status, fields, deleted, synced_at) "
                "VALUES ('1', 'SHOP-1', 'SHOP', 'Task', 'Done', :fields, false, '2026-12-01 00:00:00')"),
                {"fields": json.dumps(fields)})
        upgrade(engine)
        with engine.connect() as connection:
            stored = connection.execute(sa.text("SELECT fields FROM issue_snapshot")).scalar_one()
        stored = json.loads(stored) if isinstance(stored, str) else stored
        assert stored == {"summary": "支付网关 v2", "assignee": {"accountId": "a-1", "displayName": "Li Na"},
                          "status": {"name": "Done", "statusCategory": {"key": "done"}}, "labels": ["self"],
                          "customfield_10100": [{"value": "High"}]}
    finally:
        engine.dispose()


def test_the_changelog_loses_the_histories_no_one_reads_in_a_migration_and_each_issue_keeps_its_mark(store_url):
    """Revision 0013: a store synced before it drops the Rank's moves and the system description's drafts (most
    of its rows; no rule or report reads them), keeps every other item (a custom field named "Description" too),
    and remembers each issue's newest history, dropped or not, so that the next sync reads no more than before."""
    from pmokit.store import make_engine, upgrade
    from pmokit.store.issues import changelog_marks

    engine = make_engine(store_url)
    items = [("1", "9", "2026-03-01 08:00:00", "Rank", "customfield_10019"),
             ("1", "10", "2026-02-01 08:00:00", "status", "status"),
             ("1", "11", "2026-03-03 09:30:00.250000", "description", "description"),
             ("1", "12", "2026-03-02 08:00:00", "Description", "customfield_10200"),
             ("2", "20", "2026-01-05 08:00:00", "description", None)]  # Data Center names no field id
    try:
        upgrade(engine, "0012")
        with engine.begin() as connection:
            for issue_id in ("1", "2", "3"):
                connection.execute(sa.text(
                    "INSERT INTO issue_snapshot (id, key, project_key, issue_type, status, fields, deleted, "
                    "synced_at) VALUES (:id, :key, 'SHOP', 'Task', 'Done', '{}', false, '2026-12-01 00:00:00')"),
                    {"id": issue_id, "key": f"SHOP-{issue_id}"})
            for issue_id, history_id, created, field, field_id in items:
                connection.execute(sa.text(
                    "INSERT INTO changelog_item (issue_id, history_id, item_index, created, field, field_id) "
                    "VALUES (:i, :h, 0, :c, :f, :fid)"), {"i": issue_id, "h": history_id, "c": created, "f": field,
                                                          "fid": field_id})
        upgrade(engine)
        with engine.connect() as connection:
            left = set(connection.execute(sa.text("SELECT issue_id, history_id, field FROM changelog_item")).all())
        assert left == {("1", "10", "status"), ("1", "12", "Description")}
        from sqlalchemy.orm import Session

        with Session(engine) as session:
            assert changelog_marks(session, ["1", "2", "3"]) == {
                "1": "2026-03-03T09:30:00.250000+00:00 11", "2": "2026-01-05T08:00:00+00:00 20", "3": None}
    finally:
        engine.dispose()
