"""Each template kind passes and fails for the right reasons; the engine turns a raising rule into an error."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from types import MappingProxyType

import pytest
from pydantic import TypeAdapter

from config import DEFAULT_CONFIG, load_settings
from config.rule_specs import AnyRule, RuleSpec
from pmokit.records import Attachment, Change, Issue, IssueLink, RemoteLink, StatusCategory, User
from rules.context import CheckContext, Standard
from rules.engine import affected, compliance, evaluate
from rules.facts import Facts
from rules.registry import Kind, register
from rules.results import Outcome, State

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
RULE = TypeAdapter(AnyRule)


def rule(**data):
    return RULE.validate_python(data)


def issue(key="SHOP-1", issue_type="Project", **kwargs) -> Issue:
    custom = kwargs.pop("custom", {})
    defaults = dict(id=str(abs(hash(key)) % 10**6), key=key, project_key=key.split("-")[0], issue_type=issue_type,
                    summary=f"{key} summary", status="Execution", created=NOW - timedelta(days=90),
                    custom=MappingProxyType(custom))
    return Issue(**(defaults | kwargs))


def run(rules, issues, changes=(), *, settings=None, language="en"):
    standard = Standard.of(settings, language) if settings is not None else Standard(language=language)
    return evaluate(rules if isinstance(rules, list) else [rules], Facts.build(issues, changes=changes), None, NOW,
                    standard=standard)


def test_required_fields():
    spec = rule(id="r", kind="required_fields", fields=["budget", "sponsor", "due"])
    [ok] = run(spec, [issue(custom={"budget": 10, "sponsor": "王伟"}, due=date(2026, 12, 1))])
    assert ok.state is State.PASS and "budget = 10" in ok.evidence
    [bad] = run(spec, [issue(custom={"budget": 10, "sponsor": ""})])
    assert bad.state is State.FAIL and bad.missing == ("sponsor", "due")
    assert bad.message == "required fields are empty: sponsor, due"
    assert bad.fix == "Fill in sponsor, due on SHOP-1."
    [zh] = run(spec, [issue()], language="zh")
    assert zh.message == "必填字段为空：budget, sponsor, due"


def test_description_sections_in_either_language_and_markup():
    spec = rule(id="s", kind="description_sections", sections=[{"en": "Scope", "zh": "范围"}, "Risks"])
    wiki = issue(description="h2. Scope\nAll of it.\nh3. Risks\nFew.")
    adf_like = issue(key="SHOP-2", description="## 范围\n全部\n*Risks*")
    [a, b] = run(spec, [wiki, adf_like])
    assert a.state is State.PASS and b.state is State.PASS
    [bad] = run(spec, [issue(description="h2. Background\nScope is mentioned in prose only.")])
    assert bad.state is State.FAIL and bad.missing == ("Scope", "Risks")


def test_naming():
    spec = rule(id="n", kind="naming", pattern=r"^M\d+ ", example="M2 Planning complete")
    [ok, bad] = run(spec, [issue(summary="M1 Initiation complete"), issue(key="SHOP-2", summary="Initiation done")])
    assert ok.state is State.PASS and bad.state is State.FAIL
    assert "e.g. “M2 Planning complete”" in bad.fix


def test_child_items_counts_types_statuses_and_conditions():
    spec = rule(id="c", kind="child_items", children=[
        {"type": "Risk", "min": 1, "where": "probability >= 3"}, {"type": "Milestone", "min": 2}])
    record = issue()
    kids = [issue("SHOP-2", "Risk", parent_key="SHOP-1", custom={"probability": 4}),
            issue("SHOP-3", "Milestone", parent_key="SHOP-1"), issue("SHOP-4", "Milestone", parent_key="SHOP-1")]
    results = {r.issue_key: r for r in run(spec, [record, *kids])}
    assert results["SHOP-1"].state is State.PASS
    low_risk = [record, issue("SHOP-2", "Risk", parent_key="SHOP-1", custom={"probability": 1}), kids[1]]
    bad = {r.issue_key: r for r in run(spec, low_risk)}["SHOP-1"]
    assert bad.state is State.FAIL and bad.missing == ("Risk ×1", "Milestone ×1")


def test_documents_by_attachment_link_or_confluence_label():
    spec = rule(id="d", kind="documents", documents=[
        {"name": {"en": "feasibility study", "zh": "可行性研究报告"}, "attachment": "可行性|feasibility"},
        {"name": "contract", "link": "contract"},
        {"name": "charter", "confluence_label": "charter"}])
    complete = issue(attachments=(Attachment("1", "可行性研究报告.pdf"),),
                     remote_links=(RemoteLink("1", "https://wiki/x", "Signed contract"),))
    facts_docs = {"SHOP-1": ["charter"]}
    [ok] = evaluate([spec], Facts.build([complete], documents=facts_docs), None, NOW)
    assert ok.state is State.PASS and ok.evidence[0] == "feasibility study: 可行性研究报告.pdf"
    [bad] = run(spec, [issue()], language="zh")
    assert bad.state is State.FAIL and bad.missing == ("可行性研究报告", "contract", "charter")


def test_dates_overdue_window_and_slippage_from_the_changelog():
    spec = rule(id="t", kind="dates", window=["baseline_start", "baseline_end"], max_slip_days=10)
    record = issue(custom={"baseline_start": "2026-01-01", "baseline_end": "2026-12-31"})
    on_time = issue("SHOP-2", "Milestone", due=date(2026, 12, 10))
    late = issue("SHOP-3", "Milestone", due=date(2026, 11, 1))
    outside = issue("SHOP-4", "Milestone", due=date(2027, 2, 1))
    slipped = issue("SHOP-5", "Milestone", due=date(2026, 12, 20))
    changes = [Change(slipped.id, "9", NOW - timedelta(days=30), "duedate", "duedate", "2026-12-01", "2026-12-01",
                      "2026-12-20", "2026-12-20")]
    results = {r.issue_key: r for r in run(spec, [record, on_time, late, outside, slipped], changes)
               if r.issue_key != "SHOP-1"}
    assert results["SHOP-2"].state is State.PASS
    assert results["SHOP-3"].message == "overdue by 19 days"
    assert results["SHOP-4"].message == "due date outside the project window"
    assert results["SHOP-5"].message == "slipped 19 days (more than 10)"
    done_late = issue("SHOP-6", "Milestone", due=date(2026, 11, 1), status_category=StatusCategory.DONE)
    assert run(rule(id="t2", kind="dates"), [done_late])[0].state is State.PASS


def test_scope_filters_and_conditions():
    spec = rule(id="r", kind="required_fields", fields=["budget"],
                scope={"issue_types": ["Project"], "projects": ["SHOP"], "phases": ["execution"],
                       "labels": ["pmo"], "where": "created < now - 30d"})
    match = issue(phase="execution", labels=("pmo",))
    others = [issue("PAY-1", phase="execution", labels=("pmo",)), issue("SHOP-2", "Task", phase="execution"),
              issue("SHOP-3", phase="planning", labels=("pmo",)), issue("SHOP-4", phase="execution"),
              issue("SHOP-5", phase="execution", labels=("pmo",), created=NOW - timedelta(days=2))]
    assert [r.issue_key for r in run(spec, [match, *others])] == ["SHOP-1"]


def test_grace_period_records_without_enforcing():
    spec = rule(id="g", kind="required_fields", fields=["budget"], grace="7d")
    [young, old] = run(spec, [issue(created=NOW - timedelta(days=2)), issue("SHOP-2", created=NOW - timedelta(days=9))])
    assert young.state is State.FAIL and young.in_grace
    assert old.state is State.FAIL and not old.in_grace


def test_a_rule_that_raises_is_an_error_result_and_the_others_still_run():
    class Exploding(RuleSpec):
        kind: str = "exploding"

    def check(spec: RuleSpec, scope, ctx: CheckContext) -> Outcome:
        raise ZeroDivisionError("division by zero")

    register(Kind("exploding", Exploding, check, frozenset({"scheduled"})))
    broken = Exploding(id="boom", kind="exploding")
    fine = rule(id="fine", kind="required_fields", fields=["budget"])
    results = run([broken, fine], [issue()])
    assert [(r.rule_id, r.state) for r in results] == [("boom", State.ERROR), ("fine", State.FAIL)]
    assert results[0].message == "ZeroDivisionError: division by zero"


def test_triggers_select_the_rules_an_event_can_change():
    fields = rule(id="f", kind="required_fields", fields=["budget"])
    docs = rule(id="d", kind="documents", documents=[{"name": "x", "link": "x"}])
    naming = rule(id="n", kind="naming", pattern="x")
    assert [r.id for r in affected([fields, docs, naming], "link")] == ["d"]
    assert [r.id for r in affected([fields, docs, naming], "field_change")] == ["f", "d", "n"]
    assert [r.id for r in affected([fields, docs, naming], "comment")] == []
    assert evaluate([naming], Facts.build([issue()]), "comment", NOW) == []


def test_compliance_is_a_weighted_pass_rate_with_gaps():
    rules_ = [rule(id="a", kind="required_fields", fields=["budget"], severity="blocker"),
              rule(id="b", kind="required_fields", fields=["sponsor"], severity="info")]
    [score] = compliance(run(rules_, [issue(custom={"sponsor": "x"})])).values()
    assert score.project_key == "SHOP" and score.score == pytest.approx(100 * 1 / 9, abs=0.1)
    assert [g.rule_id for g in score.gaps] == ["a"]


def test_user_records_in_expressions():
    spec = rule(id="o", kind="required_fields", fields=["assignee"], scope={"where": "assignee is empty"})
    assert run(spec, [issue(assignee=User("u1", "李娜"))]) == []
    assert run(spec, [issue()])[0].state is State.FAIL


class Unreadable:
    """A field value nothing can compare or convert, as a broken custom field renderer might produce."""

    def __float__(self):
        raise RuntimeError("unreadable effort value")

    def __gt__(self, other):
        raise RuntimeError("unreadable due date")

    __lt__ = __gt__

    def __eq__(self, other):
        raise RuntimeError("unreadable value")

    def __hash__(self):
        raise RuntimeError("unreadable project key")


def test_person_load_passes_fails_and_errors():
    spec = rule(id="load", kind="person_load", measure="effort", capacity=10, capacities={"Wang Wei": 3})
    li, wang = User("u1", "Li Na"), User("u2", "Wang Wei")
    issues = [issue("SHOP-5", "Task", assignee=li, custom={"effort": 6}),
              issue("PAY-5", "Task", assignee=li, custom={"effort": "3.5"}),
              issue("PAY-6", "Task", assignee=wang, custom={"effort": 4}),
              issue("PAY-7", "Task", custom={"effort": 50})]  # no assignee: nobody's load
    by_subject = {r.subject: r for r in run(spec, issues)}
    assert by_subject["person:Li Na"].state is State.PASS and "9.5" in by_subject["person:Li Na"].message
    wang_result = by_subject["person:Wang Wei"]
    assert wang_result.state is State.FAIL and wang_result.missing == ("1 effort over capacity",)
    assert wang_result.issue_key == "" and wang_result.identity == "person:Wang Wei"
    [broken] = run(spec, [issue("SHOP-9", "Task", assignee=li, custom={"effort": Unreadable()})])
    assert broken.state is State.ERROR and "unreadable effort value" in broken.message


def test_wip_limit_per_project_speaks_through_the_project_record():
    spec = rule(id="wip", kind="wip_limit", per="project", limit=2, limits={"PAY": 3},
                scope={"issue_types": ["Story"]})
    busy = [issue(f"SHOP-{n}", "Story", status_category=StatusCategory.IN_PROGRESS) for n in range(2, 5)]
    calm = [issue(f"PAY-{n}", "Story", status_category=StatusCategory.IN_PROGRESS) for n in range(2, 5)]
    results = {r.project_key: r for r in run(spec, [issue("SHOP-1"), *busy, *calm,
                                                    issue("SHOP-9", "Story", status_category=StatusCategory.DONE)])}
    assert results["SHOP"].state is State.FAIL and results["SHOP"].issue_key == "SHOP-1"
    assert "3 in progress, 1 over the limit of 2" in results["SHOP"].message
    assert results["PAY"].state is State.PASS and results["PAY"].issue_key == ""  # PAY has no record here


def test_belongs_to_project_and_its_error():
    spec = rule(id="epics", kind="belongs_to_project", via="parent", scope={"issue_types": ["Epic"]})
    ok, orphan = issue("SHOP-2", "Epic", parent_key="SHOP-1"), issue("SHOP-3", "Epic")
    results = {r.issue_key: r for r in run(spec, [issue("SHOP-1"), ok, orphan])}
    assert results["SHOP-2"].state is State.PASS and results["SHOP-3"].state is State.FAIL
    assert results["SHOP-3"].fix == "Set the parent of SHOP-3 to its project's record (Project)."
    [broken] = run(spec.model_copy(update={"via": "jira_project"}), [issue("SHOP-4", "Epic", project_key=Unreadable())])
    assert broken.state is State.ERROR and "unreadable project key" in broken.message


def test_dependencies_on_projects_behind_or_due_later_and_the_error():
    spec = rule(id="deps", kind="dependencies", scope={"issue_types": ["Story"]})
    settings = load_settings([DEFAULT_CONFIG], require_secrets=False)
    records = [issue("SHOP-1", phase="execution"), issue("PAY-1", phase="planning"), issue("LOG-1", phase="closure")]
    blocked = [IssueLink("1", "is blocked by", "PAY-2", outward=False)]
    ahead = [IssueLink("1", "depends on", "LOG-2")]
    items = [issue("PAY-2", "Story", due=date(2026, 12, 1)), issue("LOG-2", "Story", due=date(2026, 12, 1)),
             issue("SHOP-2", "Story", links=tuple(blocked), due=date(2026, 12, 20)),
             issue("SHOP-3", "Story", links=tuple(ahead), due=date(2026, 11, 25)),
             issue("SHOP-4", "Story", links=(IssueLink("1", "relates to", "PAY-2"),))]
    results = {r.issue_key: r for r in run(spec, records + items, settings=settings)}
    assert results["SHOP-2"].state is State.FAIL and "PAY-2 (PAY) is still in planning" in results["SHOP-2"].message
    assert results["SHOP-3"].state is State.FAIL
    assert "LOG-2 is due 2026-12-01, after SHOP-3" in results["SHOP-3"].message
    assert results["SHOP-4"].state is State.PASS and results["PAY-2"].state is State.PASS
    unreadable = issue("SHOP-5", "Story", links=tuple(ahead), due=Unreadable())
    broken = {r.issue_key: r for r in run(spec, records + items + [unreadable], settings=settings)}["SHOP-5"]
    assert broken.state is State.ERROR and "unreadable due date" in broken.message


BROKEN = Unreadable()


@pytest.mark.parametrize(("spec", "issues"), [
    ({"kind": "required_fields", "fields": ["budget"]}, [issue(custom={"budget": BROKEN})]),
    ({"kind": "description_sections", "sections": ["Scope"]}, [issue(description=BROKEN)]),
    ({"kind": "naming", "pattern": "^M"}, [issue(summary=BROKEN)]),
    ({"kind": "child_items", "children": [{"type": "Risk", "where": "budget > 1"}]},
     [issue(), issue("SHOP-2", "Risk", parent_key="SHOP-1", custom={"budget": BROKEN})]),
    ({"kind": "documents", "documents": [{"name": "contract", "attachment": "contract"}]},
     [issue(attachments=(Attachment("1", BROKEN),))]),
    ({"kind": "dates"}, [issue(due=BROKEN)]),
    ({"kind": "gate", "from_phase": "initiation", "to_phase": "planning", "conditions": ["budget > 1"]},
     [issue(phase="planning", custom={"budget": BROKEN})]),
    ({"kind": "wip_limit", "per": "program", "limit": 1},
     [issue(project_key=BROKEN, status_category=StatusCategory.IN_PROGRESS)]),
    ({"kind": "person_load", "measure": "effort", "capacity": 1},
     [issue(assignee=User("u1"), custom={"effort": BROKEN})]),
    ({"kind": "belongs_to_project", "via": "jira_project"}, [issue(project_key=BROKEN)]),
    ({"kind": "dependencies"}, [issue("PAY-1", due=date(2026, 12, 1)),
                                issue(links=(IssueLink("1", "depends on", "PAY-1"),), due=BROKEN)]),
], ids=lambda value: value["kind"] if isinstance(value, dict) else "")
def test_every_kind_turns_a_failure_to_read_into_an_error_result(spec, issues):
    settings = load_settings([DEFAULT_CONFIG], require_secrets=False)
    results = run(rule(id="r", **spec), issues, settings=settings)
    errors = [r for r in results if r.state is State.ERROR]
    # The message names what went wrong; the other issues of the evaluation still get their results.
    assert errors and all(re.match(r"\w+Error: \S", r.message) for r in errors), [(r.state, r.message)
                                                                                 for r in results]


def test_every_rule_schema_has_its_kind_and_the_union_lists_them_all():
    """A kind is its schema in config.rule_specs and its check in rules.kinds: neither may be missing."""
    import typing

    from config.rule_specs import RULE_SPECS
    from rules.kinds import kinds

    union = typing.get_args(typing.get_args(AnyRule)[0])
    assert set(union) == set(RULE_SPECS) and len(RULE_SPECS) == 11
    for spec in RULE_SPECS:
        [name] = typing.get_args(spec.model_fields["kind"].annotation)
        assert kinds()[name].spec is spec, name
    builtin = {name for name, kind in kinds().items() if kind.spec in RULE_SPECS}
    assert builtin == {typing.get_args(spec.model_fields["kind"].annotation)[0] for spec in RULE_SPECS}
