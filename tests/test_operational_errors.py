"""Every operational error is one clear line and an exit code, on every command: never a traceback.

A store URL that names no database, a PostgreSQL that does not answer, a SQLite file whose directory does not
exist, a time zone this machine does not know (which `config validate` catches, located).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pmokit.cli import cli
from pmokit.cli.sandbox_config import sandbox_config
from tests.serving import free_port

COMMANDS = [["db", "upgrade"], ["db", "current"], ["inbox", "list"], ["audit"], ["sync"], ["check", "OMS-1"],
            ["gate", "status", "OMS-1"], ["report"], ["worker", "--once"]]


def config_with(directory: Path, *, store: str, schedule: dict | None = None) -> Path:
    data = yaml.safe_load(sandbox_config("http://127.0.0.1:9", store=store))
    if schedule:
        data["schedule"] = {**data.get("schedule", {}), **schedule}
    path = directory / "pmokit.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode not in (0, None), result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    return lines[0]


def pmokit(config: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pmokit", "--config", str(config), *args], capture_output=True,
                          text=True, timeout=120, check=False)


@pytest.mark.parametrize(("store", "says"), [
    ("mysqlx://db.example/pmokit", "no such database kind"),
    ("not a url at all", "not a database URL"),
    ("sqlite:///{tmp}/no/such/dir/pmokit.db", "does not exist"),
    ("postgresql://postgres@127.0.0.1:{port}/test", "127.0.0.1:{port}"),
], ids=["unknown scheme", "no URL", "missing SQLite directory", "PostgreSQL unreachable"])
def test_a_store_that_cannot_be_opened_is_one_line_on_every_command(tmp_path, store, says):
    """The first command as a user runs it (a process of its own: what reaches its stderr); the others through
    the same command line in this process (an exception escaping would fail the test)."""
    port = free_port()  # nothing listens there
    config = config_with(tmp_path, store=store.format(tmp=tmp_path, port=port))
    first, *others = COMMANDS
    line = one_line(pmokit(config, *first))
    assert says.format(port=port) in line, (first, line)
    for command in others:
        result = CliRunner().invoke(cli, ["--config", str(config), *command], catch_exceptions=False)
        line = one_line(subprocess.CompletedProcess(command, result.exit_code, result.stdout, result.stderr))
        assert says.format(port=port) in line, (command, line)


def test_an_unknown_time_zone_is_caught_by_validate_and_located(tmp_path):
    config = config_with(tmp_path, store=f"sqlite:///{tmp_path / 'store.db'}", schedule={"timezone": "Mars/Olympus"})
    validated = subprocess.run([sys.executable, "-m", "pmokit", "config", "validate", str(config)],
                               capture_output=True, text=True, timeout=60, check=False)
    assert validated.returncode == 2
    assert "schedule.timezone: 'Mars/Olympus' is no time zone" in validated.stdout
    started = pmokit(config, "scheduler")
    assert started.returncode == 2 and "Traceback" not in started.stderr
    assert "schedule.timezone" in started.stderr
