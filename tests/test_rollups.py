"""Roll-ups on small data checked by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import MappingProxyType

import pandas as pd
import pytest

from pmokit.records import Change, Issue, StatusCategory, User
from report_jobs.reports.rollups.frame import issues_frame
from report_jobs.reports.rollups.milestones import due_changes_frame, milestones, slippage
from report_jobs.reports.rollups.money import budget, receivables, schedule_variance
from report_jobs.reports.rollups.progress import progress, progress_levels
from report_jobs.reports.rollups.risks import heat_map, open_risks, risks_by_project, top_risks

TODAY = date(2026, 11, 20)
DONE, WIP, TODO = StatusCategory.DONE, StatusCategory.IN_PROGRESS, StatusCategory.TODO


def issue(key, kind="Story", category=TODO, **kw):
    custom = kw.pop("custom", {})
    return Issue(id=key.split("-")[1] + key[0], key=key, project_key=key.split("-")[0], issue_type=kind,
                 summary=key, status={DONE: "Done", WIP: "In Progress", TODO: "To Do"}[category],
                 status_category=category, custom=MappingProxyType(custom), **kw)


PORTFOLIO = [
    issue("SHOP-1", "Project", WIP, custom={"budget": 1000, "actual_cost": 600, "forecast_cost": 1200,
                                            "baseline_start": "2026-01-01", "baseline_end": "2026-12-31"}),
    issue("SHOP-2", "Epic", WIP),
    issue("SHOP-3", category=DONE, story_points=5, epic_key="SHOP-2"),
    issue("SHOP-4", category=WIP, story_points=3, epic_key="SHOP-2"),
    issue("SHOP-5", category=DONE, story_points=2, parent_key="SHOP-2"),
    issue("SHOP-6", "Bug", TODO),
    issue("SHOP-7", "Milestone", DONE, due=date(2026, 6, 1)),
    issue("SHOP-8", "Milestone", TODO, due=date(2026, 11, 1), custom={"payment_amount": 300,
                                                                     "payment_status": "Invoiced"}),
    issue("SHOP-9", "Milestone", TODO, due=date(2026, 12, 15), custom={"payment_amount": 200}),
    issue("SHOP-10", "Risk", TODO, custom={"probability": 4, "impact": 5}, assignee=User("u1", "李娜")),
    issue("SHOP-11", "Risk", DONE, custom={"probability": 5, "impact": 5}),
    issue("PAY-1", "Project", WIP, custom={"budget": "2,000", "actual_cost": 500}),
    issue("PAY-2", "Task", DONE, story_points=8),
    issue("PAY-3", "Task", TODO),
    issue("PAY-4", "Risk", TODO, custom={"probability": 2, "impact": 3}),
    issue("PAY-5", "Risk", TODO),
    issue("PAY-6", "Milestone", DONE, due=date(2026, 3, 1), custom={"payment_amount": 100, "payment_status": "Paid"}),
]
PROGRAMS = {"SHOP": "storefront", "PAY": "payments"}


@pytest.fixture
def frame():
    return issues_frame(PORTFOLIO, PROGRAMS)


def test_the_frame_reads_numbers_dates_and_people(frame):
    shop = frame.set_index("key").loc["SHOP-1"]
    assert shop["budget"] == 1000 and shop["baseline_end"] == pd.Timestamp("2026-12-31")
    assert frame.set_index("key").loc["PAY-1", "budget"] == 2000.0  # "2,000" as Jira's text renders it
    assert frame.set_index("key").loc["SHOP-10", "assignee"] == "李娜"
    assert frame["program"].tolist()[:1] == ["storefront"] and len(frame) == len(PORTFOLIO)


def test_progress_by_count_and_points_at_every_level(frame):
    portfolio = progress(frame, "portfolio").iloc[0]
    # Work items: SHOP-3,4,5,6 and PAY-2,3 → 6 issues, 3 done; points 5+3+2+8 = 18, done 5+2+8 = 15.
    assert (portfolio["issues"], portfolio["done"], portfolio["pct_done"]) == (6, 3, 50.0)
    assert (portfolio["points"], portfolio["done_points"], portfolio["pct_points"]) == (18.0, 15.0, 83.3)
    by_program = progress(frame, "program").set_index("program")
    assert by_program.loc["payments", "pct_done"] == 50.0 and by_program.loc["storefront", "issues"] == 4
    epic = progress(frame, "epic").set_index("epic").loc["SHOP-2"]
    assert (epic["issues"], epic["done"], epic["pct_points"]) == (3, 2, 70.0)  # by epic link or parent
    pay = progress(frame, "project").set_index("project").loc["PAY"]
    assert pay["pct_points"] == 100.0


def test_milestones_complete_next_due_and_slippage_from_the_changelog(frame):
    ids = {i.id: i.key for i in PORTFOLIO}
    sid = next(i.id for i in PORTFOLIO if i.key == "SHOP-9")
    changes = [Change(sid, "1", datetime(2026, 9, 1, tzinfo=UTC), "duedate", from_value="2026-11-30",
                      to_value="2026-12-05"),
               Change(sid, "2", datetime(2026, 10, 1, tzinfo=UTC), "duedate", from_value="2026-12-05",
                      to_value="2026-12-15"),
               Change(sid, "3", datetime(2026, 10, 2, tzinfo=UTC), "summary", from_value="a", to_value="b")]
    slipped = slippage(frame, due_changes_frame(changes), ids)
    assert slipped["SHOP-9"] == 15 and "SHOP-8" not in slipped  # first value 30 Nov → now 15 Dec; never moved
    shop = milestones(frame, slipped, TODAY).set_index("project").loc["SHOP"]
    assert (shop["milestones"], shop["done"], shop["pct_complete"], shop["overdue"]) == (3, 1, 33.3, 1)
    assert shop["next_key"] == "SHOP-8" and shop["max_slip_days"] == 15
    pay = milestones(frame, slipped, TODAY).set_index("project").loc["PAY"]
    assert pay["pct_complete"] == 100.0 and pd.isna(pay["next_key"])


def test_budget_schedule_and_receivables(frame):
    money = budget(frame).set_index("project")
    assert money.loc["SHOP", "pct_spent"] == 60.0 and money.loc["SHOP", "forecast_variance_pct"] == 20.0
    assert money.loc["PAY", "pct_spent"] == 25.0 and pd.isna(money.loc["PAY", "forecast_variance"])
    variance = schedule_variance(frame, TODAY).set_index("project").loc["SHOP"]
    # 323 of 364 days elapsed = 88.7%; SHOP's work counted as earned value counts it, by story points (its work
    # is estimated): 70% done (2 of 4 items would say 50%) → 18.7 points behind.
    assert (variance["pct_time"], variance["pct_done"], variance["variance_pct"]) == (88.7, 70.0, -18.7)
    owed = receivables(frame, TODAY).set_index("project")
    assert owed.loc["SHOP"].to_dict() == {"total": 500.0, "invoiced": 300.0, "paid": 0.0, "not_invoiced": 200.0,
                                          "overdue": 300.0}
    assert owed.loc["PAY", "paid"] == 100.0 and owed.loc["PAY", "overdue"] == 0.0


def test_risk_register_heat_map_and_top_risks(frame):
    risks = open_risks(frame)
    assert sorted(risks["key"]) == ["PAY-4", "PAY-5", "SHOP-10"]  # closed SHOP-11 left out
    assert top_risks(risks)["key"].tolist() == ["SHOP-10", "PAY-4"]  # by score; the unassessed one has none
    grid = heat_map(risks)
    assert grid.loc[5, 4] == 1 and grid.loc[3, 2] == 1 and int(grid.to_numpy().sum()) == 2
    assert grid.index.tolist() == [5, 4, 3, 2, 1] and grid.columns.tolist() == [1, 2, 3, 4, 5]
    top = top_risks(risks, 1)
    assert top.to_dict("records") == [{"key": "SHOP-10", "summary": "SHOP-10", "project": "SHOP", "status": "To Do",
                                       "probability": 4.0, "impact": 5.0, "score": 20.0, "assignee": "李娜"}]
    # Per project: SHOP one open risk scoring 20; PAY two, one (PAY-5) not assessed, the worst 6.
    per = risks_by_project(risks)
    assert per.loc["SHOP"].tolist() == [1, 20.0, 0] and per.loc["PAY"].tolist() == [2, 6.0, 1]


def test_program_totals_over_their_projects(frame):
    from report_jobs.reports.rollups.programs import program_totals

    levels = progress_levels(frame)
    totals = program_totals(levels["project"], budget(frame), {**PROGRAMS, "LOG": "fulfilment"})
    # storefront: SHOP's work items carry 10 points, 7 done; its record 1,000 budget, 600 spent, 1,200 forecast.
    shop = totals.loc["storefront"]
    assert (shop["points"], shop["done_points"], shop["pct_points"]) == (10, 7, 70.0)
    assert (shop["budget"], shop["actual_cost"], shop["forecast_cost"]) == (1000, 600, 1200)
    pay = totals.loc["payments"]  # "2,000" reads as 2000; no forecast anywhere in the program
    assert (pay["points"], pay["budget"], pay["actual_cost"]) == (8, 2000, 500) and pd.isna(pay["forecast_cost"])
    empty = totals.loc["fulfilment"]  # a program none of whose projects is in the frame
    assert empty["points"] == 0 and pd.isna(empty["pct_points"]) and pd.isna(empty["budget"])
    assert totals["score"].isna().all()  # no compliance given: no score
    compliance = pd.DataFrame({"project": ["SHOP", "PAY"], "program": ["storefront", "payments"],
                               "score": [50.0, 100.0], "passed": [1, 3], "gaps": [1, 0]})
    scored = program_totals(levels["project"], budget(frame), {**PROGRAMS, "LOG": "fulfilment"}, compliance)
    assert scored.loc["storefront", "score"] == 50.0 and scored.loc["payments", "score"] == 100.0
    assert pd.isna(scored.loc["fulfilment", "score"])


def test_colour_counts_worst_first_without_the_absent_colours():
    from report_jobs.reports.rollups.rag import colour_counts

    assert colour_counts(["green", "red", "green", "red", "red"]) == [("red", 3), ("green", 2)]
    assert colour_counts([]) == []


def test_every_rag_colour_carries_the_indicators_that_set_it(frame):
    from config.reports import RagThresholds
    from report_jobs.reports.rollups.rag import rag, reasons_in

    ids = {i.id: i.key for i in PORTFOLIO}
    slipped = slippage(frame, due_changes_frame([]), ids)
    inputs = dict(schedule=schedule_variance(frame, TODAY), milestones=milestones(frame, slipped, TODAY),
                  budget=budget(frame), risks=open_risks(frame), thresholds=RagThresholds())
    status = rag(["SHOP", "PAY"], compliance={"SHOP": 90.0, "PAY": 72.0}, **inputs).set_index("project")
    # SHOP: 18.7 points behind (amber ≥ 10), forecast 20% over (red ≥ 15), a risk scoring 20 (red ≥ 20),
    # one milestone overdue (amber): red, for exactly the two red indicators.
    assert status.loc["SHOP", "rag"] == "red"
    assert status.loc["SHOP", "reasons"] == ["forecast 20% over budget", "an open risk scores 20"]
    assert status.loc["SHOP", "schedule_rag"] == "amber"
    assert status.loc["SHOP", "milestones_rag"] == "amber" and status.loc["SHOP", "compliance_rag"] == "green"
    # PAY: compliance 72 (amber below 85, red below 70); nothing else past a threshold.
    assert status.loc["PAY", "rag"] == "amber" and status.loc["PAY", "reasons"] == ["compliance score 72"]
    calm = rag(["PAY"], compliance={"PAY": 99.0}, **inputs).set_index("project")
    assert calm.loc["PAY", "rag"] == "green" and calm.loc["PAY", "reasons"] == ["every indicator within its thresholds"]
    unscored = rag(["PAY"], compliance={}, **inputs).set_index("project")  # no rule results yet: not a colour
    assert unscored.loc["PAY", "compliance_rag"] == "green" and unscored.loc["PAY", "rag"] == "green"
    zh = rag(["PAY"], compliance={"PAY": 72.0}, language="zh", **inputs).set_index("project")
    assert zh.loc["PAY", "reasons"] == ["合规得分 72"]
    # A report in the other language says the same reasons in its own words.
    both = rag(["SHOP", "PAY"], compliance={"SHOP": 90.0, "PAY": 99.0}, **inputs)
    assert reasons_in(both, "zh") == [["预测超预算 20%", "最高风险值 20"], ["所有指标正常"]]
    assert reasons_in(both, "en") == list(both["reasons"])


def test_resource_conflicts_by_week_across_projects():
    from config.reports import ResourceSettings
    from report_jobs.reports.rollups.resources import conflicts, weekly_load

    li, wang = User("u1", "Li Na"), User("u2", "Wang Wei")
    issues = [issue("SHOP-20", category=WIP, assignee=li, story_points=8, due=date(2026, 11, 24)),   # week of 23 Nov
              issue("PAY-20", category=TODO, assignee=li, story_points=5, due=date(2026, 11, 27)),   # same week
              issue("LOG-20", category=TODO, assignee=li, due=date(2026, 11, 10)),                   # overdue: now
              issue("SHOP-21", category=TODO, assignee=wang, story_points=3, due=date(2026, 11, 25)),
              issue("SHOP-22", category=DONE, assignee=li, story_points=40, due=date(2026, 11, 24)),  # done
              issue("SHOP-23", category=TODO, assignee=li, story_points=40, due=date(2027, 3, 1)),   # too far
              issue("SHOP-24", "Risk", TODO, assignee=li, due=date(2026, 11, 24)),  # not work: as the rule scopes
              issue("SHOP-25", "Milestone", TODO, assignee=li, due=date(2026, 11, 24))]
    settings = ResourceSettings(capacity_per_week=10, capacities={"Wang Wei": 2}, weeks=4)
    with pytest.raises(ValueError, match="greater than 0"):  # a capacity of 0 would divide by zero
        ResourceSettings(capacities={"Wang Wei": 0})
    load = weekly_load(issues_frame(issues), TODAY, settings)
    rows = {(r.person, r.week.date()): r for r in load.itertuples()}
    assert rows[("Li Na", date(2026, 11, 23))].load == 13 and rows[("Li Na", date(2026, 11, 23))].projects == [
        "PAY", "SHOP"]
    assert rows[("Li Na", date(2026, 11, 16))].load == 1  # the overdue item, unpointed, in the current week
    over = conflicts(load)
    assert [(r.person, r.week.date(), r.over) for r in over.itertuples()] == [
        ("Li Na", date(2026, 11, 23), 3.0), ("Wang Wei", date(2026, 11, 23), 1.0)]
    by_count = weekly_load(issues_frame(issues), TODAY, settings.model_copy(update={"measure": "issues"}))
    assert by_count.set_index(["person", "week"]).loc[("Li Na", pd.Timestamp("2026-11-23")), "load"] == 2


def test_compliance_per_project_and_program_and_gate_states():
    from report_jobs.reports.rollups.compliance import (
        compliance_frame,
        gate_states,
        portfolio_score,
        program_compliance,
    )
    from rules.results import Result, Severity, State

    def result(rule, key, state, severity=Severity.ERROR, kind="required_fields"):
        return Result(rule, kind, key, key.split("-")[0], state, severity, "flag", f"{rule} says {state.value}")

    results = [result("r1", "SHOP-1", State.PASS), result("r2", "SHOP-1", State.FAIL, Severity.WARNING),
               result("r1", "PAY-1", State.PASS), result("r1", "LOG-1", State.FAIL),
               result("G1", "SHOP-1", State.PASS, Severity.BLOCKER, "gate"),
               result("G2", "SHOP-1", State.PENDING, Severity.BLOCKER, "gate"),
               result("G1", "LOG-1", State.FAIL, Severity.BLOCKER, "gate")]
    projects = compliance_frame(results, {"SHOP": "storefront", "PAY": "payments", "LOG": "fulfilment"})
    shop = projects.set_index("project").loc["SHOP"]
    # SHOP: passes r1 (4) and G1 (8); fails r2 (2) and G2 pending (8): 12 of 22 = 54.5.
    assert (shop["score"], shop["passed"], shop["gaps"]) == (54.5, 2, 2)
    assert shop["top_gaps"][0] == "SHOP-1 G2: G2 says pending"  # the heaviest gap first
    # The portfolio: SHOP 54.5 over 4 checks, PAY 100 over 1, LOG 0 over 2 (weighted: 318 / 7).
    assert portfolio_score(projects) == pytest.approx((54.5 * 4 + 100 * 1 + 0 * 2) / 7)
    assert portfolio_score(projects.iloc[0:0]) is None
    programs = program_compliance(projects).set_index("program")
    assert programs.loc["payments", "score"] == 100.0 and programs.loc["fulfilment", "score"] == 0.0
    gates = gate_states(results)
    assert gates.loc["SHOP", "G1"] == "pass" and gates.loc["SHOP", "G2"] == "pending"
    assert gates.loc["LOG", "G1"] == "fail" and pd.isna(gates.loc["LOG", "G2"])


def test_project_managers_kpis():
    from types import SimpleNamespace

    from report_jobs.reports.rollups.kpis import (
        average_slippage,
        compliance_trend,
        first_pass,
        forecast_accuracy,
        manager_kpis,
        on_time_milestones,
    )

    li, wang = User("u1", "Li Na"), User("u2", "Wang Wei")
    issues = [issue("SHOP-1", "Project", WIP, assignee=li), issue("PAY-1", "Project", WIP, assignee=wang),
              issue("SHOP-2", "Milestone", DONE, due=date(2026, 5, 1), resolved=datetime(2026, 5, 1, 18, tzinfo=UTC)),
              issue("SHOP-3", "Milestone", DONE, due=date(2026, 6, 1), resolved=datetime(2026, 6, 9, tzinfo=UTC)),
              issue("SHOP-4", "Milestone", TODO, due=date(2026, 7, 1)),
              issue("PAY-2", "Milestone", DONE, due=date(2026, 4, 1), resolved=datetime(2026, 3, 30, tzinfo=UTC))]
    kpis = on_time_milestones(issues_frame(issues)).set_index("manager")
    assert kpis.loc["Li Na"].to_dict() == {"done": 2, "on_time": 1, "on_time_pct": 50.0}  # done on the day counts
    assert kpis.loc["Wang Wei", "on_time_pct"] == 100.0
    # Gates by state and the PMO's decisions: SHOP passed G1 at once, G2 only after a rejection, and works
    # towards G3 (failing, no review yet: not counted); PAY passed G1 on a conditional go and waits at G2, which
    # was rejected once (reviewed, not passed); G4, skipped by both, is not counted.
    gates = pd.DataFrame({"G1": ["pass", "pass"], "G2": ["pass", "pending"], "G3": ["fail", "skipped"],
                          "G4": ["skipped", "skipped"]}, index=["SHOP", "PAY"])
    decisions = [SimpleNamespace(issue_key="SHOP-1", rule_id="G1", state="go"),
                 SimpleNamespace(issue_key="SHOP-1", rule_id="G2", state="reject"),
                 SimpleNamespace(issue_key="SHOP-1", rule_id="G2", state="go"),  # passed, but not at first
                 SimpleNamespace(issue_key="PAY-1", rule_id="G1", state="conditional-go"),
                 SimpleNamespace(issue_key="PAY-1", rule_id="G2", state="reject")]
    managers = {"SHOP": "Li Na", "PAY": "Wang Wei"}
    passes = first_pass(gates, decisions, {"SHOP": "SHOP-1", "PAY": "PAY-1"}, managers).set_index("manager")
    assert passes.loc["Li Na"].to_dict() == {"gates": 2, "first_pass": 1, "first_pass_pct": 50.0}
    assert passes.loc["Wang Wei"].to_dict() == {"gates": 2, "first_pass": 1, "first_pass_pct": 50.0}
    # Slippage: SHOP-3 moved 14 days later, SHOP-2 7 days earlier (no slip), SHOP-4 never: 14 / 3 = 4.7 days.
    frame = issues_frame(issues)
    slips = average_slippage(frame, pd.Series({"SHOP-3": 14, "SHOP-2": -7}), managers).set_index("manager")
    assert slips.loc["Li Na", "avg_slip_days"] == 4.7 and slips.loc["Wang Wei", "avg_slip_days"] == 0.0
    # Forecast accuracy on closed projects only: PAY closed, forecast 110 against 100 actual: 90%.
    money = pd.DataFrame({"project": ["SHOP", "PAY"], "forecast_cost": [500.0, 110.0],
                          "actual_cost": [100.0, 100.0]})
    accuracy = forecast_accuracy(money, {"SHOP": "execution", "PAY": "closure"}, managers, ("closure",))
    assert accuracy.to_dict("records") == [{"manager": "Wang Wei", "forecast_accuracy_pct": 90.0}]
    # Compliance this period and its change: Li Na's SHOP 80 → 90.
    stored = pd.DataFrame({"period": ["2026-W46", "2026-W47", "2026-W47"], "project": ["SHOP", "SHOP", "PAY"],
                           "compliance_value": [80.0, 90.0, 70.0]})
    trend = compliance_trend(stored, managers).set_index("manager")
    assert trend.loc["Li Na"].to_dict() == {"compliance": 90.0, "compliance_change": 10.0}
    assert trend.loc["Wang Wei", "compliance"] == 70.0 and pd.isna(trend.loc["Wang Wei", "compliance_change"])
    table = manager_kpis(kpis.reset_index(), passes.reset_index(), slips.reset_index(), accuracy, trend.reset_index())
    assert list(table["manager"]) == ["Li Na", "Wang Wei"] and pd.isna(table.loc[0, "forecast_accuracy_pct"])


def test_status_history_across_periods(store_url, frame):
    from config.reports import RagThresholds
    from pmokit.store import open_store, snapshots
    from report_jobs.reports.rollups.history import (
        changes_since,
        period_bounds,
        period_of,
        periods_before,
        rag_history,
    )
    from report_jobs.reports.rollups.rag import rag

    assert period_of(date(2026, 11, 20)) == "2026-W47" and period_of(date(2027, 1, 1)) == "2026-W53"
    start, end = period_bounds("2026-W53")  # 2026 has 53 ISO weeks: Monday 28 December to Sunday 3 January
    assert (start.date(), end.date(), period_of(end.date())) == (date(2026, 12, 28), date(2027, 1, 3), "2026-W53")
    assert periods_before("2027-W02", 3) == ["2026-W52", "2026-W53", "2027-W01"]
    ids = {i.id: i.key for i in PORTFOLIO}
    inputs = dict(schedule=schedule_variance(frame, TODAY),
                  milestones=milestones(frame, slippage(frame, due_changes_frame([]), ids), TODAY),
                  budget=budget(frame), risks=open_risks(frame), thresholds=RagThresholds())
    last_week = rag(["SHOP", "PAY"], compliance={"SHOP": 90.0, "PAY": 99.0}, **inputs)
    this_week = rag(["SHOP", "PAY", "LOG"], compliance={"SHOP": 90.0, "PAY": 72.0, "LOG": 99.0}, **inputs)
    store = open_store(store_url)
    engine, sessions = store.engine, store.sessions
    with sessions.begin() as session:
        snapshots.save(session, "2026-W46", last_week)
        snapshots.save(session, "2026-W47", this_week)
        snapshots.save(session, "2026-W47", this_week)  # a second run in the period replaces, never doubles
    with sessions() as session:
        stored = snapshots.load(session)
        previous = snapshots.load(session, ["2026-W46"])
    engine.dispose()
    assert len(stored) == 5 and stored.loc[stored["project"] == "SHOP", "rag"].tolist() == ["red", "red"]
    assert previous.set_index("project").loc["SHOP", "budget_value"] == 20.0  # figures come back as numbers
    changed = changes_since(this_week, previous).set_index("project")
    assert changed.loc["PAY"].to_dict() == {"was": "green", "now": "amber", "new": False, "events": [], "moves": [
        {"indicator": "compliance", "was": "green", "now": "amber", "value": 72.0}]}
    assert changed.loc["LOG", "new"] and "SHOP" not in changed.index  # unchanged
    history = rag_history(stored)
    assert history.loc["PAY"].tolist() == ["green", "amber"] and pd.isna(history.loc["LOG", "2026-W46"])


def test_burnup_counts_scope_and_done_at_each_week_end():
    from report_jobs.reports.rollups.burnup import burnup

    def at(day):
        return datetime(2026, 11, day, 12, tzinfo=UTC)

    issues = [issue("SHOP-1", category=DONE, story_points=5, created=at(2), resolved=at(8)),  # done on a Sunday
              issue("SHOP-2", category=WIP, story_points=3, created=at(3)),
              issue("SHOP-3", category=DONE, created=at(10), resolved=at(17)),  # no points: adds none
              issue("SHOP-4", "Risk", TODO, created=at(3)),  # not work: left out
              issue("SHOP-5", category=TODO, story_points=8, created=at(16), resolved=at(12)),  # reopened: not done
              issue("PAY-1", "Task", DONE, story_points=2, created=at(9), resolved=at(20)),
              issue("LOG-1", "Task", DONE, created=at(2), resolved=at(9)),  # LOG estimates nothing: items
              issue("LOG-2", "Task", WIP, created=at(10))]
    curve = burnup(issues_frame(issues), TODAY, weeks=3)  # TODAY is Friday 20 November; weeks end on Sundays
    shop = curve[curve["project"] == "SHOP"].set_index("week")
    assert list(shop.index.strftime("%m-%d")) == ["11-08", "11-15", "11-22"]
    assert shop["scope"].tolist() == [8.0, 8.0, 16.0]
    assert shop["done"].tolist() == [5.0, 5.0, 5.0]
    pay = curve[curve["project"] == "PAY"].set_index("week")
    assert pay["scope"].tolist() == [0.0, 2.0, 2.0] and pay["done"].tolist() == [0.0, 0.0, 2.0]
    # One roll-up: the chart ends where the progress table stands (OMS's table said 672 points while its
    # burn-up's scope ended near 780: items without points weighed 1 there and 0 here).
    from report_jobs.reports.rollups.progress import progress

    table = progress(issues_frame(issues), "project").set_index("project")
    for project in ("SHOP", "PAY"):
        last = curve[curve["project"] == project].iloc[-1]
        assert (last["scope"], last["done"]) == (table.at[project, "points"], table.at[project, "done_points"])
        assert last["unit"] == "points"
    # A project with nothing estimated is drawn in items, as the table counts them, not as a flat zero.
    log = curve[curve["project"] == "LOG"].set_index("week")
    assert log["scope"].tolist() == [1.0, 2.0, 2.0] and log["done"].tolist() == [0.0, 1.0, 1.0]
    assert (log["unit"] == "issues").all()
    assert (table.at["LOG", "issues"], table.at["LOG", "done"]) == (2, 1)


def test_the_frame_reads_timestamps_in_utc_whatever_their_offset():
    from datetime import timedelta, timezone

    beijing = timezone(timedelta(hours=8))
    one_zone = issues_frame([issue("SHOP-1", created=datetime(2026, 3, 1, 8, tzinfo=UTC)), issue("SHOP-2")])
    assert one_zone["created"].iloc[0] == pd.Timestamp("2026-03-01 08:00") and pd.isna(one_zone["created"].iloc[1])
    mixed = issues_frame([issue("SHOP-1", created=datetime(2026, 3, 1, 8, tzinfo=beijing),
                                resolved=datetime(2026, 3, 2, 8, tzinfo=beijing)),
                          issue("SHOP-2", created=datetime(2026, 3, 1, 8, tzinfo=UTC))])
    assert mixed["created"].tolist() == [pd.Timestamp("2026-03-01 00:00"), pd.Timestamp("2026-03-01 08:00")]
    assert mixed["resolved"].iloc[0] == pd.Timestamp("2026-03-02 00:00") and pd.isna(mixed["resolved"].iloc[1])


def test_a_breach_and_the_pmo_s_decisions_show_as_such_on_the_gates():
    from report_jobs.reports.rollups.compliance import gate_states
    from rules.results import Result, Severity, State

    def gate(rule, key, state, **kwargs):
        return Result(rule, "gate", key, key.split("-")[0], state, Severity.BLOCKER, "revert", rule, **kwargs)

    gates = gate_states([gate("G1", "SHOP-1", State.FAIL, breach=True), gate("G2", "SHOP-1", State.PASS),
                         gate("G2", "RET-1", State.FAIL, decision="hold"), gate("G1", "FIN-1", State.FAIL,
                                                                               decision="kill")])
    assert gates.loc["SHOP", "G1"] == "breach" and gates.loc["SHOP", "G2"] == "pass"
    assert gates.loc["RET", "G2"] == "hold" and gates.loc["FIN", "G1"] == "kill"


def test_earned_value_by_hand():
    """SHOP: budget 1,000,000; 40% of the baseline window elapsed; 30% of its points done; 400,000 spent.
    PV = 400,000, EV = 300,000, SV = -100,000, CV = -100,000, SPI = 0.75, CPI = 0.75, EAC = 1,333,333,
    ETC = 933,333, VAC = -333,333. PAY: nothing estimated, so EV by count (50% of items); no budget: no figures.
    The program sums the projects that have every input."""
    from report_jobs.reports.rollups.earned_value import earned_value, program_earned_value

    budget = pd.DataFrame({"project": ["SHOP", "PAY", "LOG"], "program": ["storefront", "payments", "storefront"],
                           "budget": [1_000_000.0, float("nan"), 500_000.0],
                           "actual_cost": [400_000.0, 10_000.0, 100_000.0]})
    schedule = pd.DataFrame({"project": ["SHOP", "PAY", "LOG"], "pct_time": [40.0, 50.0, 20.0]})
    progress = pd.DataFrame({"project": ["SHOP", "PAY", "LOG"], "points": [100.0, 0.0, 50.0],
                             "pct_points": [30.0, float("nan"), 20.0], "pct_done": [10.0, 50.0, 90.0]})
    ev = earned_value(budget, schedule, progress).set_index("project")
    shop = ev.loc["SHOP"]
    assert (shop["bac"], shop["pv"], shop["ev"], shop["ac"]) == (1_000_000, 400_000, 300_000, 400_000)
    assert (shop["sv"], shop["cv"], shop["spi"], shop["cpi"]) == (-100_000, -100_000, 0.75, 0.75)
    assert (shop["eac"], shop["etc"], shop["vac"]) == (1_333_333, 933_333, -333_333)
    assert ev.loc["PAY"][["bac", "pv", "ev", "spi", "cpi", "eac"]].isna().all()
    log = ev.loc["LOG"]  # on plan and on cost: SPI 1.0, CPI 1.0 (EV 100,000 = PV = AC)
    assert (log["pv"], log["ev"], log["spi"], log["cpi"], log["vac"]) == (100_000, 100_000, 1.0, 1.0, 0)
    storefront = program_earned_value(ev.reset_index()).set_index("program").loc["storefront"]
    assert (storefront["bac"], storefront["pv"], storefront["ev"], storefront["ac"]) == (
        1_500_000, 500_000, 400_000, 500_000)
    assert (storefront["spi"], storefront["cpi"]) == (0.8, 0.8)
    # A CPI that does not end: EAC from the exact ratio, not from the CPI as shown (0.73 would give 1,369,863).
    odd = earned_value(budget.assign(actual_cost=[410_000.0, 10_000.0, 100_000.0]), schedule, progress)
    shop = odd.set_index("project").loc["SHOP"]
    assert (shop["cpi"], shop["eac"], shop["etc"], shop["vac"]) == (0.73, 1_366_667, 956_667, -366_667)


def test_budget_colour_counts_what_is_already_spent():
    """LOG had spent 150% of its budget and its forecast was 9% over: it was amber, from the forecast alone; it
    is red, for what it has already spent."""
    from config.reports import RagThresholds
    from report_jobs.reports.rollups.rag import rag

    budget = pd.DataFrame({"project": ["LOG", "PAY"], "forecast_variance_pct": [9.0, 2.0],
                           "pct_spent": [150.0, 60.0]})
    none = pd.DataFrame({"project": ["LOG", "PAY"], "variance_pct": [0.0, 0.0], "overdue": [0, 0],
                         "max_slip_days": [0, 0]})
    risks = pd.DataFrame({"project": pd.Series([], dtype=object), "score": pd.Series([], dtype=float)})
    status = rag(["LOG", "PAY"], schedule=none, milestones=none, budget=budget, risks=risks,
                 compliance={"LOG": 95.0, "PAY": 95.0}, thresholds=RagThresholds()).set_index("project")
    assert status.loc["LOG", "rag"] == "red"
    assert status.loc["LOG", "reasons"] == ["already spent 50% more than the budget"]
    assert status.loc["PAY", "rag"] == "green"
