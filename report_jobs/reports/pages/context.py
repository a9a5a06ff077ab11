"""What every page builder shares: the report's language and words, titles of the pages it links to, where Jira
is (issue macros with a server id, else links to Jira's issue and project pages), the projects' names, the gates'
names and the inputs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from markupsafe import Markup, escape

from config.language import Words
from config.reports import RagThresholds, Threshold

from ..inputs import ReportInputs
from ..rollups.earned_value import below
from ..words import GATE_STATES
from .cells import number
from .sections import Table
from .storage import colour_word, jira_issue, page_link, status

# Jira's own Chinese (zh_CN) names of its default statuses: a site that kept them shows them so to a Chinese
# reader; any other status is shown as the site names it.
JIRA_STATUSES_ZH = {"to do": "待办", "in progress": "进行中", "done": "完成", "open": "打开", "closed": "已关闭",
                    "resolved": "已解决", "reopened": "重新打开", "in review": "审核中", "backlog": "待办事项"}


@dataclass
class PageContext:
    inputs: ReportInputs
    language: str
    jira_server_id: str | None
    project_titles: dict[str, str]  # project -> title of its page, where the report has one
    program_titles: dict[str, str]
    program_names: dict[str, str]
    charts: bool
    jira_url: str = ""
    gate_names: dict[str, str] = field(default_factory=dict)  # gate id -> its name in the report's language
    names: dict[str, str] = field(default_factory=dict)  # project -> its name (default: the inputs')
    thresholds: RagThresholds = field(default_factory=RagThresholds)  # reports.rag
    phase_names: dict[str, str] = field(default_factory=dict)  # phase id -> its name in the report's language

    def __post_init__(self) -> None:
        self.t = Words(self.language)  # t(en, zh)
        if not self.names and self.inputs is not None:  # a page built without inputs (a test) gives names
            self.names = self.inputs.names

    def issue(self, key: Any) -> Markup | str:
        """An issue key: Jira's issue macro where the application link is configured, else a link to the issue."""
        if not key:
            return "—"
        if self.jira_server_id or not self.jira_url:
            return jira_issue(key, self.jira_server_id)
        return Markup('<a href="{}/browse/{}">{}</a>').format(self.jira_url.rstrip("/"), key, key)

    def name(self, project: str) -> str:
        """What people call the project (its record's summary, else Jira's project name), else its key."""
        return self.names.get(project) or project

    def project(self, project: str) -> Markup:
        """The project by its name, linked to its page where the report has one, with its key beside it linked to
        the project in Jira."""
        title = self.project_titles.get(project)
        name = self.name(project)
        shown = page_link(title, name) if title else escape(name)
        if name == project:
            return shown
        key: Markup | str = (Markup('<a href="{}/browse/{}">{}</a>').format(self.jira_url.rstrip("/"), project,
                                                                             project)
                             if self.jira_url else escape(project))
        return Markup("{} · {}").format(shown, key)

    def program(self, program: str) -> Markup | str:
        title = self.program_titles.get(program)
        name = self.program_names.get(program, program)
        return page_link(title, name) if title else name

    def phase(self, phase: Any) -> str:
        return self.phase_names.get(str(phase), str(phase)) if phase else "—"

    def colour(self, rag: str) -> Markup:
        """A RAG lozenge: GREEN/AMBER/RED, or 绿/黄/红."""
        return status(colour_word(self.t, rag), rag)

    def index(self, value: Any, threshold: Threshold) -> Markup | str:
        """An earned-value index (SPI, CPI) as a lozenge in its colour against ``threshold``; a dash without."""
        colour = below(value, threshold.amber, threshold.red)
        return status(f"{float(value):.2f}", colour) if colour else "—"

    def earned_value_table(self, row: Any) -> Table:
        """The earned-value figures of a project or program (a row of ``rollups.earned_value``)."""
        t, th = self.t, self.thresholds
        headers = [t("Budget (BAC)", "预算（BAC）"), t("Planned (PV)", "计划价值（PV）"),
                   t("Earned (EV)", "挣值（EV）"), t("Actual (AC)", "实际成本（AC）"), "SV", "CV", "SPI", "CPI",
                   t("Estimate at completion (EAC)", "完工估算（EAC）"), t("To complete (ETC)", "完工尚需（ETC）"),
                   t("Variance at completion (VAC)", "完工偏差（VAC）")]
        return Table(headers, [[number(row["bac"]), number(row["pv"]), number(row["ev"]), number(row["ac"]),
                                number(row["sv"]), number(row["cv"]),
                                self.index(row["spi"], th.schedule_performance_index),
                                self.index(row["cpi"], th.cost_performance_index),
                                number(row["eac"]), number(row["etc"]), number(row["vac"])]])

    def colour_counts(self, counts: list[tuple[str, int]]) -> Markup:
        """``8 RED 4 AMBER`` as lozenges, the count inside each."""
        return Markup(" ").join(status(f"{count} {colour_word(self.t, colour, upper=False)}", colour)
                                for colour, count in counts)

    def status_name(self, name: Any) -> str:
        """A Jira status as the reader calls it: Jira's Chinese name of a default status in a Chinese report."""
        text = str(name or "")
        return JIRA_STATUSES_ZH.get(text.casefold(), text) if self.language == "zh" else text

    def gate_state(self, state: str) -> str:
        return self.t(*GATE_STATES.get(state, (state, state)))

    def gate(self, gate: str, state: str) -> Markup:
        """A gate's lozenge: its id, and its state in words where a colour alone would not say it."""
        plain = state in ("pass", "pending", "fail", "skipped")
        return status(gate if plain else f"{gate} {self.gate_state(state)}", state)

    def gate_legend(self, gates: list[str]) -> Markup:
        """What each gate id means and what each colour of a gate says."""
        t = self.t
        named = "; ".join(name if name.startswith(g) else f"{g}: {name}"
                          for g in gates for name in [self.gate_names.get(g, g)])
        colours = Markup(" ").join(status(self.gate_state(s), s) for s in ("pass", "pending", "fail", "skipped",
                                                                              "breach"))
        return Markup("{} {} · {} {}").format(t("Gates:", "阶段门："), named, t("colours:", "颜色："), colours)
