"""The worker: claims webhook events from the inbox, re-reads their issues, evaluates, enforces, audits.

Events are handled in batches: one bulk re-read of the issues they name (events can be late or out of order, so
the issue's current state decides, never the payload), one load of the facts, one evaluation of every rule on
those issues and their parents, then the actions. Effects are idempotent, so an event handled twice (a worker
that died after acting, before marking it done) changes nothing the second time. Events caused by pmokit's own
account are recognised and cause nothing; an hourly per-issue limit stops any runaway.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from config.models import Settings
from pmokit.runtime import Runtime
from pmokit.store import inbox
from pmokit.store.tables import InboxEvent
from rules.context import Standard
from rules.decide import is_record
from rules.kinds import kinds
from rules.registry import DELETED
from webhooks.metrics import Metrics

from ..sync.snapshot import FactsCache
from ..sync.syncer import Syncer
from .enforce import Enforcement, enforce

log = logging.getLogger(__name__)


class Busy(Exception):
    """Another worker is acting on an issue this batch would act on too: try the batch again shortly."""


@dataclass
class BatchReport:
    claimed: int = 0
    done: int = 0
    failed: int = 0
    dead: int = 0


def bot_ids(settings: Settings) -> set[str]:
    """The ids pmokit's own account acts under: events it caused are recognised and cause nothing."""
    bot = settings.jira.bot
    return {value for value in (bot.account_id, bot.name) if value} if bot is not None else set()


class Worker:
    def __init__(self, runtime: Runtime, *, batch: int = 50, metrics: Metrics | None = None):
        self.runtime, self.settings, self.batch, self.metrics = runtime, runtime.settings, batch, metrics
        self.syncer = Syncer.of(runtime)
        self.own = bot_ids(runtime.settings)
        self.listening = {t for rule in runtime.settings.rules for t in kinds()[rule.kind].triggers}
        self.facts = FactsCache.of(runtime)

    def run_once(self) -> BatchReport:
        """Claim and handle one batch; a failure sends the whole batch back for a later try (effects repeat safely)."""
        settings = self.settings.webhooks
        with self.runtime.sessions.begin() as session:
            events = inbox.claim(session, self.batch, timedelta(seconds=settings.lease_seconds))
        report = BatchReport(claimed=len(events))
        if not events:
            return report
        token = events[0].claim or ""
        started = time.perf_counter()
        try:
            outcomes = self._handle(events, token)
        except Busy:
            with self.runtime.sessions.begin() as session:
                inbox.postpone(session, events, timedelta(seconds=1))
                inbox.release(session, token)
            return report
        except Exception as exc:
            error = f"{exc.__class__.__name__}: {exc}"
            log.warning("a batch of %d events failed: %s", len(events), error)
            with self.runtime.sessions.begin() as session:
                for event in events:
                    status = inbox.fail(session, event, error, settings.max_attempts)
                    report.dead += status == inbox.DEAD
                    report.failed += status != inbox.DEAD
                inbox.release(session, token)
            self._count("dead", report.dead)
            self._count("retry", report.failed)
            return report
        with self.runtime.sessions.begin() as session:
            for event in events:
                report.done += inbox.finish(session, event, outcomes[event.pk])
            inbox.release(session, token)
        self._count("done", report.done)
        if self.metrics is not None:
            self.metrics.processing_seconds.observe(time.perf_counter() - started)
        return report

    def run(self, stop: threading.Event, idle_seconds: float = 0.5) -> None:
        """Until ``stop`` is set: handle batches, resting ``idle_seconds`` when the inbox is empty."""
        while not stop.is_set():
            try:
                report = self.run_once()
            except Exception:
                log.exception("the worker could not reach the inbox; trying again shortly")
                report = BatchReport()
            if not report.claimed:
                stop.wait(idle_seconds)

    # -- one batch ----------------------------------------------------------------------------------------
    def _handle(self, events: list[InboxEvent], token: str) -> dict[int, str]:
        outcomes: dict[int, str] = {}
        work: list[InboxEvent] = []
        for event in events:
            triggers = set(event.triggers or ())
            if event.actor and event.actor in self.own:
                outcomes[event.pk] = "pmokit's own action: nothing to do"
            elif DELETED in triggers:
                self.syncer.forget(event.issue_id)
                outcomes[event.pk] = f"issue {event.issue_key or event.issue_id} removed from the store"
            elif not triggers & self.listening:
                outcomes[event.pk] = f"no rule listens to {', '.join(sorted(triggers))}"
            else:
                work.append(event)
        if not work:
            return outcomes
        self.syncer.refresh([e.issue_id for e in work])
        facts = self.facts.get()
        by_id = {issue.id: issue for issue in facts.issues.values()}
        targets: list[str] = []
        for event in work:
            issue = by_id.get(event.issue_id)
            if issue is None:
                outcomes[event.pk] = "not an issue of the portfolio (or no longer in Jira)"
                continue
            targets.extend(k for k in (issue.key, issue.parent_key, issue.epic_key) if k and k in facts.issues)
        targets = list(dict.fromkeys(targets))
        with self.runtime.sessions.begin() as session:
            lease = timedelta(seconds=self.settings.webhooks.lease_seconds)
            if not inbox.lease_more(session, [facts.issues[k].id for k in targets], token, lease):
                raise Busy()
        # A project record's change can change its work's results (milestone dates against the record's window).
        standard = Standard.of(self.settings)
        related = [child.key for key in targets if is_record(facts.issues[key], standard)
                   for child in facts.children.get(key, [])]
        if targets:
            done = enforce(self.runtime, facts, targets, trigger="webhook", related=related,
                           action_limit=self.settings.webhooks.max_actions_per_hour)
            failed = [a for a in done.applied if a.error and not a.final]
            if failed:
                raise RuntimeError("; ".join(f"{a.action.kind} on {a.action.issue_key}: {a.error}" for a in failed))
            summary = _summary(done, targets)
            for event in work:
                outcomes.setdefault(event.pk, summary)
        return outcomes

    def _count(self, outcome: str, n: int) -> None:
        if self.metrics is not None and n:
            self.metrics.processed.labels(outcome).inc(n)


def _summary(done: Enforcement, targets: Iterable[str]) -> str:
    changed = sum(1 for a in done.applied if a.changed)
    text = f"evaluated {', '.join(targets)}: {len(done.applied)} action(s), {changed} changed something"
    if done.held_back:
        text += f"; hourly action limit reached on {', '.join(done.held_back)}"
    return text


def drain(worker: Worker, timeout: float = 60.0) -> BatchReport:
    """Handle batches until the inbox has nothing due (tests, `pmokit worker --once`)."""
    total = BatchReport()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        report = worker.run_once()
        total.claimed += report.claimed
        total.done += report.done
        total.failed += report.failed
        total.dead += report.dead
        if not report.claimed:
            break
    return total


