"""Jira Cloud's search is eventually consistent: a search may not yet return an issue just written.

Source: Atlassian's documentation of the enhanced JQL search (`/rest/api/3/search/jql`): results are eventually
consistent, recent writes may be missing, and a read by id (`issue/{id}`, `issue/bulkfetch`) is the way to see
an issue that must be there. pmokit's full sync and reconcile marked every stored issue missing from a search
as deleted: an issue a webhook had just brought in was "deleted" by the next reconcile.
"""

from __future__ import annotations

import time

from pmokit.store import issues as store_issues
from sandbox import BOT_EMAIL, BOT_TOKEN, Sandbox
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


def test_entity_properties_are_read_from_the_record_at_once_while_the_search_lags():
    """Atlassian's REST reference for entity properties (issue and project): PUT answers 201 when it created the
    property and 200 when it updated it, GET answers {key, value} or 404, a value is a non-empty JSON blob of at
    most 32768 characters, and POST /issue takes `properties` kept with the new issue. They are read from the
    record, so the search's lag does not hide them."""
    with Sandbox.start(seed="demo", anchor=ANCHOR, search_lag_ms=3000) as sb:
        session = sb.session()
        made = session.post(f"{sb.url}/rest/api/3/issue", json={
            "fields": {"project": {"key": "SHOP"}, "summary": "Risk register", "issuetype": {"name": "Task"}},
            "properties": [{"key": "pmokit.created", "value": {"idempotencyKey": "SHOP/risk-register"}}]},
            timeout=10)
        assert made.status_code == 201, made.text
        issue = made.json()["key"]
        read = session.get(f"{sb.url}/rest/api/3/issue/{issue}/properties/pmokit.created", timeout=10)
        assert read.json() == {"key": "pmokit.created", "value": {"idempotencyKey": "SHOP/risk-register"}}
        listed = session.get(f"{sb.url}/rest/api/3/issue/{issue}/properties", timeout=10).json()
        assert [k["key"] for k in listed["keys"]] == ["pmokit.created"]
        url = f"{sb.url}/rest/api/3/project/SHOP/properties/pmokit.note"
        assert session.get(url, timeout=10).status_code == 404
        assert session.put(url, json={"n": 1}, timeout=10).status_code == 201
        assert session.put(url, json={"n": 2}, timeout=10).status_code == 200
        assert session.get(url, timeout=10).json() == {"key": "pmokit.note", "value": {"n": 2}}
        assert session.put(url, json={"x": "y" * 32768}, timeout=10).status_code == 400
        assert session.delete(url, timeout=10).status_code == 204
        assert session.get(url, timeout=10).status_code == 404
        searched = session.post(f"{sb.url}/rest/api/3/search/jql", json={"jql": f"key = {issue}"}, timeout=10)
        assert searched.json()["issues"] == []  # the search does not show the issue yet


def test_an_issue_made_once_is_not_made_again_while_the_search_does_not_show_it(tmp_path):
    """pmokit knew an issue it had made only by searching for its label: on Cloud, a second run a moment later
    (the search not showing the new issue yet) made it again."""
    with Sandbox.start(seed="demo", anchor=ANCHOR, search_lag_ms=3000) as sb:
        runtime = runtime_for(sb, tmp_path)
        try:
            first = runtime.writer.create_issue("SHOP", "Risk", "Risk register", idempotency_key="SHOP/risk-register")
            again = runtime.writer.create_issue("SHOP", "Risk", "Risk register", idempotency_key="SHOP/risk-register")
            other = runtime.writer.create_issue("SHOP", "Risk", "Lessons", idempotency_key="SHOP/lessons")
        finally:
            runtime.close()
        made = [i for i in sb.state.live_issues() if "pmokit-shop-risk-register" in i.labels]
        assert len(made) == 1
        assert first.action == "created" and again.action == "unchanged" and again.id == first.id == str(made[0].id)
        assert other.action == "created" and other.id != first.id
        assert made[0].properties["pmokit.created"] == {"idempotencyKey": "SHOP/risk-register"}
        # Deleted by someone since: made again, once.
        assert sb.session().delete(f"{sb.url}/rest/api/3/issue/{made[0].key}", timeout=10).status_code == 204
        runtime = runtime_for(sb, tmp_path)
        try:
            remade = runtime.writer.create_issue("SHOP", "Risk", "Risk register", idempotency_key="SHOP/risk-register")
            still = runtime.writer.create_issue("SHOP", "Risk", "Risk register", idempotency_key="SHOP/risk-register")
        finally:
            runtime.close()
        assert remade.action == "created" and remade.id != first.id
        assert still.action == "unchanged" and still.id == remade.id


def test_an_issue_made_while_the_answer_failed_and_the_search_lags_is_made_once(tmp_path):
    """A create applied and then answered with a 503 (apply_then_fail), on a site whose search lags 3 s: pmokit
    reads back (searching until the lag has passed) before it creates again."""
    with Sandbox.start(seed="demo", anchor=ANCHOR, search_lag_ms=3000) as sb:
        runtime = runtime_for(sb, tmp_path, give_up_after=6)
        sb.set_faults(apply_then_fail=[{"match": "POST /rest/api/*/issue", "count": 1}])
        try:
            result = runtime.writer.create_issue("SHOP", "Risk", "Risk register", idempotency_key="SHOP/risk-register")
            again = runtime.writer.create_issue("SHOP", "Risk", "Risk register", idempotency_key="SHOP/risk-register")
        finally:
            runtime.close()
        made = [i for i in sb.state.live_issues() if "pmokit-shop-risk-register" in i.labels]
        assert len(made) == 1 and result.id == again.id == str(made[0].id)
        assert sb.stats()["requests"]["POST /rest/api/{version}/issue"] == 1


def test_project_properties_are_set_only_by_who_administers_the_project():
    """Atlassian's REST reference, Set and Delete project property: *Administer Jira* or *Administer Projects* for
    the project, else 403 "if the user does not have permission to administer the project"; Get project property
    takes *Browse Projects* only."""
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        url = f"{sb.url}/rest/api/3/project/SHOP/properties/pmokit.note"
        bot = sb.session(BOT_EMAIL, BOT_TOKEN)
        assert bot.put(url, json={"n": 1}, timeout=10).status_code == 201  # the open scheme: it administers SHOP
        sb.revoke_permission("pmokit-bot", "SHOP", "ADMINISTER_PROJECTS")
        refused = bot.put(url, json={"n": 2}, timeout=10)
        assert refused.status_code == 403 and "administer" in refused.text
        assert bot.delete(url, timeout=10).status_code == 403
        assert bot.get(url, timeout=10).json() == {"key": "pmokit.note", "value": {"n": 1}}
        assert sb.session().put(url, json={"n": 3}, timeout=10).status_code == 200  # Jira's administrator may


def test_a_bot_that_does_not_administer_the_project_still_makes_an_issue_once(tmp_path, caplog):
    """pmokit's record of what it made is a project property, which takes Administer Projects: without it the
    create failed after the issue was made (and a second run looked for it by search only). Now the issue is made,
    the missing right is said, and the issue is found again by its label (and its own property)."""
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        sb.revoke_permission("pmokit-bot", "SHOP", "ADMINISTER_PROJECTS")
        runtime = runtime_for(sb, tmp_path)
        try:
            first = runtime.writer.create_issue("SHOP", "Risk", "Risk register", idempotency_key="SHOP/risk-register")
            again = runtime.writer.create_issue("SHOP", "Risk", "Risk register", idempotency_key="SHOP/risk-register")
        finally:
            runtime.close()
        made = [i for i in sb.state.live_issues() if "pmokit-shop-risk-register" in i.labels]
        assert len(made) == 1 and made[0].properties["pmokit.created"] == {"idempotencyKey": "SHOP/risk-register"}
        assert (first.action, again.action) == ("created", "unchanged") and first.id == again.id == str(made[0].id)
        assert not sb.state.projects["SHOP"].properties
        assert "Administer Projects" in caplog.text and "SHOP" in caplog.text
