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


PROJECT_TYPES = GOOD.replace('''    budget: "Budget (CNY)"
''', '''    budget: "Budget (CNY)"
    kind: "Project Type"
  project_types:
    field: kind
    types:
      - {id: maintenance, values: [Maintenance], phases: [initiation, closure]}
''').replace('''    values: [Initiation]
''', '''    values: [Initiation]
  - {id: planning, name: Planning, values: [Planning]}
  - {id: closure, name: Closure, values: [Closure]}
''')
GATE = "rules:\n  - {id: GM, kind: gate, from_phase: initiation, to_phase: closure, project_types: [maintenance]}\n"


def test_project_types_and_their_gates(run_cli, write_yaml):
    def check(config: str, rules: str = GATE):
        return run_cli("config", "validate", str(write_yaml("pmokit.yaml", config + rules)),
                       env={"PMOKIT_TEST_TOKEN": "x"})

    assert check(PROJECT_TYPES).exit_code == 0, check(PROJECT_TYPES).output
    wrong = PROJECT_TYPES.replace("phases: [initiation, closure]", "phases: [initiation, closing, initiation]")
    found = problems(check(wrong, "").output)
    assert [p[2] for p in found] == ["portfolio.project_types.types[0].phases[1]",
                                     "portfolio.project_types.types[0].phases[2]"]
    assert "unknown phase 'closing'; known: closure, initiation, planning" in found[0][3]
    assert "listed twice" in found[1][3]
    [field] = problems(check(PROJECT_TYPES.replace("field: kind", "field: knd")).output)
    assert field[2] == "portfolio.project_types.field" and "did you mean 'kind'?" in field[3]
    [unknown] = problems(check(PROJECT_TYPES, GATE.replace("[maintenance]", "[maintenace]")).output)
    assert unknown[2] == "rules[0].project_types[0]" and "did you mean 'maintenance'?" in unknown[3]
    # Planning -> closure leads forward in the default order, but not for maintenance projects (no planning).
    [backwards] = problems(check(PROJECT_TYPES, GATE.replace("from_phase: initiation", "from_phase: planning")).output)
    assert backwards[2] == "rules[0].to_phase" and "in the phases of any type of project" in backwards[3]
