"""Charts are drawn once per distinct data, in worker processes when there are many, and the same either way
(report_jobs.reports.chart_jobs.resolve_charts, the step `pmokit report` draws its charts in)."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from connector.publisher import AttachmentSpec, PageSpec
from report_jobs.reports.chart_jobs import chart, resolve_charts

PNG = b"\x89PNG\r\n\x1a\n"


def _burnup(offset: int) -> pd.DataFrame:
    return pd.DataFrame({"week": pd.date_range("2026-09-06", periods=6, freq="W"),
                         "scope": [5 + offset, 6, 8, 8, 9, 9], "done": [0, 2, 3, 6, 7, 9]})


def _pages(count: int, title: str = "Project") -> list[PageSpec]:
    return [PageSpec(f"r/p{i}", f"P{i}", "<p/>", attachments=(
        chart(f"burnup-P{i}.png", "burnup", _burnup(i), f"{title} {i}", "en"),)) for i in range(count)]


class _Memory:
    """A chart cache in memory (the store's is tests/test_store.py's subject)."""

    def __init__(self) -> None:
        self.kept: dict[str, bytes] = {}
        self.asked = 0

    def charts(self, digests):
        self.asked += 1
        return {d: self.kept[d] for d in digests if d in self.kept}

    def remember_charts(self, drawn):
        self.kept.update(drawn)


def test_charts_drawn_in_worker_processes_are_the_bytes_drawn_here():
    here = resolve_charts(_pages(8), processes=0)
    there = resolve_charts(_pages(8), processes=2)
    assert here.drawn == there.drawn == 8
    assert [p.attachments for p in here.pages] == [p.attachments for p in there.pages]
    for page in there.pages:
        (attachment,) = page.attachments
        assert type(attachment) is AttachmentSpec and attachment.data.startswith(PNG)


def test_unchanged_data_is_not_drawn_again_and_changed_data_is():
    cache = _Memory()
    first = resolve_charts(_pages(4), cache, processes=0)
    assert (first.drawn, first.reused) == (4, 0) and len(cache.kept) == 4
    again = resolve_charts(_pages(4), cache, processes=0)
    assert (again.drawn, again.reused) == (0, 4)
    assert [p.attachments for p in again.pages] == [p.attachments for p in first.pages]
    # A row cut from a larger table keeps that table's row numbers: the chart is the same, so is its digest.
    shifted = [PageSpec("r/p0", "P0", "<p/>", attachments=(chart(
        "burnup-P0.png", "burnup", _burnup(0).set_axis(range(40, 46)), "Project 0", "en"),))]
    assert resolve_charts(shifted, cache, processes=0).reused == 1
    renamed = resolve_charts(_pages(4, title="Renamed"), cache, processes=0)
    assert (renamed.drawn, renamed.reused) == (4, 0)


def test_one_chart_drawn_for_the_same_data_on_two_pages():
    same = chart("history.png", "burnup", _burnup(0), "Portfolio", "en")
    pages = [PageSpec("r/a", "A", "<p/>", attachments=(same,)), PageSpec("r/b", "B", "<p/>", attachments=(same,))]
    resolved = resolve_charts(pages, processes=0)
    assert resolved.drawn == 1 and resolved.pages[0].attachments == resolved.pages[1].attachments


@pytest.mark.parametrize("processes", [0, 2])
def test_a_chart_that_cannot_be_drawn_costs_only_its_page(processes, caplog):
    pages = _pages(6)
    broken = PageSpec("r/broken", "Broken", "<p/>", attachments=(
        chart("burnup-X.png", "burnup", pd.DataFrame({"week": [1]}), "X", "en"),))
    failures: dict[str, str] = {}
    with caplog.at_level(logging.ERROR):
        resolved = resolve_charts([*pages[:3], broken, *pages[3:]], processes=processes, failures=failures)
    assert [p.title for p in resolved.pages] == [p.title for p in pages]
    assert list(failures) == ["Broken"] and failures["Broken"].startswith("KeyError")
    assert "page 'Broken': a chart could not be drawn" in caplog.text


def test_what_a_worker_logs_is_logged_here(caplog):
    """A glyph no font has is left out with a warning: drawn in a worker process, the warning still reaches
    this process's log (tests/test_reports.py checks the warning itself)."""
    pages = _pages(5)
    pages.append(PageSpec("r/odd", "Odd", "<p/>", attachments=(
        chart("burnup-odd.png", "burnup", _burnup(1), "\U000f0000 private use", "en"),)))
    with caplog.at_level(logging.WARNING, logger="report_jobs.reports.charts"):
        resolved = resolve_charts(pages, processes=2)
    assert resolved.drawn == 6
    assert "U+F0000" in caplog.text and "drawn without them" in caplog.text


def test_pages_without_charts_pass_through_and_unknown_kinds_are_refused():
    plain = PageSpec("r/plain", "Plain", "<p/>", attachments=(AttachmentSpec("data.xlsx", b"PK", "x"),))
    assert resolve_charts([plain]).pages == [plain]
    with pytest.raises(ValueError, match="no chart kind"):
        chart("x.png", "pie")
