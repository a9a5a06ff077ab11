"""Project documents in Confluence: labelled pages under a project's page count as evidence for `documents`."""

from __future__ import annotations

import json

import pytest
import requests
from sqlalchemy import select

from config import load_settings
from pmokit.runtime import open_runtime
from pmokit.store.tables import ConfluenceDocument
from report_jobs.sync.documents import owner
from tests.syncing import runtime_for
from tests.waiting import wait_for


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


def test_the_scheduled_sync_refreshes_the_documents_as_pmokit_sync_does(config, run_cli):
    """The scheduler's `sync` job reads the labelled pages too: a feasibility study put in Confluence after the
    last `pmokit sync` counts as MOB-1's evidence once the job has run (no `pmokit sync` in between)."""
    from report_jobs.scheduler import Scheduler

    sb, path = config
    assert run_cli("--config", path, "sync", "--full", "--project", "MOB").exit_code == 0
    before = run_cli("--config", path, "check", "MOB-1", "--all-results", "--format", "json", "--dry-run")
    [missing] = [r for r in json.loads(before.stdout)["results"] if r["rule"] == "feasibility-study"]
    assert missing["state"] == "fail"  # the demo's MOB has no feasibility study anywhere

    # A person adds the study under MOB's page in Confluence, through the REST API, and labels it.
    wiki, auth = f"{sb.url}/wiki/rest/api", ("admin@example.com", "sandbox")
    session = requests.Session()
    session.auth = auth
    pages = session.get(f"{wiki}/content/search", timeout=10, params={
        "cql": 'type = page and space = "PMO" and label in ("mob")'}).json()["results"]
    [mob_page] = [p for p in pages if p["title"].startswith("MOB")]
    created = session.post(f"{wiki}/content", timeout=10, json={
        "type": "page", "title": "MOB Feasibility Study", "space": {"key": "PMO"},
        "ancestors": [{"id": mob_page["id"]}], "body": {"storage": {"value": "<p>可行性研究报告</p>",
                                                                     "representation": "storage"}}})
    assert created.status_code == 200, created.text
    labelled = session.post(f"{wiki}/content/{created.json()['id']}/label", timeout=10,
                            json=[{"prefix": "global", "name": "feasibility-study"}])
    assert labelled.status_code == 200, labelled.text

    runtime = open_runtime(load_settings([path]))
    scheduler = Scheduler(runtime, ttl=5.0, heartbeat=0.2).start()
    try:
        assert scheduler.leader
        scheduler.run_now("sync")

        def mob_document_stored() -> bool:
            with runtime.sessions() as stored:
                return stored.scalar(select(ConfluenceDocument.page_id).where(
                    ConfluenceDocument.project_key == "MOB")) is not None
        assert wait_for(mob_document_stored, timeout=60), "the scheduled sync did not read the new page"
    finally:
        scheduler.close()
        runtime.close()
    after = run_cli("--config", path, "check", "MOB-1", "--all-results", "--format", "json", "--dry-run")
    [found] = [r for r in json.loads(after.stdout)["results"] if r["rule"] == "feasibility-study"]
    assert found["state"] == "pass"
    assert any("Confluence page labelled feasibility-study" in e for e in found["evidence"])


def test_the_sandbox_answers_only_the_cql_it_understands(config):
    sb, _ = config
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
