"""The Jira side of the connector: one authenticated ``jira`` client, its flavour, account and fields."""

from __future__ import annotations

import json
import logging
from collections.abc import MutableMapping
from dataclasses import dataclass
from typing import Any

from jira import JIRA, JIRAError

from config.models import BasicAuth, CloudAuth, JiraSettings, TokenAuth

from .errors import (
    AtlassianError,
    AuthenticationError,
    BadRequest,
    Conflict,
    GaveUp,
    NotFound,
    OutcomeUnknown,
    PermissionDenied,
)
from .storable import parse_answer
from .translate import FieldCatalog
from .transport import PolicyAdapter, RequestKind, install

log = logging.getLogger(__name__)
CACHE_KEYS = ("flavor", "myself", "fields")


@dataclass(frozen=True)
class Account:
    """The account pmokit calls Jira as (its own events are the ones it must never act on)."""

    account_id: str | None
    name: str | None
    display_name: str
    time_zone: str

    @property
    def ident(self) -> str:
        return self.account_id or self.name or ""


def login_of(settings: JiraSettings) -> str:
    auth = settings.auth
    if isinstance(auth, CloudAuth):
        return auth.email
    if isinstance(auth, BasicAuth):
        return auth.username
    return "personal access token"


class JiraConnector:
    """Raw REST calls through the ``jira`` library's session, with pmokit's retry policy underneath.

    ``cache`` (a mapping kept by the caller, e.g. in the store) holds per-site facts — flavour, account,
    field list — so a run needs no lookups when nothing changed.
    """

    def __init__(self, settings: JiraSettings, adapter: PolicyAdapter,
                 cache: MutableMapping[str, Any] | None = None):
        self.settings = settings
        self.cache: MutableMapping[str, Any] = cache if cache is not None else {}
        self.login = login_of(settings)
        auth = settings.auth
        kwargs: dict[str, Any] = {}
        if isinstance(auth, CloudAuth):
            kwargs["basic_auth"] = (auth.email, auth.api_token.reveal())
        elif isinstance(auth, BasicAuth):
            kwargs["basic_auth"] = (auth.username, auth.password.reveal())
        elif isinstance(auth, TokenAuth):
            kwargs["token_auth"] = auth.token.reveal()
        self.client = JIRA(server=settings.url, options={"check_update": False}, get_server_info=False,
                           max_retries=0, timeout=settings.timeout_seconds, **kwargs)
        install(self.client._session, adapter)
        self._flavor: str | None = None if settings.flavor == "auto" else settings.flavor
        self.client.deploymentType = "Cloud" if self._flavor == "cloud" else (
            "Server" if self._flavor == "datacenter" else None)

    # -- per-site facts ---------------------------------------------------------------------------------
    @property
    def flavor(self) -> str:
        """``cloud`` or ``datacenter``: configured, cached, or read from ``serverInfo.deploymentType``."""
        if self._flavor is None:
            cached = self.cache.get("flavor")
            if cached is None:
                info = self.get("serverInfo", api="2")
                cached = "cloud" if info.get("deploymentType") == "Cloud" else "datacenter"
                self.cache["flavor"] = cached
            self._flavor = cached
            self.client.deploymentType = "Cloud" if cached == "cloud" else "Server"
        return self._flavor

    @property
    def cloud(self) -> bool:
        return self.flavor == "cloud"

    @property
    def api(self) -> str:
        """Cloud speaks v3 (ADF bodies); Data Center v2 (wiki markup)."""
        return "3" if self.cloud else "2"

    @property
    def account(self) -> Account:
        data = self.cache.get("myself")
        if data is None:
            me = self.get("myself", api="2")
            data = {"account_id": me.get("accountId"), "name": me.get("name"),
                    "display_name": me.get("displayName") or "", "time_zone": me.get("timeZone") or "UTC"}
            self.cache["myself"] = data
        return Account(**data)

    @property
    def fields(self) -> FieldCatalog:
        data = self.cache.get("fields")
        if data is None:
            data = [{"id": f["id"], "name": f.get("name")} for f in self.get("field", api="2")]
            self.cache["fields"] = data
        return FieldCatalog.from_json(data)

    def group_members(self, name: str) -> list[str]:
        """Ids (account ids on Cloud, names on Data Center) of a group's members; cached with the site facts."""
        cached = self.cache.get(f"group:{name}")
        if cached is None:
            cached, start = [], 0
            while True:
                page = self.get("group/member", params={"groupname": name, "startAt": start, "maxResults": 50})
                members = page.get("values") or []
                cached.extend(str(m.get("accountId") or m.get("name")) for m in members)
                start += len(members)
                if page.get("isLast", True) or not members:
                    break
            self.cache[f"group:{name}"] = cached
        return list(cached)

    def user_id(self, who: str) -> str | None:
        """The id comments carry for the person named ``who`` in the configuration — an e-mail address, an
        account id (Cloud) or a user name (Data Center) — found through Jira's user search; None when it names
        no one, or more than one person. Cached with the site facts."""
        key = f"user:{who}"
        if key in self.cache:
            found = self.cache[key]
            return str(found) if found else None
        resolved = self._find_user(who.strip())
        self.cache[key] = resolved or ""
        return resolved

    def _find_user(self, who: str) -> str | None:
        def ident(user: dict[str, Any]) -> str | None:
            value = user.get("accountId") if self.cloud else (user.get("name") or user.get("key"))
            return str(value) if value else None

        if "@" in who:
            found = self.get("user/search", params={"query": who, "maxResults": 50} if self.cloud
                             else {"username": who, "maxResults": 50}) or []
            exact = [u for u in found if str(u.get("emailAddress", "")).casefold() == who.casefold()]
            chosen = exact or (found if len(found) == 1 else [])
            return ident(chosen[0]) if len(chosen) == 1 else None
        try:
            user = self.get("user", params={"accountId": who} if self.cloud else {"username": who})
        except NotFound:
            return None
        return ident(user) if isinstance(user, dict) else None

    def forget_site_facts(self) -> None:
        for key in CACHE_KEYS:
            self.cache.pop(key, None)

    # -- raw REST ---------------------------------------------------------------------------------------
    def url(self, path: str, api: str | None = None) -> str:
        if path.startswith("/"):
            return f"{self.settings.url}{path}"
        return f"{self.settings.url}/rest/api/{api or self.api}/{path}"

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None,
                api: str | None = None, headers: dict[str, str] | None = None,
                kind: RequestKind | None = None) -> Any:
        """JSON from one call; Atlassian's errors become :mod:`connector.errors` naming URL and account.

        ``kind`` says what sending it twice would do (``connector.transport``); unset, the method decides (a
        POST is a write: after a lost answer or a 5xx it raises :class:`~connector.errors.OutcomeUnknown`)."""
        url = self.url(path, api)
        data = json.dumps(body) if body is not None else None
        sent_headers = {**(headers or {}), **(kind.header if kind is not None else {})}
        try:
            response = self.client._session.request(method, url, params=params, data=data, headers=sent_headers)
        except JIRAError as exc:
            raise self._error(method, url, exc) from None
        except (GaveUp, OutcomeUnknown):
            raise
        if response.status_code == 204 or not response.content:
            return None
        try:
            return parse_answer(response.content)
        except ValueError:
            raise AtlassianError(f"{method} {url} answered {response.status_code} with a body that is not JSON",
                                 status=response.status_code, url=url) from None

    def get(self, path: str, params: dict[str, Any] | None = None, api: str | None = None) -> Any:
        return self.request("GET", path, params=params, api=api)

    def post(self, path: str, body: Any, api: str | None = None, *, kind: RequestKind | None = None) -> Any:
        """A POST: a write unless ``kind`` says otherwise (sent once; see :meth:`query` for POSTs that read)."""
        return self.request("POST", path, body=body, api=api, kind=kind)

    def query(self, path: str, body: Any, api: str | None = None) -> Any:
        """A POST that only reads (``search/jql``, ``issue/bulkfetch``, ``changelog/bulkfetch``): retried like a GET."""
        return self.request("POST", path, body=body, api=api, kind=RequestKind.READ)

    def put(self, path: str, body: Any, api: str | None = None, *, kind: RequestKind | None = None) -> Any:
        """A PUT: idempotent (retried) unless ``kind`` says it is a write to check before repeating."""
        return self.request("PUT", path, body=body, api=api, kind=kind)

    def _error(self, method: str, url: str, exc: JIRAError) -> AtlassianError:
        status = exc.status_code
        detail = _messages(exc.text) or (exc.text or "")[:300]
        who = f"as {self.login}"
        kinds = {401: AuthenticationError, 403: PermissionDenied, 404: NotFound, 400: BadRequest, 409: Conflict}
        kind = kinds.get(status or 0, AtlassianError)
        prefix = {401: "Jira refused the credentials", 403: "Jira refused permission",
                  404: "Jira has no such resource (or the account cannot see it)"}.get(status or 0,
                                                                                      f"Jira answered {status}")
        return kind(f"{prefix}: {method} {url.split('?', 1)[0]} {who}" + (f": {detail}" if detail else ""),
                    status=status, url=url)


def _messages(text: str | None) -> str:
    if not text:
        return ""
    try:
        data = json.loads(text)
    except ValueError:
        return ""
    if not isinstance(data, dict):
        return ""
    parts = list(data.get("errorMessages") or [])
    parts += [f"{k}: {v}" for k, v in (data.get("errors") or {}).items()]
    # The webhooks plugin's errors: {"messages": [{"key": ..., "arguments": [...]}]}.
    for message in data.get("messages") or []:
        if isinstance(message, dict):
            arguments = [str(a) for a in message.get("arguments") or [] if a is not None]
            parts.append("; ".join(arguments) or str(message.get("key") or ""))
    return "; ".join(str(p) for p in parts)
