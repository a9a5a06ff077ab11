"""Charts drawn once per distinct data, and in parallel: pages ask for a chart (:func:`chart`), the report draws
every chart it asked for at the end (:func:`resolve_charts`).

A chart's *digest* is the hash of what it is drawn from: its kind, its arguments (tables by their contents)
and the drawing code itself (``charts.py``'s source and matplotlib's version), so a chart whose data did not
change since the last report is taken from the cache, not drawn again, and a change to how charts are drawn
draws them all anew. The charts still to draw are drawn in worker processes when there are enough of them to
repay a process's start (matplotlib keeps one figure at a time per process); what a worker logs (a glyph no
font has) is logged again here.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import importlib.util
import logging
import multiprocessing
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import pandas as pd

from connector.publisher import AttachmentSpec, PageSpec

log = logging.getLogger(__name__)

# Chart kinds and the functions of ``charts`` that draw them; matplotlib loads only when a chart is drawn (a
# report whose charts are all unchanged never imports it).
CHARTS_MODULE = f"{__package__}.charts"
KINDS = {"burnup": "burnup_chart", "cost": "cost_chart", "rag_history": "rag_history_chart",
         "heat_map": "heat_map_chart", "resource_load": "resource_load_chart"}
# A worker process costs about the time of two charts to start (it imports matplotlib once): fewer charts
# than this per process are drawn here.
CHARTS_PER_PROCESS = 6


class ChartCache(Protocol):
    """Drawn charts by digest (``pmokit.store.charts.StoreChartCache``)."""

    def charts(self, digests: Iterable[str]) -> dict[str, bytes]: ...
    def remember_charts(self, drawn: dict[str, bytes]) -> None: ...


@dataclass(frozen=True)
class ChartAttachment(AttachmentSpec):
    """An attachment whose bytes are a chart not drawn yet: ``kind`` (a :data:`KINDS` name) and its arguments."""

    data: bytes = b""
    kind: str = ""
    args: tuple[Any, ...] = field(default=(), compare=False)


def chart(filename: str, kind: str, *args: Any) -> ChartAttachment:
    """The PNG attachment ``filename``: chart ``kind`` of ``args``, drawn when the report resolves its charts."""
    if kind not in KINDS:
        raise ValueError(f"no chart kind {kind!r}")
    return ChartAttachment(filename, kind=kind, args=args)


@cache
def _code_digest() -> bytes:
    spec = importlib.util.find_spec(CHARTS_MODULE)
    assert spec is not None and spec.origin is not None
    return hashlib.sha256(Path(spec.origin).read_bytes() + importlib.metadata.version("matplotlib").encode()).digest()


def _feed(digest: Any, value: Any) -> None:
    if isinstance(value, pd.DataFrame | pd.Series):
        frame = value.to_frame() if isinstance(value, pd.Series) else value
        # A frame cut from a larger one keeps that one's row numbers; they are not what the chart shows.
        keep_index = not pd.api.types.is_integer_dtype(frame.index.dtype)
        digest.update(repr(list(frame.dtypes.items())).encode())
        digest.update(frame.to_csv(index=keep_index).encode())
    elif isinstance(value, set | frozenset):
        digest.update(repr(sorted(map(repr, value))).encode())
    else:
        digest.update(repr(value).encode())
    digest.update(b"\x00")


def chart_digest(attachment: ChartAttachment) -> str:
    digest = hashlib.sha256(_code_digest())
    _feed(digest, attachment.kind)
    for value in attachment.args:
        _feed(digest, value)
    return digest.hexdigest()


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[tuple[int, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append((record.levelno, record.getMessage()))


def _draw(kind: str, args: tuple[Any, ...]) -> tuple[bytes, list[tuple[int, str]]]:
    """One chart's PNG and what drawing it logged (run in a worker process, or here)."""
    charts = importlib.import_module(CHARTS_MODULE)
    draw: Callable[..., bytes] = getattr(charts, KINDS[kind])
    collect = _Collect()
    charts.log.addHandler(collect)
    propagate, charts.log.propagate = charts.log.propagate, False
    try:
        return draw(*args), collect.records
    finally:
        charts.log.removeHandler(collect)
        charts.log.propagate = propagate


def processes_for(charts_to_draw: int, configured: int | None = None) -> int:
    """Worker processes for this many charts: ``configured`` (0: draw here), else one per
    :data:`CHARTS_PER_PROCESS` charts up to the machine's cores (1: draw here)."""
    if configured is not None:
        return configured
    return max(1, min(os.cpu_count() or 1, charts_to_draw // CHARTS_PER_PROCESS))


def draw_charts(jobs: dict[str, ChartAttachment], processes: int,
                on_chart: Callable[[int, int], None] | None = None) -> dict[str, bytes | BaseException]:
    """Each digest's PNG, or the exception that kept it from being drawn; ``on_chart(done, total)`` after each."""
    results: dict[str, tuple[bytes, list[tuple[int, str]]] | BaseException] = {}
    tick = on_chart or (lambda done, total: None)
    if processes <= 1:
        for digest, job in jobs.items():
            try:
                results[digest] = _draw(job.kind, job.args)
            except Exception as exc:  # one chart's fault is its page's, not the report's
                results[digest] = exc
            tick(len(results), len(jobs))
    else:
        # forkserver: the workers start from a clean process that imported the charts once, not from a fork of
        # this one (whose threads may hold locks).
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([CHARTS_MODULE])
        with ProcessPoolExecutor(max_workers=processes, mp_context=context) as pool:
            futures = {digest: pool.submit(_draw, job.kind, job.args) for digest, job in jobs.items()}
            for digest, future in futures.items():
                try:
                    results[digest] = future.result()
                except Exception as exc:
                    results[digest] = exc
                tick(len(results), len(jobs))
    drawn: dict[str, bytes | BaseException] = {}
    chart_log = logging.getLogger(CHARTS_MODULE)
    for digest, result in results.items():
        if isinstance(result, BaseException):
            drawn[digest] = result
            continue
        png, records = result
        for level, message in records:
            chart_log.log(level, "%s", message)
        drawn[digest] = png
    return drawn


@dataclass
class ChartsResolved:
    pages: list[PageSpec]
    drawn: int = 0  # charts drawn in this run
    reused: int = 0  # charts taken from the cache (their data unchanged)


def resolve_charts(pages: list[PageSpec], cache: ChartCache | None = None, *, processes: int | None = None,
                   failures: dict[str, str] | None = None,
                   on_chart: Callable[[int, int], None] | None = None) -> ChartsResolved:
    """``pages`` with every chart drawn (or taken from ``cache``); a page one of whose charts cannot be drawn is
    left out and named in ``failures`` (title -> why), as a page that cannot be built is. ``processes``: see
    :func:`processes_for`; ``on_chart(done, total)`` after each chart drawn."""
    failures = {} if failures is None else failures
    wanted: dict[str, ChartAttachment] = {}
    digests: dict[int, str] = {}
    for page in pages:
        for attachment in page.attachments:
            if isinstance(attachment, ChartAttachment):
                digest = digests[id(attachment)] = chart_digest(attachment)
                wanted.setdefault(digest, attachment)
    known = cache.charts(wanted) if cache is not None and wanted else {}
    missing = {digest: job for digest, job in wanted.items() if digest not in known}
    drawn = draw_charts(missing, processes_for(len(missing), processes), on_chart) if missing else {}
    new = {digest: png for digest, png in drawn.items() if isinstance(png, bytes)}
    if cache is not None and new:
        cache.remember_charts(new)
    available: dict[str, bytes | BaseException] = {**known, **drawn}
    resolved: list[PageSpec] = []
    for page in pages:
        attachments: list[AttachmentSpec] = []
        fault: BaseException | None = None
        for attachment in page.attachments:
            if not isinstance(attachment, ChartAttachment):
                attachments.append(attachment)
                continue
            png = available[digests[id(attachment)]]
            if isinstance(png, BaseException):
                fault = png
                break
            attachments.append(AttachmentSpec(attachment.filename, png, attachment.media_type))
        if fault is not None:
            log.error("page %r: a chart could not be drawn: %s: %s", page.title, type(fault).__name__, fault)
            failures[page.title] = f"{type(fault).__name__}: {fault}"
            continue
        resolved.append(replace(page, attachments=tuple(attachments)) if page.attachments else page)
    return ChartsResolved(resolved, drawn=len(new), reused=len(known))
