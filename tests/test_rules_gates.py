"""Gate commands in comments, and gate configuration mistakes."""

from __future__ import annotations

from datetime import UTC, datetime

from pmokit.records import Comment, User
from rules import gates
from tests.test_config_validate import GOOD, problems


def comment(body: str, author: str = "li.na") -> Comment:
    return Comment("1", "10001", body, User(author), datetime(2026, 11, 19, tzinfo=UTC))


def test_commands_are_read_from_comment_lines():
    [approve] = gates.parse(comment("Reviewed the charter.\n  /pmo approve g2\nThanks"))
    assert (approve.verb, approve.gate, approve.author) == ("approve", "G2", "li.na")
    [conditional] = gates.parse(comment("/pmo approve G3 conditional 2026-12-31 cost report by year end"))
    assert conditional.rest == "conditional 2026-12-31 cost report by year end"
    verbs = [c.verb for c in gates.parse(comment(
        "/pmo reject G2 no budget\n/pmo hold G2 vendor\n/pmo recycle G2 redo\n/pmo kill G2 no case"))]
    assert verbs == ["reject", "hold", "recycle", "kill"]
    assert gates.parse(comment("please /pmo approve G2")) == []  # a command starts its line
    [typo] = gates.parse(comment("/pmo aprove G2"))  # read as written: pmokit answers it (see test_decisions)
    assert (typo.verb, typo.gate) == ("aprove", "G2")
    assert gates.parse(comment("/pmo reject G2 because"))[0].rest == "because"


def test_examples_in_code_quotes_and_noformat_are_not_commands():
    body = ("How to reject:\n{noformat}\n/pmo reject G1 <reason>\n{noformat}\n{code:java}\n/pmo kill G1\n{code}\n"
            "bq. /pmo hold G1 as Li Na wrote\n{quote}\n/pmo recycle G1\n{quote}\n/pmo approve G1")
    assert [(c.verb, c.gate) for c in gates.parse(comment(body))] == [("approve", "G1")]


def test_commands_in_order():
    first = Comment("1", "1", "/pmo approve G2", User("a"), datetime(2026, 1, 2, tzinfo=UTC))
    second = Comment("2", "1", "/pmo reject G2 no", User("b"), datetime(2026, 1, 1, tzinfo=UTC))
    other = Comment("3", "1", "/pmo approve G1", User("a"), datetime(2026, 1, 3, tzinfo=UTC))
    assert [(c.verb, c.gate) for c in gates.commands([first, second, other])] == [
        ("reject", "G2"), ("approve", "G2"), ("approve", "G1")]


GATE = """\
rules:
  - {id: fields, kind: required_fields, fields: [budget]}
  - id: G1
    kind: gate
    from_phase: initiation
    to_phase: planning
    criteria: [fields]
    conditions: ["budget > 0"]
    approvers: {groups: [pmo], required: 1}
"""
PHASES = GOOD.replace("""phases:
  - id: initiation
    name: Initiation
    values: [Initiation]
""", """phases:
  - {id: initiation, name: Initiation, values: [Initiation]}
  - {id: planning, name: Planning, values: [Planning]}
""")


def validate(run_cli, write_yaml, text):
    return run_cli("config", "validate", str(write_yaml("pmokit.yaml", PHASES + text)),
                   env={"PMOKIT_TEST_TOKEN": "x"})


def test_a_valid_gate(run_cli, write_yaml):
    result = validate(run_cli, write_yaml, GATE)
    assert result.exit_code == 0, result.output


def test_gate_mistakes_are_located(run_cli, write_yaml):
    cases = {
        "to_phase: planning": ("to_phase: plannng", "rules[1].to_phase", "unknown phase 'plannng' (did you mean "
                                                                         "'planning'?)"),
        "criteria: [fields]": ("criteria: [feilds]", "rules[1].criteria[0]", "unknown rule 'feilds' (did you mean "
                                                                             "'fields'?)"),
        '"budget > 0"': ('"budget >"', "rules[1].conditions[0]", "expected a value but found the end"),
    }
    for original, (replacement, path, message) in cases.items():
        result = validate(run_cli, write_yaml, GATE.replace(original, replacement))
        assert result.exit_code == 2, replacement
        [problem] = problems(result.output)
        assert problem[2] == path and problem[3].startswith(message), problem


def test_a_gate_leads_forward(run_cli, write_yaml):
    text = GATE.replace("from_phase: initiation\n    to_phase: planning", "from_phase: planning\n    to_phase: "
                                                                             "initiation")
    [problem] = problems(validate(run_cli, write_yaml, text).output)
    assert problem[2] == "rules[1].to_phase" and "does not come after 'planning'" in problem[3]


def test_gates_may_not_depend_on_themselves(run_cli, write_yaml):
    text = GATE.replace("criteria: [fields]", "criteria: [G2]") + """\
  - {id: G2, kind: gate, from_phase: initiation, to_phase: planning, criteria: [G1]}
"""
    found = problems(validate(run_cli, write_yaml, text).output)
    assert {p[2] for p in found} == {"rules[1].criteria", "rules[2].criteria"}
    assert all("a cycle of gates" in p[3] for p in found)
