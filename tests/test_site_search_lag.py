"""Jira Cloud's search is eventually consistent: a search may not yet return an issue just written.

Source: Atlassian's documentation of the enhanced JQL search (`/rest/api/3/search/jql`): results are eventually
consistent, recent writes may be missing, and a read by id (`issue/{id}`, `issue/bulkfetch`) is the way to see
an issue that must be there. pmokit's full sync and reconcile marked every stored issue missing from a search
as deleted: an issue a webhook had just brought in was "deleted" by the next reconcile.
"""

from __future__ import annotations

import time

from pmokit.store import issues as store_issues
from sandbox import Sandbox
from tests.conftest import ANCHOR
from tests.syncing import runtime_for, syncer


def _create(sb) -> dict:
    response = sb.session().post(f"{sb.url}/rest/api/2/issue", json={"fields": {
        "project": {"key": "SHOP"}, "summary": "Created a moment ago", "issuetype": {"name": "Task"}}}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()


def test_cloud_search_finds_a_new_issue_only_after_the_lag():
    with Sandbox.start(seed="demo", anchor=ANCHOR, search_lag_ms=1500) as sb:
        created = _create(sb)
        session = sb.session()

        def searched() -> list[str]:
            page = session.post(f"{sb.url}/rest/api/3/search/jql", json={"jql": f"key = {created['key']}",
                                                                         "fields": ["id"]}, timeout=10).json()
            return [i["id"] for i in page["issues"]]

        assert searched() == []
        fetched = session.post(f"{sb.url}/rest/api/3/issue/bulkfetch", json={"issueIdsOrKeys": [created["id"]],
                                                                              "fields": ["summary"]}, timeout=10)
        assert [i["id"] for i in fetched.json()["issues"]] == [created["id"]]  # a read by id sees it at once
        time.sleep(1.7)
        assert searched() == [created["id"]]


def test_a_reconcile_does_not_delete_an_issue_the_search_does_not_show_yet(tmp_path):
    with Sandbox.start(seed="demo", anchor=ANCHOR, search_lag_ms=60_000) as sb:
        runtime = runtime_for(sb, tmp_path)
        try:
            sync = syncer(runtime)
            sync.full(["SHOP"])
            created = _create(sb)
            sync.refresh([created["id"]])  # what the worker does on the jira:issue_created event
            assert sync.reconcile(["SHOP"]).deleted == 0
            assert sync.full(["SHOP"]).deleted == 0
            with runtime.sessions() as session:
                assert created["id"] in store_issues.live_ids(session, ["SHOP"])
            # A real deletion is still one: the read by id does not find it either.
            doomed = sb.state.issue("SHOP-5")
            assert sb.session().delete(f"{sb.url}/rest/api/2/issue/SHOP-5", timeout=10).status_code == 204
            assert sync.reconcile(["SHOP"]).deleted == 1
            with runtime.sessions() as session:
                live = store_issues.live_ids(session, ["SHOP"])
            assert str(doomed.id) not in live and created["id"] in live
        finally:
            runtime.close()
