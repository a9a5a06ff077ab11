"""Enforcement's writes wait for Jira side by side: up to `enforcement.writes_in_flight` issues at once, the
writes of one issue one after another in their order (report_jobs.events.apply)."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from connector.errors import AtlassianError
from report_jobs.events.apply import apply
from rules.actions import Action, ActionKind


@dataclass(frozen=True)
class _Done:
    action: str = "updated"

    @property
    def changed(self) -> bool:
        return True


class _SlowSite:
    """A writer whose every write waits 50 ms, as on a site far away; it records what was in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight: set[str] = set()
        self.most = 0
        self.order: list[tuple[str, str]] = []

    def _write(self, key: str, what: str) -> _Done:
        with self.lock:
            assert key not in self.in_flight, f"two writes to {key} at once"
            self.in_flight.add(key)
            self.most = max(self.most, len(self.in_flight))
        time.sleep(0.05)
        with self.lock:
            self.in_flight.discard(key)
            self.order.append((key, what))
        if key == "BAD-1":
            raise AtlassianError("400: refused")
        return _Done()

    def upsert_comment(self, key, name, text, doc=None, *, comment_id=None):
        return self._write(key, "comment")

    def update_labels(self, key, add=(), remove=(), *, labels=None):
        return self._write(key, "label")


def _actions(keys: list[str]) -> list[Action]:
    return [action for key in keys for action in (Action(ActionKind.COMMENT, key, "text"),
                                                 Action(ActionKind.ADD_LABEL, key, "pmo-gap"))]


def test_writes_to_different_issues_overlap_and_one_issues_keep_their_order():
    site = _SlowSite()
    keys = [f"P-{n}" for n in range(8)]
    started = time.perf_counter()
    applied = apply(_actions(keys), site, in_flight=4)
    elapsed = time.perf_counter() - started
    assert [(a.issue_key, a.kind) for a in applied] == [(a.issue_key, a.kind) for a in _actions(keys)]
    assert site.most == 4 and elapsed < 16 * 0.05  # side by side: 16 writes of 50 ms in well under 0.8 s
    for key in keys:  # the comment before the label that it explains
        assert [what for k, what in site.order if k == key] == ["comment", "label"]


def test_one_at_a_time_when_asked_and_a_failure_stays_with_its_issue():
    site = _SlowSite()
    applied = apply(_actions(["P-1", "BAD-1", "P-2"]), site, in_flight=1)
    assert site.most == 1
    assert [a.error for a in applied if a.issue_key == "BAD-1"] == ["400: refused", "400: refused"]
    assert all(a.changed for a in applied if a.issue_key != "BAD-1")
    parallel = apply(_actions(["P-1", "BAD-1", "P-2"]), _SlowSite(), in_flight=3)
    assert [(a.issue_key, a.error) for a in parallel] == [(a.issue_key, a.error) for a in applied]
