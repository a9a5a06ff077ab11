"""Compliance and gates from rule results: scores per project and program, the gaps, each gate's state."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from rules.engine import compliance as project_compliance
from rules.results import Compliance, Result


def compliance_frame(results: Iterable[Result], program_of: Mapping[str, str]) -> pd.DataFrame:
    """Per project: score (severity-weighted pass rate), passed, gaps, program; and per program the same,
    weighted by each project's checks."""
    return compliance_table(project_compliance(results), program_of)


def compliance_table(scores: Mapping[str, Compliance], program_of: Mapping[str, str]) -> pd.DataFrame:
    """``compliance_frame`` from the projects' compliance already computed."""
    rows = [{"project": p, "program": program_of.get(p, ""), "score": c.score, "passed": c.passed,
             "gaps": c.failed, "top_gaps": [f"{g.issue_key} {g.rule_id}: {g.message}" for g in c.gaps[:5]]}
            for p, c in scores.items()]
    return pd.DataFrame(rows, columns=["project", "program", "score", "passed", "gaps", "top_gaps"])


GAP_COLUMNS = ["project", "issue", "rule", "kind", "severity", "state", "in_grace", "message", "fix"]


def compliance_gaps(scores: Mapping[str, Compliance]) -> pd.DataFrame:
    """Every failing or waiting result of a project, one row each, worst first within a project."""
    rows = [{"project": c.project_key, "issue": g.identity, "rule": g.rule_id, "kind": g.kind,
             "severity": g.severity.value, "state": g.state.value, "in_grace": g.in_grace, "message": g.message,
             "fix": g.fix} for c in scores.values() for g in c.gaps]
    return pd.DataFrame(rows, columns=GAP_COLUMNS)


def program_compliance(projects: pd.DataFrame) -> pd.DataFrame:
    checks = projects["passed"] + projects["gaps"]
    weighted = (projects["score"] * checks).groupby(projects["program"]).sum()
    out = pd.DataFrame({"checks": checks.groupby(projects["program"]).sum(),
                        "gaps": projects.groupby("program")["gaps"].sum()})
    out["score"] = (weighted / out["checks"].where(out["checks"] > 0)).round(1)
    return out.reset_index()


def portfolio_score(projects: pd.DataFrame) -> float | None:
    """The portfolio's compliance score: the projects' scores weighted by their checks (None: no checks)."""
    if projects.empty:
        return None
    weights = projects["passed"] + projects["gaps"]
    return float((projects["score"] * weights).sum() / weights.sum()) if weights.sum() else None


def gate_states(results: Iterable[Result]) -> pd.DataFrame:
    """Project × gate: the state of each gate on the project record (pass, pending, fail, skipped, error; breach
    for a passed gate whose criteria are no longer met, hold and kill for the PMO's decisions)."""
    rows = [(r.project_key, r.rule_id, "breach" if r.breach else r.decision if r.decision in ("hold", "kill")
             else r.state.value) for r in results if r.kind == "gate"]
    frame = pd.DataFrame(rows, columns=["project", "gate", "state"])
    return frame.pivot_table(index="project", columns="gate", values="state", aggfunc="first").sort_index()
