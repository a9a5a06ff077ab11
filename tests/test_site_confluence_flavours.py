"""Confluence Data Center beside Confluence Cloud, as the real products serve them, with the real client library as
witness, and pmokit publishing on both.

Sources (each test names the ones it stands on):
- Atlassian, "Confluence Data Center REST API" (docs.atlassian.com/ConfluenceServer/rest): resources at
  `http://host:port/context/rest/api/resource-name`, its example `http://host:port/confluence/rest/api/space/ds`.
- Atlassian, "Confluence REST API examples" (developer.atlassian.com/server/confluence/confluence-rest-api-examples,
  Data Center): answers with `_links.base` `http://localhost:8080/confluence`, `_links.context` `/confluence`,
  `_links.next` `/rest/api/content?limit=2&start=2` (relative to base), pages' `webui` `/display/FS/Page+1`, `edit`
  `/pages/resumedraft.action?draftId=…`, users `{"type": "known", "username": "admin", "userKey": "2c9d…",
  "profilePicture": …, "displayName": …}`; basic authentication with username and password, or a personal
  access token (Confluence 7.9 and later).
- Atlassian, "Using personal access tokens" (confluence.atlassian.com/enterprise/using-personal-access-tokens-
  1026032365.html): a Data Center token is sent as `Authorization: Bearer <token>`.
- Atlassian, "Basic auth for REST APIs" (developer.atlassian.com/cloud/confluence/basic-auth-for-rest-apis) and the
  deprecation notice for basic authentication with passwords (2019): Confluence Cloud takes an Atlassian
  account's email and API token.
- Atlassian, the Confluence Cloud REST API v2 reference (developer.atlassian.com/cloud/confluence/rest/v2): v2
  (`/wiki/api/v2`) is Cloud's; Data Center serves REST v1 only.
- Atlassian KB "Searching for content with the REST API and CQL always limits results to 50" (Data Center):
  `content/search` with `start`/`limit`, the limit capped at 50 with a body expansion, 200 with other
  expansions, 1000 with none.
- Atlassian KB "The Differences Between Various URL Formats for a Confluence Page" (Data Center): the "pretty"
  `/display/SPACEKEY/Page+Title` wherever the title allows it; `/pages/viewpage.action?pageId=123456` (which works
  for any page) when the title has a reserved or unsafe character (`% & ? / \\ ; " § + :`), non-Latin letters,
  or ends in a character that is not a letter or digit.
- Atlassian's GDPR change notice for Confluence Cloud (2019): user objects carry `accountId`; `username` and
  `userKey` were removed. The Cloud v1 description in shared/specs/openapi has the same user shape.
- atlassian-python-api 5.0.5 (its client code): `Confluence(url, cloud=False)` is its Server client (REST v1 at
  `{url}/rest/api`, `update_page` reads `content/{id}/history` for the version, `cql` asks `rest/api/search`,
  `attach_content` creates with POST and updates with `PUT content/{attachment id}`; its paging joins a relative
  `_links.next` to the host alone); `Confluence(url,
  cloud=True, api_version=1)` is its versioned Cloud client on the v1 paths.
"""

from __future__ import annotations

import base64
import re
import warnings
from dataclasses import replace

import pytest
import requests
from atlassian import Confluence

from report_jobs.reports.report import definition_of, run_report
from sandbox import BOT_EMAIL, BOT_NAME, BOT_TOKEN, Sandbox
from tests.conftest import ANCHOR
from tests.syncing import runtime_for

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def dc():
    """Jira and Confluence Data Center, read only."""
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor="datacenter", confluence_flavor="datacenter") as sb:
        yield sb


@pytest.fixture
def fresh_dc():
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor="datacenter", confluence_flavor="datacenter") as sb:
        yield sb


def _page(sb: Sandbox, title: str):
    return next(p for p in sb.state.pages.values() if p.title == title and p.status == "current")


def _basic(login: str, secret: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{login}:{secret}".encode()).decode()}


# -- the sandbox --------------------------------------------------------------------------------------------------
def test_data_center_serves_rest_v1_under_its_context_path_and_no_v2(dc, sandbox):
    """Sources: Confluence Data Center REST API (`http://host:port/confluence/rest/api/space/ds`); the Cloud REST
    v2 reference (v2 is Cloud's). Cloud keeps /wiki; neither answers under the other's path."""
    session = dc.session()
    assert dc.wiki_url == f"{dc.url}/confluence"
    space = session.get(f"{dc.url}/confluence/rest/api/space/PMO", timeout=10)
    assert space.status_code == 200 and space.json()["key"] == "PMO"
    assert space.json()["_links"]["webui"] == "/display/PMO"
    for path in ("/confluence/api/v2/pages", "/confluence/api/v2/spaces", "/wiki/rest/api/space/PMO",
                 "/wiki/api/v2/pages"):
        assert session.get(f"{dc.url}{path}", timeout=10).status_code == 404, path
    cloud = sandbox.session()
    assert cloud.get(f"{sandbox.url}/wiki/api/v2/pages", timeout=10).status_code == 200
    assert cloud.get(f"{sandbox.url}/confluence/rest/api/space/PMO", timeout=10).status_code == 404


def test_links_in_data_center_answers_carry_its_context(dc):
    """Source: Atlassian's Confluence REST API examples (Data Center): `_links.base` is the site with its context
    path, `_links.context` the context path, `_links.next` relative to base with `start`, pages' `webui`
    `/display/KEY/Title+With+Pluses` and `edit` `/pages/resumedraft.action?draftId=`; downloads are relative to
    base too."""
    session = dc.session()
    reports = _page(dc, "Portfolio Reports")
    content = session.get(f"{dc.wiki_url}/rest/api/content/{reports.id}", timeout=10).json()
    links = content["_links"]
    assert links["base"] == f"{dc.url}/confluence" and links["context"] == "/confluence"
    assert links["self"] == f"{dc.url}/confluence/rest/api/content/{reports.id}"
    assert links["webui"] == "/display/PMO/Portfolio+Reports"
    assert links["edit"] == f"/pages/resumedraft.action?draftId={reports.id}"
    listing = session.get(f"{dc.wiki_url}/rest/api/content", params={"spaceKey": "PMO", "limit": 2},
                          timeout=10).json()
    assert listing["_links"]["next"] == "/rest/api/content?spaceKey=PMO&limit=2&start=2"
    following = session.get(listing["_links"]["base"] + listing["_links"]["next"], timeout=10).json()
    assert following["start"] == 2 and following["results"]
    assert {r["id"] for r in following["results"]}.isdisjoint({r["id"] for r in listing["results"]})


def test_data_center_page_urls_are_pretty_where_the_title_allows_and_by_page_id_elsewhere(fresh_dc):
    """Source: Atlassian KB "The Differences Between Various URL Formats for a Confluence Page": `/display/KEY/
    Page+Title` where the title allows it; `/pages/viewpage.action?pageId=` for a title with `?`, `:` or `+`, with
    non-Latin letters, or ending in a character that is not a letter or digit. Both serve the page to people, and
    the page's own links (children, attachments) use the same forms."""
    session, base = fresh_dc.session(), fresh_dc.wiki_url
    parent = _page(fresh_dc, "Portfolio Reports")
    expected = {"Portfolio Weekly": "/display/PMO/Portfolio+Weekly",
                "Café Plan 2026": "/display/PMO/Caf%C3%A9+Plan+2026",
                "Q3: review": None, "Budget + cost": None, "电商项目组合 · 董事会月报": None, "Done.": None}
    for title, webui in expected.items():
        created = session.post(f"{base}/rest/api/content", json={
            "type": "page", "title": title, "space": {"key": "PMO"}, "ancestors": [{"id": parent.id}],
            "body": {"storage": {"value": f"<p>{title}</p>", "representation": "storage"}}}, timeout=10)
        assert created.status_code == 200, created.text
        page_id = created.json()["id"]
        assert created.json()["_links"]["webui"] == (webui or f"/pages/viewpage.action?pageId={page_id}"), title
        view = requests.get(base + created.json()["_links"]["webui"], timeout=10)
        assert view.status_code == 200 and "text/html" in view.headers["Content-Type"], title
    by_id = requests.get(f"{base}/pages/viewpage.action", params={"pageId": parent.id}, timeout=10)
    assert by_id.status_code == 200 and "Portfolio Reports" in by_id.text
    assert 'href="/confluence/display/PMO/Portfolio+Weekly"' in by_id.text  # a child, in its pretty form
    assert 'href="/confluence/pages/viewpage.action?pageId=' in by_id.text  # and one by its page id
    assert requests.get(f"{base}/display/PMO/No+such+page", timeout=10).status_code == 404
    assert requests.get(f"{fresh_dc.url}/wiki/spaces/PMO/pages/{parent.id}", timeout=10).status_code == 404
    uploaded = session.post(f"{base}/rest/api/content/{parent.id}/child/attachment",
                            headers={"X-Atlassian-Token": "no-check"},
                            files={"file": ("chart.png", PNG + b"dc", "image/png")}, timeout=10)
    download = uploaded.json()["results"][0]["_links"]["download"]
    assert download.startswith(f"/download/attachments/{parent.id}/chart.png")
    assert requests.get(base + download, timeout=10).content == PNG + b"dc"  # open to people, like the page


def test_users_are_usernames_and_user_keys_on_data_center_and_account_ids_on_cloud(dc, sandbox):
    """Sources: Atlassian's Confluence REST API examples (Data Center: `username`, `userKey`, no account id);
    Atlassian's GDPR change notice for Confluence Cloud (2019) and the Cloud v1 description (`accountId`; no
    `username` or `userKey`)."""
    params = {"spaceKey": "PMO", "title": "Portfolio Reports", "expand": "version,history"}
    by_dc = dc.session().get(f"{dc.wiki_url}/rest/api/content", params=params, timeout=10).json()
    author = by_dc["results"][0]["version"]["by"]
    assert author["type"] == "known" and author["username"] and re.fullmatch(r"[0-9a-f]{32}", author["userKey"])
    assert "accountId" not in author and "email" not in author
    assert author["_links"]["self"] == f"{dc.wiki_url}/rest/api/user?key={author['userKey']}"
    assert author["profilePicture"]["path"].startswith("/confluence/")
    by_cloud = sandbox.session().get(f"{sandbox.wiki_url}/rest/api/content", params=params, timeout=10).json()
    cloud_author = by_cloud["results"][0]["version"]["by"]
    assert cloud_author["accountId"] and "username" not in cloud_author and "userKey" not in cloud_author


def test_data_center_content_search_pages_by_start_within_the_system_caps(fresh_dc):
    """Source: Atlassian KB "Searching for content with the REST API and CQL always limits results to 50" (Data
    Center): `start`/`limit`, capped at 50 with a body expansion, 200 with other expansions, 1000 with none; the
    next page's link carries `start`."""
    session, search = fresh_dc.session(), f"{fresh_dc.wiki_url}/rest/api/content/search"
    for n in range(60):
        assert session.post(f"{fresh_dc.wiki_url}/rest/api/content", json={
            "type": "page", "title": f"Note {n:02d}", "space": {"key": "PMO"},
            "body": {"storage": {"value": "<p>n</p>", "representation": "storage"}}}, timeout=10).status_code == 200
    cql = 'type = page and space = "PMO"'
    total = sum(1 for p in fresh_dc.state.pages.values() if p.status == "current" and p.space_key == "PMO")
    with_body = session.get(search, params={"cql": cql, "limit": 100, "expand": "body.storage"}, timeout=10).json()
    assert with_body["limit"] == 50 and len(with_body["results"]) == 50
    assert "start=50" in with_body["_links"]["next"] and "cursor" not in with_body["_links"]["next"]
    other = session.get(search, params={"cql": cql, "limit": 500, "expand": "ancestors"}, timeout=10).json()
    assert other["limit"] == 200 and len(other["results"]) == total and "next" not in other["_links"]
    bare = session.get(search, params={"cql": cql, "limit": 5000}, timeout=10).json()
    assert bare["limit"] == 1000
    seen, page = [], session.get(search, params={"cql": cql, "limit": 25}, timeout=10).json()
    while True:
        seen += [r["id"] for r in page["results"]]
        if "next" not in page["_links"]:
            break
        page = session.get(page["_links"]["base"] + page["_links"]["next"], timeout=10).json()
    assert len(seen) == len(set(seen)) == total


def test_personal_access_tokens_are_data_centers_and_cloud_takes_email_and_api_token(dc, sandbox):
    """Sources: Atlassian, "Using personal access tokens" (Data Center: `Authorization: Bearer <token>`); the
    Confluence REST API examples (Data Center: basic authentication with username and password); "Basic auth for
    REST APIs" (Cloud: an Atlassian account's email and API token; a bearer token is not one of its ways)."""
    dc_space, cloud_space = f"{dc.wiki_url}/rest/api/space/PMO", f"{sandbox.wiki_url}/rest/api/space/PMO"
    bearer = {"Authorization": f"Bearer {BOT_TOKEN}"}
    assert requests.get(dc_space, headers=bearer, timeout=10).status_code == 200
    assert requests.get(dc_space, headers=_basic(BOT_NAME, BOT_TOKEN), timeout=10).status_code == 200
    assert requests.get(dc_space, headers=_basic(BOT_EMAIL, BOT_TOKEN), timeout=10).status_code == 401
    refused = requests.get(dc_space, headers={"Authorization": "Bearer not-a-token"}, timeout=10)
    assert refused.status_code == 401 and refused.json()["statusCode"] == 401
    assert requests.get(cloud_space, headers=bearer, timeout=10).status_code == 401
    assert requests.get(cloud_space, headers=_basic(BOT_EMAIL, BOT_TOKEN), timeout=10).status_code == 200
    assert requests.get(cloud_space, headers=_basic(BOT_NAME, BOT_TOKEN), timeout=10).status_code == 401


# -- the client library as witness ---------------------------------------------------------------------------------
def test_the_server_client_with_a_personal_access_token_does_what_pmokit_does_on_data_center(fresh_dc):
    """Source: atlassian-python-api's Server client, `Confluence(url, token=PAT, cloud=False)`: find by title in a
    space, get by id with expand, create, update (it reads `content/{id}/history` and sends version + 1), add a
    label, attach (create, then a new version), and CQL (`search_content`: `content/search`, the call pmokit
    makes; `cql`: `search`), each answer read back."""
    sb = fresh_dc
    client = Confluence(url=sb.wiki_url, token=BOT_TOKEN, cloud=False)
    parent = _page(sb, "Portfolio Reports")
    found = client.get_page_by_title("PMO", "Portfolio Reports", expand="version,ancestors,metadata.labels")
    assert [r["title"] for r in found["results"]] == ["Portfolio Reports"]
    assert found["results"][0]["version"]["number"] == parent.version
    created = client.create_page("PMO", "Witness · DC", "<p>one</p>", parent_id=parent.id)
    page_id = created["id"]
    assert created["version"]["number"] == 1 and created["title"] == "Witness · DC"
    read = client.get_page_by_id(page_id, expand="body.storage,version,ancestors,metadata.labels")
    assert read["body"]["storage"]["value"] == "<p>one</p>" and read["ancestors"][-1]["id"] == parent.id
    assert read["_links"]["webui"] == "/display/PMO/Witness+%C2%B7+DC"
    updated = client.update_page(page_id, "Witness · DC", "<p>two</p>", minor_edit=True, version_comment="pmokit")
    assert updated["version"]["number"] == 2 and sb.state.pages[page_id].version == 2
    assert sb.state.pages[page_id].minor_edit is True and sb.state.pages[page_id].version_message == "pmokit"
    assert client.history(page_id)["lastUpdated"]["number"] == 2
    labelled = client.set_page_label(page_id, "pmokit")
    assert [label["name"] for label in labelled["results"]] == ["pmokit"]
    first = client.attach_content(PNG + b"one", name="burnup.png", content_type="image/png", page_id=page_id)
    assert first["results"][0]["title"] == "burnup.png" and first["results"][0]["version"]["number"] == 1
    second = client.attach_content(PNG + b"two", name="burnup.png", content_type="image/png", page_id=page_id)
    assert second["title"] == "burnup.png" and second["version"]["number"] == 2
    attachments = client.get_attachments_from_content(page_id)
    assert [a["title"] for a in attachments["results"]] == ["burnup.png"]
    assert sb.state.pages[page_id].attachments[0].data == PNG + b"two"
    cql = 'type = page and space = "PMO" and label = "pmokit"'
    assert [c["title"] for c in client.search_content(cql, expand="metadata.labels")["results"]] == ["Witness · DC"]
    assert [r["content"]["title"] for r in client.cql(cql, limit=10)["results"]] == ["Witness · DC"]
    # The library's own paging joins `_links.next` (relative to `_links.base`, as Data Center writes it) to the
    # host alone and loses the context path: its second page is asked at /rest/api/search, outside Confluence.
    # pmokit follows the link's query on the path it asked (connector.confluence_client.search).
    with pytest.raises(requests.HTTPError) as lost:
        list(client.iter_cql('type = page and space = "PMO"', limit=3))
    assert f"{sb.url}/rest/api/search?start=3" in str(lost.value)


def test_the_cloud_client_with_an_api_token_does_what_pmokit_does_on_cloud(fresh_sandbox):
    """Source: atlassian-python-api's versioned Cloud client, `Confluence(url, username=email, password=API token,
    cloud=True, api_version=1)` (the client pmokit builds for Cloud): get by id with expand, create, update with
    version + 1, add and read labels through its own methods. For a title in a space, attachments and CQL it has
    no v1 method that works (its `get_page_by_title` reads the v1 space list as v2's and finds nothing), so the
    same client's `get`/`put` on its own v1 endpoint names stand in, as pmokit's calls do."""
    sb = fresh_sandbox
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client = Confluence(url=sb.wiki_url, username=BOT_EMAIL, password=BOT_TOKEN, cloud=True, api_version=1)
    parent = _page(sb, "Portfolio Reports")
    found = client.get(client.get_endpoint("content"), params={"spaceKey": "PMO", "title": "Portfolio Reports",
                                                               "type": "page", "expand": "version"})
    assert [r["title"] for r in found["results"]] == ["Portfolio Reports"]
    created = client.create_page(space_id=sb.state.spaces["PMO"].id, title="Witness · Cloud", body="<p>one</p>",
                                 parent_id=parent.id)
    page_id = created["id"]
    read = client.get_page_by_id(page_id, expand=["body.storage", "version", "ancestors"])
    assert read["version"]["number"] == 1 and read["ancestors"][-1]["id"] == parent.id
    assert read["body"]["storage"]["value"] == "<p>one</p>"
    assert read["_links"]["webui"].startswith(f"/spaces/PMO/pages/{page_id}/")
    assert read["version"]["by"]["accountId"]
    updated = client.update_page(page_id, title="Witness · Cloud", body="<p>two</p>", version=1)
    assert updated["version"]["number"] == 2 and sb.state.pages[page_id].body == "<p>two</p>"
    client.add_page_labels(page_id, ["pmokit"])
    assert [label["name"] for label in client.get_page_labels(page_id)["results"]] == ["pmokit"]
    attachments = f"{client.get_endpoint('page_by_id', id=page_id)}/child/attachment"
    for data in (PNG + b"one", PNG + b"two"):
        uploaded = client.put(attachments, headers={"X-Atlassian-Token": "no-check"},
                              files={"file": ("burnup.png", data, "image/png")})
    assert uploaded["results"][0]["title"] == "burnup.png" and uploaded["results"][0]["version"]["number"] == 2
    found_by_cql = client.get(client.get_endpoint("content_search"),
                              params={"cql": 'type = page and space = "PMO" and label = "pmokit"'})
    assert [c["title"] for c in found_by_cql["results"]] == ["Witness · Cloud"]
    assert "next" not in found_by_cql["_links"]  # one page of results: no next link


def test_the_plain_cloud_client_of_the_library_does_not_reach_v1_content(sandbox):
    """Source: atlassian-python-api 5.0.5: `Confluence(url, cloud=True)` without `api_version` is its legacy Cloud
    class, rooted at `wiki/api/v2`, whose v1 helpers ask `{url}/content`: a 404 on any Cloud site. pmokit therefore
    builds `cloud=True, api_version=1` for Cloud (and `cloud=False` for Data Center)."""
    client = Confluence(url=sandbox.wiki_url, username=BOT_EMAIL, password=BOT_TOKEN, cloud=True)
    with pytest.raises(requests.HTTPError):
        client.get_page_by_title("PMO", "Portfolio Reports")


# -- pmokit --------------------------------------------------------------------------------------------------------
def test_pmokit_publishes_the_demo_report_to_a_data_center_confluence_with_a_personal_access_token(tmp_path,
                                                                                                   run_cli):
    """Sources: the Data Center ones above (REST v1 under /confluence, PATs as bearer tokens, links relative to
    the context). `pmokit sandbox config --confluence-flavor datacenter` writes a `confluence:` section that works
    (the URL with /confluence, flavor datacenter, the bot's PAT); the demo report is published, then published
    again with nothing changed (no write), then with one page changed (exactly one new version of that page)."""
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor="datacenter", confluence_flavor="datacenter") as sb:
        config = tmp_path / "pmokit.yaml"
        written = run_cli("sandbox", "config", "--url", sb.url, "--flavor", "datacenter",
                          "--confluence-flavor", "datacenter", "--store", f"sqlite:///{tmp_path / 'store.db'}")
        assert written.exit_code == 0, written.output
        config.write_text(written.output, encoding="utf-8")
        assert f"url: {sb.url}/confluence\n" in written.output and "flavor: datacenter" in written.output
        assert "type: pat" in written.output.split("confluence:", 1)[1]
        assert run_cli("--config", str(config), "config", "validate", "--strict").exit_code == 0
        synced = run_cli("--config", str(config), "sync", "--full")
        assert synced.exit_code == 0, synced.output
        assert "documents: 11 labelled Confluence page(s) in 11 project(s)" in synced.output  # content/search

        sb.reset_stats()
        first = run_cli("--config", str(config), "report", "portfolio-weekly", "--publish")
        assert first.exit_code == 0, first.output
        assert "pages: 19 created, 0 updated, 0 unchanged, 0 failed; 17 attachments uploaded" in first.output
        top = _page(sb, "E-commerce Portfolio")
        asked = sb.stats()["requests"]
        wiki = [route for route in asked if not route.split(" ", 1)[1].startswith("/rest/")]  # Jira's are /rest
        assert wiki and all(route.split(" ", 1)[1].startswith("/confluence/rest/api/") for route in wiki), asked
        assert f"read it at {sb.url}/confluence/pages/viewpage.action?pageId={top.id}" in first.output
        assert requests.get(f"{sb.url}/confluence/pages/viewpage.action?pageId={top.id}", timeout=10).ok
        assert "pmokit" in top.labels and top.parent_id == _page(sb, "Portfolio Reports").id
        versions = {p.id: p.version for p in sb.state.pages.values()}

        sb.reset_stats()
        second = run_cli("--config", str(config), "report", "portfolio-weekly", "--publish")
        assert second.exit_code == 0, second.output
        assert "pages: 0 created, 0 updated, 19 unchanged, 0 failed; 0 attachments uploaded" in second.output
        assert sb.stats()["writes_total"] == 0

        # The publisher itself, on the store the command line wrote (the pages it remembers), one page changed.
        runtime = runtime_for(sb, tmp_path / "api", store_url=f"sqlite:///{tmp_path / 'store.db'}")
        try:
            assert runtime.confluence.cloud is False
            definition = definition_of(runtime.settings, "portfolio-weekly")[1]
            pages = run_report(runtime, "portfolio-weekly").pages
            index = next(i for i, p in enumerate(pages) if p.title == "E-commerce Portfolio · Risks")
            pages[index] = replace(pages[index], body=pages[index].body + "<p>Reviewed with the sponsor.</p>")
            sb.reset_stats()
            third = runtime.publisher.publish(pages, definition.parent_page)
        finally:
            runtime.close()
        risks = _page(sb, "E-commerce Portfolio · Risks")
        assert third.updated == [pages[index].key] and not third.created and not third.failed
        assert sb.stats()["writes"] == {"page": 1}
        assert risks.version == versions[risks.id] + 1 and risks.minor_edit and "sponsor" in risks.body
        assert {p.id: p.version for p in sb.state.pages.values() if p.id != risks.id} == {
            i: v for i, v in versions.items() if i != risks.id}


def test_pmokit_reads_every_labelled_page_of_a_data_center_site(tmp_path, run_cli):
    """Source: Atlassian KB "Searching for content with the REST API and CQL always limits results to 50" (Data
    Center: `start`/`limit`, `_links.next` with `start`, relative to base). 130 labelled pages more than the
    demo's: pmokit's document search follows `next` under the context path to every one."""
    with Sandbox.start(seed="demo", anchor=ANCHOR, confluence_flavor="datacenter") as sb:
        session = sb.session()
        for n in range(130):
            created = session.post(f"{sb.wiki_url}/rest/api/content", json={
                "type": "page", "title": f"SHOP working note {n:03d}", "space": {"key": "PMO"},
                "body": {"storage": {"value": "<p>n</p>", "representation": "storage"}}}, timeout=10)
            session.post(f"{sb.wiki_url}/rest/api/content/{created.json()['id']}/label",
                         json=[{"prefix": "global", "name": "feasibility-study"}], timeout=10).raise_for_status()
        runtime_for(sb, tmp_path).close()
        sb.reset_stats()
        synced = run_cli("--config", str(tmp_path / "pmokit.yaml"), "sync", "--full", "--project", "SHOP")
        assert synced.exit_code == 0, synced.output
        assert "documents: 141 labelled Confluence page(s) in 11 project(s)" in synced.output
        assert sb.stats()["requests"]["GET /confluence/rest/api/content/search"] == 2  # 100 a page


MINIMAL = """\
jira:
  url: https://example.atlassian.net
  auth: {type: cloud, email: bot@example.com, api_token: '${T}'}
confluence:
  url: URL
AUTH  space: PMO
portfolio:
  name: Shop
  programs:
    - {key: web, name: Web, projects: [SHOP]}
phases:
  - {id: initiation, name: Initiation, statuses: [To Do]}
"""


@pytest.mark.parametrize(("url", "auth", "said"), [
    ("https://shop-example.atlassian.net/wiki", "  auth: {type: pat, token: '${T}'}\n",
     "a personal access token (type: pat) is Confluence Data Center's"),
    ("http://127.0.0.1:8765/wiki", "  auth: {type: pat, token: '${T}'}\n", "its path with /wiki"),
    ("https://wiki.shop-example.com/confluence", "  auth: {type: cloud, email: b@shop.example, api_token: '${T}'}\n",
     "a Data Center has no Atlassian API tokens"),
    ("https://shop-example.atlassian.net/wiki", "  flavor: datacenter\n  auth: {type: cloud, email: b@s.example, "
     "api_token: '${T}'}\n", "flavor: datacenter"),
])
def test_credentials_of_the_other_flavour_are_refused_where_they_are_written(write_yaml, run_cli, url, auth, said):
    """Sources: "Basic auth for REST APIs" (Cloud: an email and an API token) and "Using personal access tokens"
    (Data Center: bearer tokens). pmokit says so when the configuration is checked, at the line of `auth`, rather
    than meeting a 401 at the first publish."""
    path = write_yaml("pmokit.yaml", MINIMAL.replace("URL", url).replace("AUTH", auth))
    result = run_cli("--config", str(path), "config", "validate")
    assert result.exit_code != 0, result.output
    lines = path.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith("  auth:") and n > lines.index("confluence:"))
    assert f"pmokit.yaml:{line}:" in result.output and "confluence.auth.type" in result.output, result.output
    assert said in result.output


@pytest.mark.parametrize(("url", "auth"), [
    ("https://shop-example.atlassian.net/wiki", "  auth: {type: cloud, email: b@s.example, api_token: '${T}'}\n"),
    ("https://wiki.shop-example.com/confluence", "  auth: {type: pat, token: '${T}'}\n"),
    ("https://wiki.shop-example.com", "  auth: {type: basic, username: bot, password: '${T}'}\n"),
    ("https://wiki.shop-example.com/wiki", "  flavor: datacenter\n  auth: {type: pat, token: '${T}'}\n"),
])
def test_credentials_of_the_sites_flavour_are_taken(write_yaml, run_cli, url, auth):
    path = write_yaml("pmokit.yaml", MINIMAL.replace("URL", url).replace("AUTH", auth))
    result = run_cli("--config", str(path), "config", "validate")
    assert result.exit_code == 0, result.output
