"""The sandbox's Jira Cloud v3 takes and refuses Atlassian Document Format bodies as Jira Cloud does, over HTTP.

Sources: Atlassian's ADF pages (developer.atlassian.com/cloud/jira/platform/apis/document/structure and
.../document/nodes/<node>, .../document/marks/<mark>), its JSON schema (http://go.atlassian.com/adf-json-schema),
and Jira's answers recorded in public issue threads (repository#number below). The sandbox's ADF code
(sandbox/adf_check.py, sandbox/adf_text.py) shares nothing with pmokit's connector/adf.py; pmokit's own
comment bodies are sent through it at the end.
"""

from __future__ import annotations

import copy
import itertools
import warnings

import pytest
import requests
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from sandbox import Sandbox
from sandbox.adf_check import problem
from sandbox.server import ADMIN_EMAIL, ADMIN_TOKEN
from tests.conftest import ANCHOR

INVALID_INPUT = {"errorMessages": ["INVALID_INPUT"], "errors": {}}


@pytest.fixture(scope="module")
def site():
    """A Cloud sandbox for this module (the tests add comments to their own issues)."""
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        yield sb


def doc(*blocks: dict) -> dict:
    return {"type": "doc", "version": 1, "content": list(blocks)}


def para(*inline: dict) -> dict:
    return {"type": "paragraph", "content": list(inline)}


def text(value: str, *marks: dict) -> dict:
    node = {"type": "text", "text": value}
    if marks:
        node["marks"] = list(marks)
    return node


def _comment(sb, key: str, body, version: int = 3) -> requests.Response:
    return sb.session().post(f"{sb.url}/rest/api/{version}/issue/{key}/comment", json={"body": body})


# -- accepted: Atlassian's own examples, node by node -------------------------------------------------------------
ACCEPTED = {
    # nodes/doc
    "doc": doc(para(text("Hello world"))),
    # nodes/heading, nodes/paragraph with nodes/hardBreak
    "heading-and-hard-break": doc({"type": "heading", "attrs": {"level": 1}, "content": [text("Heading 1")]},
                                  para(text("Hello"), {"type": "hardBreak"}, text("world"))),
    # nodes/bulletList, nodes/orderedList (attrs.order), nodes/listItem with a nested list
    "lists": doc({"type": "bulletList", "content": [{"type": "listItem", "content": [
        para(text("Hello world")), {"type": "orderedList", "attrs": {"order": 3}, "content": [
            {"type": "listItem", "content": [para(text("Nested"))]}]}]}]}),
    # nodes/codeBlock
    "code-block": doc({"type": "codeBlock", "attrs": {"language": "javascript"},
                       "content": [text("var foo = {};\nvar bar = [];")]}),
    # nodes/panel, nodes/blockquote, nodes/rule
    "panel-quote-rule": doc({"type": "panel", "attrs": {"panelType": "info"}, "content": [para(text("Hello world"))]},
                            {"type": "blockquote", "content": [para(text("Quoted"))]}, {"type": "rule"}),
    # nodes/table, tableRow, tableHeader, tableCell
    "table": doc({"type": "table", "attrs": {"isNumberColumnEnabled": False, "layout": "center"}, "content": [
        {"type": "tableRow", "content": [{"type": "tableHeader", "attrs": {}, "content": [para(text("Head"))]}]},
        {"type": "tableRow", "content": [{"type": "tableCell", "attrs": {}, "content": [para(text("Cell"))]}]}]}),
    # nodes/mention, nodes/emoji, nodes/date, nodes/status, nodes/inlineCard
    "inline-nodes": doc(para({"type": "mention", "attrs": {"id": "ABCDE-ABCDE-ABCDE-ABCDE", "text": "@Bradley Ayers",
                                                            "userType": "APP"}},
                             {"type": "emoji", "attrs": {"shortName": ":grinning:", "text": "😀"}},
                             {"type": "date", "attrs": {"timestamp": "1582152559000"}},
                             {"type": "status", "attrs": {"localId": "abcdef12-abcd-abcd-abcd-123456789012",
                                                          "text": "In Progress", "color": "yellow"}},
                             {"type": "inlineCard", "attrs": {"url": "https://atlassian.com"}})),
    # marks/strong, em, link, textColor, code (code with link is allowed)
    "marks": doc(para(text("bold italic", {"type": "strong"}, {"type": "em"}),
                      text("a link", {"type": "link", "attrs": {"href": "https://atlassian.com"}}),
                      text("grey", {"type": "textColor", "attrs": {"color": "#97a0af"}}),
                      text("code()", {"type": "code"}, {"type": "link", "attrs": {"href": "https://x.example"}}))),
    # nodes/expand; nodes/taskList with the localIds Jira needs
    "expand-and-tasks": doc({"type": "expand", "attrs": {"title": "Details"}, "content": [para(text("Inside"))]},
                            {"type": "taskList", "attrs": {"localId": "t1"}, "content": [
                                {"type": "taskItem", "attrs": {"localId": "t2", "state": "TODO"},
                                 "content": [text("Do it")]}]}),
    # nodes/doc: "content takes zero or more top-level block nodes" (an empty paragraph is one)
    "empty-paragraph-beside-text": doc(para(), para(text("x"))),
}


@pytest.mark.parametrize("name", ACCEPTED)
def test_jira_cloud_takes_atlassians_examples(site, name):
    body = ACCEPTED[name]
    before = len(site.state.issue("SHOP-30").comments)
    response = _comment(site, "SHOP-30", body)
    assert response.status_code == 201, (response.text, response.headers.get("X-Sandbox-Adf-Problem"))
    assert len(site.state.issue("SHOP-30").comments) == before + 1
    assert problem(response.json()["body"]) is None  # what the sandbox answers is valid ADF too


# -- refused -------------------------------------------------------------------------------------------------------
def _broken(mutate) -> dict:
    body = copy.deepcopy(doc(para(text("Hello world"))))
    mutate(body)
    return body


REFUSED = [
    # nodes/doc and the schema's doc_node: version, type and content are required, version is the number 1.
    pytest.param(_broken(lambda d: d.pop("version")), "version 1", id="no-version"),
    pytest.param(_broken(lambda d: d.update(version=2)), "version 1", id="version-2"),
    pytest.param(_broken(lambda d: d.update(version="1")), "version 1", id="version-as-string"),
    pytest.param(_broken(lambda d: d.update(type="paragraph")), 'type "doc"', id="root-not-doc"),
    pytest.param(_broken(lambda d: d.pop("content")), '"content" array', id="no-content"),
    # The schema knows its node types; anything else is refused.
    pytest.param(doc({"type": "fancyBox", "content": []}), "unknown node type 'fancyBox'", id="unknown-node"),
    # nodes/text: text must not be empty (prowler-cloud/prowler#11474: 400 INVALID_INPUT on an empty text node;
    # jenkinsci/JiraTestResultReporter-plugin#287).
    pytest.param(doc(para(text(""))), "non-empty text", id="empty-text"),
    # nodes/doc: top-level content is block nodes, so text cannot sit there.
    pytest.param(doc(text("loose")), "inline text node cannot be inside a doc node", id="inline-at-top"),
    # nodes/paragraph: content is inline nodes; a block where inline is required is refused.
    pytest.param(doc(para(para(text("x")))), "block paragraph node cannot be inside a paragraph", id="block-in-inline"),
    # nodes/bulletList: content is listItem nodes, at least one.
    pytest.param(doc({"type": "bulletList", "content": [para(text("x"))]}), "paragraph node cannot be inside a "
                 "bulletList", id="list-without-item"),
    pytest.param(doc({"type": "bulletList", "content": []}), "at least 1", id="empty-list"),
    # nodes/heading: attrs.level 1-6 is required.
    pytest.param(doc({"type": "heading", "content": [text("x")]}), "attrs.level", id="heading-no-level"),
    pytest.param(doc({"type": "heading", "attrs": {"level": 7}, "content": [text("x")]}), "attrs.level",
                 id="heading-level-7"),
    # RHEcosystemAppEng/sdlc-plugins#206: a taskList/taskItem without localId is a 400 INVALID_INPUT.
    pytest.param(doc({"type": "taskList", "content": [{"type": "taskItem", "content": [text("x")]}]}),
                 "attrs.localId", id="task-without-local-id"),
    # nodes/codeBlock: its text nodes take no marks.
    pytest.param(doc({"type": "codeBlock", "content": [text("x", {"type": "strong"})]}), "codeBlock cannot have "
                 "marks", id="marked-code"),
    # marks/code: the code mark combines with link only.
    pytest.param(doc(para(text("x", {"type": "code"}, {"type": "strong"}))), "code mark goes with link only",
                 id="code-and-strong"),
    # marks/link: href is required.
    pytest.param(doc(para(text("x", {"type": "link", "attrs": {}}))), "attrs.href", id="link-without-href"),
    # nodes/status: color is one of neutral, purple, blue, red, yellow, green.
    pytest.param(doc(para({"type": "status", "attrs": {"text": "x", "color": "orange"}})), "attrs.color",
                 id="status-colour"),
    # nodes/mention: attrs.id is required.
    pytest.param(doc(para({"type": "mention", "attrs": {"text": "@x"}})), "attrs.id", id="mention-without-id"),
]


@pytest.mark.parametrize("body, why", REFUSED)
def test_jira_cloud_refuses_these_comment_bodies(site, body, why):
    """Jira's answer to a document it refuses: 400 {"errorMessages": ["INVALID_INPUT"], "errors": {}}
    (whyisdifficult/jiratui#246, nguyenvanduocit/jira-mcp#42); nothing is stored."""
    before = len(site.state.issue("SHOP-31").comments)
    response = _comment(site, "SHOP-31", body)
    assert response.status_code == 400
    assert response.json() == INVALID_INPUT
    assert why in response.headers["X-Sandbox-Adf-Problem"]
    assert len(site.state.issue("SHOP-31").comments) == before


def test_a_plain_string_is_not_a_comment_body_on_v3_but_is_on_v2(site):
    """pchuri/jira-cli#38 (and lesstif/php-jira-rest-client#412, AtlassianPS/JiraPS#666): v3 answers a string
    body with 400 {"errorMessages": [], "errors": {"comment": "Comment body is not valid!"}}; v2 takes it."""
    refused = _comment(site, "SHOP-32", "plain text")
    assert refused.status_code == 400
    assert refused.json() == {"errorMessages": [], "errors": {"comment": "Comment body is not valid!"}}
    assert _comment(site, "SHOP-32", "plain text", version=2).status_code == 201


def test_a_plain_string_is_not_a_description_on_v3(site):
    """lesstif/php-jira-rest-client#280 and andygrunwald/go-jira#741 (POST /rest/api/3/issue): 400
    {"errorMessages": [], "errors": {"description": "Operation value must be an Atlassian Document (see the
    Atlassian Document Format)"}}. A document that fails the schema is INVALID_INPUT (jiratui#246, an edit)."""
    session, url = site.session(), f"{site.url}/rest/api/3"
    created = session.post(f"{url}/issue", json={"fields": {
        "project": {"key": "SHOP"}, "issuetype": {"name": "Task"}, "summary": "x", "description": "Full text"}})
    assert created.status_code == 400
    assert created.json() == {"errorMessages": [], "errors": {
        "description": "Operation value must be an Atlassian Document (see the Atlassian Document Format)"}}
    before = site.state.issue("SHOP-33").description
    edited = session.put(f"{url}/issue/SHOP-33", json={"fields": {"description": doc(para(text("")))}})
    assert edited.status_code == 400 and edited.json() == INVALID_INPUT
    assert site.state.issue("SHOP-33").description == before
    fine = session.put(f"{url}/issue/SHOP-33", json={"fields": {"description": doc(para(text("New text")))}})
    assert fine.status_code == 204 and site.state.issue("SHOP-33").description == "New text"


def test_an_update_is_checked_like_a_create(site):
    added = _comment(site, "SHOP-34", doc(para(text("first"))))
    url = f"{site.url}/rest/api/3/issue/SHOP-34/comment/{added.json()['id']}"
    refused = site.session().put(url, json={"body": doc({"type": "rule", "content": [text("x")]})})
    assert refused.status_code == 400 and refused.json() == INVALID_INPUT
    assert "has no content" in refused.headers["X-Sandbox-Adf-Problem"]
    assert site.state.issue("SHOP-34").comments[-1]["body"] == "first"


# -- what is stored and read back --------------------------------------------------------------------------------
def test_v3_writes_are_read_as_wiki_markup_on_v2_and_wiki_markup_as_adf_on_v3(site):
    """Jira keeps one body and serves it in both forms: v2 wiki markup, v3 ADF."""
    body = doc({"type": "heading", "attrs": {"level": 3}, "content": [text("pmokit: 2 gaps")]},
               {"type": "bulletList", "content": [{"type": "listItem", "content": [para(text("Budget is empty"))]}]},
               para(text("[pmokit:compliance]")))
    added = _comment(site, "SHOP-35", body).json()
    v2 = site.session().get(f"{site.url}/rest/api/2/issue/SHOP-35/comment/{added['id']}").json()
    assert v2["body"] == "h3. pmokit: 2 gaps\n* Budget is empty\n[pmokit:compliance]"
    written = _comment(site, "SHOP-35", "h2. Title\n# first\n# second\n----\n{code:sql}\nselect 1\n{code}",
                       version=2).json()
    v3 = site.session().get(f"{site.url}/rest/api/3/issue/SHOP-35/comment/{written['id']}").json()["body"]
    assert [block["type"] for block in v3["content"]] == ["heading", "orderedList", "rule", "codeBlock"]
    assert v3["content"][3] == {"type": "codeBlock", "attrs": {"language": "sql"}, "content": [text("select 1")]}
    assert problem(v3) is None


WORDS = st.text(alphabet="abcdefgxyz 0123456789中文", min_size=1, max_size=12).map(lambda s: "w" + s.rstrip())
INLINE = st.lists(WORDS, min_size=1, max_size=1).map(lambda words: [text(w) for w in words])
LIST_ITEM = st.builds(lambda words: {"type": "listItem", "content": [para(*words)]}, INLINE)
LIST = st.builds(lambda kind, items: {"type": kind, "content": items}, st.sampled_from(["bulletList", "orderedList"]),
                 st.lists(LIST_ITEM, min_size=1, max_size=3))
BLOCK = st.one_of(
    st.builds(lambda words: para(*words), INLINE),
    st.builds(lambda level, words: {"type": "heading", "attrs": {"level": level}, "content": words},
              st.integers(1, 6), INLINE),
    LIST,
    st.builds(lambda code: {"type": "codeBlock", "content": [text(code)]},
              st.lists(WORDS, min_size=1, max_size=3).map("\n".join)),
    st.just({"type": "rule"}),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(blocks=st.lists(BLOCK, min_size=1, max_size=6))
def test_what_a_v3_client_writes_is_what_it_reads(site, blocks):
    """A document made of the nodes the sandbox keeps (paragraphs, headings, lists, code blocks, rules) comes
    back from v3 as it was sent, as Jira gives back the document it stored."""
    kinds = [b["type"] for b in blocks]
    assume(all(not (a == b and a.endswith("List")) for a, b in itertools.pairwise(kinds)))
    sent = doc(*blocks)
    assert problem(sent) is None
    added = _comment(site, "SHOP-36", sent)
    assert added.status_code == 201, added.headers.get("X-Sandbox-Adf-Problem")
    assert added.json()["body"] == sent


def test_every_v3_body_the_sandbox_serves_is_valid_adf(site):
    """Descriptions and comments of the whole demo site, as search/jql serves them on v3."""
    session, token, checked, issues = site.session(), None, 0, 0
    while True:
        page = session.post(f"{site.url}/rest/api/3/search/jql", json={
            "jql": "project is not EMPTY ORDER BY key", "fields": ["description", "comment"], "maxResults": 100,
            **({"nextPageToken": token} if token else {})}).json()
        issues += len(page["issues"])
        for issue in page["issues"]:
            bodies = [issue["fields"]["description"]] + [c["body"] for c in issue["fields"]["comment"]["comments"]]
            for body in filter(None, bodies):
                assert problem(body) is None, (issue["key"], problem(body))
                checked += 1
        token = page.get("nextPageToken")
        if page["isLast"]:
            break
    assert issues == len(site.state.live_issues())
    expected = sum(bool(i.description) + len(i.comments) for i in site.state.live_issues())
    assert checked == expected > 100


# -- client libraries as witnesses, and pmokit's own comments ------------------------------------------------------
def test_the_jira_library_on_v3(site):
    """pycontribs/jira with rest_api_version 3 sends ``{"body": ...}`` as given: a string is refused with Jira's
    words, a document is taken and comes back as one."""
    from jira import JIRA, JIRAError

    client = JIRA(server=site.url, basic_auth=(ADMIN_EMAIL, ADMIN_TOKEN), max_retries=0,
                  options={"rest_api_version": "3"})
    with pytest.raises(JIRAError) as refused:
        client.add_comment("SHOP-37", "plain text")
    assert refused.value.status_code == 400 and "Comment body is not valid!" in refused.value.text
    added = client.add_comment("SHOP-37", doc(para(text("From the jira library"))))
    assert client.comment("SHOP-37", added.id).raw["body"] == doc(para(text("From the jira library")))


def test_atlassian_python_api_on_v3(site):
    from atlassian import Jira

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client = Jira(site.url, username=ADMIN_EMAIL, password=ADMIN_TOKEN, cloud=True, api_version=3)
    with pytest.raises(requests.HTTPError, match="Comment body is not valid!"):
        client.issue_add_comment("SHOP-38", "plain text")
    with pytest.raises(requests.HTTPError, match="INVALID_INPUT"):
        client.issue_add_comment("SHOP-38", doc(para(text(""))))
    assert client.issue_add_comment("SHOP-38", doc(para(text("ok"))))["body"] == doc(para(text("ok")))


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(st.sampled_from(["h1. ", "h3. ", "* ", "- ", "h2.", "*", ""]), st.just("")).flatmap(
    lambda prefix: st.text(alphabet="ab c中\t.-*#", max_size=8).map(lambda rest: prefix + rest)), min_size=1,
    max_size=6))
def test_pmokits_comment_bodies_are_valid_adf(site, lines):
    """connector/adf.py's documents for any text (headings, bullets, odd spacing) are taken by the check."""
    from connector import adf

    body = "\n".join(lines) + "\n[pmokit:compliance]"
    document = adf.from_text(body)
    assert problem(document) is None, (body, problem(document))
    assert _comment(site, "SHOP-39", document).status_code == 201
