"""Bad input, generated: no request the receiver can get makes it answer 5xx or crash."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config import load_settings
from pmokit.store import inbox, open_store
from webhooks.app import create_app
from webhooks.signature import sign

SECRET = "fuzz-secret"
FIXTURES = [p.read_bytes() for p in sorted((Path(__file__).parent / "fixtures" / "jira-webhooks"
                                            / "mattermost-plugin-jira").glob("*.json"))]
PATH = "/webhooks/jira"

scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=40),
                    st.text(alphabet="\x00\ud7ff\uffff\u202e\n\"\\", max_size=10))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                                          max_size=4), max_leaves=25)
# Payloads that look like Jira's, with the fields pmokit reads given the wrong types and odd values.
jira_like = st.fixed_dictionaries({
    "webhookEvent": st.sampled_from(["jira:issue_created", "jira:issue_updated", "jira:issue_deleted",
                                     "comment_created", "comment_deleted", "worklog_updated", ""]) | values,
}, optional={
    "issue": st.fixed_dictionaries({}, optional={"id": st.integers() | st.text(max_size=12) | values,
                                                 "key": st.text(max_size=20) | values, "fields": values}) | values,
    "comment": st.fixed_dictionaries({}, optional={"self": st.text(max_size=60) | st.just("/issue/1/comment/2"),
                                                   "body": values, "author": values}) | values,
    "user": values, "changelog": st.fixed_dictionaries({}, optional={"items": values}) | values,
    "issue_event_type_name": st.text(max_size=20) | values, "timestamp": values,
})


def _mutate(raw: bytes, data) -> bytes:
    kind = data.draw(st.sampled_from(["truncate", "nest", "encode", "huge", "garbage", "constants", "surrogate",
                                      "control", "id", "gzip"]))
    if kind in ("surrogate", "control"):
        # A lone surrogate or a control character, escaped, inside one of the body's strings.
        escape = data.draw(st.sampled_from([b"\\ud800", b"\\udfff", b"\\uDBFF", b"\\u0000", b"\\u0001", b"\\u001f"])
                           if kind == "surrogate" else st.sampled_from([b"\\u0000", b"\\u0007", b"\\u001b",
                                                                       b"\\u007f", b"\\u2028"]))
        quotes = [i for i, byte in enumerate(raw) if byte == ord('"')]
        at = data.draw(st.sampled_from(quotes)) + 1 if quotes else 0
        return raw[:at] + escape + raw[at:]
    if kind == "id":
        payload = json.loads(raw)
        payload.setdefault("issue", {})["id"] = data.draw(st.sampled_from(
            ["1" * 40, "9" * 19, "10000000000000000000", "١٢٣", "²", "\ud800", "1e5", "0x10", " 1", ""]))
        if data.draw(st.booleans()):
            payload["issue"]["key"] = data.draw(st.text(max_size=30) | st.just("A" * 70_000))
        return json.dumps(payload).encode()
    if kind == "gzip":
        return gzip.compress(raw)
    if kind == "truncate":
        return raw[:data.draw(st.integers(0, max(len(raw) - 1, 0)))]
    if kind == "nest":
        depth = data.draw(st.integers(500, 100_000))
        return b'{"webhookEvent": "comment_created", "comment": {"body": ' + b"[" * depth + b"]" * depth + b"}}"
    if kind == "encode":
        return raw.decode("utf-8").encode(data.draw(st.sampled_from(["utf-16", "utf-32", "latin-1", "utf-8-sig"])),
                                          errors="replace")
    if kind == "huge":
        return json.dumps({"webhookEvent": "jira:issue_updated", "issue": {"id": "1", "key": "A" * 500_000}}).encode()
    if kind == "constants":
        return b'{"webhookEvent": "jira:issue_created", "issue": {"id": "1", "key": "A-1"}, "x": NaN}'
    return data.draw(st.binary(max_size=300))


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from pmokit.cli.sandbox_config import sandbox_config

    directory = tmp_path_factory.mktemp("fuzz")
    path = directory / "pmokit.yaml"
    text = sandbox_config("http://127.0.0.1:9", webhook_secret=SECRET, store=f"sqlite:///{directory / 'store.db'}")
    path.write_text(text.replace("${PMOKIT_WEBHOOK_SECRET:-fuzz-secret}", "${PMOKIT_FUZZ_SECRET:-fuzz-secret}"),
                    "utf-8")
    loaded = load_settings([path])
    store = open_store(loaded.store.url, loaded.base_dir)
    engine, sessions = store.engine, store.sessions
    app = create_app(loaded, sessions)
    yield app.test_client(), sessions
    engine.dispose()


@settings(max_examples=1200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                   HealthCheck.too_slow])
@given(data=st.data())
def test_no_generated_request_gets_a_5xx(client, data):
    test_client, _ = client
    source = data.draw(st.sampled_from(["jira_like", "fixture", "mutated"]))
    if source == "jira_like":
        body = json.dumps(data.draw(jira_like)).encode()
    elif source == "fixture":
        body = data.draw(st.sampled_from(FIXTURES))
    else:
        body = _mutate(data.draw(st.sampled_from(FIXTURES)), data)
    signing = data.draw(st.sampled_from(["good", "good", "good", "none", "wrong", "garbage"]))
    headers = {"Content-Type": data.draw(st.sampled_from(["application/json", "text/plain", "", "application/x"]))}
    if signing == "good":
        headers["X-Hub-Signature"] = sign(SECRET, body)
    elif signing == "wrong":
        headers["X-Hub-Signature"] = sign("another secret", body)
    elif signing == "garbage":
        headers["X-Hub-Signature"] = data.draw(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126),
                                                       max_size=80))
    if data.draw(st.booleans()):
        headers["X-Atlassian-Webhook-Identifier"] = data.draw(st.text(
            alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=300))
    if body[:2] == b"\x1f\x8b":
        headers["Content-Encoding"] = "gzip"
    response = test_client.post(PATH, data=body, headers=headers)
    assert response.status_code < 500, (response.status_code, response.get_data()[:300])
    assert response.status_code in (200, 202, 400, 401, 413)
    if signing != "good":
        assert response.status_code in (401, 413)


def test_the_receiver_still_works_after_the_fuzzing(client):
    test_client, sessions = client
    body = FIXTURES[0].replace(b'"timestamp": ', b'"timestamp": 1', 1)  # a body the fuzzing never sent
    marker = {"X-Atlassian-Webhook-Identifier": "after-fuzz", "X-Hub-Signature": sign(SECRET, body)}
    assert test_client.post(PATH, data=body, headers=marker).status_code == 202
    with sessions() as session:
        assert inbox.counts(session)["pending"] >= 1
