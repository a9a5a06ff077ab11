"""The demo flow on a site that behaves as real sites do, compared with the same flow on a clean site.

The flow, as a user runs it: ``pmokit sync``, ``pmokit check`` (enforcement writes comments, labels and moves),
``pmokit report --publish``; then ``pmokit serve`` receives the webhooks of a team at work (edits, comments,
moves, new tasks: ``events`` deliveries) and acts on them; then at once ``pmokit sync --reconcile`` (the newest
issues not yet in a lagging search), ``pmokit sync`` and ``pmokit report --publish`` again. A
*harsh* site lags its search, writes times in a time zone of its own and fails, after applying them, every
comment, transition and page update pmokit sends; a *clean* site does none of that. What must hold at the end
of a harsh run (:meth:`Outcome.problems`): every issue of the site in the store and none marked deleted, every
history stored at the instant it was made (so in its true order), at most one pmokit comment on any issue and on
the same issues as the clean run, and every page at the version the clean run leaves it at.

Used by tests/test_site_true_flow.py (small) and benchmarks/site_true.py (5,000 issues).
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

import requests
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from pmokit.store.tables import ChangelogItem, IssueSnapshot
from sandbox import Sandbox
from sandbox.histories import all_histories
from tests.conftest import ANCHOR
from tests.serving import free_port, write_config
from tests.syncing import read_by_pmokit

PMOKIT = Path(sys.executable).parent / "pmokit"
TEAM = [("li.na@example.com", "sandbox-li.na"), ("wang.wei@example.com", "sandbox-wang.wei")]
BUDGET, SPONSOR = "customfield_10100", "customfield_10103"
HOOK_EVENTS = ["jira:issue_created", "jira:issue_updated", "jira:issue_deleted", "comment_created",
               "comment_updated", "comment_deleted"]
# Every comment pmokit's account writes, every move it makes and every page update it sends: applied, then a 503.
HARSH_FAULTS = [{"match": route, "user": "pmokit-bot"} for route in (
    "POST /rest/api/*/issue/{id_or_key}/comment", "POST /rest/api/*/issue/{id_or_key}/transitions",
    "PUT /wiki/rest/api/content/{page_id}", "PUT /confluence/rest/api/content/{page_id}")]


@dataclass(frozen=True)
class Flow:
    harsh: bool
    flavor: str = "cloud"
    confluence_flavor: str = "cloud"
    issues: int = 3000
    events: int = 200
    seed: int = 7
    search_lag_ms: float = 3000.0
    user_timezone: str = "America/New_York"
    max_url_bytes: int | None = None

    def sandbox_options(self) -> dict[str, Any]:
        options: dict[str, Any] = {"seed": "demo", "anchor": ANCHOR, "flavor": self.flavor, "issues": self.issues,
                                   "webhook_backoff": 0.2}
        options["confluence_flavor"] = self.confluence_flavor
        if self.harsh:
            options.update(search_lag_ms=self.search_lag_ms, user_timezone=self.user_timezone,
                           faults={"apply_then_fail": HARSH_FAULTS})
            if self.max_url_bytes is not None:
                options["max_url_bytes"] = self.max_url_bytes
        return options


@dataclass
class Outcome:
    flow: Flow
    live_ids: set[str]
    stored_ids: set[str]
    marked_deleted: set[str]
    history_problems: list[str]
    pmokit_comments: dict[str, int]  # issue key -> number of pmokit comments
    page_versions: dict[str, int]  # title -> version
    events_delivered: int
    writes_failed_after_applying: int
    seconds: dict[str, float] = field(default_factory=dict)

    def problems(self, clean: Outcome) -> list[str]:
        """What a harsh run got wrong, against the clean run's end."""
        out = []
        missing = self.live_ids - self.stored_ids
        if missing:
            out.append(f"{len(missing)} issues of the site not in the store, e.g. {sorted(missing)[:5]}")
        if self.marked_deleted:
            out.append(f"{len(self.marked_deleted)} live issues marked deleted, e.g. {sorted(self.marked_deleted)[:5]}")
        out += self.history_problems[:10]
        twice = {k: n for k, n in self.pmokit_comments.items() if n > 1}
        if twice:
            out.append(f"{len(twice)} issues with more than one pmokit comment, e.g. {sorted(twice.items())[:5]}")
        if set(self.pmokit_comments) != set(clean.pmokit_comments):
            extra = sorted(set(self.pmokit_comments) - set(clean.pmokit_comments))
            lacking = sorted(set(clean.pmokit_comments) - set(self.pmokit_comments))
            out.append(f"pmokit comments on other issues than the clean run: extra {extra[:5]}, missing {lacking[:5]}")
        if self.page_versions != clean.page_versions:
            differ = {t: (v, clean.page_versions.get(t)) for t, v in self.page_versions.items()
                      if clean.page_versions.get(t) != v}
            lost = sorted(set(clean.page_versions) - set(self.page_versions))
            out.append(f"page versions (harsh, clean) differ: {dict(list(differ.items())[:5])}; missing {lost[:5]}")
        return out


def run(flow: Flow, directory: Path) -> Outcome:
    directory.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    with Sandbox.start(**flow.sandbox_options()) as sb:
        config = write_config(directory, jira_url=sb.url, flavor=flow.flavor, secret="sandbox",
                              store=f"sqlite:///{directory / 'store.db'}", confluence_flavor=flow.confluence_flavor)
        env = os.environ | {"PMOKIT_CONFIG": str(config)}
        _timed(seconds, "sync", lambda: _pmokit(env, "sync", "--full"))
        projects = [arg for key in sorted(sb.state.projects) for arg in ("--project", key)]
        _timed(seconds, "check", lambda: _pmokit(env, "check", *projects))
        _timed(seconds, "publish", lambda: _pmokit(env, "report", "--publish"))
        _timed(seconds, "serve", lambda: _serve_team(sb, env, flow))
        # At once, while a lagging search does not show the newest issues yet: none may be taken for deleted.
        _timed(seconds, "reconcile", lambda: _pmokit(env, "sync", "--reconcile"))
        _timed(seconds, "sync again", lambda: _pmokit(env, "sync"))
        _timed(seconds, "publish again", lambda: _pmokit(env, "report", "--publish"))
        return _outcome(sb, flow, directory / "store.db", seconds)


def _timed(seconds: dict[str, float], name: str, step: Any) -> None:
    started = time.perf_counter()
    step()
    seconds[name] = time.perf_counter() - started


def _pmokit(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([str(PMOKIT), *args], env=env, capture_output=True, text=True, timeout=1800)
    if done.returncode not in (0, 1):  # check exits 1 when there are gaps; anything else is a failure
        raise AssertionError(f"pmokit {' '.join(args)} exited {done.returncode}:\n{done.stdout[-3000:]}"
                             f"\n{done.stderr[-3000:]}")
    return done.stdout


def _serve_team(sb: Sandbox, env: dict[str, str], flow: Flow) -> None:
    port = free_port()
    process = subprocess.Popen([str(PMOKIT), "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1",
                                "--no-schedule"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait(lambda: _ready(base), 60, "pmokit serve to be ready")
        hook = {"name": "pmokit", "url": f"{base}/webhooks/jira", "secret": "sandbox", "events": HOOK_EVENTS}
        registered = sb.session().post(f"{sb.url}/rest/webhooks/1.0/webhook", json=hook, timeout=10)
        assert registered.status_code == 201, registered.text
        _team_at_work(sb, flow)
        sb.site.dispatcher.flush(120)
        _wait(lambda: _inbox_empty(base), 300, "the inbox to empty")
        sb.site.dispatcher.flush(120)  # pmokit's own writes send webhooks too (which cause nothing)
        _wait(lambda: _inbox_empty(base), 300, "the inbox to empty")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(60)


def _ready(base: str) -> bool:
    try:
        return requests.get(f"{base}/readyz", timeout=1).status_code == 200
    except requests.ConnectionError:
        return False


def _inbox_empty(base: str) -> bool:
    try:
        text = requests.get(f"{base}/metrics", timeout=5).text
    except requests.ConnectionError:
        return False
    for line in text.splitlines():
        if line.startswith('pmokit_inbox_events{status="pending"}'):
            return float(line.rsplit(" ", 1)[1]) == 0
    return False


def _wait(condition: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _team_at_work(sb: Sandbox, flow: Flow) -> None:
    """Team members edit, comment and move issues through the REST API: ``flow.events`` writes, each of which
    sends a webhook. (Counted by the team's own writes, not by the deliveries the site queued meanwhile: those
    include the echoes of pmokit's writes, which come sooner or later with the machine's load, and the team's
    work would differ from one run to the next.)"""
    rng = random.Random(flow.seed)
    state = sb.state
    records = sorted(i.key for i in state.live_issues() if i.issue_type == "Project")
    work = sorted(i.key for i in state.live_issues() if i.issue_type not in ("Project", "Epic"))
    sessions = [sb.session(email, token) for email, token in TEAM]
    api = "3" if flow.flavor == "cloud" else "2"
    emitted = 0
    step = 0
    while emitted < flow.events:
        step += 1
        session = rng.choice(sessions)
        kind = rng.random()
        wrote = True
        key = rng.choice(records) if kind < 0.5 else rng.choice(work)
        if kind < 0.05:  # a new task (a search on a lagging site does not show it for a while)
            _ok(session.post(f"{sb.url}/rest/api/2/issue", json={"fields": {
                "project": {"key": key.split("-")[0]}, "summary": f"Follow-up {step}", "issuetype": {"name": "Task"}}},
                timeout=30))
        elif kind < 0.2:  # a record's budget cleared or set
            value = None if rng.random() < 0.5 else float(rng.randrange(50, 500) * 1000)
            _ok(session.put(f"{sb.url}/rest/api/2/issue/{key}", json={"fields": {BUDGET: value}}, timeout=30))
        elif kind < 0.35:  # a record's sponsor cleared or set
            value = None if rng.random() < 0.5 else "王伟"
            _ok(session.put(f"{sb.url}/rest/api/2/issue/{key}", json={"fields": {SPONSOR: value}}, timeout=30))
        elif kind < 0.7:  # a comment
            _ok(session.post(f"{sb.url}/rest/api/2/issue/{key}/comment",
                             json={"body": f"Progress note {step}: on it."}, timeout=30))
        elif kind < 0.85:  # a summary edit
            _ok(session.put(f"{sb.url}/rest/api/2/issue/{key}",
                            json={"fields": {"summary": f"{key} reworded ({step})"}}, timeout=30))
        else:  # a move to the first status the workflow offers
            offered = session.get(f"{sb.url}/rest/api/{api}/issue/{key}/transitions", timeout=30).json()
            transitions = offered.get("transitions") or []
            wrote = bool(transitions)
            if transitions:
                _ok(session.post(f"{sb.url}/rest/api/{api}/issue/{key}/transitions",
                                 json={"transition": {"id": transitions[0]["id"]}}, timeout=30))
        emitted += wrote
        if step % 20 == 0:  # people pause; the deliveries catch up
            sb.site.dispatcher.flush(60)


def _emitted(sb: Sandbox) -> int:
    """Webhook deliveries the site has queued so far (retries of one not counted again)."""
    return int(sb.site.dispatcher._seq)


def _ok(response: requests.Response) -> None:
    assert response.status_code < 300, f"{response.request.method} {response.url}: {response.status_code} " \
                                       f"{response.text[:300]}"


def _outcome(sb: Sandbox, flow: Flow, store: Path, seconds: dict[str, float]) -> Outcome:
    state = sb.state
    live = {str(i.id): i for i in state.live_issues()}
    engine = create_engine(f"sqlite:///{store}")
    with Session(engine) as session:
        snapshots = {row.id: row for row in session.scalars(select(IssueSnapshot))}
        stored_histories: dict[str, dict[str, Any]] = {}
        for issue_id, history_id, created in session.execute(
                select(ChangelogItem.issue_id, ChangelogItem.history_id, ChangelogItem.created)):
            stored_histories.setdefault(issue_id, {})[history_id] = created
    engine.dispose()
    problems = []
    for issue_id, issue in live.items():
        truth = {str(h["id"]): h["created"] for h in all_histories(state, issue)
                 if any(map(read_by_pmokit, h["items"]))}  # the store keeps the histories of fields pmokit reads
        have = stored_histories.get(issue_id, {})
        if set(have) != set(truth):
            problems.append(f"{issue.key}: histories {sorted(set(truth) ^ set(have))[:4]} stored or missing")
            continue
        for history_id, created in have.items():
            made = truth[history_id].astimezone(UTC)
            made = made.replace(microsecond=made.microsecond // 1000 * 1000)  # Jira writes milliseconds
            if created.astimezone(UTC) != made:
                problems.append(f"{issue.key}: history {history_id} stored at {created}, made at {made}")
                break
    comments = Counter()
    for issue in live.values():
        mine = [c for c in issue.comments if c.get("author") == "557058:0a1b2c3d-pmokit"]
        if mine:
            comments[issue.key] = len(mine)
    pages = {p.title: p.version for p in state.pages.values() if p.status == "current"}
    stats = sb.stats()
    return Outcome(flow=flow, live_ids=set(live),
                   stored_ids={i for i, s in snapshots.items() if not s.deleted},
                   marked_deleted={i for i, s in snapshots.items() if s.deleted and i in live},
                   history_problems=problems, pmokit_comments=dict(comments), page_versions=pages,
                   events_delivered=_emitted(sb),
                   writes_failed_after_applying=int(sum((stats.get("answers_after_applying") or {}).values())),
                   seconds=seconds)
