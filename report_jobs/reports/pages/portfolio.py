"""The portfolio page: one table of projects with their colour and why, progress, budget, milestones, gates."""

from __future__ import annotations

from typing import Any

import pandas as pd

from ..rollups.compliance import portfolio_score
from ..rollups.rag import colour_counts
from .context import PageContext
from .storage import check, environment


def _value(frame: pd.DataFrame, project: str, column: str) -> Any:
    if frame.empty or column not in frame.columns or project not in frame.index:
        return None
    value = frame.at[project, column]
    return None if value is None or (isinstance(value, float) and value != value) or value is pd.NaT else value


def portfolio_page(ctx: PageContext, *, period: str, rag: pd.DataFrame, progress: pd.DataFrame,
                   portfolio_progress: pd.DataFrame, budget: pd.DataFrame, milestones: pd.DataFrame,
                   compliance: pd.DataFrame, gates: pd.DataFrame, records: dict[str, str]) -> str:
    """Storage format of the portfolio page; raises ``ValueError`` if it would not be well-formed."""
    by = {name: frame.set_index("project") if "project" in frame.columns else frame
          for name, frame in (("progress", progress), ("budget", budget), ("milestones", milestones),
                              ("compliance", compliance))}
    projects = []
    row: Any  # a row of the RAG frame: project, rag, reasons, …
    for row in sorted(rag.itertuples(), key=lambda r: (ctx.name(str(r.project)).casefold(), str(r.project))):
        project = row.project
        due = _value(by["milestones"], project, "next_due")
        gate_row = gates.loc[project] if project in gates.index else pd.Series(dtype=object)
        program = _value(by["budget"], project, "program") or ""
        projects.append({
            "project": project, "name": ctx.name(project), "shown": ctx.project(project),
            "record": ctx.issue(records.get(project)) if records.get(project) else "",
            "rag": ctx.colour(row.rag), "reasons": list(row.reasons),
            "program": ctx.program(program) if program else "—",
            "pct_points": _value(by["progress"], project, "pct_points"),
            "pct_spent": _value(by["budget"], project, "pct_spent"),
            "next": ctx.issue(_value(by["milestones"], project, "next_key"))
            if _value(by["milestones"], project, "next_key") else "",
            "next_due": due.date().isoformat() if due is not None else "",
            "compliance": _value(by["compliance"], project, "score"),
            "gaps": _value(by["compliance"], project, "top_gaps") or [],
            "gates": [ctx.gate(str(gate), state) for gate, state in gate_row.items() if isinstance(state, str)],
        })
    gate_ids = [str(g) for g in gates.columns] if not gates.empty else []
    body = environment().get_template("portfolio.xml.j2").render(
        period=period, projects=projects, t=ctx.t,
        rag_counts=ctx.colour_counts(colour_counts(str(r) for r in rag["rag"])),
        portfolio=portfolio_progress.iloc[0].to_dict() if not portfolio_progress.empty else {"pct_points": None},
        compliance_score=portfolio_score(compliance),
        gate_legend=ctx.gate_legend(gate_ids) if gate_ids else "")
    check(body)
    return body
