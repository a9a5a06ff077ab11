"""The typed, frozen configuration: every section declared here, so a checker sees each attribute."""

from __future__ import annotations

from pathlib import Path as FsPath
from typing import Annotated, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BeforeValidator, Field, PrivateAttr, field_validator, model_validator

from .base import Cron, Frozen, LocalText, ProjectKey, Text, Url
from .problems import Location
from .reports import ReportSettings
from .rule_specs import AnyRule
from .secrets import Secret, SecretRef, references_in

__all__ = ["Cron", "Frozen", "LocalText", "ProjectKey", "Text", "Url"]  # and the sections below


class CloudAuth(Frozen):
    """Jira or Confluence Cloud: an Atlassian account email and an API token (basic auth)."""

    type: Literal["cloud"]
    email: str
    api_token: Secret


class TokenAuth(Frozen):
    """Data Center personal access token (bearer)."""

    type: Literal["pat"]
    token: Secret


class BasicAuth(Frozen):
    """Username and password (Server/Data Center)."""

    type: Literal["basic"]
    username: str
    password: Secret


Auth = Annotated[CloudAuth | TokenAuth | BasicAuth, Field(discriminator="type")]


class BotAccount(Frozen):
    """The account pmokit acts as, so the events it causes are recognised and never acted on again."""

    account_id: str | None = None
    name: str | None = None

    @model_validator(mode="after")
    def _one_id(self) -> BotAccount:
        if not (self.account_id or self.name):
            raise ValueError("give account_id (Cloud) or name (Data Center)")
        return self


class JiraSettings(Frozen):
    url: Url
    auth: Auth
    flavor: Literal["auto", "cloud", "datacenter"] = "auto"
    bot: BotAccount | None = None
    timeout_seconds: float = Field(30.0, gt=0)
    requests_per_second: float | None = Field(None, gt=0, description="Client-side pacing; unset: none")
    give_up_after_seconds: float = Field(
        120.0, gt=0, description="Retries of 429s, 5xx and connection errors stop after this long")
    server_id: str | None = Field(None, description="Jira application link id, for Jira issue macros")
    reads_in_flight: int = Field(
        4, ge=1, le=16, description="Bulk reads a sync sends at once after the id pages (pages of issues, "
                                    "changelogs); 1: one at a time")


class ConfluenceSettings(Frozen):
    url: Url
    auth: Auth
    flavor: Literal["auto", "cloud", "datacenter"] = Field(
        "auto", description="auto: Cloud when the host ends with .atlassian.net or the URL's path ends with /wiki, "
                            "else Data Center")
    space: str = Field(min_length=1)
    parent_page: str | None = Field(None, description="Title of the page the portfolio tree hangs under")
    timeout_seconds: float = Field(30.0, gt=0)
    give_up_after_seconds: float = Field(120.0, gt=0)


    @property
    def resolved_flavor(self) -> Literal["cloud", "datacenter"]:
        """``cloud`` or ``datacenter``: as configured, else read from the URL (Confluence Cloud is always
        ``https://SITE.atlassian.net/wiki``; a Data Center answers at its own host and context path). Known
        before any request, so the configuration can be checked against it."""
        if self.flavor != "auto":
            return self.flavor
        return "cloud" if looks_like_confluence_cloud(self.url) else "datacenter"


def looks_like_confluence_cloud(url: str) -> bool:
    parts = urlsplit(url)
    return (parts.hostname or "").lower().endswith(".atlassian.net") or parts.path.rstrip("/").endswith("/wiki")


class StoreSettings(Frozen):
    url: str = Field("sqlite:///pmokit.db",
                     description="SQLAlchemy URL; a relative SQLite path is read beside the config file. It may hold "
                                 "${ENV_VAR}, ${ENV_VAR:-default} or ${file:PATH} references (a PostgreSQL password), "
                                 "read when a command opens the store")

    @field_validator("url")
    @classmethod
    def _references_well_formed(cls, value: str) -> str:
        references_in(value)  # ValueError for a '${' that is no reference; the values are read when opened
        return value

    def references(self, base_dir: FsPath | None = None) -> list[SecretRef]:
        return references_in(self.url, base_dir)


class EnforcementSettings(Frozen):
    """How pmokit talks back on the issues."""

    when_compliant: Literal["say", "remove"] = Field(
        "say", description="An issue that meets the standard again: its pmokit comment says so briefly (say), or "
                           "is deleted (remove). An issue pmokit never commented on gets nothing either way.")
    writes_in_flight: int = Field(
        4, ge=1, le=16, description="Writes sent at once, each to a different issue (the writes of one issue are "
                                    "sent one after another, in order); 1: one at a time")


# The shortest replay window: longer than Jira Cloud's retries of a failed delivery ("up to 30 minutes", Atlassian's
# webhook retry policy), with room for a secondary delivery's own delay and for clocks that differ.
MIN_REPLAY_WINDOW = 3600


class WebhookSettings(Frozen):
    bind: str = Field("127.0.0.1:8080", pattern=r"^[^\s:]+:\d{1,5}$")
    path: str = Field("/webhooks/jira", pattern=r"^/\S*$")
    public_url: Url | None = Field(
        None, description="where Jira reaches this instance from outside (behind the reverse proxy), e.g. "
                          "https://pmokit.example.com: `pmokit webhook register` registers this URL followed by "
                          "webhooks.path (its --url wins), and `pmokit doctor` checks Jira has it")
    secret: Secret | None = None
    workers: int = Field(1, ge=0, le=64, description="worker threads `pmokit serve` runs beside the receiver")
    max_attempts: int = Field(6, ge=1, le=100, description="tries of an event before it becomes a dead letter")
    max_actions_per_hour: int = Field(
        20, ge=1, description="actions pmokit takes on one issue in an hour at most: a stop against any runaway")
    lease_seconds: int = Field(120, ge=5, description="how long a worker holds an event it claimed; after a "
                                                      "crash, another worker takes it over once this has passed")
    body_timeout_seconds: float = Field(
        5.0, gt=0, le=120, description="a request's body must arrive within this long (else 408): a slow or "
                                       "stalled client cannot hold the receiver")
    receiver_threads: int = Field(8, ge=1, le=256, description="threads per receiver process for what is not a "
                                                                "webhook (readiness, metrics); webhooks are "
                                                                "handled on the event loop")
    replay_window_seconds: float | None = Field(
        None, gt=0, description="ignore events whose signed timestamp is older than this (a replayed capture); at "
                                f"least {MIN_REPLAY_WINDOW} (Jira retries a failed delivery for up to 30 minutes); "
                                "unset: no limit by age (the same body is a duplicate at any age)")

    @property
    def webhook_url(self) -> str | None:
        """The URL Jira's webhook must call: ``public_url`` followed by ``path``; None without a ``public_url``."""
        return self.url_at(None)

    def url_at(self, base: str | None) -> str | None:
        """``base`` (else ``public_url``) followed by ``path``; a URL that already ends with the path is taken as it
        is. None when there is neither."""
        base = (base or self.public_url or "").rstrip("/")
        if not base:
            return None
        return base if base.endswith(self.path) else f"{base}{self.path}"

    @field_validator("replay_window_seconds")
    @classmethod
    def _keeps_late_retries(cls, value: float | None) -> float | None:
        if value is not None and value < MIN_REPLAY_WINDOW:
            raise ValueError(
                f"a window of {value:g} s would drop genuine deliveries: Jira Cloud retries a failed delivery for up "
                f"to 30 minutes (the retry carries the event's first timestamp, and may be its only copy), a "
                f"cascade's secondary deliveries may take a quarter of an hour before their first try, and the two "
                f"clocks differ; use at least {MIN_REPLAY_WINDOW} (a day, 86400, is a good choice) or leave it unset")
        return value


class ScheduleSettings(Frozen):
    timezone: str = Field("UTC", description="An IANA time zone (e.g. Europe/Berlin) the cron expressions are read in")
    sync: Cron | None = "*/15 * * * *"
    reconcile: Cron | None = "0 * * * *"
    reports: dict[str, Cron] = Field(default_factory=dict)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"'{value}' is no time zone this machine knows: give an IANA name such as UTC, "
                             f"Europe/Berlin or Asia/Shanghai") from None
        return value


class Program(Frozen):
    key: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: LocalText
    manager: str | None = None
    projects: list[ProjectKey] = Field(min_length=1)


class PhaseSource(Frozen):
    """Where an issue's phase is read from: its status, or a field (by logical name)."""

    source: Literal["status", "field"] = "status"
    field: str | None = None

    @model_validator(mode="after")
    def _field_when_source_field(self) -> PhaseSource:
        if self.source == "field" and not self.field:
            raise ValueError("source 'field' needs 'field': the logical name of the phase field")
        return self


class ProjectType(Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: LocalText | None = None
    values: list[str] = Field(min_length=1, description="values of the type field that mean this type")
    phases: list[str] = Field(min_length=2, description="the phase ids this type of project goes through, in order")


class ProjectTypes(Frozen):
    """Phases per type of project: a project's type is a field of its record; other projects use `phases:`."""

    field: str = Field(description="the logical field of the project record that holds its type")
    types: list[ProjectType] = Field(min_length=1)


class KillSettings(Frozen):
    """How a killed project is closed: the status it is moved to, and the resolution set on the way."""

    status: str = Field(min_length=1, description="a status of the project record's workflow, e.g. Cancelled")
    resolution: str | None = Field(None, description="the resolution set with the transition, e.g. Won't Do")


class PortfolioSettings(Frozen):
    name: LocalText
    project_unit: Literal["jira_project", "epic", "issue_type"] = "jira_project"
    record_issue_type: str = Field(
        "Project",
        description="The issue type of a project's record: the one issue that carries its phase, gates and "
                    "documents (with project_unit 'issue_type', every issue of this type is a project)")
    programs: list[Program] = Field(min_length=1)
    phase: PhaseSource = PhaseSource()
    project_types: ProjectTypes | None = None
    kill: KillSettings | None = Field(None, description="where `/pmo kill` sends a project (default: no move, the "
                                                        "decision is kept and shown)")
    fields: dict[str, Annotated[str, Field(min_length=1)]] = Field(
        default_factory=dict, description="Logical field name -> Jira field name or id")

    @property
    def project_keys(self) -> list[str]:
        return [key for program in self.programs for key in program.projects]

    @property
    def program_of(self) -> dict[str, str]:
        """Project key -> the key of its program."""
        return {key: program.key for program in self.programs for key in program.projects}


class Phase(Frozen):
    id: str = Field(pattern=r"^[a-z][a-z0-9_-]*$")
    name: LocalText
    statuses: list[str] = Field(default_factory=list, description="Statuses that mean this phase")
    values: list[str] = Field(default_factory=list, description="Phase field values that mean this phase")


def _lower(value: object) -> object:
    return value.lower() if isinstance(value, str) else value


class Settings(Frozen):
    """A whole pmokit configuration."""

    version: Literal[1] = 1
    language: Annotated[Literal["en", "zh"], BeforeValidator(_lower)] = "en"
    jira: JiraSettings
    confluence: ConfluenceSettings | None = None
    store: StoreSettings = StoreSettings()
    webhooks: WebhookSettings = WebhookSettings()
    enforcement: EnforcementSettings = EnforcementSettings()
    schedule: ScheduleSettings = ScheduleSettings()
    portfolio: PortfolioSettings
    phases: list[Phase] = Field(min_length=1)
    rules: list[AnyRule] = []  # noqa: RUF012  (pydantic copies defaults; [] keeps the schema's default)
    reports: ReportSettings = ReportSettings()

    # The directory of the first configuration file: relative paths in it are read from there.
    _base_dir: FsPath | None = PrivateAttr(None)
    # Every file the configuration was read from, so decisions can be traced to the exact standard.
    _files: tuple[FsPath, ...] = PrivateAttr(())
    # Where each YAML path was written, so that a problem found later (an approver Jira does not know) is located.
    _locations: dict[tuple[str | int, ...], Location] = PrivateAttr(default_factory=dict)

    def locate(self, path: tuple[str | int, ...]) -> Location | None:
        """Where the value at ``path`` was written (or its nearest parent's)."""
        while True:
            if path in self._locations:
                return self._locations[path]
            if not path:
                return None
            path = path[:-1]

    @property
    def files(self) -> tuple[FsPath, ...]:
        return self._files

    @property
    def base_dir(self) -> FsPath:
        return self._base_dir or FsPath.cwd()
