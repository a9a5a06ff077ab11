"""What every page builder shares: the report's language and words, titles of the pages it links to, the
Jira server id for issue macros, the inputs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from markupsafe import Markup

from config.language import Words

from ..inputs import ReportInputs
from .storage import colour_word, jira_issue, page_link, status


@dataclass
class PageContext:
    inputs: ReportInputs
    language: str
    jira_server_id: str | None
    project_titles: dict[str, str]  # project -> title of its page, where the report has one
    program_titles: dict[str, str]
    program_names: dict[str, str]
    charts: bool

    def __post_init__(self) -> None:
        self.t = Words(self.language)  # t(en, zh)

    def issue(self, key: Any) -> Markup | str:
        return jira_issue(key, self.jira_server_id) if key else "—"

    def project(self, project: str) -> Markup | str:
        """The project as a link to its page when the report has one, else its key."""
        title = self.project_titles.get(project)
        return page_link(title, project) if title else project

    def program(self, program: str) -> Markup | str:
        title = self.program_titles.get(program)
        name = self.program_names.get(program, program)
        return page_link(title, name) if title else name

    def colour(self, rag: str) -> Markup:
        """A RAG lozenge: GREEN/AMBER/RED, or 绿/黄/红."""
        return status(colour_word(self.t, rag), rag)
