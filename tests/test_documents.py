"""Project documents in Confluence: labelled pages under a project's page count as evidence for `documents`."""

from __future__ import annotations

import json

import pytest

from report_jobs.sync.documents import owner
from tests.syncing import runtime_for


@pytest.fixture
def config(fresh_sandbox, tmp_path):
    runtime_for(fresh_sandbox, tmp_path).close()  # writes pmokit.yaml for the sandbox
    path = tmp_path / "pmokit.yaml"
    # A Confluence outage must not hold the sync up for long in these tests.
    path.write_text(path.read_text(encoding="utf-8").replace("confluence:\n", "confluence:\n"
                                                             "  give_up_after_seconds: 1\n", 1), encoding="utf-8")
    return fresh_sandbox, str(path)


def _strip_jira_evidence(sb, key: str) -> None:
    """Leave the feasibility study only in Confluence: no attachment or link on the record says so."""
    issue = sb.state.issues[sb.state.keys[key]]
    issue.attachments = [a for a in issue.attachments if "可行性" not in a["filename"]]
    issue.remote_links = [r for r in issue.remote_links if "可行性" not in r["title"]]


def test_a_labelled_page_under_the_project_page_is_the_document(config, run_cli):
    sb, path = config
    _strip_jira_evidence(sb, "SHOP-1")
    synced = run_cli("--config", path, "sync", "--full", "--project", "SHOP", "--project", "MOB")
    assert synced.exit_code == 0, synced.output
    assert "documents: 11 labelled Confluence page(s) in 11 project(s)" in synced.output  # MOB has none
    result = run_cli("--config", path, "check", "SHOP-1", "MOB-1", "--all-results", "--format", "json")
    found = {(r["issue"], r["rule"]): r for r in json.loads(result.stdout)["results"]}
    shop = found[("SHOP-1", "feasibility-study")]
    assert shop["state"] == "pass"
    assert any("Confluence page labelled feasibility-study" in e for e in shop["evidence"])
    assert found[("MOB-1", "feasibility-study")]["state"] == "fail"


def test_a_confluence_outage_keeps_the_documents_last_seen(config, run_cli):
    sb, path = config
    _strip_jira_evidence(sb, "SHOP-1")
    assert run_cli("--config", path, "sync", "--full", "--project", "SHOP").exit_code == 0
    sb.set_faults(unavailable={"match": "GET /wiki/rest/api/content/search", "count": 1000})
    again = run_cli("--config", path, "sync", "--project", "SHOP")
    assert again.exit_code == 0, again.output
    assert "Confluence documents were not refreshed" in again.stderr
    result = run_cli("--config", path, "check", "SHOP-1", "--all-results", "--format", "json")
    [shop] = [r for r in json.loads(result.stdout)["results"] if r["rule"] == "feasibility-study"]
    assert shop["state"] == "pass"


def test_the_sandbox_answers_only_the_cql_it_understands(config):
    sb, _ = config
    import requests

    auth = ("pmokit-bot@example.com", "sandbox-pmokit-bot")
    ok = requests.get(f"{sb.url}/wiki/rest/api/content/search", auth=auth, timeout=10, params={
        "cql": 'type = page and space = "PMO" and label in ("feasibility-study")', "limit": 5,
        "expand": "ancestors,metadata.labels"}).json()
    assert ok["size"] == 5 and "next" in ok["_links"]
    assert all(any(a["title"].startswith(p["title"].split(" ")[0]) for a in p["ancestors"]) for p in ok["results"])
    bad = requests.get(f"{sb.url}/wiki/rest/api/content/search", auth=auth, timeout=10,
                       params={"cql": "text ~ budget"})
    assert bad.status_code == 400 and "Could not parse cql" in bad.text


@pytest.mark.parametrize(("content", "expected"), [
    ({"title": "SHOP Feasibility Study", "ancestors": []}, "SHOP"),
    ({"title": "Feasibility", "ancestors": [{"title": "Project Documents"}, {"title": "SHOP — Storefront"}]},
     "SHOP"),
    ({"title": "Feasibility", "metadata": {"labels": {"results": [{"name": "shop-1"}]}}}, "SHOP-1"),
    ({"title": "SHOPPING list", "ancestors": []}, None),
    ({"title": "Feasibility", "ancestors": [{"title": "Project Documents"}]}, None),
])
def test_which_project_a_page_belongs_to(content, expected):
    assert owner(content, ["SHOP", "SHOP-1", "PAY"]) == expected
