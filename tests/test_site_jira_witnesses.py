"""The `jira` library (pycontribs/jira) as witness of every Jira call pmokit makes, on Cloud and on Data Center.

pmokit's tests agreeing with pmokit's own sandbox prove little; the library is written against real Jira by
others, so what it parses is what real answers look like. Each call below is driven through the library's own
method where it has one (built with ``validate=True``, as pmokit's bot: e-mail and API token on Cloud, a personal
access token on Data Center) and through the library's session where it has none, and the test asserts the
answer: values, keys, counts, order, paging, and the Resource objects the library made of it.

The calls, as ``connector/`` makes them (``{v}`` is 3 on Cloud, 2 on Data Center):

=======  =====================================================  =============================================
method   path                                                   where pmokit uses it
=======  =====================================================  =============================================
GET      /rest/api/2/serverInfo                                 jira_client ``flavor`` (``flavor: auto``)
GET      /rest/api/2/myself                                     jira_client ``account`` (sync's time zone,
                                                                its own comments and events)
GET      /rest/api/2/field                                      jira_client ``fields`` (vocabulary, sync)
GET      /rest/api/{v}/group/member?groupname=&startAt=         jira_client ``group_members`` (gate approvers)
GET      /rest/api/{v}/user/search?query= (Cloud),              jira_client ``user_id`` (approvers named by
         ?username= (DC)                                        e-mail)
GET      /rest/api/{v}/user?accountId= (Cloud), ?username= (DC) jira_client ``user_id`` (approvers by id/name)
POST     /rest/api/3/search/jql (ids, 5,000 a page, cursor)     jira_reader ``ids`` (sync, reconcile, check)
POST     /rest/api/3/search/jql (``key``, one issue)            jira_writer ``_search_one`` (create_issue)
POST     /rest/api/3/issue/bulkfetch (fields, changelog)        jira_reader ``_fetch_cloud``; ``still_there``
                                                                (``project``); ``comments`` (``comment``)
POST     /rest/api/3/changelog/bulkfetch (cursor)               jira_reader ``changelogs`` (cut changelogs)
POST     /rest/api/2/search (startAt, expand [changelog])       jira_reader ``_dc_pages`` (Data Center)
GET      /rest/api/2/search?jql=&fields=key&maxResults=1        jira_writer ``_search_one`` (Data Center)
GET      /rest/api/2/issue/{id}?expand=changelog&fields=updated jira_reader ``_fetch_dc`` (a cut changelog)
GET      /rest/api/2/issue/{id}?fields=comment                  jira_reader ``comments`` (Data Center)
GET      /rest/api/{v}/issue/{key}/remotelink                   jira_reader ``remote_links`` (sync)
GET      /rest/api/{v}/issue/{key}?fields=labels|status|<id>    jira_writer ``current`` (labels, status, fields)
GET      /rest/api/{v}/issue/{id}?fields=key                    jira_writer ``_made_before``
GET      /rest/api/{v}/issue/{key}/comment?startAt=&maxResults  jira_writer ``_own_comments``
POST     /rest/api/{v}/issue/{key}/comment                      jira_writer ``upsert_comment``
PUT      /rest/api/{v}/issue/{key}/comment/{id}                 jira_writer ``_put_comment``
DELETE   /rest/api/{v}/issue/{key}/comment/{id}                 jira_writer ``_delete`` (duplicates, removal)
PUT      /rest/api/{v}/issue/{key} ``update.labels`` add/remove jira_writer ``update_labels``
PUT      /rest/api/{v}/issue/{key} ``fields``                   jira_writer ``set_field``
GET      /rest/api/{v}/issue/{key}/transitions                  jira_writer ``transitions``
POST     /rest/api/{v}/issue/{key}/transitions (+ ``fields``)   jira_writer ``_take`` (rules' transitions)
POST     /rest/api/{v}/issue (``fields``, ``properties``)       jira_writer ``create_issue``
PUT/GET  /rest/api/{v}/project/{key}/properties/{key}           jira_writer ``create_issue``/``_made_before``
POST     /rest/webhooks/1.0/webhook                             pmokit/cli/demo_cmd ``_serve`` (the demo)
GET/POST /rest/webhooks/1.0/webhook                             jira_webhooks (``pmokit webhook register|list``)
PUT/DEL  /rest/webhooks/1.0/webhook/{id}                        jira_webhooks (``pmokit webhook register|delete``)
=======  =====================================================  =============================================

``report_jobs/`` (the syncer; the worker's writes) and ``rules/`` (``rules.actions`` through the writer) reach Jira
only through these, ``webhooks/`` not at all (it verifies and stores what Jira sends); the command line through the
runtime (``check`` reads ids, ``serve`` looks up the approvers, ``demo`` registers its webhook).

The library's methods build their URLs with its ``rest_api_version`` (3 here on Cloud), its ``session()`` aside;
it tells the flavour from ``serverInfo.deploymentType`` itself: ``search_issues`` is ``enhanced_search_issues``
(``search/jql``, page tokens) on Cloud and ``search`` (``startAt``, ``total``) on Data Center. It has no method for
``issue/bulkfetch``, ``changelog/bulkfetch``, ``issue/{key}/changelog``, project properties, the ``properties`` of a
create, ``group/member`` (its ``group_members`` reads ``GET group?expand=users``) or webhook registration: those go
through its session. Its ``search_issues(use_post=True)`` sends ``expand`` as a string, which Data Center's POST
search refuses; pmokit sends a list.

Differences found and fixed in the sandbox (sources in the tests): ``GET /rest/api/{2,3}/group`` was not served
(the library's ``group_members`` got a 404); Data Center's POST ``search`` took ``expand``/``fields`` as strings,
where real Jira answers 400; a registered webhook's ``lastUpdated`` was the time of each read. Nothing pmokit does
disagreed with the library.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime

import pytest
from jira import JIRA, JIRAError
from jira.resources import Comment, Issue, RemoteLink, Status, User

from connector.jira_reader import JiraReader
from connector.jira_writer import CREATED_PROPERTY, _ledger_key
from connector.translate import issue_from_json, remote_link_from_json
from sandbox import BOT_ACCOUNT_ID, BOT_EMAIL, BOT_NAME, BOT_TOKEN, Sandbox
from sandbox.histories import all_histories
from sandbox.server import ADMIN_EMAIL, ADMIN_TOKEN
from tests.conftest import ANCHOR

FLAVOURS = ["cloud", "datacenter"]
RECORD = "SHOP-1"  # a project record: comments (gate decisions) and remote links (its documents)
STORY = "SHOP-20"  # a story in the software workflow, labels ['double-11', 'mobile'], story points 13
LONG = "SHOP-142"  # 154 histories: cut inline on Cloud (100 on an issue, 40 in bulkfetch)
SHORT = "SHOP-15"  # 14 histories: whole everywhere


# -- sandboxes and clients ----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def cloud_site() -> Iterator[Sandbox]:
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor="cloud") as sb:
        yield sb


@pytest.fixture(scope="module")
def datacenter_site() -> Iterator[Sandbox]:
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor="datacenter") as sb:
        yield sb


@pytest.fixture(params=FLAVOURS)
def site(request) -> Sandbox:
    """A sandbox of each flavour, shared by the tests of this module that only read."""
    return request.getfixturevalue(f"{request.param}_site")


@pytest.fixture(params=FLAVOURS)
def fresh(request) -> Iterator[Sandbox]:
    """A sandbox of each flavour of its own, for a test that writes."""
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor=request.param) as sb:
        yield sb


def cloud(sb: Sandbox) -> bool:
    return sb.options.flavor == "cloud"


def client(sb: Sandbox, api: str | None = None) -> JIRA:
    """The library as pmokit's bot, its login checked; REST v3 on Cloud unless ``api`` says (pmokit reads the
    site's facts through v2 there), v2 on Data Center (the only version it serves)."""
    version = api or ("3" if cloud(sb) else "2")
    auth = {"basic_auth": (BOT_EMAIL, BOT_TOKEN)} if cloud(sb) else {"token_auth": BOT_TOKEN}
    lib = JIRA(server=sb.url, options={"rest_api_version": version}, validate=True, max_retries=0, timeout=20,
               **auth)
    assert lib._is_cloud is cloud(sb)  # from serverInfo.deploymentType, which the library reads itself
    return lib


def post(lib: JIRA, path: str, body: dict) -> dict:
    """A POST through the library's session (for the calls it has no method for); its errors are JIRAErrors."""
    return json.loads(lib._session.post(lib._get_url(path), data=json.dumps(body)).text or "null")


def put(lib: JIRA, path: str, body: dict) -> int:
    return int(lib._session.put(lib._get_url(path), data=json.dumps(body)).status_code)


def get(lib: JIRA, path: str, **params) -> dict:
    return lib._get_json(path, params=params)


def doc(text: str) -> dict:
    return {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text",
                                                                                          "text": text}]}]}


def body_for(sb: Sandbox, text: str) -> dict | str:
    """A comment or description as pmokit writes it: ADF on Cloud's v3, wiki markup on Data Center."""
    return doc(text) if cloud(sb) else text


def text_of(lib_body) -> str:
    """What the library made of a body: the string (wiki markup), or the text of a one-paragraph ADF document
    (parsed into PropertyHolders: ``.type``, ``.content[0].content[0].text``)."""
    if isinstance(lib_body, str):
        return lib_body
    assert lib_body.type == "doc"
    return "".join(node.text for node in lib_body.content[0].content)


def instant(text: str) -> datetime:
    """A Jira time (``2026-11-15T18:38:00.000+0800``) read here, not by pmokit's parser."""
    return datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%f%z")


def history_ids(histories) -> list[str]:
    return [str(h["id"] if isinstance(h, dict) else h.id) for h in histories]


def chronological(histories) -> list[str]:
    """Ids by the instant each history was made, then id: the order, whatever order the answer gave."""
    def when(h) -> tuple[datetime, int]:
        created = h["created"] if isinstance(h, dict) else h.created
        return instant(created), int(h["id"] if isinstance(h, dict) else h.id)
    return history_ids(sorted(histories, key=when))


# -- the site's facts -----------------------------------------------------------------------------------------
def test_server_info_myself_and_fields(site):
    """pmokit reads these three through v2 on both flavours."""
    lib = client(site, api="2")
    info = lib.server_info()
    assert info["deploymentType"] == ("Cloud" if cloud(site) else "Server")
    assert all(isinstance(n, int) for n in info["versionNumbers"]) and lib._version == tuple(info["versionNumbers"])
    me = lib.myself()
    if cloud(site):
        assert me["accountId"] == BOT_ACCOUNT_ID and "name" not in me and "key" not in me
    else:
        assert me["name"] == me["key"] == BOT_NAME and "accountId" not in me
    assert me["displayName"] == "pmokit bot" and me["emailAddress"] == BOT_EMAIL and me["timeZone"]
    assert lib.session().raw["name"]  # validate=True's own call
    fields = lib.fields()
    ids = [f["id"] for f in fields]
    assert len(ids) == len(set(ids)) and {"summary", "status", "labels", "updated", "duedate", "comment"} <= set(ids)
    points = next(f for f in fields if f["name"] == "Story Points")
    assert points["custom"] is True and points["id"].startswith("customfield_")
    # The library maps JQL clause names to ids from the same list (its search translates fields by it).
    assert lib._fields_cache["Story Points"] == points["id"] and lib._fields_cache["summary"] == "summary"


def test_group_members_and_user_lookups(site):
    """``group_members`` reads ``GET group?groupname=&expand=users`` — a call the sandbox did not serve. Sources:
    Jira's REST reference for ``GET /rest/api/{2,3}/group`` (deprecated for ``group/member``, still served: up to 50
    users a page, ``users[start:end]`` for more) and its sample answer, where ``users.size`` is the group's size."""
    lib = client(site)
    pmo = sorted(site.state.groups["pmo"])
    idents = sorted(site.state.users[a].account_id if cloud(site) else site.state.users[a].name for a in pmo)
    members = lib.group_members("pmo")
    assert list(members) == idents  # keyed by accountId (Cloud: no name) or name (Data Center), sorted
    bot = members[BOT_ACCOUNT_ID if cloud(site) else BOT_NAME]
    assert bot["fullname"] == "pmokit bot" and bot["active"] is True
    assert bot["accountId" if cloud(site) else "name"] == (BOT_ACCOUNT_ID if cloud(site) else BOT_NAME)
    # pmokit's call: group/member, paged by startAt with isLast, the same people.
    page = get(lib, "group/member", groupname="pmo", startAt=0, maxResults=2)
    assert (page["total"], page["maxResults"], page["isLast"], len(page["values"])) == (len(pmo), 2, False, 2)
    rest = get(lib, "group/member", groupname="pmo", startAt=2, maxResults=50)
    assert rest["isLast"] is True
    assert sorted(str(m.get("accountId") or m.get("name")) for m in page["values"] + rest["values"]) == idents
    with pytest.raises(JIRAError) as missing:
        lib.group_members("no-such-group")
    assert missing.value.status_code == 404

    # user/search: Cloud by `query`, Data Center by `username` (an e-mail address matches there too).
    email = "li.na@example.com"
    found = lib.search_users(query=email) if cloud(site) else lib.search_users(user=email)
    assert len(found) == 1 and isinstance(found[0], User) and found[0].emailAddress == email
    person = found[0]
    ident = person.accountId if cloud(site) else person.name
    assert ident == (next(u.account_id for u in site.state.users.values() if u.email == email) if cloud(site)
                     else "li.na")
    # user: by accountId on Cloud, username on Data Center (the library picks the parameter by flavour).
    again = lib.user(ident)
    assert isinstance(again, User) and again.displayName == person.displayName == "李娜"
    assert not hasattr(again, "name") if cloud(site) else again.key == "li.na"
    with pytest.raises(JIRAError) as nobody:
        lib.user("no-such-person")
    assert nobody.value.status_code == 404


# -- search --------------------------------------------------------------------------------------------------
def test_search_for_ids_and_for_one_key(site):
    lib = client(site)
    jql = "project = SHOP ORDER BY key"
    keys = sorted((i for i in site.state.live_issues() if i.project_key == "SHOP"), key=lambda i: i.number)
    expected = [str(i.id) for i in keys]
    if cloud(site):
        # The library follows page tokens (100 a page) only with maxResults=0; pmokit asks 5,000 ids a page.
        everything = lib.enhanced_search_issues(jql, maxResults=0, fields=["id"], use_post=True)
        assert [i.id for i in everything] == expected and all(isinstance(i, Issue) for i in everything)
        assert everything.nextPageToken is None
        first = lib.enhanced_search_issues(jql, maxResults=10, fields=["id"], use_post=True)
        assert [i.id for i in first] == expected[:10] and isinstance(first.nextPageToken, str)
        second = lib.enhanced_search_issues(jql, nextPageToken=first.nextPageToken, maxResults=10, fields=["id"],
                                            use_post=True)
        assert [i.id for i in second] == expected[10:20]
        page = post(lib, "search/jql", {"jql": jql, "maxResults": 5000, "fields": ["id"]})
        assert [i["id"] for i in page["issues"]] == expected and page["isLast"] is True
        assert "nextPageToken" not in page and "total" not in page  # the last page: no token; never a total
        one = lib.enhanced_search_issues(f'project = "SHOP" AND labels = "{site.state.issue(RECORD).labels[0]}"',
                                         maxResults=1, fields=["key"], use_post=True, json_result=True)
        assert [i["key"] for i in one["issues"]] == [RECORD] and one["isLast"] is True
        # The old search is gone on Cloud: the library refuses a startAt itself, the site answers 410.
        with pytest.raises(JIRAError) as gone:
            lib._get_json("search", params={"jql": jql})
        assert gone.value.status_code == 410
    else:
        everything = lib.search_issues(jql, maxResults=False, fields="id", use_post=True)
        assert [i.id for i in everything] == expected and everything.total == len(expected)
        # pmokit's POST: startAt paging with a total, the changelog expanded as a list.
        page = post(lib, "search", {"jql": jql, "startAt": 240, "maxResults": 1000, "fields": ["updated"],
                                    "expand": ["changelog"]})
        assert (page["startAt"], page["total"], len(page["issues"])) == (240, len(expected), len(expected) - 240)
        assert [i["id"] for i in page["issues"]] == expected[240:]
        assert all(set(i["fields"]) == {"updated"} and "histories" in i["changelog"] for i in page["issues"])
        # The library's POST sends expand as a string; Data Center's SearchRequestBean takes a list and its JSON
        # mapping refuses a string (floralvikings/jira-connector#10 recorded the 400; the REST reference documents
        # `expand` and `fields` as arrays). The sandbox took the string before.
        with pytest.raises(JIRAError) as refused:
            lib.search_issues(jql, maxResults=5, fields="id", expand="changelog", use_post=True)
        assert refused.value.status_code == 400
        assert "Can not deserialize instance of java.util.ArrayList out of VALUE_STRING token" in refused.value.text
        # pmokit's lookup of a created issue: a GET of one key.
        one = lib.search_issues(f'project = "SHOP" AND labels = "{site.state.issue(RECORD).labels[0]}"',
                                maxResults=1, fields="key")
        assert [i.key for i in one] == [RECORD] and one.total >= 1 and one.maxResults == 1


# -- issues, changelogs, comments, links --------------------------------------------------------------------
def test_issue_reads_as_the_writer_and_the_data_center_reader_make_them(site):
    lib = client(site)
    state = site.state
    story = state.issue(STORY)
    labels = lib.issue(STORY, fields="labels")
    assert labels.key == STORY and labels.fields.labels == story.labels and set(labels.raw["fields"]) == {"labels"}
    status = lib.issue(STORY, fields="status").fields.status
    assert isinstance(status, Status) and status.name == state.statuses[story.status].name
    assert status.statusCategory.key in ("new", "indeterminate", "done")
    points = lib.issue(STORY, fields="customfield_10016").fields.customfield_10016
    assert points == story.custom["customfield_10016"] == 13
    by_id = lib.issue(str(story.id), fields="key")
    assert (by_id.id, by_id.key) == (str(story.id), STORY)
    with pytest.raises(JIRAError) as missing:
        lib.issue("999999999", fields="key")
    assert missing.value.status_code == 404

    long = lib.issue(LONG, fields="updated", expand="changelog")
    truth = all_histories(state, state.issue(LONG))
    log = long.changelog
    assert log.total == len(truth) == 154
    if cloud(site):
        # Cut to the newest 100, "sorted by date, starting from the most recent" (Cloud's REST reference for the
        # `changelog` expansion), with nothing to page on.
        assert (log.startAt, log.maxResults, len(log.histories)) == (0, 100, 100)
        assert history_ids(log.histories) == history_ids(reversed(truth[-100:]))
    else:
        # Data Center gives the whole changelog of one issue (pmokit's fallback for a cut one).
        assert len(log.histories) == log.maxResults == 154
        assert chronological(log.histories) == history_ids(truth)
    assert all(isinstance(h.author, User) and instant(h.created) <= instant(long.fields.updated)
               and all(hasattr(item, "field") and hasattr(item, "toString") for item in h.items)
               for h in log.histories)

    record = lib.issue(str(state.issue(RECORD).id), fields="comment")
    comments = record.fields.comment.comments
    assert record.fields.comment.total == len(comments) == len(state.issue(RECORD).comments) == 3
    assert all(isinstance(c, Comment) and isinstance(c.author, User) for c in comments)
    assert [c.id for c in comments] == [c["id"] for c in state.issue(RECORD).comments]


def test_comments_remote_links_and_transitions(site):
    lib = client(site)
    record = site.state.issue(RECORD)
    listed = lib.comments(RECORD)
    page = get(lib, f"issue/{RECORD}/comment", startAt=0, maxResults=100)  # pmokit's paged read
    assert [c.id for c in listed] == [c["id"] for c in page["comments"]] == [c["id"] for c in record.comments]
    assert (page["startAt"], page["total"]) == (0, 3)
    first = listed[0]
    assert isinstance(first, Comment) and first.self.endswith(f"/issue/{record.id}/comment/{first.id}")
    assert text_of(first.body) and instant(first.created) <= instant(first.updated)
    assert (first.author.accountId if cloud(site) else first.author.name)
    again = lib.comment(RECORD, first.id)
    assert again.raw == first.raw

    links = lib.remote_links(RECORD)
    assert [link.id for link in links] == [link["id"] for link in record.remote_links]
    assert all(isinstance(link, RemoteLink) for link in links)
    assert [link.object.title for link in links] == [link["title"] for link in record.remote_links]
    assert [link.object.url for link in links] == [site.url + link["url"] for link in record.remote_links]

    offered = lib.transitions(STORY)
    names = [(t["id"], t["name"], t["to"]["name"]) for t in offered]
    assert names and all(isinstance(t["hasScreen"], bool) for t in offered)
    assert lib.find_transitionid_by_name(STORY, names[0][1]) == names[0][0]
    phases = lib.transitions("OMS-1")  # a project record in Initiation: the next phase, or stop
    assert [(t["name"], t["to"]["name"]) for t in phases] == [("Planning", "Planning"), ("Cancel", "Cancelled")]
    assert all(t["to"]["statusCategory"]["key"] for t in phases)


def test_bulk_reads(site):
    """Cloud's bulk reads (the library has no methods for them); Data Center has neither, and pmokit asks neither
    there."""
    lib = client(site)
    state = site.state
    wanted = [str(state.issue(k).id) for k in (LONG, SHORT, STORY)]
    if not cloud(site):
        for path in ("issue/bulkfetch", "changelog/bulkfetch"):
            with pytest.raises(JIRAError) as absent:
                post(lib, path, {"issueIdsOrKeys": wanted})
            assert absent.value.status_code == 404
        return
    page = post(lib, "issue/bulkfetch", {"issueIdsOrKeys": wanted, "fields": ["summary", "status", "labels",
                                                                               "updated"], "expand": ["changelog"]})
    assert [i["id"] for i in page["issues"]] == sorted(wanted, key=int) and page["issueErrors"] == []
    issues = {i["key"]: Issue(lib._options, lib._session, raw=i) for i in page["issues"]}
    for key, issue in issues.items():
        single = lib.issue(key, fields="summary,status,labels,updated")
        assert issue.fields.summary == single.fields.summary and issue.fields.labels == single.fields.labels
        assert issue.fields.status.name == single.fields.status.name
        assert issue.fields.updated == single.fields.updated
    # bulkfetch's inline changelog holds at most 40 histories: SHORT whole, LONG cut, both saying their total.
    assert issues[SHORT].changelog.total == len(issues[SHORT].changelog.histories) == 14
    assert issues[LONG].changelog.total == 154 and len(issues[LONG].changelog.histories) == 40
    projects = post(lib, "issue/bulkfetch", {"issueIdsOrKeys": [*wanted, "999999999"], "fields": ["project"]})
    assert {i["fields"]["project"]["key"] for i in projects["issues"]} == {"SHOP"}
    assert [e["issueIdsOrKeys"] for e in projects["issueErrors"]] == [["999999999"]]
    comments = post(lib, "issue/bulkfetch", {"issueIdsOrKeys": [str(state.issue(RECORD).id)], "fields": ["comment"]})
    assert len(comments["issues"][0]["fields"]["comment"]["comments"]) == 3

    # changelog/bulkfetch: cursor paged, histories by date then issue id; gathered, each issue's whole changelog.
    gathered: dict[str, list[dict]] = {}
    token, pages = None, 0
    while True:
        body = {"issueIdsOrKeys": wanted[:2], "maxResults": 50, **({"nextPageToken": token} if token else {})}
        answer = post(lib, "changelog/bulkfetch", body)
        pages += 1
        for entry in answer["issueChangeLogs"]:
            gathered.setdefault(entry["issueId"], []).extend(entry["changeHistories"])
        token = answer.get("nextPageToken")
        if not token:
            break
    assert pages == 4  # 168 histories, 50 a page
    long_id = str(state.issue(LONG).id)
    assert history_ids(gathered[long_id]) == history_ids(all_histories(state, state.issue(LONG)))
    # The newest 100 of them are what the library's issue(expand="changelog") gave, newest first.
    inline = lib.issue(LONG, fields="updated", expand="changelog").changelog.histories
    assert history_ids(inline) == history_ids(gathered[long_id])[::-1][:100]


# -- writes --------------------------------------------------------------------------------------------------
def test_comment_written_updated_and_deleted(fresh):
    lib = client(fresh)
    made = lib.add_comment(STORY, body_for(fresh, "Gate check [pmokit:compliance]"))
    story = fresh.state.issue(STORY)
    assert isinstance(made, Comment) and made.self.endswith(f"/issue/{story.id}/comment/{made.id}")
    assert (made.author.accountId == BOT_ACCOUNT_ID) if cloud(fresh) else (made.author.name == BOT_NAME)
    assert text_of(made.body) == "Gate check [pmokit:compliance]"
    assert [c.id for c in lib.comments(STORY)][-1] == made.id
    made.update(body=body_for(fresh, "Checked again [pmokit:compliance]"))  # PUT to its self, then read back
    assert text_of(made.body) == "Checked again [pmokit:compliance]"
    assert text_of(lib.comment(STORY, made.id).body) == "Checked again [pmokit:compliance]"
    assert instant(made.updated) >= instant(made.created)
    assert made.delete().status_code == 204
    assert made.id not in [c.id for c in lib.comments(STORY)]
    with pytest.raises(JIRAError) as gone:
        lib.comment(STORY, made.id)
    assert gone.value.status_code == 404
    with pytest.raises(JIRAError) as twice:  # pmokit takes a 404 on a delete for done already
        made.delete()
    assert twice.value.status_code == 404


def test_labels_fields_and_transitions_written(fresh):
    lib = client(fresh)
    issue = lib.issue(STORY, fields="labels,duedate,customfield_10100,status")
    assert issue.fields.labels == ["double-11", "mobile"]
    issue.add_field_value("labels", "pmokit-flagged")  # exactly pmokit's {"update": {"labels": [{"add": …}]}}
    assert lib.issue(STORY, fields="labels").fields.labels == ["double-11", "mobile", "pmokit-flagged"]
    issue.update(update={"labels": [{"add": "pmokit-review"}, {"remove": "mobile"}]})
    assert issue.fields.labels == ["double-11", "pmokit-flagged", "pmokit-review"]
    issue.update(fields={"duedate": "2026-12-24", "customfield_10100": 120000})
    again = lib.issue(STORY, fields="duedate,customfield_10100")
    assert (again.fields.duedate, again.fields.customfield_10100) == ("2026-12-24", 120000)

    offered = {t["to"]["name"]: t["id"] for t in lib.transitions(STORY)}
    start = issue.fields.status.name
    target = "In Progress" if start != "In Progress" else "To Do"
    assert lib.transition_issue(STORY, offered[target]) == {}  # 204, no body
    assert lib.issue(STORY, fields="status").fields.status.name == target
    done = {t["to"]["name"]: t for t in lib.transitions(STORY)}["Done"]
    lib.transition_issue(STORY, done["id"], fields={"resolution": {"name": "Won't Do"}})
    closed = lib.issue(STORY, fields="status,resolution,resolutiondate")
    assert (closed.fields.status.name, closed.fields.resolution.name) == ("Done", "Won't Do")
    assert closed.fields.resolutiondate
    assert done["id"] not in {t["id"] for t in lib.transitions(STORY)}
    with pytest.raises(JIRAError) as refused:  # a transition not offered now: Done again
        lib.transition_issue(STORY, done["id"])
    assert refused.value.status_code == 400 and f"Transition id '{done['id']}' is not valid" in refused.value.text
    items = [(i.field, getattr(i, "toString", None)) for h in
             lib.issue(STORY, fields="updated", expand="changelog").changelog.histories for i in h.items]
    assert ("status", "Done") in items and ("labels", "double-11 pmokit-flagged pmokit-review") in items


def test_issue_created_with_its_properties_and_the_project_ledger(fresh):
    lib = client(fresh)
    label = "pmokit-witness-1"
    made = lib.create_issue(fields={"project": {"key": "SHOP"}, "issuetype": {"name": "Task"},
                                    "summary": "Kick-off meeting 启动会", "labels": [label],
                                    "description": body_for(fresh, "Agenda")})
    assert isinstance(made, Issue) and made.key.startswith("SHOP-") and made.id.isdigit()
    assert (made.fields.summary, made.fields.labels, made.fields.issuetype.name, made.fields.project.key) == (
        "Kick-off meeting 启动会", [label], "Task", "SHOP")
    assert text_of(made.fields.description) == "Agenda"
    # The issue property pmokit keeps the idempotency key in (201 made, 200 replaced).
    assert lib.add_issue_property(made.key, CREATED_PROPERTY, {"idempotencyKey": "k-1"}).status_code == 201
    assert lib.add_issue_property(made.key, CREATED_PROPERTY, {"idempotencyKey": "k-2"}).status_code == 200
    kept = lib.issue_property(made.key, CREATED_PROPERTY)
    assert (kept.key, kept.value.idempotencyKey) == (CREATED_PROPERTY, "k-2")
    assert [p.key for p in lib.issue_properties(made.key)] == [CREATED_PROPERTY]
    # pmokit's create carries the property in the same POST (the library cannot send `properties`).
    created = post(lib, "issue", {"fields": {"project": {"key": "SHOP"}, "issuetype": {"name": "Task"},
                                             "summary": "Risk workshop", "labels": ["pmokit-witness-2"]},
                                  "properties": [{"key": CREATED_PROPERTY, "value": {"idempotencyKey": "k-3"}}]})
    assert set(created) == {"id", "key", "self"} and created["self"].endswith(f"/issue/{created['id']}")
    assert lib.issue_property(created["key"], CREATED_PROPERTY).value.idempotencyKey == "k-3"
    # The project's ledger: a property per key, 201 then 200, read back as {key, value}; a missing one is a 404.
    ledger = f"project/SHOP/properties/{_ledger_key('k-3')}"
    value = {"idempotencyKey": "k-3", "issueId": created["id"]}
    assert put(lib, ledger, value) == 201 and put(lib, ledger, value) == 200
    assert get(lib, ledger) == {"key": _ledger_key("k-3"), "value": value}
    with pytest.raises(JIRAError) as none:
        get(lib, f"project/SHOP/properties/{_ledger_key('never')}")
    assert none.value.status_code == 404
    assert lib.issue(created["id"], fields="key").key == created["key"]


def test_the_demo_registers_its_webhook(fresh):
    """pmokit's demo registers its receiver as the site's admin (``rest/webhooks/1.0/webhook``, Jira's webhook
    REST API; the library has no method for it)."""
    admin = (JIRA(server=fresh.url, basic_auth=(ADMIN_EMAIL, ADMIN_TOKEN), validate=True, max_retries=0)
             if cloud(fresh) else JIRA(server=fresh.url, token_auth=ADMIN_TOKEN, validate=True, max_retries=0))
    hook = {"name": "pmokit demo", "url": "http://127.0.0.1:9/webhooks/jira", "secret": "sandbox",
            "events": ["jira:issue_created", "jira:issue_updated", "comment_created"]}
    response = admin._session.post(f"{fresh.url}/rest/webhooks/1.0/webhook", data=json.dumps(hook))
    assert response.status_code == 201
    made = response.json()
    assert (made["name"], made["url"], made["events"], made["enabled"]) == (hook["name"], hook["url"],
                                                                           hook["events"], True)
    assert made["lastUpdatedUser"] == (admin.myself()["accountId"] if cloud(fresh) else "admin")
    # Read again, it is the same webhook, last updated when it was registered (the sandbox said "now" on each read).
    assert admin._session.get(made["self"]).json() == made
    assert json.loads(admin._session.get(f"{fresh.url}/rest/webhooks/1.0/webhook").text) == [made]


# -- pmokit and the library, side by side ---------------------------------------------------------------------
def test_pmokit_and_the_library_read_the_same_facts(site, tmp_path):
    from tests.syncing import runtime_for

    lib = client(site)
    runtime = runtime_for(site, tmp_path)
    try:
        jira = runtime.jira
        reader = JiraReader(jira)
        assert jira.flavor == site.options.flavor
        me = client(site, api="2").myself()
        assert jira.account.ident == (me["accountId"] if cloud(site) else me["name"])
        assert jira.account.time_zone == me["timeZone"] and jira.account.display_name == me["displayName"]
        assert dict(jira.fields.by_id) == {f["id"]: f["name"] for f in lib.fields()}
        assert sorted(jira.group_members("pmo")) == list(lib.group_members("pmo"))
        email = "li.na@example.com"
        person = lib.search_users(query=email) if cloud(site) else lib.search_users(user=email)
        assert jira.user_id(email) == (person[0].accountId if cloud(site) else person[0].name)

        keys = [RECORD, STORY, LONG, SHORT]
        ids = [str(site.state.issue(k).id) for k in keys]
        assert reader.ids("project = SHOP ORDER BY key")[:20] == [
            i.id for i in lib.search_issues("project = SHOP ORDER BY key", maxResults=20, fields="id")]
        fetched = {f.raw["key"]: f for batch in reader.fetch("", ["summary", "status", "labels", "updated",
                                                                  "duedate", "customfield_10016"], ids=ids)
                   for f in batch}
        assert sorted(fetched) == sorted(keys)
        vocab = runtime.vocabulary()
        for key in keys:
            mine = fetched[key]
            theirs = lib.issue(key, fields="summary,status,labels,updated,duedate,customfield_10016",
                               expand="changelog")
            record = issue_from_json(mine.raw, vocab)
            assert (record.key, record.summary, record.status, list(record.labels)) == (
                theirs.key, theirs.fields.summary, theirs.fields.status.name, theirs.fields.labels)
            assert record.updated == instant(theirs.fields.updated)
            assert (record.due.isoformat() if record.due else None) == theirs.fields.duedate
            points = getattr(theirs.fields, "customfield_10016", None)
            assert record.story_points == (float(points) if points is not None else None)
            if key == STORY:
                assert record.story_points == 13.0
            # The same histories in the same order: pmokit's (oldest first, whole) against the library's.
            if cloud(site):
                # Inline newest first and cut at 100; the whole list paged from issue/{key}/changelog ("sorted
                # by date, starting from the oldest"), a call pmokit does not make.
                assert history_ids(theirs.changelog.histories) == history_ids(mine.histories)[::-1][:100]
                whole, start = [], 0
                while True:
                    page = get(lib, f"issue/{key}/changelog", startAt=start, maxResults=100)
                    whole += page["values"]
                    start += len(page["values"])
                    if page["isLast"]:
                        break
                assert history_ids(mine.histories) == history_ids(whole)
            else:
                assert history_ids(mine.histories) == chronological(theirs.changelog.histories)
            assert mine.coverage == "all" and len(mine.histories) == theirs.changelog.total

        record_id = str(site.state.issue(RECORD).id)
        comments = reader.comments([record_id])[record_id]["comments"]
        assert [(c["id"], c["created"]) for c in comments] == [(c.id, c.created) for c in lib.comments(RECORD)]
        links = [remote_link_from_json(link) for link in reader.remote_links(RECORD)]
        assert [(link.id, link.url, link.title) for link in links] == [
            (str(link.id), link.object.url, link.object.title) for link in lib.remote_links(RECORD)]
    finally:
        runtime.close()
