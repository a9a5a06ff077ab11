"""The retry policy, narrowly, with `responses`: every Retry-After form, caps, give-up, and clear errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest
import requests
import responses

from config.models import JiraSettings
from connector import Transport
from connector.errors import AuthenticationError, GaveUp, NotFound, PermissionDenied
from connector.jira_client import JiraConnector
from connector.retry import RetryPolicy, parse_reset, parse_retry_after, wait_before_retry
from connector.transport import Gate

URL = "https://shop.example.net"


class FakeClock:
    """Time that moves only when slept, so tests check waits exactly and instantly."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def connector(clock: FakeClock, policy: RetryPolicy | None = None, rps: float | None = None) -> JiraConnector:
    settings = JiraSettings.model_validate({"url": URL, "flavor": "cloud", "auth": {
        "type": "cloud", "email": "bot@example.com", "api_token": "${PMOKIT_T:-not-a-real-token}"}})
    transport = Transport(policy or RetryPolicy(), Gate(rps, clock.clock, clock.sleep),
                          Transport.create().accounting)
    return JiraConnector(settings, transport.adapter())


def test_retry_after_forms():
    now = datetime(2026, 11, 22, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("7", now) == 7
    assert parse_retry_after("0", now) == 0
    assert parse_retry_after(None, now) is None
    assert parse_retry_after("soon", now) is None
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now) == 30
    assert parse_retry_after(format_datetime(now - timedelta(seconds=30), usegmt=True), now) == 0
    assert parse_reset((now + timedelta(seconds=4)).isoformat().replace("+00:00", "Z"), now) == 4
    policy = RetryPolicy(max_retry_after=60)
    assert wait_before_retry(policy, 429, {"Retry-After": "86400"}, 1)[0] == 60  # absurd values are capped
    wait, why = wait_before_retry(policy, 429, {"Retry-After": "0", "X-RateLimit-Reset": (
        datetime.now(UTC) + timedelta(seconds=3)).isoformat()}, 1)
    assert 2.5 < wait <= 3 and "resets" in why
    quota = wait_before_retry(policy, 429, {"RateLimit-Reason": "jira-quota-global-based", "X-RateLimit-Reset": (
        datetime.now(UTC) + timedelta(seconds=40)).isoformat()}, 1)
    assert 39 < quota[0] <= 40
    backoff, why = wait_before_retry(RetryPolicy(base_backoff=1, max_backoff=8), 503, {}, 3)
    assert 2 <= backoff <= 4 and why == "backoff"


@responses.activate
@pytest.mark.parametrize("header, expected_wait", [
    ({"Retry-After": "5"}, 5.0),
    ({"Retry-After": "0"}, None),  # zero: retried at once, by backoff
    ({}, None),  # missing: backoff
])
def test_429_is_retried_after_the_wait_it_asks(header, expected_wait):
    clock = FakeClock()
    jira = connector(clock, RetryPolicy(base_backoff=0.5, max_backoff=1))
    responses.post(f"{URL}/rest/api/3/search/jql", status=429, headers=header, json={"errorMessages": ["slow"]})
    responses.post(f"{URL}/rest/api/3/search/jql", json={"issues": [], "isLast": True})
    assert jira.post("search/jql", {"jql": "project = A"}) == {"issues": [], "isLast": True}
    assert len(responses.calls) == 2
    [slept] = clock.sleeps
    if expected_wait is not None:
        assert slept == expected_wait
    else:
        assert 0.25 <= slept <= 0.5


@responses.activate
def test_http_date_retry_after_is_never_anticipated():
    clock = FakeClock()
    jira = connector(clock)
    when = datetime.now(UTC).replace(microsecond=0) + timedelta(seconds=3)
    responses.get(f"{URL}/rest/api/3/myself", status=503, headers={"Retry-After": format_datetime(when, usegmt=True)})
    responses.get(f"{URL}/rest/api/3/myself", json={"accountId": "x"})
    jira.get("myself")
    assert 2 <= clock.sleeps[0] <= 3
    assert jira.client._session.adapters["https://"].accounting.snapshot()["server_errors"] == 1


@responses.activate
def test_gives_up_after_a_bounded_time_saying_what_failed():
    clock = FakeClock()
    jira = connector(clock, RetryPolicy(max_elapsed=20, base_backoff=4, max_backoff=8))
    responses.get(f"{URL}/rest/api/3/field", status=503)
    with pytest.raises(GaveUp) as caught:
        jira.get("field")
    message = str(caught.value)
    assert message.startswith(f"GET {URL}/rest/api/3/field failed after ")
    assert "HTTP 503" in message
    assert clock.now - 1000 <= 20


@responses.activate
def test_connection_errors_are_retried():
    clock = FakeClock()
    jira = connector(clock)
    responses.get(f"{URL}/rest/api/3/myself", body=requests.ConnectionError("reset by peer"))
    responses.get(f"{URL}/rest/api/3/myself", json={"accountId": "x"})
    assert jira.get("myself") == {"accountId": "x"}
    assert jira.client._session.adapters["https://"].accounting.snapshot()["connection_errors"] == 1


@responses.activate
def test_pacing_spaces_requests():
    clock = FakeClock()
    jira = connector(clock, rps=4)
    responses.get(f"{URL}/rest/api/3/myself", json={})
    for _ in range(5):
        jira.get("myself")
    assert clock.now - 1000 == pytest.approx(1.0)  # five requests at 4/s: the fifth a second after the first


@responses.activate
@pytest.mark.parametrize("status, kind, words", [
    (401, AuthenticationError, "Jira refused the credentials"),
    (403, PermissionDenied, "Jira refused permission"),
    (404, NotFound, "Jira has no such resource"),
])
def test_auth_and_missing_errors_name_url_and_user_never_the_secret(status, kind, words):
    jira = connector(FakeClock())
    responses.get(f"{URL}/rest/api/3/issue/SHOP-1", status=status, json={"errorMessages": ["nope"], "errors": {}})
    with pytest.raises(kind) as caught:
        jira.get("issue/SHOP-1")
    message = str(caught.value)
    assert message.startswith(words)
    assert f"GET {URL}/rest/api/3/issue/SHOP-1 as bot@example.com: nope" in message
    assert "not-a-real-token" not in message
