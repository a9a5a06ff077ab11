"""`pmokit check` reads only what its selection needs (issue 18: one project's check read the whole portfolio,
89 s and 4.8 GB at 100,000 issues): the projects checked whole, every project record, the issues they link to,
and of the other projects what the portfolio rules count. Its results are those a read of the whole store gives.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from rules.reach import excludes_done, portfolio_reach
from tests.syncing import runtime_for, syncer

SCOPE_LINE = re.compile(r"facts: (\d+) issue\(s\) of ([A-Z, ]+) with (\d+) change\(s\), (\d+) other project "
                        r"record\(s\), (\d+) linked issue\(s\), (.*); (\d+) issue\(s\) in the store")


@pytest.fixture(scope="module")
def whole_store(sandbox, tmp_path_factory):
    """The demo portfolio synced once for the module: every test here only reads (dry runs)."""
    directory = tmp_path_factory.mktemp("whole-store")
    runtime = runtime_for(sandbox, directory)
    syncer(runtime).full()
    yield sandbox, runtime, str(directory / "pmokit.yaml")
    runtime.close()


def _reference(runtime, targets: list[str]) -> set[tuple]:
    """What the same check gives on facts read from the whole store."""
    from report_jobs.events.enforce import enforce
    from report_jobs.sync.snapshot import load_facts

    facts = load_facts(runtime)
    done = enforce(runtime, facts, targets, trigger="check", dry_run=True, now=NOW)
    wanted = set(targets)
    projects = {facts.issues[k].project_key for k in targets}
    return {(r.rule_id, r.issue_key, r.state.value, r.message) for r in done.results
            if r.issue_key in wanted or (not r.issue_key and r.project_key in projects)}


NOW = datetime.now(UTC)


def _scoped(run_cli, config: str, *selection: str) -> tuple[set[tuple], re.Match[str], dict]:
    result = run_cli("-v", "--config", config, "check", *selection, "--dry-run", "--all-results", "--format", "json")
    assert result.exit_code == 0, result.output
    [line] = [m for m in (SCOPE_LINE.search(x) for x in result.stderr.splitlines()) if m]
    data = json.loads(result.stdout)
    return {(r["rule"], r["issue"], r["state"], r["message"]) for r in data["results"]}, line, data


@pytest.mark.parametrize("project", ["SHOP", "PAY"])
def test_a_project_check_reads_its_project_whole_and_of_the_others_what_portfolio_rules_count(
        whole_store, run_cli, project):
    sb, runtime, config = whole_store
    results, line, _ = _scoped(run_cli, config, "--project", project)
    live = sb.state.live_issues()
    mine = [i for i in live if i.project_key == project]
    record_type = runtime.settings.portfolio.record_issue_type
    other_records = [i for i in live if i.project_key != project and i.issue_type == record_type]
    open_elsewhere = [i for i in live if i.project_key != project and i.issue_type != record_type
                      and sb.state.statuses[i.status].category != "done"]
    whole, projects, changes, records, linked, others, stored = line.groups()
    assert (int(whole), projects, int(records), int(stored)) == (len(mine), project, len(other_records), len(live))
    assert int(changes) > 0
    # The example standard's portfolio rules count open work only: the done issues elsewhere are not read.
    assert others.startswith(f"{len(open_elsewhere)} open issue(s) elsewhere")
    read = int(whole) + int(records) + int(linked) + len(open_elsewhere)
    assert read < len(live)
    # And the results on the project's issues are the whole store's.
    targets = [i.key for i in mine]
    assert results == _reference(runtime, targets)
    # So are the portfolio rules' findings (a person's load, work in progress per person), which count the open
    # work of every project: all of them, not only those the command shows.
    from report_jobs.events.enforce import enforce
    from report_jobs.sync.snapshot import load_facts, load_scoped_facts

    scoped, _ = load_scoped_facts(runtime, [project], "open")
    everything = [{(r.rule_id, r.subject, r.issue_key, r.state.value, r.message) for r in
                   enforce(runtime, facts, targets, trigger="check", dry_run=True, now=NOW).results}
                  for facts in (scoped, load_facts(runtime))]
    assert everything[0] == everything[1]
    people = {s for rule, s, *_ in everything[0] if rule == "person-capacity"}
    assert len(people) >= 3 and any(rule == "wip-per-person" for rule, *_ in everything[0])


def test_checking_issues_reads_their_projects_and_gives_the_whole_stores_results(whole_store, run_cli):
    sb, runtime, config = whole_store
    results, line, data = _scoped(run_cli, config, "OMS-1", "LOG-1")
    assert line.group(2) == "LOG, OMS"
    assert int(line.group(1)) == sum(1 for i in sb.state.live_issues() if i.project_key in ("LOG", "OMS"))
    assert results == _reference(runtime, ["OMS-1", "LOG-1"])
    assert any(r["rule"] == "record-fields" and r["issue"] == "OMS-1" for r in data["results"])


def test_a_key_the_store_does_not_have_is_named(whole_store, run_cli):
    _, _, config = whole_store
    result = run_cli("--config", config, "check", "OMS-1", "NOPE-9", "--dry-run")
    assert result.exit_code == 2
    assert "not in the store: NOPE-9" in result.stderr


def test_a_portfolio_rule_that_may_count_done_work_makes_the_check_read_every_issue_elsewhere(
        whole_store, run_cli):
    sb, _, config = whole_store
    extra = Path(config).with_name("all_work.yaml")  # beside the configuration: the loader reads only its tree
    extra.write_text("rules:\n  - id: load-all\n    name: {en: All work counts, zh: 所有工作}\n    kind: person_load\n"
                     "    scope: {issue_types: [Story, Task, Bug]}\n    capacity: 40\n    severity: info\n"
                     "    enforcement: audit\n", encoding="utf-8")
    result = run_cli("-v", "--config", config, "--config", str(extra), "check", "--project", "SHOP", "--dry-run")
    assert result.exit_code == 0, result.output
    [line] = [m for m in (SCOPE_LINE.search(x) for x in result.stderr.splitlines()) if m]
    live = sb.state.live_issues()
    record_type = "Project"
    elsewhere = [i for i in live if i.project_key != "SHOP" and i.issue_type != record_type]
    assert line.group(6).startswith(f"{len(elsewhere)} issue(s) elsewhere for the portfolio rules")


@pytest.mark.parametrize(("where", "excluded"), [
    ("not done", True), ("NOT  done and budget > 10", True), ("budget > 10 and (not done)", True),
    ("not done or budget > 10", False), ("done", False), ("budget > 10", False), (None, False)])
def test_which_conditions_promise_open_work_only(where, excluded):
    assert excludes_done(where) is excluded


def test_the_reach_of_a_standard_is_the_widest_its_portfolio_rules_need():
    from pydantic import TypeAdapter

    from config.rule_specs import AnyRule

    def rule(**fields):
        return TypeAdapter(AnyRule).validate_python({"id": "r", "name": {"en": "r"}, "severity": "info", **fields})

    per_issue = rule(kind="required_fields", fields=["summary"])
    weekly = rule(kind="person_load")
    whole_open = rule(kind="person_load", capacity=10, scope={"where": "not done"})
    whole_any = rule(kind="person_load", capacity=10)
    wip = rule(kind="wip_limit", limit=3)
    wip_named = rule(kind="wip_limit", limit=3, scope={"statuses": ["Closed"]})
    assert portfolio_reach([per_issue]) == "none"
    assert portfolio_reach([per_issue, weekly, whole_open, wip]) == "open"
    assert portfolio_reach([weekly, whole_any]) == "all"
    assert portfolio_reach([wip_named]) == "all"


def test_a_jql_selection_reads_the_projects_of_what_jira_finds(whole_store, run_cli):
    sb, runtime, config = whole_store
    results, line, data = _scoped(run_cli, config, "--jql", "project = PAY AND issuetype = Project")
    assert line.group(2) == "PAY"
    [record] = [i.key for i in sb.state.live_issues() if i.project_key == "PAY" and i.issue_type == "Project"]
    assert {r["issue"] for r in data["results"]} <= {record, ""}
    assert results == _reference(runtime, [record])
    nothing = run_cli("--config", config, "check", "--jql", "project = PAY AND summary ~ \"no such words\"",
                      "--dry-run")
    assert nothing.exit_code == 2 and "no issues to check" in nothing.stderr
