"""Jira Cloud's bulk changelog read as real sites answer it.

Source: Atlassian's REST reference for `POST /rest/api/3/changelog/bulkfetch` (in `shared/specs/openapi`,
operation `getBulkChangelogs`): it "returns a paginated list of all changelogs for given issues sorted by changelog
date and issue IDs, starting from the oldest changelog and smallest issue ID"; up to 1,000 issues a request;
`BulkChangelogRequestBean.maxResults` is 1 to 10,000, 1,000 by default; the answer (`BulkChangelogResponseBean`)
has `issueChangeLogs` and `nextPageToken` only, so a page cut to the server's limit shows only as a page shorter
than asked that still has a `nextPageToken`.

The sandbox used to answer issue by issue (every history of the first issue, then the next): one issue's histories
never came between another's, and a reader that kept one list per page, or took an issue's histories as they came,
looked right there. Now a page is a slice of every requested history ordered by date and issue id, so an issue's
histories spread over several pages, between other issues'.
"""

from __future__ import annotations

import itertools
from datetime import datetime

from connector.jira_reader import JiraReader
from sandbox import Sandbox
from sandbox.histories import all_histories
from sandbox.seed import SeedOptions
from tests.conftest import ANCHOR
from tests.syncing import runtime_for, syncer, truth

BULK = "/rest/api/3/changelog/bulkfetch"
# 120 issues with 150 histories each: 18,000 histories, two pages of 10,000 at most.
LONG = SeedOptions(issues=1200, long_history_share=0.1, long_history=(150, 150), short_history=(8, 8), anchor=ANCHOR)


def _instant(created: str) -> datetime:
    return datetime.strptime(created, "%Y-%m-%dT%H:%M:%S.%f%z")


def _pages(sb: Sandbox, ids: list[str], max_results: int | None) -> list[dict]:
    session, pages, token = sb.session(), [], None
    while True:
        body: dict = {"issueIdsOrKeys": ids}
        if max_results is not None:
            body["maxResults"] = max_results
        if token:
            body["nextPageToken"] = token
        answer = session.post(f"{sb.url}{BULK}", json=body, timeout=60)
        assert answer.status_code == 200, answer.text
        pages.append(answer.json())
        token = pages[-1].get("nextPageToken")
        if not token:
            return pages


def test_bulk_changelogs_are_ordered_by_date_and_issue_id_across_pages():
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        issues = [i for i in sb.state.live_issues() if i.project_key == "PAY"][:40]
        ids = [str(i.id) for i in reversed(issues)]  # asked in any order: answered by date and issue id
        pages = _pages(sb, ids, 25)
        flat = [h["id"] for page in pages for log in page["issueChangeLogs"] for h in log["changeHistories"]]
        assert len(flat) == sum(len(all_histories(sb.state, i)) for i in issues)
        assert all(len([h for log in p["issueChangeLogs"] for h in log["changeHistories"]]) == 25
                   for p in pages[:-1])
        # One issue's histories come in several pages, with other issues' in between.
        spread = {}
        for number, page in enumerate(pages):
            for log in page["issueChangeLogs"]:
                spread.setdefault(log["issueId"], set()).add(number)
        assert max(len(numbers) for numbers in spread.values()) > 1
        # Within a page: one entry per issue, its histories oldest first; page after page, by instant then issue.
        keys = [[(_instant(h["created"]), int(log["issueId"])) for log in page["issueChangeLogs"]
                 for h in log["changeHistories"]] for page in pages]
        for page in pages:
            assert len({log["issueId"] for log in page["issueChangeLogs"]}) == len(page["issueChangeLogs"])
            for log in page["issueChangeLogs"]:
                created = [_instant(h["created"]) for h in log["changeHistories"]]
                assert created == sorted(created)
        assert all(max(before) <= min(after) for before, after in itertools.pairwise(keys))
        # maxResults: 1,000 by default, at most 10,000; the answer never says it cut the page.
        default = _pages(sb, ids, None)[0]
        assert sum(len(log["changeHistories"]) for log in default["issueChangeLogs"]) == min(1000, len(flat))
        assert set(default) <= {"issueChangeLogs", "nextPageToken"}
    with Sandbox.start(seed="demo", seed_options=LONG) as big:
        cut = [str(i.id) for i in big.state.live_issues() if len(all_histories(big.state, i)) > 100][:1000]
        first = big.session().post(f"{big.url}{BULK}", json={"issueIdsOrKeys": cut, "maxResults": 50000},
                                   timeout=60).json()
        assert sum(len(log["changeHistories"]) for log in first["issueChangeLogs"]) == 10000
        assert first["nextPageToken"] and "maxResults" not in first


def test_pmokit_reads_every_history_in_order_whatever_page_it_came_in(tmp_path):
    """Through the connector's reader (whole changelogs of 120 issues, 18,000 histories over two pages, each
    issue's spread over both) and `pmokit`'s full sync: every history, each issue's oldest first."""
    with Sandbox.start(seed="demo", seed_options=LONG) as sb:
        runtime = runtime_for(sb, tmp_path)
        try:
            long_ones = [i for i in sb.state.live_issues() if len(all_histories(sb.state, i)) > 100]
            assert sum(len(all_histories(sb.state, i)) for i in long_ones) > 10000
            sb.reset_stats()
            logs = JiraReader(runtime.jira).changelogs([str(i.id) for i in long_ones])
            assert sb.stats()["requests"]["POST /rest/api/{version}/changelog/bulkfetch"] == 2
            for issue in long_ones:
                assert [h["id"] for h in logs[str(issue.id)]] == [h["id"] for h in all_histories(sb.state, issue)]
            summary = syncer(runtime).full()
            assert summary.histories == sum(truth(sb).values())
        finally:
            runtime.close()
