"""Model-based: random sequences of a team's and a PMO's actions on the sandbox, each followed by the webhooks,
the worker and a reconcile; after every sequence the invariants of :mod:`tests.enforcement_model` hold.

Two sites, Jira Cloud (comments in ADF) and Data Center (wiki markup), each driven through its own random
sequences from a fixed seed (set PMOKIT_MODEL_SEED for others, PMOKIT_MODEL_SEQUENCES for more); a failure
names the invariant, the issue and the sequence that broke it. `benchmarks/enforcement_soak.py` runs 2,000.
"""

from __future__ import annotations

import os

import pytest

from tests.enforcement_model import Site

SEQUENCES = int(os.environ.get("PMOKIT_MODEL_SEQUENCES", "80"))
SEED = int(os.environ.get("PMOKIT_MODEL_SEED", "20261201"))


@pytest.mark.parametrize(("flavor", "share"), [("cloud", 0.6), ("datacenter", 0.4)])
def test_random_sequences_keep_the_invariants(flavor, share):
    site = Site(flavor=flavor, seed=SEED + (flavor == "datacenter"))
    try:
        for _ in range(round(SEQUENCES * share)):
            broken = site.sequence()
            assert not broken, "\n".join(broken[:5])
        tally = site.tally
        # The sequences did what they are for: every kind of action, and commands of every expectation.
        assert set(tally.actions) == set(site._actions()), tally.actions
        assert {"applied", "refused", "ignored", "either"} <= set(tally.commands), tally.commands
        assert tally.sequences == round(SEQUENCES * share)
    finally:
        site.close()


def test_a_deleted_comment_is_written_again():
    """Found by the model: someone deletes pmokit's comment on an issue with a gap; Jira Cloud's comment_deleted
    webhook does not say who deleted it, and the worker took the comment's author (pmokit) for the actor: the
    event was "pmokit's own action" and the comment never came back."""
    site = Site(flavor="cloud")
    try:
        key = next(k for k in site.work if any("[pmokit:compliance]" in c["body"]
                                               for c in site.sb.state.issue(k).comments))
        [mine] = [c for c in site.sb.state.issue(key).comments if "[pmokit:compliance]" in c["body"]]
        assert site.session("admin").delete(f"{site.api}/issue/{key}/comment/{mine['id']}").status_code == 204
        site.drain()  # the worker alone, no reconcile
        again = [c for c in site.sb.state.issue(key).comments if "[pmokit:compliance]" in c["body"]]
        assert len(again) == 1 and again[0]["body"] == mine["body"] and again[0]["id"] != mine["id"]
    finally:
        site.close()


def test_a_record_change_updates_its_work_too():
    """Found by the model: a milestone's dates are checked against its project's window; when the team moved the
    record's baseline end before the milestone's due date, the worker re-evaluated the record alone, and only the
    hourly reconcile put the milestone's comment right."""
    site = Site(flavor="cloud")
    try:
        record = site.sb.state.issue("FIN-1")
        milestone = max((i for i in site.sb.state.live_issues() if i.parent == record.id
                         and i.issue_type == "Milestone" and i.duedate
                         and not [c for c in i.comments if "[pmokit:compliance]" in c["body"]]),
                        key=lambda i: i.duedate)
        site._put("liu.yang", "FIN-1", {"fields": {site.fields["Baseline End"]:
                                                   (milestone.duedate.replace(day=1)).isoformat()}})
        site.drain()  # the worker alone, no reconcile
        [comment] = [c for c in milestone.comments if "[pmokit:compliance]" in c["body"]]
        assert "due date outside the project window" in comment["body"]
    finally:
        site.close()
