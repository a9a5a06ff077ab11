"""Writes whose outcome is unknown, against the sandbox: a write that timed out, lost its connection or got a 5xx
may have been applied, so the connector reads before it writes again, and removes the duplicates it finds.

The sandbox's ``after_applying`` fault handles a request and then loses its answer (late, dropped, or a 5xx),
so these tests know the write was made before the client gave up; ``latency_ms`` sleeps before handling, so
there the write is still in flight when the client looks. Atlassian's word that both happen: "a 5xx or a
timeout can arrive after a write was applied" (DESIGN.md, the facts that bite).
"""

from __future__ import annotations

import pytest

from tests.syncing import runtime_for, syncer

MARKER = "[pmokit:compliance]"
LATE_COMMENT = {"match": "POST /rest/api/*/issue/*/comment", "answer": "late", "delay_ms": 1500}


def pmokit_comments(sb, key: str, marker: str = MARKER) -> list[dict]:
    bot = sb.state.user("pmokit-bot").account_id
    return [c for c in sb.state.issue(key).comments if c["author"] == bot and marker in c["body"]]


def status_of(sb, key: str) -> str:
    issue = sb.state.issue(key)
    return sb.state.statuses[issue.status].name


def status_changes(sb, key: str) -> list[tuple[str, str]]:
    from sandbox.histories import all_histories

    issue = sb.state.issue(key)
    return [(item["fromString"], item["toString"]) for history in all_histories(sb.state, issue)
            for item in history["items"] if item["field"] == "status"]


def bot_session(sb):
    from sandbox import BOT_EMAIL, BOT_TOKEN

    return sb.session(BOT_EMAIL, BOT_TOKEN)


# -- the incident -----------------------------------------------------------------------------------------------
def test_incident_duplicate_comments_check_pay_1_leaves_exactly_one_comment(fresh_sandbox, tmp_path, run_cli):
    """Issue 13, "Duplicate comments": with comment POSTs that time out after they were applied (1 s client
    time-out, the answer 1.5 s late), `pmokit check PAY-1` left 11 pmokit comments. Now it leaves one."""
    sb = fresh_sandbox
    runtime = runtime_for(sb, tmp_path, timeout=1, give_up_after=6)
    syncer(runtime).full(["PAY"])
    runtime.close()
    before = len(sb.state.issue("PAY-1").comments)
    sb.set_faults(after_applying=[LATE_COMMENT])
    result = run_cli("--config", str(tmp_path / "pmokit.yaml"), "check", "PAY-1")
    assert result.exit_code == 0, result.output
    assert len(pmokit_comments(sb, "PAY-1")) == 1
    assert len(sb.state.issue("PAY-1").comments) == before + 1
    assert sb.stats()["requests"]["POST /rest/api/{version}/issue/{id_or_key}/comment"] == 1
    # And the next check finds it and writes nothing more.
    sb.set_faults()
    sb.reset_stats()
    again = run_cli("--config", str(tmp_path / "pmokit.yaml"), "check", "PAY-1")
    assert again.exit_code == 0 and len(pmokit_comments(sb, "PAY-1")) == 1
    assert sb.stats()["writes"].get("comment", 0) == 0


@pytest.mark.parametrize("answer", ["drop", "503"])
def test_a_comment_post_whose_answer_was_lost_is_made_once(fresh_sandbox, tmp_path, answer):
    sb = fresh_sandbox
    runtime = runtime_for(sb, tmp_path, give_up_after=6)
    sb.set_faults(after_applying=[{"match": "POST /rest/api/*/issue/*/comment", "answer": answer, "count": 1}])
    result = runtime.writer.upsert_comment("SHOP-7", "compliance", "h3. pmokit: 1 gap")
    assert result.action == "created"
    [comment] = pmokit_comments(sb, "SHOP-7")
    assert result.id == comment["id"]
    assert sb.stats()["requests"]["POST /rest/api/{version}/issue/{id_or_key}/comment"] == 1
    runtime.close()


def test_a_comment_post_that_was_not_applied_is_made_again(fresh_sandbox, tmp_path):
    """A 503 before the request was handled: the writer looks, finds nothing, and posts again."""
    sb = fresh_sandbox
    runtime = runtime_for(sb, tmp_path, give_up_after=6)
    sb.set_faults(unavailable={"match": "POST /rest/api/*/issue/*/comment", "count": 1})
    assert runtime.writer.upsert_comment("SHOP-7", "compliance", "h3. pmokit: 1 gap").action == "created"
    assert len(pmokit_comments(sb, "SHOP-7")) == 1
    assert sb.stats()["requests"]["POST /rest/api/{version}/issue/{id_or_key}/comment"] == 2
    runtime.close()


def test_a_comment_still_in_flight_when_looked_for_is_removed_on_the_next_pass(fresh_sandbox, tmp_path):
    """The incident's own kind of fault, scaled down: the sandbox sleeps 0.8 s *before* handling, the client waits
    0.5 s. The first post is not there yet when the writer looks, so it posts again; whatever landed twice is
    removed, keeping the oldest, the next time the writer lists the issue's comments."""
    import time

    sb = fresh_sandbox
    runtime = runtime_for(sb, tmp_path, timeout=0.5, give_up_after=6)
    sb.set_faults(route_latency_ms={"POST /rest/api/*/issue/*/comment": 800})
    runtime.writer.upsert_comment("SHOP-7", "compliance", "h3. pmokit: 1 gap")
    time.sleep(0.9)  # let whatever is in flight land
    assert 1 <= len(pmokit_comments(sb, "SHOP-7")) <= 2
    sb.set_faults()
    oldest = pmokit_comments(sb, "SHOP-7")[0]["id"]
    result = runtime.writer.upsert_comment("SHOP-7", "compliance", "h3. pmokit: 1 gap")
    assert [c["id"] for c in pmokit_comments(sb, "SHOP-7")] == [oldest]
    assert result.id == oldest
    runtime.close()


# -- duplicates ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_duplicates_of_pmokits_comment_are_removed_keeping_the_oldest(flavor, tmp_path):
    from sandbox import Sandbox
    from tests.conftest import ANCHOR

    with Sandbox.start(seed="demo", flavor=flavor, anchor=ANCHOR) as sb:
        runtime = runtime_for(sb, tmp_path)
        bot = bot_session(sb)
        for text in ("h3. old", "h3. older copy", "h3. newest copy"):
            assert bot.post(f"{sb.url}/rest/api/2/issue/SHOP-7/comment",
                            json={"body": f"{text}\n{MARKER}"}).status_code == 201
        # Someone else's comment quoting the marker is not pmokit's, and stays.
        sb.session().post(f"{sb.url}/rest/api/2/issue/SHOP-7/comment", json={"body": f"quote: {MARKER}"})
        oldest = pmokit_comments(sb, "SHOP-7")[0]["id"]
        result = runtime.writer.upsert_comment("SHOP-7", "compliance", "h3. pmokit: all good")
        assert result.action == "updated" and result.id == oldest
        assert "removed 2 duplicate" in result.detail
        [kept] = pmokit_comments(sb, "SHOP-7")
        assert kept["id"] == oldest and kept["body"].startswith("h3. pmokit: all good")
        assert any(c["body"] == f"quote: {MARKER}" for c in sb.state.issue("SHOP-7").comments)
        runtime.close()


def test_duplicates_are_removed_by_every_comment_write(fresh_sandbox, tmp_path):
    sb = fresh_sandbox
    runtime = runtime_for(sb, tmp_path)
    bot = bot_session(sb)

    def duplicate(times: int) -> None:
        for _ in range(times):
            bot.post(f"{sb.url}/rest/api/2/issue/SHOP-8/comment", json={"body": f"h3. pmokit: all good\n{MARKER}"})

    duplicate(2)
    unchanged = runtime.writer.upsert_comment("SHOP-8", "compliance", "h3. pmokit: all good")
    assert unchanged.action == "unchanged" and "removed 1 duplicate" in unchanged.detail
    assert len(pmokit_comments(sb, "SHOP-8")) == 1
    duplicate(1)
    cleared = runtime.writer.update_comment_if_present("SHOP-8", "compliance", "h3. pmokit: meets the standard")
    assert cleared.action == "updated" and "removed 1 duplicate" in cleared.detail
    assert len(pmokit_comments(sb, "SHOP-8")) == 1
    duplicate(2)
    deleted = runtime.writer.delete_comment("SHOP-8", "compliance")
    assert deleted.action == "deleted" and pmokit_comments(sb, "SHOP-8") == []
    runtime.close()


# -- transitions --------------------------------------------------------------------------------------------------
def test_a_transition_that_needs_two_steps_lands(world):
    """Issue 13, "Reverts that cannot land": WMS-1 in Acceptance could not go straight back to Planning (the
    workflow moves a record one phase at a time); by way of Execution it lands."""
    sb, runtime = world
    writer = runtime.writer
    move(sb, "WMS-1", "Acceptance")
    # Initiation is not offered from Acceptance: the first of ``via`` that is offered is taken.
    result = writer.transition_to("WMS-1", "Planning", via=("Initiation", "Execution"))
    assert result.changed and status_of(sb, "WMS-1") == "Planning"
    assert result.detail == "Acceptance → Execution → Planning"
    assert status_changes(sb, "WMS-1")[-2:] == [("Acceptance", "Execution"), ("Execution", "Planning")]
    # Already there: nothing, and the old two-argument call works as it did.
    assert not writer.transition_to("WMS-1", "planning", via=("Execution",)).changed
    assert writer.transition_to("WMS-1", "Execution").detail == "Planning → Execution"


def test_fields_go_with_the_final_transition_only(world):
    sb, runtime = world
    move(sb, "WMS-1", "Acceptance")
    sponsor = "customfield_10103"
    runtime.writer.transition_to("WMS-1", "Planning", via=("Execution",), fields={sponsor: "赵敏"})
    from sandbox.histories import all_histories

    histories = all_histories(sb.state, sb.state.issue("WMS-1"))
    first, last = histories[-2], histories[-1]
    assert [i["field"] for i in first["items"]] == ["status"]
    assert {i["field"] for i in last["items"]} == {"status", "Sponsor"}
    assert sb.state.issue("WMS-1").custom[sponsor] == "赵敏"


def test_a_kill_closes_through_the_phases_with_its_resolution_on_the_last_step(world):
    """Kill: to Closure by way of Acceptance, "Won't Do" set by the transition into Closure."""
    _, runtime = world
    result = runtime.writer.transition_to("WMS-1", "Closure", via=("Acceptance",),
                                          fields={"resolution": {"name": "Won't Do"}})
    assert result.detail == "Execution → Acceptance → Closure"
    issue = runtime.jira.get("issue/WMS-1", params={"fields": "status,resolution"})["fields"]
    assert issue["status"]["name"] == "Closure" and issue["resolution"]["name"] == "Won't Do"


def test_an_unreachable_status_raises_unreachable_naming_where_it_can_go(world):
    from connector.errors import AtlassianError, Unreachable

    sb, runtime = world
    move(sb, "WMS-1", "Acceptance")
    sb.reset_stats()
    with pytest.raises(Unreachable) as caught:
        runtime.writer.transition_to("WMS-1", "Planning")
    message = str(caught.value)
    assert isinstance(caught.value, AtlassianError)
    assert message == ("WMS-1 cannot move from 'Acceptance' to 'Planning': reachable statuses are Cancelled, "
                       "Closure, Execution")
    assert sb.stats()["writes_total"] == 0
    # Through statuses it may pass, but none leads there: it says where it got to and what it can reach.
    with pytest.raises(Unreachable,
                       match=r"from 'Closure' to 'Initiation' .*reachable statuses are Acceptance, Cancelled$"):
        runtime.writer.transition_to("WMS-1", "Initiation", via=("Closure",))
    assert status_of(sb, "WMS-1") == "Closure"


@pytest.mark.parametrize("answer", ["late", "drop", "503"])
def test_a_transition_whose_answer_was_lost_is_not_taken_twice(fresh_sandbox, tmp_path, answer):
    sb = fresh_sandbox
    runtime = runtime_for(sb, tmp_path, timeout=0.5, give_up_after=6)
    move(sb, "WMS-1", "Acceptance")
    sb.reset_stats()
    rule = {"match": "POST /rest/api/*/issue/*/transitions", "answer": answer, "count": 1}
    if answer == "late":
        rule["delay_ms"] = 800
    sb.set_faults(after_applying=[rule])
    result = runtime.writer.transition_to("WMS-1", "Planning", via=("Execution",))
    assert result.changed and status_of(sb, "WMS-1") == "Planning"
    assert status_changes(sb, "WMS-1")[-2:] == [("Acceptance", "Execution"), ("Execution", "Planning")]
    assert sb.stats()["requests"]["POST /rest/api/{version}/issue/{id_or_key}/transitions"] == 2
    runtime.close()


@pytest.mark.parametrize("answer", ["late", "drop", "503"])
def test_a_single_transition_whose_answer_was_lost_is_not_taken_twice(fresh_sandbox, tmp_path, answer):
    """The two-argument call the enforcement makes today: OMS-1 Initiation → Planning, the answer lost."""
    sb = fresh_sandbox
    runtime = runtime_for(sb, tmp_path, timeout=0.5, give_up_after=6)
    rule = {"match": "POST /rest/api/*/issue/*/transitions", "answer": answer, "count": 1}
    if answer == "late":
        rule["delay_ms"] = 800
    sb.set_faults(after_applying=[rule])
    result = runtime.writer.transition_to("OMS-1", "Planning")
    assert result.changed and result.detail == "Initiation → Planning"
    assert status_of(sb, "OMS-1") == "Planning"
    assert status_changes(sb, "OMS-1")[-1:] == [("Initiation", "Planning")]
    assert sb.stats()["requests"]["POST /rest/api/{version}/issue/{id_or_key}/transitions"] == 1
    runtime.close()


# -- labels, fields, new issues -------------------------------------------------------------------------------
def test_a_label_write_whose_answer_was_lost_is_read_before_it_is_written_again(fresh_sandbox, tmp_path):
    sb = fresh_sandbox
    runtime = runtime_for(sb, tmp_path, give_up_after=6)
    sb.set_faults(after_applying=[{"match": "PUT /rest/api/*/issue/*", "answer": "503", "count": 2}])
    assert runtime.writer.update_labels("SHOP-9", add=["pmo-gap"]).changed
    assert runtime.writer.set_field("SHOP-1", "customfield_10103", "王伟").changed
    assert "pmo-gap" in sb.state.issue("SHOP-9").labels
    assert sb.state.issue("SHOP-1").custom["customfield_10103"] == "王伟"
    assert sb.stats()["requests"]["PUT /rest/api/{version}/issue/{id_or_key}"] == 2  # one each, read, not redone
    # Not applied (503 before handling): read, still missing, written again.
    sb.set_faults(unavailable={"match": "PUT /rest/api/*/issue/*", "count": 1})
    sb.reset_stats()
    assert runtime.writer.update_labels("SHOP-9", remove=["pmo-gap"]).changed
    assert "pmo-gap" not in sb.state.issue("SHOP-9").labels
    assert sb.stats()["requests"]["PUT /rest/api/{version}/issue/{id_or_key}"] == 2
    runtime.close()


@pytest.mark.parametrize("flavor", ["cloud", "datacenter"])
def test_an_issue_created_while_the_answer_was_lost_is_found_not_created_again(flavor, tmp_path):
    from sandbox import Sandbox
    from tests.conftest import ANCHOR

    with Sandbox.start(seed="demo", flavor=flavor, anchor=ANCHOR) as sb:
        runtime = runtime_for(sb, tmp_path, timeout=0.5, give_up_after=6)
        sb.set_faults(after_applying=[{"match": "POST /rest/api/*/issue", "answer": "late", "delay_ms": 800}])
        result = runtime.writer.create_issue("SHOP", "Risk", "Risk register", idempotency_key="SHOP/risk-register")
        made = [i for i in sb.state.live_issues() if "pmokit-shop-risk-register" in i.labels]
        assert len(made) == 1
        assert result.action == "created" and result.id == str(made[0].id) and result.detail == made[0].key
        assert sb.stats()["requests"]["POST /rest/api/{version}/issue"] == 1
        runtime.close()


# -- Confluence ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("answer", ["late", "drop", "503"])
def test_a_page_created_while_the_answer_was_lost_is_found_by_title_not_created_again(fresh_sandbox, tmp_path,
                                                                                    answer):
    from connector.publisher import PageSpec

    sb = fresh_sandbox
    runtime = runtime_for(sb, tmp_path, timeout=0.5, give_up_after=6)
    rule = {"match": "POST /wiki/rest/api/content", "answer": answer, "count": 1}
    if answer == "late":
        rule["delay_ms"] = 800
    sb.set_faults(after_applying=[rule])
    report = runtime.publisher.publish([PageSpec("portfolio", "E-commerce Portfolio", "<p>Portfolio</p>",
                                                 labels=("pmokit",))])
    assert report.failed == {} and report.created == ["portfolio"]
    [page] = [p for p in sb.state.pages.values() if p.title == "E-commerce Portfolio"]
    assert report.page_ids["portfolio"] == page.id and page.labels == ["pmokit"]
    assert sb.stats()["requests"]["POST /wiki/rest/api/content"] == 1
    runtime.close()


@pytest.mark.parametrize("answer", ["503", "drop"])
def test_a_page_update_applied_then_failed_is_one_new_version(fresh_sandbox, tmp_path, answer):
    """A page update applied and then answered 503 (or its connection dropped) was sent again by the transport
    as if idempotent, met a 409 (the version was taken by itself) and was written once more: two versions."""
    from connector.publisher import PageSpec

    sb = fresh_sandbox
    runtime = runtime_for(sb, tmp_path, timeout=2, give_up_after=6)
    runtime.publisher.publish([PageSpec("portfolio", "E-commerce Portfolio", "<p>Portfolio: green</p>")])
    sb.set_faults(apply_then_fail=[{"match": "PUT /wiki/rest/api/content/{page_id}", "answer": answer}])
    report = runtime.publisher.publish([PageSpec("portfolio", "E-commerce Portfolio", "<p>Portfolio: amber</p>")])
    [page] = [p for p in sb.state.pages.values() if p.title == "E-commerce Portfolio"]
    assert report.failed == {} and report.updated == ["portfolio"]
    assert page.version == 2 and "amber" in page.body
    assert sb.stats()["requests"]["PUT /wiki/rest/api/content/{page_id}"] == 1
    sb.set_faults()
    again = runtime.publisher.publish([PageSpec("portfolio", "E-commerce Portfolio", "<p>Portfolio: amber</p>")])
    assert again.unchanged == ["portfolio"] and page.version == 2  # what was read back is remembered
    runtime.close()


def test_an_attachment_upload_is_retried_on_a_5xx(fresh_sandbox, tmp_path):
    """``PUT child/attachment`` creates or updates the file of that name: doing it twice is doing it once."""
    from connector.publisher import AttachmentSpec, PageSpec

    sb = fresh_sandbox
    runtime = runtime_for(sb, tmp_path)
    sb.set_faults(after_applying=[{"match": "PUT /wiki/rest/api/content/*/child/attachment", "answer": "503",
                                   "count": 1}])
    report = runtime.publisher.publish([PageSpec("portfolio", "E-commerce Portfolio", "<p>Portfolio</p>",
                                                 attachments=(AttachmentSpec("chart.png", b"\x89PNG one"),))])
    assert report.failed == {} and report.attachments_uploaded == 1
    [page] = [p for p in sb.state.pages.values() if p.title == "E-commerce Portfolio"]
    assert [a.title for a in page.attachments] == ["chart.png"]
    assert sb.stats()["requests"]["PUT /wiki/rest/api/content/{page_id}/child/attachment"] == 2
    runtime.close()


# -- reads are retried as before ---------------------------------------------------------------------------------
def test_search_and_bulk_reads_are_still_retried_on_503(fresh_sandbox, tmp_path):
    sb = fresh_sandbox
    runtime = runtime_for(sb, tmp_path, give_up_after=30)
    sb.set_faults(unavailable={"match": "POST /rest/api/*/*/*", "count": 2})
    summary = syncer(runtime).full(["OMS"])
    assert summary.issues > 0
    requests = sb.stats()["requests"]
    assert sb.stats()["unavailable_503"] == 2
    assert requests["POST /rest/api/{version}/search/jql"] + requests["POST /rest/api/{version}/issue/bulkfetch"] >= 3
    runtime.close()


# -- helpers ------------------------------------------------------------------------------------------------------
def move(sb, key: str, status: str) -> None:
    """Put an issue in ``status`` directly in the sandbox's state (the test's starting point, not a write)."""
    state = sb.state
    state.issue(key).status = next(s.id for s in state.statuses.values() if s.name == status)


@pytest.mark.parametrize("answer", ["503", "drop"])
def test_apply_then_fail_on_comments_and_transitions_leaves_each_write_done_once(fresh_sandbox, tmp_path, answer):
    """The fault kind named for what real sites do: the write is applied, then the client gets a 5xx or a
    dropped connection. The comment is there once and the issue moved once: the writer read before retrying."""
    sb = fresh_sandbox
    runtime = runtime_for(sb, tmp_path, give_up_after=6)
    sb.set_faults(apply_then_fail=[{"match": "POST /rest/api/*/issue/*/comment", "answer": answer, "count": 1},
                                   {"match": "POST /rest/api/*/issue/*/transitions", "answer": answer,
                                    "count": 1}])
    assert runtime.writer.upsert_comment("SHOP-7", "compliance", "h3. pmokit: 1 gap").action == "created"
    assert len(pmokit_comments(sb, "SHOP-7")) == 1
    issue = sb.state.issue("SHOP-7")
    offered = sb.session().get(f"{sb.url}/rest/api/2/issue/SHOP-7/transitions", timeout=10).json()["transitions"]
    target = offered[0]["to"]["name"]
    histories_before = len(issue.histories)
    runtime.writer.transition_to("SHOP-7", target)
    assert sb.state.statuses[issue.status].name == target
    status_changes = [h for h in issue.histories[histories_before:]
                      if any(i["field"] == "status" for i in h["items"])]
    assert len(status_changes) == 1
    assert sb.stats()["answers_after_applying"] == {answer: 2}
    runtime.close()
