"""The condition language of PMO rules: small, readable, parsed once, never ``eval``'d.

    budget > 0 and sponsor is not empty
    due < now + 7d
    status in ('Done', 'Closed') or count(labels) >= 2
    summary matches '^\\[[A-Z]+\\] '
    labels contains 'pmo'

Values: numbers, 'text' or "text", true, false, null, durations (``7d``, ``2w``, ``12h``), ``now`` and ``today``,
field paths by logical name (``budget``, ``parent.status``). Operators: ``= != < <= > >=``, ``in``, ``not in``,
``contains``, ``matches`` (a regular expression), ``is [not] empty``, ``+ - * /`` (dates and durations add and
subtract; division by zero gives nothing), ``and``,
``or``, ``not``, parentheses. Functions: ``count(x)``, ``len(text)``, ``lower(text)``, ``days_until(date)``,
``days_since(date)``. A comparison with a missing value is false (``= null`` and ``is empty`` excepted).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Protocol

from .problems import did_you_mean

# The names every condition may start a path with besides the portfolio's logical fields; ``rules.facts`` reads
# each of them from an issue (and holds its list equal to this one).
BUILTIN_NAMES = frozenset({
    "key", "id", "project", "type", "issuetype", "summary", "description", "status", "category", "phase",
    "assignee", "reporter", "created", "updated", "due", "resolved", "priority", "story_points", "labels",
    "components", "fix_versions", "parent", "epic", "attachments", "links", "done"})
RELATIONS = frozenset({"parent", "epic", "children"})


def known_names(logical_fields: Iterable[str]) -> set[str]:
    """Every name an expression may start a path with."""
    return set(BUILTIN_NAMES) | RELATIONS | {"program"} | set(logical_fields)


KEYWORDS = {"and", "or", "not", "in", "contains", "matches", "is", "empty", "null", "true", "false", "now", "today"}
FUNCTIONS = {"count", "len", "lower", "days_until", "days_since"}

TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<duration>\d+(?:\.\d+)?[dhw])\b
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<op>==|!=|<>|<=|>=|=|<|>|\+|-|\*|/|\(|\)|,)
  | (?P<name>[^\W\d][\w.]*)
""", re.VERBOSE | re.UNICODE)


class ExpressionError(ValueError):
    """A problem in an expression; ``column`` is 1-based within the expression text."""

    def __init__(self, message: str, column: int):
        super().__init__(f"{message} (at column {column})")
        self.message, self.column = message, column


class Scope(Protocol):
    """What an expression reads: field values by logical path, and the moment of evaluation."""

    now: datetime

    def value(self, path: str) -> Any: ...


# A compiled expression: runs on a Scope, or on what the readers given to compile_expression take (an issue).
Compiled = Callable[[Any], Any]


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    column: int


def tokenize(text: str) -> list[_Tok]:
    tokens, pos = [], 0
    while pos < len(text):
        match = TOKEN.match(text, pos)
        if match is None:
            raise ExpressionError(f"unexpected character {text[pos]!r}", pos + 1)
        kind = match.lastgroup or ""
        if kind != "space":
            value = match.group(kind)
            if kind == "name" and value.lower() in KEYWORDS:
                kind, value = "keyword", value.lower()
            tokens.append(_Tok(kind, value, pos + 1))
        pos = match.end()
    tokens.append(_Tok("end", "", len(text) + 1))
    return tokens


@dataclass(frozen=True)
class Expression:
    """A parsed expression: ``evaluate(scope)`` runs it; ``fields`` are the paths it reads."""

    text: str
    evaluate: Compiled
    fields: frozenset[str]

    def __call__(self, scope: Scope) -> Any:
        return self.evaluate(scope)


def compile_expression(text: str, known_fields: Iterable[str] | None = None, *,
                       field: Callable[[str], Callable[[Any], Any]] | None = None,
                       now: datetime | None = None) -> Expression:
    """Parse ``text``; with ``known_fields``, a path whose first part is not among them is an error.

    By default the result runs on a :class:`Scope`. With ``field`` (path -> reader) and ``now``, it runs on
    whatever those readers take, e.g. an issue itself: the engine compiles a rule's condition this way once
    per evaluation, so testing an issue costs no more than the condition's own steps.
    """
    parser = _Parser(text, set(known_fields) if known_fields is not None else None, field, now)
    evaluate = parser.parse()
    return Expression(text, evaluate, frozenset(parser.fields))


def _scope_field(path: str) -> Callable[[Any], Any]:
    return lambda s: s.value(path)


class _Parser:
    def __init__(self, text: str, known: set[str] | None, field: Callable[[str], Callable[[Any], Any]] | None = None,
                 now: datetime | None = None):
        self.text, self.known = text, known
        self.tokens = tokenize(text)
        self.i = 0
        self.fields: set[str] = set()
        self.reader = field or _scope_field
        self.now_of: Callable[[Any], datetime] = (lambda s: s.now) if now is None else (lambda s: now)

    def peek(self) -> _Tok:
        return self.tokens[self.i]

    def take(self) -> _Tok:
        tok = self.tokens[self.i]
        self.i += 1
        return tok

    def at(self, kind: str, text: str | None = None) -> bool:
        tok = self.peek()
        return tok.kind == kind and (text is None or tok.text == text)

    def expect(self, kind: str, text: str) -> _Tok:
        tok = self.take()
        if tok.kind != kind or tok.text != text:
            raise ExpressionError(f"expected '{text}' but found {_show(tok)}", tok.column)
        return tok

    def parse(self) -> Compiled:
        if self.at("end"):
            raise ExpressionError("the expression is empty", 1)
        node = self.or_()
        if not self.at("end"):
            tok = self.peek()
            raise ExpressionError(f"unexpected {_show(tok)}; expected 'and', 'or' or the end", tok.column)
        return node

    def or_(self) -> Compiled:
        parts = [self.and_()]
        while self.at("keyword", "or"):
            self.take()
            parts.append(self.and_())
        if len(parts) == 1:
            return parts[0]
        return lambda s: any(p(s) for p in parts)

    def and_(self) -> Compiled:
        parts = [self.not_()]
        while self.at("keyword", "and"):
            self.take()
            parts.append(self.not_())
        if len(parts) == 1:
            return parts[0]
        if len(parts) == 2:
            first, second = parts
            return lambda s: bool(first(s)) and bool(second(s))
        return lambda s: all(p(s) for p in parts)

    def not_(self) -> Compiled:
        if self.at("keyword", "not"):
            self.take()
            inner = self.not_()
            return lambda s: not inner(s)
        return self.comparison()

    def comparison(self) -> Compiled:
        left = self.additive()
        tok = self.peek()
        if tok.kind == "op" and tok.text in ("=", "==", "!=", "<>", "<", "<=", ">", ">="):
            self.take()
            right = self.additive()
            return _compare(tok.text, left, right)
        if tok.kind == "keyword" and tok.text == "is":
            self.take()
            negate = False
            if self.at("keyword", "not"):
                self.take()
                negate = True
            self.expect("keyword", "empty")
            return (lambda s: not is_empty(left(s))) if negate else (lambda s: is_empty(left(s)))
        if tok.kind == "keyword" and tok.text == "not" and self.tokens[self.i + 1].text == "in":
            self.take()
            self.take()
            options = self.options()
            return lambda s: _present(left(s)) and not _member(left(s), options(s))
        if tok.kind == "keyword" and tok.text == "in":
            self.take()
            options = self.options()
            return lambda s: _member(left(s), options(s))
        if tok.kind == "keyword" and tok.text == "contains":
            self.take()
            right = self.additive()
            return lambda s: _contains(left(s), right(s))
        if tok.kind == "keyword" and tok.text == "matches":
            self.take()
            pattern_tok = self.take()
            if pattern_tok.kind != "string":
                raise ExpressionError("'matches' needs a quoted regular expression", pattern_tok.column)
            try:
                with warnings.catch_warnings():  # Python's hints about a pattern's style are not errors
                    warnings.simplefilter("ignore", FutureWarning)
                    pattern = re.compile(_unquote(pattern_tok.text))
            except re.error as exc:
                raise ExpressionError(f"invalid regular expression: {exc}", pattern_tok.column) from None
            return lambda s: isinstance(left(s), str) and pattern.search(left(s)) is not None
        return left

    def options(self) -> Compiled:
        self.expect("op", "(")
        items = [self.additive()]
        while self.at("op", ","):
            self.take()
            items.append(self.additive())
        self.expect("op", ")")
        return lambda s: [item(s) for item in items]

    def additive(self) -> Compiled:
        node = self.multiplicative()
        while self.peek().kind == "op" and self.peek().text in ("+", "-"):
            sign = self.take()
            right = self.multiplicative()
            node = _arith(sign.text, node, right)
        return node

    def multiplicative(self) -> Compiled:
        node = self.unary()
        while self.peek().kind == "op" and self.peek().text in ("*", "/"):
            sign = self.take()
            right = self.unary()
            node = _arith(sign.text, node, right)
        return node

    def unary(self) -> Compiled:
        if self.at("op", "-"):
            self.take()
            inner = self.unary()
            return lambda s: -inner(s) if isinstance(inner(s), int | float | timedelta) else None
        return self.primary()

    def primary(self) -> Compiled:
        tok = self.take()
        if tok.kind == "number":
            value: Any = float(tok.text) if "." in tok.text else int(tok.text)
            return lambda s: value
        if tok.kind == "duration":
            amount, unit = float(tok.text[:-1]), tok.text[-1]
            delta = timedelta(**{{"d": "days", "h": "hours", "w": "weeks"}[unit]: amount})
            return lambda s: delta
        if tok.kind == "string":
            text = _unquote(tok.text)
            return lambda s: text
        if tok.kind == "keyword":
            constants = {"true": True, "false": False, "null": None, "empty": None}
            if tok.text in constants:
                constant = constants[tok.text]
                return lambda s: constant
            if tok.text == "now":
                return self.now_of
            if tok.text == "today":
                now_of = self.now_of
                return lambda s: datetime.combine(now_of(s).astimezone(UTC).date(), time.min, tzinfo=UTC)
            raise ExpressionError(f"'{tok.text}' cannot start a value", tok.column)
        if tok.kind == "op" and tok.text == "(":
            inner = self.or_()
            self.expect("op", ")")
            return inner
        if tok.kind == "name":
            if self.at("op", "("):
                return self.call(tok)
            return self.field(tok)
        raise ExpressionError(f"expected a value but found {_show(tok)}", tok.column)

    def call(self, name: _Tok) -> Compiled:
        function = name.text.lower()
        if function not in FUNCTIONS:
            raise ExpressionError(f"unknown function '{name.text}'{did_you_mean(function, FUNCTIONS)}", name.column)
        self.expect("op", "(")
        argument = self.or_()
        self.expect("op", ")")
        return _FUNCTIONS[function](argument, self.now_of)

    def field(self, tok: _Tok) -> Compiled:
        path = tok.text
        root = path.split(".", 1)[0]
        if self.known is not None and root not in self.known:
            hint = did_you_mean(root, self.known)
            raise ExpressionError(f"unknown field '{root}'{hint}", tok.column)
        self.fields.add(path)
        return self.reader(path)


def _show(tok: _Tok) -> str:
    return "the end of the expression" if tok.kind == "end" else f"'{tok.text}'"


def _unquote(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text[1:-1])


_COLLECTIONS = (list, tuple, set, frozenset, dict)


def is_empty(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, _COLLECTIONS) and not value)


def _present(value: Any) -> bool:
    return not is_empty(value)


def as_moment(value: Any) -> Any:
    """Dates become the start of their day (UTC) so they compare with ``now`` and timestamps."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, date):
        return datetime.combine(value, time.min, tzinfo=UTC)
    return value


def _normal(value: Any) -> Any:
    """Text compares without regard to case (as Jira's names do); dates as moments."""
    value = as_moment(value)
    return value.casefold() if isinstance(value, str) else value


def _compare(op: str, left: Compiled, right: Compiled) -> Compiled:
    def run(scope: Scope) -> bool:
        a, b = _normal(left(scope)), _normal(right(scope))
        if op in ("=", "=="):
            return a == b if not (isinstance(a, int | float) and isinstance(b, int | float)) else float(a) == float(b)
        if op in ("!=", "<>"):
            return a != b
        if a is None or b is None:
            return False
        try:
            if op == "<":
                return a < b
            if op == "<=":
                return a <= b
            if op == ">":
                return a > b
            return a >= b
        except TypeError:
            return False

    return run


def _member(value: Any, options: list[Any]) -> bool:
    wanted = {_normal(o) for o in options}
    if isinstance(value, list | tuple | set | frozenset):
        return any(_normal(v) in wanted for v in value)
    return _normal(value) in wanted


def _contains(container: Any, item: Any) -> bool:
    if container is None or item is None:
        return False
    if isinstance(container, str):
        return str(item).casefold() in container.casefold()
    if isinstance(container, list | tuple | set | frozenset):
        return _normal(item) in {_normal(v) for v in container}
    return False


def _arith(sign: str, left: Compiled, right: Compiled) -> Compiled:
    def run(scope: Scope) -> Any:
        a, b = as_moment(left(scope)), as_moment(right(scope))
        if a is None or b is None:
            return None
        try:
            if sign == "+":
                return a + b
            if sign == "-":
                return a - b
            if sign == "*":
                return a * b
            return a / b if b else None
        except TypeError:
            return None

    return run


def _count(argument: Compiled) -> Compiled:
    def run(scope: Scope) -> int:
        value = argument(scope)
        if value is None:
            return 0
        return len(value) if isinstance(value, list | tuple | set | frozenset | dict | str) else 1

    return run


def _days(argument: Compiled, sign: int, now_of: Callable[[Any], datetime]) -> Compiled:
    def run(scope: Scope) -> float | None:
        moment = as_moment(argument(scope))
        if not isinstance(moment, datetime):
            return None
        return round(sign * (moment - now_of(scope)).total_seconds() / 86400, 2)

    return run


# Each takes the compiled argument and how to read "now" from what the expression runs on.
_FUNCTIONS: dict[str, Callable[[Compiled, Callable[[Any], datetime]], Compiled]] = {
    "count": lambda a, now_of: _count(a),
    "len": lambda a, now_of: (lambda s: len(a(s)) if isinstance(a(s), str) else 0),
    "lower": lambda a, now_of: (lambda s: a(s).lower() if isinstance(a(s), str) else a(s)),
    "days_until": lambda a, now_of: _days(a, 1, now_of),
    "days_since": lambda a, now_of: _days(a, -1, now_of),
}
