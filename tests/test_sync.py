"""Sync from the sandbox into the store: complete, with the fewest requests, and never skipping a change."""

from __future__ import annotations

import json
import math
import threading
import time
from datetime import date

import pytest
import sqlalchemy as sa

from pmokit.store import issues as store_issues
from pmokit.store.tables import ChangelogItem, IssueSnapshot, SyncCursor
from sandbox import Sandbox
from sandbox.histories import all_histories
from sandbox.seed import SeedOptions
from tests.conftest import ANCHOR
from tests.syncing import ideal_cloud_plan, kept, read_by_pmokit, runtime_for, syncer, truth

BENCH_SEED = SeedOptions(issues=1200, long_history_share=0.1, long_history=(150, 150), short_history=(8, 8),
                         anchor=ANCHOR)


def stored_histories(runtime) -> dict[str, int]:
    with runtime.sessions() as session:
        return store_issues.history_count_by_issue(session)


def live(runtime) -> set[str]:
    with runtime.sessions() as session:
        return store_issues.live_ids(session)


@pytest.fixture
def cloud(tmp_path):
    with Sandbox.start(seed="demo", seed_options=BENCH_SEED) as sb:
        runtime = runtime_for(sb, tmp_path)
        yield sb, runtime
        runtime.close()


def test_full_sync_is_complete_with_the_ideal_plan(cloud):
    sb, runtime = cloud
    sb.reset_stats()
    summary = syncer(runtime).full()
    expected = truth(sb)
    assert live(runtime) == set(expected)
    assert stored_histories(runtime) == kept(sb)
    assert summary.issues == len(expected) and summary.histories == sum(expected.values())
    requests = sb.stats()["requests"]
    assert summary.requests == sum(requests.values()) == ideal_cloud_plan(sb)
    # Never the inline changelog alone, and never one changelog request per issue.
    assert "GET /rest/api/{version}/issue/{id_or_key}/changelog" not in requests
    assert requests["POST /rest/api/{version}/changelog/bulkfetch"] >= 1


@pytest.mark.parametrize("in_flight", [1, 4])
def test_bulk_reads_go_side_by_side_up_to_the_setting_with_the_same_plan(tmp_path, in_flight):
    """Issue 18: a full sync sent its 131 requests one after another. After the id pages, the pages of issues
    and the changelog requests go up to `jira.reads_in_flight` at once (cut changelogs in groups of about a page,
    so they too go side by side): the same complete store, the ideal plan's count, never more at once."""
    with Sandbox.start(seed="demo", seed_options=BENCH_SEED, latency_ms=20) as sb:
        runtime = runtime_for(sb, tmp_path, reads_in_flight=in_flight)
        lock, now, most = threading.Lock(), [0], [0]
        request = runtime.jira.request

        def counted(*args, **kwargs):
            with lock:
                now[0] += 1
                most[0] = max(most[0], now[0])
            try:
                return request(*args, **kwargs)
            finally:
                with lock:
                    now[0] -= 1

        runtime.jira.request = counted
        sb.reset_stats()
        summary = syncer(runtime).full()
        assert stored_histories(runtime) == kept(sb)
        assert summary.requests == sb.stats()["requests_total"] == ideal_cloud_plan(sb)
        assert sb.stats()["requests"]["POST /rest/api/{version}/changelog/bulkfetch"] >= 2
        assert (most[0] == 1) if in_flight == 1 else (2 <= most[0] <= in_flight)
        runtime.close()


def test_a_bulk_read_that_fails_stops_the_reads_behind_it_and_moves_no_cursor(tmp_path):
    """Reads go side by side: when one gives up (Jira unavailable for bulk reads, Retry-After longer than the
    sync may wait), the sync fails with that error, only the reads already in flight were sent, no cursor
    moves, and the next full sync completes."""
    from connector.errors import GaveUp

    with Sandbox.start(seed="demo", seed_options=BENCH_SEED, latency_ms=5) as sb:
        runtime = runtime_for(sb, tmp_path, reads_in_flight=4, give_up_after=0.5)
        sb.set_faults(latency_ms=5, unavailable={"match": "POST /rest/api/{version}/issue/bulkfetch",
                                                 "count": 100000})
        sb.reset_stats()
        with pytest.raises(GaveUp):
            syncer(runtime).full()
        pages = sb.stats()["requests"]["POST /rest/api/{version}/issue/bulkfetch"]
        assert 1 <= pages <= 4 < math.ceil(len(truth(sb)) / 100)  # the failure stopped the pages behind it
        with runtime.sessions() as session:
            assert session.scalars(sa.select(SyncCursor)).all() == []
        sb.set_faults(latency_ms=5)
        syncer(runtime).full()
        assert stored_histories(runtime) == kept(sb)
        runtime.close()


def test_incremental_with_nothing_changed_sends_one_request(cloud):
    """Issue 18: an idle sync sent 3-4 requests, bulk-reading again the issues of its overlap window although
    their `updated` had not changed. The window's ids come with their `updated` (one page of up to 100): the
    issues the store has at that `updated` are not read again."""
    sb, runtime = cloud
    syncer(runtime).full()
    sb.reset_stats()
    first = syncer(runtime).incremental()
    assert first.issues == 0 and first.unchanged >= 1  # the window held issues, all known
    # (The account's time zone, for the JQL's dates, is read once per process: here, in the first incremental.)
    sent = {r: n for r, n in sb.stats()["requests"].items() if n and r != "GET /rest/api/{version}/myself"}
    assert sent == {"POST /rest/api/{version}/search/jql": 1}
    # One issue changed (a task: a project record's comments are read too): the page of ids, then that issue.
    key = next(i.key for i in sb.state.live_issues() if i.issue_type != runtime.settings.portfolio.record_issue_type)
    assert sb.session().put(f"{sb.url}/rest/api/2/issue/{key}", json={"fields": {"summary": "moved on"}}
                            ).status_code == 204
    sb.reset_stats()
    changed = syncer(runtime).incremental()
    assert changed.issues == 1
    requests = {r: n for r, n in sb.stats()["requests"].items() if n}
    assert requests["POST /rest/api/{version}/search/jql"] == 1
    assert requests["POST /rest/api/{version}/issue/bulkfetch"] == 1, requests
    assert sum(requests.values()) <= 3  # and the changelog of that one issue, if it did not come inline
    with runtime.sessions() as s:
        assert s.scalars(sa.select(IssueSnapshot).where(IssueSnapshot.key == key)).one().fields["summary"] == "moved on"
    sb.reset_stats()
    assert syncer(runtime).incremental().requests == 1 and sb.stats()["requests_total"] == 1


@pytest.mark.parametrize("changed", [7, 150])
def test_incremental_with_changes_stays_within_its_plan(cloud, changed):
    sb, runtime = cloud
    syncer(runtime).full()
    session = sb.session()
    keys = [i.key for i in sb.state.live_issues()][:changed]
    for key in keys:
        assert session.put(f"{sb.url}/rest/api/2/issue/{key}", json={"update": {"labels": [{"add": "moved"}]}}
                           ).status_code == 204
    sb.reset_stats()
    summary = syncer(runtime).incremental()
    assert summary.issues == changed
    assert sb.stats()["requests_total"] <= 3 + math.ceil(changed / 100) + math.ceil(changed / 1000)
    with runtime.sessions() as s:
        labels = {row.key: row.fields["labels"] for row in s.scalars(sa.select(IssueSnapshot)
                                                                     .where(IssueSnapshot.key.in_(keys)))}
    assert all("moved" in labels[k] for k in keys)
    assert stored_histories(runtime) == kept(sb)


def test_incremental_completes_a_long_changelog_that_grew_past_the_inline_cut(cloud):
    sb, runtime = cloud
    syncer(runtime).full()
    session = sb.session()
    long_one = next(i for i in sb.state.live_issues() if i.seeded_histories == 150)
    short_one = next(i for i in sb.state.live_issues() if i.seeded_histories == 8)
    for n in range(45):  # more new histories than the 40 an inline changelog shows
        session.put(f"{sb.url}/rest/api/2/issue/{long_one.key}", json={"fields": {"summary": f"renamed {n}"}})
    session.put(f"{sb.url}/rest/api/2/issue/{short_one.key}", json={"fields": {"summary": "renamed"}})
    sb.reset_stats()
    syncer(runtime).incremental()
    assert stored_histories(runtime) == kept(sb)
    assert sb.stats()["requests"]["POST /rest/api/{version}/changelog/bulkfetch"] == 1


def test_a_cut_changelog_reaching_back_to_a_history_the_store_left_out_needs_no_full_read(cloud):
    """The store leaves out histories pmokit does not read (a description's drafts), but remembers the newest it
    has seen: an inline changelog (the newest 40) whose oldest history is such a one still reaches back far
    enough, and the issue's 150 histories are not read again."""
    sb, runtime = cloud
    syncer(runtime).full()
    session = sb.session()
    long_one = next(i for i in sb.state.live_issues() if i.seeded_histories == 150)
    edit = f"{sb.url}/rest/api/2/issue/{long_one.key}"
    assert session.put(edit, json={"fields": {"description": "draft A"}}).status_code == 204
    syncer(runtime).incremental()
    for n in range(39):  # with the draft above, the 40 the inline changelog shows
        assert session.put(edit, json={"fields": {"description": f"draft B{n}"}}).status_code == 204
    sb.reset_stats()
    syncer(runtime).incremental()
    assert sb.stats()["requests"].get("POST /rest/api/{version}/changelog/bulkfetch", 0) == 0
    assert stored_histories(runtime) == kept(sb)
    assert len(all_histories(sb.state, sb.state.issue(long_one.key))) == 150 + 40  # the inline one was cut


def test_reconcile_marks_deleted_issues_with_few_requests(cloud):
    sb, runtime = cloud
    syncer(runtime).full()
    session = sb.session()
    gone = [i for i in sb.state.live_issues()][5:8]
    for issue in gone:
        assert session.delete(f"{sb.url}/rest/api/2/issue/{issue.key}").status_code == 204
    sb.reset_stats()
    summary = syncer(runtime).reconcile()
    n = len(sb.state.live_issues())
    assert summary.deleted == 3 and sb.stats()["requests_total"] <= math.ceil(n / 5000) + 1
    assert live(runtime) == set(truth(sb))
    # Deletions never match `updated >=`: an incremental sync alone would have left ghosts.
    with runtime.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(IssueSnapshot).where(IssueSnapshot.deleted)) == 3


def test_a_deletion_event_marks_the_issue_at_once(cloud):
    sb, runtime = cloud
    job = syncer(runtime)
    job.full()
    victim = str(next(iter(sb.state.live_issues())).id)
    job.forget(victim)
    assert victim not in live(runtime)


def test_a_crash_between_fetch_and_commit_loses_nothing(cloud, monkeypatch):
    sb, runtime = cloud
    syncer(runtime).full()
    with runtime.sessions() as s:
        cursor_before = s.get(SyncCursor, syncer(runtime).scope_key(runtime.settings.portfolio.project_keys))
        cursor_before = cursor_before.last_updated
    session = sb.session()
    keys = [i.key for i in sb.state.live_issues()][:120]
    for key in keys:
        session.put(f"{sb.url}/rest/api/2/issue/{key}", json={"update": {"labels": [{"add": "crash"}]}})
    real_save = store_issues.save_issues
    calls = {"n": 0}

    def crash_on_second_batch(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("the process died here")
        return real_save(*args, **kwargs)

    monkeypatch.setattr(store_issues, "save_issues", crash_on_second_batch)
    with pytest.raises(RuntimeError):
        syncer(runtime, batch=50).incremental()
    with runtime.sessions() as s:
        cursor = s.get(SyncCursor, syncer(runtime).scope_key(runtime.settings.portfolio.project_keys))
        assert cursor.last_updated == cursor_before  # the cursor did not move past uncommitted changes
    monkeypatch.setattr(store_issues, "save_issues", real_save)
    syncer(runtime, batch=50).incremental()
    with runtime.sessions() as s:
        labels = {row.key: row.fields["labels"] for row in s.scalars(sa.select(IssueSnapshot)
                                                                     .where(IssueSnapshot.key.in_(keys)))}
    assert all("crash" in labels[k] for k in keys)
    assert stored_histories(runtime) == kept(sb)


def test_data_center_full_and_incremental_sync(tmp_path):
    with Sandbox.start(seed="demo", flavor="datacenter", seed_options=BENCH_SEED) as sb:
        runtime = runtime_for(sb, tmp_path)
        summary = syncer(runtime).full()
        expected = truth(sb)
        assert live(runtime) == set(expected)
        assert stored_histories(runtime) == kept(sb)
        # Whole changelogs fetched one by one only where the inline one (100) was cut.
        long_ones = sum(1 for v in expected.values() if v > 100)
        requests = sb.stats()["requests"]
        # ... and, for the 12 project records, their comments (the gate decisions).
        assert requests["GET /rest/api/{version}/issue/{id_or_key}"] == long_ones + 12
        assert requests["POST /rest/api/{version}/search"] == math.ceil(len(expected) / 1000)  # POST: no URL limit
        assert summary.requests == sum(requests.values())
        key = next(iter(sb.state.live_issues())).key
        sb.session().put(f"{sb.url}/rest/api/2/issue/{key}", json={"fields": {"labels": ["dc"]}})
        sb.reset_stats()
        assert syncer(runtime).incremental().issues == 1
        assert sb.stats()["requests_total"] <= 3
        runtime.close()


@pytest.mark.parametrize("form", ["seconds", "http-date", "zero", "missing"])
def test_rate_limited_sync_never_retries_early_and_completes(tmp_path, form):
    with Sandbox.start(seed="demo", issues=300, anchor=ANCHOR) as sb:
        runtime = runtime_for(sb, tmp_path)
        sb.set_faults(rate_limits=[{"match": "*", "rate": 3, "burst": 2, "retry_after": form}])
        summary = syncer(runtime).full(["SHOP"])
        stats = sb.stats()
        assert stats["throttled_429"] > 0 and summary.throttled == stats["throttled_429"]
        assert stats["early_requests"] == 0
        assert live(runtime) == {str(i.id) for i in sb.state.live_issues() if i.project_key == "SHOP"}
        runtime.close()


def test_pacing_draws_almost_no_429s(tmp_path):
    with Sandbox.start(seed="demo", issues=300, anchor=ANCHOR) as sb:
        sb.set_faults(rate_limits=[{"match": "*", "rate": 5, "burst": 2}])
        unpaced = runtime_for(sb, tmp_path / "unpaced")
        syncer(unpaced).full(["SHOP", "MOB", "SRCH"])
        assert sb.stats()["throttled_429"] > 0
        unpaced.close()
        time.sleep(0.3)
        sb.reset_stats()
        runtime = runtime_for(sb, tmp_path / "paced", rps=5)
        syncer(runtime).full(["SHOP", "MOB", "SRCH"])
        assert sb.stats()["throttled_429"] == 0
        runtime.close()


def test_sync_command_prints_a_summary(sandbox, tmp_path, run_cli):
    runtime_for(sandbox, tmp_path).close()
    result = run_cli("--config", str(tmp_path / "pmokit.yaml"), "sync", "--project", "SHOP")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("full sync of projects:SHOP: 250 issues, ")
    assert "synced 250 of 250 issues" in result.stderr  # progress, as plain lines when not on a terminal
    again = run_cli("--config", str(tmp_path / "pmokit.yaml"), "sync", "--project", "SHOP")
    assert again.stdout.startswith("incremental sync of projects:SHOP: ")
    wrong = run_cli("--config", str(tmp_path / "pmokit.yaml"), "sync", "--project", "NOPE")
    assert wrong.exit_code == 1 and "not in the portfolio: NOPE" in wrong.output


def test_sync_against_an_unreachable_jira_is_a_clear_error(tmp_path, run_cli):
    with Sandbox.start(seed="empty", anchor=date(2026, 1, 1)) as sb:
        runtime_for(sb, tmp_path, give_up_after=1.5).close()
    result = run_cli("--config", str(tmp_path / "pmokit.yaml"), "sync")
    assert result.exit_code == 1
    assert "sync failed: POST http://127.0.0.1:" in result.output and "ConnectionError" in result.output
    assert "Traceback" not in result.output


def test_changelog_rows_keep_every_item_of_the_fields_pmokit_reads(cloud):
    """Issue 18: the Rank's moves and the description's drafts were two thirds of the store's rows at 100,000
    issues, and no rule or report reads them. Every other item is kept, at its index in its history."""
    sb, runtime = cloud
    syncer(runtime).full()
    with runtime.sessions() as s:
        stored = s.execute(sa.select(ChangelogItem.issue_id, ChangelogItem.history_id, ChangelogItem.item_index,
                                     ChangelogItem.field)).all()
    every = [(str(i.id), str(h["id"]), n, item) for i in sb.state.live_issues()
             for h in all_histories(sb.state, i) for n, item in enumerate(h["items"])]
    assert {item["field"] for *_, item in every} >= {"Rank", "description", "status"}  # the test sees all three
    expected = {(issue_id, history_id, n, item["field"]) for issue_id, history_id, n, item in every
                if read_by_pmokit(item)}
    assert len(stored) == len(expected) and set(stored) == expected
    assert {field for *_, field in stored}.isdisjoint({"Rank", "description"})


def test_sync_on_each_store(store_url, tmp_path):
    """Full and incremental sync on SQLite, and on PostgreSQL when it is configured."""
    with Sandbox.start(seed="demo", issues=300, anchor=ANCHOR) as sb:
        runtime = runtime_for(sb, tmp_path, store_url=store_url)
        syncer(runtime).full()
        sb.session().put(f"{sb.url}/rest/api/2/issue/SHOP-3", json={"update": {"labels": [{"add": "pg"}]}})
        syncer(runtime).incremental()
        syncer(runtime).full()  # a second full sync replaces changelogs instead of doubling them
        assert live(runtime) == set(truth(sb))
        assert stored_histories(runtime) == kept(sb)
        runtime.close()


def test_the_store_keeps_no_rest_links_or_pictures(cloud):
    """Issue 18: 3.7 KB of raw JSON an issue, most of it what no rule or report reads. A sync stores the fields
    without each object's REST link and pictures; what pmokit reads of them is all there."""
    _, runtime = cloud
    syncer(runtime).full()
    with runtime.sessions() as session:
        rows = session.execute(sa.select(IssueSnapshot.key, IssueSnapshot.fields)).all()
    text = "".join(json.dumps(fields) for _, fields in rows)
    assert rows and '"avatarUrls"' not in text and '"self"' not in text and '"iconUrl"' not in text
    sample = next(fields for _, fields in rows if fields.get("assignee"))
    assert sample["assignee"]["accountId"] and sample["assignee"]["displayName"]
    assert sample["status"]["name"] and sample["status"]["statusCategory"]["key"]
