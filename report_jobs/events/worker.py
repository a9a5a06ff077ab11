"""The worker: claims webhook events from the inbox, re-reads their issues, evaluates, enforces, audits.

Events are handled in batches: one bulk re-read of the issues they name (events can be late or out of order, so
the issue's current state decides, never the payload), one load of the facts, one evaluation of every rule on
those issues and their parents, then the actions. Effects are idempotent, so an event handled twice (a worker
that died after acting, before marking it done) changes nothing the second time. Events caused by pmokit's own
account are recognised and cause nothing; an hourly per-issue limit stops any runaway.

Workers share the inbox fairly. A batch's claim (its events and the issues they name) is a lease, renewed by a
thread of its own every third of ``webhooks.lease_seconds`` while the batch runs, and confirmed once more right
before enforcement acts: a worker that lost its lease (it stalled, and another worker took the events over)
abandons the batch without acting or marking anything. An event fails alone: one that cannot be parsed is a
dead letter at once, with its reason; a failed action fails the events of its issue; and when handling a batch
raises, its halves are handled apart until the events that fail on their own are alone, so that only they count
a try.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from config.models import Settings
from connector.errors import GaveUp
from pmokit.runtime import Runtime
from pmokit.store import comments as comment_memory
from pmokit.store import inbox
from pmokit.store.tables import InboxEvent
from rules.context import Standard
from rules.decide import is_record
from rules.facts import Facts
from rules.kinds import kinds
from rules.registry import COMMENT, DELETED
from webhooks.events import changed_comment, is_issue_id
from webhooks.metrics import Metrics

from ..sync.snapshot import FactsCache, StoredChanges
from ..sync.syncer import Syncer
from .enforce import Enforcement, enforce

log = logging.getLogger(__name__)
# Events that need an issue another worker is acting on wait this long (no try counted): about one batch of that
# worker at Jira's usual latency, so that most find the issue free when they come back.
BUSY_DELAY = timedelta(seconds=0.3)


class LeaseLost(Exception):
    """The batch's lease ran out and another worker claimed some of its events or issues: it does the work now."""


@dataclass
class BatchReport:
    claimed: int = 0
    done: int = 0
    failed: int = 0
    dead: int = 0
    abandoned: int = 0  # events let go unhandled: the lease was lost to another worker
    postponed: int = 0  # events put back for a moment: another worker was acting on an issue they need


class BatchLease:
    """A batch's claim on its events and issues, renewed while the batch runs.

    A thread of its own renews it every third of the lease (``with lease:`` starts and stops it); ``confirm()``
    renews it once more, right before acting, and raises :class:`LeaseLost` when the claim is no longer this
    worker's. Each renewal is a conditional update (``inbox.renew``): it never takes back what another holds.
    """

    def __init__(self, sessions: sessionmaker[Session], events: list[InboxEvent], seconds: float):
        self.sessions, self.seconds = sessions, seconds
        self.token = events[0].claim or ""
        self.pks = {e.pk for e in events}
        self.issue_ids = {e.issue_id for e in events}  # the claim leased every issue its events name
        self.postponed: set[int] = set()  # events put back for a moment: another worker held an issue they need
        self.lost = threading.Event()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> BatchLease:
        self._thread = threading.Thread(target=self._beat, name=f"pmokit-lease-{self.token[:8]}", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join()

    def hold(self, issue_ids: Iterable[str]) -> None:
        """Issues the claim leased since (the parents the batch also acts on): renewed from now on."""
        with self._lock:
            self.issue_ids.update(issue_ids)

    def drop(self, pks: Iterable[int]) -> None:
        """Events no longer part of the batch (already dead letters): not renewed any more."""
        with self._lock:
            self.pks.difference_update(pks)

    def postpone(self, pks: Iterable[int]) -> None:
        """Events put back in the inbox for a moment (their claim let go): no longer part of the batch."""
        pks = set(pks)
        with self._lock:
            self.postponed |= pks
            self.pks.difference_update(pks)

    def renew(self) -> bool:
        """Extend the lease by ``seconds`` from now; False (and ``lost`` set) when the claim is no longer ours."""
        with self._lock:
            if self.lost.is_set():
                return False
            with self.sessions.begin() as session:
                held = inbox.renew(session, self.token, sorted(self.pks), sorted(self.issue_ids),
                                   timedelta(seconds=self.seconds))
            if not held:
                self.lost.set()
                log.warning("a batch of %d events lost its lease to another worker (it ran out before it was "
                            "renewed): the batch is abandoned, the other worker handles it", len(self.pks))
            return held

    def confirm(self) -> None:
        """Right before acting: the claim must still be ours, for another full lease from now."""
        if not self.renew():
            raise LeaseLost()

    def _beat(self) -> None:
        while not self._stop.wait(self.seconds / 3):
            try:
                if not self.renew():
                    return
            except Exception as exc:  # the store is away for a moment: try again at the next beat
                log.warning("could not renew a batch's lease: %s: %s", exc.__class__.__name__, exc)


def malformed(event: InboxEvent) -> str:
    """Why a claimed event cannot be handled at all ("" when it can): it then goes to the dead letters at once."""
    if not isinstance(event.issue_id, str) or not is_issue_id(event.issue_id):
        return f"issue id {event.issue_id!r} is not a Jira issue id"
    triggers = event.triggers
    if not isinstance(triggers, list) or not all(isinstance(t, str) for t in triggers):
        return f"triggers {triggers!r} are not a list of trigger names"
    return ""


def describe(exc: BaseException) -> str:
    return f"{exc.__class__.__name__}: {exc}"


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
        self.warmed = False  # the store's facts read (the warm-up): set by run() before its first batch

    def warm(self) -> float:
        """Read the store's facts now (the first batch would otherwise): the seconds it took."""
        started = time.perf_counter()
        self.facts.get()
        self.warmed = True
        return time.perf_counter() - started

    def run_once(self) -> BatchReport:
        """Claim and handle one batch: events that fail on their own are sent back for a later try (or to the
        dead letters), their neighbours are done; a batch whose lease was lost is let go untouched."""
        settings = self.settings.webhooks
        with self.runtime.sessions.begin() as session:
            events = inbox.claim(session, self.batch, timedelta(seconds=settings.lease_seconds))
        report = BatchReport(claimed=len(events))
        if not events:
            return report
        token = events[0].claim or ""
        started = time.perf_counter()
        with BatchLease(self.runtime.sessions, events, settings.lease_seconds) as lease:
            events = self._bury_malformed(events, lease, report)
            try:
                outcomes, errors = self._settle(events, lease) if events else ({}, {})
            except LeaseLost:
                lease.stop()
                with self.runtime.sessions.begin() as session:  # what is still ours, back at once, untried
                    inbox.postpone(session, events, timedelta(0))
                    inbox.release(session, token)
                report.abandoned = len(events)
                self._count("abandoned", report.abandoned)
                return report
        # The heartbeat is stopped before marking (it would take events marked done for a lost claim); the
        # lease, renewed a third of its length ago at most, outlasts these few statements. An event another
        # worker took over meanwhile (the lease was lost while enforcing) is refused here: it counts abandoned.
        buried = report.dead
        with self.runtime.sessions.begin() as session:
            for event in events:
                if event.pk in lease.postponed:
                    continue
                if event.pk in outcomes:
                    done = inbox.finish(session, event, outcomes[event.pk])
                    report.done += done
                    report.abandoned += not done
                    continue
                status = inbox.fail(session, event, errors[event.pk], settings.max_attempts)
                report.dead += status == inbox.DEAD
                report.failed += status == inbox.PENDING
                report.abandoned += not status
            inbox.release(session, token)
        self._count("done", report.done)
        self._count("dead", report.dead - buried)  # (the malformed ones were counted when buried)
        self._count("retry", report.failed)
        self._count("abandoned", report.abandoned)
        report.postponed = len(lease.postponed)
        self._count("postponed", report.postponed)
        if self.metrics is not None:
            self.metrics.processing_seconds.observe(time.perf_counter() - started)
        return report

    def run(self, stop: threading.Event, idle_seconds: float = 0.5, busy_seconds: float = 0.02) -> None:
        """Until ``stop`` is set: handle batches. When the inbox is empty the worker looks again after
        ``busy_seconds`` if it just had work (events come in bursts: a team's edits, the echoes of pmokit's own
        writes), twice as long each time it finds nothing, up to ``idle_seconds``. Looking costs one read (no
        write lock). The facts are read from the store first (the warm-up, once per start), so the first events
        wait for Jira, not for it."""
        try:
            log.info("worker warmed up: the store's facts read in %.1f s", self.warm())
        except Exception:
            log.exception("the worker could not read the store; it reads it with its first batch")
        pause = idle_seconds
        while not stop.is_set():
            try:
                report = self.run_once()
            except Exception:
                log.exception("the worker could not reach the inbox; trying again shortly")
                report = BatchReport()
            if report.claimed:
                pause = busy_seconds
                continue
            stop.wait(pause)
            pause = min(idle_seconds, pause * 2)

    # -- one batch ----------------------------------------------------------------------------------------
    def _bury_malformed(self, events: list[InboxEvent], lease: BatchLease, report: BatchReport) -> list[InboxEvent]:
        """Events that cannot be handled at all go to the dead letters at once, with their reason; the rest."""
        reasons = {e.pk: reason for e in events if (reason := malformed(e))}
        if not reasons:
            return events
        lease.drop(reasons)  # first: the heartbeat must not look for them once they are dead
        dead = 0
        with self.runtime.sessions.begin() as session:
            for event in events:
                if event.pk in reasons:
                    log.warning("event %d is a dead letter: %s", event.pk, reasons[event.pk])
                    dead += inbox.fail(session, event, reasons[event.pk], max_attempts=1) == inbox.DEAD
        report.dead += dead
        self._count("dead", dead)
        return [e for e in events if e.pk not in reasons]

    def _settle(self, events: list[InboxEvent], lease: BatchLease) -> tuple[dict[int, str], dict[int, str]]:
        """Handle events: (outcomes of those handled, errors of those that failed on their own).

        A failed action fails the events of its issue only (``_handle`` tells them apart). When handling the
        events together raises, their halves are handled apart, down to single events, so that a culprit fails
        alone. Not when Jira itself was unavailable past the connector's retries (``GaveUp``):
        that is no event's fault, and handling the halves again would only call a failing Jira more often.
        """
        events = [e for e in events if e.pk not in lease.postponed]  # (put back by an earlier try of the batch)
        if not events:
            return {}, {}
        try:
            outcomes, errors = self._handle(events, lease)
        except LeaseLost:
            raise
        except Exception as exc:
            error = describe(exc)
            if len(events) == 1 or isinstance(exc, GaveUp):
                log.warning("%s failed: %s", f"event {events[0].pk}" if len(events) == 1 else
                            f"a batch of {len(events)} events", error)
                return {}, dict.fromkeys((e.pk for e in events), error)
            log.info("a batch of %d events failed (%s): handling its halves apart", len(events), error)
        else:
            for pk, error in errors.items():
                log.warning("event %d failed: %s", pk, error)
            return outcomes, errors
        middle = len(events) // 2
        done, failed = self._settle(events[:middle], lease)
        more_done, more_failed = self._settle(events[middle:], lease)
        return done | more_done, failed | more_failed

    def _handle(self, events: list[InboxEvent], lease: BatchLease) -> tuple[dict[int, str], dict[int, str]]:
        """Handle events together: (outcomes of those done, errors of those whose own issues' actions failed)."""
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
            return outcomes, {}
        self.syncer.refresh([e.issue_id for e in work])
        facts = self.facts.get()
        by_id = {issue.id: issue for issue in facts.issues.values()}
        targets_of: dict[int, list[str]] = {}
        for event in work:
            issue = by_id.get(event.issue_id)
            if issue is None:
                outcomes[event.pk] = "not an issue of the portfolio (or no longer in Jira)"
                continue
            targets_of[event.pk] = [k for k in (issue.key, issue.parent_key, issue.epic_key)
                                    if k and k in facts.issues]
        self._forget_changed_comments(work, by_id)
        needs = self._needs(work, targets_of, facts)
        wanted = list(dict.fromkeys(k for keys in needs.values() for k in keys))
        with self.runtime.sessions.begin() as session:
            refused = inbox.lease_more(session, [facts.issues[k].id for k in wanted], lease.token,
                                       timedelta(seconds=lease.seconds))
        if refused:
            lease.confirm()  # a claim that was taken over is lost, not busy
            self._postpone_blocked(work, needs, refused, facts, lease)
            for pk in lease.postponed:
                needs.pop(pk, None)
                targets_of.pop(pk, None)
            work = [e for e in work if e.pk not in lease.postponed]
        targets = list(dict.fromkeys(k for keys in targets_of.values() for k in keys))
        targeted = set(targets)
        related = [k for k in dict.fromkeys(k for keys in needs.values() for k in keys) if k not in targeted]
        issue_ids = [facts.issues[k].id for k in [*targets, *related]]
        lease.hold(issue_ids)
        errors: dict[int, str] = {}
        if targets:
            lease.confirm()  # a worker that lost its lease stops here, before acting
            # The events' own issues were read from Jira just now: their labels need no read before a write.
            fresh = {by_id[e.issue_id].key for e in work if e.issue_id in by_id}
            if isinstance(facts.changes, StoredChanges):  # the changes the rules may ask about, in one read
                facts.changes.read(issue_ids)
            done = enforce(self.runtime, facts, targets, trigger="webhook", related=related, look="unknown",
                           fresh=fresh,
                           action_limit=self.settings.webhooks.max_actions_per_hour)
            failed: dict[str, list[str]] = {}
            for a in done.applied:
                if a.error and not a.final:  # a final answer (a move the workflow refuses) is said, not retried
                    failed.setdefault(a.action.issue_key, []).append(f"{a.action.kind} on {a.action.issue_key}: "
                                                                     f"{a.error}")
            summary = _summary(done, targets)
            # An event fails when an action on one of its own issues failed (handled alone, it would fail the
            # same way); the others of the batch are done: their issues' actions were applied.
            for event in work:
                own = [text for key in targets_of.get(event.pk, ()) for text in failed.get(key, ())]
                if own:
                    errors[event.pk] = "; ".join(own)
                else:
                    outcomes.setdefault(event.pk, summary)
        return outcomes, errors

    def _needs(self, work: list[InboxEvent], targets_of: dict[int, list[str]], facts: Facts) -> dict[int, list[str]]:
        """The issues each event's handling acts on: its issue, parent and epic, and when its issue is a project
        record, the record's work too (the record's own change can change its work's results: milestone dates
        against the record's window). A change of the work alone leaves its siblings as they were."""
        standard = Standard.of(self.settings)
        needs: dict[int, list[str]] = {}
        for event in work:
            keys = targets_of.get(event.pk)
            if keys is None:
                continue
            own = facts.issues[keys[0]]
            family = [c.key for c in facts.children.get(own.key, [])] if is_record(own, standard) else []
            needs[event.pk] = [*keys, *(k for k in family if k in facts.issues and k not in keys)]
        return needs

    def _postpone_blocked(self, work: list[InboxEvent], needs: dict[int, list[str]], refused: set[str],
                          facts: Facts, lease: BatchLease) -> None:
        """Another worker acts on some of the issues: the events that need one of them wait a moment (no try
        counted) and the rest of the batch goes on, rather than the whole batch waiting."""
        blocked = [e for e in work if any(facts.issues[k].id in refused for k in needs.get(e.pk, ()))]
        if not blocked:
            return
        # Out of the heartbeat's renewals first: a renewal after their claim is let go would take the batch's
        # lease for lost.
        lease.postpone(e.pk for e in blocked)
        with self.runtime.sessions.begin() as session:
            inbox.postpone(session, blocked, BUSY_DELAY)

    def _forget_changed_comments(self, events: list[InboxEvent], by_id: dict[str, Any]) -> None:
        """Someone else edited or deleted a comment: if it is pmokit's, pmokit no longer knows what it says, so
        the enforcement that follows reads the issue's comments (and writes pmokit's again)."""
        # Only comment events can say so: the others' bodies are not decoded, and no transaction is opened.
        commented = [e for e in events if COMMENT in (e.triggers or ()) and e.issue_id in by_id]
        if not commented:
            return
        with self.runtime.sessions.begin() as session:
            for event in commented:
                issue = by_id[event.issue_id]
                try:
                    comment_id = changed_comment(json.loads(event.payload))
                except ValueError:
                    comment_id = None
                if comment_id is not None and comment_memory.forget_comment(session, issue.key, comment_id):
                    log.info("%s: pmokit's comment was changed in Jira: it is read again", issue.key)

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
        total.abandoned += report.abandoned
        if not report.claimed:
            break
    return total


