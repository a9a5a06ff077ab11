"""Confluence Cloud v2 lists page as real sites do.

Source: Confluence Cloud's v2 OpenAPI description (in `shared/specs/openapi`): `MultiEntityLinks.next` "contains the
relative URL for the next set of results, using a cursor query parameter", `base` is the "base url of the
Confluence site", and the `Link` header of every list reads
`</wiki/api/v2/pages?cursor=<opaque cursor token>>; rel="next", <https://site.atlassian.net/wiki>; rel="base"`;
a `_links` recorded from a Cloud site in CONFCLOUD-84015 (jira.atlassian.com) has `"base": "https://<site
URL>/wiki"`. So `next` is a path from the site's root that already starts with `/wiki`: joined to `base` as text
it says `/wiki` twice; resolved as a URL reference (RFC 3986) it is right.

The sandbox wrote `next` without `/wiki` (`/api/v2/pages?cursor=…`): a client that resolved it as a reference
read `https://site/api/v2/...`, which no Confluence serves, and a client that glued `base` and `next` together
worked against the sandbox and failed on real sites.

pmokit reads Confluence through the v1 content API only (`connector/confluence_client.py`); the clients below
are the witnesses that the sandbox's v2 lists are now followed as real sites' are.
"""

from __future__ import annotations

import warnings
from urllib.parse import urljoin

import pytest
from atlassian import Confluence

from sandbox.server import ADMIN_EMAIL, ADMIN_TOKEN

V2 = "/wiki/api/v2"


def _add_pages(sb, count: int) -> tuple[str, str]:
    """``count`` pages under the PMO space's "Portfolio Reports": (space id, that page's id)."""
    space_id = sb.state.spaces["PMO"].id
    parent = next(p.id for p in sb.state.pages.values() if p.title == "Portfolio Reports")
    session = sb.session()
    for n in range(count):
        created = session.post(f"{sb.url}{V2}/pages", json={
            "spaceId": space_id, "status": "current", "title": f"v2 paging note {n:02d}", "parentId": parent,
            "body": {"representation": "storage", "value": f"<p>{n}</p>"}}, timeout=10)
        assert created.status_code == 200, created.text
    return space_id, parent


@pytest.mark.parametrize("path", ["/pages", "/spaces/{space}/pages", "/pages/{parent}/children"])
def test_next_is_a_path_from_the_site_root_beside_the_wiki_base(fresh_sandbox, path):
    sb = fresh_sandbox
    space_id, parent = _add_pages(sb, 3)
    listing = f"{V2}{path.format(space=space_id, parent=parent)}"
    first = sb.session().get(f"{sb.url}{listing}", params={"limit": 1}, timeout=10)
    links = first.json()["_links"]
    assert links["base"] == f"{sb.url}/wiki"
    assert links["next"].startswith(f"{listing}?") and "cursor=" in links["next"]
    assert first.headers["Link"] == f'<{links["next"]}>; rel="next", <{sb.url}/wiki>; rel="base"'
    # Resolved as a reference against the base (or the request), never glued to it.
    assert urljoin(links["base"], links["next"]) == f"{sb.url}{links['next']}"
    assert "/wiki/wiki/" in links["base"] + links["next"]


def test_clients_follow_v2_pages_to_the_end(fresh_sandbox):
    """requests' `Link` header (`response.links`, resolved against the request's URL) and atlassian-python-api 5's
    own v2 paging (`Confluence(..., cloud=True, api_version=2).get_pages`) both read every page, once."""
    sb = fresh_sandbox
    space_id, _ = _add_pages(sb, 12)
    expected = {p.id for p in sb.state.pages.values() if p.space_key == "PMO" and p.status == "current"}
    session, seen = sb.session(), []
    url: str | None = f"{sb.url}{V2}/pages?space-id={space_id}&limit=5"
    while url:
        answer = session.get(url, timeout=10)
        assert answer.status_code == 200, f"{url}: {answer.status_code}"
        seen += [p["id"] for p in answer.json()["results"]]
        following = answer.links.get("next", {}).get("url")
        url = urljoin(answer.url, following) if following else None
    assert sorted(seen) == sorted(expected)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        confluence = Confluence(sb.wiki_url, username=ADMIN_EMAIL, password=ADMIN_TOKEN, cloud=True, api_version=2)
    pages = confluence.get_pages(space_id=space_id, limit=5)
    assert sorted(p["id"] for p in pages) == sorted(expected)
