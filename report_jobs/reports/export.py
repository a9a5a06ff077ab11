"""The report's roll-ups as tables for the PMO's own analysis: one sheet per roll-up (projects, milestones, budget
and earned value, risks, resources, compliance gaps, KPIs, history), as an Excel workbook or as CSV files.

Cells are typed (numbers as numbers, dates as dates, lists joined), headers frozen with a filter on them. Text
from Jira is never read as a formula: a summary that starts with ``=`` stays text (in CSV it is quoted with a
leading apostrophe, as spreadsheet programs would otherwise run it). The workbook's bytes depend on its
content only (no time of writing inside), so an unchanged report uploads nothing again.
"""

from __future__ import annotations

import csv
import io
import math
import re
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from config.language import Words

from .inputs import ReportInputs
from .rollups.rag import reasons_in
from .words import COLOUR_NAMES, GATE_STATES

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Characters XML 1.0 cannot carry (openpyxl refuses them): dropped, as on the pages.
_UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet program reads as the start of a formula
_FIXED_TIME = datetime(2000, 1, 1)  # the workbook's "created" and "modified": content, not the clock, decides
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Column:
    name: str  # the roll-up's column
    en: str
    zh: str


@dataclass(frozen=True)
class Sheet:
    id: str  # the CSV file's name and the sheet's English title
    zh: str
    columns: tuple[Column, ...]
    rows: Callable[[ReportInputs, str], pd.DataFrame]  # (inputs, language) -> the sheet's rows


def _c(name: str, en: str, zh: str) -> Column:
    return Column(name, en, zh)


def _joined(value: Any) -> Any:
    if isinstance(value, list | tuple | set | frozenset):
        return "; ".join(str(v) for v in value)
    return value


def _projects(inputs: ReportInputs, language: str) -> pd.DataFrame:
    p = inputs.portfolio
    out = p.rag.copy()
    out["reasons"] = pd.Series(reasons_in(out, language), index=out.index, dtype=object)
    out["name"] = out["project"].map(lambda k: inputs.names.get(str(k), ""))
    out["record"] = out["project"].map(lambda k: inputs.records.get(str(k), ""))
    for frame, columns in ((p.budget, ["program"]),
                           (p.progress["project"], ["issues", "done", "points", "done_points", "pct_points"]),
                           (p.milestones, ["next_key", "next_due"]),
                           (p.compliance, ["score", "gaps"])):
        if not frame.empty:
            out = out.merge(frame[["project", *columns]], on="project", how="left")
    if not p.gates.empty:
        gates = p.gates.astype(object).rename(columns=lambda g: f"gate {g}").reset_index()
        out = out.merge(gates, on="project", how="left")
    return out


def _milestones(inputs: ReportInputs, language: str) -> pd.DataFrame:
    frame = inputs.portfolio.frame
    stones = frame.loc[frame["type"] == "Milestone", ["key", "project", "summary", "status", "due", "done",
                                                       "resolved", "assignee"]].copy()
    stones["slipped_days"] = stones["key"].map(inputs.portfolio.slipped).fillna(0).astype("int64")
    return stones.sort_values(["project", "due", "key"], na_position="last")


def _budget(inputs: ReportInputs, language: str) -> pd.DataFrame:
    p = inputs.portfolio
    if p.budget.empty:
        return p.budget
    earned = p.earned.drop(columns=["program"], errors="ignore")
    return p.budget.merge(earned, on="project", how="left") if not earned.empty else p.budget


def _history(inputs: ReportInputs, language: str) -> pd.DataFrame:
    history = inputs.history
    if history.empty:
        return pd.DataFrame(columns=["project", "period", "rag"])
    long = history.rename_axis(index="project").reset_index().melt(
        id_vars="project", var_name="period", value_name="rag").dropna(subset=["rag"])
    return long.sort_values(["project", "period"])


def _gaps(inputs: ReportInputs, language: str) -> pd.DataFrame:
    return inputs.portfolio.gaps


def _kpis(inputs: ReportInputs, language: str) -> pd.DataFrame:
    return inputs.kpis


SHEETS: tuple[Sheet, ...] = (
    Sheet("projects", "项目", (
        _c("project", "Project", "项目"), _c("name", "Name", "名称"), _c("program", "Program", "项目群"),
        _c("record", "Record", "项目记录"), _c("rag", "Status", "状态"), _c("reasons", "Why", "原因"),
        _c("issues", "Work items", "工作项"), _c("done", "Done", "已完成"), _c("points", "Points", "点数"),
        _c("done_points", "Points done", "已完成点数"), _c("pct_points", "% done (points)", "完成率（点数）%"),
        _c("next_key", "Next milestone", "下一个里程碑"), _c("next_due", "Due", "到期日"),
        _c("score", "Compliance", "合规得分"), _c("gaps", "Gaps", "差距数"),
        _c("schedule_value", "Schedule behind (pts)", "进度落后（百分点）"), _c("schedule_rag", "Schedule", "进度"),
        _c("milestones_value", "Milestones overdue", "逾期里程碑"), _c("milestones_rag", "Milestones", "里程碑"),
        _c("slippage_value", "Largest slip (days)", "最大延误（天）"), _c("slippage_rag", "Slippage", "延误"),
        _c("budget_value", "Forecast over budget %", "预测超预算 %"), _c("budget_rag", "Budget", "预算"),
        _c("spent_value", "Spent over budget %", "已超支 %"), _c("spent_rag", "Spent", "已支出"),
        _c("cpi_value", "CPI", "CPI"), _c("cpi_rag", "Cost performance", "成本绩效"),
        _c("compliance_rag", "Compliance colour", "合规"),
        _c("risk_value", "Worst risk score", "最高风险分"), _c("risk_rag", "Risk", "风险"),
    ), _projects),
    Sheet("milestones", "里程碑", (
        _c("key", "Milestone", "里程碑"), _c("project", "Project", "项目"), _c("summary", "Summary", "摘要"),
        _c("status", "Status", "状态"), _c("due", "Due", "到期日"), _c("done", "Done", "已完成"),
        _c("resolved", "Done on", "完成日期"), _c("assignee", "Owner", "负责人"),
        _c("slipped_days", "Slipped (days)", "延误（天）"),
    ), _milestones),
    Sheet("budget", "预算与挣值", (
        _c("project", "Project", "项目"), _c("program", "Program", "项目群"),
        _c("budget", "Budget (BAC)", "预算（BAC）"), _c("actual_cost", "Actual cost", "实际成本"),
        _c("forecast_cost", "Forecast", "预测成本"),
        _c("pct_spent", "% spent", "已支出 %"), _c("forecast_variance", "Forecast variance", "预测偏差"),
        _c("forecast_variance_pct", "Forecast variance %", "预测偏差 %"), _c("pv", "PV", "PV"), _c("ev", "EV", "EV"),
        _c("ac", "AC", "AC"), _c("sv", "SV", "SV"), _c("cv", "CV", "CV"), _c("spi", "SPI", "SPI"),
        _c("cpi", "CPI", "CPI"), _c("eac", "EAC", "EAC"), _c("etc", "ETC", "ETC"), _c("vac", "VAC", "VAC"),
    ), _budget),
    Sheet("risks", "风险", (
        _c("key", "Risk", "风险"), _c("project", "Project", "项目"), _c("summary", "Summary", "摘要"),
        _c("status", "Status", "状态"), _c("probability", "Probability", "可能性"), _c("impact", "Impact", "影响"),
        _c("score", "Score", "得分"), _c("assignee", "Owner", "负责人"),
    ), lambda inputs, _: inputs.portfolio.risks.sort_values(["score", "key"], ascending=[False, True])),
    Sheet("resources", "资源", (
        _c("person", "Person", "人员"), _c("week", "Week", "周"), _c("load", "Load", "负荷"),
        _c("capacity", "Capacity", "产能"), _c("over", "Over capacity", "超出产能"),
        _c("projects", "Projects", "项目"),
    ), lambda inputs, _: inputs.portfolio.load),
    Sheet("compliance-gaps", "合规差距", (
        _c("project", "Project", "项目"), _c("issue", "Issue", "事项"), _c("rule", "Rule", "规则"),
        _c("kind", "Kind", "类型"), _c("severity", "Severity", "严重程度"), _c("state", "State", "状态"),
        _c("in_grace", "In grace period", "宽限期内"), _c("message", "Gap", "差距"), _c("fix", "Fix", "修正方法"),
    ), _gaps),
    Sheet("kpis", "KPI", (
        _c("manager", "Project manager", "项目经理"), _c("done", "Milestones done", "已完成里程碑"),
        _c("on_time", "On time", "按时完成"), _c("on_time_pct", "On time %", "按时率 %"),
        _c("gates", "Gates reviewed", "已评审阶段关口"), _c("first_pass", "Passed first time", "一次通过"),
        _c("first_pass_pct", "First pass %", "一次通过率 %"),
        _c("avg_slip_days", "Average slip (days)", "平均延误（天）"),
        _c("forecast_accuracy_pct", "Forecast accuracy %", "预测准确率 %"),
        _c("compliance", "Compliance", "合规得分"), _c("compliance_change", "Change since last period", "较上期变化"),
    ), _kpis),
    Sheet("history", "历史", (
        _c("project", "Project", "项目"), _c("period", "Period", "周期"), _c("rag", "Status", "状态"),
    ), _history),
)


def tables(inputs: ReportInputs, language: str = "en") -> dict[str, tuple[str, pd.DataFrame]]:
    """Sheet id -> (its title in ``language``, the table with headers in ``language``), in the sheets' order.
    Gate columns of the projects sheet (one per gate the portfolio has) follow the fixed ones."""
    t = Words(language)
    out: dict[str, tuple[str, pd.DataFrame]] = {}
    for sheet in SHEETS:
        frame = _in_words(sheet.rows(inputs, language), t)
        columns = [c for c in sheet.columns if c.name in frame.columns]
        extra = [name for name in frame.columns if str(name).startswith("gate ")]
        chosen = frame[[c.name for c in columns] + extra].copy() if len(frame.columns) else pd.DataFrame(
            columns=[c.name for c in sheet.columns])
        headers = [t(c.en, c.zh) for c in columns] + [t("Gate {g}", "阶段关口 {g}").format(g=str(n)[5:])
                                                         for n in extra]
        if not len(frame.columns):
            headers = [t(c.en, c.zh) for c in sheet.columns]
        chosen.columns = headers
        out[sheet.id] = (t(sheet.id.replace("-", " ").capitalize(), sheet.zh), chosen.reset_index(drop=True))
    return out


def _in_words(frame: pd.DataFrame, t: Words) -> pd.DataFrame:
    """Colours and gate states as the pages say them (绿/黄/红 in Chinese), not as codes."""
    coded = [c for c in frame.columns if c == "rag" or str(c).endswith("_rag") or str(c).startswith("gate ")]
    if not coded:
        return frame
    frame = frame.copy()
    for column in coded:
        names = GATE_STATES if str(column).startswith("gate ") else COLOUR_NAMES
        frame[column] = frame[column].astype(object).map(lambda v, n=names: t(*n[v]) if v in n else v)
    return frame


def cell_value(value: Any) -> Any:
    """A value as a spreadsheet cell holds it: a number, a date, a datetime (naive, UTC), a bool, text or
    None for nothing."""
    value = _joined(value)
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        value = value.tz_convert("UTC").tz_localize(None) if value.tzinfo else value
        return value.date() if value == value.normalize() else value.to_pydatetime()
    if isinstance(value, datetime):
        return value if value.tzinfo is None else \
            pd.Timestamp(value).tz_convert("UTC").tz_localize(None).to_pydatetime()
    if isinstance(value, date | bool):
        return value
    if hasattr(value, "item") and not isinstance(value, str):  # a numpy scalar
        value = value.item()
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, int):
        return value
    text = _UNWRITABLE.sub("", str(value))
    return text or None


def workbook(inputs: ReportInputs, language: str = "en") -> bytes:
    """The report's tables as an ``.xlsx`` workbook: one sheet per roll-up, headers frozen and filtered, dates
    formatted as dates. The same content gives the same bytes."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    for unused in list(book.worksheets):  # the empty sheet a new workbook starts with
        book.remove(unused)
    for title, frame in tables(inputs, language).values():
        sheet = book.create_sheet(title[:31])  # Excel's limit on a sheet's name
        sheet.append(list(frame.columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        widths = [len(str(h)) for h in frame.columns]
        for row in frame.itertuples(index=False):
            values = [cell_value(v) for v in row]
            sheet.append(values)
            for column, value in enumerate(values):
                if value is not None:
                    widths[column] = max(widths[column], min(60, len(str(value))))
        for cell_row in sheet.iter_rows(min_row=2):
            for cell in cell_row:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, never a formula, whatever it starts with
                elif isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"
        if frame.columns.size:
            sheet.auto_filter.ref = f"A1:{get_column_letter(frame.columns.size)}{max(1, len(frame) + 1)}"
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = max(8, width + 2) * (1.7 if language == "zh"
                                                                                           else 1.0)
    book.properties.creator = "pmokit"
    book.properties.created = book.properties.modified = _FIXED_TIME
    raw = io.BytesIO()
    book.save(raw)
    return _without_times(raw.getvalue())


def _without_times(data: bytes) -> bytes:
    """The same zip with every entry dated alike (zip entries carry the time they were written) and the core
    properties' "modified" (openpyxl writes the clock's time there) fixed."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 rb"\g<1>2000-01-01T00:00:00Z\g<2>", content)
            target.writestr(zipfile.ZipInfo(entry.filename, date_time=_ZIP_TIME), content,
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _csv_text(value: Any) -> str:
    value = cell_value(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(round(value, 6))
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_csv(inputs: ReportInputs, directory: Path, language: str = "en") -> list[Path]:
    """One UTF-8 CSV file per sheet (``projects.csv``, ``milestones.csv``…) in ``directory``, headers in
    ``language``; with a byte-order mark, so that Excel opens Chinese text as Chinese."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for sheet_id, (_, frame) in tables(inputs, language).items():
        path = directory / f"{sheet_id}.csv"
        with path.open("w", encoding="utf-8-sig", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(frame.columns)
            writer.writerows([_csv_text(v) for v in row] for row in frame.itertuples(index=False))
        written.append(path)
    return written


def sheet_ids() -> Iterable[str]:
    return (sheet.id for sheet in SHEETS)


def workbook_name(report: str) -> str:
    """The workbook's file name on the portfolio page: the report's name, as a file name may carry it."""
    return (re.sub(r"[^\w.-]+", "-", report).strip(".-") or "report") + ".xlsx"
