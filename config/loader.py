"""Load configuration files into typed settings, collecting every problem on the way."""

from __future__ import annotations

import os
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path as FsPath
from typing import Annotated, Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from .checks import CHECKS, CheckContext
from .models import Settings, StoreSettings
from .problems import ConfigError, Location, Path, Problem, Severity, allowed, did_you_mean, shown_name
from .rule_checks import RULE_CHECKS
from .secrets import SecretRef
from .source import KEY, Source
from .validation import problems_from
from .yaml_source import load_sources

EXAMPLES_DIR = FsPath(__file__).parent / "examples"
DEFAULT_CONFIG = EXAMPLES_DIR / "pmo.yaml"
CONFIG_ENV = "PMOKIT_CONFIG"

# What a command says of the secrets it needs: all of them (True), none (False), or those under these top-level
# sections ("jira", "confluence", "webhooks", "store"). A secret a command does not need is never read by it.
Needs = bool | Collection[str]


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


def validate(paths: Sequence[str | FsPath], *, require_secrets: Needs = False) -> LoadResult:
    """Parse and check configuration files; never raises for a problem in them. A secret that cannot be read
    is an error where ``require_secrets`` names its section (or is True), else a warning."""
    source, problems = load_sources([FsPath(p) for p in paths])
    result = LoadResult(source, list(problems))
    if any(p.severity is Severity.ERROR for p in problems) and not source.data:
        return result
    context = {"base_dir": str(source.base_dir())}
    sections: dict[str, Any] = {}
    for name, info in Settings.model_fields.items():
        if name not in source.data:
            if info.is_required():
                result.problems.append(Problem(source.locate(()) or _first_line(source), (),
                                               f"missing required section '{name}'"))
            continue
        annotation: Any = Annotated[info.annotation, *info.metadata] if info.metadata else info.annotation
        adapter: TypeAdapter[Any] = TypeAdapter(annotation)
        try:
            sections[name] = adapter.validate_python(source.data[name], context=context)
        except ValidationError as exc:
            result.problems.extend(problems_from(exc, (name,), info.annotation, source))
    for key in source.data:
        if key not in Settings.model_fields:
            result.problems.append(Problem(source.locate_key((key,)), (key,),
                                           f"unknown section '{shown_name(key)}'"
                                           f"{did_you_mean(key, Settings.model_fields)}"
                                           f"{allowed(Settings.model_fields)}"))
    for needs, check in (*CHECKS, *RULE_CHECKS):
        if all(need in sections for need in needs):
            result.problems.extend(check(CheckContext(sections, source)))
    result.problems = _sorted(result.problems)
    if result.errors:
        return result
    settings = Settings.model_validate(source.data, context=context)
    settings._base_dir = source.base_dir()
    settings._files = tuple(source.files)
    settings._locations = {path: where for path, where in source.locations.items() if KEY not in path}
    for path, ref in iter_secrets(settings):
        missing = ref.missing()
        if missing:
            result.problems.append(Problem(source.locate(path), path, missing,
                                           Severity.ERROR if _needed(path, require_secrets) else Severity.WARNING))
    result.settings = None if result.errors else settings
    return result


def _needed(path: Path, needs: Needs) -> bool:
    if isinstance(needs, bool):
        return needs
    return bool(path) and path[0] in needs


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.location.file, p.location.line, p.location.column)
                  if p.location else ("", 0, 0))


def load_settings(paths: Sequence[str | FsPath] | None = None, *, require_secrets: Needs = True) -> Settings:
    """Settings for a command to run with; raises :class:`ConfigError` listing every problem (secrets: those
    ``require_secrets`` names, see :data:`Needs`)."""
    result = validate(resolve_config_paths(paths), require_secrets=require_secrets)
    if result.settings is None:
        raise ConfigError(result.errors)
    return result.settings


def iter_secrets(value: Any, path: Path = (), base_dir: FsPath | None = None) -> Iterator[tuple[Path, SecretRef]]:
    """Every secret reference in a settings tree, with its YAML path (a store URL's references included)."""
    if isinstance(value, Settings):
        base_dir = value.base_dir
    if isinstance(value, SecretRef):
        yield path, value
    elif isinstance(value, StoreSettings):
        for ref in value.references(base_dir):
            yield (*path, "url"), ref
    elif isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from iter_secrets(getattr(value, name), (*path, name), base_dir)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from iter_secrets(item, (*path, key), base_dir)
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from iter_secrets(item, (*path, index), base_dir)


def _first_line(source: Source) -> Location | None:
    return Location(str(source.files[0]), 1, 1) if source.files else None
