"""Rules in YAML: every kind validates, and each mistake is an error with file, line, column and a suggestion."""

from __future__ import annotations

import re

from tests.test_config_validate import GOOD, problems

RULES = """\
rules:
  - id: record-fields
    kind: required_fields
    fields: [budget, phase]
    scope: {issue_types: [Project], phases: [initiation], where: "budget > 0"}
"""


def run(run_cli, write_yaml, text):
    return run_cli("config", "validate", str(write_yaml("pmokit.yaml", GOOD + text)), env={"PMOKIT_TEST_TOKEN": "x"})


def test_valid_rules(run_cli, write_yaml):
    result = run(run_cli, write_yaml, RULES)
    assert result.exit_code == 0, result.output


def test_unknown_kind_suggests(run_cli, write_yaml):
    result = run(run_cli, write_yaml, RULES.replace("kind: required_fields", "kind: required_field"))
    assert result.exit_code == 2
    [problem] = problems(result.output)
    assert problem[:3] == (25, 11, "rules[0].kind")
    assert "'required_field' is not allowed (did you mean 'required_fields'?)" in problem[3]


def test_unknown_logical_field(run_cli, write_yaml):
    result = run(run_cli, write_yaml, RULES.replace("[budget, phase]", "[budgett, phase]"))
    assert result.exit_code == 2
    [problem] = problems(result.output)
    assert problem[:3] == (26, 14, "rules[0].fields[0]")
    assert problem[3] == "unknown field 'budgett' (did you mean 'budget'?)"


def test_unknown_phase(run_cli, write_yaml):
    result = run(run_cli, write_yaml, RULES.replace("phases: [initiation]", "phases: [initation]"))
    [problem] = problems(result.output)
    assert problem[2] == "rules[0].scope.phases[0]" and "did you mean 'initiation'?" in problem[3]


def test_bad_expression_points_at_its_column(run_cli, write_yaml):
    result = run(run_cli, write_yaml, RULES.replace('where: "budget > 0"', 'where: "budget >> 0"'))
    [problem] = problems(result.output)
    line = (GOOD + RULES).splitlines()[26]
    expression_start = line.index('"budget') + 2  # 1-based column of the text inside the quotes
    assert problem[:3] == (27, expression_start + 8, "rules[0].scope.where")
    assert problem[3].startswith("expected a value but found '>'")


def test_invalid_pattern(run_cli, write_yaml):
    text = "rules:\n  - {id: n, kind: naming, pattern: '(unclosed'}\n"
    [problem] = problems(run(run_cli, write_yaml, text).output)
    assert problem[2] == "rules[0].pattern" and problem[3].startswith("invalid regular expression")


def test_duplicate_ids(run_cli, write_yaml):
    text = RULES + "  - {id: record-fields, kind: naming, pattern: x}\n"
    result = run(run_cli, write_yaml, text)
    [problem] = problems(result.output)
    assert problem[2] == "rules[1].id" and "used 2 times" in problem[3]


def test_kind_specific_keys_are_checked(run_cli, write_yaml):
    text = "rules:\n  - {id: d, kind: documents, documents: [{name: x}]}\n"
    [problem] = problems(run(run_cli, write_yaml, text).output)
    assert problem[2] == "rules[0].documents[0]"
    assert problem[3] == "say how the document is found: attachment, link or confluence_label"
    text = "rules:\n  - {id: d, kind: naming, pattern: x, colour: red}\n"
    [problem] = problems(run(run_cli, write_yaml, text).output)
    assert re.match(r"unknown key 'colour'", problem[3])
