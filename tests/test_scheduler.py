"""The scheduler: jobs from the YAML in a persistent job store, and exactly one instance running them."""

from __future__ import annotations

import time
from dataclasses import dataclass

import pytest
from sqlalchemy import select, text

from config import DEFAULT_CONFIG, load_settings
from pmokit.store import leases, open_store
from pmokit.store.tables import SyncCursor
from report_jobs.scheduler import LEASE, Scheduler
from tests.syncing import runtime_for
from tests.waiting import wait_for


@dataclass
class StoreOnly:
    """What the scheduler needs of a runtime when no job runs: settings, the engine and sessions."""

    settings: object
    engine: object
    sessions: object


@pytest.fixture
def store(store_url):
    opened = open_store(store_url)
    yield StoreOnly(load_settings([DEFAULT_CONFIG], require_secrets=False), opened.engine, opened.sessions)
    opened.close()


def test_two_instances_one_leader_and_a_takeover_when_it_dies(store):
    first = Scheduler(store, ttl=1.0, heartbeat=0.1, holder="instance-a").start()
    second = Scheduler(store, ttl=1.0, heartbeat=0.1, holder="instance-b").start()
    try:
        assert first.leader and not second.leader
        time.sleep(0.5)  # renewals: still exactly one
        assert first.leader and not second.leader
        with store.sessions() as session:
            assert leases.holder_of(session, LEASE) == "instance-a"
            jobs = set(session.scalars(text("select id from apscheduler_jobs")))
        assert jobs == {"sync", "reconcile", "report:portfolio-weekly"}  # the YAML schedule, stored
        first.close(release=False)  # dies: stops renewing, keeps the lease until it runs out
        assert wait_for(lambda: second.leader), "the other instance did not take over"
        with store.sessions() as session:
            assert leases.holder_of(session, LEASE) == "instance-b"
    finally:
        second.close()
        first.close()


def test_a_clean_stop_hands_over_at_once(store):
    first = Scheduler(store, ttl=30.0, heartbeat=0.1, holder="a").start()
    second = Scheduler(store, ttl=30.0, heartbeat=0.1, holder="b").start()
    try:
        assert first.leader and not second.leader
        first.close()  # releases the lease: no need to wait 30 s
        assert wait_for(lambda: second.leader, timeout=5)
    finally:
        second.close()


def test_the_leader_runs_a_stored_job(fresh_sandbox, tmp_path):
    runtime = runtime_for(fresh_sandbox, tmp_path)
    scheduler = Scheduler(runtime, ttl=5.0, heartbeat=0.2).start()
    try:
        assert scheduler.leader
        scheduler.run_now("sync")
        with runtime.sessions() as session:
            assert wait_for(lambda: session.scalars(select(SyncCursor)).first() is not None, timeout=60)
    finally:
        scheduler.close()
        runtime.close()


def test_the_leader_publishes_a_scheduled_report(fresh_sandbox, tmp_path):
    from tests.syncing import syncer

    runtime = runtime_for(fresh_sandbox, tmp_path)
    syncer(runtime).full()
    scheduler = Scheduler(runtime, ttl=5.0, heartbeat=0.2).start()
    try:
        with runtime.sessions() as session:
            stored = set(session.scalars(text("select id from apscheduler_jobs")))
        assert stored == {"sync", "reconcile", "report:portfolio-weekly"}  # the example's schedule
        scheduler.run_now("report:portfolio-weekly")
        assert wait_for(lambda: sum(p.title.startswith("E-commerce Portfolio") for p in
                                    list(fresh_sandbox.state.pages.values())) == 19, timeout=90)
    finally:
        scheduler.close()
        runtime.close()
