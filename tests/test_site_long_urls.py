"""Long URLs on Jira Data Center: Tomcat (and most proxies) in front of Jira refuse a request line past about
8 KB with 400 and an HTML page, before Jira sees it.

Source: Atlassian's knowledge base for Jira Server/Data Center ("Request header is too large": Tomcat's
`maxHttpHeaderSize`, 8192 bytes by default, in `server.xml`). pmokit sent `id in (…)` with a thousand ids in a
GET `/rest/api/2/search` URL (9 KB; 27 KB at 3,000).
"""

from __future__ import annotations

from sandbox import Sandbox
from tests.conftest import ANCHOR
from tests.syncing import runtime_for, syncer


def test_data_center_refuses_a_url_over_8_kb_with_an_html_page():
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor="datacenter") as sb:
        ids = [str(i.id) for i in sb.state.live_issues()][:1000]
        session = sb.session()
        long_get = session.get(f"{sb.url}/rest/api/2/search", params={"jql": f"id in ({', '.join(ids)})"},
                               timeout=10)
        assert long_get.status_code == 400 and long_get.headers["Content-Type"].startswith("text/html")
        assert "Request header is too large" in long_get.text
        as_post = session.post(f"{sb.url}/rest/api/2/search", json={"jql": f"id in ({', '.join(ids)})",
                                                                    "maxResults": 1000, "fields": ["id"]},
                               timeout=30)
        assert as_post.status_code == 200 and as_post.json()["total"] == 1000
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor="datacenter", max_url_bytes=0) as unlimited:
        ids = [str(i.id) for i in unlimited.state.live_issues()][:1000]
        assert unlimited.session().get(f"{unlimited.url}/rest/api/2/search",
                                       params={"jql": f"id in ({', '.join(ids)})", "fields": "id"},
                                       timeout=30).status_code == 200


def test_pmokit_reads_three_thousand_issues_by_id_on_data_center(tmp_path):
    """What a reconcile or a burst of webhook events asks for: every issue of the demo site re-read by id."""
    with Sandbox.start(seed="demo", anchor=ANCHOR, flavor="datacenter") as sb:
        runtime = runtime_for(sb, tmp_path, give_up_after=2)
        try:
            ids = [str(i.id) for i in sb.state.live_issues()]
            assert len(ids) >= 3000
            summary = syncer(runtime).refresh(ids)
            assert summary.issues == len(ids), summary
            responses = sb.stats()["responses"]
            assert responses.get(400, responses.get("400", 0)) == 0, responses
        finally:
            runtime.close()
