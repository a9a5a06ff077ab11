"""`pmokit db upgrade` creates the store on SQLite and PostgreSQL, and running it again changes nothing."""

from __future__ import annotations

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
