"""`pmokit check` against a synced sandbox: explanations, a dry run that writes nothing, idempotent enforcement."""

from __future__ import annotations

import json

import pytest

from tests.syncing import runtime_for, syncer


@pytest.fixture
def synced(fresh_sandbox, tmp_path):
    # A team takes OMS-1 to Planning although G1 (in `revert`) is not passed: pmokit is to move it back.
    moved = fresh_sandbox.session().post(f"{fresh_sandbox.url}/rest/api/2/issue/OMS-1/transitions",
                                         json={"transition": {"id": _to(fresh_sandbox, "OMS-1", "Planning")}})
    assert moved.status_code == 204, moved.text
    runtime = runtime_for(fresh_sandbox, tmp_path)
    syncer(runtime).full(["OMS", "LOG", "SHOP"])
    runtime.close()
    return fresh_sandbox, str(tmp_path / "pmokit.yaml")


def _to(sb, key: str, status: str) -> str:
    offered = sb.session().get(f"{sb.url}/rest/api/2/issue/{key}/transitions").json()["transitions"]
    return next(t["id"] for t in offered if t["to"]["name"] == status)


def test_dry_run_explains_and_lists_actions_without_writing(synced, run_cli):
    sb, config = synced
    sb.reset_stats()
    result = run_cli("--config", config, "check", "OMS-1", "LOG-1", "--dry-run")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "✗ OMS-1      record-fields          error    required fields are empty: sponsor" in out
    assert "  fix: Fill in sponsor on OMS-1." in out
    assert "dry run: " in out and "nothing written" in out
    assert "- OMS-1: add label 'pmo-gap'" in out
    assert "- OMS-1: move to 'Initiation' (G1:" in out  # it went past G1 without passing it
    # LOG-1 passed G2 by decision; a criterion failing since is a breach: flagged, the project stays.
    assert "G2 Planning → Execution: passed (go) on " in out and "criteria not met (a breach)" in out
    assert "- LOG-1: add label 'pmo-gap'" in out and "- LOG-1: move to" not in out
    assert sb.stats()["writes_total"] == 0


def test_enforcement_writes_once_and_then_nothing(synced, run_cli):
    sb, config = synced
    first = run_cli("--config", config, "check", "OMS-1", "LOG-1")
    assert first.exit_code == 0, first.output
    assert "enforced: " in first.stdout
    oms = sb.state.issue("OMS-1")
    [comment] = oms.comments
    assert "required fields are empty: sponsor" in comment["body"] and "[pmokit:compliance]" in comment["body"]
    assert "pmo-gap" in oms.labels
    assert sb.state.statuses[oms.status].name == "Initiation"  # moved back before the gate it skipped
    assert sb.state.statuses[sb.state.issue("LOG-1").status].name == "Execution"  # a breach does not move it
    sb.reset_stats()
    second = run_cli("--config", config, "check", "OMS-1", "LOG-1")
    assert "enforced: 0 changes written" in second.stdout
    assert sb.stats()["writes_total"] == 0


def test_a_compliant_issue_gets_no_comment(synced, run_cli):
    sb, config = synced
    result = run_cli("--config", config, "check", "SHOP-20", "--all-results")
    assert result.exit_code == 0
    assert sb.state.issue("SHOP-20").comments == []


def test_json_format(synced, run_cli):
    _, config = synced
    result = run_cli("--config", config, "check", "--project", "OMS", "--dry-run", "--format", "json")
    data = json.loads(result.stdout)
    assert data["dry_run"] is True
    assert {"rule": "record-fields", "issue": "OMS-1"}.items() <= next(
        r for r in data["results"] if r["rule"] == "record-fields").items()
    assert 0 <= data["compliance"]["OMS"]["score"] <= 100


def test_selection_errors_are_clear(synced, run_cli):
    _, config = synced
    both = run_cli("--config", config, "check", "OMS-1", "--project", "OMS")
    assert both.exit_code == 2 and "one of them" in both.output
    unknown = run_cli("--config", config, "check", "NOPE-1")
    assert unknown.exit_code == 2 and "not in the store: NOPE-1" in unknown.output


def test_the_audit_records_changed_results_and_actions_once(synced, run_cli):
    _, config = synced
    run_cli("--config", config, "check", "OMS-1")
    first = json.loads(run_cli("--config", config, "audit", "--issue", "OMS-1", "--format", "json").stdout)
    kinds = {(e["kind"], e["rule"], e["state"]) for e in first}
    assert ("result", "record-fields", "fail") in kinds
    assert ("action", None, "created") in kinds  # the comment
    event = next(e for e in first if e["rule"] == "record-fields")
    assert event["detail"]["missing"] == ["sponsor"] and len(event["ruleset"]) == 64
    run_cli("--config", config, "check", "OMS-1")  # nothing changed: nothing new in the audit
    again = json.loads(run_cli("--config", config, "audit", "--issue", "OMS-1", "--format", "json").stdout)
    assert len(again) == len(first)
    table = run_cli("--config", config, "audit", "--project", "OMS").stdout
    assert "record-fields → fail" in table and table.rstrip().endswith("event(s)")


def test_a_dry_run_leaves_no_audit(synced, run_cli):
    _, config = synced
    run_cli("--config", config, "check", "OMS-1", "--dry-run")
    assert json.loads(run_cli("--config", config, "audit", "--format", "json").stdout) == []


def test_gate_status_shows_criteria_approvals_and_decision(synced, run_cli):
    _, config = synced
    result = run_cli("--config", config, "gate", "status", "OMS-1")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.startswith("OMS-1 Order Management 订单管理 — phase planning (Planning)")
    assert "G1   failed" in out and "✗ Project record is complete: required fields are empty: sponsor" in out
    assert "G2   not yet evaluated" in out or "G2   pending" in out or "G2   failed" in out
    assert run_cli("--config", config, "gate", "status", "NOPE-1").exit_code == 2


def test_gate_decisions_are_audited_once(synced, run_cli):
    _, config = synced
    run_cli("--config", config, "check", "SHOP-1")
    run_cli("--config", config, "check", "SHOP-1")
    events = json.loads(run_cli("--config", config, "audit", "--issue", "SHOP-1", "--format", "json").stdout)
    approvals = [e for e in events if e["kind"] == "approval"]
    assert sorted((e["rule"], e["state"]) for e in approvals) == [("G1", "go"), ("G2", "go"), ("G2", "go")]
    assert {e["summary"].split(" by ")[1] for e in approvals if e["rule"] == "G2"} == {"李娜", "王伟"}
