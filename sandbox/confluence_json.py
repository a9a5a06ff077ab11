"""Confluence's JSON for spaces, users, pages, labels and attachments: v1 (``/rest/api`` under the context path,
Cloud's and Data Center's) and Cloud's v2 (``/wiki/api/v2``) shapes.

Where the flavours differ in v1 (sources in ``tests/test_site_confluence_flavours.py``): Data Center's users carry
``username`` and ``userKey`` where Cloud's carry ``accountId`` (Atlassian's Data Center REST examples; Cloud's v1
reference); a Data Center page's ``webui`` is ``/display/KEY/Title+With+Pluses``, or
``/pages/viewpage.action?pageId=ID`` when the title would not make a clean URL (Atlassian KB "The Differences
Between Various URL Formats for a Confluence Page"), where Cloud's is ``/spaces/KEY/pages/ID/Title``.
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, quote_plus

from .confluence_state import ancestors, children
from .model import SAttachment, SPage, SSpace
from .responses import site


def now() -> datetime:
    return datetime.now(UTC)


def iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def wiki() -> str:
    """Confluence's base URL: the site and its context path (``_links.base``)."""
    return f"{site().base_url}{site().context_path}"


def label_id(label: str) -> str:
    return str(abs(hash(label)) % 10**9)


# The KB's list of URL reserved or unsafe characters that keep a Data Center page off its "pretty" URL.
_UNPRETTY = set('%&?/\\;"§+:')


def pretty_title(title: str) -> bool:
    """Whether Data Center gives a page with this title a ``/display/KEY/Title`` URL: no reserved or unsafe
    character, no letter of a script other than Latin, and a letter or digit at the end."""
    latin = all(unicodedata.name(c, "").startswith("LATIN") for c in title if c.isalpha())
    return bool(title) and not (set(title) & _UNPRETTY) and latin and title[-1].isalnum()


def webui(page: SPage) -> str:
    """Where people read the page, relative to ``_links.base``."""
    if site().confluence_cloud:
        return f"/spaces/{page.space_key}/pages/{page.id}/{quote(page.title)}"
    if pretty_title(page.title):
        return f"/display/{page.space_key}/{quote_plus(page.title)}"
    return f"/pages/viewpage.action?pageId={page.id}"


def user_key(account_id: str) -> str:
    """A Data Center user key: 32 hex digits, fixed for the person (Atlassian's examples show this form)."""
    return hashlib.sha256(account_id.encode()).hexdigest()[:32]


# -- v1 ------------------------------------------------------------------------------------------------------
def user_v1(account_id: str) -> dict[str, Any]:
    user = site().state.users.get(account_id)
    name = user.display_name if user else "Unknown"
    if not site().confluence_cloud:
        key = user_key(account_id)
        return {"type": "known", "username": user.name if user else account_id, "userKey": key,
                "profilePicture": {"path": f"{site().context_path}/images/icons/profilepics/default.svg",
                                   "width": 48, "height": 48, "isDefault": True},
                "displayName": name, "_links": {"self": f"{wiki()}/rest/api/user?key={key}"},
                "_expandable": {"status": ""}}
    return {"type": "known", "accountId": account_id, "accountType": "atlassian", "email": user.email if user else "",
            "publicName": name, "displayName": name, "profilePicture": {"path": "/wiki/aa-avatar/default.png",
                                                                         "width": 48, "height": 48,
                                                                         "isDefault": True}}


def space_v1(space: SSpace) -> dict[str, Any]:
    webui_path = f"/spaces/{space.key}" if site().confluence_cloud else f"/display/{space.key}"
    return {"id": int(space.id), "key": space.key, "name": space.name, "type": "global", "status": "current",
            "_expandable": {"homepage": f"/rest/api/content/{space.homepage_id}"},
            "_links": {"webui": webui_path, "self": f"{wiki()}/rest/api/space/{space.key}"}}


def labels_v1(page: SPage) -> dict[str, Any]:
    return {"results": [{"prefix": "global", "name": label, "id": label_id(label), "label": label}
                        for label in page.labels], "start": 0, "limit": 200, "size": len(page.labels)}


def content_v1(page: SPage, expand: set[str]) -> dict[str, Any]:
    space = site().state.spaces[page.space_key]
    links = {"webui": webui(page), "self": f"{wiki()}/rest/api/content/{page.id}", "base": wiki(),
             "context": site().context_path,
             "tinyui": f"/x/{base64.urlsafe_b64encode(page.id.encode()).decode().rstrip('=')}"}
    if site().confluence_cloud:
        links["editui"] = f"/pages/resumedraft.action?draftId={page.id}"
    else:
        links["edit"] = f"/pages/resumedraft.action?draftId={page.id}"
    data: dict[str, Any] = {
        "id": page.id, "type": "page", "status": page.status, "title": page.title,
        "space": space_v1(space),
        "version": {"by": user_v1(page.author), "when": iso(page.updated), "number": page.version,
                    "minorEdit": page.minor_edit, "message": page.version_message},
        "_expandable": {"children": f"/rest/api/content/{page.id}/child",
                        "history": f"/rest/api/content/{page.id}/history",
                        "container": f"/rest/api/space/{space.key}", "space": f"/rest/api/space/{space.key}"},
        "_links": links,
    }
    if "ancestors" in expand:
        data["ancestors"] = [{"id": a.id, "type": "page", "status": a.status, "title": a.title,
                              "_links": {"self": f"{wiki()}/rest/api/content/{a.id}", "webui": webui(a)}}
                             for a in ancestors(page)]
    if "body.storage" in expand or "body" in expand:
        data["body"] = {"storage": {"value": page.body, "representation": "storage"}}
    if "metadata.labels" in expand or "metadata" in expand:
        data["metadata"] = {"labels": labels_v1(page)}
    if "operations" in expand:
        # What the caller may do with the page (the v1 content expansion ``operations``: a list of
        # OperationCheckResult, ``{"operation", "targetType"}``, on Cloud and Data Center). The sandbox's spaces are
        # open and its pages carry no restrictions: every user may read, update and delete every page.
        data["operations"] = [{"operation": op, "targetType": "page"} for op in ("read", "update", "delete")]
    if "children.page" in expand:
        kids = children(page)
        data["children"] = {"page": {"results": [content_v1(c, set()) for c in kids], "start": 0,
                                     "limit": 25, "size": len(kids)}}
    return data


def history_v1(page: SPage) -> dict[str, Any]:
    """``content/{id}/history``: who made the page and when, and its latest version."""
    return {"latest": True, "createdBy": user_v1(page.author), "createdDate": iso(page.created),
            "lastUpdated": {"by": user_v1(page.author), "when": iso(page.updated), "number": page.version,
                            "minorEdit": page.minor_edit, "message": page.version_message},
            "_links": {"self": f"{wiki()}/rest/api/content/{page.id}/history", "base": wiki(),
                       "context": site().context_path}}


def attachment_v1(page: SPage, att: SAttachment) -> dict[str, Any]:
    download = f"/download/attachments/{page.id}/{quote(att.title)}?version={att.version}"
    return {"id": att.id, "type": "attachment", "status": "current", "title": att.title,
            "version": {"by": user_v1(page.author), "when": iso(att.created or page.updated),
                        "number": att.version, "minorEdit": True, "message": att.comment},
            "metadata": {"mediaType": att.media_type, "comment": att.comment},
            "extensions": {"mediaType": att.media_type, "fileSize": len(att.data), "comment": att.comment},
            "_links": {"download": download, "webui": f"/pages/viewpageattachments.action?pageId={page.id}",
                       "self": f"{wiki()}/rest/api/content/{att.id}"},
            "_expandable": {"container": f"/rest/api/content/{page.id}"}}


# -- v2 ------------------------------------------------------------------------------------------------------
def space_v2(space: SSpace) -> dict[str, Any]:
    return {"id": space.id, "key": space.key, "name": space.name, "type": "global", "status": "current",
            "authorId": site().state.users and next(iter(site().state.users)), "createdAt": iso(now()),
            "homepageId": space.homepage_id, "description": None, "icon": None,
            "_links": {"webui": f"/spaces/{space.key}"}}


def page_v2(page: SPage, body_format: str | None) -> dict[str, Any]:
    space = site().state.spaces[page.space_key]
    data: dict[str, Any] = {
        "id": page.id, "status": page.status, "title": page.title, "spaceId": space.id,
        "position": None, "authorId": page.author, "ownerId": page.author, "createdAt": iso(page.created),
        "version": {"createdAt": iso(page.updated), "message": page.version_message, "number": page.version,
                    "minorEdit": page.minor_edit, "authorId": page.author},
        "body": {},
        "_links": {"webui": f"/spaces/{space.key}/pages/{page.id}/{quote(page.title)}",
                   "editui": f"/pages/resumedraft.action?draftId={page.id}",
                   "tinyui": f"/x/{page.id}"},
    }
    if page.parent_id:  # a top-level page has no parent fields at all
        data["parentId"], data["parentType"] = page.parent_id, "page"
    if body_format == "storage":
        data["body"] = {"storage": {"representation": "storage", "value": page.body}}
    return data


def child_v2(page: SPage) -> dict[str, Any]:
    return {"id": page.id, "status": page.status, "title": page.title,
            "spaceId": site().state.spaces[page.space_key].id, "childPosition": None, "type": "page"}


def label_v2(label: str) -> dict[str, Any]:
    return {"id": label_id(label), "name": label, "prefix": "global"}


def attachment_v2(page: SPage, att: SAttachment) -> dict[str, Any]:
    return {"id": att.id, "status": "current", "title": att.title, "mediaType": att.media_type,
            "fileSize": len(att.data), "comment": att.comment, "pageId": page.id,
            "createdAt": iso(att.created or page.updated),
            "version": {"number": att.version, "createdAt": iso(att.created or page.updated), "minorEdit": True,
                        "authorId": page.author, "message": att.comment},
            "downloadLink": f"/download/attachments/{page.id}/{quote(att.title)}?version={att.version}",
            "_links": {"download": f"/download/attachments/{page.id}/{quote(att.title)}"}}
