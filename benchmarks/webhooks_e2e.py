"""End to end, each party a process of its own: the sandbox (`pmokit sandbox serve`), pmokit (`pmokit serve`:
granian receiving, the workers in the main process, as in production) and the team (this process, eight
people sending their edits at once). On one machine the three share its cores, but no interpreter: the sandbox's
work (answering, delivering webhooks) no longer holds pmokit's GIL, so the figure is pmokit's.

Four rounds over the demo's open milestones and risks: due dates moved into the past and impact cleared (on
issues pmokit has not looked at yet), then put right, broken again, put right again. Team edits and the events
pmokit's own writes echo back are counted apart, and pmokit's requests per edit."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import requests

from tests.serving import free_port

ROOT = Path(__file__).resolve().parent.parent
ADMIN = ("admin@example.com", "sandbox")
TEAM = ("li.na@example.com", "sandbox-li.na")
WARM_LINE = "worker warmed up"


def _wait(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(requests.RequestException):
            if requests.get(url, timeout=2).status_code < 500:
                return
        time.sleep(0.1)
    raise SystemExit(f"nothing answers at {url}")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class Run:
    """One sandbox, one store synced from it, one `pmokit serve` with ``workers`` and ``in_flight``."""

    def __init__(self, directory: Path, *, workers: int, in_flight: int, secret: str, write_config: Any):
        self.directory, self.workers, self.in_flight = directory, workers, in_flight
        env = {**os.environ, "PMOKIT_CONFIG": ""}
        sandbox_port, self.serve_port = free_port(), free_port()
        self.sandbox_url = f"http://127.0.0.1:{sandbox_port}"
        self.sandbox = subprocess.Popen(
            [sys.executable, "-m", "pmokit", "sandbox", "serve", "--seed", "demo", "--port", str(sandbox_port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=(directory / "sandbox.err").open("w"))
        self.serve: subprocess.Popen | None = None
        _wait(f"{self.sandbox_url}/_sandbox/stats")
        self.config = write_config(directory, self.sandbox_url, workers=workers)
        with self.config.open("a", encoding="utf-8") as config:
            config.write(f"enforcement:\n  writes_in_flight: {in_flight}\n")
        subprocess.run([sys.executable, "-m", "pmokit", "--config", str(self.config), "sync", "--full"],
                       cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)
        self.serve_log = directory / "serve.err"
        self.serve = subprocess.Popen(
            [sys.executable, "-m", "pmokit", "-v", "--config", str(self.config), "serve",
             "--bind", f"127.0.0.1:{self.serve_port}", "--workers", str(workers), "--no-schedule"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=self.serve_log.open("w"))
        _wait(f"http://127.0.0.1:{self.serve_port}/healthz")
        self.admin = requests.Session()
        self.admin.auth = ADMIN
        self.team = requests.Session()
        self.team.auth = TEAM
        self.team.mount("http://", requests.adapters.HTTPAdapter(pool_connections=8, pool_maxsize=8))
        hook = {"name": "pmokit", "url": f"http://127.0.0.1:{self.serve_port}/webhooks/jira", "secret": secret,
                "events": ["jira:issue_updated", "comment_created"]}
        self.admin.post(f"{self.sandbox_url}/rest/webhooks/1.0/webhook", json=hook).raise_for_status()
        from pmokit.store import open_store

        self.store = open_store(f"sqlite:///{directory / 'store.db'}", directory)

    def close(self) -> None:
        for process in (self.serve, self.sandbox):
            if process is not None:
                _stop(process)
        if getattr(self, "store", None) is not None:
            self.store.engine.dispose()

    def wait_warm(self, timeout: float = 120.0) -> float:
        """Until every worker has logged its warm-up (the store's facts read, once per start)."""
        started = time.perf_counter()
        while self.serve_log.read_text(errors="replace").count(WARM_LINE) < self.workers:
            if time.perf_counter() - started > timeout:
                raise SystemExit("the workers did not warm up: " + self.serve_log.read_text()[-2000:])
            time.sleep(0.05)
        return time.perf_counter() - started

    def targets(self) -> tuple[list, list]:
        """Breaking and mending edits: the open milestones' due dates and the open risks' impact."""
        fields = self.admin.get(f"{self.sandbox_url}/rest/api/2/field").json()
        impact = next(f["id"] for f in fields if f["name"] == "Risk Impact")
        issues: list[dict] = []
        token = None
        while True:
            params = {"jql": 'issuetype in (Milestone, Risk) AND statusCategory != Done ORDER BY key',
                      "fields": f"issuetype,duedate,{impact}", "maxResults": 100}
            if token:
                params["nextPageToken"] = token
            page = self.admin.get(f"{self.sandbox_url}/rest/api/3/search/jql", params=params)
            page.raise_for_status()
            body = page.json()
            issues += body["issues"]
            token = body.get("nextPageToken")
            if not token:
                break
        targets = [(i["key"], "duedate" if i["fields"]["issuetype"]["name"] == "Milestone" else impact,
                    i["fields"]) for i in issues]
        breaking = [(key, {"fields": {field: "2020-01-01" if field == "duedate" else None}})
                    for key, field, _ in targets]
        mending = [(key, {"fields": {field: fields.get(field)}}) for key, field, fields in targets]
        return breaking, mending

    def counts(self) -> tuple[dict[str, int], int]:
        from sqlalchemy import func, select

        from pmokit.store import inbox
        from pmokit.store.tables import InboxEvent
        from sandbox import BOT_ACCOUNT_ID

        with self.store.sessions() as session:
            echoes = session.scalar(select(func.count()).select_from(InboxEvent)
                                    .where(InboxEvent.actor == BOT_ACCOUNT_ID))
            return inbox.counts(session), int(echoes or 0)

    def round(self, name: str, edits: list, latency_ms: float) -> dict[str, Any]:
        done_before, echoes_before = self.counts()
        self.admin.post(f"{self.sandbox_url}/_sandbox/reset-stats").raise_for_status()
        started = time.perf_counter()
        with ThreadPoolExecutor(8) as people:
            for answer in people.map(
                    lambda edit: self.team.put(f"{self.sandbox_url}/rest/api/2/issue/{edit[0]}", json=edit[1]),
                    edits):
                answer.raise_for_status()
        sent = time.perf_counter() - started
        while True:  # until the sandbox has delivered everything and the inbox has nothing pending
            flushed = self.admin.post(f"{self.sandbox_url}/_sandbox/flush-webhooks", params={"timeout": 0.2})
            if flushed.json().get("flushed") and self.counts()[0]["pending"] == 0:
                break
            time.sleep(0.02)
        elapsed = time.perf_counter() - started
        counts, echoes = self.counts()
        stats = self.admin.get(f"{self.sandbox_url}/_sandbox/stats").json()
        events = counts["done"] - done_before["done"]
        echoes -= echoes_before
        requests_ = stats["requests_total"] - len(edits)  # the team's PUTs are counted by the sandbox too
        return {"name": name, "edits": len(edits), "sent": sent, "elapsed": elapsed, "events": events,
                "echoes": echoes, "requests": requests_, "dead": counts["dead"], "latency_ms": latency_ms,
                "routes": stats["requests"]}


def report(result: dict[str, Any]) -> None:
    edits, elapsed, events, echoes = result["edits"], result["elapsed"], result["events"], result["echoes"]
    team = events - echoes
    print(f"  {result['name']}: {edits} team edits sent in {result['sent']:.1f} s; all handled in {elapsed:.1f} s: "
          f"**{edits / elapsed:.1f} team edits/s**; events: {team} of the team's ({team / elapsed:.1f}/s) and "
          f"{echoes} echoes of pmokit's own writes ({events / elapsed:.1f} events/s in all); pmokit's requests "
          f"to Jira: {result['requests']} ({result['requests'] / edits:.2f} per edit), dead {result['dead']}")


def part_e2e(latency_ms: float, variants: list[tuple[int, int]], secret: str, write_config: Any) -> None:
    print(f"end to end at {latency_ms:g} ms Jira latency: the sandbox, `pmokit serve` and the team each a process "
          f"of its own (load average at the start: {' '.join(f'{x:.2f}' for x in os.getloadavg())})")
    for workers, in_flight in variants:
        with tempfile.TemporaryDirectory() as tmp:
            run = Run(Path(tmp), workers=workers, in_flight=in_flight, secret=secret, write_config=write_config)
            try:
                warm = run.wait_warm()
                breaking, mending = run.targets()
                run.admin.post(f"{run.sandbox_url}/_sandbox/faults", json={"latency_ms": latency_ms})
                what = "one write at a time" if in_flight == 1 else f"up to {in_flight} writes in flight"
                print(f"{workers} workers, {what} (workers warmed up in {warm:.1f} s after the server answered):")
                for name, edits in (("first edits (pmokit reads each issue's comments once)", breaking),
                                    ("the team puts them right (pmokit knows its comments)", mending),
                                    ("and breaks them again", breaking),
                                    ("and puts them right again", mending)):
                    report(run.round(name, edits, latency_ms))
            finally:
                run.close()
