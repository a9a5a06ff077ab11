"""The report's charts as PNG bytes (matplotlib, no display): burn-up, RAG history, risk heat map, resource load.

Chinese text renders with Noto Sans CJK SC, which the ``mplfonts`` dependency carries (so ``pip install``
brings it; nothing to install by hand); other scripts with the machine's Noto fonts where it has them (Thai,
Devanagari, symbols). A character that no font has is left out of the label it was in, with a warning naming
it: a chart never shows an empty box, and a name in a script the machine cannot draw never fails a report.
"""

from __future__ import annotations

import contextlib
import functools
import importlib.resources
import io
import logging
import threading
import unicodedata
import warnings
from collections.abc import Iterator
from typing import Any

import matplotlib
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure

from config.language import Words

CJK_FONT_FILE = "NotoSansCJKsc-Regular.otf"
RAG_COLOURS = {"green": "#36B37E", "amber": "#FFAB00", "red": "#DE350B"}
_LOCK = threading.Lock()
_WORDS = {
    "burnup": ("Burn-up (story points)", "燃起图（故事点）"),
    "burnup_issues": ("Burn-up (work items: nothing is estimated)", "燃起图（工作项数：均未估算）"),
    "scope": ("scope", "范围"), "done": ("done", "已完成"),
    "pv": ("planned value (PV)", "计划价值（PV）"), "ev": ("earned value (EV)", "挣值（EV）"),
    "ac": ("actual cost (AC)", "实际成本（AC）"), "cost": ("Cost over time", "成本趋势"),
    "rebuilt": ("(* rebuilt from Jira's history)", "（* 根据 Jira 历史记录重建）"),
    "rag_history": ("Status by reporting period", "各报告周期状态"),
    "heat_map": ("Open risks: impact × probability", "未关闭风险：影响 × 概率"),
    "impact": ("impact", "影响"), "probability": ("probability", "概率"),
    "load": ("Load ÷ capacity by week (over 100% is a conflict)", "每周负荷 ÷ 产能（超过 100% 即冲突）"),
}


# Fonts of other scripts, used when the machine has them (Debian: fonts-noto-core, fonts-noto-extra).
OPTIONAL_FAMILIES = ("Noto Sans Thai", "Noto Sans Devanagari", "Noto Sans Arabic", "Noto Sans Hebrew",
                     "Noto Sans Symbols", "Noto Sans Symbols 2")
log = logging.getLogger(__name__)


def _word(name: str, language: str) -> str:
    return Words(language)(*_WORDS[name])


def cjk_font_path() -> str:
    return str(importlib.resources.files("mplfonts") / "fonts" / CJK_FONT_FILE)


@functools.cache
def font_families() -> tuple[str, ...]:
    """The families charts draw with, in the order matplotlib falls back through them: DejaVu Sans for Latin
    text, Noto Sans CJK SC for Chinese, then the optional ones this machine has."""
    path = cjk_font_path()
    font_manager.fontManager.addfont(path)
    found = []
    for family in OPTIONAL_FAMILIES:
        try:
            font_manager.findfont(font_manager.FontProperties(family=family), fallback_to_default=False)
        except ValueError:
            continue
        found.append(family)
    return ("DejaVu Sans", font_manager.FontProperties(fname=path).get_name(), *found)


@functools.cache
def _fonts() -> tuple[Any, ...]:
    return tuple(font_manager.get_font(font_manager.findfont(font_manager.FontProperties(family=family),
                                                             fallback_to_default=False))
                 for family in font_families())


def missing_glyphs(text: str) -> list[str]:
    """The characters of ``text`` that none of the chart fonts can draw."""
    fonts = _fonts()
    return sorted({ch for ch in text if not ch.isspace() and unicodedata.category(ch) not in ("Cc", "Cf")
                   and all(f.get_char_index(ord(ch)) == 0 for f in fonts)})


def drawable(text: object) -> str:
    """``text`` as a chart can draw it: control and format characters dropped, and characters no chart font has
    left out with a warning naming them."""
    shown = " ".join("".join(ch for ch in str(text) if unicodedata.category(ch) not in ("Cc", "Cf")).split())
    missing = missing_glyphs(shown)
    if not missing:
        return shown
    log.warning("chart label %r: no font on this machine draws %s; the label is drawn without them", shown,
                ", ".join(f"U+{ord(ch):04X}" for ch in missing))
    return " ".join("".join(ch for ch in shown if ch not in missing).split())


def _figure(width: float, height: float) -> Figure:
    figure = Figure(figsize=(width, height), dpi=100, layout="tight")
    FigureCanvasAgg(figure)
    return figure


def _png(figure: Figure) -> bytes:
    """The figure's PNG; no time stamp in it, so the same chart is the same bytes (an attachment is uploaded
    again only when its bytes change). Labels pass through :func:`drawable` first; a glyph missing all the same
    is logged, not raised."""
    buffer = io.BytesIO()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(buffer, format="png", metadata={"Software": None})
    for warning in caught:
        if "missing from font" in str(warning.message):
            log.warning("a chart shows an empty box: %s", warning.message)
    return buffer.getvalue()


@contextlib.contextmanager
def _drawing() -> Iterator[None]:
    """One chart at a time (matplotlib's font cache and text layout are not made for concurrent drawing),
    with the Latin and the CJK font as the font family (matplotlib falls back from one to the next)."""
    with _LOCK, matplotlib.rc_context({"font.family": list(font_families()), "font.size": 9}):
        yield


def burnup_chart(series: pd.DataFrame, title: str, language: str = "en") -> bytes:
    """``series``: week, scope, done (one project's burn-up)."""
    with _drawing():
        figure = _figure(6.4, 3.2)
        axes = figure.subplots()
        # Weeks as positions with their dates as labels: far cheaper to draw than a date axis.
        x = np.arange(len(series))
        axes.plot(x, series["scope"], color="#6B778C", linewidth=2, label=_word("scope", language))
        axes.fill_between(x, series["done"], color="#36B37E", alpha=0.35)
        axes.plot(x, series["done"], color="#00875A", linewidth=2, label=_word("done", language))
        step = max(1, len(series) // 6)
        axes.set_xticks(x[::step], [pd.Timestamp(w).strftime("%m-%d") for w in series["week"].iloc[::step]])
        counted = "burnup_issues" if "unit" in series and (series["unit"] == "issues").all() else "burnup"
        axes.set_title(drawable(f"{title} · {_word(counted, language)}"), fontsize=11, loc="left")
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", alpha=0.3)
        axes.legend(loc="upper left", frameon=False)
        return _png(figure)


def cost_chart(series: pd.DataFrame, title: str, language: str = "en") -> bytes:
    """``series``: week, pv, ev, ac (one project's cost over time: rollups.cost_history)."""
    with _drawing():
        figure = _figure(6.4, 3.2)
        axes = figure.subplots()
        x = np.arange(len(series))
        axes.plot(x, series["pv"], color="#6B778C", linewidth=2, linestyle="--", label=_word("pv", language))
        axes.plot(x, series["ev"], color="#00875A", linewidth=2, label=_word("ev", language))
        axes.plot(x, series["ac"], color="#DE350B", linewidth=2, label=_word("ac", language))
        step = max(1, len(series) // 6)
        axes.set_xticks(x[::step], [pd.Timestamp(w).strftime("%m-%d") for w in series["week"].iloc[::step]])
        axes.set_title(drawable(f"{title} · {_word('cost', language)}"), fontsize=11, loc="left")
        axes.set_ylim(bottom=0)
        axes.grid(axis="y", alpha=0.3)
        axes.legend(loc="upper left", frameon=False)
        return _png(figure)


def rag_history_chart(history: pd.DataFrame, language: str = "en", reconstructed: set[str] | None = None) -> bytes:
    """``history``: project × period → green/amber/red (``rollups.history.rag_history``); the periods in
    ``reconstructed`` (rebuilt from the changelog) are marked with a star."""
    rebuilt = reconstructed or set()
    codes = {"green": 0, "amber": 1, "red": 2}
    grid = history.apply(lambda column: column.map(codes)).to_numpy(dtype=float)
    with _drawing():
        figure = _figure(min(2.5 + 0.7 * history.shape[1], 11), 1.2 + 0.32 * history.shape[0])
        axes = figure.subplots()
        cmap = ListedColormap([RAG_COLOURS["green"], RAG_COLOURS["amber"], RAG_COLOURS["red"]]).with_extremes(
            bad="#EBECF0")
        axes.imshow(np.ma.masked_invalid(grid), cmap=cmap, vmin=0, vmax=2, aspect="auto")
        axes.set_xticks(range(history.shape[1]), [f"{c}*" if str(c) in rebuilt else str(c) for c in history.columns],
                        rotation=45, ha="right")
        axes.set_yticks(range(history.shape[0]), [drawable(i) for i in history.index])
        title = _word("rag_history", language)
        if rebuilt & {str(c) for c in history.columns}:
            title += "  " + _word("rebuilt", language)
        axes.set_title(title, fontsize=11, loc="left")
        axes.tick_params(length=0)
        for spine in axes.spines.values():
            spine.set_visible(False)
        return _png(figure)


def heat_map_chart(grid: pd.DataFrame, language: str = "en") -> bytes:
    """``grid``: impact (rows 5..1) × probability (columns 1..5) → count of open risks."""
    impact = np.array(grid.index, dtype=float)[:, None]
    probability = np.array(grid.columns, dtype=float)[None, :]
    severity = impact * probability  # the colour of a cell is its score, whatever its count
    with _drawing():
        figure = _figure(4.2, 3.6)
        axes = figure.subplots()
        axes.imshow(severity, cmap="RdYlGn_r", vmin=1, vmax=25, alpha=0.85)
        for (row, column), count in np.ndenumerate(grid.to_numpy()):
            axes.text(column, row, str(int(count)) if count else "", ha="center", va="center", fontsize=12,
                      color="#172B4D")
        axes.set_xticks(range(grid.shape[1]), [str(c) for c in grid.columns])
        axes.set_yticks(range(grid.shape[0]), [str(i) for i in grid.index])
        axes.set_xlabel(_word("probability", language))
        axes.set_ylabel(_word("impact", language))
        axes.set_title(_word("heat_map", language), fontsize=11, loc="left")
        return _png(figure)


def _ink_on(rgba: tuple[float, ...]) -> str:
    """Dark text on a light cell, white on a dark one (relative luminance, WCAG's formula)."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgba[:3])
    return "#172B4D" if 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.22 else "#FFFFFF"


def resource_load_chart(load: pd.DataFrame, language: str = "en", people: int = 15) -> bytes:
    """``load``: person, week, load, capacity (``rollups.resources.weekly_load``); the most loaded people."""
    ratio = load.assign(ratio=100 * load["load"] / load["capacity"])
    grid = ratio.pivot_table(index="person", columns="week", values="ratio", aggfunc="sum", fill_value=0.0)
    everyone = len(grid)
    grid = grid.loc[grid.max(axis=1).sort_values(ascending=False).index[:people]]
    title = _word("load", language) + (Words(language)(f" · the {people} most loaded of {everyone}",
                                                       f" · 负荷最高的 {people} 人（共 {everyone} 人）")
                                       if everyone > people else "")
    with _drawing():
        figure = _figure(min(3 + 0.8 * grid.shape[1], 11), 1.3 + 0.32 * max(grid.shape[0], 1))
        axes = figure.subplots()
        image = axes.imshow(grid.to_numpy(), cmap="RdYlGn_r", vmin=0, vmax=200, aspect="auto")
        for (row, column), value in np.ndenumerate(grid.to_numpy()):
            axes.text(column, row, f"{value:.0f}%", ha="center", va="center", fontsize=8,
                      color=_ink_on(tuple(image.cmap(image.norm(value)))))
        axes.set_xticks(range(grid.shape[1]), [pd.Timestamp(c).strftime("%m-%d") for c in grid.columns])
        axes.set_yticks(range(grid.shape[0]), [drawable(p) for p in grid.index])
        axes.set_title(title, fontsize=11, loc="left")
        axes.tick_params(length=0)
        return _png(figure)
