"""Enforcement that tells the truth, one incident each: what a team and a PMO saw on the demo, and what they
must see. Every change is made as people make it (the sandbox's REST API, as a team member or an approver);
pmokit reads it as it does in production (`pmokit sync`, then `pmokit check`, the step the worker runs too)."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from tests.syncing import runtime_for

LI_NA = ("li.na@example.com", "sandbox-li.na")  # in the pmo group: an approver of every gate
WANG_WEI = ("wang.wei@example.com", "sandbox-wang.wei")  # pmo too
LIU_YANG = ("liu.yang@example.com", "sandbox-liu.yang")  # a team member, no approver


@pytest.fixture
def site(fresh_sandbox, tmp_path, run_cli):
    runtime_for(fresh_sandbox, tmp_path).close()  # writes pmokit.yaml for the sandbox
    config = str(tmp_path / "pmokit.yaml")
    assert run_cli("--config", config, "sync", "--full").exit_code == 0
    return Site(fresh_sandbox, config, run_cli)


class Site:
    """The sandbox and pmokit on it, driven as its people and as the worker would."""

    def __init__(self, sb, config, run_cli):
        self.sb, self.config, self.run_cli = sb, config, run_cli
        self.api = f"{sb.url}/rest/api/2"

    def as_(self, who):
        return self.sb.session(*who)

    def comment(self, who, key, body):
        response = self.as_(who).post(f"{self.api}/issue/{key}/comment", json={"body": body})
        assert response.status_code == 201, response.text

    def move(self, who, key, status):
        session = self.as_(who)
        offered = session.get(f"{self.api}/issue/{key}/transitions").json()["transitions"]
        [transition] = [t for t in offered if t["to"]["name"] == status]
        assert session.post(f"{self.api}/issue/{key}/transitions",
                            json={"transition": {"id": transition["id"]}}).status_code == 204

    def edit(self, who, key, fields):
        assert self.as_(who).put(f"{self.api}/issue/{key}", json={"fields": fields}).status_code == 204

    def enforce(self, *keys):
        """What the worker does when events name these issues: read them again, then enforce."""
        assert self.run_cli("--config", self.config, "sync").exit_code == 0
        result = self.run_cli("--config", self.config, "check", *keys)
        assert result.exit_code == 0, result.output
        return result

    def status(self, key):
        issue = self.sb.state.issue(key)
        return self.sb.state.statuses[issue.status].name

    def pmokit_comments(self, key):
        return [c for c in self.sb.state.issue(key).comments if "[pmokit:compliance]" in c["body"]]

    def the_comment(self, key):
        [comment] = self.pmokit_comments(key)
        return comment["body"]

    def gate(self, key):
        return self.run_cli("--config", self.config, "gate", "status", key).stdout

    def audit(self, key):
        return json.loads(self.run_cli("--config", self.config, "audit", "--issue", key, "--format", "json").stdout)


def field_id(site, name):
    return next(f.id for f in site.sb.state.fields.values() if f.name == name)


def test_the_comment_follows_an_approval(site):
    """Incident: after `/pmo approve G1` on FIN-1 the gate passed, but the comment still asked for the approval
    (the worker planned nothing for an issue with no gaps, no failing gate ahead and no label)."""
    site.enforce("FIN-1")
    assert "/pmo approve G1" in site.the_comment("FIN-1")  # G1 is the gate ahead and waits for its approval
    site.comment(LI_NA, "FIN-1", "Feasibility reviewed.\n/pmo approve G1")
    site.enforce("FIN-1")
    assert "G1   passed" in site.gate("FIN-1")
    body = site.the_comment("FIN-1")
    assert "approve G1" not in body and "meets the PMO standard" in body
    site.enforce("FIN-1")  # and it stays so
    assert len(site.pmokit_comments("FIN-1")) == 1


def test_after_a_revert_the_comment_names_the_gate_the_project_is_at(site):
    """Incident: after pmokit's own revert of RET-1 to Planning, the comment named G3 as the next gate."""
    # RET-1 is in planning with G1 passed; the team moves it on to execution without passing G2 (in `revert`).
    site.move(LIU_YANG, "RET-1", "Execution")
    site.enforce("RET-1")
    assert site.status("RET-1") == "Planning"
    body = site.the_comment("RET-1")
    assert "Next gate: G2" in body and "G3" not in body.split("Next gate", 1)[1]


def test_a_passed_gate_stays_passed_and_a_later_gap_is_a_breach(site):
    """Incident: SHOP-1 was in Execution with G1 and G2 approved; clearing its Sponsor made pmokit revert it
    twice, to Initiation."""
    assert site.status("SHOP-1") == "Execution"
    site.edit(LIU_YANG, "SHOP-1", {field_id(site, "Sponsor"): None})
    site.enforce("SHOP-1")
    site.enforce("SHOP-1")
    assert site.status("SHOP-1") == "Execution"  # never moved back: a breach is flagged
    body = site.the_comment("SHOP-1")
    assert "a breach" in body and "pmo-gap" in site.sb.state.issue("SHOP-1").labels
    gates = site.gate("SHOP-1")
    assert re.search(r"G1 +failed +G1 Initiation → Planning: passed \(go\) on \S+, but 1 criteria not met", gates)
    # Restoring the sponsor ends the breach; the gates are still passed by their decisions.
    site.edit(LIU_YANG, "SHOP-1", {field_id(site, "Sponsor"): "王伟"})
    site.enforce("SHOP-1")
    assert "G1   passed" in site.gate("SHOP-1") and "a breach" not in site.the_comment("SHOP-1")


def test_a_kill_closes_the_project_and_only_a_reopen_undoes_it(site):
    """Incident: FIN-1 killed became "passed" after one `/pmo approve G1`, and nothing closed the project."""
    site.comment(LI_NA, "FIN-1", "/pmo kill G1 no business case")
    site.enforce("FIN-1")
    assert site.status("FIN-1") == "Cancelled"
    assert site.sb.state.issue("FIN-1").resolution == "10001"  # Won't Do, as the configuration says
    site.comment(WANG_WEI, "FIN-1", "/pmo approve G1")
    site.enforce("FIN-1")
    assert site.status("FIN-1") == "Cancelled"
    body = site.the_comment("FIN-1")
    assert "killed" in body and "only /pmo reopen G1 undoes a kill" in body  # the approval is answered
    assert body.startswith("h3. pmokit: killed at G1 by decision of the PMO")  # not "meets the standard"
    site.move(LIU_YANG, "FIN-1", "Planning")  # a team takes it up again on its own: moved back
    site.enforce("FIN-1")
    assert site.status("FIN-1") == "Cancelled"
    site.comment(LI_NA, "FIN-1", "/pmo reopen G1 the board changed its mind")
    site.enforce("FIN-1")
    assert site.status("FIN-1") == "Initiation"  # where it was when it was killed
    decisions = [(e["rule"], e["state"]) for e in site.audit("FIN-1") if e["kind"] in ("approval", "command")]
    assert ("G1", "kill") in decisions and ("G1", "refused") in decisions and ("G1", "reopen") in decisions


def test_a_hold_keeps_the_project_in_its_phase_until_resumed(site):
    site.comment(LI_NA, "RET-1", "/pmo hold G2 waiting for the vendor")
    site.enforce("RET-1")
    site.move(LIU_YANG, "RET-1", "Initiation")  # out of its phase: moved back
    site.enforce("RET-1")
    assert site.status("RET-1") == "Planning"
    assert "on hold" in site.the_comment("RET-1")
    site.comment(LI_NA, "RET-1", "/pmo resume G2")
    site.move(LIU_YANG, "RET-1", "Initiation")
    site.enforce("RET-1")
    assert site.status("RET-1") == "Initiation"  # free to move again


def test_a_revert_across_several_phases_lands(site):
    """Incident: WMS-1 was past a failed gate; pmokit tried one transition the workflow does not have
    ("reachable statuses are Closure, Execution"), the event became a dead letter and WMS-1 stayed."""
    # FIN-1 (initiation, G1 not passed) is taken three phases on by the team, one step at a time.
    for status in ("Planning", "Execution", "Acceptance"):
        site.move(LIU_YANG, "FIN-1", status)
    site.enforce("FIN-1")
    assert site.status("FIN-1") == "Initiation"  # by way of Execution and Planning
    assert "G1" in site.the_comment("FIN-1")


def test_a_move_the_workflow_does_not_allow_is_said_not_retried(site):
    # The record's workflow loses the way back from execution: pmokit cannot move RET-1 back once it is there.
    workflow = site.sb.state.workflows["stage-gate"]
    execution = next(s.id for s in site.sb.state.statuses.values() if s.name == "Execution")
    site.move(LIU_YANG, "RET-1", "Execution")
    workflow.transitions = [
        replace(t, sources=tuple(s for s in t.sources if s != execution))
        if t.sources and execution in t.sources and t.name != "Acceptance" else t for t in workflow.transitions]
    result = site.enforce("RET-1")  # exit 0: the site's answer is final, not a failure to try again
    assert "1 failed" in result.stdout
    assert site.status("RET-1") == "Execution"
    body = site.the_comment("RET-1")
    assert "What pmokit could not do" in body and "cannot move from 'Execution' to 'Planning'" in body
    actions = [e for e in site.audit("RET-1") if e["kind"] == "action" and e["state"] == "failed"]
    assert actions and "cannot move" in actions[0]["detail"]["outcome"]


def test_commands_that_cannot_be_taken_are_answered(site):
    """Incident: `/pmo aprove G1` and `/pmo approve G9` got no answer."""
    site.comment(LI_NA, "FIN-1", "/pmo aprove G1")
    site.comment(WANG_WEI, "FIN-1", "/pmo approve G9")
    site.comment(LIU_YANG, "FIN-1", "/pmo approve G1")
    site.enforce("FIN-1")
    body = site.the_comment("FIN-1")
    assert "unknown command 'aprove' (did you mean 'approve'?)" in body
    assert "FIN-1 has no gate 'G9'; gates of FIN-1: G1, G2, G3, G4" in body
    assert "刘洋 is not an approver of G1" in body
    assert "G1   pending" in site.gate("FIN-1")  # none of them counted
    site.comment(LI_NA, "FIN-1", "/pmo approve G1")  # the corrected command: her answer goes, the gate passes
    site.enforce("FIN-1")
    body = site.the_comment("FIN-1")
    assert "aprove" not in body and "G9" in body  # wang.wei's answer stands until they write again


def test_an_example_in_noformat_is_not_a_rejection(site):
    """Incident: a `/pmo reject G1 <reason>` shown as an example inside {noformat} counted as a rejection."""
    site.comment(LI_NA, "FIN-1", "To reject, write:\n{noformat}\n/pmo reject G1 <reason>\n{noformat}")
    site.comment(LI_NA, "FIN-1", "/pmo approve G1")
    site.enforce("FIN-1")
    assert "G1   passed" in site.gate("FIN-1")
    assert not any(e["state"] == "reject" for e in site.audit("FIN-1"))


def test_an_approver_is_matched_by_identity_not_by_name(site, run_cli, tmp_path):
    """Incident: an approver listed in approvers.users was matched by display name or the local part of an
    e-mail: anyone who named themselves `li.na` could approve."""
    text = (tmp_path / "pmokit.yaml").read_text(encoding="utf-8")
    # G1's approvers become one person, by e-mail, instead of the pmo group.
    text = text.replace("approvers:\n    groups:\n    - pmo\n    required: 1\n",
                        "approvers:\n    users:\n    - li.na@example.com\n    required: 1\n", 1)
    assert "li.na@example.com" in text
    (tmp_path / "pmokit.yaml").write_text(text, encoding="utf-8")
    impostor = site.sb.state.user("liu.yang")
    impostor.display_name = "li.na"  # a Cloud user can pick any display name
    site.comment(LIU_YANG, "FIN-1", "/pmo approve G1")
    site.enforce("FIN-1")
    assert "G1   pending" in site.gate("FIN-1") and "is not an approver of G1" in site.the_comment("FIN-1")
    site.comment(LI_NA, "FIN-1", "/pmo approve G1")
    site.enforce("FIN-1")
    assert "G1   passed" in site.gate("FIN-1")


def test_an_approver_who_is_no_one_is_a_located_configuration_error(site, run_cli, tmp_path):
    path = tmp_path / "pmokit.yaml"
    text = path.read_text(encoding="utf-8").replace("approvers:\n    groups:\n    - pmo\n    required: 1\n",
                                                    "approvers:\n    users:\n    - li.na@exmaple.com\n"
                                                    "    required: 1\n", 1)
    path.write_text(text, encoding="utf-8")
    result = run_cli("--config", str(path), "check", "FIN-1")
    assert result.exit_code == 2
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "li.na@exmaple.com" in row)
    assert re.search(rf"pmokit.yaml:{line}:\d+: rules\[\d+\]\.approvers\.users\[0\]: approver 'li.na@exmaple.com' "
                     r"is no one on", result.output), result.output


# -- found by the model-based test (tests/test_enforcement_model.py) -------------------------------------------
def test_a_kill_ends_the_holds_before_it(site):
    """Found by the model: SHOP-1 was held at G3, killed at G4 and reopened; it was still on hold."""
    site.comment(LI_NA, "SHOP-1", "/pmo hold G3 waiting for the vendor")
    site.enforce("SHOP-1")
    site.comment(WANG_WEI, "SHOP-1", "/pmo kill G4 no business case")
    site.enforce("SHOP-1")
    site.comment(LI_NA, "SHOP-1", "/pmo reopen G4 the board changed its mind")
    site.enforce("SHOP-1")
    assert site.status("SHOP-1") == "Execution"  # back where it was killed
    assert "on hold" not in site.the_comment("SHOP-1")
    site.comment(LI_NA, "SHOP-1", "/pmo hold G3 the vendor again")  # a new hold is taken, not "already on hold"
    site.enforce("SHOP-1")
    assert "/pmo hold G3" not in site.the_comment("SHOP-1") and "on hold" in site.the_comment("SHOP-1")


def test_a_revert_may_pass_phases_the_project_type_skips(site):
    """Found by the model: OMS-1, a maintenance project (initiation → execution → closure) recycled at GM and
    taken on to Execution, could not be moved back: the only way from Execution to Initiation in the record's
    workflow passes Planning, a phase maintenance projects skip."""
    site.edit(LIU_YANG, "OMS-1", {field_id(site, "Project Type"): {"value": "Maintenance"}})
    site.comment(LI_NA, "OMS-1", "/pmo recycle GM rework the scope")
    site.enforce("OMS-1")
    site.move(LIU_YANG, "OMS-1", "Planning")
    site.move(LIU_YANG, "OMS-1", "Execution")
    site.enforce("OMS-1")
    assert site.status("OMS-1") == "Initiation"
    assert "could not do" not in site.the_comment("OMS-1")


def test_answers_are_in_the_language_of_the_standard(site):
    """A PMO whose standard speaks Chinese gets its answers in Chinese, phases by their names."""
    path = site.config
    with open(path, encoding="utf-8") as f:
        text = f.read()
    with open(path, "w", encoding="utf-8") as f:
        f.write(text.replace("language: en", "language: zh", 1))
    site.comment(LI_NA, "FIN-1", "/pmo aprove G1")
    site.comment(WANG_WEI, "FIN-1", "/pmo approve G9")
    site.comment(LIU_YANG, "FIN-1", "/pmo approve G1")
    site.comment(LI_NA, "RET-1", "/pmo hold G2 等待供应商")
    site.enforce("FIN-1", "RET-1")
    body = site.the_comment("FIN-1")
    assert "无法识别的指令“aprove”（您是否想用“approve”？）" in body
    assert "FIN-1 没有阶段门“G9”；FIN-1 的阶段门：G1, G2, G3, G4" in body
    assert "刘洋 不是 G1 的审批人（审批人：pmo 组）" in body
    assert "项目保持在规划阶段" in site.the_comment("RET-1")


def test_a_standard_may_remove_the_comment_once_an_issue_complies(site):
    """`enforcement.when_compliant: remove`: the comment goes when the issue meets the standard again."""
    with open(site.config, "a", encoding="utf-8") as f:
        f.write("enforcement:\n  when_compliant: remove\n")
    risk = next(i for i in site.sb.state.live_issues() if i.issue_type == "Risk" and i.project_key == "OMS"
                and site.sb.state.statuses[i.status].name != "Done" and i.assignee)
    probability = field_id(site, "Risk Probability")
    site.edit(LIU_YANG, risk.key, {probability: None})
    site.enforce(risk.key)
    assert "probability" in site.the_comment(risk.key) and "pmo-gap" in risk.labels
    site.edit(LIU_YANG, risk.key, {probability: 3})
    site.enforce(risk.key)
    assert site.pmokit_comments(risk.key) == [] and "pmo-gap" not in risk.labels
    [removed] = [e for e in site.audit(risk.key) if e["kind"] == "action"
                 and e["detail"]["action"] == "remove_comment"]
    assert removed["detail"]["reason"] == "meets the PMO standard"
    site.enforce(risk.key)  # and nothing more: no comment to remove
    assert len([e for e in site.audit(risk.key) if e["kind"] == "action"]) == 4  # comment, label, both undone
