"""`pmokit demo` as a new user runs it, and its preview looked at as a person would: in headless Chromium, with
tables, status lozenges and charts, and no empty boxes where Chinese text should be."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.browser import missing_glyphs, screenshot

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("demo")
    env = {k: v for k, v in os.environ.items() if k != "PMOKIT_CONFIG"}
    done = subprocess.run([str(BIN / "pmokit"), "demo", "--out", str(out), "--port", "0"], cwd=out, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return out, done.stdout


def test_the_demo_runs_the_whole_suite_and_says_where_to_look(demo):
    out, printed = demo
    assert "synced 3000 issues in 12 projects" in printed
    assert re.search(r"RAG: (red|amber|green) \d+", printed)
    assert re.search(r"gates: .*fail \d+.*pass \d+", printed)
    assert re.search(r"rules: \d+ violations; pmokit wrote [1-9]\d* comments and changed [1-9]\d* labels", printed)
    assert "report portfolio-weekly: pages: 19 created, 0 updated, 0 unchanged, 0 failed" in printed
    assert "report board-zh: pages: 3 created" in printed
    preview = out / "preview" / "portfolio-weekly" / "index.html"
    assert f"open the preview:    {preview}" in printed
    assert preview.exists() and (out / "pmokit.yaml").exists() and (out / "pmokit.db").exists()
    assert re.search(r"in Confluence \(portfolio-weekly\): http://127\.0\.0\.1:\d+/wiki/spaces/PMO/pages/\d+", printed)


def has_colour(image: Image.Image, rgb: tuple[int, int, int], at_least: int = 20, tolerance: int = 6) -> bool:
    """At least ``at_least`` pixels within ``tolerance`` of ``rgb``."""
    pixels = np.asarray(image, dtype=np.int16)
    return int((np.abs(pixels - np.array(rgb)).max(axis=2) <= tolerance).sum()) >= at_least


def test_the_portfolio_page_in_a_browser_has_tables_lozenges_and_charts(demo, tmp_path):
    out, _ = demo
    index = out / "preview" / "portfolio-weekly" / "index.html"
    html = index.read_text(encoding="utf-8")
    assert html.count("<table") >= 2 and html.count("status-macro") >= 12 and '<img src="rag-history.png"' in html
    image = screenshot(index, tmp_path / "portfolio.png")
    assert image.size == (1280, 2600)
    assert has_colour(image, (0xFF, 0xEB, 0xE6)) or has_colour(image, (0xFF, 0xF0, 0xB3))  # red/amber lozenges
    assert has_colour(image, (0xF4, 0xF5, 0xF7), at_least=500)  # table header cells
    assert has_colour(image, (0xDE, 0x35, 0x0B), at_least=500) or has_colour(image, (0xFF, 0xAB, 0x00), 500)  # chart
    if os.environ.get("PMOKIT_SCREENSHOT"):  # refresh the README's picture: PMOKIT_SCREENSHOT=docs/images/x.png
        image.crop((0, 0, 1280, 1500)).save(os.environ["PMOKIT_SCREENSHOT"])


def test_chinese_text_in_the_browser_has_no_missing_glyph_boxes(demo, tmp_path):
    out, _ = demo
    page = out / "preview" / "board-zh" / "index.html"
    visible = re.sub(r"<style>.*?</style>|<[^>]+>", " ", page.read_text(encoding="utf-8"), flags=re.S)
    chinese = "".join(ch for ch in visible if "\u4e00" <= ch <= "\u9fff")
    assert len(set(chinese)) > 30  # the Chinese report: titles, headings, lozenges, names
    assert missing_glyphs(page, chinese, tmp_path) == []
    # The check can fail: characters no font has are found (this one is in a private-use plane).
    assert missing_glyphs(page, "项\U000f0001", tmp_path) == ["\U000f0001"]


def test_demo_serve_keeps_running_and_pmokit_answers_a_change(tmp_path):
    """`pmokit demo --serve`: the sandbox sends its webhooks to pmokit; a fixed gap leaves pmokit's comment."""
    import signal
    import time

    import requests

    env = {k: v for k, v in os.environ.items() if k != "PMOKIT_CONFIG"}
    process = subprocess.Popen([str(BIN / "pmokit"), "demo", "--out", str(tmp_path / "demo"), "--port", "0",
                                "--serve"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)
    try:
        lines = []
        for line in process.stdout:
            lines.append(line)
            if line.startswith("serving:"):
                break
        assert lines and lines[-1].startswith("serving:"), "".join(lines)
        url = re.search(r"sandbox Jira and Confluence at (http://\S+)", lines[0]).group(1)
        admin = requests.Session()
        admin.auth = ("admin@example.com", "sandbox")

        def pmokit_comment() -> str:
            comments = admin.get(f"{url}/rest/api/2/issue/OMS-1/comment").json()["comments"]
            return next(c["body"] for c in comments if "[pmokit:compliance]" in c["body"])

        assert "required fields are empty: sponsor" in pmokit_comment()  # written by the demo's enforcement
        sponsor = next(f["id"] for f in admin.get(f"{url}/rest/api/2/field").json() if f["name"] == "Sponsor")
        assert admin.put(f"{url}/rest/api/2/issue/OMS-1", json={"fields": {sponsor: "张敏"}}).status_code == 204
        deadline = time.monotonic() + 60
        while "sponsor" in pmokit_comment().split("Next gate")[0] and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "sponsor" not in pmokit_comment().split("Next gate")[0], "pmokit did not answer the change"
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            process.kill()
            raise
    assert process.returncode == 0
