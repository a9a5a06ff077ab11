"""The audit log: every evaluation that changed a result, every action taken, with evidence and the hash of the
configuration files that produced it — so a gate decision can be traced to the exact standard of that day."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from pmokit.records import Decision

from .tables import AuditEvent, RuleState
from .upsert import upsert


class AuditedResult(Protocol):
    """A rule's result as the audit reads it (``rules.results.Result``)."""

    @property
    def rule_id(self) -> str: ...
    @property
    def identity(self) -> str: ...
    @property
    def issue_key(self) -> str: ...
    @property
    def project_key(self) -> str: ...
    @property
    def state(self) -> _Valued: ...
    @property
    def severity(self) -> _Valued: ...
    @property
    def enforcement(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def evidence(self) -> tuple[str, ...]: ...
    @property
    def missing(self) -> tuple[str, ...]: ...
    @property
    def fix(self) -> str: ...
    @property
    def in_grace(self) -> bool: ...
    @property
    def subject(self) -> str: ...


class _Valued(Protocol):
    @property
    def value(self) -> str: ...


class AuditedAction(Protocol):
    """An action that was applied (``report_jobs.events.apply.Applied``)."""

    @property
    def changed(self) -> bool: ...
    @property
    def error(self) -> str: ...
    @property
    def issue_key(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def text(self) -> str: ...
    @property
    def reason(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def outcome(self) -> str: ...


def ruleset_hash(files: Iterable[Path]) -> str:
    """SHA-256 over the configuration files (names and bytes), in a stable order."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        digest.update(path.name.encode("utf-8") + b"\0")
        try:
            digest.update(path.read_bytes())
        except OSError:
            digest.update(b"<unreadable>")
    return digest.hexdigest()


def _fingerprint(result: AuditedResult) -> str:
    text = "\x1f".join([result.state.value, result.message, *result.missing, str(result.in_grace)])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def record_results(session: Session, results: Sequence[AuditedResult], *, trigger: str, ruleset: str,
                   now: datetime | None = None) -> int:
    """Audit the results whose state or explanation changed since the last evaluation; returns how many."""
    now = now or datetime.now(UTC)
    keys = {(r.rule_id, r.identity) for r in results}
    known = {}
    issue_keys = sorted({k[1] for k in keys})
    for start in range(0, len(issue_keys), 500):
        chunk = issue_keys[start:start + 500]
        for row in session.scalars(select(RuleState).where(RuleState.issue_key.in_(chunk))):
            known[(row.rule_id, row.issue_key)] = row.fingerprint
    changed = [r for r in results if known.get((r.rule_id, r.identity)) != _fingerprint(r)]
    for result in changed:
        session.add(AuditEvent(
            at=now, kind="result", trigger=trigger, project_key=result.project_key, issue_key=result.issue_key,
            rule_id=result.rule_id, state=result.state.value, summary=result.message,
            detail={"severity": result.severity.value, "enforcement": result.enforcement,
                    "evidence": list(result.evidence), "missing": list(result.missing), "fix": result.fix,
                    "in_grace": result.in_grace, "subject": result.subject,
                    "previous": "new" if (result.rule_id, result.identity) not in known
                    else "changed"},
            ruleset_hash=ruleset))
    # A portfolio result about no one issue (a person's load) is kept under its subject.
    upsert(session, RuleState.__table__, [{"rule_id": r.rule_id, "issue_key": r.identity, "state": r.state.value,
                                           "fingerprint": _fingerprint(r), "updated_at": now} for r in changed],
           ["rule_id", "issue_key"])
    return len(changed)


def record_actions(session: Session, applied: Iterable[AuditedAction], *, trigger: str, ruleset: str,
                   project_of: dict[str, str], now: datetime | None = None) -> int:
    """Audit every action that changed something or failed (an action that found things already so is not)."""
    now = now or datetime.now(UTC)
    count = 0
    for item in applied:
        if not item.changed and not item.error:
            continue
        session.add(AuditEvent(
            at=now, kind="action", trigger=trigger, project_key=project_of.get(item.issue_key, ""),
            issue_key=item.issue_key, rule_id=None, state="failed" if item.error else item.outcome,
            summary=item.summary,
            detail={"action": item.kind, "text": item.text, "reason": item.reason, "outcome": item.outcome},
            ruleset_hash=ruleset))
        count += 1
    return count


def actions_since(session: Session, issue_keys: Iterable[str], since: datetime) -> dict[str, int]:
    """How many actions pmokit audited on each of these issues since ``since`` (for the hourly limit)."""
    keys = sorted(set(issue_keys))
    if not keys:
        return {}
    rows = session.execute(select(AuditEvent.issue_key, func.count()).where(
        AuditEvent.kind == "action", AuditEvent.issue_key.in_(keys), AuditEvent.at >= since)
        .group_by(AuditEvent.issue_key))
    return {key: count for key, count in rows}


# How a decision's verb is named in the audit (and in the project managers' KPIs).
DECISION_STATE = {"approve": "go", "conditional": "conditional-go"}


def record_decisions(session: Session, decisions: Iterable[Decision], *, trigger: str, ruleset: str,
                     project_of: Mapping[str, str], now: datetime | None = None) -> int:
    """Audit gate decisions as they were taken: an applied one as an ``approval`` (its state the decision: go,
    conditional-go, reject, hold, resume, recycle, kill, reopen), a refused command as a ``command`` with pmokit's
    answer. Each is taken once, so each is audited once."""
    now = now or datetime.now(UTC)
    count = 0
    for d in decisions:
        state = DECISION_STATE.get(d.verb, d.verb) if d.applied else "refused"
        detail = d.reason or d.conditions
        summary = (f"{d.gate} {state} by {d.author_name or d.author}" + (f": {detail}" if detail else "")
                   if d.applied else f"/pmo {d.verb} {d.gate} by {d.author_name or d.author}: {d.answer}")
        session.add(AuditEvent(
            at=d.at or now, kind="approval" if d.applied else "command", trigger=trigger,
            project_key=project_of.get(d.issue_key, d.issue_key.rsplit("-", 1)[0]), issue_key=d.issue_key,
            rule_id=d.gate or None, state=state, summary=summary,
            detail={"comment_id": d.comment_id, "line": d.line, "author": d.author, "answer": d.answer,
                    "phase": d.phase, "deadline": d.deadline.isoformat() if d.deadline else None},
            ruleset_hash=ruleset))
        count += 1
    return count


def approvals(session: Session) -> list[AuditEvent]:
    """Every gate decision recorded, oldest first."""
    query = select(AuditEvent).where(AuditEvent.kind == "approval").order_by(AuditEvent.at, AuditEvent.pk)
    return list(session.scalars(query))


def events(session: Session, *, project: str | None = None, issue: str | None = None,
           since: datetime | None = None, limit: int = 200) -> list[AuditEvent]:
    query = select(AuditEvent)
    if project:
        query = query.where(AuditEvent.project_key == project)
    if issue:
        query = query.where(AuditEvent.issue_key == issue)
    if since:
        query = query.where(AuditEvent.at >= since)
    return list(session.scalars(query.order_by(AuditEvent.at.desc(), AuditEvent.pk.desc()).limit(limit)))
