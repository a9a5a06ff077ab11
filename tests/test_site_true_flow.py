"""The demo flow on sites that behave as real ones do ends as it ends on a clean site (tests/site_true_flow.py).

A harsh Cloud site: search lagging 3 s behind writes (Atlassian: the enhanced JQL search is eventually
consistent), times written in America/New_York with its offsets (Jira Cloud's REST documentation: times in the
site's default user time zone), and every comment, transition and page update pmokit's account sends applied
and then answered 503 (a real 5xx can follow a committed write). A harsh Data Center: the same faults and time
zone, Jira and Confluence Data Center, and Tomcat's 8 KB request-line limit (Atlassian KB "Request header is too
large"). After sync, check, publish, the team's webhooks through `pmokit serve`, a reconcile at once, a sync and
a second publish: no issue missing or taken for deleted, every history at its instant, one pmokit comment where
the clean run has one, every page at the clean run's version.
"""

from __future__ import annotations

import pytest

from tests.site_true_flow import Flow, run

FLOWS = {
    "cloud": dict(flavor="cloud", confluence_flavor="cloud"),
    "datacenter": dict(flavor="datacenter", confluence_flavor="datacenter", max_url_bytes=8192),
}


@pytest.mark.parametrize("site", sorted(FLOWS))
def test_the_demo_flow_on_a_harsh_site_ends_as_on_a_clean_one(site, tmp_path):
    shape = dict(FLOWS[site], issues=200, events=30)  # 30 writes by the team, each a webhook
    clean = run(Flow(harsh=False, **shape), tmp_path / "clean")
    harsh = run(Flow(harsh=True, **shape), tmp_path / "harsh")
    assert clean.problems(clean) == []  # the comparison holds for the clean run itself
    assert harsh.writes_failed_after_applying >= 10  # the site did fail pmokit's writes
    assert harsh.events_delivered >= 30
    assert len(clean.pmokit_comments) >= 5 and max(clean.page_versions.values()) >= 2
    assert harsh.problems(clean) == []
