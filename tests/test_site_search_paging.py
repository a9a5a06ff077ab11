"""Confluence search paging as real sites do it.

Source: Atlassian's change notice for Confluence Cloud (2020) deprecating the `start` parameter of
`GET /wiki/rest/api/content/search` in favour of cursor pagination: the next page is the `_links.next` URL
(with `cursor=` and `next=true`), and the page size is capped by the system (at most 50 results when a body is
expanded). Confluence Data Center keeps `start`/`limit` paging, its `_links.next` carrying `start`; which one a site
does is Confluence's flavour (a Jira Data Center may stand beside a Confluence Cloud).

pmokit paged by `start` and stopped on a page shorter than the 100 it asked for: on Cloud it read the first page
again and again (start ignored) or stopped after one short page.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sandbox import Sandbox
from tests.conftest import ANCHOR
from tests.syncing import runtime_for

PMOKIT = Path(sys.executable).parent / "pmokit"
SEARCH = "/wiki/rest/api/content/search"


def _add_labelled_pages(sb, count: int) -> None:
    session = sb.session()
    for n in range(count):
        created = session.post(f"{sb.url}/wiki/rest/api/content", json={
            "type": "page", "title": f"SHOP working note {n:03d}", "space": {"key": "PMO"},
            "body": {"storage": {"value": f"<p>note {n}</p>", "representation": "storage"}}}, timeout=10)
        assert created.status_code == 200, created.text
        labelled = session.post(f"{sb.url}/wiki/rest/api/content/{created.json()['id']}/label",
                                json=[{"prefix": "global", "name": "feasibility-study"}], timeout=10)
        assert labelled.status_code == 200, labelled.text


def test_cloud_search_pages_by_cursor_and_data_center_by_start():
    cql = 'type = page and space = "PMO"'
    with Sandbox.start(seed="demo", anchor=ANCHOR) as cloud:
        _add_labelled_pages(cloud, 120)
        session = cloud.session()
        first = session.get(f"{cloud.url}{SEARCH}", params={"cql": cql, "limit": 100}, timeout=10).json()
        again = session.get(f"{cloud.url}{SEARCH}", params={"cql": cql, "limit": 100, "start": 100},
                            timeout=10).json()
        assert [r["id"] for r in again["results"]] == [r["id"] for r in first["results"]]  # start is not honoured
        assert "cursor=" in first["_links"]["next"] and "next=true" in first["_links"]["next"]
        seen, following = [r["id"] for r in first["results"]], first["_links"]["next"]
        while following:
            page = session.get(f"{cloud.url}/wiki{following}", timeout=10).json()
            seen += [r["id"] for r in page["results"]]
            following = page["_links"].get("next")
        assert len(seen) == len(set(seen)) > 100
        with_body = session.get(f"{cloud.url}{SEARCH}", params={"cql": cql, "limit": 100,
                                                                "expand": "body.storage"}, timeout=10).json()
        assert len(with_body["results"]) == 50 and with_body["limit"] == 50
    # The paging follows Confluence's flavour, not Jira's: a Jira Data Center beside a Confluence Cloud.
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor="datacenter") as cloud_wiki:
        page = cloud_wiki.session().get(f"{cloud_wiki.url}{SEARCH}", params={"cql": cql, "limit": 10}, timeout=10)
        assert "cursor=" in page.json()["_links"]["next"]
    with Sandbox.start(seed="demo", anchor=ANCHOR, confluence_flavor="datacenter") as dc:
        session, search = dc.session(), f"{dc.wiki_url}/rest/api/content/search"
        first = session.get(search, params={"cql": cql, "limit": 10}, timeout=10).json()
        second = session.get(search, params={"cql": cql, "limit": 10, "start": 10}, timeout=10).json()
        assert not {r["id"] for r in first["results"]} & {r["id"] for r in second["results"]}
        assert "start=10" in first["_links"]["next"]


def test_pmokit_reads_every_labelled_page_of_a_cloud_site(tmp_path):
    """130 labelled pages more than the demo's: `pmokit sync` finds all of them, in bounded time."""
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        _add_labelled_pages(sb, 130)
        runtime_for(sb, tmp_path).close()
        done = subprocess.run([str(PMOKIT), "--config", str(tmp_path / "pmokit.yaml"), "sync", "--full",
                               "--project", "SHOP"], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "documents: 141 labelled Confluence page(s) in 11 project(s)" in done.stdout + done.stderr
