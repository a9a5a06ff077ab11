"""From the configuration and Jira's field list to what translation needs (``translate.Vocabulary``)."""

from __future__ import annotations

from collections.abc import Sequence

from config.models import Phase, PortfolioSettings
from config.problems import did_you_mean

from .errors import AtlassianError
from .translate import FieldCatalog, Vocabulary


class FieldMismatch(AtlassianError):
    """The configuration names a Jira field the site does not have."""


def resolve_fields(portfolio: PortfolioSettings, catalog: FieldCatalog) -> dict[str, str]:
    """Logical name -> Jira field id, for every field in ``portfolio.fields``; all mismatches in one error."""
    resolved, problems = {}, []
    for logical, name in portfolio.fields.items():
        field_id = catalog.resolve(name)
        if field_id is None:
            problems.append(f"portfolio.fields.{logical}: Jira has no field '{name}'"
                            f"{did_you_mean(name, catalog.by_id.values())}")
        else:
            resolved[logical] = field_id
    if problems:
        raise FieldMismatch("; ".join(problems))
    return resolved


def vocabulary(portfolio: PortfolioSettings, phases: Sequence[Phase], catalog: FieldCatalog) -> Vocabulary:
    by_status = {s.casefold(): phase.id for phase in phases for s in phase.statuses}
    by_value = {v.casefold(): phase.id for phase in phases for v in phase.values}
    return Vocabulary(logical_fields=resolve_fields(portfolio, catalog), phase_by_status=by_status,
                      phase_field=portfolio.phase.field if portfolio.phase.source == "field" else None,
                      phase_by_value=by_value, project_unit=portfolio.project_unit,
                      record_type=portfolio.record_issue_type)
