"""The engine: fast verdicts agree with the explained checks, results read in a stable order, errors stay local."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType

from config import DEFAULT_CONFIG, load_settings
from config.rule_specs import RuleScope
from pmokit.records import Attachment, Change, Issue, RemoteLink, StatusCategory, User
from rules.context import Standard
from rules.engine import compliance, evaluate
from rules.facts import Facts
from rules.results import State

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
SETTINGS = load_settings([DEFAULT_CONFIG], require_secrets=False)
STANDARD = Standard.of(SETTINGS)
TEMPLATE_RULES = [r for r in SETTINGS.rules if r.kind != "gate"]


def varied_portfolio(seed: int, size: int = 600) -> Facts:
    """Issues with every shape a field can take: missing, empty text, empty list, odd dates, docs as links."""
    rng = random.Random(seed)
    issues, changes = [], []
    empties = [None, "", 0, "x", 5, [], ["a"]]
    for n in range(1, size + 1):
        project = f"P{n % 7}"
        kind = rng.choice(["Project", "Milestone", "Risk", "Story", "Task", "Bug", "Epic"])
        status = rng.choice(["To Do", "In Progress", "in review", "Done", "Planning", "Execution", "Closure"])
        due = rng.choice([None, date(2026, 11, 1), date(2026, 12, 24), date(2025, 6, 1), date(2028, 1, 1)])
        custom = {name: rng.choice(empties) for name in ("budget", "sponsor", "probability", "impact")}
        custom |= {"baseline_start": rng.choice([None, "2026-01-01", "garbage"]), "baseline_end": "2026-12-31"}
        text = "\n".join(rng.sample(["h2. Background", "## 目标", "*Scope*", "h3. Budget", "Risks", "h1. Risks"],
                                    rng.randint(0, 6)))
        issue = Issue(
            id=str(n), key=f"{project}-{n}", project_key=project, issue_type=kind,
            summary=rng.choice(["M1 kickoff", "M12 done", "kickoff", ""]), status=status,
            status_category=StatusCategory.DONE if status == "Done" else StatusCategory.IN_PROGRESS,
            phase=rng.choice([None, "planning", "execution", "acceptance", "closure"]), description=text, due=due,
            created=NOW - timedelta(days=rng.randint(0, 9)),
            assignee=rng.choice([None, User("u1", "Li Na")]),
            parent_key=f"{project}-{rng.randint(1, size)}" if kind in ("Milestone", "Risk") else None,
            attachments=tuple(Attachment(str(k), name) for k, name in enumerate(
                rng.sample(["Feasibility.pdf", "合同.pdf", "技术方案.docx", "notes.txt"], rng.randint(0, 3)))),
            remote_links=(RemoteLink("1", "https://wiki/x", "验收报告"),) if rng.random() < 0.2 else (),
            custom=MappingProxyType(custom))
        issues.append(issue)
        if due and rng.random() < 0.3:
            changes.append(Change(issue.id, f"h{n}", NOW - timedelta(days=3), "duedate",
                                  from_value=str(due - timedelta(days=rng.choice([1, 30])))))
    return Facts.build(issues, changes=changes)


def test_fast_verdicts_agree_with_the_explained_checks():
    for seed in range(3):
        facts = varied_portfolio(seed)
        evaluation = evaluate(TEMPLATE_RULES, facts, None, NOW, standard=STANDARD)
        explained = list(evaluation)
        assert len(explained) == len(evaluation) > 300
        for state in State:
            assert sum(r.state is state for r in explained) == evaluation.count_state(state), (seed, state)
        assert {r.state for r in explained} >= {State.PASS, State.FAIL}
        assert list(evaluation.not_passing()) == [r for r in explained if r.state is not State.PASS]


def test_compliance_from_verdicts_equals_compliance_from_explained_results():
    evaluation = evaluate(TEMPLATE_RULES, varied_portfolio(5), None, NOW, standard=STANDARD)
    fast, slow = compliance(evaluation), compliance(list(evaluation))
    assert fast == slow and len(fast) == 7
    assert all(c.failed == len(c.gaps) for c in fast.values())


def test_results_read_rule_by_rule_in_the_order_of_the_facts():
    facts = varied_portfolio(1, size=120)
    evaluation = evaluate(TEMPLATE_RULES, facts, None, NOW, standard=STANDARD)
    explained = list(evaluation)
    rule_order = [r.id for r in TEMPLATE_RULES]
    assert [rule_order.index(r.rule_id) for r in explained] == sorted(rule_order.index(r.rule_id) for r in explained)
    for rule_id in {r.rule_id for r in explained}:
        positions = [facts.position[r.issue_key] for r in explained if r.rule_id == rule_id and r.issue_key]
        assert positions == sorted(positions)
    assert evaluation[0] == explained[0] and evaluation[-1] == explained[-1] and evaluation == explained


def test_statuses_and_types_select_case_insensitively_and_issue_keys_narrow():
    [owner_rule] = [r for r in TEMPLATE_RULES if r.id == "work-has-owner"]
    facts = varied_portfolio(2)
    keys = {r.issue_key for r in evaluate([owner_rule], facts, None, NOW)}
    expected = {i.key for i in facts.issues.values()
                if i.issue_type in ("Story", "Task", "Bug") and i.status.casefold() in ("in progress", "in review")}
    assert keys == expected and any(facts.issues[k].status == "in review" for k in keys)
    some = [*sorted(expected)[:3], "NOPE-1"]
    assert {r.issue_key for r in evaluate([owner_rule], facts, None, NOW, issue_keys=some)} == set(some[:3])


class Hostile:
    """A field value whose comparison raises, as a broken custom field renderer might produce."""

    def __eq__(self, other):
        raise ValueError("cannot compare this value")

    __hash__ = object.__hash__


def test_a_value_that_breaks_a_check_is_an_error_on_that_issue_only():
    [record_fields] = [r for r in TEMPLATE_RULES if r.id == "record-fields"]
    good = {"budget": 1, "sponsor": "x", "baseline_start": "2026-01-01", "baseline_end": "2026-12-31"}
    issues = [Issue(id=str(n), key=f"P-{n}", project_key="P", issue_type="Project", summary="p", status="Planning",
                    custom=MappingProxyType(good | ({"sponsor": Hostile()} if n == 2 else {})))
              for n in (1, 2, 3)]
    results = list(evaluate([record_fields], Facts.build(issues), None, NOW))
    assert [(r.issue_key, r.state) for r in results] == [("P-1", State.PASS), ("P-2", State.ERROR),
                                                         ("P-3", State.PASS)]
    assert "cannot compare this value" in results[1].message


def test_a_scope_condition_selects_the_same_issues_as_the_condition_on_each_issue():
    """Conditions run on issues directly in the engine; they must mean what they mean on one issue's scope."""
    from config.conditions import compile_expression
    from rules.facts import IssueScope

    facts = varied_portfolio(4)
    for condition in ("not done and due < now + 30d", "days_until(due) > 20 or count(children) >= 1",
                      "parent.status = 'Execution'", "due >= today and lower(summary) matches '^m1'",
                      "budget > 1 or sponsor is not empty", "program is empty and labels contains 'x'"):
        spec = next(r for r in TEMPLATE_RULES if r.id == "work-has-owner").model_copy(
            update={"scope": RuleScope(where=condition)})
        selected = {r.issue_key for r in evaluate([spec], facts, None, NOW)}
        expression = compile_expression(condition)
        expected = {i.key for i in facts.issues.values() if expression(IssueScope(i, facts, NOW))}
        assert selected == expected, condition
        assert 0 < len(expected) < len(facts.issues) or condition.startswith("program"), condition
