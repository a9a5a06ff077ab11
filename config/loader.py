"""Load configuration files into typed settings, collecting every problem on the way."""

from __future__ import annotations

import functools
import os
import types
import typing
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError, create_model
from pydantic_core import ErrorDetails

from . import registry
from .checks import CheckContext
from .models import Settings
from .problems import ConfigError, Location, Path, Problem, Severity, allowed, did_you_mean
from .secrets import SecretRef
from .yaml_source import Source, load_sources

EXAMPLES_DIR = FsPath(__file__).parent / "examples"
DEFAULT_CONFIG = EXAMPLES_DIR / "pmo.yaml"
CONFIG_ENV = "PMOKIT_CONFIG"


@functools.cache
def settings_model() -> type[Settings]:
    """The Settings model with every registered extension section added."""
    extras = registry.extension_sections()
    if not extras:
        return Settings
    fields: dict[str, Any] = {
        spec.name: (spec.annotation, spec.default) for spec in extras.values()
    }
    return create_model("Settings", __base__=Settings, **fields)


@dataclass
class LoadResult:
    source: Source
    problems: list[Problem] = field(default_factory=list)
    settings: Settings | None = None

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]


def resolve_config_paths(paths: Sequence[str | FsPath] | None) -> list[FsPath]:
    """Paths given, else $PMOKIT_CONFIG, else ./pmokit.yaml, else the embedded example standard."""
    if paths:
        return [FsPath(p) for p in paths]
    if os.environ.get(CONFIG_ENV):
        return [FsPath(p) for p in os.environ[CONFIG_ENV].split(os.pathsep) if p]
    local = FsPath("pmokit.yaml")
    return [local] if local.exists() else [DEFAULT_CONFIG]


def validate(paths: Sequence[str | FsPath], *, require_secrets: bool = False) -> LoadResult:
    """Parse and check configuration files; never raises for a problem in them."""
    source, problems = load_sources([FsPath(p) for p in paths])
    result = LoadResult(source, list(problems))
    if any(p.severity is Severity.ERROR for p in problems) and not source.data:
        return result
    model = settings_model()
    context = {"base_dir": str(source.base_dir())}
    sections: dict[str, Any] = {}
    for name, info in model.model_fields.items():
        if name not in source.data:
            if info.is_required():
                result.problems.append(Problem(source.locate(()) or _first_line(source), (),
                                               f"missing required section '{name}'"))
            continue
        annotation = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        adapter = TypeAdapter(annotation)
        try:
            sections[name] = adapter.validate_python(source.data[name], context=context)
        except ValidationError as exc:
            result.problems.extend(problems_from(exc, (name,), info.annotation, source))
    for key in source.data:
        if key not in model.model_fields:
            result.problems.append(Problem(source.locate_key((key,)), (key,),
                                           f"unknown section '{key}'{did_you_mean(key, model.model_fields)}"
                                           f"{allowed(model.model_fields)}"))
    for check in registry.checks():
        if all(need in sections for need in check.needs):
            result.problems.extend(check.fn(CheckContext(sections, source)))
    result.problems = _sorted(result.problems)
    if result.errors:
        return result
    settings = model.model_validate(source.data, context=context)
    settings._base_dir = source.base_dir()
    settings._files = tuple(source.files)
    severity = Severity.ERROR if require_secrets else Severity.WARNING
    for path, ref in iter_secrets(settings):
        missing = ref.missing()
        if missing:
            result.problems.append(Problem(source.locate(path), path, missing, severity))
    result.settings = None if result.errors else settings
    return result


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.location.file, p.location.line, p.location.column)
                  if p.location else ("", 0, 0))


def load_settings(paths: Sequence[str | FsPath] | None = None, *, require_secrets: bool = True) -> Settings:
    """Settings for a command to run with; raises :class:`ConfigError` listing every problem."""
    result = validate(resolve_config_paths(paths), require_secrets=require_secrets)
    if result.settings is None:
        raise ConfigError(result.errors)
    return result.settings


def iter_secrets(value: Any, path: Path = ()) -> Iterator[tuple[Path, SecretRef]]:
    """Every secret reference in a settings tree, with its YAML path."""
    if isinstance(value, SecretRef):
        yield path, value
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from iter_secrets(getattr(value, name), (*path, name))
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from iter_secrets(item, (*path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from iter_secrets(item, (*path, index))


def _first_line(source: Source) -> Location | None:
    return Location(str(source.files[0]), 1, 1) if source.files else None


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
            if part in node or last:
                path.append(part)
                node = node.get(part)
            # else: a union member's tag, not a key of the document
        elif isinstance(node, list) and isinstance(part, int):
            path.append(part)
            node = node[part] if part < len(node) else None
        elif last or not isinstance(part, str):
            path.append(part)
    return tuple(path)


def _message(error: ErrorDetails, annotation: Any, loc: tuple[Any, ...]) -> str:
    kind, ctx = error["type"], error.get("ctx") or {}
    if kind == "extra_forbidden":
        keys = _keys_at(annotation, loc[:-1])
        return f"unknown key '{loc[-1]}'{did_you_mean(str(loc[-1]), keys)}{allowed(keys)}"
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    if kind in ("literal_error", "enum"):
        options = _quoted(ctx.get("expected", ""))
        return f"{error['input']!r} is not allowed{did_you_mean(str(error['input']), options)}{allowed(options)}"
    if kind == "union_tag_invalid":
        options = _quoted(ctx.get("expected_tags", ""))
        return (f"{ctx.get('discriminator', 'type').strip(chr(39))} {ctx.get('tag')!r} is not allowed"
                f"{did_you_mean(str(ctx.get('tag')), options)}{allowed(options)}")
    if kind == "union_tag_not_found":
        return f"missing required key {ctx.get('discriminator', 'type')}"
    message = error["msg"]
    if kind == "string_pattern_mismatch":
        return f"{error['input']!r} does not match the pattern {ctx.get('pattern')}"
    for noise in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(noise)
    if kind in ("string_type", "int_type", "float_type", "bool_type", "list_type", "dict_type",
                "model_type", "int_parsing", "float_parsing", "bool_parsing", "model_attributes_type"):
        message = f"{message}, got {_describe(error['input'])}"
    return message


def _quoted(text: str) -> list[str]:
    import re

    return re.findall(r"'([^']*)'", text)


def _describe(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return f"{type(value).__name__} {value!r}"


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
