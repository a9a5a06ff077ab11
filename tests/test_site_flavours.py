"""The flavours as the real products serve them, with the real client libraries as witnesses.

Sources: the `jira` library's `JIRA(..., validate=True)` asks `GET /rest/auth/1/session` before anything else
(its client code), the resource Jira Server/Data Center's REST reference documents with `self`, `name` and
`loginInfo`; Jira Data Center's REST reference documents `/rest/api/2` only (`/rest/api/3` is Jira Cloud's).
"""

from __future__ import annotations

import pytest
from jira import JIRA

from sandbox import BOT_ACCOUNT_ID, BOT_EMAIL, BOT_NAME, BOT_TOKEN, Sandbox
from tests.conftest import ANCHOR


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_the_jira_library_validates_its_login_and_reads_an_issue(flavor):
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor=flavor) as sb:
        auth = {"basic_auth": (BOT_EMAIL, BOT_TOKEN)} if flavor == "cloud" else {"token_auth": BOT_TOKEN}
        client = JIRA(server=sb.url, validate=True, get_server_info=True, max_retries=0,
                      options={"rest_api_version": "2"}, **auth)
        me = client.myself()
        assert me.get("accountId") == BOT_ACCOUNT_ID if flavor == "cloud" else me.get("name") == BOT_NAME
        assert client.session().name  # the session resource answers with the caller's name
        issue = client.issue("SHOP-1")
        assert issue.fields.summary == sb.state.issue("SHOP-1").summary


def test_data_center_serves_rest_v2_only():
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor="datacenter") as sb:
        session = sb.session()
        assert session.get(f"{sb.url}/rest/api/2/issue/SHOP-1", timeout=10).status_code == 200
        assert session.get(f"{sb.url}/rest/api/3/issue/SHOP-1", timeout=10).status_code == 404
    with Sandbox.start(seed="demo", anchor=ANCHOR) as cloud:
        assert cloud.session().get(f"{cloud.url}/rest/api/3/issue/SHOP-1", timeout=10).status_code == 200


def test_bulkfetch_answers_in_ascending_id_order_with_an_error_for_each_missing_issue():
    """Source: Atlassian's REST reference for `POST /rest/api/3/issue/bulkfetch` (issues in ascending id order;
    `issueErrors` for the ids and keys not found or not visible)."""
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        ids = sorted(str(i.id) for i in sb.state.live_issues())[:5]
        asked = [ids[3], "NOPE-1", ids[0], ids[4], "999999999"]
        page = sb.session().post(f"{sb.url}/rest/api/3/issue/bulkfetch",
                                 json={"issueIdsOrKeys": asked, "fields": ["summary"]}, timeout=10).json()
        assert [i["id"] for i in page["issues"]] == sorted([ids[3], ids[0], ids[4]], key=int)
        assert [e["issueIdsOrKeys"] for e in page["issueErrors"]] == [["NOPE-1"], ["999999999"]]


def test_confluence_refuses_a_title_over_255_characters_and_pmokit_never_sends_one(tmp_path, run_cli):
    """Source: Confluence's page title limit, 255 characters (its documentation; a longer one is a 400). A
    project whose record has a long summary made pmokit's project page title longer, and the report failed."""
    from tests.syncing import runtime_for

    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        refused = sb.session().post(f"{sb.url}/wiki/rest/api/content", json={
            "type": "page", "title": "x" * 256, "space": {"key": "PMO"},
            "body": {"storage": {"value": "<p>x</p>", "representation": "storage"}}}, timeout=10)
        assert refused.status_code == 400 and "255" in refused.text
        record = next(i for i in sb.state.live_issues() if i.project_key == "SHOP" and i.issue_type == "Project")
        long_name = "Storefront replatforming " + "with a very long charter name " * 10
        assert sb.session().put(f"{sb.url}/rest/api/2/issue/{record.key}",
                                json={"fields": {"summary": long_name.strip()}}, timeout=10).status_code == 204
        runtime_for(sb, tmp_path).close()
        config = str(tmp_path / "pmokit.yaml")
        assert run_cli("--config", config, "sync", "--full").exit_code == 0
        published = run_cli("--config", config, "report", "--publish")
        assert published.exit_code == 0, published.output
        titles = [p.title for p in sb.state.pages.values() if p.status == "current"]
        assert max(len(t) for t in titles) <= 255
        [shop] = [t for t in titles if " · SHOP Storefront replatforming" in t]
        assert shop.endswith("…")


def test_an_update_keeps_its_version_message_and_pmokit_says_which_page_it_wrote(tmp_path, run_cli):
    """Source: Confluence's REST reference (`version.message` of an update is kept and shown in the page
    history). The sandbox dropped it; pmokit's said only "pmokit"."""
    from tests.syncing import runtime_for

    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        runtime_for(sb, tmp_path).close()
        config = str(tmp_path / "pmokit.yaml")
        assert run_cli("--config", config, "sync", "--full").exit_code == 0
        assert run_cli("--config", config, "report", "--publish").exit_code == 0
        record = next(i for i in sb.state.live_issues() if i.project_key == "SHOP" and i.issue_type == "Project")
        assert sb.session().put(f"{sb.url}/rest/api/2/issue/{record.key}",
                                json={"fields": {"summary": "Storefront, renamed"}}, timeout=10).status_code == 204
        assert run_cli("--config", config, "sync").exit_code == 0
        assert run_cli("--config", config, "report", "--publish").exit_code == 0
        [page] = [p for p in sb.state.pages.values() if "SHOP Storefront, renamed" in p.title]
        answer = sb.session().get(f"{sb.url}/wiki/rest/api/content/{page.id}", params={"expand": "version"},
                                  timeout=10).json()
        assert answer["version"]["number"] == 2
        assert answer["version"]["message"].startswith("pmokit: ") and "/project/SHOP" in answer["version"]["message"]
