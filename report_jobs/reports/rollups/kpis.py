"""Project managers' KPIs, each from what happened: gates passed at the first review (the gates' states and the
PMO's recorded decisions), milestones done on time, the average slippage of their milestones (the changelog),
forecast accuracy on closed projects, and their projects' compliance against the previous period."""

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


REVIEWED = ("pass", "breach", "hold", "kill")  # states only a review (or a pass) leads to
PASSED = ("pass", "breach")  # passed (a breach passed, and its criteria later lapsed)


def first_pass(gates: pd.DataFrame, approvals: Iterable[AuditEvent], records: dict[str, str],
               managers: dict[str, str]) -> pd.DataFrame:
    """Per project manager: the gates their projects have been reviewed at, and how many passed at the first
    review. A gate is reviewed once it has passed (or was held or killed) or has a decision recorded; one still
    failing or waiting with no decision is work in progress, not counted. Passed at the first review: passed,
    with no decision recorded against it other than a go."""
    decisions: dict[tuple[str, str], list[str | None]] = {}
    for event in approvals:
        decisions.setdefault((event.issue_key, str(event.rule_id)), []).append(event.state)
    rows = []
    for project, states in gates.iterrows():
        record = records.get(str(project), "")
        for gate, state in states.items():
            taken = decisions.get((record, str(gate)), [])
            if state not in REVIEWED and not taken:
                continue
            only_go = all(d in (GO, CONDITIONAL_GO) for d in taken)
            rows.append((managers.get(str(project), "—"), state in PASSED and only_go))
    per = pd.DataFrame(rows, columns=["manager", "first_pass"])
    out = per.groupby("manager", sort=True).agg(gates=("first_pass", "size"), first_pass=("first_pass", "sum"))
    out["first_pass_pct"] = (100 * out["first_pass"] / out["gates"].where(out["gates"] > 0)).round(1)
    return out.reset_index()


def average_slippage(frame: pd.DataFrame, slipped: pd.Series, managers: dict[str, str], *,
                     milestone_type: str = "Milestone") -> pd.DataFrame:
    """Per project manager: the mean number of days their milestones' due dates moved (0 for one never moved)."""
    m = frame.loc[frame["type"] == milestone_type, ["key", "project"]]
    days = m["key"].map(slipped).fillna(0).astype(float) if len(slipped) else pd.Series(0.0, index=m.index)
    days = days.clip(lower=0)  # a milestone brought forward did not slip
    per = pd.DataFrame({"manager": m["project"].astype(str).map(managers).fillna("—").to_numpy(),
                        "slip": days.to_numpy()})
    return per.groupby("manager", sort=True)["slip"].mean().round(1).rename("avg_slip_days").reset_index()


def forecast_accuracy(money: pd.DataFrame, phases: dict[str, str | None], managers: dict[str, str],
                      closing: tuple[str, ...]) -> pd.DataFrame:
    """Per project manager, over their projects in a closing phase (``closing``): how near the forecast came to
    the actual cost, 100 − |forecast − actual| ÷ actual × 100 (mean); none while no project has closed."""
    m = money[money["project"].astype(str).map(phases).isin(closing) & (money["actual_cost"] > 0)
              & money["forecast_cost"].notna()]
    accuracy = 100 - (m["forecast_cost"] - m["actual_cost"]).abs() / m["actual_cost"] * 100
    per = pd.DataFrame({"manager": m["project"].astype(str).map(managers).fillna("—").to_numpy(),
                        "accuracy": accuracy.clip(lower=0).to_numpy()})
    return per.groupby("manager", sort=True)["accuracy"].mean().round(1).rename("forecast_accuracy_pct") \
        .reset_index()


def compliance_trend(stored: pd.DataFrame, managers: dict[str, str]) -> pd.DataFrame:
    """Per project manager: their projects' mean compliance score this period and its change since the previous
    one (``stored``: the status snapshots, with ``compliance_value``)."""
    columns = ["manager", "compliance", "compliance_change"]
    if stored.empty or "compliance_value" not in stored.columns:
        return pd.DataFrame(columns=columns)
    periods = sorted(stored["period"].unique())
    scores = stored.assign(manager=stored["project"].astype(str).map(managers).fillna("—")) \
        .groupby(["manager", "period"])["compliance_value"].mean().unstack("period")
    now = scores[periods[-1]]
    before = scores[periods[-2]] if len(periods) > 1 else pd.Series(float("nan"), index=scores.index)
    return pd.DataFrame({"manager": scores.index, "compliance": now.round(1).to_numpy(),
                         "compliance_change": (now - before).round(1).to_numpy()}, columns=columns)


def manager_kpis(*tables: pd.DataFrame) -> pd.DataFrame:
    """The KPI tables side by side, one row per manager."""
    out = pd.DataFrame({"manager": pd.Series([], dtype=object)})
    for table in tables:
        out = out.merge(table, on="manager", how="outer")
    return out.sort_values("manager").reset_index(drop=True)
