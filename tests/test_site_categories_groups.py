"""The sandbox's project categories and group picker, as real Jira sites answer them (what `pmokit init` reads to
propose programs and the PMO's group)."""

from __future__ import annotations

import pytest

from sandbox import Sandbox
from tests.conftest import ANCHOR


@pytest.fixture(scope="module", params=["cloud", "datacenter"])
def site(request):
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor=request.param) as sb:
        yield sb


def _api(sb: Sandbox) -> str:
    return f"{sb.url}/rest/api/{3 if sb.options.flavor == 'cloud' else 2}"


def test_project_categories_are_listed_and_each_project_carries_its_own(site):
    """``GET /rest/api/{2,3}/projectCategory`` lists every category as ``{self, id, name, description}``, ids as
    strings from 10000, and a project in a category carries the same object in ``projectCategory`` (in ``project``,
    ``project/search`` and ``project/{key}``). Sources: Jira's REST reference, "Get all project categories" and its
    example answer (``[{"description": "First Project Category", "id": "10000", "name": "FIRST", "self":
    ".../rest/api/3/projectCategory/10000"}, ...]``); the ``projectCategory`` of the project objects in the example
    answers of "Get projects paginated" and "Get project"."""
    session, api = site.session(), _api(site)
    categories = session.get(f"{api}/projectCategory").json()
    assert [c["id"] for c in categories] == ["10000", "10001", "10002"]
    assert [c["name"] for c in categories] == [
        "Digital Storefront 数字店铺", "Supply Chain and Fulfilment 供应链与履约", "Payments and Finance 支付与金融"]
    assert all(c["self"] == f"{api}/projectCategory/{c['id']}" and c["description"] for c in categories)
    by_id = {c["id"]: c for c in categories}
    listed = session.get(f"{api}/project").json()
    searched = session.get(f"{api}/project/search", params={"maxResults": 50}).json()["values"]
    for projects in (listed, searched):
        assert len(projects) == 12
        assert all(p["projectCategory"] == by_id[p["projectCategory"]["id"]] for p in projects)
    members = {p["key"]: p["projectCategory"]["id"] for p in listed}
    assert [k for k, c in members.items() if c == "10000"] == ["SHOP", "MOB", "SRCH", "CMS"]
    assert session.get(f"{api}/project/PAY").json()["projectCategory"]["name"] == "Payments and Finance 支付与金融"


def test_a_project_without_a_category_carries_none(tmp_path):
    """A project outside every category has no ``projectCategory`` key at all (absent, not null); a seed file names
    a project's category by ``category``. Sources: Jira's REST reference (``projectCategory`` is an optional member
    of the Project object, "The category the project belongs to"); Jellyfish-AI/jf_agent#164, "Handle case where
    projectCategory is not set", tested against Jira Server, which guards with ``hasattr(proj,
    'projectCategory')`` (the `jira` library gives a missing key as a missing attribute)."""
    seed = tmp_path / "seed.yaml"
    seed.write_text("projects:\n  - {key: ONE, category: Retail}\n  - {key: TWO}\n  - {key: THREE, category: Retail}\n",
                    encoding="utf-8")
    with Sandbox.start(seed=str(seed), anchor=ANCHOR) as sb:
        session = sb.session()
        categories = session.get(f"{sb.url}/rest/api/3/projectCategory").json()
        assert [(c["id"], c["name"]) for c in categories] == [("10000", "Retail")]
        projects = {p["key"]: p for p in session.get(f"{sb.url}/rest/api/3/project").json()}
        assert projects["ONE"]["projectCategory"]["id"] == projects["THREE"]["projectCategory"]["id"] == "10000"
        assert "projectCategory" not in projects["TWO"]


def _names(sb: Sandbox, **params) -> tuple[list[str], dict]:
    answer = sb.session().get(f"{_api(sb)}/groups/picker", params=params)
    assert answer.status_code == 200, answer.text
    data = answer.json()
    return [g["name"] for g in data["groups"]], data


def test_the_group_picker_finds_groups_as_jira_does(site):
    """``GET /rest/api/{2,3}/groups/picker``: a blank query lists every group; otherwise the groups whose name equals
    the query whatever its case come first, then those whose name contains it as written (on Cloud
    ``caseInsensitive=true`` matches whatever the case; Data Center has no such parameter); ``exclude`` leaves a
    group out; ``total`` counts every match, ``header`` reads "Showing X of Y matching groups", and the answer holds
    at most ``maxResults`` and never more than the picker's limit of 20; Cloud gives each group's ``groupId``, with
    the query in ``<b>`` in ``html``. Sources: Jira's REST reference, "Find groups" (its parameters; "limited by the
    system property jira.ajax.autocomplete.limit"; the example answer ``{"groups": [{"groupId": "276f955c-…",
    "html": "<b>j</b>dog-developers", "name": "jdog-developers"}, …], "header": "Showing 20 of 25 matching
    groups", "total": 25}``); Jira's ``GroupPickerSearchServiceImpl`` (exact matches ignoring case first, JRA-26981,
    then ``group.getName().contains(query)``); jira.js's Data Center parameters for it (query, exclude, maxResults,
    userName: no caseInsensitive)."""
    cloud = site.options.flavor == "cloud"
    with site.state.lock:
        for n in range(25):
            site.state.groups.setdefault(f"team-{n:02d}", [])
        site.state.groups.setdefault("PMO-approvers", [])
    every, data = _names(site)
    assert every == sorted(every, key=str.casefold) and len(every) == 20 and data["total"] == len(site.state.groups)
    assert data["header"] == f"Showing 20 of {len(site.state.groups)} matching groups"
    assert _names(site, query="PMO")[0] == ["pmo", "PMO-approvers"]  # the exact match whatever its case, first
    assert _names(site, query="pmo")[0] == ["pmo"]  # "PMO-approvers" does not contain "pmo" as written
    assert _names(site, query="pmo", caseInsensitive="true")[0] == (["pmo", "PMO-approvers"] if cloud else ["pmo"])
    assert _names(site, query="PMO", exclude="pmo")[0] == ["PMO-approvers"]
    names, data = _names(site, query="team-", maxResults=5)
    assert names == [f"team-{n:02d}" for n in range(5)] and data["total"] == 25
    assert data["header"] == "Showing 5 of 25 matching groups"
    assert len(_names(site, query="team-", maxResults=100)[0]) == 20
    found = _names(site, query="mo")[1]["groups"][0]
    assert found["html"] == "p<b>mo</b>"
    assert ("groupId" in found) is cloud
    assert _names(site, query="nobody")[0] == []
