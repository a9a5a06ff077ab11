"""Sandbox objects as Atlassian JSON, for a flavour (cloud, datacenter) and an API version (2, 3)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from .adf_text import to_adf
from .catalog import DONE_RESOLUTION, RESOLUTIONS
from .histories import all_histories
from .model import SIssue, SiteState, SStatus, SUser

CATEGORY = {"new": (2, "To Do", "blue-gray"), "indeterminate": (4, "In Progress", "yellow"),
            "done": (3, "Done", "green"), "undefined": (1, "No Category", "medium-gray")}
PRIORITIES = {"Highest": "1", "High": "2", "Medium": "3", "Low": "4", "Lowest": "5"}


def timestamp(value: datetime | None, zone: str = "UTC") -> str | None:
    """Jira's timestamp form, in ``zone`` with its offset on that day: ``2024-03-01T10:15:30.000+0000``,
    ``2026-11-01T01:50:00.000-0400``."""
    if value is None:
        return None
    local = value.astimezone(UTC if zone == "UTC" else ZoneInfo(zone))
    return local.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}" + local.strftime("%z")


class Renderer:
    def __init__(self, state: SiteState, base_url: str, api: int = 2):
        self.state, self.base, self.api = state, base_url.rstrip("/"), api
        self.cloud = state.flavor == "cloud"
        self.zone = state.time_zone

    @property
    def rest(self) -> str:
        return f"{self.base}/rest/api/{self.api}"

    # -- people -------------------------------------------------------------------------------------
    def user(self, user: SUser | str | None, *, full: bool = True) -> dict[str, Any] | None:
        if isinstance(user, str):
            user = self.state.users.get(user)
        if user is None:
            return None
        avatars = {size: f"{self.base}/secure/useravatar?size={size}&owner={user.name}"
                   for size in ("48x48", "24x24", "16x16", "32x32")}
        if self.cloud:
            data = {"self": f"{self.rest}/user?accountId={user.account_id}", "accountId": user.account_id,
                    "accountType": "atlassian", "emailAddress": user.email, "avatarUrls": avatars,
                    "displayName": user.display_name, "active": user.active, "timeZone": user.time_zone}
        else:
            data = {"self": f"{self.rest}/user?username={user.name}", "name": user.name, "key": user.name,
                    "emailAddress": user.email, "avatarUrls": avatars, "displayName": user.display_name,
                    "active": user.active, "timeZone": user.time_zone}
        if full:
            data["locale"] = "en_US"
        return data

    # -- building blocks ------------------------------------------------------------------------------
    def status(self, status: SStatus) -> dict[str, Any]:
        number, name, colour = CATEGORY[status.category]
        return {"self": f"{self.rest}/status/{status.id}", "description": "", "iconUrl": f"{self.base}/images/icons/"
                "statuses/generic.png", "name": status.name, "id": status.id,
                "statusCategory": {"self": f"{self.rest}/statuscategory/{number}", "id": number,
                                   "key": status.category, "colorName": colour, "name": name}}

    def issue_type(self, name: str) -> dict[str, Any]:
        itype = self.state.issue_types[name]
        return {"self": f"{self.rest}/issuetype/{itype.id}", "id": itype.id, "description": itype.description,
                "iconUrl": f"{self.base}/images/icons/issuetypes/{name.lower()}.svg", "name": itype.name,
                "subtask": False, "hierarchyLevel": itype.hierarchy_level}

    def project_ref(self, key: str) -> dict[str, Any]:
        project = self.state.projects[key]
        return {"self": f"{self.rest}/project/{project.id}", "id": project.id, "key": project.key,
                "name": project.name, "projectTypeKey": "software", "simplified": False,
                "avatarUrls": {"48x48": f"{self.base}/secure/projectavatar?pid={project.id}"}}

    def text(self, text: str) -> Any:
        """A rich-text value: ADF on Cloud v3, a wiki-markup string otherwise."""
        if self.api == 3:
            return to_adf(text) if text else None
        return text or None

    def comment(self, issue: SIssue, comment: dict[str, Any]) -> dict[str, Any]:
        author = self.user(comment["author"], full=False)
        return {"self": f"{self.rest}/issue/{issue.id}/comment/{comment['id']}", "id": comment["id"],
                "author": author, "body": (comment.get("adf") or self.text(comment["body"])) if self.api == 3
                else comment["body"],
                "updateAuthor": self.user(comment.get("update_author") or comment["author"], full=False),
                "created": timestamp(comment["created"], self.zone),
                "updated": timestamp(comment["updated"], self.zone),
                "jsdPublic": True}

    def history(self, history: dict[str, Any]) -> dict[str, Any]:
        return {"id": history["id"], "author": self.user(history["author"], full=False),
                "created": timestamp(history["created"], self.zone),
                "items": [{k: v for k, v in item.items() if v is not None} for item in history["items"]]}

    def attachment(self, issue: SIssue, data: dict[str, Any]) -> dict[str, Any]:
        return {"self": f"{self.rest}/attachment/{data['id']}", "id": data["id"], "filename": data["filename"],
                "author": self.user(data.get("author"), full=False),
                "created": timestamp(data.get("created"), self.zone),
                "size": data.get("size", 0), "mimeType": data.get("mimeType", "application/octet-stream"),
                "content": f"{self.base}/secure/attachment/{data['id']}/{data['filename']}"}

    def remote_link(self, issue: SIssue, link: dict[str, Any]) -> dict[str, Any]:
        url = link["url"] if "://" in link["url"] else f"{self.base}{link['url']}"
        return {"id": link["id"], "self": f"{self.rest}/issue/{issue.key}/remotelink/{link['id']}",
                "globalId": link.get("globalId", f"url={url}"),
                "object": {"url": url, "title": link["title"], "summary": link.get("summary", "")}}

    def issue_link(self, link: dict[str, Any]) -> dict[str, Any] | None:
        target = self.state.issues.get(link["target"])
        if target is None or target.deleted:
            return None
        names = LINK_TYPES[link["type"]]
        ref = {"id": str(target.id), "key": target.key, "self": f"{self.rest}/issue/{target.id}",
               "fields": {"summary": target.summary, "status": self.status(self.state.statuses[target.status]),
                          "issuetype": self.issue_type(target.issue_type)}}
        side = "outwardIssue" if link["outward"] else "inwardIssue"
        return {"id": str(link["id"]), "self": f"{self.rest}/issueLink/{link['id']}",
                "type": {"id": names[0], "name": link["type"], "inward": names[1], "outward": names[2]}, side: ref}

    def parent(self, issue: SIssue) -> dict[str, Any] | None:
        parent = self.state.issues.get(issue.parent) if issue.parent else None
        if parent is None or parent.deleted:
            return None
        return {"id": str(parent.id), "key": parent.key, "self": f"{self.rest}/issue/{parent.id}",
                "fields": {"summary": parent.summary, "status": self.status(self.state.statuses[parent.status]),
                           "priority": self.priority(parent.priority), "issuetype": self.issue_type(parent.issue_type)}}

    def priority(self, name: str) -> dict[str, Any]:
        pid = PRIORITIES.get(name, "3")
        return {"self": f"{self.rest}/priority/{pid}", "iconUrl": f"{self.base}/images/icons/priorities/"
                f"{name.lower()}.svg", "name": name, "id": pid}

    def custom_value(self, field_id: str, value: Any) -> Any:
        field = self.state.fields.get(field_id)
        if value is None or field is None:
            return value
        if field.schema_type == "option":
            index = field.options.index(value) if value in field.options else 0
            return {"self": f"{self.rest}/customFieldOption/{20000 + index}", "value": value,
                    "id": str(20000 + index)}
        if isinstance(value, date):
            return value.isoformat()
        return value

    # -- issues -------------------------------------------------------------------------------------
    def field_value(self, issue: SIssue, field_id: str) -> Any:
        state = self.state
        if field_id in issue.custom:
            return self.custom_value(field_id, issue.custom[field_id])
        match field_id:
            case "summary":
                return issue.summary
            case "issuetype":
                return self.issue_type(issue.issue_type)
            case "project":
                return self.project_ref(issue.project_key)
            case "status":
                return self.status(state.statuses[issue.status])
            case "statusCategory":
                status = state.statuses[issue.status]
                number, name, colour = CATEGORY[status.category]
                return {"self": f"{self.rest}/statuscategory/{number}", "id": number, "key": status.category,
                        "colorName": colour, "name": name}
            case "priority":
                return self.priority(issue.priority)
            case "assignee":
                return self.user(issue.assignee, full=False)
            case "reporter" | "creator":
                return self.user(issue.reporter, full=False)
            case "created":
                return timestamp(issue.created, self.zone)
            case "updated":
                return timestamp(issue.updated, self.zone)
            case "duedate":
                return issue.duedate.isoformat() if issue.duedate else None
            case "resolutiondate":
                return timestamp(issue.resolutiondate, self.zone)
            case "resolution":
                if not issue.resolutiondate:
                    return None
                rid, name, description = next(r for r in RESOLUTIONS if r[0] == (issue.resolution or DONE_RESOLUTION))
                return {"self": f"{self.rest}/resolution/{rid}", "id": rid, "name": name, "description": description}
            case "labels":
                return list(issue.labels)
            case "components":
                return [{"self": f"{self.rest}/component/{n}", "id": str(10000 + n), "name": name}
                        for n, name in enumerate(issue.components)]
            case "fixVersions":
                return [{"self": f"{self.rest}/version/{n}", "id": str(10000 + n), "name": name,
                         "archived": False, "released": False} for n, name in enumerate(issue.fix_versions)]
            case "description":
                return self.text(issue.description)
            case "parent":
                return self.parent(issue)
            case "attachment":
                return [self.attachment(issue, a) for a in issue.attachments]
            case "issuelinks":
                return [link for link in (self.issue_link(k) for k in issue.links) if link]
            case "subtasks":
                return []
            case "comment":
                return {"comments": [self.comment(issue, c) for c in issue.comments], "maxResults":
                        len(issue.comments), "total": len(issue.comments), "startAt": 0,
                        "self": f"{self.rest}/issue/{issue.id}/comment"}
        return None

    def field_ids(self, requested: Iterable[str] | None, default: str = "*all") -> list[str]:
        """Resolve a ``fields`` parameter (``*all``, ``*navigable``, ids, names, ``-excluded``)."""
        names = [n.strip() for n in (requested or [default]) if n and n.strip()] or [default]
        chosen: list[str] = []
        excluded: set[str] = set()
        for name in names:
            if name.startswith("-"):
                field = self.state.field_by_name(name[1:])
                if field:
                    excluded.add(field.id)
            elif name == "*all":
                chosen.extend(f for f in self.state.fields if f != "statusCategory")
            elif name == "*navigable":
                chosen.extend(f.id for f in self.state.fields.values() if f.navigable and f.id != "statusCategory")
            elif name in ("id", "key", "*none"):
                continue
            else:
                field = self.state.field_by_name(name)
                if field:
                    chosen.append(field.id)
        return [f for f in dict.fromkeys(chosen) if f not in excluded]

    def issue(self, issue: SIssue, field_ids: list[str], expand: Iterable[str] = (),
              changelog_limit: int | None = 100) -> dict[str, Any]:
        expand = set(expand)
        data: dict[str, Any] = {
            "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
            "id": str(issue.id), "self": f"{self.rest}/issue/{issue.id}", "key": issue.key,
        }
        if field_ids:
            data["fields"] = {fid: self.field_value(issue, fid) for fid in field_ids
                              if fid in BUILTIN or fid in issue.custom or fid in self.state.fields}
        if "changelog" in expand:
            histories = all_histories(self.state, issue)
            total = len(histories)
            # Inline changelogs are cut to the latest histories, with no way to page further.
            shown = histories[-changelog_limit:] if changelog_limit is not None else histories
            data["changelog"] = {"startAt": 0, "maxResults": len(shown), "total": total,
                                 "histories": [self.history(h) for h in reversed(shown)]}
        if "names" in expand and field_ids:
            data["names"] = {fid: self.state.fields[fid].name for fid in field_ids if fid in self.state.fields}
        return data

    def webhook_issue(self, issue: SIssue) -> dict[str, Any]:
        """The issue inside a webhook body: v2 form, every field."""
        v2 = Renderer(self.state, self.base, 2)
        data = v2.issue(issue, v2.field_ids(["*navigable"]))
        data.pop("expand", None)
        return data

    def trimmed_issue(self, issue: SIssue) -> dict[str, Any]:
        """Cloud comment events carry the issue with six fields only."""
        v2 = Renderer(self.state, self.base, 2)
        data = v2.issue(issue, ["summary", "issuetype", "project", "assignee", "priority", "status"])
        data.pop("expand", None)
        return data


BUILTIN = {"summary", "issuetype", "project", "status", "statusCategory", "priority", "assignee", "reporter", "creator",
           "created", "updated", "duedate", "resolutiondate", "resolution", "labels", "components", "fixVersions",
           "description", "parent", "attachment", "issuelinks", "subtasks", "comment"}
LINK_TYPES = {"Blocks": ("10000", "is blocked by", "blocks"), "Relates": ("10003", "relates to", "relates to"),
              "Dependency": ("10004", "is depended on by", "depends on")}
