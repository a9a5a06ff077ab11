"""`pmokit report NAME --xlsx FILE --csv DIR`: the report's roll-ups as a workbook (read back with openpyxl, the
library Excel files are most often read with in Python) and as CSV files; the workbook attached to the published
portfolio page and uploaded again only when its content changes.

Spreadsheet programs run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a formula (OWASP, "CSV
Injection"): text from Jira stays text in both forms."""

from __future__ import annotations

import csv
import io
from datetime import datetime

import pytest
from openpyxl import load_workbook

from tests.syncing import runtime_for, syncer

SHEETS = ["Projects", "Milestones", "Budget", "Risks", "Resources", "Compliance gaps", "Kpis", "History"]
FORMULA = '=HYPERLINK("https://attacker.example/x","click me")'


def _field_id(sb, name: str) -> str:
    fields = sb.session().get(f"{sb.url}/rest/api/2/field").json()
    return next(f["id"] for f in fields if f["name"] == name)


def _issue(sb, key: str) -> dict:
    return sb.session().get(f"{sb.url}/rest/api/2/issue/{key}").json()


def _risks(sb) -> list[str]:
    found = sb.session().post(f"{sb.url}/rest/api/3/search/jql", json={
        "jql": "project = SHOP AND issuetype = Risk AND statusCategory != Done ORDER BY key", "maxResults": 5,
        "fields": ["summary"]})
    return [issue["key"] for issue in found.json()["issues"]]


def _first_risk(sb) -> str:
    return _risks(sb)[0]


@pytest.fixture(scope="module")
def synced(sandbox, tmp_path_factory):
    """The demo with a formula typed into a risk's summary, synced once for the module (the tests that write
    change other issues)."""
    sb = sandbox
    risk = _first_risk(sb)
    response = sb.session().put(f"{sb.url}/rest/api/2/issue/{risk}", json={"fields": {"summary": FORMULA}})
    assert response.status_code == 204, response.text
    directory = tmp_path_factory.mktemp("export")
    runtime = runtime_for(sb, directory)
    syncer(runtime).full()
    runtime.close()
    return sb, str(directory / "pmokit.yaml"), risk


def test_the_workbook_has_a_typed_filtered_sheet_per_roll_up(synced, run_cli, tmp_path):
    sb, config, risk = synced
    path = tmp_path / "portfolio.xlsx"
    result = run_cli("--config", config, "report", "portfolio-weekly", "--xlsx", str(path), "--csv",
                     str(tmp_path / "csv"))
    assert result.exit_code == 0, result.output
    assert f"workbook: {path}" in result.output and "csv: 8 files" in result.output
    book = load_workbook(path)
    assert book.sheetnames == SHEETS
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:"), sheet.title
        assert all(cell.font.bold for cell in sheet[1] if cell.value), sheet.title

    def rows(title: str) -> list[dict]:
        sheet = book[title]
        header = [c.value for c in sheet[1]]
        return [dict(zip(header, (c.value for c in row), strict=True)) for row in sheet.iter_rows(min_row=2)]

    projects = {r["Project"]: r for r in rows("Projects")}
    assert len(projects) == 12
    # Hand-checked against Jira itself: SHOP's budget is its record's "Budget (CNY)" field.
    record = _issue(sb, projects["SHOP"]["Record"])
    budget = {r["Project"]: r for r in rows("Budget")}
    assert budget["SHOP"]["Budget (BAC)"] == pytest.approx(float(record["fields"][_field_id(sb, "Budget (CNY)")]))
    assert projects["SHOP"]["Name"] == record["fields"]["summary"]
    assert projects["SHOP"]["Status"] in ("green", "amber", "red")
    assert isinstance(projects["SHOP"]["Work items"], int) and isinstance(budget["SHOP"]["CPI"] or 0.0, float)
    stones = rows("Milestones")
    assert stones and all(isinstance(s["Due"], datetime) for s in stones if s["Due"] is not None)
    assert {s["Done"] for s in stones} <= {True, False}

    # The formula a team member typed into a risk's summary is text in the workbook, not a formula.
    risks = book["Risks"]
    cell = next(c for row in risks.iter_rows(min_row=2) for c in row if c.value == FORMULA)
    assert cell.data_type == "s"
    assert any(r["Risk"] == risk for r in rows("Risks"))

    # The CSV files hold the same rows, the formula defused with a leading apostrophe.
    with (tmp_path / "csv" / "risks.csv").open(encoding="utf-8-sig", newline="") as handle:
        risk_rows = list(csv.DictReader(handle))
    assert len(risk_rows) == risks.max_row - 1
    assert next(r for r in risk_rows if r["Risk"] == risk)["Summary"] == "'" + FORMULA
    with (tmp_path / "csv" / "projects.csv").open(encoding="utf-8-sig", newline="") as handle:
        shop = next(r for r in csv.DictReader(handle) if r["Project"] == "SHOP")
    assert float(shop["Points"]) == projects["SHOP"]["Points"]


def test_the_chinese_report_exports_in_chinese(synced, run_cli, tmp_path):
    _, config, _ = synced
    path = tmp_path / "board.xlsx"
    result = run_cli("--config", config, "report", "board-zh", "--xlsx", str(path), "--csv", str(tmp_path / "csv"))
    assert result.exit_code == 0, result.output
    book = load_workbook(path)
    assert book.sheetnames[:3] == ["项目", "里程碑", "预算与挣值"]
    header = [c.value for c in book["项目"][1]]
    assert header[:5] == ["项目", "名称", "项目群", "项目记录", "状态"]
    colours = {row[4].value for row in book["项目"].iter_rows(min_row=2)}
    assert colours and colours <= {"绿", "黄", "红"}
    raw = (tmp_path / "csv" / "projects.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # the byte-order mark Excel needs to read UTF-8 as such
    assert next(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))[:2] == ["项目", "名称"]


def test_the_workbook_is_attached_to_the_portfolio_page_and_uploaded_only_when_it_changes(synced, run_cli, tmp_path):
    sb, config, risk = synced
    first = run_cli("--config", config, "report", "portfolio-weekly", "--publish")
    assert first.exit_code == 0, first.output
    top = next(p for p in sb.state.pages.values() if p.title == "E-commerce Portfolio" and p.status == "current")
    attached = {a.title: a for a in top.attachments}
    assert attached["portfolio-weekly.xlsx"].data.startswith(b"PK\x03\x04")
    assert 'ri:filename="portfolio-weekly.xlsx"' in top.body  # the page links to it
    assert load_workbook(io.BytesIO(attached["portfolio-weekly.xlsx"].data)).sheetnames == SHEETS

    again = run_cli("--config", config, "report", "portfolio-weekly", "--publish")
    assert "19 unchanged, 0 failed; 0 attachments uploaded" in again.output, again.output

    # Another risk's summary changes in Jira: the workbook's content changed, so it goes up again.
    other = next(r for r in _risks(sb) if r != risk)
    response = sb.session().put(f"{sb.url}/rest/api/2/issue/{other}",
                                json={"fields": {"summary": "Supplier may deliver late"}})
    assert response.status_code == 204, response.text
    assert run_cli("--config", config, "sync").exit_code == 0
    changed = run_cli("--config", config, "report", "portfolio-weekly", "--publish")
    assert changed.exit_code == 0, changed.output
    uploaded = int(changed.output.split(" attachments uploaded")[0].rsplit(" ", 1)[-1])
    assert uploaded >= 1
    data = next(a for a in top.attachments if a.title == "portfolio-weekly.xlsx").data
    risks = load_workbook(io.BytesIO(data))["Risks"]
    assert any(c.value == "Supplier may deliver late" for row in risks.iter_rows(min_row=2) for c in row)


def test_xlsx_with_all_reports_is_refused_and_an_unwritable_path_is_one_line(synced, run_cli, tmp_path):
    _, config, _ = synced
    refused = run_cli("--config", config, "report", "--all", "--xlsx", str(tmp_path / "x.xlsx"))
    assert refused.exit_code == 2 and "name the report" in refused.output
    nowhere = run_cli("--config", config, "report", "portfolio-weekly", "--xlsx", str(tmp_path / "no" / "x.xlsx"))
    assert nowhere.exit_code == 1 and "cannot write" in nowhere.output and "Traceback" not in nowhere.output
