"""The schema of every rule kind, as the PMO writes it under ``rules:``.

What a rule *is* lives here (its YAML keys, types and limits); what it *does* lives in ``rules/kinds/``, one
module per kind with the same name. Adding a kind: a spec class here, added to the :data:`AnyRule` union, and
its check module in ``rules/kinds/`` registered in ``rules/kinds/__init__.py`` (a test holds the two together).
"""

from __future__ import annotations

import re
import typing
from datetime import timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, PositiveFloat, field_validator, model_validator

from .base import Frozen, LocalText
from .labels import confluence_label_problem, jira_label_problem

DURATION = re.compile(r"^(\d+)([dhw])$")
Duration = Annotated[str, Field(pattern=DURATION.pattern, description="e.g. 3d, 12h, 2w")]


def _checked(problem: typing.Callable[[str], str | None]) -> typing.Callable[[str], str]:
    def check(value: str) -> str:
        found = problem(value)
        if found:
            raise ValueError(found)
        return value
    return check


JiraLabel = Annotated[str, AfterValidator(_checked(jira_label_problem))]
ConfluenceLabel = Annotated[str, AfterValidator(_checked(confluence_label_problem))]


def parse_duration(text: str | None) -> timedelta | None:
    if not text:
        return None
    match = DURATION.match(text)
    if not match:
        raise ValueError(f"not a duration: {text!r}")
    unit = {"d": "days", "h": "hours", "w": "weeks"}[match[2]]
    return timedelta(**{unit: int(match[1])})


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    ERROR = "error"
    BLOCKER = "blocker"

    @property
    def weight(self) -> int:
        return _WEIGHTS[self.value]  # (read for every result of every week a report rebuilds)


_WEIGHTS = {"info": 1, "warning": 2, "error": 4, "blocker": 8}

Enforcement = Literal["audit", "flag", "revert"]


class RuleScope(Frozen):
    """Which issues a rule applies to. Empty lists mean "any"; all given conditions must hold."""

    projects: list[str] = Field(default_factory=list)
    programs: list[str] = Field(default_factory=list)
    issue_types: list[str] = Field(default_factory=list)
    phases: list[str] = Field(default_factory=list, description="phase ids (see phases:)")
    statuses: list[str] = Field(default_factory=list)
    labels: list[JiraLabel] = Field(default_factory=list, description="the issue carries at least one of them")
    where: str | None = Field(None, description="a condition, e.g. \"budget > 1000000\"")

    @property
    def type_set(self) -> frozenset[str]:
        return frozenset(t.casefold() for t in self.issue_types)

    @property
    def status_set(self) -> frozenset[str]:
        return frozenset(s.casefold() for s in self.statuses)


class RuleSpec(Frozen):
    """What every rule has, whatever its kind: id, scope, severity, enforcement, grace, fix."""

    id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$", description="unique; used in results and the audit")
    kind: str
    name: LocalText | None = None
    severity: Severity = Severity.ERROR
    enforcement: Enforcement = Field(
        "flag", description="audit: record only; flag: comment and label; revert: move a gate's issue back")
    grace: Duration | None = Field(None, description="no enforcement until the issue is this old")
    scope: RuleScope = RuleScope()
    fix: LocalText | None = Field(None, description="the one-line fix shown to the team, instead of the kind's own")

    @property
    def grace_period(self) -> timedelta | None:
        return parse_duration(self.grace)


def _regex(value: str, flags: int = 0) -> str:
    try:
        re.compile(value, flags)
    except re.error as exc:
        raise ValueError(f"invalid regular expression: {exc}") from None
    return value


# -- templates: what one issue must carry ---------------------------------------------------------------------
class RequiredFields(RuleSpec):
    kind: Literal["required_fields"]
    fields: list[str] = Field(min_length=1, description="logical names (portfolio.fields) or built-in ones")


class DescriptionSections(RuleSpec):
    kind: Literal["description_sections"]
    sections: list[LocalText] = Field(min_length=1, description="headings, e.g. {en: Scope, zh: 范围}")


class Naming(RuleSpec):
    kind: Literal["naming"]
    field: Literal["summary", "key"] = "summary"
    pattern: str = Field(description="a regular expression the value must match (searched, use ^ to anchor)")
    example: LocalText | None = Field(None, description="a valid value, shown in the fix")

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        return _regex(value)


class ChildRequirement(Frozen):
    type: str = Field(description="issue type of the child, e.g. Risk")
    min: int = Field(1, ge=1)
    statuses: list[str] = Field(default_factory=list, description="count only children in these statuses")
    where: str | None = Field(None, description="count only children for which this holds")
    name: LocalText | None = None


class ChildItems(RuleSpec):
    kind: Literal["child_items"]
    children: list[ChildRequirement] = Field(min_length=1)


class DocumentRequirement(Frozen):
    name: LocalText
    attachment: str | None = Field(None, description="regular expression on attachment file names")
    link: str | None = Field(None, description="regular expression on remote link titles and URLs")
    confluence_label: ConfluenceLabel | None = Field(
        None, description="a label on a Confluence page of the project (as Confluence keeps it: no spaces)")

    @field_validator("attachment", "link")
    @classmethod
    def _compiles(cls, value: str | None) -> str | None:
        return None if value is None else _regex(value, re.IGNORECASE)

    @model_validator(mode="after")
    def _some_evidence(self) -> DocumentRequirement:
        if not (self.attachment or self.link or self.confluence_label):
            raise ValueError("say how the document is found: attachment, link or confluence_label")
        return self


class Documents(RuleSpec):
    kind: Literal["documents"]
    documents: list[DocumentRequirement] = Field(min_length=1)


class Dates(RuleSpec):
    kind: Literal["dates"]
    due_required: bool = True
    not_overdue: bool = True
    window: tuple[str, str] | None = Field(
        None, description="logical fields of the project record holding the project's start and end")
    max_slip_days: int | None = Field(None, ge=0, description="largest allowed move of the due date from its "
                                                              "first value, measured from the changelog")


# -- stage gates ----------------------------------------------------------------------------------------------
class Approvers(Frozen):
    users: list[str] = Field(default_factory=list, description="user ids (account id or name)")
    groups: list[str] = Field(default_factory=list)
    required: int = Field(1, ge=1, description="how many distinct approvers must approve")
    rejection_blocks: bool = True


class Gate(RuleSpec):
    kind: Literal["gate"]
    from_phase: str
    to_phase: str
    criteria: list[str] = Field(default_factory=list, description="ids of rules that must pass on the record")
    conditions: list[str] = Field(default_factory=list, description="conditions that must hold, e.g. budget > 0")
    approvers: Approvers = Approvers()
    project_types: list[str] = Field(default_factory=list, description="only for projects of these types "
                                     "(portfolio.project_types); default: every project whose phases include both")
    on_breach: Literal["flag", "revert"] = Field(
        "flag", description="a passed gate whose criteria later fail: flag it (the gate stays passed), or also move "
                            "the project back to the gate's first phase")


# -- portfolio rules: across issues and projects --------------------------------------------------------------
class BelongsToProject(RuleSpec):
    kind: Literal["belongs_to_project"]
    via: Literal["parent", "jira_project", "either"] = "either"


class Dependencies(RuleSpec):
    kind: Literal["dependencies"]
    link_types: list[str] = Field(default_factory=lambda: ["is blocked by", "depends on", "is dependent on"],
                                  description="link phrases, read from this issue's side, that mean a dependency")
    compare_due: bool = True


class PersonLoad(RuleSpec):
    kind: Literal["person_load"]
    measure: str | None = Field(None, description=(
        "issues | story_points | a logical field holding effort per issue (default: reports.resources.measure "
        "without a capacity here, else issues)"))
    capacity: float | None = Field(None, gt=0, description=(
        "the most a person may carry in all, in the unit of `measure`; without it, each week's load against "
        "reports.resources (capacity_per_week, capacities, weeks): the resources page's numbers"))
    capacities: dict[str, PositiveFloat] = Field(default_factory=dict, description=(
        "per person (display name or account id): their own capacity, above 0"))


class WipLimit(RuleSpec):
    kind: Literal["wip_limit"]
    per: Literal["project", "person", "program", "portfolio"] = "project"
    limit: int = Field(ge=0, description="the most issues in progress at once, per group")
    limits: dict[str, int] = Field(default_factory=dict, description="per group (project key, person, program)")


# Every kind, in the order the schema lists them: a rule in YAML is one of these, told apart by its `kind`.
AnyRule = Annotated[
    BelongsToProject | ChildItems | Dates | Dependencies | DescriptionSections | Documents | Gate | Naming
    | PersonLoad | RequiredFields | WipLimit,
    Field(discriminator="kind")]
RULE_SPECS: tuple[type[RuleSpec], ...] = typing.get_args(typing.get_args(AnyRule)[0])
