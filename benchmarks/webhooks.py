"""The webhook receiver and worker under load, end to end, and through crashes.

Run: python benchmarks/webhooks.py [--part load|e2e|crash|share|all] [--seconds 5]
                                   [--database-url postgresql://…] [--latency-ms 500] [--events 1000]
                                   [--deadline 900] [--comment-timeouts]

load   open-loop load on loopback with signed real payloads at 200 and 1,000 requests/s, against
       `pmokit serve` on granian (its default) and on waitress, and gunicorn, on a SQLite store: the
       acknowledgement latency p50/p99 is measured from each request's scheduled send time (so a slow answer
       also delays the requests queued behind it, as it would for Jira). Target: p99 < 50 ms, no errors.
e2e    the sandbox (a process of its own) sends its webhooks to `pmokit serve` (another): team edits per second
       from the edit to pmokit's comment written, apart from the events pmokit's own writes echo back; for each
       of --e2e-variants (WORKERSxWRITES_IN_FLIGHT: 2x1 two workers one write at a time, 2x4 up to four).
crash  1,000 signed events to `pmokit serve` while it is killed with SIGKILL three times and restarted:
       every event answered 202 is handled, none twice in effect, nothing left but dead letters.
share  two workers on one PostgreSQL inbox (two runtimes, each with its own engine and connector, as two
       `pmokit worker` processes have; in threads of this process, so that each handling can be counted),
       Jira slow (the sandbox's `latency_ms`, --latency-ms) and leases of 5 s, shorter than a batch: --events
       events (1,000) put into the inbox over the demo's issues pmokit comments on, in bursts of ten an issue
       (so that the two workers' batches name different issues, and share the parents). Prints the events, those
       handled more than once (counted per event by the workers, and in effect from the audit: an action or a
       result audited twice), issues with more than one pmokit comment, dead letters, lost leases. Needs a
       PostgreSQL server: --database-url, else $PMOKIT_TEST_DATABASE_URL (a database of its own is created on
       it and dropped afterwards). Gives up waiting after --deadline seconds. --comment-timeouts: besides,
       every comment POST is applied, then answered after 1.5 s to a client that gives up after 1 s (the
       sandbox's `after_applying` fault): the way duplicate comments were made, which safe writes prevent.
       Not part of `all`.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from pmokit.cli.sandbox_config import sandbox_config
from sandbox import Sandbox
from webhooks.signature import sign

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "jira-webhooks" / "mattermost-plugin-jira").glob("*.json"))
SECRET = "bench-secret"
BIN = Path(sys.executable).parent
SERVERS = ("granian", "waitress", "gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def write_config(directory: Path, jira_url: str, *, lease: int = 120, workers: int = 1) -> Path:
    path = directory / "pmokit.yaml"
    text = sandbox_config(jira_url, webhook_secret=SECRET, store=f"sqlite:///{directory / 'store.db'}")
    text = text.replace("webhooks:\n", f"webhooks:\n  lease_seconds: {lease}\n  workers: {workers}\n", 1)
    path.write_text(text, encoding="utf-8")
    return path


def wait_until_up(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing answers on port {port}")


def start_server(kind: str, config: Path, port: int, workers: int = 0) -> subprocess.Popen:
    """In a session of its own, so that killing it kills its receiver processes too (as a supervisor does)."""
    env = os.environ | {"PMOKIT_CONFIG": str(config), "PMOKIT_WEBHOOK_SECRET": SECRET}
    if kind in ("waitress", "granian"):
        command = [str(BIN / "pmokit"), "serve", "--server", kind, "--bind", f"127.0.0.1:{port}", "--workers",
                   str(workers), "--no-schedule"]
    else:
        command = [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "4",
                   "--log-level", "warning", "webhooks.wsgi:app"]
    process = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)
    wait_until_up(port)
    return process


def stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> float:
    """Signal the server's whole process group; the seconds it took to exit (SIGKILL after 60)."""
    started = time.monotonic()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, sig)
    try:
        process.wait(60)
    except subprocess.TimeoutExpired:
        print(f"  (the server did not stop within 60 s of signal {sig}: killed)")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    return time.monotonic() - started


def signed_bodies(count: int, issue_ids: list[tuple[str, str]] | None = None) -> list[tuple[bytes, str]]:
    """(body, identifier) pairs: real payloads, each a distinct delivery."""
    out = []
    for n in range(count):
        payload = json.loads(FIXTURES[n % len(FIXTURES)].read_text(encoding="utf-8"))
        if issue_ids:
            issue_id, key = issue_ids[n % len(issue_ids)]
            payload = json.loads((FIXTURES[0].parent / "webhook-issue-updated-labels.json").read_text("utf-8"))
            payload["issue"]["id"], payload["issue"]["key"] = issue_id, key
            payload["user"] = {"accountId": "557058:li.na"}
        payload["timestamp"] = 1_700_000_000_000 + n
        out.append((json.dumps(payload).encode(), f"bench-{n}-{time.time_ns()}"))
    return out


class OpenLoop:
    """Requests sent on a fixed schedule over a pool of keep-alive connections by one asyncio loop (so the
    client spends little CPU of the machine it shares with the server); latency from the scheduled time."""

    def __init__(self, port: int, rate: float, seconds: float, connections: int = 64):
        self.port, self.rate, self.seconds, self.connections = port, rate, seconds, connections

    def run(self, bodies: list[tuple[bytes, str]]) -> tuple[list[float], dict[int, int]]:
        return asyncio.run(self._run(bodies))

    async def _run(self, bodies: list[tuple[bytes, str]]) -> tuple[list[float], dict[int, int]]:
        total = int(self.rate * self.seconds)
        run = time.time_ns()
        loop = asyncio.get_running_loop()
        start = loop.time() + 0.2
        slots: asyncio.Queue[tuple[float, bytes] | None] = asyncio.Queue()
        for n in range(total):
            body, identifier = bodies[n % len(bodies)]
            # Each request a body of its own (this run's too): the receiver takes the same body only once,
            # whatever identifier it comes with.
            body = body[:-1] + b', "n": "%d-%d"}' % (run, n)
            head = (f"POST /webhooks/jira HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                    f"Content-Length: {len(body)}\r\nX-Hub-Signature: {sign(SECRET, body)}\r\n"
                    f"X-Atlassian-Webhook-Identifier: {identifier}-{n}-{time.time_ns()}\r\n\r\n").encode()
            slots.put_nowait((start + n / self.rate, head + body))
        for _ in range(self.connections):
            slots.put_nowait(None)
        latencies: list[float] = []
        statuses: dict[int, int] = {}

        async def connect():
            """A connection, or None when the server refuses for 2 s (its requests then count as errors)."""
            for _ in range(40):
                try:
                    return await asyncio.open_connection("127.0.0.1", self.port)
                except OSError:  # the listen backlog is full for a moment
                    await asyncio.sleep(0.05)
            return None

        async def client() -> None:
            connection = await connect()
            retry_at = loop.time()
            while (slot := await slots.get()) is not None:
                due, request = slot
                delay = due - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                status = 0
                if connection is None and loop.time() >= retry_at:  # a server that is down: try once a second
                    connection = await connect()
                    retry_at = loop.time() + 1
                if connection is not None:
                    reader, writer = connection
                    try:
                        writer.write(request)
                        status_line = await reader.readline()
                        status = int(status_line.split()[1])
                        length = 0
                        while (line := await reader.readline()) not in (b"\r\n", b""):
                            if line.lower().startswith(b"content-length:"):
                                length = int(line.split(b":")[1])
                        await reader.readexactly(length)
                    except (OSError, ValueError, IndexError, asyncio.IncompleteReadError):
                        status = 0
                        writer.close()
                        connection = None
                latencies.append(loop.time() - due)
                statuses[status] = statuses.get(status, 0) + 1
            if connection is not None:
                connection[1].close()

        await asyncio.gather(*(client() for _ in range(self.connections)))
        return latencies, statuses


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def part_load(seconds: float, runs: int = 3, servers: tuple[str, ...] = SERVERS) -> None:
    print(f"open-loop load: {runs} runs of {seconds:g} s per server and rate, signed real payloads, SQLite store, "
          f"loopback; the median run's figures, then every run's p99")
    print(f"{'server':10} {'req/s':>6} {'sent':>6} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}  "
          f"{'p99 of each run':24} statuses")
    bodies = signed_bodies(400)
    for kind in servers:
        for rate in (200, 1000):
            results = []
            statuses: dict[int, int] = {}
            with tempfile.TemporaryDirectory() as tmp:
                config = write_config(Path(tmp), "http://127.0.0.1:9")
                port = free_port()
                server = start_server(kind, config, port)
                try:
                    OpenLoop(port, 100, 1).run(bodies)  # warm up
                    for _ in range(runs):
                        latencies, run_statuses = OpenLoop(port, rate, seconds).run(bodies)
                        results.append(latencies)
                        for code, n in run_statuses.items():
                            statuses[code] = statuses.get(code, 0) + n
                finally:
                    stop(server)
            results.sort(key=lambda values: percentile(values, 99))
            median = results[len(results) // 2]
            each = ", ".join(f"{1000 * percentile(r, 99):.0f}" for r in results)
            ok = all(code in (200, 202) for code in statuses)
            print(f"{kind:10} {rate:6d} {len(median):6d} {1000 * percentile(median, 50):8.1f} "
                  f"{1000 * percentile(median, 99):8.1f} {1000 * max(median):8.1f}  {each:24} "
                  f"{dict(sorted(statuses.items()))}{'' if ok else '  ERRORS'}")


def part_crash(events: int = 1000, kills: int = 3) -> None:
    from sqlalchemy import select

    from pmokit.store import inbox, open_store
    from pmokit.store.tables import AuditEvent, InboxEvent
    from tests.syncing import runtime_for, syncer

    with Sandbox.start(seed="demo") as sb, tempfile.TemporaryDirectory() as tmp:
        runtime = runtime_for(sb, Path(tmp) / "sync")
        syncer(runtime).full()
        store_url = runtime.settings.store.url
        # The events name issues pmokit has something to say about: each must end with exactly one comment.
        from datetime import UTC, datetime

        from report_jobs.sync.snapshot import load_facts
        from rules.engine import evaluate_settings

        facts = load_facts(runtime)
        flagged = {r.issue_key for r in evaluate_settings(runtime.settings, facts, datetime.now(UTC)).not_passing()
                   if r.failing and r.enforcement == "flag" and not r.in_grace and r.kind != "gate"}
        runtime.close()
        config = write_config(Path(tmp), sb.url, lease=5)
        config.write_text(config.read_text("utf-8").replace(f"sqlite:///{Path(tmp) / 'store.db'}", store_url), "utf-8")
        targets = [(str(i.id), i.key) for i in sb.state.live_issues() if i.key in flagged][:100]
        bodies = signed_bodies(events, targets)
        port = free_port()
        server = start_server("granian", config, port, workers=2)
        accepted: list[str] = []
        refused = 0
        kill_at = {int(events * (k + 1) / (kills + 1)) for k in range(kills)}
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        for n, (body, identifier) in enumerate(bodies):
            if n in kill_at:
                stop(server, signal.SIGKILL)  # the receiver processes and the workers, all at once
                server = start_server("granian", config, port, workers=2)
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            try:
                connection.request("POST", "/webhooks/jira", body, {
                    "Content-Type": "application/json", "X-Hub-Signature": sign(SECRET, body),
                    "X-Atlassian-Webhook-Identifier": identifier})
                response = connection.getresponse()
                response.read()
                if response.status == 202:
                    accepted.append(f"id:{identifier}")
                else:
                    refused += 1
            except (OSError, http.client.HTTPException):
                refused += 1
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        store = open_store(store_url, migrate=False)  # the server migrated it
        engine, sessions = store.engine, store.sessions
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            with sessions() as session:
                if inbox.counts(session)["pending"] == 0:
                    break
            time.sleep(0.5)
        print(f"  stopped with SIGTERM in {stop(server):.1f} s")
        with sessions() as session:
            rows = {e.dedupe_key: e for e in session.scalars(select(InboxEvent))}
            counts = inbox.counts(session)
            # The same action (kind and text) changing something twice on one issue: applied twice in effect.
            seen: dict[tuple[str, str, str], int] = {}
            for row in session.scalars(select(AuditEvent).where(AuditEvent.kind == "action")):
                detail = row.detail or {}
                key = (row.issue_key, str(detail.get("action")), str(detail.get("text")))
                seen[key] = seen.get(key, 0) + 1
            twice = {key: n for key, n in seen.items() if n > 1}
        lost = [k for k in accepted if k not in rows]
        unhandled = [k for k in accepted if k in rows and rows[k].status not in ("done", "dead")]
        dead_without_reason = [k for k, e in rows.items() if e.status == "dead" and not e.outcome]
        comments = {key: sum("[pmokit:" in str(c["body"]) for c in sb.state.issue(key).comments)
                    for _, key in targets}
        several = {k: n for k, n in comments.items() if n > 1}
        print(f"crash test: {events} events, {kills} SIGKILLs of `pmokit serve` (granian receiver + 2 workers), "
              f"restarted")
        print(f"  answered 202: {len(accepted)}, refused or cut off while down: {refused}")
        print(f"  of the 202s: lost {len(lost)}, not handled {len(unhandled)}; inbox done {counts['done']}, "
              f"dead {counts['dead']} (without reason {len(dead_without_reason)}), pending {counts['pending']}")
        print(f"  issues with more than one pmokit comment: {len(several)}; actions audited twice: "
              f"{len(twice)}; issues commented: {sum(1 for n in comments.values() if n == 1)} of {len(comments)}")
        ok = not (lost or unhandled or dead_without_reason or several or twice or counts["pending"])
        print(f"  {'PASS' if ok else 'FAIL'}")
        engine.dispose()
        if not ok:
            sys.exit(1)


def part_share(database_url: str, events: int = 1000, latency_ms: float = 500, lease: int = 5,
               deadline: float = 900, comment_timeouts: bool = False) -> None:
    import threading
    import uuid
    from collections import Counter
    from datetime import UTC, datetime

    import sqlalchemy as sa
    from sqlalchemy import select

    from config import load_settings
    from pmokit.runtime import Runtime, open_runtime
    from pmokit.store import inbox, resolve_url
    from pmokit.store.tables import AuditEvent
    from report_jobs.events.worker import Worker
    from report_jobs.sync.snapshot import load_facts
    from rules.engine import evaluate_settings
    from tests.syncing import syncer
    from webhooks.events import Event, classify

    handled: Counter[int] = Counter()  # per event, the handlings that got through to the end (an outcome given)

    class Counting(Worker):
        def _handle(self, *args, **kwargs):
            result = super()._handle(*args, **kwargs)
            handled.update((result[0] if isinstance(result, tuple) else result).keys())  # (outcomes, errors)
            return result

    admin_url = resolve_url(database_url)
    name = f"pmokit_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    store_url = sa.engine.make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        with Sandbox.start(seed="demo") as sb, tempfile.TemporaryDirectory() as tmp:
            def runtime_at(directory: Path) -> Runtime:
                directory.mkdir()
                text = sandbox_config(sb.url, store=store_url)
                if comment_timeouts:  # a client that gives up on Jira after 1 s
                    text = text.replace("  bot:\n", "  timeout_seconds: 1\n  bot:\n", 1)
                (directory / "pmokit.yaml").write_text(text, "utf-8")
                return open_runtime(load_settings([directory / "pmokit.yaml"]))

            runtimes = [runtime_at(Path(tmp) / part) for part in ("a", "b")]
            syncer(runtimes[0]).full()
            for runtime in runtimes:
                runtime.settings = runtime.settings.model_copy(update={
                    "webhooks": runtime.settings.webhooks.model_copy(update={"lease_seconds": lease})})
            facts = load_facts(runtimes[0])
            flagged = {r.issue_key for r in evaluate_settings(runtimes[0].settings, facts, datetime.now(UTC))
                       .not_passing() if r.failing and r.enforcement == "flag" and not r.in_grace
                       and r.kind != "gate"}
            targets = sorted((i for i in sb.state.live_issues() if i.key in flagged),
                             key=lambda i: (i.project_key, i.number))
            template = json.loads((FIXTURES[0].parent / "webhook-issue-updated-labels.json").read_text("utf-8"))
            with runtimes[0].sessions.begin() as session:
                for n in range(events):  # in bursts of ten events an issue, as edits come
                    issue = targets[(n // 10) % len(targets)]
                    template["issue"]["id"], template["issue"]["key"] = str(issue.id), issue.key
                    template["user"] = {"accountId": "557058:li.na"}
                    event = classify(template)
                    assert isinstance(event, Event)
                    inbox.enqueue(session, inbox.Incoming(f"share-{n}", event.webhook_event, event.issue_id,
                                                          event.issue_key, event.actor, event.triggers,
                                                          json.dumps(template)))
            # With comment_timeouts, every comment POST is applied, then answered after 1.5 s: the client gave up
            # on a comment that was made.
            sb.set_faults(latency_ms=latency_ms, after_applying=[
                {"match": "POST /rest/api/*/issue/*/comment", "answer": "late", "delay_ms": 1500, "count": 0}]
                if comment_timeouts else [])
            workers = [Counting(runtime) for runtime in runtimes]
            reports: list[list[object]] = [[], []]
            stop_event = threading.Event()

            seconds: list[float] = []  # each batch's, claim to marked

            def work(index: int) -> None:
                while not stop_event.is_set():
                    began = time.perf_counter()
                    report = workers[index].run_once()
                    reports[index].append(report)
                    if not report.claimed:
                        stop_event.wait(0.2)
                    else:
                        seconds.append(time.perf_counter() - began)

            threads = [threading.Thread(target=work, args=(i,)) for i in (0, 1)]
            started = time.perf_counter()
            for thread in threads:
                thread.start()
            while time.perf_counter() - started < deadline:
                with runtimes[0].sessions() as session:
                    counts = inbox.counts(session)
                if counts["pending"] == 0:
                    break
                time.sleep(0.5)
            elapsed = time.perf_counter() - started
            finished = counts["pending"] == 0
            stop_event.set()
            for thread in threads:
                thread.join()  # (the batches running at a deadline end first)
            load = " ".join(f"{x:.1f}" for x in os.getloadavg())
            with runtimes[0].sessions() as session:
                counts = inbox.counts(session)
            sb.set_faults()
            with runtimes[0].sessions() as session:
                audit = list(session.scalars(select(AuditEvent).where(AuditEvent.kind.in_(("action", "result")))))
            actions = Counter((a.issue_key, (a.detail or {}).get("action"), (a.detail or {}).get("text"))
                              for a in audit if a.kind == "action")
            results = Counter((a.issue_key, a.rule_id, a.state, a.summary) for a in audit if a.kind == "result")
            twice = sum(1 for n in handled.values() if n > 1)
            most = max(handled.values(), default=0)
            comments = {i.key: sum("[pmokit:" in str(c["body"]) for c in sb.state.issue(i.key).comments)
                        for i in targets}
            several = sum(1 for n in comments.values() if n > 1)
            per_worker = [sum(getattr(r, "done", 0) for r in rs) for rs in reports]
            abandoned = sum(getattr(r, "abandoned", 0) for rs in reports for r in rs)
            batches = [sum(1 for r in rs if getattr(r, "claimed", 0)) for rs in reports]
            timeouts = ("; comment POSTs applied, then answered after 1.5 s to a client that waits 1 s"
                        if comment_timeouts else "")
            print(f"two workers on one PostgreSQL inbox, Jira latency {latency_ms:g} ms a request{timeouts}, leases "
                  f"of {lease} s; {events} events over {len(targets)} issues pmokit comments on; "
                  f"{'all handled in' if finished else 'NOT all handled after'} {elapsed:.1f} s (load average at "
                  f"the end: {load})")
            ordered = sorted(seconds) or [0.0]
            print(f"  batches: {len(seconds)}, seconds each: median {ordered[len(ordered) // 2]:.1f}, max "
                  f"{ordered[-1]:.1f}; {sum(1 for x in seconds if x > lease)} took longer than a lease")
            print(f"  events: {events}; done {counts['done']}, dead letters {counts['dead']}, pending "
                  f"{counts['pending']}; done by each worker {per_worker[0]} / {per_worker[1]} in "
                  f"{batches[0]} / {batches[1]} batches")
            print(f"  events handled more than once: {twice} (at most {most} times); in effect (the audit): "
                  f"actions audited twice {sum(1 for n in actions.values() if n > 1)}, results audited twice "
                  f"{sum(1 for n in results.values() if n > 1)}")
            print(f"  issues with more than one pmokit comment: {several} (of {len(targets)}; "
                  f"{sum(1 for n in comments.values() if n == 1)} with exactly one)")
            print(f"  events let go after a lost lease: {abandoned}")
            ok = not (twice or several or counts["dead"] or counts["pending"])
            print(f"  {'PASS' if ok else 'FAIL'}")
            for runtime in runtimes:
                runtime.close()
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=["load", "e2e", "crash", "share", "all"], default="all")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--servers", default=",".join(SERVERS), help="load: which servers, comma-separated")
    parser.add_argument("--database-url", default=os.environ.get("PMOKIT_TEST_DATABASE_URL", ""),
                        help="share: a PostgreSQL server (a database of its own is created and dropped)")
    parser.add_argument("--latency-ms", type=float, default=500.0, help="share: Jira's latency per request")
    parser.add_argument("--e2e-latency-ms", type=float, default=30.0, help="e2e: Jira's latency per request")
    parser.add_argument("--e2e-variants", default="2x1,2x4",
                        help="e2e: WORKERSxWRITES_IN_FLIGHT, comma-separated (2x1: two workers, one write at a time)")
    parser.add_argument("--deadline", type=float, default=900.0, help="share: seconds before giving up waiting")
    parser.add_argument("--comment-timeouts", action="store_true",
                        help="share: comment POSTs applied after the client timed out (1.5 s against 1 s)")
    parser.add_argument("--events", type=int, default=1000, help="share: events put into the inbox")
    args = parser.parse_args()
    if args.part in ("load", "all"):
        part_load(args.seconds, servers=tuple(args.servers.split(",")))
    if args.part in ("e2e", "all"):
        from benchmarks.webhooks_e2e import part_e2e

        variants = [tuple(int(n) for n in v.split("x")) for v in args.e2e_variants.split(",")]
        part_e2e(args.e2e_latency_ms, variants, SECRET, write_config)
    if args.part in ("crash", "all"):
        part_crash()
    if args.part == "share":
        if not args.database_url:
            parser.error("--part share needs --database-url (or $PMOKIT_TEST_DATABASE_URL): a PostgreSQL server")
        part_share(args.database_url, args.events, args.latency_ms, deadline=args.deadline,
                   comment_timeouts=args.comment_timeouts)


if __name__ == "__main__":
    main()
