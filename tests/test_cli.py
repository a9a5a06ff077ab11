"""The command line: what it lists, how it logs, and that user errors never show a traceback."""

from __future__ import annotations

import json
import subprocess
import sys


def test_help_lists_the_commands(run_cli):
    result = run_cli("--help")
    assert result.exit_code == 0
    for command in ("config", "db"):
        assert f"  {command} " in result.output
    sub = run_cli("config", "--help")
    assert "validate" in sub.output and "schema" in sub.output


def test_version(run_cli):
    from pmokit import __version__

    result = run_cli("--version")
    assert result.output.strip() == f"pmokit, version {__version__}"


def test_json_log_lines(tmp_path):
    # A real process, so the log handler writes to its real stderr.
    url = f"sqlite:///{tmp_path / 'x.db'}"
    result = subprocess.run([sys.executable, "-m", "pmokit", "-vv", "--log-format", "json", "db", "upgrade",
                             "--url", url], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines, "expected log output at -vv"
    for line in lines:
        entry = json.loads(line)
        assert {"time", "level", "logger", "message"} <= set(entry)


def test_user_errors_exit_cleanly(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("jira: [\n", encoding="utf-8")
    result = subprocess.run([sys.executable, "-m", "pmokit", "--config", str(bad), "db", "upgrade"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 2
    assert "YAML syntax error" in result.stderr
    assert "error: the configuration has 1 problem(s)" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout
