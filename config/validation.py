"""Pydantic's validation errors as located problems: the YAML path, the file, line and column, and a message
that says what is allowed (with a "did you mean" where a name is close)."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from typing import Annotated, Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from .problems import Path, Problem, allowed, did_you_mean, shown_name, shown_value
from .source import Source


def problems_from(exc: ValidationError, prefix: Path, annotation: Any, source: Source) -> Iterator[Problem]:
    for error in exc.errors(include_url=False):
        loc = tuple(error["loc"])
        data_path = _data_path(source.data, prefix, loc)
        if error["type"] == "union_tag_invalid":
            # Point at the discriminating key itself (e.g. `kind:`), not at the mapping holding it.
            data_path = (*data_path, str((error.get("ctx") or {}).get("discriminator", "type")).strip("'"))
        message = _message(error, annotation, loc)
        if error["type"] in ("missing", "extra_forbidden"):
            where = source.locate_key(data_path if error["type"] == "extra_forbidden" else data_path[:-1])
        else:
            where = source.locate(data_path)
        yield Problem(where, data_path, message)


def _data_path(data: dict[str, Any], prefix: Path, loc: tuple[Any, ...]) -> Path:
    """Turn a pydantic location into a YAML path, dropping union tags that are not keys in the data."""
    node: Any = data
    path: list[Any] = []
    for part in prefix:
        path.append(part)
        node = node.get(part) if isinstance(node, dict) else None
    for index, part in enumerate(loc):
        last = index == len(loc) - 1
        if isinstance(node, dict):
            if (part in node and not _tag_named_like_a_key(node, part, loc[index + 1:])) or last:
                path.append(part)
                node = node.get(part)
            # else: a union member's tag, not a key of the document
        elif isinstance(node, list) and isinstance(part, int):
            path.append(part)
            node = node[part] if part < len(node) else None
        elif last or not isinstance(part, str):
            path.append(part)
    return tuple(path)


def _tag_named_like_a_key(node: dict[str, Any], part: Any, rest: tuple[Any, ...]) -> bool:
    """Whether ``part`` is a union member's tag that is also a key of ``node`` (a rule of ``kind: documents``
    has a ``documents`` key): it is the tag when ``node`` names it as a value and what follows in the location
    does not lead into ``node[part]``."""
    if not rest or part not in {v for v in node.values() if isinstance(v, str)}:
        return False
    inner, following = node[part], rest[0]
    if isinstance(inner, list):
        return not isinstance(following, int)
    if isinstance(inner, dict):
        return following not in inner
    return True


def _message(error: ErrorDetails, annotation: Any, loc: tuple[Any, ...]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        keys = _keys_at(annotation, loc[:-1])
        return f"unknown key '{shown_name(loc[-1])}'{did_you_mean(str(loc[-1]), keys)}{allowed(keys)}"
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    if kind in ("literal_error", "enum"):
        options = _quoted(ctx.get("expected", ""))
        return f"{shown_value(error['input'])} is not allowed{_close(error['input'], options)}{allowed(options)}"
    if kind == "union_tag_invalid":
        options = _quoted(ctx.get("expected_tags", ""))
        return (f"{ctx.get('discriminator', 'type').strip(chr(39))} {shown_value(ctx.get('tag'))} is not allowed"
                f"{_close(ctx.get('tag'), options)}{allowed(options)}")
    if kind == "union_tag_not_found":
        return f"missing required key {ctx.get('discriminator', 'type')}"
    message = error["msg"]
    if kind == "string_pattern_mismatch":
        return f"{shown_value(error['input'])} does not match the pattern {ctx.get('pattern')}"
    for noise in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(noise)
    if kind in ("string_type", "int_type", "float_type", "bool_type", "list_type", "dict_type",
                "model_type", "int_parsing", "float_parsing", "bool_parsing", "model_attributes_type"):
        message = f"{message}, got {_describe(error['input'])}"
    return message


def _quoted(text: str) -> list[str]:
    return re.findall(r"'([^']*)'", text)


def _describe(value: Any) -> str:
    if isinstance(value, dict | list) or value is None:
        return shown_value(value)
    return f"{type(value).__name__} {shown_value(value)}"


def _close(value: Any, options: list[str]) -> str:
    """"Did you mean" for a scalar only: a mapping's text is no name to correct."""
    return did_you_mean(str(value), options) if isinstance(value, str | int | float) else ""


def _keys_at(annotation: Any, loc: tuple[Any, ...]) -> list[str]:
    """The keys a mapping at ``loc`` (a pydantic location) may have."""
    node = annotation
    for part in (*loc, None):
        node = _unwrap(node, part)
        if part is None:
            break
        if isinstance(node, type) and issubclass(node, BaseModel):
            if part in node.model_fields:
                node = node.model_fields[part].annotation
            continue
        origin = typing.get_origin(node)
        args = typing.get_args(node)
        if origin in (list, tuple, set, frozenset) and args:
            node = args[0]
        elif origin is dict and args:
            node = args[1]
    if isinstance(node, type) and issubclass(node, BaseModel):
        return list(node.model_fields)
    return []


def _unwrap(node: Any, part: Any) -> Any:
    """Strip Annotated and pick the member of a union that ``part`` (a tag or a key) belongs to."""
    while True:
        origin = typing.get_origin(node)
        if origin is Annotated:
            node = typing.get_args(node)[0]
            continue
        if origin in (typing.Union, types.UnionType):
            members = [m for m in typing.get_args(node) if m is not type(None)]
            models = [m for m in members if isinstance(m, type) and issubclass(m, BaseModel)]
            for model in models:
                tag = model.model_fields.get("type")
                if tag is not None and part in typing.get_args(tag.annotation):
                    return model
            node = models[0] if models else members[0]
            continue
        return node
