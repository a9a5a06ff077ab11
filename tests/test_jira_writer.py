"""Writing to Jira through the connector: idempotent, ADF on Cloud and wiki markup on Data Center."""

from __future__ import annotations

import pytest

from connector.errors import AtlassianError
from tests.syncing import runtime_for


def test_one_comment_per_issue_updated_in_place(world):
    sb, runtime = world
    writer = runtime.writer
    text = "h3. pmokit: 2 gaps\n* Budget (CNY) is empty\n* No feasibility study"
    assert writer.upsert_comment("SHOP-7", "compliance", text).action == "created"
    sb.reset_stats()
    assert writer.upsert_comment("SHOP-7", "compliance", text).action == "unchanged"
    assert sb.stats()["writes_total"] == 0
    assert writer.upsert_comment("SHOP-7", "compliance", "h3. pmokit: all good").action == "updated"
    comments = sb.state.issue("SHOP-7").comments
    assert len(comments) == 1
    assert comments[0]["author"] == sb.state.user("pmokit-bot").account_id
    assert comments[0]["body"].startswith("h3. pmokit: all good") and "[pmokit:compliance]" in comments[0]["body"]
    # Another purpose is another comment; someone else's comment with the marker is not ours.
    sb.session().post(f"{sb.url}/rest/api/2/issue/SHOP-7/comment", json={"body": "quote: [pmokit:gate]"})
    assert writer.upsert_comment("SHOP-7", "gate", "gate G2 pending").action == "created"
    assert len(sb.state.issue("SHOP-7").comments) == 3
    assert writer.delete_comment("SHOP-7", "gate").action == "deleted"
    assert writer.delete_comment("SHOP-7", "gate").action == "unchanged"


def test_cloud_comments_are_adf_on_the_wire(tmp_path):
    from sandbox import Sandbox
    from tests.conftest import ANCHOR

    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        runtime = runtime_for(sb, tmp_path)
        runtime.writer.upsert_comment("SHOP-8", "compliance", "h3. Title\n* one")
        body = sb.session().get(f"{sb.url}/rest/api/3/issue/SHOP-8/comment").json()["comments"][0]["body"]
        assert body["type"] == "doc" and body["content"][0]["type"] == "heading"
        assert sb.stats()["requests"].get("POST /rest/api/{version}/issue/{id_or_key}/comment") == 1
        runtime.close()


def test_labels_fields_transitions_and_creation_are_idempotent(world):
    sb, runtime = world
    writer = runtime.writer
    assert writer.update_labels("SHOP-9", add=["pmo-gap"]).changed
    assert not writer.update_labels("SHOP-9", add=["pmo-gap"]).changed
    assert writer.update_labels("SHOP-9", remove=["pmo-gap"]).changed
    assert "pmo-gap" not in sb.state.issue("SHOP-9").labels
    assert writer.transition_to("OMS-1", "Planning").changed
    assert not writer.transition_to("OMS-1", "planning").changed
    with pytest.raises(AtlassianError, match="cannot move from 'Planning' to 'Closure'"):
        writer.transition_to("OMS-1", "Closure")
    assert writer.set_field("SHOP-1", "customfield_10103", "王伟").changed
    assert not writer.set_field("SHOP-1", "customfield_10103", "王伟").changed
    first = writer.create_issue("SHOP", "Risk", "Risk register", idempotency_key="SHOP/risk-register",
                                description="h2. Risks\nNone yet.")
    again = writer.create_issue("SHOP", "Risk", "Risk register", idempotency_key="SHOP/risk-register")
    assert first.action == "created" and again.action == "unchanged" and first.id == again.id
    created = sb.state.issue(first.detail)
    assert created.description == "h2. Risks\nNone yet." and "pmokit-shop-risk-register" in created.labels
    sb.reset_stats()
    writer.update_labels("SHOP-9", add=[])
    writer.transition_to("OMS-1", "Planning")
    assert sb.stats()["writes_total"] == 0


def test_the_bot_account_is_known(world):
    sb, runtime = world
    account = runtime.jira.account
    bot = sb.state.user("pmokit-bot")
    if sb.options.flavor == "cloud":
        assert account.account_id == bot.account_id
    else:
        assert account.name == "pmokit-bot"
    assert account.time_zone == "Asia/Shanghai"


def _requests(sb) -> dict[str, int]:
    return {route: n for route, n in sb.stats()["requests"].items() if n}


def test_a_comment_pmokit_knows_is_written_by_its_id_without_reading_the_comments(world):
    """Issue 18: before every write pmokit read the issue's comment list (and its labels), half of all its
    requests. Where pmokit knows its comment (it wrote it: the id is in the store) it writes by that id, and
    where it has just read the issue it does not read the labels again."""
    sb, runtime = world
    writer = runtime.writer
    first = writer.upsert_comment("SHOP-7", "compliance", "h3. pmokit: 2 gaps")
    sb.reset_stats()
    updated = writer.upsert_comment("SHOP-7", "compliance", "h3. pmokit: 1 gap", comment_id=first.id)
    assert (updated.action, updated.id) == ("updated", first.id)
    assert list(_requests(sb)) == ["PUT /rest/api/{version}/issue/{id_or_key}/comment/{comment_id}"]
    assert [c["body"].splitlines()[0] for c in sb.state.issue("SHOP-7").comments] == ["h3. pmokit: 1 gap"]

    # Someone deleted it: the write by id finds it gone (404), looks for it, and writes it again, once.
    assert sb.session().delete(f"{sb.url}/rest/api/2/issue/SHOP-7/comment/{first.id}").status_code == 204
    gone = writer.update_comment_if_present("SHOP-7", "compliance", "h3. pmokit: all good", comment_id=first.id)
    assert gone.action == "unchanged" and gone.id is None and sb.state.issue("SHOP-7").comments == []
    again = writer.upsert_comment("SHOP-7", "compliance", "h3. pmokit: 1 gap", comment_id=first.id)
    assert again.action == "created" and again.id != first.id
    assert len(sb.state.issue("SHOP-7").comments) == 1

    sb.reset_stats()
    assert writer.delete_comment("SHOP-7", "compliance", comment_id=again.id).action == "deleted"
    assert list(_requests(sb)) == ["DELETE /rest/api/{version}/issue/{id_or_key}/comment/{comment_id}"]
    assert sb.state.issue("SHOP-7").comments == []

    labels = list(sb.state.issue("SHOP-7").labels)
    sb.reset_stats()
    assert writer.update_labels("SHOP-7", add=["pmo-gap"], labels=labels).action == "updated"
    assert list(_requests(sb)) == ["PUT /rest/api/{version}/issue/{id_or_key}"]
    sb.reset_stats()
    assert writer.update_labels("SHOP-7", add=["pmo-gap"], labels=[*labels, "pmo-gap"]).action == "unchanged"
    assert _requests(sb) == {}
    assert "pmo-gap" in sb.state.issue("SHOP-7").labels
