"""The portfolio page: one table of projects with their colour and why, progress, budget, milestones, gates."""

from __future__ import annotations

from typing import Any

import pandas as pd

from config.language import Words

from ..rollups.compliance import portfolio_score
from ..rollups.rag import colour_counts
from .storage import check, colour_word, environment


def _value(frame: pd.DataFrame, project: str, column: str) -> Any:
    if frame.empty or column not in frame.columns or project not in frame.index:
        return None
    value = frame.at[project, column]
    return None if value is None or (isinstance(value, float) and value != value) or value is pd.NaT else value


def portfolio_page(*, period: str, language: str, rag: pd.DataFrame,
                   progress: pd.DataFrame, portfolio_progress: pd.DataFrame, budget: pd.DataFrame,
                   milestones: pd.DataFrame, compliance: pd.DataFrame, gates: pd.DataFrame,
                   records: dict[str, str], jira_server_id: str | None = None,
                   project_titles: dict[str, str] | None = None, program_names: dict[str, str] | None = None) -> str:
    """Storage format of the portfolio page; raises ``ValueError`` if it would not be well-formed."""
    by = {name: frame.set_index("project") if "project" in frame.columns else frame
          for name, frame in (("progress", progress), ("budget", budget), ("milestones", milestones),
                              ("compliance", compliance))}
    projects = []
    row: Any  # a row of the RAG frame: project, rag, reasons, …
    for row in rag.sort_values("project").itertuples():
        project = row.project
        due = _value(by["milestones"], project, "next_due")
        gate_row = gates.loc[project] if project in gates.index else pd.Series(dtype=object)
        projects.append({
            "project": project, "record": records.get(project), "rag": row.rag, "reasons": list(row.reasons),
            "program": _value(by["budget"], project, "program") or "",
            "pct_points": _value(by["progress"], project, "pct_points"),
            "pct_spent": _value(by["budget"], project, "pct_spent"),
            "next_key": _value(by["milestones"], project, "next_key"),
            "next_due": due.date().isoformat() if due is not None else "",
            "compliance": _value(by["compliance"], project, "score"),
            "gaps": _value(by["compliance"], project, "top_gaps") or [],
            # A breach or a decision says its name beside the gate: a colour alone would not.
            "gates": [(gate if state in ("pass", "pending", "fail", "skipped", "error") else f"{gate} {state}", state)
                      for gate, state in gate_row.items() if isinstance(state, str)],
        })
    score = portfolio_score(compliance)
    body = environment().get_template("portfolio.xml.j2").render(
        period=period, projects=projects,
        rag_counts=colour_counts(p["rag"] for p in projects),
        portfolio=portfolio_progress.iloc[0].to_dict() if not portfolio_progress.empty else {"pct_points": None},
        compliance_score=score, jira_server_id=jira_server_id,
        project_titles=project_titles or {}, program_names=program_names or {},
        t=(t := Words(language)), colour_word=lambda rag, upper=True: colour_word(t, rag, upper=upper))
    check(body)
    return body
