"""The worker: effects are idempotent, failures retry then become dead letters, runaways are stopped, and
several workers share one PostgreSQL inbox without handling an event twice."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, select, update

from pmokit.store import inbox
from pmokit.store.tables import AuditEvent, InboxEvent
from report_jobs.events.worker import Worker, drain
from report_jobs.sync.snapshot import FactsCache, load_facts
from tests.syncing import syncer
from webhooks.events import classify

FIXTURE = Path(__file__).parent / "fixtures" / "jira-webhooks" / "mattermost-plugin-jira" / \
    "webhook-issue-updated-labels.json"


def event_for(sb, key: str, n: int = 0, actor: str = "557058:li.na") -> inbox.Incoming:
    """A real `jira:issue_updated` payload, pointed at a sandbox issue."""
    payload = json.loads(FIXTURE.read_text(encoding="utf-8"))
    issue = sb.state.issue(key)
    payload["issue"]["id"], payload["issue"]["key"] = str(issue.id), key
    payload["user"] = {"accountId": actor}
    event = classify(payload)
    return inbox.Incoming(f"id:{key}:{n}", event.webhook_event, event.issue_id, event.issue_key, actor,
                          event.triggers, json.dumps(payload))


def put(runtime, *events: inbox.Incoming) -> None:
    with runtime.sessions.begin() as session:
        for event in events:
            assert inbox.enqueue(session, event)


def audit_count(runtime, kind: str) -> int:
    with runtime.sessions() as session:
        return session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.kind == kind))


def test_an_event_handled_twice_has_the_effect_of_once(synced):
    sb, runtime = synced
    put(runtime, event_for(sb, "OMS-1"))
    assert drain(Worker(runtime)).done == 1
    comments, labels = len(sb.state.issue("OMS-1").comments), list(sb.state.issue("OMS-1").labels)
    audited = (audit_count(runtime, "result"), audit_count(runtime, "action"))
    assert comments == 1 and "pmo-gap" in labels and audited[1] >= 2
    # A worker that died after acting, before marking the event done: the event comes round again.
    with runtime.sessions.begin() as session:
        session.execute(update(InboxEvent).values(status="pending", claim=None, claimed_until=None))
    sb.reset_stats()
    assert drain(Worker(runtime)).done == 1
    assert len(sb.state.issue("OMS-1").comments) == comments and list(sb.state.issue("OMS-1").labels) == labels
    assert (audit_count(runtime, "result"), audit_count(runtime, "action")) == audited
    assert sb.stats()["writes_total"] == 0


def test_pmokit_own_events_cause_nothing(synced):
    sb, runtime = synced
    put(runtime, event_for(sb, "OMS-1", actor=runtime.settings.jira.bot.account_id))
    sb.reset_stats()
    assert drain(Worker(runtime)).done == 1
    assert sb.stats()["requests_total"] == 0 and sb.state.issue("OMS-1").comments == []
    with runtime.sessions() as session:
        [event] = inbox.listing(session)
    assert event.outcome == "pmokit's own action: nothing to do"


def test_failures_retry_with_backoff_then_become_dead_letters(synced, run_cli):
    sb, runtime = synced
    put(runtime, event_for(sb, "OMS-1"))
    sb.set_faults(unavailable={"match": "POST */issue/bulkfetch", "count": 10_000})
    worker = Worker(runtime)
    attempts = runtime.settings.webhooks.max_attempts
    for attempt in range(1, attempts + 1):
        report = worker.run_once()
        assert report.claimed == 1
        with runtime.sessions.begin() as session:
            [event] = inbox.listing(session)
            assert event.attempts == attempt and "503" in event.outcome, event.outcome
            if event.status == "pending":  # due again after its backoff: make it due now
                assert event.next_attempt_at.replace(tzinfo=None) > event.received_at.replace(tzinfo=None)
                session.execute(update(InboxEvent).values(next_attempt_at=event.received_at))
    assert event.status == "dead"
    assert worker.run_once().claimed == 0
    config = str(Path(runtime.settings.files[0]))
    listed = run_cli("--config", config, "inbox", "list", "--status", "dead")
    assert "dead" in listed.stdout and "OMS-1" in listed.stdout and "dead 1" in listed.stdout
    shown = json.loads(run_cli("--config", config, "inbox", "show", str(event.pk)).stdout)
    assert shown["status"] == "dead" and shown["attempts"] == attempts and shown["payload"]["issue"]["key"] == "OMS-1"
    sb.set_faults()
    assert "1 dead letter(s) queued again" in run_cli("--config", config, "inbox", "retry").stdout
    assert drain(Worker(runtime)).done == 1 and sb.state.issue("OMS-1").comments
    purged = run_cli("--config", config, "inbox", "purge", "--status", "done", "--older-than-days", "0")
    assert "1 done event(s) deleted" in purged.stdout
    assert run_cli("--config", config, "inbox", "show", str(event.pk)).exit_code == 2


def test_the_hourly_action_limit_stops_a_runaway(synced):
    sb, runtime = synced
    limited = runtime.settings.model_copy(update={"webhooks": runtime.settings.webhooks.model_copy(
        update={"max_actions_per_hour": 2})})
    runtime.settings = limited
    put(runtime, event_for(sb, "OMS-1", 1))
    assert drain(Worker(runtime)).done == 1  # comment + label: two actions, the limit
    sb.state.issue("OMS-1").labels.remove("pmo-gap")  # someone keeps removing the label …
    put(runtime, event_for(sb, "OMS-1", 2))
    assert drain(Worker(runtime)).done == 1
    assert "pmo-gap" not in sb.state.issue("OMS-1").labels  # … and pmokit stops putting it back this hour
    with runtime.sessions() as session:
        outcomes = [e.outcome for e in inbox.listing(session)]
    assert any("hourly action limit reached on OMS-1" in o for o in outcomes)


def test_two_workers_share_one_inbox_without_handling_an_event_twice(store_url):
    """Claims only (no Jira): 2,000 events, two threads claiming in small batches as fast as they can; on
    PostgreSQL (SKIP LOCKED) and on SQLite (the conditional claim alone)."""
    from pmokit.store import open_store

    store = open_store(store_url)
    engine, sessions = store.engine, store.sessions
    with sessions.begin() as session:
        for n in range(2000):
            inbox.enqueue(session, inbox.Incoming(f"id:{n}", "jira:issue_updated", str(n), f"X-{n}", "u",
                                                  ("field_change",), "{}"))
    claimed: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def work(index: int) -> None:
        start.wait()
        while True:
            with sessions.begin() as session:
                events = inbox.claim(session, 7, timedelta(minutes=5))
                for event in events:
                    inbox.finish(session, event, f"worker {index}")
                if events:
                    inbox.release(session, events[0].claim or "")
            claimed[index].extend(e.pk for e in events)
            if not events:  # nothing claimable: lost every race this time, or nothing left
                with sessions() as session:
                    if inbox.counts(session)["pending"] == 0:
                        return

    threads = [threading.Thread(target=work, args=(i,)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(claimed[0]) + len(claimed[1]) == 2000
    assert not set(claimed[0]) & set(claimed[1])
    if store_url.startswith("postgresql"):  # SKIP LOCKED: both make progress at once (SQLite takes turns)
        assert claimed[0] and claimed[1]
    with sessions() as session:
        assert inbox.counts(session) == {"pending": 0, "done": 2000, "dead": 0}
    engine.dispose()


def test_the_workers_facts_follow_the_store(synced):
    """Reading only what the store gained gives the same facts as reading it all."""
    sb, runtime = synced
    cache = FactsCache.of(runtime)
    before = cache.get()
    assert before.issues.keys() == load_facts(runtime).issues.keys()
    # Issue 18: the warm-up reads the issues, not the changelog; an issue's changes are read when asked for.
    assert len(before.changes) == 0
    some = [i.id for i in before.issues.values()][:3]
    before.changes.read(some)
    assert before.changes.reads == 1 and [before.changes.get(i) for i in some] == [
        load_facts(runtime).changes.get(i) for i in some]
    people = sb.session("li.na@example.com", "sandbox-li.na")
    api = f"{sb.url}/rest/api/2"
    assert people.put(f"{api}/issue/OMS-3", json={"fields": {"summary": "renamed"}}).status_code == 204
    assert people.post(f"{api}/issue/OMS-1/comment", json={"body": "/pmo approve G1"}).status_code == 201
    assert sb.session().delete(f"{api}/issue/LOG-5").status_code == 204
    refresh = syncer(runtime)
    refresh.refresh([str(sb.state.issue(k).id) for k in ("OMS-3", "OMS-1")])
    refresh.forget(str(next(i.id for i in load_facts(runtime).issues.values() if i.key == "LOG-5")))
    after, truth = cache.get(), load_facts(runtime)
    assert after.issues == truth.issues and after.issues["OMS-3"].summary == "renamed"
    assert "LOG-5" not in after.issues
    assert after.comments == truth.comments
    ids = [i.id for i in truth.issues.values()]
    assert {i: after.changes.get(i) for i in ids} == {i: truth.changes.get(i) for i in ids}
    oms = after.issues["OMS-1"]
    assert any("/pmo approve G1" in c.body for c in after.comments[oms.id])
    assert cache.full_loads == 1  # the warm-up; then only what changed


def test_the_workers_facts_find_a_row_committed_after_later_ones(synced):
    """A row is stamped with its time before its transaction commits, so a slow transaction's row can appear
    after rows stamped later, which the cache has already read: it still finds it (it looks back a little),
    without reading the whole store again (issue 18: every worker reloaded everything every five minutes)."""
    from datetime import UTC, datetime

    from pmokit.store.tables import IssueSnapshot

    sb, runtime = synced
    cache = FactsCache.of(runtime)
    cache.get()
    people = sb.session("li.na@example.com", "sandbox-li.na")
    assert people.put(f"{sb.url}/rest/api/2/issue/OMS-3", json={"fields": {"summary": "renamed"}}).status_code == 204
    syncer(runtime).refresh([str(sb.state.issue("OMS-3").id)])
    assert cache.get().issues["OMS-3"].summary == "renamed"
    with runtime.sessions.begin() as session:  # committed now, stamped ten seconds ago
        row = session.scalars(select(IssueSnapshot).where(IssueSnapshot.key == "OMS-4")).one()
        row.fields = {**row.fields, "summary": "late"}
        row.synced_at = datetime.now(UTC) - timedelta(seconds=10)
    assert cache.get().issues["OMS-4"].summary == "late"
    assert cache.full_loads == 1


def test_one_worker_at_a_time_acts_on_an_issue(store_url):
    """Two events of one issue are never held by two claims at once (two comments would be written)."""
    from pmokit.store import open_store

    store = open_store(store_url)
    engine, sessions = store.engine, store.sessions
    with sessions.begin() as session:
        for n, issue in enumerate(("7", "7", "8")):
            inbox.enqueue(session, inbox.Incoming(f"id:{n}", "jira:issue_updated", issue, f"X-{issue}", "u",
                                                  ("field_change",), "{}"))
    lease = timedelta(minutes=5)
    with sessions.begin() as session:
        [first] = inbox.claim(session, 1, lease)
        token = first.claim
    with sessions.begin() as session:
        others = inbox.claim(session, 10, lease)
    assert first.issue_id == "7" and [e.issue_id for e in others] == ["8"]
    with sessions.begin() as session:
        assert inbox.claim(session, 10, lease) == []  # the second event of issue 7 waits
        inbox.finish(session, first, "done")
        inbox.release(session, token)
    with sessions.begin() as session:
        [second] = inbox.claim(session, 10, lease)
    assert second.issue_id == "7" and second.pk != first.pk
    engine.dispose()


def test_the_scheduled_reconcile_enforces_what_webhooks_missed(synced):
    """No webhook at all: the hourly reconcile re-reads the portfolio and enforces the standard on it."""
    from report_jobs.scheduler import scheduled_sync

    sb, runtime = synced
    scheduled_sync(runtime, reconcile=True)
    oms = sb.state.issue("OMS-1")
    assert any("[pmokit:compliance]" in c["body"] for c in oms.comments) and "pmo-gap" in oms.labels
    with runtime.sessions() as session:
        triggers = set(session.scalars(select(AuditEvent.trigger).where(AuditEvent.kind == "action")))
    assert triggers == {"reconcile"}
    sb.reset_stats()
    scheduled_sync(runtime, reconcile=True)  # nothing changed: nothing written
    assert sb.stats()["writes_total"] == 0


def test_a_team_edit_costs_the_re_read_and_the_writes_it_needs_and_no_read_before_them(synced):
    """Issue 18: per team edit the worker read the issue's comment list and its labels before writing, 54% of
    all its requests. The comment pmokit wrote is in the store (its id and text) and the labels come with the
    issue the event made the worker read again: after the re-read, only the writes."""
    sb, runtime = synced
    put(runtime, event_for(sb, "OMS-1"))  # the first time: pmokit looks for a comment of its own, writes one
    assert drain(Worker(runtime)).done == 1
    [comment] = sb.state.issue("OMS-1").comments
    assert "sponsor" in comment["body"] and "pmo-gap" in sb.state.issue("OMS-1").labels

    # The team fills in the sponsor and takes the label off: the comment must change, the label come back.
    team = sb.session("li.na@example.com", "sandbox-li.na")
    sponsor = "customfield_10103"
    assert team.put(f"{sb.url}/rest/api/2/issue/OMS-1", json={"fields": {sponsor: "王伟"}}).status_code == 204
    assert team.put(f"{sb.url}/rest/api/2/issue/OMS-1",
                    json={"update": {"labels": [{"remove": "pmo-gap"}]}}).status_code == 204
    sb.reset_stats()
    put(runtime, event_for(sb, "OMS-1", 1))
    assert drain(Worker(runtime)).done == 1
    requests = {route: n for route, n in sb.stats()["requests"].items() if n}
    reads = {route for route in requests if route.startswith("GET ") or "search" in route or "bulkfetch" in route}
    writes = {route: n for route, n in requests.items() if route not in reads}
    assert not any(route.endswith("/comment") for route in reads), requests  # no comment list read
    assert "GET /rest/api/{version}/issue/{id_or_key}" not in reads, requests  # no label read
    assert writes == {"PUT /rest/api/{version}/issue/{id_or_key}/comment/{comment_id}": 1}, requests
    [after] = sb.state.issue("OMS-1").comments
    assert after["id"] == comment["id"] and "sponsor" not in after["body"]


def test_a_person_editing_pmokits_comment_makes_the_worker_read_and_write_it_again(synced):
    """pmokit trusts what the store says its comment reads, so it must hear when someone else changes it: the
    comment_updated event names the comment, pmokit forgets it, reads the comments and puts it right."""
    sb, runtime = synced
    put(runtime, event_for(sb, "OMS-1"))
    assert drain(Worker(runtime)).done == 1
    [comment] = sb.state.issue("OMS-1").comments
    admin = sb.session()
    edited = "I fixed it myself\n[pmokit:compliance]"
    assert admin.put(f"{sb.url}/rest/api/2/issue/OMS-1/comment/{comment['id']}",
                     json={"body": edited}).status_code == 200
    payload = {"webhookEvent": "comment_updated", "timestamp": 1,
               "comment": {"id": comment["id"], "body": edited,
                           "updateAuthor": {"accountId": "557058:li.na"}},
               "issue": {"id": str(sb.state.issue("OMS-1").id), "key": "OMS-1"}}
    event = classify(payload)
    put(runtime, inbox.Incoming("id:edit", event.webhook_event, event.issue_id, event.issue_key, event.actor,
                                event.triggers, json.dumps(payload)))
    assert drain(Worker(runtime)).done == 1
    [after] = sb.state.issue("OMS-1").comments
    assert after["id"] == comment["id"] and after["body"] == comment["body"]


def _results_audited_for(runtime) -> set[str]:
    with runtime.sessions() as session:
        return set(session.scalars(select(AuditEvent.issue_key).where(AuditEvent.kind == "result",
                                                                      AuditEvent.issue_key != "")))


def test_a_milestone_edit_enforces_the_milestone_and_its_record_and_a_record_edit_its_work(synced):
    """Issue 18: every edit of a project's work enforced (and leased) the record's whole family, so two workers
    with events of one project always collided and one of them waited. The work's own change is checked with its
    record; the record's change (its window) with all its work."""
    sb, runtime = synced
    put(runtime, event_for(sb, "OMS-7"))  # a milestone of OMS-1
    assert drain(Worker(runtime)).done == 1
    assert _results_audited_for(runtime) == {"OMS-7", "OMS-1"}
    put(runtime, event_for(sb, "OMS-1"))
    assert drain(Worker(runtime)).done == 1
    assert {"OMS-8", "OMS-9", "OMS-10", "OMS-11"} <= _results_audited_for(runtime)


def test_an_event_that_needs_an_issue_another_worker_holds_waits_and_the_rest_of_its_batch_goes_on(synced):
    """Issue 18: when another worker held one issue a batch also acts on (a parent), the whole batch went back
    for a second; now only the events that need that issue wait a moment (no try counted), the others are
    done in the same pass, and the waiting ones are done once the issue is free."""
    from datetime import UTC, datetime

    sb, runtime = synced
    put(runtime, event_for(sb, "OMS-1", 9))
    with runtime.sessions.begin() as session:  # another worker's claim: it holds the record OMS-1
        [held] = inbox.claim(session, 1, timedelta(minutes=5))
    put(runtime, event_for(sb, "OMS-7"), event_for(sb, "LOG-1"))  # OMS-7's handling acts on its record too
    report = Worker(runtime).run_once()
    assert (report.claimed, report.done, report.postponed, report.failed, report.dead) == (2, 1, 1, 0, 0), report
    with runtime.sessions() as session:
        events = {e.issue_key: e for e in session.scalars(select(InboxEvent))}
    assert events["LOG-1"].status == "done"
    waiting = events["OMS-7"]
    assert waiting.status == "pending" and waiting.attempts == 0 and waiting.claim is None
    assert waiting.next_attempt_at.replace(tzinfo=UTC) > datetime.now(UTC) - timedelta(seconds=1)
    with runtime.sessions.begin() as session:  # the other worker finishes and lets go
        inbox.finish(session, held, "done")
        inbox.release(session, held.claim)
    deadline = datetime.now(UTC) + timedelta(seconds=5)
    while datetime.now(UTC) < deadline and not Worker(runtime).run_once().done:
        threading.Event().wait(0.1)
    with runtime.sessions() as session:
        assert session.get(InboxEvent, waiting.pk).status == "done"


def test_after_work_the_worker_looks_again_soon_and_backs_off_to_the_idle_pause(synced):
    """Events come in bursts (a team's edits, the echoes of pmokit's own writes): a worker that rested the full
    idle pause after every empty look left the burst's later events waiting up to half a second each time."""
    sb, runtime = synced

    class Watch(threading.Event):
        """Records each pause the worker takes and stops it after a few."""

        def __init__(self):
            super().__init__()
            self.pauses: list[float] = []

        def wait(self, timeout=None):
            self.pauses.append(timeout)
            if len(self.pauses) == 3:
                put(runtime, event_for(sb, "OMS-1", 1))  # the next burst, after three empty looks
            if len(self.pauses) == 10:
                self.set()
            return self.is_set()

    put(runtime, event_for(sb, "OMS-1"))
    watch = Watch()
    Worker(runtime).run(watch, idle_seconds=0.5, busy_seconds=0.02)
    assert watch.pauses == [0.02, 0.04, 0.08, 0.02, 0.04, 0.08, 0.16, 0.32, 0.5, 0.5], watch.pauses
    with runtime.sessions() as session:
        assert inbox.counts(session)["done"] == 2
