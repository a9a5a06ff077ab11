"""What ``pmokit init`` asked and read of a site, handed from one step to the next."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from connector.site_survey import ConfluenceSurvey, JiraSurvey


@dataclass
class Site:
    """What was asked and read: the Jira and Confluence parts of the configuration and the surveys."""

    jira: dict[str, Any]
    survey: JiraSurvey
    token_env: str
    confluence: dict[str, Any] | None = None
    wiki: ConfluenceSurvey | None = None
    notes: list[str] = field(default_factory=list)  # what could not be set up, in words
