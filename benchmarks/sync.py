"""Full sync against the sandbox, side by side with two common patterns, and the sync targets.

Run: python benchmarks/sync.py [--sizes 2000,10000] [--latency-ms 30]

The sandbox holds N issues, 10% with 150 changelog histories and the rest with 8, and adds a fixed latency to
every request. For each size, in one run:
  * pmokit's full sync (ids, bulk issues, bulk changelogs where an inline changelog was cut),
  * the jira-agile-metrics pattern: jira.search_issues(jql, expand="changelog", maxResults=False),
  * atlassian-python-api: enhanced_jql_get_list_of_tickets, then get_issue_changelog per issue.
It prints requests, issues, histories fetched / present and wall time, then pmokit's incremental, reconcile,
rate-limit and publishing figures against their targets.

With --replay, the sandbox only answers once: pmokit's full sync is recorded through a proxy
(benchmarks/replay.py), then `pmokit sync --full` runs as its own process against the recording replayed with
the latency and no server work, once with one request in flight (jira.reads_in_flight: 1, the serial
pipeline) and once with the default, side by side; it prints wall time, CPU time and peak memory of that
process against the targets (10,000 issues <= 8 s, 100,000 <= 80 s and <= 700 MB).
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import time
import warnings
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from atlassian import Jira
from jira import JIRA

from benchmarks.measure import config_for, pmokit
from benchmarks.replay import Recorder, Replayer
from config import load_settings
from connector.publisher import AttachmentSpec, PageSpec
from pmokit.runtime import open_runtime
from pmokit.store import issues as store_issues
from sandbox import Sandbox
from sandbox.histories import all_histories
from sandbox.seed import SeedOptions
from sandbox.server import BOT_EMAIL, BOT_TOKEN
from tests.syncing import ideal_cloud_plan, kept, runtime_for, syncer

ANCHOR = date(2026, 11, 20)
JQL = "project in (SHOP, MOB, SRCH, CMS, WMS, OMS, LOG, RET, PAY, RISK, FIN, LOY)"


def seed(n: int) -> SeedOptions:
    return SeedOptions(issues=n, long_history_share=0.1, long_history=(150, 150), short_history=(8, 8), anchor=ANCHOR)


def present(sb: Sandbox) -> int:
    return sum(len(all_histories(sb.state, i)) for i in sb.state.live_issues())


def kept_histories(sb: Sandbox) -> int:
    """Histories the store keeps: those with an item of a field pmokit reads (docs/sync.md)."""
    return sum(kept(sb).values())


def run_pmokit(sb: Sandbox, workdir: Path) -> dict:
    runtime = runtime_for(sb, workdir)
    sb.reset_stats()
    started = time.perf_counter()
    summary = syncer(runtime).full()
    seconds = time.perf_counter() - started
    with runtime.sessions() as session:
        issues, _ = store_issues.counts(session)
    runtime.close()
    # Histories fetched, as the other clients count theirs (the store keeps those of the fields pmokit reads).
    return {"requests": sb.stats()["requests_total"], "issues": issues, "histories": summary.histories,
            "seconds": seconds, "summary": summary}


def run_agile_metrics(sb: Sandbox) -> dict:
    client = JIRA(server=sb.url, basic_auth=(BOT_EMAIL, BOT_TOKEN), max_retries=0,
                  options={"check_update": False})
    sb.reset_stats()
    started = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        issues = client.search_issues(JQL, expand="changelog", maxResults=False)
    seconds = time.perf_counter() - started
    histories = sum(len(i.changelog.histories) for i in issues)
    return {"requests": sb.stats()["requests_total"], "issues": len(issues), "histories": histories,
            "seconds": seconds}


def run_atlassian_per_issue(sb: Sandbox) -> dict:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        client = Jira(url=sb.url, username=BOT_EMAIL, password=BOT_TOKEN, cloud=True)
    sb.reset_stats()
    started = time.perf_counter()
    issues = client.enhanced_jql_get_list_of_tickets(JQL, fields="*all")
    histories = 0
    for issue in issues:
        histories += len(client.get_issue_changelog(issue["key"]).get("values") or [])
    seconds = time.perf_counter() - started
    return {"requests": sb.stats()["requests_total"], "issues": len(issues), "histories": histories,
            "seconds": seconds}


def table(n: int, latency: float, rows: dict[str, dict], truth_issues: int, truth_histories: int) -> None:
    print(f"\nN = {n} issues ({truth_histories} histories), {latency:g} ms latency per request")
    print(f"{'client':46} {'requests':>9} {'issues':>8} {'histories fetched/present':>27} {'complete':>9} {'s':>8}")
    for name, row in rows.items():
        complete = min(row["issues"] / truth_issues, row["histories"] / truth_histories)
        print(f"{name:46} {row['requests']:9d} {row['issues']:8d} {row['histories']:>13d}/{truth_histories:<13d}"
              f" {complete:9.3f} {row['seconds']:8.1f}")


def targets(sb: Sandbox, workdir: Path, pmokit: dict, n: int, per_issue_requests: int | None) -> None:
    ideal = ideal_cloud_plan(sb)
    print(f"  full sync: {pmokit['requests']} requests, ideal plan {ideal} "
          f"(×{pmokit['requests'] / ideal:.3f}; target ≤ ×1.05)")
    if per_issue_requests:
        print(f"  per-issue changelog fetching: {per_issue_requests} requests, "
              f"{per_issue_requests / pmokit['requests']:.0f}× more than pmokit (target ≥ 50× at 10,000)")
    runtime = runtime_for(sb, workdir)
    job = syncer(runtime)
    sb.reset_stats()
    job.incremental()
    quiet = sb.stats()["requests_total"]
    print(f"  incremental, nothing changed: {quiet} requests (target ≤ 3)")
    for changed in (10, 250):
        session = sb.session()
        for issue in list(sb.state.live_issues())[:changed]:
            session.put(f"{sb.url}/rest/api/2/issue/{issue.key}", json={"update": {"labels": [{"add": f"c{changed}"}]}})
        sb.reset_stats()
        job.incremental()
        limit = 3 + math.ceil(changed / 100) + math.ceil(changed / 1000)
        print(f"  incremental, {changed} changed: {sb.stats()['requests_total']} requests (target ≤ {limit})")
    session = sb.session()
    for issue in list(sb.state.live_issues())[10:15]:
        session.delete(f"{sb.url}/rest/api/2/issue/{issue.key}")
    sb.reset_stats()
    summary = job.reconcile()
    live = len(sb.state.live_issues())
    print(f"  deletion reconcile: {sb.stats()['requests_total']} requests, {summary.deleted} removed "
          f"(target ≤ {math.ceil(live / 5000) + 1})")
    runtime.close()


def rate_limited(latency: float, workdir: Path) -> None:
    print("\nunder a sandbox rate limit of 5 requests/s (burst 5, Retry-After in seconds), N = 2000")
    with Sandbox.start(seed="demo", seed_options=seed(2000), latency_ms=latency) as sb:
        for label, rps in (("pmokit, no pacing", None), ("pmokit, pacing 5/s", 5.0)):
            sb.set_faults(latency_ms=latency, rate_limits=[{"match": "*", "rate": 5, "burst": 5}])
            sb.reset_stats()
            runtime = runtime_for(sb, workdir / label.replace(" ", "-").replace(",", "").replace("/", ""), rps=rps)
            started = time.perf_counter()
            syncer(runtime).full()
            seconds = time.perf_counter() - started
            stats = sb.stats()
            accounting = runtime.jira_transport.accounting.snapshot()
            told = sum(math.ceil(s) for s in stats["retry_after_seconds"])
            waited = accounting["retry_after_seconds"]
            ratio = f"{waited / told:.3f}" if told else "n/a"
            print(f"  {label:20}: {stats['requests_total']} requests, {stats['throttled_429']} 429s, "
                  f"{stats['early_requests']} sent before Retry-After allowed (target 0), waited {waited:.1f}s for "
                  f"Retry-After totalling {told}s (×{ratio}; target ≤ ×1.1), {seconds:.1f}s in all")
            runtime.close()


def publishing(workdir: Path) -> None:
    with Sandbox.start(seed="demo", issues=200, anchor=ANCHOR) as sb:
        runtime = runtime_for(sb, workdir)
        pages = [PageSpec("portfolio", "Portfolio", "<p>portfolio</p>", labels=("pmokit",),
                          attachments=(AttachmentSpec("rag.png", b"\x89PNG rag"),))]
        pages += [PageSpec(f"project/{k}", f"{k} status", f"<p>{k}</p>", parent_key="portfolio",
                           attachments=(AttachmentSpec("burnup.png", f"png {k}".encode()),))
                  for k in ("SHOP", "MOB", "SRCH", "CMS", "WMS", "OMS", "LOG", "RET", "PAY", "RISK", "FIN", "LOY")]
        runtime.publisher.publish(pages)
        first = sb.stats()["writes_total"]
        sb.reset_stats()
        runtime.publisher.publish(pages)
        second = sb.stats()
        print(f"\npublishing 13 pages with 13 charts: first run {first} writes; the same report again: "
              f"{second['writes_total']} writes (target 0), {second['requests_total']} reads")
        runtime.close()


def runs(in_flight: str) -> dict[str, int | None]:
    """The replayed runs: "1,default" is one read at a time beside the default; numbers set reads_in_flight."""
    out: dict[str, int | None] = {}
    for part in in_flight.split(","):
        part = part.strip()
        if part == "default":
            out["default pipeline"] = None
        elif part == "1":
            out["1 request in flight (serial)"] = 1
        else:
            out[f"{int(part)} requests in flight"] = int(part)
    return out


def replay(n: int, latency: float, workdir: Path, in_flight: str = "1,default") -> Path:
    with Sandbox.start(seed="demo", seed_options=seed(n)) as sb:
        return replay_sync(sb, n, latency, workdir, in_flight)


def replay_sync(sb: Sandbox, n: int, latency: float, workdir: Path, in_flight: str = "1,default") -> Path:
    """Record once against the sandbox, then time pmokit's own process against the replay; the directory of
    the default pipeline's run (its pmokit.yaml and the store it made)."""
    recording = workdir / f"recording-{n}"
    truth_issues, truth_histories = len(sb.state.live_issues()), kept_histories(sb)
    recorder = Recorder(sb.url, recording)
    pmokit(config_for(recorder.url, workdir / f"record-{n}"), "sync", "--full")  # both runs send the same requests
    recorder.stop()
    recorded_mb = recorder.recorded_bytes() / 1e6
    print(f"\nreplay, N = {n} issues ({present(sb)} histories, {truth_histories} of them of fields pmokit reads: "
          f"the store's): {len(recorder.index)} answers recorded "
          f"({recorded_mb:.0f} MB), replayed with {latency:g} ms latency and no server work")
    print(f"{'pmokit sync --full':40} {'requests':>9} {'misses':>7} {'issues':>8} {'histories':>10} {'wall s':>8} "
          f"{'cpu s':>7} {'peak MB':>8}")
    target_s = {10_000: 8.0, 100_000: 80.0}.get(n)
    rows = {}
    replayer = Replayer(recording, latency)
    with replayer as url:
        for label, reads in runs(in_flight).items():
            directory = workdir / f"replay-{n}-{reads or 'default'}"
            row = pmokit(config_for(url, directory, reads), "sync", "--full")
            replayer_stats = replayer.stats()
            replayer.reset()
            runtime = open_runtime(load_settings([directory / "pmokit.yaml"]))
            with runtime.sessions() as session:
                issues, histories = store_issues.counts(session)
            runtime.close()
            rows[label] = row
            print(f"{label:40} {replayer_stats['served'] + replayer_stats['misses']:9d} {replayer_stats['misses']:7d} "
                  f"{issues:8d} {histories:10d} {row['seconds']:8.1f} {row['cpu']:7.1f} {row['peak_mb']:8.0f}")
            if issues != truth_issues or histories != truth_histories:
                print(f"  incomplete: {issues}/{truth_issues} issues, {histories}/{truth_histories} histories")
    serial = rows.get("1 request in flight (serial)")
    for label, row in rows.items():
        if row is serial:
            continue
        ratio = f"x{row['seconds'] / serial['seconds']:.2f} the serial wall time; " if serial else ""
        print(f"  {label}: {ratio}" + (f"target <= {target_s:g} s: {row['seconds']:.1f} s" if target_s else "")
              + (f"; peak memory {row['peak_mb']:.0f} MB (target <= 700 MB)" if n >= 100_000 else ""))
    shutil.rmtree(recording)  # 2.4 GB at 100,000 issues
    return workdir / f"replay-{n}-default"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,10000")
    parser.add_argument("--latency-ms", type=float, default=30.0)
    parser.add_argument("--baselines-up-to", type=int, default=10_000,
                        help="run the two other patterns only up to this size (per-issue fetching is slow)")
    parser.add_argument("--in-flight", default="1,default",
                        help="with --replay: the runs side by side (1: one read at a time; default; or numbers)")
    parser.add_argument("--replay", action="store_true",
                        help="record once, then time pmokit's own process against the replayed recording")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="pmokit-bench-"))
    if args.replay:
        for n in (int(s) for s in args.sizes.split(",")):
            replay(n, args.latency_ms, workdir, args.in_flight)
        return
    for n in (int(s) for s in args.sizes.split(",")):
        with Sandbox.start(seed="demo", seed_options=seed(n), latency_ms=args.latency_ms) as sb:
            truth_issues, truth_histories = len(sb.state.live_issues()), present(sb)
            rows = {"pmokit full sync": run_pmokit(sb, workdir / f"full-{n}")}
            per_issue = None
            if n <= args.baselines_up_to:
                rows["jira.search_issues(expand=changelog)"] = run_agile_metrics(sb)
                rows["atlassian: enhanced_jql + get_issue_changelog"] = run_atlassian_per_issue(sb)
                per_issue = rows["atlassian: enhanced_jql + get_issue_changelog"]["requests"]
            table(n, args.latency_ms, rows, truth_issues, truth_histories)
            targets(sb, workdir / f"full-{n}", rows["pmokit full sync"], n, per_issue)
    rate_limited(args.latency_ms, workdir)
    publishing(workdir / "publish")


if __name__ == "__main__":
    main()
