"""`pmokit rules test`: the PMO's unit tests for its own standard."""

from __future__ import annotations

import re

from config import DEFAULT_CONFIG

FAILING_CASE = """\
cases:
  - name: expects the wrong thing
    now: 2026-11-20
    issues:
      - {key: OMS-1, type: Project, status: Planning, fields: {budget: 1}}
    expect:
      - {rule: record-fields, issue: OMS-1, state: pass}
      - {rule: record-fields, issue: OMS-1, state: fail, missing: [sponsor]}
      - {rule: acceptance-report, issue: OMS-1, state: fail}
      - {rule: no-such-rule, issue: OMS-1, state: pass}
"""


def test_the_example_standard_passes_its_own_tests(run_cli):
    result = run_cli("rules", "test")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[-1] == f"rules: {len(lines) - 1} passed, 0 failed"
    assert all(line.startswith("PASS  ") for line in lines[:-1]) and len(lines) >= 6
    every_rule = {"record-fields", "record-sections", "record-children", "feasibility-study",
                  "proposal-and-contract", "acceptance-report", "lessons-learned", "milestone-naming",
                  "milestone-dates", "risk-assessed", "work-has-owner", "G1", "G2", "G3", "G4"}
    text = "".join(p.read_text(encoding="utf-8") for p in (DEFAULT_CONFIG.parent / "tests").glob("*.yaml"))
    assert every_rule <= set(re.findall(r"rule: ([\w-]+)", text))  # a case for every example rule


def test_a_failing_case_shows_what_differs(run_cli, write_yaml):
    path = write_yaml("cases/failing.yaml", FAILING_CASE)
    result = run_cli("rules", "test", str(path))
    assert result.exit_code == 1
    out = result.stdout
    assert "FAIL  expects the wrong thing" in out
    assert "record-fields on OMS-1:\n      state: expected pass, got fail" in out
    assert "missing: expected ['sponsor'], got ['sponsor', 'baseline_start', 'baseline_end']" in out
    assert "acceptance-report on OMS-1: expected fail, but the rule did not apply (check its scope)" in out
    assert "no rule with id 'no-such-rule'" in out
    assert out.splitlines()[-1] == "rules: 0 passed, 1 failed"


def test_a_malformed_case_file_names_file_and_line(run_cli, write_yaml):
    path = write_yaml("cases/bad.yaml", FAILING_CASE.replace("state: pass}", "state: passed}", 1))
    result = run_cli("rules", "test", str(path))
    assert result.exit_code == 2
    assert re.search(r"bad\.yaml:7:\d+: cases\[0\]\.expect\[0\]\.state: 'passed' is not allowed "
                     r"\(did you mean 'pass'\?\)", result.output)


def test_missing_tests_directory_is_a_clear_error(run_cli, tmp_path):
    result = run_cli("rules", "test", str(tmp_path / "nothing-here"))
    assert result.exit_code == 2 and "no rule tests at" in result.output
