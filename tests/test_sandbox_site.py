"""The sandbox as a product: deterministic seed, scale, kept state, and its command line."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import date

import pytest
import requests

from sandbox import Sandbox
from sandbox.histories import all_histories
from sandbox.render import Renderer
from sandbox.seed import PHASE_NAMES, SeedOptions, build
from tests.conftest import ANCHOR


def _fingerprint(state) -> str:
    renderer = Renderer(state, "http://x", 2)
    issues = [renderer.issue(i, renderer.field_ids(["*all"]), ["changelog"], None) for i in state.live_issues()]
    return json.dumps(issues, sort_keys=True, default=str)


def test_demo_seed_is_deterministic_and_realistic():
    first, second = build("demo", options=SeedOptions(anchor=ANCHOR)), build("demo", options=SeedOptions(anchor=ANCHOR))
    assert _fingerprint(first) == _fingerprint(second)
    issues = first.live_issues()
    assert 2900 <= len(issues) <= 3100
    types = Counter(i.issue_type for i in issues)
    assert types["Project"] == 12 and types["Milestone"] == 60 and types["Risk"] >= 48 and types["Epic"] >= 36
    phases = Counter(first.statuses[i.status].name for i in issues if i.issue_type == "Project")
    assert set(phases) == set(PHASE_NAMES)
    long_ones = [i for i in issues if i.seeded_histories > 100]
    assert long_ones and all(len(all_histories(first, i)) == i.seeded_histories for i in long_ones[:5])
    # People on several projects: the resource conflicts of the demo.
    projects_of = {}
    for issue in issues:
        if issue.assignee:
            projects_of.setdefault(issue.assignee, set()).add(issue.project_key)
    assert max(len(p) for p in projects_of.values()) >= 4
    records = {i.project_key: i for i in issues if i.issue_type == "Project"}
    documents = {k: {a["filename"] for a in r.attachments} | {link["title"] for link in r.remote_links}
                 for k, r in records.items()}
    assert any("Lessons Learned" in " ".join(d) for d in documents.values())
    assert not any("Technical Proposal" in " ".join(d) for k, d in documents.items() if k == "LOG")  # a gap
    slipped = [i for i in issues if i.issue_type == "Milestone" and i.due_history]
    assert slipped
    last = all_histories(first, slipped[0])
    due_changes = [it for h in last for it in h["items"] if it["field"] == "duedate"]
    assert due_changes[0]["from"] == slipped[0].due_history[0].isoformat()
    assert due_changes[-1]["to"] == slipped[0].duedate.isoformat()


def test_histories_end_at_the_current_status():
    state = build("demo", options=SeedOptions(anchor=ANCHOR))
    for issue in list(state.live_issues())[::97]:
        statuses = [it for h in all_histories(state, issue) for it in h["items"] if it["field"] == "status"]
        if statuses:
            assert statuses[-1]["to"] == issue.status
        times = [h["created"] for h in all_histories(state, issue)]
        assert times == sorted(times)


def test_a_later_change_never_rewrites_the_histories_before_it(fresh_sandbox):
    """Jira keeps a changelog history as it was written: "Get changelogs … returns a paginated list of all
    changelogs for an issue sorted by date, starting from the oldest" (REST v3 reference, issue changelogs), and
    history ids only grow. A due-date edit on a milestone that slipped before adds one history, last, with the
    old due date as its `from`; the seeded ones keep their ids, times and values."""
    sb = fresh_sandbox
    issue = next(i for i in sb.state.live_issues() if i.issue_type == "Milestone" and i.due_history)
    url = f"{sb.url}/rest/api/3/issue/{issue.key}/changelog"
    before = sb.session().get(url, params={"maxResults": 100}).json()["values"]
    old_due = issue.duedate.isoformat()
    assert sb.session().put(f"{sb.url}/rest/api/3/issue/{issue.key}",
                            json={"fields": {"duedate": "2031-03-31"}}).status_code == 204
    time.sleep(0.01)
    after = sb.session().get(url, params={"maxResults": 100}).json()["values"]
    assert after[:len(before)] == before
    [added] = after[len(before):]
    assert int(added["id"]) > max(int(h["id"]) for h in before)
    [item] = [i for i in added["items"] if i["field"] == "duedate"]
    assert (item["from"], item["to"]) == (old_due, "2031-03-31")


def test_seed_scales_to_100000_issues():
    state = build("demo", options=SeedOptions(issues=100_000, long_history_share=0.1, long_history=(150, 150),
                                              short_history=(8, 8), anchor=ANCHOR))
    issues = state.live_issues()
    assert len(issues) >= 99_990
    work = [i for i in issues if i.issue_type in ("Story", "Task", "Bug")]
    share = sum(1 for i in work if i.seeded_histories == 150) / len(work)
    assert 0.09 < share < 0.11


def test_state_is_kept_across_restarts(tmp_path):
    path = tmp_path / "sandbox.state"
    with Sandbox.start(seed="demo", anchor=ANCHOR, state_path=path) as sb:
        session = sb.session()
        key = session.post(f"{sb.url}/rest/api/2/issue", json={"fields": {
            "project": {"key": "PAY"}, "issuetype": {"name": "Task"}, "summary": "kept"}}).json()["key"]
    with Sandbox.start(seed="empty", anchor=date(2020, 1, 1), state_path=path) as sb:
        issue = sb.session().get(f"{sb.url}/rest/api/2/issue/{key}").json()
        assert issue["fields"]["summary"] == "kept"


def test_seed_file(tmp_path):
    seed = tmp_path / "seed.yaml"
    seed.write_text(
        "projects:\n"
        "  - key: ACME\n"
        "    name: Acme rollout\n"
        "    lead: li.na\n"
        "    issues:\n"
        "      - {type: Project, summary: Acme record, status: Planning, fields: {'Budget (CNY)': 100000}}\n"
        "      - {type: Task, summary: First task, assignee: wang.wei, parent: ACME-1, histories: 3}\n",
        encoding="utf-8")
    with Sandbox.start(seed=str(seed), anchor=ANCHOR) as sb:
        body = sb.session().post(f"{sb.url}/rest/api/3/search/jql", json={
            "jql": "project = ACME ORDER BY key",
            "fields": ["summary", "status", "customfield_10100", "parent"]}).json()
        first, second = body["issues"]
        assert first["fields"]["status"]["name"] == "Planning" and first["fields"]["customfield_10100"] == 100000
        assert second["fields"]["parent"]["key"] == "ACME-1"


def test_cli_serve_prints_url_and_credentials_and_answers(tmp_path):
    process = subprocess.Popen([sys.executable, "-m", "pmokit", "sandbox", "serve", "--port", "0", "--issues", "200",
                                "--flavor", "datacenter"], stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "PYTHONUNBUFFERED": "1"})
    try:
        line = process.stderr.readline()
        match = re.search(r"at (http://127\.0\.0\.1:\d+)", line)
        assert match, line
        assert "bearer token 'sandbox'" in line
        url = match.group(1)
        info = requests.get(f"{url}/rest/api/2/serverInfo", timeout=5).json()
        assert info["deploymentType"] == "Server"
        me = requests.get(f"{url}/rest/api/2/myself", headers={"Authorization": "Bearer sandbox"}, timeout=5)
        assert me.json()["name"] == "admin"
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=10)


@pytest.mark.parametrize("secret", ["s3", "a}b", "with space ${x}"])
def test_cli_config_points_at_the_sandbox_validates_and_never_prints_the_secret(run_cli, tmp_path, monkeypatch,
                                                                                 secret):
    """`--webhook-secret 'a}b'` wrote `${PMOKIT_WEBHOOK_SECRET:-a}b}`, which is no reference at all, and every
    secret given was printed. A secret given is now read from PMOKIT_WEBHOOK_SECRET (the command says so)."""
    result = run_cli("sandbox", "config", "--url", "http://127.0.0.1:9999", "--webhook-secret", secret)
    assert result.exit_code == 0
    assert secret not in result.stdout
    assert "set PMOKIT_WEBHOOK_SECRET" in result.stderr
    path = tmp_path / "pmokit.yaml"
    path.write_text(result.stdout, encoding="utf-8")
    monkeypatch.setenv("PMOKIT_WEBHOOK_SECRET", secret)
    validated = run_cli("config", "validate", "--strict", str(path))
    assert validated.exit_code == 0, validated.output
    from config import load_settings

    settings = load_settings([path])
    assert settings.jira.url == "http://127.0.0.1:9999"
    assert settings.confluence.url == "http://127.0.0.1:9999/wiki"
    assert settings.webhooks.secret.reveal() == secret
    assert settings.jira.auth.api_token.reveal() == "sandbox-pmokit-bot"


def test_cli_config_names_a_secret_file(run_cli, tmp_path):
    (tmp_path / "hook-secret").write_text("from-a-file}\n", encoding="utf-8")
    result = run_cli("sandbox", "config", "--webhook-secret", "from-a-file}", "--webhook-secret-file", "hook-secret")
    assert "from-a-file" not in result.output
    path = tmp_path / "pmokit.yaml"
    path.write_text(result.stdout, encoding="utf-8")
    from config import load_settings

    assert load_settings([path]).webhooks.secret.reveal() == "from-a-file}"


def test_cli_config_works_against_a_running_sandbox(sandbox, run_cli, tmp_path):
    from config import load_settings

    path = tmp_path / "pmokit.yaml"
    path.write_text(run_cli("sandbox", "config", "--url", sandbox.url).output, encoding="utf-8")
    settings = load_settings([path])
    auth = (settings.jira.auth.email, settings.jira.auth.api_token.reveal())
    me = requests.get(f"{settings.jira.url}/rest/api/3/myself", auth=auth, timeout=5).json()
    assert me["accountId"] == settings.jira.bot.account_id
    started = time.monotonic()
    space = requests.get(f"{settings.confluence.url}/rest/api/space/{settings.confluence.space}", auth=auth,
                         timeout=5)
    assert space.status_code == 200 and time.monotonic() - started < 2


def test_html_view_of_a_page(sandbox):
    page = next(p for p in sandbox.state.pages.values() if p.title == "PMO Home")
    html = requests.get(f"{sandbox.url}/wiki/spaces/PMO/pages/{page.id}", timeout=5).text
    assert "<h1>PMO Home</h1>" in html and "欢迎" in html and "Portfolio Reports" in html


def test_an_issue_view_draws_comments_as_jira_does(fresh_sandbox):
    """The issue page draws an ADF comment's nodes (Atlassian's ADF structure reference: heading, bulletList,
    status lozenge, strong and code marks) and a wiki-markup comment's notation, never the markup itself."""
    sb = fresh_sandbox
    doc = {"type": "doc", "version": 1, "content": [
        {"type": "heading", "attrs": {"level": 3}, "content": [{"type": "text", "text": "Two gaps"}]},
        {"type": "bulletList", "content": [{"type": "listItem", "content": [{"type": "paragraph", "content": [
            {"type": "text", "text": "record-fields", "marks": [{"type": "strong"}]}, {"type": "text", "text": " "},
            {"type": "status", "attrs": {"text": "ERROR", "color": "red"}},
            {"type": "text", "text": " /pmo approve G1", "marks": [{"type": "code"}]}]}]}]}]}
    assert sb.session().post(f"{sb.url}/rest/api/3/issue/OMS-1/comment", json={"body": doc}).status_code == 201
    wiki = "h4. Next gate\n* *G1* {color:#BF2600}blocker{color} and {{/pmo approve G1}}"
    assert sb.session().post(f"{sb.url}/rest/api/2/issue/OMS-2/comment", json={"body": wiki}).status_code == 201
    page = requests.get(f"{sb.url}/browse/OMS-1", timeout=5).text
    assert "<h3>Two gaps</h3>" in page and "<b>record-fields</b>" in page and "<code> /pmo approve G1</code>" in page
    assert re.search(r"<span style='[^']*background:#FFEBE6;color:#BF2600'>ERROR</span>", page)
    page = requests.get(f"{sb.url}/browse/OMS-2", timeout=5).text
    assert "<h4>Next gate</h4>" in page and "<li><b>G1</b> <span style='color:#BF2600'>blocker</span>" in page
    assert "<code>/pmo approve G1</code>" in page and "h4." not in page
