"""The committed JSON Schema matches the code, and the shipped examples point editors at it."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
import yaml

import config
from config.schema import json_schema

CONFIG_DIR = Path(config.__file__).parent
EXAMPLES = sorted((CONFIG_DIR / "examples").glob("*.yaml"))


def test_committed_schema_is_current(run_cli):
    result = run_cli("config", "schema")
    assert result.exit_code == 0
    committed = (CONFIG_DIR / "schema.json").read_text(encoding="utf-8")
    assert json.loads(result.output) == json.loads(committed), (
        "config/schema.json is stale: run `pmokit config schema > config/schema.json`")
    assert result.output == committed


def test_schema_describes_sections_and_secrets():
    schema = json_schema()
    assert {"jira", "confluence", "store", "webhooks", "schedule", "portfolio", "phases", "include"} <= set(
        schema["properties"])
    jsonschema.Draft202012Validator.check_schema(schema)
    token = schema["$defs"]["CloudAuth"]["properties"]["api_token"]
    assert "pattern" in token and token["pattern"].startswith("^\\$\\{")


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_examples_point_at_the_schema_and_conform_to_it(example):
    first_line = example.read_text(encoding="utf-8").splitlines()[0]
    assert first_line == "# yaml-language-server: $schema=../schema.json"
    document = yaml.safe_load(example.read_text(encoding="utf-8"))
    errors = list(jsonschema.Draft202012Validator(json_schema()).iter_errors(document))
    assert errors == []


def test_schema_rejects_what_validation_rejects():
    validator = jsonschema.Draft202012Validator(json_schema())
    assert list(validator.iter_errors({"jira": {"url": "https://x", "auth": {"type": "cloud", "email": "e",
                                                                             "api_token": "plain"}}}))
    assert list(validator.iter_errors({"langauge": "en"}))
