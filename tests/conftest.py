"""Shared test helpers: the CLI runner, fixture paths and store URLs (SQLite always, PostgreSQL when set)."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from pmokit.cli import cli


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int:
    """`-n auto`: one worker more than the cores. Many tests wait for a slow sandbox (latency faults) or for
    webhook deliveries; a worker more keeps the cores busy meanwhile (measured: 568 s instead of 641 s on 2)."""
    return (os.cpu_count() or 1) + 1


FIXTURES = Path(__file__).parent / "fixtures"
WEBHOOK_FIXTURES = FIXTURES / "jira-webhooks" / "mattermost-plugin-jira"
PG_ENV = "PMOKIT_TEST_DATABASE_URL"


@pytest.fixture
def run_cli(monkeypatch):
    """Run ``pmokit ARGS`` in-process; the environment starts without PMOKIT_CONFIG."""
    monkeypatch.delenv("PMOKIT_CONFIG", raising=False)

    def run(*args: str, env: dict[str, str] | None = None) -> Result:
        return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)

    return run


def load_fixture(name: str) -> dict:
    return json.loads((WEBHOOK_FIXTURES / name).read_text(encoding="utf-8"))


@pytest.fixture
def write_yaml(tmp_path):
    """Write a YAML file under tmp_path and return its path."""

    def write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return write


def _postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    import sqlalchemy as sa

    from pmokit.store import resolve_url

    admin_url = resolve_url(os.environ[PG_ENV])
    name = f"pmokit_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request, tmp_path) -> Iterator[str]:
    """Each store test runs on SQLite, and on PostgreSQL when PMOKIT_TEST_DATABASE_URL is set."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'pmokit.db'}"
        return
    if not os.environ.get(PG_ENV):
        pytest.skip(f"{PG_ENV} is not set: PostgreSQL store tests need a server (.ci/run sets it)")
    yield from _postgres_database()


# -- the sandbox ---------------------------------------------------------------------------------------
ANCHOR = __import__("datetime").date(2026, 11, 20)


@pytest.fixture(scope="module")
def sandbox():
    """A Cloud sandbox with the demo portfolio, shared by the tests of one module."""
    from sandbox import Sandbox

    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        yield sb


@pytest.fixture
def fresh_sandbox():
    """A Cloud sandbox of its own for a test that writes."""
    from sandbox import Sandbox

    with Sandbox.start(seed="demo", anchor=ANCHOR, webhook_backoff=0.05) as sb:
        yield sb


@pytest.fixture
def dc_sandbox():
    """A Data Center sandbox of its own: Jira and Confluence both Data Center."""
    from sandbox import Sandbox

    with Sandbox.start(seed="demo", flavor="datacenter", confluence_flavor="datacenter", anchor=ANCHOR,
                       webhook_backoff=0.05) as sb:
        yield sb


@pytest.fixture
def synced(fresh_sandbox, tmp_path):
    """A fresh demo sandbox and a runtime on it with OMS and LOG synced (the worker's tests)."""
    from tests.syncing import runtime_for, syncer

    runtime = runtime_for(fresh_sandbox, tmp_path, give_up_after=1)
    syncer(runtime).full(["OMS", "LOG"])
    yield fresh_sandbox, runtime
    runtime.close()


@pytest.fixture(params=["cloud", "datacenter"])
def world(request, tmp_path):
    """A demo sandbox of each flavour, and a runtime on it (the writer's tests)."""
    from sandbox import Sandbox
    from tests.syncing import runtime_for

    with Sandbox.start(seed="demo", flavor=request.param, anchor=ANCHOR) as sb:
        runtime = runtime_for(sb, tmp_path)
        yield sb, runtime
        runtime.close()
