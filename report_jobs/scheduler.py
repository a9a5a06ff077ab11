"""The scheduler: the YAML `schedule` as APScheduler jobs in a persistent job store in the pmokit store, run by
exactly one pmokit instance at a time.

Every instance (`pmokit serve`, `pmokit scheduler`) runs a small heartbeat: it takes or renews the leader lease
``scheduler``; the holder runs the jobs (coalesced, one instance of a job at a time, a misfire grace), the others
wait. When the holder dies it stops renewing, and another instance takes over once the lease has run out.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import uuid
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.background import BackgroundScheduler

from config.models import Settings
from pmokit.runtime import Runtime
from pmokit.store import leases

from .events.enforce import enforce_portfolio
from .reports.report import run_report
from .sync.jobs import Mode, run_sync

log = logging.getLogger(__name__)
LEASE = "scheduler"
REPORT = "report:"
_ACTIVE: dict[str, Runtime] = {}  # the leader's runtime, for the jobs (they are stored by name, not as objects)


def run_scheduled(job: str) -> None:
    """What a stored job calls: ``sync``, ``reconcile`` or ``report:NAME`` (published)."""
    runtime = _ACTIVE.get("runtime")
    if runtime is None:
        log.warning("scheduled %s skipped: this instance is not the scheduler", job)
        return
    if job.startswith(REPORT):
        scheduled_report(runtime, job.removeprefix(REPORT))
    else:
        scheduled_sync(runtime, reconcile=job == "reconcile")


def scheduled_sync(runtime: Runtime, *, reconcile: bool) -> None:
    """A scheduled sync, as ``pmokit sync`` runs it (issues, then documents); the reconcile also re-evaluates and
    enforces the whole portfolio (what webhooks missed). A failure is logged; the job runs again at its time."""
    mode: Mode = "reconcile" if reconcile else "incremental"
    job = "reconcile" if reconcile else "sync"
    try:
        run = run_sync(runtime, mode)
        log.info("scheduled %s: %s", job, run.summary.line())
        if run.documents is not None and run.documents.failed:
            log.warning("scheduled %s: %s", job, run.documents.line())
        elif run.documents is not None:
            log.info("scheduled %s: %s", job, run.documents.line())
        if reconcile:
            done = enforce_portfolio(runtime, trigger="reconcile",
                                     action_limit=runtime.settings.webhooks.max_actions_per_hour)
            log.info("reconcile enforced: %d action(s)", len(done.applied))
    except Exception:
        log.exception("the scheduled %s failed; it runs again at its next time", job)


def scheduled_report(runtime: Runtime, name: str) -> None:
    """Publish report ``name``; a failure is logged with what failed (the next run tries again)."""
    try:
        run = run_report(runtime, name, publish=True)
    except Exception:
        log.exception("scheduled report %s failed", name)
        return
    published = run.published
    if published is not None and published.failed:
        log.error("scheduled report %s: %s", name, published.line())
    else:
        log.info("scheduled report %s: %s", name, published.line() if published else "nothing to publish")


def planned_jobs(settings: Settings) -> dict[str, str]:
    """Job name -> cron expression, from the configuration's `schedule` (reports as ``report:NAME``)."""
    schedule = settings.schedule
    jobs = {name: cron for name, cron in (("sync", schedule.sync), ("reconcile", schedule.reconcile)) if cron}
    jobs.update({f"{REPORT}{name}": cron for name, cron in schedule.reports.items()})
    return jobs


class Scheduler:
    def __init__(self, runtime: Runtime, *, ttl: float = 30.0, heartbeat: float = 10.0, holder: str | None = None):
        self.runtime, self.ttl, self.heartbeat = runtime, timedelta(seconds=ttl), heartbeat
        self.holder = holder or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.leader = False
        self._scheduler: BackgroundScheduler | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="pmokit-scheduler-lease", daemon=True)

    def start(self) -> Scheduler:
        self._beat_once()
        self._thread.start()
        return self

    def close(self, release: bool = True) -> None:
        """Stop; ``release=False`` leaves the lease to run out, as a crashed instance would."""
        self._stop.set()
        self._thread.join(timeout=self.heartbeat + 5)
        self._stand_down()
        if release:
            with self.runtime.sessions.begin() as session:
                leases.release(session, LEASE, self.holder)

    def run_now(self, job: str) -> None:
        """Make a stored job due at once (the leader runs it)."""
        if self._scheduler is None:
            raise RuntimeError("this instance is not the scheduler")
        self._scheduler.modify_job(job, next_run_time=datetime.now(UTC))

    # -- the lease ------------------------------------------------------------------------------------------
    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat):
            self._beat_once()

    def _beat_once(self) -> None:
        try:
            with self.runtime.sessions.begin() as session:
                leading = leases.acquire(session, LEASE, self.holder, self.ttl)
        except Exception:
            log.exception("could not reach the store to renew the scheduler lease")
            leading = False
        if leading and not self.leader:
            self._take_over()
        elif not leading and self.leader:
            self._stand_down()

    def _take_over(self) -> None:
        from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
        from apscheduler.triggers.cron import CronTrigger

        settings = self.runtime.settings
        timezone = settings.schedule.timezone
        scheduler = BackgroundScheduler(
            jobstores={"default": SQLAlchemyJobStore(engine=self.runtime.engine, tablename="apscheduler_jobs")},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 300}, timezone=timezone)
        scheduler.start(paused=True)
        planned = planned_jobs(settings)
        for job in scheduler.get_jobs():
            if job.id not in planned:  # a job the configuration no longer has
                job.remove()
        for name, cron in planned.items():
            scheduler.add_job("report_jobs.scheduler:run_scheduled", CronTrigger.from_crontab(cron, timezone=timezone),
                              args=[name], id=name, name=name, replace_existing=True)
        _ACTIVE["runtime"] = self.runtime
        scheduler.resume()
        self._scheduler, self.leader = scheduler, True
        log.info("this instance (%s) runs the scheduled jobs: %s", self.holder, ", ".join(planned) or "none")

    def _stand_down(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        if self.leader:
            log.info("this instance (%s) no longer runs the scheduled jobs", self.holder)
        self.leader = False
        if _ACTIVE.get("runtime") is self.runtime:
            _ACTIVE.pop("runtime", None)
