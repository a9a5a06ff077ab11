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


# -- answers lost after the request was applied -----------------------------------------------------------
# Atlassian's own words: a 5xx or a time-out can come after a write was applied ("Jira Cloud platform REST
# API: Status codes", and DESIGN.md's facts), and a proxy that gives up closes the connection with no answer.
# Latency (above) sleeps before the request is handled; these faults handle it first, so a client that gave
# up did give up on a write that was made.
COMMENTS = "/rest/api/2/issue/SHOP-2/comment"


def comment_count(sb, key: str = "SHOP-2") -> int:
    return len(sb.state.issue(key).comments)


def test_a_late_answer_comes_after_the_write_was_applied(fresh_sandbox):
    import requests

    sb = fresh_sandbox
    sb.set_faults(after_applying=[{"match": "POST /rest/api/*/issue/*/comment", "answer": "late",
                                   "delay_ms": 1500}])
    before = comment_count(sb)
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        sb.session().post(sb.url + COMMENTS, json={"body": "hello"}, timeout=0.4)
    assert time.monotonic() - started < 1.0
    assert comment_count(sb) == before + 1  # applied before the client gave up
    # Other routes answer at once.
    assert sb.session().get(sb.url + COMMENTS, timeout=0.4).status_code == 200
    assert sb.stats()["answers_after_applying"] == {"late": 1}


def test_a_dropped_answer_closes_the_connection_after_the_write(fresh_sandbox):
    import requests

    sb = fresh_sandbox
    sb.set_faults(after_applying=[{"match": "POST /rest/api/*/issue/*/comment", "answer": "drop", "count": 1}])
    before = comment_count(sb)
    session = sb.session()
    with pytest.raises(requests.ConnectionError, match="without response"):
        session.post(sb.url + COMMENTS, json={"body": "first"})
    assert comment_count(sb) == before + 1
    # count: 1 — the next one is answered (on a new connection).
    assert session.post(sb.url + COMMENTS, json={"body": "second"}).status_code == 201
    assert comment_count(sb) == before + 2


def test_a_server_error_after_the_write_was_applied(fresh_sandbox):
    sb = fresh_sandbox
    sb.set_faults(after_applying=[{"match": "POST /rest/api/*/issue/*/comment", "answer": "503", "count": 2}])
    before = comment_count(sb)
    answers = [sb.session().post(sb.url + COMMENTS, json={"body": f"n{i}"}) for i in range(3)]
    assert [a.status_code for a in answers] == [503, 503, 201]
    assert answers[0].json() == {"errorMessages": ["Service Unavailable"], "errors": {}}
    assert comment_count(sb) == before + 3


def test_a_refused_request_is_not_applied_and_not_counted(fresh_sandbox):
    sb = fresh_sandbox
    sb.set_faults(after_applying=[{"match": "*", "answer": "503"}])
    before = comment_count(sb)
    assert sb.session(token="wrong").post(sb.url + COMMENTS, json={"body": "x"}).status_code == 401
    assert comment_count(sb) == before and sb.stats()["answers_after_applying"] == {}


@pytest.mark.parametrize("spec, words", [
    ({"after_applying": [{"answer": "never"}]}, "answer must be one of late, drop, 500"),
    ({"after_applying": [{"answer": "late"}]}, "needs delay_ms > 0"),
    ({"after_applying": [{"answer": "drop", "count": -1}]}, "count >= 0"),
    ({"after_applying": [{"answer": "drop", "when": "now"}]}, "unknown after_applying keys: when"),
    ({"after_applying": {"answer": "drop"}}, "takes a list"),
])
def test_after_applying_is_validated(fresh_sandbox, spec, words):
    answer = fresh_sandbox.session().post(fresh_sandbox.url + "/_sandbox/faults", json=spec)
    assert answer.status_code == 400 and words in answer.json()["errorMessages"][0]
