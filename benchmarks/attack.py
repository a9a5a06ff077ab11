"""Attacks on a running pmokit, and what they cost legitimate traffic.

Run: python benchmarks/attack.py [--seconds 10] [--runs 3] [--rate 200] [--slow 200] [--servers granian,waitress]
                                 [--database-url postgresql://…]

For each server, `pmokit serve` (no workers) on a SQLite store takes signed real Jira payloads open-loop at
--rate requests/s, --runs runs of --seconds, first alone (the baseline), then during each attack:
  slow-body   --slow connections announce a 1,000-byte body, send 5 bytes, and hold (reopened when cut off)
  flood       100 hostile requests/s: lone surrogates, ids no Jira has, chunked bodies over 1 MiB, garbage,
              wrong signatures, gzip
For each: the legitimate requests by status, their p50/p99 (from each request's scheduled time, so a stall
also counts for the requests queued behind it; target p99 < 50 ms at 200/s), the attack's requests by status,
and the receiver processes' memory (RSS) before and after.
Then the configuration bombs through `pmokit config validate` (time, peak memory, the one line it prints), and
one NUL byte through `pmokit sync --full` on SQLite (and PostgreSQL with --database-url or
$PMOKIT_TEST_DATABASE_URL).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gzip
import json
import multiprocessing
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from benchmarks.webhooks import (
    BIN,
    SECRET,
    OpenLoop,
    free_port,
    percentile,
    signed_bodies,
    start_server,
    stop,
    write_config,
)
from webhooks.signature import sign

ROOT = Path(__file__).resolve().parent.parent


def rss_mb(root_pid: int) -> float:
    """Resident memory of a process and all its descendants, in MB (from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            with contextlib.suppress(OSError, IndexError, ValueError):
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
                children.setdefault(ppid, []).append(int(entry.name))
    total, stack = 0, [root_pid]
    while stack:
        pid = stack.pop()
        stack.extend(children.get(pid, []))
        with contextlib.suppress(OSError, ValueError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return total / 1024


class SlowBodies:
    """``count`` connections that announce a body and send 5 bytes of it, each reopened when the server cuts it."""

    def __init__(self, port: int, count: int):
        self.port, self.count = port, count
        self.stopping = threading.Event()
        self.statuses: dict[str, int] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> SlowBodies:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(30)

    def _run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        await asyncio.gather(*(self._one() for _ in range(self.count)))

    async def _one(self) -> None:
        while not self.stopping.is_set():
            try:
                reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
            except OSError:
                self._count("refused")
                await asyncio.sleep(0.1)
                continue
            writer.write(b"POST /webhooks/jira HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                         b"Content-Length: 1000\r\n\r\n{\"web")
            try:
                while not self.stopping.is_set():
                    try:
                        line = await asyncio.wait_for(reader.readline(), 0.5)
                    except TimeoutError:
                        continue
                    self._count(line.split()[1].decode() if line.startswith(b"HTTP/") else "closed")
                    break
            except (OSError, IndexError):
                self._count("closed")
            finally:
                writer.close()

    def _count(self, what: str) -> None:
        self.statuses[what] = self.statuses.get(what, 0) + 1


class Flood:
    """Hostile requests at ``rate`` per second from a thread: each kind the receiver must refuse cleanly."""

    def __init__(self, port: int, rate: float):
        self.port, self.rate = port, rate
        self.stopping = threading.Event()
        self.statuses: dict[str, int] = {}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.random = random.Random(1)
        base = json.loads((ROOT / "tests" / "fixtures" / "jira-webhooks" / "mattermost-plugin-jira"
                           / "webhook-issue-updated-labels.json").read_text("utf-8"))
        self.base = base

    def __enter__(self) -> Flood:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        self.thread.join(30)

    def _body(self) -> tuple[str, bytes, dict[str, str], bool]:
        kind = self.random.choice(["surrogate", "id", "key", "chunked-huge", "garbage", "unsigned", "gzip"])
        payload = json.loads(json.dumps(self.base))
        payload["timestamp"] = int(time.time() * 1000)
        payload["n"] = uuid.uuid4().hex
        body = json.dumps(payload).encode()
        chunked = False
        if kind == "surrogate":
            body = body.replace(b'"key": "', b'"key": "\\ud800', 1)
        elif kind == "id":
            payload["issue"]["id"] = self.random.choice(["1" * 40, "\u0661\u0662", "-1", "1e3"])
            body = json.dumps(payload).encode()
        elif kind == "key":
            payload["issue"]["key"] = self.random.choice(["A" * 70_000, "SHOP 1", "\uff33-1"])
            body = json.dumps(payload).encode()
        elif kind == "chunked-huge":
            body = body[:-1] + b', "pad": "' + b"x" * (1024 * 1024 + 100) + b'"}'
            chunked = True
        elif kind == "garbage":
            body = bytes(self.random.getrandbits(8) for _ in range(300))
        elif kind == "gzip":
            body = gzip.compress(body)
        headers = {"Content-Type": "application/json"}
        if kind != "unsigned":
            headers["X-Hub-Signature"] = sign(SECRET, body)
        return kind, body, headers, chunked

    def _run(self) -> None:
        import requests

        session = requests.Session()
        interval = 1 / self.rate
        next_at = time.monotonic()
        while not self.stopping.is_set():
            kind, body, headers, chunked = self._body()
            data = (body[i:i + 65536] for i in range(0, len(body), 65536)) if chunked else body
            try:
                status = str(session.post(f"http://127.0.0.1:{self.port}/webhooks/jira", data=data,
                                          headers=headers, timeout=10).status_code)
            except requests.RequestException:
                status = "error"
                session = requests.Session()
            key = f"{kind}:{status}"
            self.statuses[key] = self.statuses.get(key, 0) + 1
            next_at += interval
            time.sleep(max(0.0, next_at - time.monotonic()))


def _attack(kind: str, port: int, amount: float, stop: Any, results: Any) -> None:
    tool = SlowBodies(port, int(amount)) if kind == "slow-body" else Flood(port, amount)
    with tool:
        stop.wait()
    results.put(dict(tool.statuses))


class Attacker:
    """An attack in a process of its own (in a thread it would share the load generator's interpreter lock,
    and slow the measurement rather than the server)."""

    def __init__(self, kind: str, port: int, amount: float):
        context = multiprocessing.get_context("spawn")
        self.stop, self.results = context.Event(), context.Queue()
        self.process = context.Process(target=_attack, args=(kind, port, amount, self.stop, self.results),
                                       daemon=True)
        self.statuses: dict[str, int] = {}

    def __enter__(self) -> Attacker:
        self.process.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.statuses = self.results.get(timeout=60)
        self.process.join(30)


def legit(port: int, rate: float, seconds: float) -> tuple[list[float], dict[int, int]]:
    return OpenLoop(port, rate, seconds).run(signed_bodies(400))


def part_receiver(servers: list[str], seconds: float, rate: float, slow: int, runs: int) -> None:
    print(f"receiver: legitimate signed events at {rate:g}/s, {runs} runs of {seconds:g} s alone and during each "
          f"attack: the median run's p50, p99 and max, every run's p99 (target p99 < 50 ms); receiver RSS before "
          f"and after")
    print(f"{'server':9} {'attack':10} {'p50 ms':>7} {'p99 ms':>7} {'p99 each':>12} {'max ms':>8}  "
          f"{'legitimate':14} {'RSS MB':13} attack requests")
    for server in servers:
        with tempfile.TemporaryDirectory() as tmp:
            config = write_config(Path(tmp), "http://127.0.0.1:9", workers=0)
            port = free_port()
            process = start_server(server, config, port)
            try:
                legit(port, 100, 1)  # warm up
                for attack in ("none", "slow-body", "flood"):
                    before = rss_mb(process.pid)
                    tool: contextlib.AbstractContextManager = contextlib.nullcontext()
                    if attack == "slow-body":
                        tool = Attacker("slow-body", port, slow)
                    elif attack == "flood":
                        tool = Attacker("flood", port, 100)
                    runs_seen: list[list[float]] = []
                    statuses: dict[int, int] = {}
                    with tool as running:
                        if attack != "none":
                            time.sleep(1.0)  # the attack in place before the measured traffic starts
                        for _ in range(runs):
                            latencies, run_statuses = legit(port, rate, seconds)
                            runs_seen.append(latencies)
                            for code, count in run_statuses.items():
                                statuses[code] = statuses.get(code, 0) + count
                    after = rss_mb(process.pid)
                    runs_seen.sort(key=lambda values: percentile(values, 99))
                    median = runs_seen[len(runs_seen) // 2]
                    each = "/".join(f"{1000 * percentile(r, 99):.0f}" for r in runs_seen)
                    shown = dict(sorted(getattr(running, "statuses", {}).items())) if attack != "none" else "-"
                    print(f"{server:9} {attack:10} {1000 * percentile(median, 50):7.1f} "
                          f"{1000 * percentile(median, 99):7.1f} {each:>12} {1000 * max(median):8.1f}  "
                          f"{dict(sorted(statuses.items()))!s:14} {before:5.0f} → {after:<5.0f} {shown}")
            finally:
                stop(process)


BOMBS = {
    "billion laughs": "".join(f"{n}: &{n} [{', '.join([f'*{p}'] * 9) if p else ', '.join(['lol'] * 9)}]\n"
                              for p, n in zip(["", *"abcdefgh"], "abcdefghi", strict=True)),
    "merge bomb": "a0: &a0 {k: 1}\n" + "".join(f"a{i}: &a{i} {{<<: [*a{i - 1}, *a{i - 1}]}}\n" for i in range(1, 40)),
    "self-reference": "x: &a [*a]\n",
    "deep nesting": "a: " + "[" * 50_000 + "]" * 50_000 + "\n",
    "include /etc/shadow": 'include: ["/etc/shadow"]\n',
    "include /dev/zero": 'include: ["/dev/zero"]\n',
    "42 MB file": None,
}


def part_config() -> None:
    print("\nconfiguration bombs: `pmokit config validate` in a process of its own (memory capped at 2 GB)")
    print(f"{'document':22} {'exit':>4} {'s':>6} {'peak MB':>8}  first line")
    for name, text in BOMBS.items():
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "pmokit.yaml"
            if text is None:
                with path.open("w", encoding="utf-8") as handle:
                    for index in range(700_000):
                        handle.write(f"k{index}: {'x' * 50}\n")
            else:
                path.write_text(text, encoding="utf-8")
            env = os.environ | ({"PMOKIT_CONFIG_ALLOW": "/dev"} if "dev/zero" in name else {})
            script = ("import resource,subprocess,sys\n"
                      "resource.setrlimit(resource.RLIMIT_AS,(2<<30,2<<30))\n"
                      "p=subprocess.run(sys.argv[1:],capture_output=True,text=True)\n"
                      "print(p.returncode);print((p.stdout+p.stderr).splitlines()[0] if p.stdout+p.stderr else '')\n"
                      "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n")
            started = time.monotonic()
            done = subprocess.run([sys.executable, "-c", script, str(BIN / "pmokit"), "--config", str(path),
                                   "config", "validate"], capture_output=True, text=True, env=env, timeout=600)
            took = time.monotonic() - started
            code, first, peak = [*done.stdout.splitlines(), "", "", "0"][:3]
            first = first.replace(str(path.parent) + "/", "")
            print(f"{name:22} {code:>4} {took:6.2f} {int(peak) / 1024:8.0f}  {first[:110]}")


def part_nul(database_url: str | None) -> None:
    from sandbox import Sandbox
    from tests.serving import write_config as serving_config

    print("\none NUL byte (and a BEL, an ANSI escape) in one summary, through `pmokit sync --full`")
    stores = ["sqlite"] + (["postgresql"] if database_url else [])
    for store in stores:
        with tempfile.TemporaryDirectory() as tmp, Sandbox.start(seed="demo") as sb:
            url = f"sqlite:///{Path(tmp) / 'store.db'}"
            name = None
            if store == "postgresql":
                import sqlalchemy as sa

                name = f"pmokit_attack_{uuid.uuid4().hex[:8]}"
                admin = sa.create_engine(database_url.replace("postgresql://", "postgresql+psycopg://", 1),
                                         isolation_level="AUTOCOMMIT")
                with admin.connect() as conn:
                    conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
                url = sa.engine.make_url(database_url).set(database=name).render_as_string(hide_password=False)
            try:
                sb.session().put(f"{sb.url}/rest/api/2/issue/SHOP-2",
                                 json={"fields": {"summary": "Payment\u0000 gateway\u0007\u001b[31m"}}, timeout=10)
                config = serving_config(Path(tmp), jira_url=sb.url, store=url)
                started = time.monotonic()
                done = subprocess.run([str(BIN / "pmokit"), "--config", str(config), "sync", "--full"],
                                      capture_output=True, text=True, timeout=600)
                print(f"  {store:10} exit {done.returncode} in {time.monotonic() - started:5.1f} s: "
                      f"{(done.stdout.strip().splitlines() or [''])[0][:100]}")
            finally:
                if name is not None:
                    with admin.connect() as conn:
                        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                    admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--slow", type=int, default=200)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--servers", default="granian,waitress")
    parser.add_argument("--database-url", default=os.environ.get("PMOKIT_TEST_DATABASE_URL"))
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    part_receiver(args.servers.split(","), args.seconds, args.rate, args.slow, args.runs)
    part_config()
    part_nul(args.database_url)
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
