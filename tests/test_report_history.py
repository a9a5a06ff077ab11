"""History from day one: on the first run the trends page shows the last reporting periods rebuilt from Jira's
changelog, marked as such, and "what changed since the last period" names what people did in Jira in between.

The changelog is read back with the `jira` library (the client most Python users read Jira with), and each
issue's past is worked out from it the plain way: walking forward from the oldest value, not undoing from the
newest as pmokit does."""

from __future__ import annotations

import random
import re
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import yaml

from tests.syncing import runtime_for
from tests.test_decisions import LI_NA, LIU_YANG, Site
from tests.test_sandbox_clients import jira_client

PERIODS = 6


def _with_history(directory: Path, periods: int) -> str:
    path = directory / "pmokit.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data.setdefault("reports", {})["history_periods"] = periods
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return str(path)


def _period(day: date) -> str:
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def _snapshots(directory: Path) -> list[tuple[str, str, str]]:
    with sqlite3.connect(directory / "store.db") as db:
        return db.execute("SELECT period, project_key, figures || taken_at FROM status_snapshot "
                          "ORDER BY period, project_key").fetchall()


@pytest.fixture
def site(sandbox, tmp_path, run_cli):
    """The module's demo sandbox (one test edits it, as people would; the others read the past, which those
    edits do not change) and a store of this test's own."""
    runtime_for(sandbox, tmp_path).close()
    config = _with_history(tmp_path, PERIODS)
    assert run_cli("--config", config, "sync", "--full").exit_code == 0
    return Site(sandbox, config, run_cli)


def _trends(sb) -> str:
    return next(p.body for p in sb.state.pages.values()
                if p.title == "E-commerce Portfolio · Trends" and p.status == "current")


def test_the_first_run_shows_rebuilt_periods_marked_and_keeps_them(site, tmp_path):
    first = site.run_cli("--config", site.config, "report", "portfolio-weekly", "--publish")
    assert first.exit_code == 0, first.output
    this = _period(datetime.now(UTC).date())
    monday = date.fromisocalendar(*map(int, this.split("-W")), 1)
    rebuilt = [_period(monday - timedelta(weeks=n)) for n in range(PERIODS, 0, -1)]
    body = _trends(site.sb)
    # The table shows the last eight periods; the rebuilt ones carry a star and the page says what it means.
    for period in rebuilt:
        assert f"<th>{period}*</th>" in body
    assert f"<th>{this}</th>" in body and "Rebuilt from Jira's history on the first run" in body
    assert "History starts with this period" not in body
    # Actual cost has no history in the demo's Jira: the page says it is unknown in the rebuilt periods.
    assert "unknown in rebuilt periods: actual cost of every project" in body
    periods = sorted({p for p, _, _ in _snapshots(tmp_path)})
    assert periods == [*rebuilt, this]

    kept = _snapshots(tmp_path)
    again = site.run_cli("--config", site.config, "report", "portfolio-weekly", "--publish")
    assert again.exit_code == 0, again.output
    assert "0 updated" in again.output and "0 attachments uploaded" in again.output
    after = _snapshots(tmp_path)
    assert [s for s in after if s[0] != this] == [s for s in kept if s[0] != this]  # rebuilt once, then kept


def test_what_changed_names_what_people_did_in_jira(site):
    """A team moves a milestone and a project's phase, finance raises the forecast, a risk grows, the PMO
    approves a gate: each is named on the trends page, with before and after."""
    sb = site.sb
    milestone = "OMS-7"
    due = sb.session().get(f"{site.api}/issue/{milestone}").json()["fields"]["duedate"]
    later = (date.fromisoformat(due) + timedelta(days=21)).isoformat()
    site.edit(LIU_YANG, milestone, {"duedate": later})
    forecast = next(f.id for f in sb.state.fields.values() if f.name == "Forecast Cost (CNY)")
    actual = next(f.id for f in sb.state.fields.values() if f.name == "Actual Cost (CNY)")
    record = sb.session().get(f"{site.api}/issue/PAY-1").json()["fields"]
    spent_before = record[actual]
    site.edit(LI_NA, "PAY-1", {forecast: 987654, actual: 1_234_000})
    probability = next(f.id for f in sb.state.fields.values() if f.name == "Risk Probability")
    impact = next(f.id for f in sb.state.fields.values() if f.name == "Risk Impact")
    risks = jira_client(sb).enhanced_search_issues("project = SHOP AND issuetype = Risk AND statusCategory != Done "
                                                   "ORDER BY key", maxResults=1, fields="summary")
    risk = risks[0].key
    site.edit(LI_NA, risk, {probability: 5, impact: 5})
    site.comment(LI_NA, "FIN-1", "Feasibility reviewed.\n/pmo approve G1")
    site.enforce("FIN-1", milestone, "PAY-1", risk)

    result = site.run_cli("--config", site.config, "report", "portfolio-weekly", "--publish")
    assert result.exit_code == 0, result.output
    body = _trends(sb)
    changed = body.split("What changed since the last period", 1)[1].split("Project managers", 1)[0]
    assert f"{due} → {later}" in changed and milestone in changed
    assert "forecast " in changed and "→ 987,654" in changed
    assert risk in changed and "→ 25" in changed  # raised to 5 × 5
    assert "G1 Initiation → Planning: approved by 李娜" in changed  # Li Na's display name on the site

    # Cost over time, now that PAY's actual cost has a history: before the change the value it had, after it
    # the new one; the planned value from the record's baseline, hand-computed.
    pay = next(p.body for p in sb.state.pages.values() if p.status == "current"
               and p.title.startswith("E-commerce Portfolio · PAY "))
    assert 'ri:filename="cost-PAY.png"' in pay
    weeks = re.findall(r"<tr><td>(\d{4}-\d{2}-\d{2})</td><td>([\d,—]+)</td><td>([\d,—]+)</td><td>([\d,—]+)</td></tr>",
                       pay.split("Cost over time", 1)[1])
    assert len(weeks) == 12
    assert [int(w[3].replace(",", "")) for w in weeks] == [round(spent_before)] * 11 + [1_234_000]
    budget = float(record[next(f.id for f in sb.state.fields.values() if f.name == "Budget (CNY)")])
    start = date.fromisoformat(record[next(f.id for f in sb.state.fields.values() if f.name == "Baseline Start")])
    end = date.fromisoformat(record[next(f.id for f in sb.state.fields.values() if f.name == "Baseline End")])
    last = date.fromisoformat(weeks[-1][0]) + timedelta(days=1)
    planned = budget * min(max((last - start).days / (end - start).days, 0), 1)
    assert int(weeks[-1][1].replace(",", "")) == pytest.approx(planned, abs=1)


def _walk(histories, field: str, initial, moment: datetime):
    """The value of ``field`` at ``moment``, walking the changelog forward: the value a change set last before
    the moment, else the value the oldest later change started from, else today's."""
    items = sorted(((h.created, item) for h in histories for item in h.items if item.field == field),
                   key=lambda pair: pair[0])
    before = [item for created, item in items if created <= moment]
    if before:
        return before[-1].toString if field == "status" else before[-1].to
    if items:
        return items[0][1].fromString if field == "status" else getattr(items[0][1], "from", None)
    return initial


def test_each_issue_in_the_past_is_what_its_changelog_says(site, tmp_path):
    from config import load_settings
    from pmokit.runtime import open_runtime
    from report_jobs.reports.past import facts_as_of
    from report_jobs.sync.snapshot import load_facts

    runtime = open_runtime(load_settings([Path(site.config)]))
    try:
        facts = load_facts(runtime)
        vocabulary = runtime.vocabulary()
    finally:
        runtime.close()
    client = jira_client(site.sb)
    rng = random.Random(17)
    keys = sorted(rng.sample(sorted(facts.issues), 40) + [k for k in facts.issues if k.endswith("-1")])
    moments = [datetime(2026, 11, 20, tzinfo=UTC) - timedelta(days=d) for d in (1, 9, 30, 61, 120, 200, 260)]
    pasts = {moment: facts_as_of(facts, moment, vocabulary).facts for moment in moments}
    compared = 0
    for key in keys:
        issue = client.issue(key, expand="changelog")
        histories = [type("H", (), {"created": datetime.strptime(h.created, "%Y-%m-%dT%H:%M:%S.%f%z"),
                                    "items": h.items}) for h in issue.changelog.histories]
        created = datetime.strptime(issue.fields.created, "%Y-%m-%dT%H:%M:%S.%f%z")
        for moment, past in pasts.items():
            then = past.issues.get(key)
            if created > moment:
                assert then is None, (key, moment)
                continue
            assert then is not None, (key, moment)
            assert then.status == _walk(histories, "status", issue.fields.status.name, moment), (key, moment)
            walked_due = _walk(histories, "duedate", issue.fields.duedate, moment)
            assert (then.due.isoformat() if then.due else None) == (walked_due[:10] if walked_due else None)
            compared += 1
    assert compared > 150

