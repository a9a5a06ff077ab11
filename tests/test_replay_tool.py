"""benchmarks/replay.py, which the sync benchmark's figures rest on: what a client got while recording, it gets
again from the replay, byte for byte; what it did not ask then is a counted miss, never an invented answer."""

from __future__ import annotations

import requests

from benchmarks.replay import Recorder, Replayer
from sandbox import Sandbox
from sandbox.server import BOT_EMAIL, BOT_TOKEN


def test_a_recording_replays_the_same_answers_and_counts_what_it_never_saw(tmp_path):
    auth = (BOT_EMAIL, BOT_TOKEN)
    with Sandbox.start(seed="demo", issues=60) as sb:
        recorder = Recorder(sb.url, tmp_path / "recording")
        search = {"jql": "project = SHOP", "maxResults": 5, "fields": ["summary"]}
        asked = [requests.get(f"{recorder.url}/rest/api/3/serverInfo", auth=auth, timeout=10),
                 requests.post(f"{recorder.url}/rest/api/3/search/jql", json=search, auth=auth, timeout=10)]
        recorder.stop()
    assert [a.status_code for a in asked] == [200, 200]
    with Replayer(tmp_path / "recording", latency_ms=1) as url:
        again = [requests.get(f"{url}/rest/api/3/serverInfo", timeout=10),
                 requests.post(f"{url}/rest/api/3/search/jql", json=search, timeout=10)]
        other = requests.post(f"{url}/rest/api/3/search/jql", json={**search, "maxResults": 6}, timeout=10)
        stats = requests.get(f"{url}/__replay/stats", timeout=10).json()
    assert [a.content for a in again] == [a.content for a in asked]
    assert other.status_code == 404 and "not recorded" in other.text
    assert stats == {"served": 2, "misses": 1}
