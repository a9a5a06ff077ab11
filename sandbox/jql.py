"""The subset of JQL that pmokit and common clients send, parsed and evaluated against the sandbox.

Anything outside the subset raises :class:`JqlError`, which the API answers with a 400 in Atlassian's
``errorMessages`` shape: never a silent wrong answer. Words come from :mod:`sandbox.jql_tokens`, fields from
:mod:`sandbox.jql_fields`, comparisons from :mod:`sandbox.jql_compare`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from .jql_compare import Predicate, compare_dates, compare_ordered, empty, matches_any
from .jql_fields import CATEGORIES, DATE_FIELDS, GETTERS, ORDERABLE, TEXT_FIELDS, canonical, sort_key
from .jql_tokens import JqlError, Token, tokenize
from .model import SIssue, SiteState, SUser

__all__ = ["JqlError", "Query", "parse", "search"]


@dataclass
class Query:
    predicate: Predicate | None  # None: no restriction at all (unbounded)
    order: list[tuple[str, bool]]  # (field, descending)

    @property
    def bounded(self) -> bool:
        return self.predicate is not None


class _Parser:
    def __init__(self, state: SiteState, text: str, user: SUser | None):
        self.state, self.text, self.user = state, text, user
        self.tokens = tokenize(text)
        self.i = 0
        self.zone = ZoneInfo(user.time_zone) if user and user.time_zone else UTC

    # -- token helpers --------------------------------------------------------------------------------
    def peek(self, offset: int = 0) -> Token | None:
        j = self.i + offset
        return self.tokens[j] if j < len(self.tokens) else None

    def keyword(self, *words: str) -> bool:
        tok = self.peek()
        return tok is not None and tok.kind == "word" and tok.text.upper() in words

    def take(self) -> Token:
        tok = self.peek()
        if tok is None:
            raise JqlError("Error in the JQL Query: Expecting more input at the end of the query.")
        self.i += 1
        return tok

    def expect_punct(self, char: str) -> None:
        tok = self.take()
        if tok.kind != "punct" or tok.text != char:
            raise JqlError(f"Error in the JQL Query: Expecting '{char}' but got '{tok.text}'. "
                           f"(line 1, character {tok.pos})")

    # -- grammar -------------------------------------------------------------------------------------
    def parse(self) -> Query:
        predicate = None
        if self.peek() is not None and not self.keyword("ORDER"):
            predicate = self.or_expr()
        order: list[tuple[str, bool]] = []
        if self.keyword("ORDER"):
            self.take()
            if not self.keyword("BY"):
                raise JqlError("Error in the JQL Query: Expecting 'by' after 'order'.")
            self.take()
            while True:
                name = self.take()
                field = canonical(name.text)
                if field not in ORDERABLE:
                    raise JqlError(f"Not able to sort using field '{name.text}'.")
                descending = False
                if self.keyword("ASC", "DESC"):
                    descending = self.take().text.upper() == "DESC"
                order.append((field, descending))
                tok = self.peek()
                if tok is not None and tok.kind == "punct" and tok.text == ",":
                    self.take()
                    continue
                break
        tok = self.peek()
        if tok is not None:
            raise JqlError(f"Error in the JQL Query: Expecting either 'OR' or 'AND' but got '{tok.text}'. "
                           f"(line 1, character {tok.pos})")
        return Query(predicate, order)

    def or_expr(self) -> Predicate:
        parts = [self.and_expr()]
        while self.keyword("OR"):
            self.take()
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else (lambda issue: any(p(issue) for p in parts))

    def and_expr(self) -> Predicate:
        parts = [self.not_expr()]
        while self.keyword("AND"):
            self.take()
            parts.append(self.not_expr())
        return parts[0] if len(parts) == 1 else (lambda issue: all(p(issue) for p in parts))

    def not_expr(self) -> Predicate:
        if self.keyword("NOT"):
            self.take()
            inner = self.not_expr()
            return lambda issue: not inner(issue)
        tok = self.peek()
        if tok is not None and tok.kind == "punct" and tok.text == "(":
            self.take()
            inner = self.or_expr()
            self.expect_punct(")")
            return inner
        return self.clause()

    def clause(self) -> Predicate:
        name_tok = self.take()
        if name_tok.kind not in ("word", "string"):
            raise JqlError(f"Error in the JQL Query: Expecting a field name but got '{name_tok.text}'. "
                           f"(line 1, character {name_tok.pos})")
        field = canonical(name_tok.text)
        getter, kind = self.getter(field, name_tok.text)
        if self.keyword("IS"):
            self.take()
            negate = False
            if self.keyword("NOT"):
                self.take()
                negate = True
            if not self.keyword("EMPTY", "NULL"):
                raise JqlError("Error in the JQL Query: Expecting 'EMPTY' or 'NULL' after 'is'.")
            self.take()
            return (lambda issue: not empty(getter(issue))) if negate else (lambda issue: empty(getter(issue)))
        negate_in = False
        if self.keyword("NOT"):
            self.take()
            negate_in = True
            if not self.keyword("IN"):
                raise JqlError("Error in the JQL Query: Expecting 'in' after 'not'.")
        if self.keyword("IN"):
            self.take()
            values = self.value_list(field, kind)
            def contains(issue: SIssue) -> bool:
                return matches_any(getter(issue), values)
            return (lambda issue: not contains(issue)) if negate_in else contains
        op_tok = self.take()
        if op_tok.kind != "op":
            raise JqlError(f"Error in the JQL Query: Expecting operator but got '{op_tok.text}'. "
                           f"(line 1, character {op_tok.pos})")
        op = op_tok.text
        if op in ("~", "!~"):
            if kind != "text":
                raise JqlError(f"The operator '{op}' is not supported by the '{name_tok.text}' field.")
            needle = self.value(field, kind)
            words = [w for w in re.split(r"\W+", str(needle).casefold().strip("*")) if w]
            def text_match(issue: SIssue) -> bool:
                haystack = str(getter(issue) or "").casefold()
                return all(w in haystack for w in words)
            return text_match if op == "~" else (lambda issue: not text_match(issue))
        if self.keyword("EMPTY", "NULL"):
            self.take()
            if op == "=":
                return lambda issue: empty(getter(issue))
            if op == "!=":
                return lambda issue: not empty(getter(issue))
            raise JqlError(f"The operator '{op}' does not support the value EMPTY.")
        value = self.value(field, kind)
        if kind == "date":
            return compare_dates(getter, op, value, self.zone)
        if op in ("=", "!="):
            def equal(issue: SIssue) -> bool:
                return matches_any(getter(issue), [value])
            return equal if op == "=" else (lambda issue: not equal(issue) and not empty(getter(issue)))
        if kind in ("key", "number"):
            return compare_ordered(getter, op, value, kind)
        raise JqlError(f"The operator '{op}' is not supported by the '{name_tok.text}' field.")

    def value_list(self, field: str, kind: str) -> list[Any]:
        self.expect_punct("(")
        values = [self.value(field, kind)]
        while True:
            tok = self.take()
            if tok.kind == "punct" and tok.text == ")":
                return values
            if tok.kind != "punct" or tok.text != ",":
                raise JqlError(f"Error in the JQL Query: Expecting ',' or ')' but got '{tok.text}'.")
            values.append(self.value(field, kind))

    def value(self, field: str, kind: str) -> Any:
        tok = self.take()
        if tok.kind not in ("word", "string"):
            raise JqlError(f"Error in the JQL Query: Expecting a value but got '{tok.text}'. "
                           f"(line 1, character {tok.pos})")
        nxt = self.peek()
        if tok.kind == "word" and nxt is not None and nxt.kind == "punct" and nxt.text == "(":
            self.take()
            args = []
            while (ahead := self.peek()) is not None and not (ahead.kind == "punct" and ahead.text == ")"):
                args.append(self.take().text)
                comma = self.peek()
                if comma is not None and comma.text == ",":
                    self.take()
            self.expect_punct(")")
            return self.function(tok.text, args)
        if kind == "date":
            return self.date_value(tok.text)
        return self.resolve(field, tok.text, kind)

    def function(self, name: str, args: list[str]) -> Any:
        lowered = name.casefold()
        now = datetime.now(UTC)
        if lowered == "currentuser":
            return self.user.account_id if self.user else None
        if lowered == "now":
            return now
        if lowered in ("startofday", "endofday"):
            local = now.astimezone(self.zone)
            day = local.date() + timedelta(days=_offset_days(args[0]) if args else 0)
            moment = datetime.combine(day, time.min if lowered == "startofday" else time.max, tzinfo=self.zone)
            return moment.astimezone(UTC)
        raise JqlError(f"Unable to find JQL function '{name}({', '.join(args)})'.")

    def date_value(self, text: str) -> datetime:
        relative = re.fullmatch(r"([-+]?)(\d+)([wdhm])", text.strip())
        if relative:
            sign = -1 if relative[1] == "-" else 1
            unit = {"w": "weeks", "d": "days", "h": "hours", "m": "minutes"}[relative[3]]
            return datetime.now(UTC) + sign * timedelta(**{unit: int(relative[2])})
        for fmt in ("%Y-%m-%d %H:%M", "%Y/%m/%d %H:%M", "%Y-%m-%d", "%Y/%m/%d"):
            try:
                parsed = datetime.strptime(text.strip(), fmt)
            except ValueError:
                continue
            # JQL dates are minutes in the searching user's time zone.
            return parsed.replace(tzinfo=self.zone).astimezone(UTC)
        raise JqlError(f"Date value '{text}' for field is invalid. Valid formats include: 'yyyy/MM/dd HH:mm', "
                       f"'yyyy-MM-dd HH:mm', 'yyyy/MM/dd', 'yyyy-MM-dd', or a period format e.g. '-5d', '4w 2d'.")

    def resolve(self, field: str, text: str, kind: str) -> Any:
        """A value as the evaluator compares it: ids and keys for entities, text for the rest."""
        state = self.state
        folded = text.casefold()
        if field == "project":
            for project in state.projects.values():
                if folded in (project.key.casefold(), project.id, project.name.casefold()):
                    return project.key
            raise JqlError(f"The value '{text}' does not exist for the field 'project'.")
        if field == "issuetype":
            for itype in state.issue_types.values():
                if folded in (itype.name.casefold(), itype.id):
                    return itype.name
            raise JqlError(f"The value '{text}' does not exist for the field 'issuetype'.")
        if field == "status":
            status = state.status_by_name(text)
            if status is None:
                raise JqlError(f"The value '{text}' does not exist for the field 'status'.")
            return status.id
        if field == "statusCategory":
            for key, (name, number, _) in CATEGORIES.items():
                if folded in (key, name.casefold(), str(number)):
                    return key
            raise JqlError(f"The value '{text}' does not exist for the field 'statusCategory'.")
        if field in ("assignee", "reporter"):
            user = state.user(text)
            if user is None:
                raise JqlError(f"The value '{text}' does not exist for the field '{field}'.")
            return user.account_id
        if field in ("parent", "key", "id"):
            issue = state.issue(text)
            if issue is None:
                if field == "id" and text.isdigit():
                    return int(text)
                raise JqlError(f"An issue with key '{text}' does not exist for field '{field}'.")
            return issue.id if field in ("parent", "id") else issue.key
        if kind == "number":
            try:
                return float(text)
            except ValueError:
                raise JqlError(f"The value '{text}' is not a number for field '{field}'.") from None
        return text

    def getter(self, field: str, original: str) -> tuple[Callable[[SIssue], Any], str]:
        """How to read a field from an issue, and its kind: date, text, number, key, id or value."""
        state = self.state
        simple = GETTERS.get(field)
        if simple is not None:
            if field == "statusCategory":
                return (lambda issue: state.statuses[issue.status].category), "value"
            kind = ("date" if field in DATE_FIELDS else "text" if field in TEXT_FIELDS else
                    "key" if field == "key" else "number" if field == "id" else "value")
            return simple, kind
        custom = state.field_by_name(original)
        if custom is not None and custom.custom:
            fid = custom.id
            kind = {"number": "number", "date": "date", "string": "text"}.get(custom.schema_type, "value")
            return (lambda issue: issue.custom.get(fid)), kind
        raise JqlError(f"Field '{original}' does not exist or you do not have permission to view it.")


def _offset_days(arg: str) -> int:
    match = re.fullmatch(r"([-+]?\d+)d?", arg.strip())
    return int(match[1]) if match else 0


def parse(state: SiteState, text: str, user: SUser | None = None) -> Query:
    return _Parser(state, text or "", user).parse()


def search(state: SiteState, text: str, user: SUser | None = None) -> list[SIssue]:
    """Issues matching ``text`` in its order (default: key descending, newest project issues first)."""
    query = parse(state, text, user)
    issues = [i for i in state.issues.values() if not i.deleted and (query.predicate is None or query.predicate(i))]
    order = query.order or [("key", True)]
    for field, descending in reversed(order):
        issues.sort(key=sort_key(state, field), reverse=descending)
    return issues
