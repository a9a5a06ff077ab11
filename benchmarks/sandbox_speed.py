"""How fast the sandbox answers with no faults set: it must never be the bottleneck of a benchmark.

Run: python benchmarks/sandbox_speed.py [--requests N]
Prints requests per second and latency percentiles over one keep-alive connection, for a small read, an
id-only search page of 5,000 issues, a 100-issue page with every field, and a comment write; and what the
storage-format check costs on the largest real Confluence page of the fixtures (every page write pays it).
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import date
from pathlib import Path

from sandbox import Sandbox
from sandbox.storage_check import check

PAGES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "confluence-pages" / "querypie-docs"

COMMENT = {"type": "doc", "version": 1,
           "content": [{"type": "paragraph", "content": [{"type": "text", "text": "benchmark"}]}]}


def measure(session, method: str, url: str, count: int, **kwargs) -> tuple[float, float, float]:
    timings = []
    for _ in range(count):
        started = time.perf_counter()
        response = session.request(method, url, **kwargs)
        timings.append(time.perf_counter() - started)
        response.raise_for_status()
    timings.sort()
    return count / sum(timings), statistics.median(timings) * 1000, timings[int(len(timings) * 0.99) - 1] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--issues", type=int, default=10_000)
    args = parser.parse_args()
    with Sandbox.start(seed="demo", issues=args.issues, anchor=date(2026, 11, 20)) as sb:
        session = sb.session()
        api = f"{sb.url}/rest/api/3"
        cases = [
            ("GET serverInfo", "GET", f"{api}/serverInfo", args.requests, {}),
            ("GET issue (all fields)", "GET", f"{api}/issue/SHOP-10", args.requests, {}),
            ("POST search/jql, 5000 ids", "POST", f"{api}/search/jql", max(args.requests // 20, 10),
             {"json": {"jql": "project in (SHOP, MOB, SRCH, CMS, WMS, OMS)", "maxResults": 5000}}),
            ("POST search/jql, 100 x *all", "POST", f"{api}/search/jql", max(args.requests // 10, 10),
             {"json": {"jql": "project = SHOP", "fields": ["*all"], "maxResults": 100}}),
            ("POST comment", "POST", f"{api}/issue/SHOP-11/comment", args.requests, {"json": {"body": COMMENT}}),
        ]
        print(f"sandbox with {len(sb.state.live_issues())} issues, one keep-alive connection")
        print(f"{'request':32} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
        for name, method, url, count, kwargs in cases:
            rate, p50, p99 = measure(session, method, url, count, **kwargs)
            print(f"{name:32} {rate:8.0f} {p50:8.2f} {p99:8.2f}")
    body = max((p.read_text(encoding="utf-8") for p in PAGES.rglob("page.xhtml")), key=len)
    timings = []
    for _ in range(args.requests):
        started = time.perf_counter()
        assert check(body) is None
        timings.append(time.perf_counter() - started)
    timings.sort()
    print(f"storage-format check of a {len(body.encode()) / 1024:.0f} KB page: median "
          f"{statistics.median(timings) * 1000:.2f} ms, p99 {timings[int(len(timings) * 0.99) - 1] * 1000:.2f} ms")


if __name__ == "__main__":
    main()
