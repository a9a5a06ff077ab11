"""Gate commands written as Jira comments, parsed purely.

    /pmo approve G2                          Go
    /pmo approve G2 conditional 2026-12-31 contract signed by then    Conditional go, with a deadline
    /pmo reject G2 the budget is not approved
    /pmo hold G2 waiting for the vendor
    /pmo recycle G2 rework the proposal
    /pmo kill G2 no business case

One command per line; anything else in the comment is ignored. Commands are case-insensitive; the gate id is
matched against the configured gates by the caller.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from pmokit.records import Comment

COMMAND = re.compile(
    r"^\s*/pmo\s+(?P<verb>approve|reject|hold|recycle|kill)\s+(?P<gate>[A-Za-z0-9_.-]+)(?P<rest>.*)$",
    re.IGNORECASE | re.MULTILINE)
CONDITIONAL = re.compile(r"^\s*conditional(?:ly)?\s+(?P<date>\d{4}-\d{2}-\d{2})\s*(?P<conditions>.*)$",
                         re.IGNORECASE)

GO, CONDITIONAL_GO, HOLD, RECYCLE, KILL, REJECT = "go", "conditional-go", "hold", "recycle", "kill", "reject"


@dataclass(frozen=True)
class GateCommand:
    gate: str
    decision: str  # go | conditional-go | reject | hold | recycle | kill
    author: str  # the user id (account id on Cloud, name on Data Center)
    at: datetime | None
    reason: str = ""
    conditions: str = ""
    deadline: date | None = None
    comment_id: str = ""
    author_name: str = ""
    author_email: str = ""


def parse(comment: Comment) -> list[GateCommand]:
    """Every gate command in one comment."""
    author = comment.author.id if comment.author else ""
    out = []
    for match in COMMAND.finditer(comment.body or ""):
        verb, rest = match["verb"].lower(), match["rest"].strip()
        decision = {"approve": GO, "reject": REJECT, "hold": HOLD, "recycle": RECYCLE, "kill": KILL}[verb]
        deadline, conditions = None, ""
        if verb == "approve":
            conditional = CONDITIONAL.match(rest)
            if conditional:
                decision, conditions = CONDITIONAL_GO, conditional["conditions"].strip()
                try:
                    deadline = date.fromisoformat(conditional["date"])
                except ValueError:
                    deadline = None
                rest = ""
        out.append(GateCommand(match["gate"].upper(), decision, author, comment.updated or comment.created,
                               reason=rest, conditions=conditions, deadline=deadline, comment_id=comment.id,
                               author_name=str(comment.author) if comment.author else author,
                               author_email=(comment.author.email or "") if comment.author else ""))
    return out


def commands(comments: list[Comment], gate: str) -> list[GateCommand]:
    """The commands for ``gate`` in ``comments``, oldest first."""
    found = [c for comment in comments for c in parse(comment) if c.gate == gate.upper()]
    return sorted(found, key=lambda c: c.at or datetime.min)
