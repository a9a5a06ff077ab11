"""Each command reads only the secrets it uses, and every URL setting takes ``${VAR}`` references.

The README says a secret is read only when a command needs it. `pmokit sync` refused to start until
PMOKIT_WEBHOOK_SECRET was set (every command required every secret of the configuration); now `sync`, `check`,
`gate`, `worker` and `report` (without `--publish`) read Jira's token, `report --publish` Confluence's too, `serve`
the webhook secret and Jira's. A store URL may hold ``${VAR}`` (a PostgreSQL password need not be written in the
YAML); the Jira, Confluence and public URLs may too.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pmokit.cli.sandbox_config import sandbox_config
from tests.serving import free_port

UNSET = ("PMOKIT_WEBHOOK_SECRET", "PMOKIT_TEST_WIKI_TOKEN", "PMOKIT_TEST_STORE_DIR", "PMOKIT_TEST_PG_PASSWORD")


@pytest.fixture(autouse=True)
def _unset(monkeypatch):
    for name in UNSET:
        monkeypatch.delenv(name, raising=False)


def config_for(directory: Path, jira_url: str, *, store: str | None = None, **changes: dict) -> Path:
    """The sandbox configuration with no webhook secret to be had (PMOKIT_WEBHOOK_SECRET, no default) and
    Confluence's token from PMOKIT_TEST_WIKI_TOKEN (unset)."""
    data = yaml.safe_load(sandbox_config(jira_url, webhook_secret=None,
                                         store=store or f"sqlite:///{directory / 'store.db'}"))
    data["confluence"]["auth"]["api_token"] = "${PMOKIT_TEST_WIKI_TOKEN}"
    for section, values in changes.items():
        data[section].update(values)
    path = directory / "pmokit.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_sync_and_the_jira_commands_need_no_webhook_secret_nor_confluence_token(sandbox, tmp_path, run_cli,
                                                                                 monkeypatch):
    """Jira's URL through a reference, too (read when the configuration loads)."""
    monkeypatch.setenv("PMOKIT_TEST_JIRA_URL", sandbox.url)
    config = str(config_for(tmp_path, "${PMOKIT_TEST_JIRA_URL}"))
    synced = run_cli("--config", config, "sync", "--project", "OMS")
    assert synced.exit_code == 0, synced.output
    assert "PMOKIT_WEBHOOK_SECRET" not in synced.output
    # Confluence's token is not needed for the issues; the documents it would read are said to be missing.
    assert "PMOKIT_TEST_WIKI_TOKEN" in synced.output
    gate = run_cli("--config", config, "gate", "status", "OMS-1")
    assert gate.exit_code == 0, gate.output
    worker = run_cli("--config", config, "worker", "--once")
    assert worker.exit_code == 0, worker.output
    assert "handled 0 event(s)" in worker.output
    listed = run_cli("--config", config, "report")
    assert listed.exit_code == 0, listed.output
    # Publishing needs Confluence's token: a located error naming it, before anything is written.
    published = run_cli("--config", config, "report", "--publish")
    assert published.exit_code == 2
    assert "confluence.auth.api_token: environment variable PMOKIT_TEST_WIKI_TOKEN is not set" in published.output
    assert "PMOKIT_WEBHOOK_SECRET" not in published.output


def test_a_store_url_takes_references_and_says_which_is_missing(tmp_path, run_cli, monkeypatch):
    config = str(config_for(tmp_path, "http://127.0.0.1:9", store="sqlite:///${PMOKIT_TEST_STORE_DIR}/pmokit.db"))
    missing = run_cli("--config", config, "db", "upgrade")
    assert missing.exit_code == 2, missing.output
    assert "store.url: environment variable PMOKIT_TEST_STORE_DIR is not set" in missing.output
    validated = run_cli("config", "validate", config)
    assert validated.exit_code == 0, validated.output
    assert "store.url: warning: environment variable PMOKIT_TEST_STORE_DIR is not set" in validated.output
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.setenv("PMOKIT_TEST_STORE_DIR", str(elsewhere))
    upgraded = run_cli("--config", config, "db", "upgrade")
    assert upgraded.exit_code == 0, upgraded.output
    assert (elsewhere / "pmokit.db").is_file()
    listed = run_cli("--config", config, "inbox", "list")
    assert listed.exit_code == 0 and "pending 0" in listed.output, listed.output


def test_a_postgresql_password_from_the_environment_is_never_printed(tmp_path, run_cli, monkeypatch):
    port = free_port()  # nothing listens there
    password = "pg-pass-7f3a9"
    monkeypatch.setenv("PMOKIT_TEST_PG_PASSWORD", password)
    config = str(config_for(tmp_path, "http://127.0.0.1:9",
                            store=f"postgresql://pmokit:${{PMOKIT_TEST_PG_PASSWORD}}@127.0.0.1:{port}/pmokit"))
    for command in (["db", "current"], ["inbox", "list"], ["sync"]):
        result = run_cli("--config", config, *command)
        assert result.exit_code != 0, (command, result.output)
        assert password not in result.output
        lines = [line for line in result.output.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error:"), (command, result.output)
        assert f"127.0.0.1:{port}" in lines[0] or str(port) in lines[0], (command, result.output)
