"""Project managers' KPIs: the on-time rate of their milestones, and gates passed at the first decision."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from pmokit.store.tables import AuditEvent
from rules.gates import CONDITIONAL_GO, GO


def on_time_milestones(frame: pd.DataFrame, *, record_type: str = "Project",
                       milestone_type: str = "Milestone") -> pd.DataFrame:
    """Per project manager (the assignee of each project's record): milestones done, done by their due date,
    and the on-time rate."""
    managers = frame.loc[frame["type"] == record_type, ["project", "assignee"]].drop_duplicates("project") \
        .set_index("project")["assignee"].astype(object)
    m = frame.loc[(frame["type"] == milestone_type) & frame["done"] & frame["due"].notna(),
                  ["project", "due", "resolved"]]
    on_time = m["resolved"].notna() & (m["resolved"].dt.normalize() <= m["due"])
    per = pd.DataFrame({"manager": m["project"].astype(object).map(managers).fillna("—").to_numpy(),
                        "done": 1, "on_time": on_time.astype(int).to_numpy()})
    out = per.groupby("manager", sort=True).sum()
    out["on_time_pct"] = (100 * out["on_time"] / out["done"]).round(1)
    return out.reset_index()


def first_decisions(approvals: Iterable[AuditEvent], managers: dict[str, str]) -> pd.DataFrame:
    """Per project manager: gates decided, and passed at the first decision (``approvals``: the audit's
    approval events, oldest first, each with ``issue_key``, ``rule_id`` and ``state`` — the decision)."""
    first: dict[tuple[str, str | None], str | None] = {}
    for event in approvals:
        first.setdefault((event.issue_key, event.rule_id), event.state)
    rows = [(managers.get(key.split("-")[0], "—"), decision in (GO, CONDITIONAL_GO))
            for (key, _gate), decision in first.items()]
    per = pd.DataFrame(rows, columns=["manager", "first_pass"])
    out = per.groupby("manager", sort=True).agg(gates=("first_pass", "size"), first_pass=("first_pass", "sum"))
    out["first_pass_pct"] = (100 * out["first_pass"] / out["gates"]).round(1)
    return out.reset_index()
