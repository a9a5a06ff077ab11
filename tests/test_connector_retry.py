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


# -- writes whose outcome is unknown ----------------------------------------------------------------------------
# A request that changes something and is not idempotent is sent once: after a lost answer or a 5xx it raises
# OutcomeUnknown at once, so the writer can read before it writes again. A 429 (refused: not applied) and a
# connection never made (nothing was sent) are retried for every request; reads and idempotent writes are retried
# as before.
COMMENT = f"{URL}/rest/api/3/issue/SHOP-1/comment"


def reset_after_sending() -> requests.ConnectionError:
    """What requests raises when the server closes the connection after it got the request (see the real-socket
    test below for the same shape from a real server)."""
    from http.client import RemoteDisconnected

    from urllib3.exceptions import ProtocolError

    return requests.ConnectionError(ProtocolError("Connection aborted.",
                                                  RemoteDisconnected("Remote end closed connection without response")))


def refused() -> requests.ConnectionError:
    from urllib3.exceptions import MaxRetryError, NewConnectionError

    return requests.ConnectionError(MaxRetryError(None, "/rest/api/3/issue/SHOP-1/comment?secret-ish=1",  # type: ignore[arg-type]
                                                  NewConnectionError(None, "Connection refused")))  # type: ignore[arg-type]


def accounting(jira: JiraConnector) -> dict[str, float]:
    return jira.client._session.adapters["https://"].accounting.snapshot()


@responses.activate
@pytest.mark.parametrize("failure", [
    {"status": 503}, {"status": 500}, {"status": 502, "body": "<html>Bad gateway</html>"}, {"status": 504},
    {"body": requests.ReadTimeout("read timed out")}, {"body": reset_after_sending()},
    {"body": requests.exceptions.ChunkedEncodingError("connection broken: IncompleteRead")},
])
def test_a_post_that_writes_is_not_sent_again_when_its_outcome_is_unknown(failure):
    from connector.errors import AtlassianError, OutcomeUnknown

    jira = connector(FakeClock())
    responses.post(COMMENT, **failure)
    responses.post(COMMENT, status=201, json={"id": "1"})
    with pytest.raises(OutcomeUnknown) as caught:
        jira.post("issue/SHOP-1/comment", {"body": "x"})
    assert len(responses.calls) == 1
    assert isinstance(caught.value, AtlassianError) and caught.value.method == "POST"
    message = str(caught.value)
    assert message.startswith(f"POST {COMMENT}: outcome unknown after ")
    assert "not-a-real-token" not in message and "bot@example.com:" not in message
    assert accounting(jira)["outcome_unknown"] == 1 and accounting(jira)["retries"] == 0


@responses.activate
@pytest.mark.parametrize("failure", [
    {"status": 429, "headers": {"Retry-After": "1"}},
    {"body": requests.ConnectTimeout("connect timed out")},
    {"body": refused()},
])
def test_a_post_that_writes_is_retried_when_it_was_not_applied(failure):
    clock = FakeClock()
    jira = connector(clock)
    responses.post(COMMENT, **failure)
    responses.post(COMMENT, status=201, json={"id": "1"})
    assert jira.post("issue/SHOP-1/comment", {"body": "x"}) == {"id": "1"}
    assert len(responses.calls) == 2 and accounting(jira)["outcome_unknown"] == 0


@responses.activate
@pytest.mark.parametrize("path", ["search/jql", "issue/bulkfetch", "changelog/bulkfetch"])
@pytest.mark.parametrize("failure", [{"status": 503}, {"body": requests.ReadTimeout("read timed out")},
                                     {"body": reset_after_sending()}])
def test_posts_that_only_read_are_retried(path, failure):
    jira = connector(FakeClock())
    responses.post(f"{URL}/rest/api/3/{path}", **failure)
    responses.post(f"{URL}/rest/api/3/{path}", json={"issues": []})
    assert jira.query(path, {"jql": "project = A"}) == {"issues": []}
    assert len(responses.calls) == 2


@responses.activate
@pytest.mark.parametrize("method, path", [("PUT", "issue/SHOP-1/comment/10"), ("DELETE", "issue/SHOP-1/comment/10"),
                                          ("GET", "issue/SHOP-1")])
def test_idempotent_requests_and_reads_are_retried_on_5xx_and_lost_answers(method, path):
    jira = connector(FakeClock())
    responses.add(method, f"{URL}/rest/api/3/{path}", status=503)
    responses.add(method, f"{URL}/rest/api/3/{path}", body=reset_after_sending())
    responses.add(method, f"{URL}/rest/api/3/{path}", json={"ok": True})
    assert jira.request(method, path, body={"body": "x"} if method == "PUT" else None) == {"ok": True}
    assert len(responses.calls) == 3


@responses.activate
def test_a_put_marked_as_a_write_is_not_sent_again():
    from connector.errors import OutcomeUnknown
    from connector.transport import RequestKind

    jira = connector(FakeClock())
    responses.put(f"{URL}/rest/api/3/issue/SHOP-1", status=503)
    with pytest.raises(OutcomeUnknown, match=r"^PUT .*/issue/SHOP-1: outcome unknown after HTTP 503"):
        jira.put("issue/SHOP-1", {"update": {"labels": [{"add": "x"}]}}, kind=RequestKind.WRITE)
    assert len(responses.calls) == 1


@responses.activate
def test_the_mark_never_leaves_the_client():
    from connector.transport import KIND_HEADER

    jira = connector(FakeClock())
    responses.post(f"{URL}/rest/api/3/search/jql", json={})
    responses.post(COMMENT, json={})
    jira.query("search/jql", {})
    jira.post("issue/SHOP-1/comment", {})
    assert all(KIND_HEADER not in call.request.headers for call in responses.calls)
    assert all(call.request.headers["Content-Type"] == "application/json" for call in responses.calls)


@responses.activate
def test_a_5xx_with_retry_after_on_a_write_holds_back_the_next_request():
    from connector.errors import OutcomeUnknown

    clock = FakeClock()
    jira = connector(clock)
    responses.post(COMMENT, status=503, headers={"Retry-After": "4"})
    responses.get(COMMENT, json={"comments": []})
    with pytest.raises(OutcomeUnknown):
        jira.post("issue/SHOP-1/comment", {"body": "x"})
    jira.get("issue/SHOP-1/comment")  # the writer's read-back waits as the server asked
    assert clock.sleeps == [4.0]


def test_kinds_default_to_the_method():
    from connector.transport import KIND_HEADER, RequestKind, kind_of

    def prepared(method: str, headers: dict[str, str] | None = None) -> requests.PreparedRequest:
        return requests.Request(method, URL, headers=headers).prepare()

    assert [kind_of(prepared(m)) for m in ("GET", "HEAD", "OPTIONS", "PUT", "DELETE", "POST", "PATCH")] == [
        RequestKind.READ, RequestKind.READ, RequestKind.READ, RequestKind.IDEMPOTENT, RequestKind.IDEMPOTENT,
        RequestKind.WRITE, RequestKind.WRITE]
    marked = prepared("POST", RequestKind.READ.header)
    assert kind_of(marked) is RequestKind.READ and KIND_HEADER not in marked.headers


@responses.activate
def test_confluence_page_creation_is_a_write_and_attachments_are_retried():
    from config.models import ConfluenceSettings
    from connector.confluence_client import ConfluenceConnector
    from connector.errors import OutcomeUnknown
    from connector.transport import RequestKind

    clock = FakeClock()
    transport = Transport(RetryPolicy(), Gate(None, clock.clock, clock.sleep), Transport.create().accounting)
    wiki = ConfluenceConnector(ConfluenceSettings.model_validate({
        "url": f"{URL}/wiki", "space": "PMO", "auth": {"type": "cloud", "email": "bot@example.com",
                                                      "api_token": "${PMOKIT_T:-not-a-real-token}"}}),
        transport.adapter())
    responses.post(f"{URL}/wiki/rest/api/content", status=503)
    with pytest.raises(OutcomeUnknown, match=r"POST .*/wiki/rest/api/content: outcome unknown"):
        wiki.request("POST", "content", body={"type": "page"})
    attachment = f"{URL}/wiki/rest/api/content/1/child/attachment"
    responses.put(attachment, status=503)
    responses.put(attachment, json={"results": [{"id": "att1"}]})
    result = wiki.request("PUT", "content/1/child/attachment", files={"file": ("a.png", b"x", "image/png")},
                          kind=RequestKind.IDEMPOTENT)
    assert result == {"results": [{"id": "att1"}]}
    labels = f"{URL}/wiki/rest/api/content/1/label"
    responses.post(labels, status=502)
    responses.post(labels, json={})
    wiki.request("POST", "content/1/label", body=[{"name": "x"}], kind=RequestKind.IDEMPOTENT)
    sent = [call.request for call in responses.calls]
    assert sent[-1].headers["Content-Type"] == "application/json"  # the client's own headers stay


# Real sockets: the exception shapes above are the ones requests raises for a server that closes the connection
# after reading the request, and for a port nobody listens on.
class OneShotServer:
    """Accepts connections on loopback; reads each request, then closes without answering (the first ``drops``
    connections) or answers 200 ``{}``."""

    def __init__(self, drops: int):
        import socket
        import threading

        self.drops, self.requests = drops, 0
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            with conn:
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                head, _, rest = data.partition(b"\r\n\r\n")
                length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                               if line.lower().startswith(b"content-length:")), 0)
                while len(rest) < length:
                    rest += conn.recv(65536)
                self.requests += 1
                if self.requests > self.drops:
                    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
                                 b"Connection: close\r\n\r\n{}")

    def close(self) -> None:
        self.listener.close()


def local_connector(port: int, clock: FakeClock, policy: RetryPolicy | None = None) -> JiraConnector:
    settings = JiraSettings.model_validate({"url": f"http://127.0.0.1:{port}", "flavor": "cloud", "auth": {
        "type": "cloud", "email": "bot@example.com", "api_token": "${PMOKIT_T:-not-a-real-token}"}})
    transport = Transport(policy or RetryPolicy(), Gate(None, clock.clock, clock.sleep),
                          Transport.create().accounting)
    return JiraConnector(settings, transport.adapter())


def test_a_real_connection_closed_after_sending_is_an_unknown_outcome_for_a_write_and_retried_for_a_read():
    from connector.errors import OutcomeUnknown

    server = OneShotServer(drops=1)
    try:
        jira = local_connector(server.port, FakeClock())
        with pytest.raises(OutcomeUnknown, match="outcome unknown after ConnectionError"):
            jira.post("issue/SHOP-1/comment", {"body": "x"})
        assert server.requests == 1
        server.drops = 2
        assert jira.get("myself") == {}  # dropped once, then answered
        assert server.requests == 3
    finally:
        server.close()


def test_a_real_refused_connection_is_retried_for_a_write():
    import socket

    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # closed again at once: nobody listens there
    clock = FakeClock()
    jira = local_connector(port, clock, RetryPolicy(max_attempts=3))
    with pytest.raises(GaveUp, match="failed after 3 attempt"):
        jira.post("issue/SHOP-1/comment", {"body": "x"})


@responses.activate
def test_a_confluence_time_out_under_a_second_is_kept():
    """atlassian-python-api keeps ``int(timeout)``: 0.5 s became 0, which requests refuses before sending."""
    from config.models import ConfluenceSettings
    from connector.confluence_client import ConfluenceConnector

    wiki = ConfluenceConnector(ConfluenceSettings.model_validate({
        "url": f"{URL}/wiki", "space": "PMO", "timeout_seconds": 0.5,
        "auth": {"type": "cloud", "email": "bot@example.com", "api_token": "${PMOKIT_T:-not-a-real-token}"}}),
        Transport.create().adapter())
    responses.get(f"{URL}/wiki/rest/api/space/PMO", json={"key": "PMO"})
    assert wiki.request("GET", "space/PMO") == {"key": "PMO"}
    assert wiki.client.timeout == 0.5


@responses.activate
def test_a_503_outage_is_retried_for_give_up_after_seconds_not_for_a_count():
    """A 503 storm with Retry-After: 1 made sync give up after 12 attempts in 11 s, whatever
    give_up_after_seconds said; it keeps trying until that time has passed, with a last try at the deadline."""
    clock = FakeClock()
    jira = connector(clock, RetryPolicy(max_elapsed=120))
    responses.get(f"{URL}/rest/api/3/field", status=503, headers={"Retry-After": "1"})
    with pytest.raises(GaveUp):
        jira.get("field")
    assert 119 <= clock.now - 1000 <= 120
    assert len(responses.calls) >= 100
    # Backoff without Retry-After: the waits fit the deadline, the last one cut to what is left.
    responses.reset()
    clock = FakeClock()
    jira = connector(clock, RetryPolicy(max_elapsed=100, base_backoff=4, max_backoff=30))
    responses.get(f"{URL}/rest/api/3/field", status=503)
    with pytest.raises(GaveUp):
        jira.get("field")
    assert clock.now - 1000 == pytest.approx(100)


@responses.activate
def test_an_inline_changelog_without_a_total_is_not_taken_as_complete():
    """A search or bulk fetch answer whose inline changelog carries no `total` (and no page size to tell by) was
    taken as the whole changelog; the reader now fetches it in full."""
    from connector.jira_reader import JiraReader

    history = lambda n: {"id": str(n), "created": f"2026-11-0{n}T10:00:00.000+0000",  # noqa: E731
                         "items": [{"field": "summary", "fromString": str(n - 1), "toString": str(n)}]}
    responses.post(f"{URL}/rest/api/3/issue/bulkfetch", json={"issues": [
        {"id": "10001", "key": "SHOP-1", "fields": {"summary": "x"},
         "changelog": {"histories": [history(3), history(2)]}}], "issueErrors": []})
    responses.post(f"{URL}/rest/api/3/changelog/bulkfetch", json={"issueChangeLogs": [
        {"issueId": "10001", "changeHistories": [history(1), history(2), history(3)]}]})
    [batch] = list(JiraReader(connector(FakeClock())).fetch("", ["summary"], ids=["10001"]))
    assert [h["id"] for h in batch[0].histories] == ["1", "2", "3"]
    assert [c.request.url.rsplit("/", 1)[-1] for c in responses.calls] == ["bulkfetch", "bulkfetch"]
