"""A whole report at scale: time and peak memory of `pmokit report`'s work at 12, 120 and 500 projects.

Run: python benchmarks/reports.py [--sizes 12,120,500] [--issues 100000] [--quick] [--sync] [--workdir DIR]

For each size, a sandbox seeded from a seed file this script writes: N projects (the demo's three programs of
four at 12, else programs of ten), the issues spread evenly over them, each project made as the demo makes
one — a record of type Project (its status the phase, budget, actual and forecast cost, sponsor, baseline,
description sections), epics, stories (with points), tasks and bugs, five milestones with due dates and payments,
four to eight risks with probability and impact — thirty people shared between the projects, and changelogs
long-tailed as the demo's (3% of work items with 101–180 histories, the rest 2–14).

The store is written with the rows a full sync writes (the sandbox's issues as its bulk fetch renders them, through
``report_jobs/sync/rows.py`` and ``pmokit/store``) without going over HTTP: a full sync of 100,000 issues takes
minutes (``benchmarks/sync.py`` measures that); ``--sync`` syncs over HTTP instead. Then the configuration's first
report (`portfolio-weekly`: every page, the charts, the workbook, an HTML preview; nothing published) runs twice,
each run in a process of its own (peak memory is that run's alone): the first on the fresh store rebuilds the
``reports.history_periods`` past weekly periods from the changelog and keeps them; the second finds them kept.

Prints, per size: pages, charts (PNG attachments), the workbook's size, each run's time (and of it, gathering the
inputs: reading the store, every rule evaluated, the roll-ups, the history rebuilt) and each run's peak RSS
(the whole process, interpreter and imports included; on Linux its VmHWM: ``ru_maxrss`` would carry the size of
the parent that holds the sandbox over the exec). No targets: the figures go to docs/reports.md.
``--quick``: 12 and 120 projects on 10,000 issues, for a try in a few minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import yaml

ANCHOR = date(2026, 11, 20)  # the seed's "today"
NOW = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)  # when both runs report: the same period
PHASES = ["Initiation", "Planning", "Execution", "Acceptance", "Closure"]
PEOPLE = ["li.na", "wang.wei", "zhang.min", "liu.yang", "chen.jing", "yang.fan", "zhao.lei", "huang.li", "zhou.tao",
          "wu.hao", "xu.jie", "sun.li", "ma.chao", "zhu.hong", "hu.bin", "guo.qiang", "he.yan", "lin.feng",
          "luo.ming", "gao.yuan", "liang.xin", "song.jia", "zheng.kai", "xie.ning", "han.xue", "tang.yu", "feng.lin",
          "deng.hui", "cao.yi", "peng.bo"]
MANAGERS = ["li.na", "wang.wei", "zhang.min"]  # the PMO and program managers of the example standard
SPONSORS = ["李娜", "王伟", "张敏"]
DEMO_PROGRAMS = [("storefront", "Digital Storefront", "数字店铺"), ("fulfilment", "Supply Chain and Fulfilment",
                                                                  "供应链与履约"),
                 ("payments", "Payments and Finance", "支付与金融")]
SECTIONS = ["Background", "Objectives", "Scope", "Budget", "Risks"]
WORK = ["checkout flow", "product detail page", "coupon engine", "inventory sync", "order API", "search index",
        "refund workflow", "courier integration", "risk scoring", "ledger export", "points redemption"]
LABELS = ["backend", "frontend", "mobile", "data", "infra", "ux"]


# -- the portfolio ---------------------------------------------------------------------------------------
def programs_for(projects: int) -> list[dict[str, Any]]:
    """``portfolio.programs``: the demo's three programs of four at 12 projects, else programs of ten."""
    keys = [f"P{n + 1:03d}" for n in range(projects)]
    if projects == 12:
        names = DEMO_PROGRAMS
        size = 4
    else:
        size = 10
        names = [(f"program-{n + 1:02d}", f"Program {n + 1:02d}", f"项目群 {n + 1:02d}")
                 for n in range((projects + size - 1) // size)]
    return [{"key": key, "name": {"en": en, "zh": zh}, "manager": MANAGERS[n % len(MANAGERS)],
             "projects": keys[n * size:(n + 1) * size]} for n, (key, en, zh) in enumerate(names)]


def seed_file(programs: list[dict[str, Any]], issues: int) -> dict[str, Any]:
    """A sandbox seed (``sandbox/seed.py: load_file``): every project of ``programs``, ``issues`` in all."""
    rng = random.Random(20261122)
    keys = [(program["name"]["en"], key) for program in programs for key in program["projects"]]
    per_project = max(issues // len(keys), 20)
    return {"projects": [_project(rng, index, key, category, per_project) for index, (category, key) in
                         enumerate(keys)]}


def _work_status(phase: int, draw: float) -> str:
    done = [0.0, 0.05, 0.45, 0.85, 1.0][phase]
    doing = [0.05, 0.15, 0.3, 0.1, 0.0][phase]
    return "Done" if draw < done else "In Progress" if draw < done + doing else "To Do"


def _project(rng: random.Random, index: int, key: str, category: str, count: int) -> dict[str, Any]:
    phase = rng.randrange(len(PHASES))
    team = rng.sample(PEOPLE, 6)
    age = 40 + 45 * phase + rng.randint(0, 20)  # days since the project started
    start = ANCHOR - timedelta(days=age)
    span = 300 + rng.randint(0, 60)
    budget = rng.choice((80, 120, 150, 200, 260, 320, 450)) * 10_000
    spent = [0.02, 0.1, 0.45, 0.8, 0.97][phase] * rng.uniform(0.8, 1.35)
    name = f"Project {index + 1:03d} 项目{index + 1}"
    items: list[dict[str, Any]] = [{
        "type": "Project", "summary": name, "status": PHASES[phase], "assignee": team[0], "age_days": age,
        "histories": max(phase + 2, 4), "labels": ["pmo"],
        "description": "\n".join(f"h2. {s}\n{name}: {s.lower()} of the project." for s in SECTIONS),
        "fields": {"Budget (CNY)": budget, "Actual Cost (CNY)": round(budget * spent, -3),
                   "Forecast Cost (CNY)": round(budget * rng.uniform(0.9, 1.25), -3),
                   "Sponsor": rng.choice(SPONSORS), "Baseline Start": start.isoformat(),
                   "Baseline End": (start + timedelta(days=span)).isoformat(), "PMO Phase": PHASES[phase],
                   "Project Type": "Standard"}}]
    record = f"{key}-1"
    epics = [f"{key}-{n + 2}" for n in range(max(3, count // 60))]
    items += [{"type": "Epic", "summary": f"Epic {n + 1}", "status": _work_status(phase, 0.5), "parent": record,
               "assignee": rng.choice(team), "age_days": max(age - 9 * n, 1), "histories": rng.randint(2, 14)}
              for n in range(len(epics))]
    for n, milestone in enumerate(PHASES):
        due = start + timedelta(days=span * (n + 1) // 5)
        done = n < phase or (n == phase and rng.random() < 0.3)
        fields: dict[str, Any] = {}
        if n >= 1:
            fields = {"Payment Amount (CNY)": float(rng.choice((10, 20, 30)) * 10_000),
                      "Payment Status": ("Paid" if done and rng.random() < 0.7 else
                                         "Invoiced" if done else "Not invoiced")}
        items.append({"type": "Milestone", "summary": f"M{n + 1} {milestone} complete", "parent": record,
                      "status": "Done" if done else "To Do", "assignee": team[0], "age_days": age,
                      "due": due.isoformat(), "histories": 4, "fields": fields})
    for n in range(rng.randint(4, 8)):
        items.append({"type": "Risk", "summary": f"Risk {n + 1}", "parent": record, "assignee": rng.choice(team),
                      "status": "Done" if rng.random() < 0.3 else "To Do", "age_days": max(age - rng.randint(0, 60), 1),
                      "histories": rng.randint(2, 14),
                      "fields": {"Risk Probability": rng.randint(1, 5), "Risk Impact": rng.randint(1, 5)}})
    for n in range(max(count - len(items), 0)):
        kind = rng.choices(("Story", "Task", "Bug"), (5, 3, 2))[0]
        created = rng.randint(1, age)  # days ago
        long = rng.random() < 0.03
        item: dict[str, Any] = {"type": kind, "summary": f"{kind} {n + 1}: {rng.choice(WORK)}",
                                "status": _work_status(phase, rng.random()), "parent": epics[n % len(epics)],
                                "age_days": created, "labels": rng.sample(LABELS, rng.randint(0, 2)),
                                "histories": rng.randint(101, 180) if long else rng.randint(2, 14)}
        if rng.random() < 0.9:
            item["assignee"] = rng.choice(team)
        if kind == "Story":
            item["fields"] = {"Story Points": rng.choice((1, 2, 3, 5, 8, 13))}
        if rng.random() < 0.4:
            item["due"] = (ANCHOR - timedelta(days=created - rng.randint(10, 60))).isoformat()
        items.append(item)
    return {"key": key, "name": name, "lead": team[0], "category": category, "issues": items}


def configuration(url: str, programs: list[dict[str, Any]], store: Path) -> str:
    """The example standard pointed at the sandbox (``pmokit sandbox config``), with these programs."""
    from pmokit.cli.sandbox_config import sandbox_config

    data = yaml.safe_load(sandbox_config(url, store=f"sqlite:///{store}"))
    data["portfolio"]["programs"] = programs
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)


# -- the store -------------------------------------------------------------------------------------------
def write_store(sb: Any, runtime: Any) -> tuple[int, int]:
    """What a full sync stores, written without HTTP: each issue as the sandbox's bulk fetch renders it (the
    sync's fields, the whole changelog), read into rows by the sync's own code; the records' remote links and
    comments; the cursor. (issues, histories) stored."""
    from connector.jira_reader import ALL, FetchedIssue
    from pmokit.store import issues as store
    from report_jobs.sync.rows import issue_rows
    from report_jobs.sync.syncer import Syncer
    from sandbox.histories import all_histories
    from sandbox.render import Renderer

    syncer = Syncer.of(runtime)
    state = sb.state
    renderer = Renderer(state, sb.url, 3 if state.flavor == "cloud" else 2)
    field_ids = renderer.field_ids(syncer.field_ids(), "*navigable")
    record_type = runtime.settings.portfolio.record_issue_type
    issues = sorted(state.live_issues(), key=lambda i: i.id)
    histories = 0
    for start in range(0, len(issues), syncer.batch):
        batch = issues[start:start + syncer.batch]
        fetched = [FetchedIssue(renderer.issue(issue, field_ids), [renderer.history(h) for h in
                                                                   all_histories(state, issue)], ALL)
                   for issue in batch]
        links = {str(i.id): [renderer.remote_link(i, link) for link in i.remote_links] for i in batch
                 if i.issue_type == record_type}
        rows = issue_rows(fetched, links, datetime.now(UTC))
        with runtime.sessions.begin() as session:
            store.save_issues(session, rows.snapshots, rows.changelog, rows.whole)
        histories += rows.histories
    records = [i for i in issues if i.issue_type == record_type]
    newest = max(i.updated for i in issues)
    with runtime.sessions.begin() as session:
        store.set_comments(session, {str(i.id): renderer.issue(i, ["comment"])["fields"]["comment"] for i in records})
        store.set_cursor(session, syncer.scope_key(syncer.projects()), last_updated=newest, full=True,
                         reconciled=True)
    return len(issues), histories


def sync_store(runtime: Any) -> tuple[int, int]:
    from report_jobs.sync.syncer import Syncer

    summary = Syncer.of(runtime).full()
    return summary.issues, summary.histories


# -- one report run, in its own process ------------------------------------------------------------------
def child(config: Path, preview: Path) -> None:
    """Run the configuration's first report once; print what it built, its time and this process's peak RSS."""
    from config import load_settings
    from pmokit.runtime import open_runtime
    from report_jobs.reports.export import XLSX_MEDIA_TYPE
    from report_jobs.reports.report import run_report

    runtime = open_runtime(load_settings([config]))
    marks: dict[str, float] = {}
    rebuilt = 0

    def progress(what: str, done: int, total: int) -> None:
        nonlocal rebuilt
        if what == "reading the store" and done == total:
            marks["inputs"] = time.perf_counter()
        if what == "rebuilding history":
            rebuilt = total

    try:
        started = time.perf_counter()
        run = run_report(runtime, None, preview=preview, publish=False, now=NOW, progress=progress)
        seconds = time.perf_counter() - started
    finally:
        runtime.close()
    attached = [a for page in run.pages for a in page.attachments]
    print(json.dumps({
        "report": run.name, "pages": len(run.pages), "not_built": len(run.not_built),
        "charts": sum(a.media_type.startswith("image/") for a in attached),
        "drawn": run.charts_drawn, "reused": run.charts_reused,
        "workbook": sum(len(a.data) for a in attached if a.media_type == XLSX_MEDIA_TYPE),
        "projects": len(run.inputs.portfolio.rag), "rebuilt": rebuilt, "periods": run.inputs.periods,
        "seconds": seconds, "inputs": marks.get("inputs", started) - started,
        "peak_mb": peak_mb()}))


def peak_mb() -> float:
    """This process's peak RSS. Linux: VmHWM, which starts afresh at exec; ``ru_maxrss`` does not (getrusage(2):
    kept across execve), so a child of the parent that holds the sandbox would report the parent's size."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes; bytes on macOS
    return peak / (1024 * 1024 if sys.platform == "darwin" else 1024)


def measured(config: Path, preview: Path, log: Path) -> dict[str, Any]:
    """One report run in a fresh process (its warnings, e.g. missing CJK glyphs, go to ``log``)."""
    with log.open("a", encoding="utf-8") as errors:
        done = subprocess.run([sys.executable, __file__, "--child", str(config), "--preview", str(preview)],
                              stdout=subprocess.PIPE, stderr=errors, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"the report run failed (exit {done.returncode}); see {log}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the benchmark ---------------------------------------------------------------------------------------
def one_size(projects: int, issues: int, workdir: Path, over_http: bool) -> dict[str, Any]:
    from config import load_settings
    from pmokit.runtime import open_runtime
    from sandbox import Sandbox

    where = workdir / f"p{projects}-i{issues}"
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    programs = programs_for(projects)
    seed = where / "seed.json"
    seed.write_text(json.dumps(seed_file(programs, issues)), encoding="utf-8")
    with Sandbox.start(seed=str(seed), anchor=ANCHOR) as sb:
        config = where / "pmokit.yaml"
        config.write_text(configuration(sb.url, programs, where / "store.db"), encoding="utf-8")
        runtime = open_runtime(load_settings([config]))
        try:
            started = time.perf_counter()
            stored, histories = sync_store(runtime) if over_http else write_store(sb, runtime)
            building = time.perf_counter() - started
        finally:
            runtime.close()
        first = measured(config, where / "preview-1", where / "report.log")
        second = measured(config, where / "preview-2", where / "report.log")
    return {"projects": projects, "programs": len(programs), "issues": stored, "histories": histories,
            "store_s": building, "first": first, "second": second}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="12,120,500", help="numbers of projects, comma-separated")
    parser.add_argument("--issues", type=int, default=100_000, help="issues in all, spread over the projects")
    parser.add_argument("--quick", action="store_true", help="12 and 120 projects on 10,000 issues")
    parser.add_argument("--sync", action="store_true", help="fill the store by a full sync over HTTP (slow)")
    parser.add_argument("--workdir", type=Path, help="keep seeds, stores, previews and logs here (default: a "
                                                     "temporary directory, removed at the end)")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--preview", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.preview)
        return
    sizes = [12, 120] if args.quick else [int(s) for s in args.sizes.split(",")]
    issues = 10_000 if args.quick else args.issues
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="pmokit-bench-reports-"))
    workdir.mkdir(parents=True, exist_ok=True)
    print(f"{os.cpu_count()} cores; load average at the start {_load()}; store filled "
          f"{'by a full sync over HTTP' if args.sync else 'with the sync rows, without HTTP'}; "
          f"each run a process of its own, report at {NOW:%Y-%m-%d %H:%M} UTC")
    print(f"{'projects':>8} {'programs':>8} {'issues':>8} {'histories':>10} {'store s':>8} {'pages':>6} "
          f"{'charts':>6} {'workbook':>9} {'run 1 s':>8} {'(inputs)':>9} {'rebuilt':>7} {'peak MB':>8} "
          f"{'run 2 s':>8} {'(inputs)':>9} {'peak MB':>8}  charts drawn (run 1 / run 2)")
    try:
        for projects in sizes:
            row = one_size(projects, issues, workdir, args.sync)
            first, second = row["first"], row["second"]
            print(f"{row['projects']:8d} {row['programs']:8d} {row['issues']:8,d} {row['histories']:10,d} "
                  f"{row['store_s']:8.0f} {first['pages']:6d} {first['charts']:6d} "
                  f"{first['workbook'] / 1024:6,.0f} KB {first['seconds']:8.1f} {first['inputs']:9.1f} "
                  f"{first['rebuilt']:7d} {first['peak_mb']:8,.0f} {second['seconds']:8.1f} "
                  f"{second['inputs']:9.1f} {second['peak_mb']:8,.0f}  {first['drawn']} / {second['drawn']} "
                  f"(unchanged {first['reused']} / {second['reused']})   load {_load()}", flush=True)
            if first["not_built"] or second["not_built"] or first["projects"] != projects:
                print(f"  note: {first['projects']} projects rated, {first['not_built']} / {second['not_built']} "
                      f"pages or workbooks not built (see {workdir})")
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    print(f"load average at the end {_load()}; run 1 rebuilt the past periods from the changelog ('rebuilt'), "
          f"run 2 found them stored; '(inputs)': of the run, reading the store, evaluating, rolling up, rebuilding; "
          f"a chart whose data did not change since a run drew it is not drawn again")


def _load() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
