"""JQL's words: strings, operators, punctuation and bare words, with the position Jira's messages cite."""

from __future__ import annotations

import re
from dataclasses import dataclass


class JqlError(ValueError):
    """A query the sandbox (like Jira) refuses; the message is what Jira would say."""


TOKEN = re.compile(r"""
    \s*(?:
      (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<op>!=|!~|>=|<=|=|~|>|<)
    | (?P<punct>[(),])
    | (?P<word>[^\s"'(),=!~<>]+)
    )""", re.VERBOSE)


@dataclass
class Token:
    kind: str
    text: str
    pos: int


def tokenize(text: str) -> list[Token]:
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        match = TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise JqlError(f"Error in the JQL Query: The character '{text[pos].strip() or text[pos]}' is a reserved "
                           f"JQL character. (line 1, character {pos + 1})")
        kind = match.lastgroup or "word"
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        tokens.append(Token(kind, value, match.start(kind) + 1))
        pos = match.end()
    return tokens
