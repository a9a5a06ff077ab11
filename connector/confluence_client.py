"""The Confluence side of the connector: the v1 content API through atlassian-python-api's session."""

from __future__ import annotations

import logging
import warnings
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from atlassian import Confluence

from config.models import BasicAuth, CloudAuth, ConfluenceSettings, TokenAuth

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
from .transport import PolicyAdapter, RequestKind, install

log = logging.getLogger(__name__)


def page_url(settings: ConfluenceSettings, page_id: str) -> str:
    """Where a person reads a page of the configured space: on Cloud ``{url}/spaces/KEY/pages/ID``; on Data Center
    the page id form ``{url}/pages/viewpage.action?pageId=ID``, which every page has (the ``/display/KEY/Title``
    form exists only for titles that make a clean URL, and changes with the title)."""
    if settings.resolved_flavor == "cloud":
        return f"{settings.url}/spaces/{quote(settings.space)}/pages/{page_id}"
    return f"{settings.url}/pages/viewpage.action?pageId={quote(page_id)}"


class ConfluenceConnector:
    """Confluence's v1 content API, on Cloud (``https://SITE.atlassian.net/wiki``) and on Data Center (its own
    host and context path): the same paths under ``/rest/api``, the client built for the flavour."""

    def __init__(self, settings: ConfluenceSettings, adapter: PolicyAdapter):
        self.settings = settings
        # Like Jira's, the flavour is the configured one, else found out; Confluence's from its URL, before any
        # request (it decides the client, and the configuration was checked against it).
        self.flavor = settings.resolved_flavor
        auth = settings.auth
        kwargs: dict[str, Any] = {}
        if isinstance(auth, CloudAuth):
            kwargs.update(username=auth.email, password=auth.api_token.reveal())
            self.login = auth.email
        elif isinstance(auth, BasicAuth):
            kwargs.update(username=auth.username, password=auth.password.reveal())
            self.login = auth.username
        elif isinstance(auth, TokenAuth):
            kwargs.update(token=auth.token.reveal())  # sent as a bearer token: a Data Center personal access token
            self.login = "personal access token"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            if self.cloud:
                # api_version=1: the content API, whose page and attachment semantics pmokit relies on. The client
                # warns that its own v1 helper methods are deprecated; pmokit calls the REST paths itself.
                self.client = Confluence(url=settings.url, cloud=True, api_version=1, backoff_and_retry=False,
                                         timeout=settings.timeout_seconds, **kwargs)
            else:
                # Data Center: the library's Server client (REST v1 only, which Data Center serves).
                self.client = Confluence(url=settings.url, cloud=False, backoff_and_retry=False,
                                         timeout=settings.timeout_seconds, **kwargs)
        # The client keeps int(timeout): 0.5 s would become 0, which requests refuses. Keep the configured value.
        self.client.timeout = settings.timeout_seconds  # type: ignore[assignment]
        install(self.client._session, adapter)

    @property
    def cloud(self) -> bool:
        return self.flavor == "cloud"

    def page_url(self, page_id: str) -> str:
        return page_url(self.settings, page_id)

    def request(self, method: str, path: str, *, params: dict[str, Any] | None = None, body: Any = None,
                files: dict[str, Any] | None = None, headers: dict[str, str] | None = None,
                kind: RequestKind | None = None) -> Any:
        """JSON from one call under ``/rest/api``; errors become :mod:`connector.errors`.

        ``kind`` says what sending it twice would do (``connector.transport``); unset, the method decides (a
        POST is a write: after a lost answer or a 5xx it raises :class:`~connector.errors.OutcomeUnknown`)."""
        url_path = f"rest/api/{path}"
        if files is not None:
            headers = {"X-Atlassian-Token": "no-check", "Accept": "application/json", **(headers or {})}
        if kind is not None:
            # The client sends its default headers (JSON) only when given none: keep them beside the mark.
            headers = {**(headers if headers is not None else self.client.default_headers), **kind.header}
        try:
            response = self.client.request(method, url_path, data=body,
                                           params=params, headers=headers, files=files, advanced_mode=True)
        except (GaveUp, OutcomeUnknown):
            raise
        if response.status_code >= 400:
            raise self._error(method, f"{self.settings.url}/{url_path}", response)
        if response.status_code == 204 or not response.content:
            return None
        return parse_answer(response.content)

    def search(self, cql: str, *, expand: str = "", page_size: int = 100) -> Iterator[dict[str, Any]]:
        """Every content item a CQL query finds: page after page by following ``_links.next`` until there is
        none. Confluence Cloud pages search by the cursor in that link (``start`` is deprecated there and its
        page size is the system's: a page may be shorter than asked and still not the last); Data Center's link
        carries ``start``: the same loop reads both."""
        params: dict[str, Any] = {"cql": cql, "limit": page_size, **({"expand": expand} if expand else {})}
        seen: set[str] = set()
        while True:
            data = self.request("GET", "content/search", params=params) or {}
            yield from data.get("results") or []
            following = (data.get("_links") or {}).get("next")
            if not following:
                return
            if following in seen:
                raise AtlassianError(f"Confluence search named the same next page twice ({following[:120]}): "
                                     f"stopped rather than read it again", url=f"{self.settings.url}/rest/api")
            seen.add(following)
            params = dict(parse_qsl(urlsplit(following).query, keep_blank_values=True))

    def _error(self, method: str, url: str, response: Any) -> AtlassianError:
        status = response.status_code
        try:
            detail = response.json().get("message") or ""
        except ValueError:
            detail = response.text[:300]
        kinds = {401: AuthenticationError, 403: PermissionDenied, 404: NotFound, 400: BadRequest, 409: Conflict}
        return kinds.get(status, AtlassianError)(
            f"Confluence answered {status}: {method} {url.split('?', 1)[0]} as {self.login}"
            + (f": {detail}" if detail else ""), status=status, url=url)
