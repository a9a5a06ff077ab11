"""What a rule's check sees besides its own spec: the facts, the moment, and the few parts of the PMO's standard
that rules read (the phases, per project type; the project record's issue type; the other rules, for a gate's
criteria) in the reader's language. Built once per evaluation from the settings (:meth:`Standard.of`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from config.language import Language, Words
from config.models import KillSettings, Phase, ProjectType, ProjectTypes, Settings
from config.reports import ResourceSettings
from config.rule_specs import AnyRule, RuleSpec
from pmokit.records import Issue

from .facts import Facts, IssueScope
from .results import Outcome, Result


@dataclass(frozen=True)
class Standard:
    language: Language = "en"
    phases: tuple[str, ...] = ()  # phase ids in order, for projects of no declared type
    project_types: ProjectTypes | None = None
    record_type: str = "Project"  # the issue type of a project's record
    rules: Mapping[str, AnyRule] = field(default_factory=lambda: MappingProxyType({}))  # every rule, by id
    phase_list: tuple[Phase, ...] = ()  # the phases with their statuses (where a project is moved to)
    kill: KillSettings | None = None  # where a killed project goes
    resources: ResourceSettings = field(default_factory=ResourceSettings)  # weekly capacity (reports.resources)

    @classmethod
    def of(cls, settings: Settings, language: str | None = None) -> Standard:
        chosen: Language = "zh" if (language or settings.language) == "zh" else "en"
        return cls(chosen, tuple(p.id for p in settings.phases), settings.portfolio.project_types,
                   settings.portfolio.record_issue_type, MappingProxyType({r.id: r for r in settings.rules}),
                   tuple(settings.phases), settings.portfolio.kill, settings.reports.resources)

    def project_type(self, record: Issue | None) -> ProjectType | None:
        """The declared type (``portfolio.project_types``) of the project whose record is ``record``."""
        types = self.project_types
        value = record.custom.get(types.field) if types is not None and record is not None else None
        if types is None or not isinstance(value, str):
            return None
        wanted = value.casefold()
        return next((kind for kind in types.types if any(v.casefold() == wanted for v in kind.values)), None)

    def phase_name(self, phase: str | None) -> str:
        """A phase as its readers call it (its name in their language), or the id as written."""
        found = next((p for p in self.phase_list if p.id == phase), None)
        return found.name.get(self.language) if found is not None else (phase or "")

    def phase_order(self, record: Issue | None) -> list[str]:
        """Phase ids in order for the project whose record is ``record``: its type's, else ``phases:``."""
        kind = self.project_type(record)
        return list(kind.phases) if kind is not None else list(self.phases)


def _no_criterion(rule: RuleSpec, scope: IssueScope, ctx: CheckContext) -> Outcome:
    raise RuntimeError("only an evaluation (rules.engine.evaluate) can check another rule")


def _no_findings(rule: RuleSpec) -> Sequence[Result]:
    raise RuntimeError("only an evaluation (rules.engine.evaluate) can read another rule's findings")


@dataclass(frozen=True)
class CheckContext:
    facts: Facts
    now: datetime
    standard: Standard = Standard()
    # What the engine lends a kind that looks at other rules: a gate checks its criteria with their own kind; a
    # portfolio rule as a gate criterion reads its findings about the whole portfolio.
    criterion: Callable[[RuleSpec, IssueScope, CheckContext], Outcome] = field(
        default=_no_criterion, repr=False, compare=False)
    findings: Callable[[RuleSpec], Sequence[Result]] = field(default=_no_findings, repr=False, compare=False)
    t: Words = field(init=False, repr=False, compare=False)  # t(en, zh): text in the reader's language

    def __post_init__(self) -> None:
        object.__setattr__(self, "t", Words(self.standard.language))

    @property
    def language(self) -> Language:
        return self.standard.language
