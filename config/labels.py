"""Labels as Jira and Confluence keep them: what a label named in the configuration must look like to be found.

Jira refuses a label with a space in it (400: "The label '…' contains spaces which is invalid.") and one over 255
characters. Confluence splits a label at spaces and commas into several, lower-cases it, and refuses (400) one
with other whitespace, any of ``: ; , . ? & [ ] ( ) # ^ * @ ! < >``, or more than 255 characters. A rule that
looks for such a label would never find it on any issue or page: it is refused when the configuration is read.
"""

from __future__ import annotations

import re

from .problems import shown_value

MAX_LABEL = 255
CONFLUENCE_INVALID = frozenset(":;,.?&[]()#^*@!<>")


def _suggestion(label: str, invalid: frozenset[str], lower: bool = False) -> str:
    fixed = re.sub(r"-{2,}", "-", "".join("-" if c.isspace() or c in invalid else c for c in label)).strip("-")
    fixed = fixed.lower() if lower else fixed
    return f" (e.g. {shown_value(fixed)})" if fixed and fixed != label else ""


def jira_label_problem(label: str) -> str | None:
    """Why ``label`` cannot be a Jira label, or None."""
    if not label.strip():
        return "a Jira label cannot be empty"
    if any(c.isspace() for c in label):
        return (f"{shown_value(label)} cannot be a Jira label: Jira refuses labels with spaces, so no issue "
                f"carries it; write it as the issues show it{_suggestion(label, frozenset())}")
    if len(label) > MAX_LABEL:
        return f"a Jira label has at most {MAX_LABEL} characters, this one {len(label)}"
    return None


def confluence_label_problem(label: str) -> str | None:
    """Why ``label`` cannot be a Confluence label, or None."""
    if not label.strip():
        return "a Confluence label cannot be empty"
    if any(c.isspace() or c == "," for c in label):
        parts = [p for p in re.split(r"[\s,]+", label) if p]
        return (f"{shown_value(label)} cannot be a Confluence label: Confluence splits a label at spaces and commas "
                f"(into {len(parts)} labels), so no page carries it; write it as the page shows it"
                f"{_suggestion(label, CONFLUENCE_INVALID, lower=True)}")
    bad = sorted({c for c in label if c in CONFLUENCE_INVALID})
    if bad:
        return (f"{shown_value(label)} cannot be a Confluence label: Confluence refuses labels with "
                f"{' '.join(bad)} (and any of {' '.join(sorted(CONFLUENCE_INVALID))})"
                f"{_suggestion(label, CONFLUENCE_INVALID, lower=True)}")
    if len(label) > MAX_LABEL:
        return f"a Confluence label has at most {MAX_LABEL} characters, this one {len(label)}"
    return None
