"""Portfolio pages: storage format that Confluence accepts, every Jira string escaped, lozenges and macros."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from report_jobs.reports.pages.context import PageContext
from report_jobs.reports.pages.html import NAMESPACES
from report_jobs.reports.pages.portfolio import portfolio_page
from report_jobs.reports.pages.storage import check, expand, status

AC = "{http://atlassian.com/content}"


def page(**changes):
    rag = pd.DataFrame([
        {"project": "SHOP", "rag": "red", "reasons": ["forecast 20% over budget", "<script>alert(1)</script> & co",
                                                       "预算超支 20%"]},
        {"project": "PAY", "rag": "green", "reasons": ["every indicator within its thresholds"]}])
    inputs = dict(
        period="2026-W47",
        rag=rag,
        progress=pd.DataFrame({"project": ["SHOP", "PAY"], "pct_points": [42.0, 100.0]}),
        portfolio_progress=pd.DataFrame({"pct_points": [71.0]}),
        budget=pd.DataFrame({"project": ["SHOP", "PAY"], "program": ["storefront", "payments"],
                             "pct_spent": [60.0, float("nan")]}),
        milestones=pd.DataFrame({"project": ["SHOP"], "next_key": ["SHOP-8"],
                                 "next_due": [pd.Timestamp("2026-12-01")]}),
        compliance=pd.DataFrame({"project": ["SHOP", "PAY"], "score": [50.0, 100.0], "passed": [1, 3],
                                 "gaps": [1, 0], "top_gaps": [["SHOP-1 record-fields: <b>sponsor</b> empty"], []]}),
        gates=pd.DataFrame({"G1": ["pass", "pending"]}, index=["SHOP", "PAY"]),
        records={"SHOP": "SHOP-1", "PAY": "PAY-1"})
    context = {"language": changes.pop("language", "en"), "jira_server_id": changes.pop("jira_server_id", None)}
    inputs.update(changes)
    ctx = PageContext(None, project_titles={}, program_titles={}, program_names={}, charts=False,
                      names={"SHOP": "Storefront Revamp 店铺改版"}, jira_url="https://acme.atlassian.net",
                      gate_names={"G1": "G1 Initiation → Planning"}, **context)
    return portfolio_page(ctx, **inputs)


def parse(body: str) -> ET.Element:
    return ET.fromstring(f"<root {NAMESPACES}>{body}</root>")


def test_the_portfolio_page_is_well_formed_and_escapes_what_jira_says():
    body = page()
    tree = parse(body)
    assert "<script>" not in body and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in body
    assert "&lt;b&gt;sponsor&lt;/b&gt;" in body  # a gap's text from Jira, escaped inside the expand macro
    lozenges = [(m.find(f"{AC}parameter[@{AC}name='title']").text, m.find(f"{AC}parameter[@{AC}name='colour']").text)
                for m in tree.iter(f"{AC}structured-macro") if m.get(f"{AC}name") == "status"]
    assert ("RED", "Red") in lozenges and ("GREEN", "Green") in lozenges and ("G1", "Yellow") in lozenges
    assert ("1 red", "Red") in lozenges  # the overview counts
    expands = [m for m in tree.iter(f"{AC}structured-macro") if m.get(f"{AC}name") == "expand"]
    assert len(expands) == 1 and "Gaps: Storefront Revamp 店铺改版" in ET.tostring(expands[0], encoding="unicode")
    assert "60%" in body and "—" in body  # PAY's spend is unknown: a dash, not "nan%"
    assert "预算超支 20%" in body
    assert '<a href="https://acme.atlassian.net/browse/SHOP-8">SHOP-8</a> 2026-12-01' in body
    # The project by its name, its key beside it linked to Jira; PAY has no name: its key alone.
    assert 'Storefront Revamp 店铺改版 · <a href="https://acme.atlassian.net/browse/SHOP">SHOP</a>' in body
    assert "<td>PAY</td>" in body
    # The gate chips have a legend: what G1 is and what each colour says.
    assert "Gates: G1 Initiation → Planning · colours:" in body
    assert ("passed", "Green") in lozenges and ("not met", "Red") in lozenges


def test_jira_keys_become_issue_macros_with_a_server_id_and_chinese_labels():
    tree = parse(page(jira_server_id="1a2b-3c", language="zh"))
    keys = [m.find(f"{AC}parameter[@{AC}name='key']").text for m in tree.iter(f"{AC}structured-macro")
            if m.get(f"{AC}name") == "jira"]
    assert keys == ["PAY-1", "SHOP-1", "SHOP-8"]
    assert "项目群" in ET.tostring(tree, encoding="unicode")


def test_malformed_storage_is_refused():
    check(str(status("ok", "green")) + str(expand("a < b", "x & y")))
    with pytest.raises(ValueError, match="not well-formed"):
        check("<p>unclosed")


def test_the_demo_portfolio_from_a_synced_sandbox(fresh_sandbox, tmp_path):
    """The whole chain on the demo data: store → facts → rules → roll-ups."""
    from datetime import UTC, datetime

    from report_jobs.reports.portfolio import build
    from report_jobs.sync.snapshot import load_facts
    from rules.engine import evaluate_settings
    from tests.syncing import runtime_for, syncer

    runtime = runtime_for(fresh_sandbox, tmp_path)
    try:
        syncer(runtime).full()
        facts, settings = load_facts(runtime), runtime.settings
        now = datetime(2026, 11, 20, 8, tzinfo=UTC)
        results = evaluate_settings(settings, facts, now)
        portfolio = build(facts, results, settings, now.date())
    finally:
        runtime.close()
    assert portfolio.period == "2026-W47" and len(portfolio.rag) == 12
    assert set(portfolio.rag["rag"]) <= {"red", "amber", "green"} and all(portfolio.rag["reasons"].map(len))
    oms = portfolio.compliance.set_index("project").loc["OMS"]
    assert oms["gaps"] > 0 and any("sponsor" in gap for gap in oms["top_gaps"])
    assert portfolio.gates.loc["OMS", "G1"] in ("fail", "pending")
    # The burn-up of each project ends where its progress table stands.
    from report_jobs.reports.rollups.burnup import burnup

    curve = burnup(portfolio.frame, now.date()).groupby("project").last()
    table = portfolio.progress["project"].set_index("project")
    assert len(curve) == 12
    for project, last in curve.iterrows():
        assert (last["scope"], last["done"]) == (table.at[project, "points"], table.at[project, "done_points"])
    # The person-capacity rule and the resources page count load the same way: the same people are over.
    over = {r.subject.removeprefix("person:") for r in results if r.rule_id == "person-capacity"
            and r.state.value == "fail"}
    assert over and over == set(portfolio.conflicts["person"])
    passing = {r.subject.removeprefix("person:") for r in results if r.rule_id == "person-capacity"
               and r.state.value == "pass"}
    assert passing and not passing & set(portfolio.conflicts["person"])


def test_control_characters_never_reach_a_page_whatever_the_source():
    """A vertical tab, a NUL or an ESC in a value (text kept from before the sync cleaned it, a name from the
    configuration) made `pmokit report --publish` fail: storage format is XML, which forbids them."""
    from report_jobs.reports.pages.sections import Table, Text, render
    from report_jobs.reports.pages.tree import page_title

    body = render([Text("Order\vManagement\x00 \x1b[31mv2"), Table(["Project\x0b"], [[status("RED\x07", "red")]])])
    check(body)
    assert "OrderManagement [31mv2" in body and "<th>Project</th>" in body
    assert not any(ch in body for ch in "\v\x00\x1b\x07")
    assert page_title("Portfolio · SHOP Store\x1bfront\v") == "Portfolio · SHOP Storefront"
