"""`pmokit report`: a synced sandbox's portfolio as a tree of pages in the sandbox's Confluence and as an HTML
preview; nothing written when nothing changed; both languages; charts that draw Chinese."""

from __future__ import annotations

import logging
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from report_jobs.reports.pages.html import parse
from tests.syncing import runtime_for, syncer

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def synced(fresh_sandbox, tmp_path):
    runtime = runtime_for(fresh_sandbox, tmp_path)
    syncer(runtime).full()
    runtime.close()
    return fresh_sandbox, str(tmp_path / "pmokit.yaml")


def _tree(sb, top_title: str) -> dict[str, object]:
    """Title -> page of every page under ``top_title`` (itself included)."""
    pages = [p for p in sb.state.pages.values() if p.status == "current"]
    top = next(p for p in pages if p.title == top_title)
    found, frontier = {top.title: top}, [top.id]
    while frontier:
        parent = frontier.pop()
        for page in pages:
            if page.parent_id == parent:
                found[page.title] = page
                frontier.append(page.id)
    return found


def test_report_publishes_the_tree_writes_nothing_when_unchanged_and_only_what_changed(synced, run_cli, tmp_path):
    sb, config = synced
    sb.reset_stats()
    listed = run_cli("--config", config, "report")  # neither flag: the pages it would write, nothing written
    assert listed.exit_code == 0, listed.output
    assert "E-commerce Portfolio · Risks" in listed.output and "--preview DIR" in listed.output
    assert sb.stats()["writes_total"] == 0
    # 16 charts, 15 distinct: the portfolio page and the trends page show the same status history.
    assert "charts: 15 drawn, 0 unchanged" in listed.output, listed.output

    first = run_cli("--config", config, "report", "portfolio-weekly", "--publish", "--preview", str(tmp_path / "p"))
    assert first.exit_code == 0, first.output
    assert "12 projects" in first.output and "19 pages, 16 charts, a workbook" in first.output
    assert "charts: 0 drawn, 15 unchanged" in first.output, first.output  # the listing drew them
    assert "pages: 19 created, 0 updated, 0 unchanged, 0 failed; 17 attachments uploaded" in first.output

    parent = next(p for p in sb.state.pages.values() if p.title == "Portfolio Reports")
    pages = _tree(sb, "E-commerce Portfolio")
    assert pages["E-commerce Portfolio"].parent_id == parent.id
    assert len(pages) == 19
    storefront = pages["E-commerce Portfolio · Digital Storefront"]
    shop = next(p for t, p in pages.items() if t.startswith("E-commerce Portfolio · SHOP "))
    assert shop.parent_id == storefront.id  # a project sits under its program
    for title in ("Risks", "Resources", "Trends"):
        assert pages[f"E-commerce Portfolio · {title}"].parent_id == pages["E-commerce Portfolio"].id
    for page in pages.values():
        parse(page.body)  # well-formed with the ac:/ri: namespaces, or this raises
        assert "pmokit" in page.labels
        for name in re.findall(r'ri:filename="([^"]+)"', page.body):  # every chart the page shows is attached
            attached = {a.title: a for a in page.attachments}
            assert name in attached and attached[name].data.startswith(b"PK\x03\x04" if name.endswith(".xlsx")
                                                                        else PNG)
    assert any(a.title == "burnup-SHOP.png" for a in shop.attachments)
    assert "ac:name=\"status\"" in shop.body and "ac:name=\"expand\"" in shop.body

    sb.reset_stats()
    second = run_cli("--config", config, "report", "portfolio-weekly", "--publish")
    assert second.exit_code == 0, second.output
    assert "pages: 0 created, 0 updated, 19 unchanged, 0 failed; 0 attachments uploaded" in second.output
    # Charts whose data did not change are taken from the store, not drawn again.
    assert "charts: 0 drawn, 15 unchanged" in second.output
    assert sb.stats()["writes_total"] == 0

    preview = tmp_path / "p" / "portfolio-weekly"
    index = (preview / "index.html").read_text(encoding="utf-8")
    assert "<h1>E-commerce Portfolio</h1>" in index and "status-macro" in index
    for html_file in preview.glob("*.html"):
        text = html_file.read_text(encoding="utf-8")
        for target in re.findall(r'(?:href|src)="([^"#:]+)"', text):  # links between pages and charts resolve
            assert (preview / target).exists(), f"{html_file.name} links to a missing {target}"
        assert "<ac:" not in text  # every macro rendered
        checker = _Balanced()
        checker.feed(text)
        checker.close()
        assert checker.open == [] and checker.problems == [], html_file.name

    renamed = sb.session().put(f"{sb.url}/rest/api/2/issue/OMS-1",
                               json={"fields": {"summary": "Order Management 订单管理 — renamed"}})
    assert renamed.status_code == 204
    assert run_cli("--config", config, "sync").exit_code == 0
    again = run_cli("--config", config, "report", "--publish")
    assert again.exit_code == 0, again.output
    # The project's page title changes, and so do the pages that link to it; the others stay as they were.
    updated = int(re.search(r"(\d+) updated", again.output).group(1))
    unchanged = int(re.search(r"(\d+) unchanged", again.output).group(1))
    assert 1 <= updated <= 5 and unchanged >= 14, again.output
    # Only the renamed project's charts carry its name: they alone are drawn again.
    drawn, reused = map(int, re.search(r"charts: (\d+) drawn, (\d+) unchanged", again.output).groups())
    assert 1 <= drawn <= 2 and drawn + reused == 15, again.output
    assert any(p.title.endswith("OMS Order Management 订单管理 — renamed") for p in sb.state.pages.values())


def test_the_chinese_report(synced, run_cli, tmp_path):
    sb, config = synced
    result = run_cli("--config", config, "report", "board-zh", "--publish", "--preview", str(tmp_path / "p"))
    assert result.exit_code == 0, result.output
    pages = _tree(sb, "电商项目组合 · 董事会月报")
    top_title = "电商项目组合 · 董事会月报"
    assert set(pages) == {top_title, f"{top_title} · 风险", f"{top_title} · 趋势"}
    top = pages["电商项目组合 · 董事会月报"].body
    assert "报告周期" in top and ">红<" in top  # words and the lozenges in Chinese
    assert "预测超预算" in top and "over budget" not in top  # the colours' reasons too
    assert "主要风险" in pages["电商项目组合 · 董事会月报 · 风险"].body


def test_pages_do_not_change_with_the_clock_alone(synced):
    """The same data an hour later (same reporting period) gives the same pages: nothing to publish again."""
    from datetime import UTC, datetime, timedelta

    from config import load_settings
    from pmokit.runtime import open_runtime
    from report_jobs.reports.report import run_report

    _, config = synced
    runtime = open_runtime(load_settings([Path(config)]))
    try:
        now = datetime(2026, 11, 17, 9, 15, tzinfo=UTC)  # a Tuesday: an hour later is the same ISO week
        before = run_report(runtime, "portfolio-weekly", now=now).pages
        after = run_report(runtime, "portfolio-weekly", now=now + timedelta(hours=1, minutes=7)).pages
    finally:
        runtime.close()
    assert [(p.key, p.body, p.attachments) for p in before] == [(p.key, p.body, p.attachments) for p in after]


def test_an_unknown_report_is_named_with_the_known_ones(run_cli, tmp_path):
    from pmokit.cli.sandbox_config import sandbox_config

    config = tmp_path / "pmokit.yaml"
    config.write_text(sandbox_config("http://127.0.0.1:9"), encoding="utf-8")
    result = run_cli("--config", str(config), "report", "weekly")
    assert result.exit_code == 1
    assert "no report named 'weekly'; defined: portfolio-weekly, board-zh" in result.output


def test_a_schedule_for_an_unknown_report_is_a_configuration_error(run_cli, tmp_path):
    from config import DEFAULT_CONFIG

    source = Path(DEFAULT_CONFIG).read_text(encoding="utf-8").replace('portfolio-weekly: "0 8', 'portfolio-wekly: "0 8')
    examples = Path(DEFAULT_CONFIG).parent
    for other in examples.glob("*.yaml"):
        (tmp_path / other.name).write_text(other.read_text(encoding="utf-8"), encoding="utf-8")
    (tmp_path / Path(DEFAULT_CONFIG).name).write_text(source, encoding="utf-8")
    result = run_cli("config", "validate", str(tmp_path / Path(DEFAULT_CONFIG).name))
    assert result.exit_code != 0
    line = next(n for n, text in enumerate(source.splitlines(), 1) if "portfolio-wekly" in text)
    assert re.search(rf"pmo.yaml:{line}:\d+: schedule.reports.portfolio-wekly: .*unknown report 'portfolio-wekly'"
                     r".*did you mean 'portfolio-weekly'", result.output), result.output


def test_charts_draw_chinese_and_leave_out_what_no_font_has(caplog):
    import pandas as pd

    import report_jobs.reports
    from report_jobs.reports.charts import burnup_chart, missing_glyphs

    # Every Chinese word the reports can write (they are written where used, as t(en, zh) pairs).
    root = Path(report_jobs.reports.__file__).parent
    source = "".join(p.read_text("utf-8") for p in sorted(root.rglob("*")) if p.suffix in (".py", ".j2"))
    words = "".join(re.findall(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]+", source))
    assert len(words) > 300
    assert missing_glyphs(words + "电商项目组合 订单管理 李娜 郭强") == []
    series = pd.DataFrame({"week": pd.date_range("2026-09-06", periods=4, freq="W"), "scope": [5, 6, 8, 8],
                           "done": [0, 2, 3, 6]})
    png = burnup_chart(series, "支付 PAY", "zh")
    assert png.startswith(PNG) and png == burnup_chart(series, "支付 PAY", "zh")  # same chart, same bytes
    # A character no font here has is left out of its label, with a warning naming it: the chart is the one
    # drawn without it, never an empty box and never a failed report.
    with caplog.at_level(logging.WARNING, logger="report_jobs.reports.charts"):
        assert burnup_chart(series, "\U000f0000 private use", "en") == burnup_chart(series, "private use", "en")
    assert "U+F0000" in caplog.text and "drawn without them" in caplog.text


class _Balanced(HTMLParser):
    """Every element closed, in order (void elements excepted)."""

    VOID = frozenset({"img", "br", "hr", "meta", "col", "input", "link"})

    def __init__(self):
        super().__init__()
        self.open: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        if not self.open or self.open[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.open[-1:] or 'nothing'}")
        else:
            self.open.pop()


def test_a_page_that_cannot_be_built_costs_only_itself(synced, run_cli, monkeypatch):
    """A fault in one project's page (a bug, or data no page expected) stopped the whole report: nothing was
    published. Now that page is left out and named, every other page is published, and the exit says so."""
    from report_jobs.reports.pages import tree

    sb, config = synced
    real = tree.project_page

    def broken_for_oms(ctx, project):
        if project == "OMS":
            raise ZeroDivisionError("float division by zero")
        return real(ctx, project)

    monkeypatch.setattr(tree, "project_page", broken_for_oms)
    result = run_cli("--config", config, "report", "portfolio-weekly", "--publish")
    assert result.exit_code == 3, result.output
    assert "not built: E-commerce Portfolio · OMS Order Management 订单管理: ZeroDivisionError" in result.stderr
    assert "pages: 18 created, 0 updated, 0 unchanged, 0 failed" in result.output
    titles = {p.title for p in sb.state.pages.values() if p.status == "current"}
    assert "E-commerce Portfolio · SHOP Storefront Revamp 店铺改版" in titles
    assert not any(" OMS " in t for t in titles)


def test_on_a_terminal_the_report_shows_its_progress_and_in_a_pipe_it_does_not(synced, tmp_path):
    """`pmokit report` ran 20 s and more with no sign of life: on a terminal it now counts the pages it builds
    and publishes; through a pipe (CI, cron, a log) it prints only its summary."""
    import os
    import subprocess
    import sys

    _sb, config = synced
    command = [sys.executable, "-m", "pmokit", "--config", config, "report", "portfolio-weekly", "--publish"]
    import threading

    leader, follower = os.openpty()
    chunks: list[bytes] = []

    def read_terminal() -> None:  # read while the report runs: a full terminal buffer would block it
        while True:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the terminal's other end is closed: all of it was read
                return
            if not chunk:
                return
            chunks.append(chunk)

    reader = threading.Thread(target=read_terminal, daemon=True)
    reader.start()
    try:
        done = subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower,
                              timeout=300, check=False, env={**os.environ, "COLUMNS": "120"})
    finally:
        os.close(follower)
        reader.join(10)
        os.close(leader)
    shown = b"".join(chunks)
    assert done.returncode == 0, done.stdout
    terminal = re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", shown.decode("utf-8", "replace"))
    assert "reading the store" in terminal and "building portfolio-weekly" in terminal
    assert "publishing portfolio-weekly" in terminal and "19/19" in terminal
    piped = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert piped.returncode == 0 and "building" not in piped.stderr + piped.stdout
    assert "19 unchanged" in piped.stdout
