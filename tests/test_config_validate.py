"""`pmokit config validate`: every kind of bad configuration is named with its file, line and problem."""

from __future__ import annotations

import re

import pytest

from config import DEFAULT_CONFIG

GOOD = """\
jira:
  url: https://example.atlassian.net
  auth:
    type: cloud
    email: bot@example.com
    api_token: ${PMOKIT_TEST_TOKEN}
portfolio:
  name: Shop
  phase:
    source: field
    field: phase
  fields:
    phase: "PMO Phase"
    budget: "Budget (CNY)"
  programs:
    - key: web
      name: Web
      projects: [SHOP]
phases:
  - id: initiation
    name: Initiation
    values: [Initiation]
"""


def problems(output: str) -> list[tuple[int, int, str, str]]:
    """(line, column, yaml path, message) of every problem line."""
    found = []
    for line in output.splitlines():
        match = re.match(r"^(.*?):(\d+):(\d+): (\S+): (.*)$", line)
        if match:
            found.append((int(match[2]), int(match[3]), match[4], match[5]))
    return found


def test_example_standard_is_valid(run_cli):
    result = run_cli("config", "validate")
    assert result.exit_code == 0, result.output
    # Secrets are unset here: a warning names each variable, but validation still passes.
    assert "warning: environment variable JIRA_API_TOKEN is not set" in result.output
    assert all(p[2] != "<root>" for p in problems(result.output))


def test_example_standard_has_no_warning_when_secrets_are_set(run_cli):
    env = {"JIRA_API_TOKEN": "t1", "CONFLUENCE_API_TOKEN": "t2", "PMOKIT_WEBHOOK_SECRET": "s"}
    result = run_cli("config", "validate", "--strict", str(DEFAULT_CONFIG), env=env)
    assert result.exit_code == 0, result.output
    assert problems(result.output) == []


def test_good_config_is_valid(run_cli, write_yaml):
    path = write_yaml("pmokit.yaml", GOOD)
    result = run_cli("config", "validate", str(path), env={"PMOKIT_TEST_TOKEN": "x"})
    assert result.exit_code == 0, result.output
    assert problems(result.output) == []


def test_yaml_syntax_error_names_line_and_column(run_cli, write_yaml):
    path = write_yaml("bad.yaml", GOOD.replace("  name: Shop\n", "  name: [Shop\n"))
    result = run_cli("config", "validate", str(path))
    assert result.exit_code == 2
    [(line, column, _, message)] = problems(result.output)
    assert message.startswith("YAML syntax error")
    assert line == 9 and column >= 3


def test_unknown_key_is_named_with_suggestion(run_cli, write_yaml):
    path = write_yaml("bad.yaml", GOOD.replace("    email: bot", "    emial: bot"))
    result = run_cli("config", "validate", str(path), env={"PMOKIT_TEST_TOKEN": "x"})
    assert result.exit_code == 2
    found = problems(result.output)
    assert (5, 5, "jira.auth.emial",
            "unknown key 'emial' (did you mean 'email'?); allowed: api_token, email, type") in found
    # The missing 'email' is reported too, at its mapping: every problem, not only the first.
    assert any(p[2] == "jira.auth.email" and "missing required key 'email'" in p[3] for p in found)


def test_unknown_section_is_named_with_suggestion(run_cli, write_yaml):
    path = write_yaml("bad.yaml", GOOD + "shedule:\n  sync: '* * * * *'\n")
    result = run_cli("config", "validate", str(path))
    assert result.exit_code == 2
    [problem] = problems(result.output)
    assert problem[0] == 23 and problem[2] == "shedule"
    assert "did you mean 'schedule'?" in problem[3]


def test_wrong_type_names_line(run_cli, write_yaml):
    text = GOOD.replace("  auth:\n", "  timeout_seconds: soon\n  auth:\n")
    path = write_yaml("bad.yaml", text)
    result = run_cli("config", "validate", str(path))
    assert result.exit_code == 2
    [(line, column, ypath, message)] = problems(result.output)
    assert (line, column, ypath) == (3, 20, "jira.timeout_seconds")
    assert "valid number" in message and "'soon'" in message


def test_wrong_choice_lists_allowed_values(run_cli, write_yaml):
    path = write_yaml("bad.yaml", GOOD.replace("  url: https://example", "  flavor: clowd\n  url: https://example"))
    result = run_cli("config", "validate", str(path))
    assert result.exit_code == 2
    [(line, column, ypath, message)] = problems(result.output)
    assert (line, column, ypath) == (2, 11, "jira.flavor")
    assert message == "'clowd' is not allowed (did you mean 'cloud'?); allowed: auto, cloud, datacenter"


def test_missing_required_key_and_section(run_cli, write_yaml):
    text = GOOD.replace("  url: https://example.atlassian.net\n", "")
    text = text[: text.index("phases:")]
    path = write_yaml("bad.yaml", text)
    result = run_cli("config", "validate", str(path))
    assert result.exit_code == 2
    found = problems(result.output)
    assert (1, 1, "jira.url", "missing required key 'url'") in found
    assert any(p[2] == "<root>" and p[3] == "missing required section 'phases'" for p in found)


def test_missing_environment_variable_is_a_warning_in_validate_and_an_error_when_needed(
        run_cli, write_yaml, monkeypatch):
    from config import ConfigError, load_settings

    monkeypatch.delenv("PMOKIT_TEST_TOKEN", raising=False)
    path = write_yaml("pmokit.yaml", GOOD)
    result = run_cli("config", "validate", str(path))
    assert result.exit_code == 0
    assert problems(result.output) == [
        (6, 16, "jira.auth.api_token", "warning: environment variable PMOKIT_TEST_TOKEN is not set")]
    strict = run_cli("config", "validate", "--strict", str(path))
    assert strict.exit_code == 2
    with pytest.raises(ConfigError) as caught:
        load_settings([path])
    [problem] = caught.value.problems
    assert problem.location.line == 6
    assert problem.message == "environment variable PMOKIT_TEST_TOKEN is not set"


def test_unknown_logical_field_in_mapping_is_an_error(run_cli, write_yaml):
    path = write_yaml("bad.yaml", GOOD.replace("    field: phase\n", "    field: phse\n"))
    result = run_cli("config", "validate", str(path))
    assert result.exit_code == 2
    [(line, column, ypath, message)] = problems(result.output)
    assert (line, column, ypath) == (11, 12, "portfolio.phase.field")
    assert message == "unknown logical field 'phse' (did you mean 'phase'?)"


def test_plain_secret_in_yaml_is_refused(run_cli, write_yaml):
    path = write_yaml("bad.yaml", GOOD.replace("${PMOKIT_TEST_TOKEN}", "hunter2-plain"))
    result = run_cli("config", "validate", str(path))
    assert result.exit_code == 2
    [(line, _, ypath, message)] = problems(result.output)
    assert (line, ypath) == (6, "jira.auth.api_token")
    assert "${ENV_VAR}" in message
    assert "hunter2-plain" not in result.output


def test_every_problem_is_reported_in_file_order(run_cli, write_yaml):
    text = (GOOD.replace("    email: bot", "    emial: bot")
            .replace("  name: Shop", "  name: Shop\n  project_unit: epics")
            .replace("    values: [Initiation]", "    values: [Initiation]\n    gate: yes"))
    path = write_yaml("bad.yaml", text)
    result = run_cli("config", "validate", str(path))
    assert result.exit_code == 2
    lines = [p[0] for p in problems(result.output)]
    assert len(lines) == 4 and lines == sorted(lines)
    assert "4 error(s)" in result.output


def test_duplicate_key_is_an_error(run_cli, write_yaml):
    path = write_yaml("bad.yaml", GOOD.replace("  name: Shop\n", "  name: Shop\n  name: Shop2\n"))
    result = run_cli("config", "validate", str(path))
    assert result.exit_code == 2
    [(line, _, ypath, message)] = problems(result.output)
    assert (line, ypath) == (9, "portfolio.name")
    assert message == "duplicate key 'name' (first at line 8)"


def test_included_files_are_combined_and_located(run_cli, write_yaml):
    head, phases = GOOD.split("phases:")
    write_yaml("phases/main.yaml", "phases:" + phases.replace("    values:", "    colour: red\n    values:"))
    root = write_yaml("pmokit.yaml", "include: [phases]\n" + head)
    result = run_cli("config", "validate", str(root), env={"PMOKIT_TEST_TOKEN": "x"})
    assert result.exit_code == 2
    [problem] = [line for line in result.output.splitlines() if "colour" in line]
    assert re.match(r"^.*phases/main\.yaml:4:5: phases\[0\]\.colour: unknown key 'colour'", problem)


def test_combined_files_may_not_set_the_same_value_twice(run_cli, write_yaml):
    write_yaml("extra.yaml", "portfolio:\n  name: Other\n")
    root = write_yaml("pmokit.yaml", "include: extra.yaml\n" + GOOD)
    result = run_cli("config", "validate", str(root))
    assert result.exit_code == 2
    [(line, _, ypath, message)] = problems(result.output)
    assert (line, ypath) == (2, "portfolio.name")
    assert "already set" in message and "pmokit.yaml:9" in message


def test_several_paths_combine_into_one_configuration(run_cli, write_yaml):
    head, phases = GOOD.split("phases:")
    a = write_yaml("a.yaml", head)
    b = write_yaml("b.yaml", "phases:" + phases)
    result = run_cli("config", "validate", str(a), str(b), env={"PMOKIT_TEST_TOKEN": "x"})
    assert result.exit_code == 0, result.output


def test_missing_file_is_a_clear_error(run_cli, tmp_path):
    result = run_cli("config", "validate", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "nope.yaml:1:1: <root>: file not found" in result.output


def test_config_option_and_environment_pick_the_file(run_cli, write_yaml):
    path = write_yaml("bad.yaml", "jira: 3\n")
    by_option = run_cli("--config", str(path), "config", "validate")
    by_env = run_cli("config", "validate", env={"PMOKIT_CONFIG": str(path)})
    for result in (by_option, by_env):
        assert result.exit_code == 2
        assert "bad.yaml:1:7: jira: Input should be a valid dictionary" in result.output


@pytest.mark.parametrize("cron, ok", [("*/5 * * * *", True), ("0 8 * * MON", True), ("61 * * * *", False),
                                      ("every day", False)])
def test_schedule_cron_expressions_are_checked(run_cli, write_yaml, cron, ok):
    path = write_yaml("c.yaml", GOOD + f"schedule:\n  sync: '{cron}'\n")
    result = run_cli("config", "validate", str(path), env={"PMOKIT_TEST_TOKEN": "x"})
    assert (result.exit_code == 0) is ok, result.output
    if not ok:
        assert "schedule.sync: not a valid cron expression" in result.output


def test_yaml_merge_keys_may_be_overridden(run_cli, write_yaml):
    text = GOOD.replace("programs:\n    - key: web\n      name: Web\n      projects: [SHOP]\n",
                        "programs:\n    - &web {key: web, name: Web, projects: [SHOP]}\n"
                        "    - {<<: *web, key: app, projects: [APP]}\n")
    result = run_cli("config", "validate", str(write_yaml("m.yaml", text)), env={"PMOKIT_TEST_TOKEN": "x"})
    assert result.exit_code == 0, result.output
    twice = text.replace("key: app, projects", "key: app, key: app2, projects")
    result = run_cli("config", "validate", str(write_yaml("m2.yaml", twice)), env={"PMOKIT_TEST_TOKEN": "x"})
    assert result.exit_code == 2 and "duplicate key 'key'" in result.output
