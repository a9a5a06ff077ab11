"""Faults on purpose: rate limits with every Retry-After form, 503 bursts, a points quota, 409s, latency."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest

SERVER_INFO = "/rest/api/3/serverInfo"


def hammer(sb, count: int, path: str = SERVER_INFO):
    session = sb.session()
    return [session.get(sb.url + path) for _ in range(count)]


@pytest.mark.parametrize("form", ["seconds", "http-date", "zero", "missing"])
def test_rate_limit_answers_429_with_each_retry_after_form(fresh_sandbox, form):
    fresh_sandbox.set_faults(rate_limits=[{"match": "GET /rest/api/*", "rate": 0.5, "burst": 2,
                                           "retry_after": form}])
    responses = hammer(fresh_sandbox, 4)
    assert [r.status_code for r in responses] == [200, 200, 429, 429]
    limited = responses[2]
    assert limited.json() == {"errorMessages": ["Rate limit exceeded."], "errors": {}}
    assert limited.headers["RateLimit-Reason"] == "jira-burst-based"
    reset = datetime.fromisoformat(limited.headers["X-RateLimit-Reset"].replace("Z", "+00:00"))
    assert reset > datetime.now(UTC)
    value = limited.headers.get("Retry-After")
    if form == "seconds":
        assert value == "2"  # 1 token at 0.5/s: wait 2 s, rounded up
    elif form == "http-date":
        assert parsedate_to_datetime(value) >= datetime.now(UTC).replace(microsecond=0)
    elif form == "zero":
        assert value == "0"
    else:
        assert value is None
    stats = fresh_sandbox.stats()
    assert stats["throttled_429"] == 2 and stats["responses"]["429"] == 2


def test_rate_limit_refills_over_time(fresh_sandbox):
    fresh_sandbox.set_faults(rate_limits=[{"match": "*", "rate": 20, "burst": 1}])
    assert [r.status_code for r in hammer(fresh_sandbox, 2)] == [200, 429]
    time.sleep(0.1)
    assert hammer(fresh_sandbox, 1)[0].status_code == 200


def test_rate_limit_applies_only_to_matching_routes(fresh_sandbox):
    fresh_sandbox.set_faults(rate_limits=[{"match": "POST /rest/api/*/search/jql", "rate": 1, "burst": 1}])
    assert {r.status_code for r in hammer(fresh_sandbox, 5)} == {200}


def test_bursts_of_503(fresh_sandbox):
    fresh_sandbox.set_faults(unavailable={"match": "*", "count": 2, "every": 5})
    codes = [r.status_code for r in hammer(fresh_sandbox, 10)]
    assert codes == [503, 503, 200, 200, 200, 503, 503, 200, 200, 200]
    assert fresh_sandbox.stats()["unavailable_503"] == 4


def test_hourly_points_quota(fresh_sandbox):
    fresh_sandbox.set_faults(quota={"points_per_hour": 3})
    responses = hammer(fresh_sandbox, 4)
    assert [r.status_code for r in responses] == [200, 200, 200, 429]
    refused = responses[-1]
    assert refused.headers["RateLimit-Reason"] == "jira-quota-global-based"
    assert 1 <= int(refused.headers["Retry-After"]) <= 3600


def test_confluence_conflicts_on_the_next_updates(fresh_sandbox):
    sb = fresh_sandbox
    page = next(p for p in sb.state.pages.values() if p.title == "Portfolio Reports")
    sb.set_faults(confluence_conflicts=1)

    def update():
        return sb.session().put(f"{sb.url}/wiki/rest/api/content/{page.id}", json={
            "type": "page", "title": page.title, "version": {"number": page.version + 1, "minorEdit": True},
            "body": {"storage": {"value": "<p>new</p>", "representation": "storage"}}})

    assert update().status_code == 409
    assert update().status_code == 200
    assert page.version == 2


def test_latency_per_route(fresh_sandbox):
    fresh_sandbox.set_faults(route_latency_ms={"GET /rest/api/*/myself": 120})
    session = fresh_sandbox.session()
    started = time.monotonic()
    session.get(fresh_sandbox.url + "/rest/api/3/myself")
    slow = time.monotonic() - started
    started = time.monotonic()
    session.get(fresh_sandbox.url + SERVER_INFO)
    fast = time.monotonic() - started
    assert slow >= 0.12 > fast


def test_faults_endpoint_sets_and_clears(fresh_sandbox):
    session = fresh_sandbox.session()
    url = fresh_sandbox.url + "/_sandbox/faults"
    bad = session.post(url, json={"rate_limits": [{"rate": 1, "retry_after": "never"}]})
    assert bad.status_code == 400 and "retry_after" in bad.json()["errorMessages"][0]
    assert session.post(url, json={"bogus": 1}).status_code == 400
    assert session.post(url, json={"unavailable": {"count": 1}}).status_code == 200
    assert hammer(fresh_sandbox, 1)[0].status_code == 503
    assert session.post(url, json={}).status_code == 200
    assert hammer(fresh_sandbox, 1)[0].status_code == 200


def test_stats_count_routes_statuses_and_writes(fresh_sandbox):
    sb = fresh_sandbox
    session = sb.session()
    session.post(sb.url + "/_sandbox/reset-stats")
    session.get(f"{sb.url}/rest/api/3/issue/SHOP-1")
    session.get(f"{sb.url}/rest/api/3/issue/NOPE-1")
    session.put(f"{sb.url}/rest/api/2/issue/SHOP-2", json={"update": {"labels": [{"add": "x"}]}})
    session.post(f"{sb.url}/rest/api/2/issue/SHOP-2/comment", json={"body": "hi"})
    stats = session.get(sb.url + "/_sandbox/stats").json()
    assert stats["requests"] == {"GET /rest/api/{version}/issue/{id_or_key}": 2,
                                 "PUT /rest/api/{version}/issue/{id_or_key}": 1,
                                 "POST /rest/api/{version}/issue/{id_or_key}/comment": 1}
    assert stats["responses"] == {"200": 1, "404": 1, "204": 1, "201": 1}
    assert stats["writes"] == {"label": 1, "comment": 1}


def test_bad_credentials_get_atlassian_401s(fresh_sandbox):
    sb = fresh_sandbox
    wrong = sb.session(token="wrong").get(f"{sb.url}/rest/api/3/myself")
    assert wrong.status_code == 401
    assert wrong.json()["errorMessages"] == [
        "You are not authenticated. Authentication required to perform this operation."]
    confluence = sb.session(token="wrong").get(f"{sb.url}/wiki/rest/api/space/PMO")
    assert confluence.status_code == 401 and confluence.json()["statusCode"] == 401
    bearer = sb.session()
    bearer.auth = None
    bearer.headers["Authorization"] = "Bearer sandbox"
    assert bearer.get(f"{sb.url}/rest/api/3/myself").status_code == 401  # Cloud takes no PATs
    assert sb.session().get(f"{sb.url}/rest/api/3/myself").json()["emailAddress"] == "admin@example.com"
