"""Projects as epics or as issues of a type (`portfolio.project_unit`): many organisations keep each project as an
epic (or an Initiative) in one Jira project per department. The demo's second layout (`pmokit demo
--project-unit epic`, seed "demo-epics") has three Jira projects, one per program, each project an epic in its
program's project with its work right under it; every count is checked against the sandbox's own issues."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from tests.syncing import runtime_for


@pytest.fixture(scope="module")
def epic_demo(tmp_path_factory):
    """`pmokit demo --project-unit epic` as a user runs it, on a sandbox the test keeps reading afterwards."""
    from click.testing import CliRunner

    from pmokit.cli import cli
    from sandbox import Sandbox

    out: Path = tmp_path_factory.mktemp("epics")
    with Sandbox.start(seed="demo-epics", port=0) as sb, pytest.MonkeyPatch.context() as patch:
        patch.setattr(Sandbox, "start", classmethod(lambda cls, **options: sb))
        patch.setattr(sb, "close", lambda: None)  # the demo closes its sandbox; this one closes after the tests
        patch.delenv("PMOKIT_CONFIG", raising=False)
        result = CliRunner().invoke(cli, ["demo", "--out", str(out), "--port", "0", "--project-unit", "epic"],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        patch.undo()
        yield sb, out, result.output


def _records(sb) -> dict[str, object]:
    return {i.key: i for i in sb.state.issues.values() if i.issue_type == "Epic"}


def test_the_epic_demo_end_to_end(epic_demo, run_cli):
    """One test over one demo run (the demo takes most of a minute): what it prints, the pages it published,
    and a story created afterwards under no epic."""
    sb, out, printed = epic_demo
    _the_demo_has_twelve_projects_in_three_jira_projects(out, printed)
    _each_epic_is_a_project_page_with_its_own_work(sb)
    _a_story_under_no_epic_belongs_to_no_project(sb, out, run_cli)


def _the_demo_has_twelve_projects_in_three_jira_projects(out: Path, printed: str) -> None:
    assert "(demo portfolio, each project an epic)" in printed
    assert "synced 3000 issues in 12 projects" in printed
    assert "report portfolio-weekly: pages: 19 created" in printed
    assert re.search(r"an issue with pmokit's comment: \S+/browse/SUPPLY-\d+", printed)  # Order Management's epic
    config = yaml.safe_load((out / "pmokit.yaml").read_text(encoding="utf-8"))
    assert config["portfolio"]["project_unit"] == "epic"
    assert [p["projects"] for p in config["portfolio"]["programs"]] == [["STORE"], ["SUPPLY"], ["PAYFIN"]]


def _each_epic_is_a_project_page_with_its_own_work(sb) -> None:
    """The pages the demo published: one per epic, under its program, with the count of its work as the sandbox
    holds it (the issues whose parent is the epic, and the epic)."""
    records = _records(sb)
    assert len(records) == 12
    children = Counter(sb.state.issues[i.parent].key for i in sb.state.issues.values()
                       if i.parent and sb.state.issues[i.parent].issue_type == "Epic")
    pages = {p.title: p for p in sb.state.pages.values() if p.status == "current"}
    by_id = {p.id: p for p in pages.values()}
    for key, record in records.items():
        [title] = [t for t in pages if t.startswith(f"E-commerce Portfolio · {key} ")]
        assert title == f"E-commerce Portfolio · {key} {record.summary}"
        page = pages[title]
        parent = by_id[page.parent_id].title
        assert parent.startswith("E-commerce Portfolio · ") and parent != "E-commerce Portfolio"  # its program
        # The progress table: issues counted are the epic's work items (milestones and risks are not work).
        work = sum(1 for i in sb.state.issues.values() if i.parent == record.id
                   and i.issue_type in ("Story", "Task", "Bug"))
        progress = page.body.split("<h2>Progress</h2>", 1)[1]
        first_cell = re.search(r"<td>([\d,]+)</td>", progress).group(1)
        assert int(first_cell.replace(",", "")) == work, key
        assert children[key] > work  # milestones and risks sit under the epic too
    portfolio = pages["E-commerce Portfolio"].body
    assert all(f"browse/{key}" in portfolio for key in records)  # every epic is a row, linked to Jira


def _a_story_under_no_epic_belongs_to_no_project(sb, out: Path, run_cli) -> None:
    """Work created in the department's Jira project without an epic is said to belong to no project."""
    api = f"{sb.url}/rest/api/2"
    made = sb.session().post(f"{api}/issue", json={"fields": {
        "project": {"key": "STORE"}, "issuetype": {"name": "Story"}, "summary": "Orphan work"}})
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    config = str(out / "pmokit.yaml")
    assert run_cli("--config", config, "sync").exit_code == 0
    checked = run_cli("--config", config, "check", key, "--dry-run")
    assert checked.exit_code in (0, 1), checked.output
    assert f"{key} belongs to no project" in checked.output


def test_issue_type_as_the_unit_rates_the_demo_as_its_jira_projects_do(sandbox, tmp_path, run_cli):
    """On the demo, every Project issue heads its Jira project's issues: with `project_unit: issue_type` each
    record is a project and the colours are the Jira projects' colours, record for project."""
    from openpyxl import load_workbook

    runtime_for(sandbox, tmp_path).close()
    config = tmp_path / "pmokit.yaml"
    assert run_cli("--config", str(config), "sync", "--full").exit_code == 0
    by_project = _colours(run_cli, config, tmp_path / "projects.xlsx", load_workbook)
    data = yaml.safe_load(config.read_text(encoding="utf-8"))
    data["portfolio"]["project_unit"] = "issue_type"
    data["reports"]["history_periods"] = 0
    config.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    by_record = _colours(run_cli, config, tmp_path / "records.xlsx", load_workbook)
    assert len(by_record) == 12
    assert by_record == {f"{key}-1": colour for key, colour in by_project.items()}


def _colours(run_cli, config: Path, path: Path, load_workbook) -> dict[str, str]:
    result = run_cli("--config", str(config), "report", "portfolio-weekly", "--xlsx", str(path))
    assert result.exit_code == 0, result.output
    sheet = load_workbook(path)["Projects"]
    header = [c.value for c in sheet[1]]
    return {row[header.index("Project")].value: row[header.index("Status")].value
            for row in sheet.iter_rows(min_row=2)}
