"""Secrets never appear in repr, errors or logs."""

from __future__ import annotations

import io
import json
import logging

from config import load_settings
from pmokit import logs
from tests.test_config_validate import GOOD

SECRET = "s3cr3t-value-for-tests"


def test_secret_is_resolved_only_on_demand_and_never_shown(write_yaml, monkeypatch):
    monkeypatch.setenv("PMOKIT_TEST_TOKEN", SECRET)
    settings = load_settings([write_yaml("pmokit.yaml", GOOD)])
    token = settings.jira.auth.api_token
    assert SECRET not in repr(settings) and SECRET not in str(settings)
    assert SECRET not in settings.model_dump_json()
    assert repr(token) == "SecretRef('${PMOKIT_TEST_TOKEN}')"
    assert token.reveal() == SECRET


def test_secret_from_file_relative_to_config(write_yaml, tmp_path):
    (tmp_path / "token.txt").write_text(SECRET + "\n", encoding="utf-8")
    settings = load_settings([write_yaml("pmokit.yaml", GOOD.replace("${PMOKIT_TEST_TOKEN}", "${file:token.txt}"))])
    assert settings.jira.auth.api_token.reveal() == SECRET


def test_revealed_secrets_are_redacted_in_text_and_json_logs(write_yaml, monkeypatch):
    monkeypatch.setenv("PMOKIT_TEST_TOKEN", SECRET)
    load_settings([write_yaml("pmokit.yaml", GOOD)]).jira.auth.api_token.reveal()
    # A shorter secret that is part of the longer one must not leave the rest of it readable.
    monkeypatch.setenv("PMOKIT_SHORT", SECRET[:3])
    from config import SecretRef

    SecretRef("PMOKIT_SHORT").reveal()
    for fmt in ("text", "json"):
        stream = io.StringIO()
        logs.configure(1, fmt, stream)
        log = logging.getLogger("pmokit.test")
        log.info("calling Jira with token %s", SECRET)
        try:
            raise RuntimeError(f"auth failed for {SECRET}")
        except RuntimeError:
            log.exception("request failed")
        output = stream.getvalue()
        assert SECRET not in output
        assert output.count(logs.REDACTED) >= 2
        if fmt == "json":
            entries = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
            assert entries[0]["message"] == "calling Jira with token ***"
            assert entries[0]["level"] == "info"
    logs.configure(0, "text")
