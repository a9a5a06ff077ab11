"""What a Jira and a Confluence site hold, read once to propose a configuration for them (``pmokit init``).

Everything is read with the bot's own credentials, so the survey sees what pmokit will see: who the bot is, the
projects and their categories, each project's issue types with the statuses of their workflows, the site's
statuses and fields, the groups whose names contain what the caller asks for, and whether a Confluence space and
page exist. The answers become the plain records below; nothing here decides what they mean.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import requests

from .confluence_client import ConfluenceConnector
from .errors import AtlassianError, NotFound
from .jira_client import JiraConnector
from .transport import PolicyAdapter, install


@dataclass(frozen=True)
class Deployment:
    """``serverInfo``: what the site says it is, asked before signing in (Jira answers it to anyone)."""

    flavor: str  # cloud | datacenter
    version: str
    title: str


@dataclass(frozen=True)
class Identity:
    """The account the credentials belong to: ``account_id`` on Cloud, ``name`` and ``key`` on Data Center."""

    account_id: str | None
    name: str | None
    key: str | None
    display_name: str
    email: str | None
    time_zone: str | None


@dataclass(frozen=True)
class Category:
    id: str
    name: str
    description: str = ""


@dataclass(frozen=True)
class Project:
    key: str
    name: str
    category_id: str | None
    # issue type name -> the names of its workflow's statuses, in the order Jira lists them
    statuses: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class Field:
    id: str
    name: str
    custom: bool


@dataclass(frozen=True)
class JiraSurvey:
    url: str
    flavor: str
    version: str
    identity: Identity
    projects: tuple[Project, ...]
    categories: tuple[Category, ...]
    statuses: tuple[str, ...]
    fields: tuple[Field, ...]
    groups: tuple[str, ...]

    @property
    def issue_types(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for project in self.projects:
            seen.update(dict.fromkeys(project.statuses))
        return tuple(seen)


@dataclass(frozen=True)
class ConfluenceSurvey:
    url: str
    flavor: str
    space: str | None  # the key of the first space asked for that exists
    space_name: str | None
    parent_found: bool | None  # None: no parent page asked for (or no space)


def deployment(url: str, adapter: PolicyAdapter, timeout: float) -> Deployment:
    """The site's ``serverInfo``, read without credentials (Jira serves it anonymously on Cloud and Data
    Center): Cloud when ``deploymentType`` is ``Cloud``, else Data Center."""
    session = requests.Session()
    install(session, adapter)
    target = f"{url}/rest/api/2/serverInfo"
    try:
        response = session.get(target, headers={"Accept": "application/json"}, timeout=timeout)
    except requests.RequestException as exc:
        raise AtlassianError(f"cannot reach Jira at {url}: {exc.__class__.__name__}", url=target) from None
    finally:
        session.close()
    try:
        info = response.json() if response.status_code == 200 else None
    except ValueError:
        info = None
    if not isinstance(info, dict):
        raise AtlassianError(f"{target} answered {response.status_code} without Jira's serverInfo: is {url} a "
                             f"Jira site?", status=response.status_code, url=target)
    return Deployment("cloud" if info.get("deploymentType") == "Cloud" else "datacenter",
                      str(info.get("version") or ""), str(info.get("serverTitle") or ""))


def survey_jira(jira: JiraConnector, group_queries: Iterable[str] = (), version: str = "",
                only: Iterable[str] = ()) -> JiraSurvey:
    """Read the site as the bot sees it: one request each for the account, the categories, the statuses and the
    fields; the projects (paged on Cloud); one request per project for its issue types and statuses (only for the
    keys in ``only`` when given); one group search per query."""
    wanted = {key.upper() for key in only}
    me = jira.get("myself") or {}
    identity = Identity(account_id=_text(me.get("accountId")), name=_text(me.get("name")), key=_text(me.get("key")),
                        display_name=str(me.get("displayName") or ""), email=_text(me.get("emailAddress")),
                        time_zone=_text(me.get("timeZone")))
    categories = tuple(Category(str(c["id"]), str(c.get("name") or ""), str(c.get("description") or ""))
                       for c in jira.get("projectCategory") or [] if isinstance(c, dict) and c.get("id"))
    projects = []
    for data in _projects(jira):
        key = str(data.get("key") or "")
        category = data.get("projectCategory") if isinstance(data.get("projectCategory"), dict) else None
        per_type = {}
        for item in (jira.get(f"project/{key}/statuses") or []) if not wanted or key in wanted else []:
            per_type[str(item.get("name") or "")] = tuple(str(s.get("name") or "") for s in item.get("statuses") or [])
        projects.append(Project(key, str(data.get("name") or key), _text(category.get("id")) if category else None,
                                per_type))
    statuses = tuple(dict.fromkeys(str(s.get("name") or "") for s in jira.get("status") or []))
    fields = tuple(Field(str(f["id"]), str(f.get("name") or f["id"]), bool(f.get("custom")))
                   for f in jira.get("field") or [] if isinstance(f, dict) and f.get("id"))
    groups: dict[str, None] = {}
    for query in dict.fromkeys(group_queries):
        found = jira.get("groups/picker", params={"query": query, "maxResults": 50, "caseInsensitive": "true"})
        groups.update(dict.fromkeys(str(g.get("name")) for g in (found or {}).get("groups") or [] if g.get("name")))
    return JiraSurvey(url=jira.settings.url, flavor=jira.flavor, version=version, identity=identity,
                      projects=tuple(projects), categories=categories, statuses=statuses, fields=fields,
                      groups=tuple(groups))


def _projects(jira: JiraConnector) -> list[dict[str, Any]]:
    """Every project the bot can see: Cloud's ``project/search`` page by page, Data Center's ``project`` list."""
    if not jira.cloud:
        return [p for p in jira.get("project") or [] if isinstance(p, dict)]
    found: list[dict[str, Any]] = []
    start = 0
    while True:
        page = jira.get("project/search", params={"startAt": start, "maxResults": 50}) or {}
        values = [p for p in page.get("values") or [] if isinstance(p, dict)]
        found.extend(values)
        start += len(values)
        if page.get("isLast", True) or not values:
            return found


def survey_confluence(confluence: ConfluenceConnector, spaces: Iterable[str],
                      parent_title: str | None) -> ConfluenceSurvey:
    """The first of ``spaces`` that exists, and whether it has a page titled ``parent_title``."""
    url, flavor = confluence.settings.url, confluence.flavor
    for key in dict.fromkeys(spaces):
        try:
            space = confluence.request("GET", f"space/{key}") or {}
        except NotFound:
            continue
        found: bool | None = None
        if parent_title:
            results = (confluence.request("GET", "content", params={
                "spaceKey": key, "title": parent_title, "type": "page"}) or {}).get("results") or []
            found = bool(results)
        return ConfluenceSurvey(url, flavor, str(space.get("key") or key), _text(space.get("name")), found)
    return ConfluenceSurvey(url, flavor, None, None, None)


def _text(value: Any) -> str | None:
    return str(value) if value not in (None, "") else None
