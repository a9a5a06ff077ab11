"""The subset of Confluence's CQL the sandbox answers: clauses joined by AND.

    type = page    space = PMO    label = "feasibility-study"    label in ("a", "b")    ancestor = 12345

Anything else is a 400 with Confluence's wording, so a client learns early that its query would not parse.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .model import SPage

CLAUSE = re.compile(r"""\s*(?P<field>\w+)\s*(?P<op>=|!=|\bin\b)\s*(?P<value>\([^)]*\)|"[^"]*"|'[^']*'|[\w.-]+)\s*""",
                    re.IGNORECASE)
AND = re.compile(r"\s+and\s+", re.IGNORECASE)


class CqlError(ValueError):
    pass


@dataclass(frozen=True)
class Clause:
    field: str
    negate: bool
    values: frozenset[str]


def _values(text: str) -> frozenset[str]:
    if text.startswith("("):
        return frozenset(v.strip().strip("\"'") for v in text[1:-1].split(",") if v.strip())
    return frozenset({text.strip("\"'")})


def parse(cql: str) -> list[Clause]:
    clauses = []
    for part in AND.split(cql.strip()):
        match = CLAUSE.fullmatch(part)
        if match is None:
            raise CqlError(f"Could not parse cql : {cql}")
        field = match["field"].lower()
        if field not in ("type", "space", "label", "ancestor"):
            raise CqlError(f"Could not parse cql : {cql} (field '{match['field']}' is not supported here)")
        clauses.append(Clause(field, match["op"] == "!=", _values(match["value"])))
    return clauses


def matcher(cql: str, ancestors: Callable[[SPage], list[SPage]]) -> Callable[[SPage], bool]:
    clauses = parse(cql)

    def test(page: SPage) -> bool:
        for clause in clauses:
            if clause.field == "type":
                have = {"page"}
            elif clause.field == "space":
                have = {page.space_key}
            elif clause.field == "label":
                have = set(page.labels)
            else:
                have = {a.id for a in ancestors(page)}
            if bool(have & clause.values) == clause.negate:
                return False
        return True

    return test
