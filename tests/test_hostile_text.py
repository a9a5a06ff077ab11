"""Text people paste into Jira reaches the store and the pages whatever it holds.

One NUL byte in one summary made `pmokit sync --full` fail on PostgreSQL with psycopg.DataError and save
nothing, for good: the NUL stayed in the changelog after the summary was fixed. A lone surrogate (Java writes
one out as "\\ud800") cannot be encoded for either store. Both, and the control characters XML cannot hold,
now pass the connector cleaned, the same way on SQLite and PostgreSQL.
"""

from __future__ import annotations

import sqlalchemy as sa

from pmokit.store import open_store
from pmokit.store.tables import ChangelogItem, IssueSnapshot
from report_jobs.reports.charts import missing_glyphs
from tests.syncing import runtime_for

PASTED = "Payment\u0000 gateway \u2028v2\u0007\u001b[31m"  # NUL, a line separator, BEL, an ANSI escape
WORLD_NAME = "Payment Gateway ระบบชำระเงิน भुगतान 🛒 支付网关"  # Thai, Devanagari, an emoji, Chinese


def _edit(sb, key: str, summary: str) -> None:
    response = sb.session().put(f"{sb.url}/rest/api/2/issue/{key}", json={"fields": {"summary": summary}},
                                timeout=10)
    assert response.status_code == 204, response.text


def test_nul_and_surrogates_sync_on_both_stores_and_stay_synced(fresh_sandbox, tmp_path, store_url, run_cli):
    sb = fresh_sandbox
    _edit(sb, "SHOP-2", PASTED)
    runtime_for(sb, tmp_path, store_url=store_url).close()
    config = str(tmp_path / "pmokit.yaml")
    result = run_cli("--config", config, "sync", "--full")
    assert result.exit_code == 0, result.output
    store = open_store(store_url, tmp_path)
    try:
        with store.sessions() as session:
            snapshot = session.scalars(sa.select(IssueSnapshot).where(IssueSnapshot.key == "SHOP-2")).one()
            assert snapshot.fields["summary"] == "Payment gateway \u2028v2[31m"
            changes = session.scalars(sa.select(ChangelogItem.to_string).where(
                ChangelogItem.issue_id == snapshot.id, ChangelogItem.field == "summary")).all()
            assert "Payment gateway \u2028v2[31m" in changes
            assert session.scalar(sa.select(sa.func.count()).select_from(IssueSnapshot)) > 100
        # The summary fixed in Jira: the next syncs run, and the old text stays in the history, cleaned.
        _edit(sb, "SHOP-2", "Payment gateway v2")
        assert run_cli("--config", config, "sync").exit_code == 0
        assert run_cli("--config", config, "sync", "--full").exit_code == 0
        with store.sessions() as session:
            snapshot = session.scalars(sa.select(IssueSnapshot).where(IssueSnapshot.key == "SHOP-2")).one()
            assert snapshot.fields["summary"] == "Payment gateway v2"
    finally:
        store.engine.dispose()


def test_pasted_text_reaches_a_report_page_readable(fresh_sandbox, tmp_path, run_cli):
    """The cleaned text is what a page shows: a report with that summary publishes (Confluence's storage
    format is XML, which refuses a NUL or a BEL)."""
    sb = fresh_sandbox
    milestone = next(i.key for i in sb.state.live_issues() if i.project_key == "SHOP" and i.issue_type == "Milestone")
    _edit(sb, milestone, PASTED)  # a milestone's summary is shown on its project's page
    _edit(sb, "PAY-1", WORLD_NAME)  # a project named in scripts the chart fonts may not have
    runtime_for(sb, tmp_path).close()
    config = str(tmp_path / "pmokit.yaml")
    assert run_cli("--config", config, "sync", "--full").exit_code == 0
    result = run_cli("--config", config, "report", "--publish", "--preview", str(tmp_path / "preview"))
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output
    pages = "".join(p.read_text("utf-8") for p in (tmp_path / "preview").rglob("*.html"))
    assert "\x00" not in pages and "\x07" not in pages and "Payment gateway" in pages
    stored = "".join(p.body + p.title for p in sb.state.pages.values())
    assert WORLD_NAME in stored  # the pages carry the name whole; only a chart label may lose a glyph
    assert "\x1b" not in stored and "Payment gateway" in stored
    if missing_glyphs(WORLD_NAME):  # this machine lacks a font for some of it: said, and the report published
        assert "no font on this machine draws" in result.stderr


def test_a_lone_surrogate_in_an_answer_becomes_a_replacement_character():
    """Java writes a lone UTF-16 surrogate out as "\\ud800"; no UTF-8 encoder (and so no store) takes it. The
    connector's answers replace it with U+FFFD, keys included; a proper pair stays the character it is."""
    import responses

    from tests.test_connector_retry import URL, FakeClock, connector

    body = b'{"fields": {"summary": "a\\ud800b \\ud83d\\ude00 \\u0000c", "\\udfffkey": 1}}'
    with responses.RequestsMock() as mocked:
        mocked.get(f"{URL}/rest/api/2/issue/1", body=body, content_type="application/json")
        answer = connector(FakeClock()).get("issue/1", api="2")
    assert answer == {"fields": {"summary": "a\ufffdb \U0001f600 c", "\ufffdkey": 1}}


def test_answers_the_fast_parser_refuses_are_read_by_the_standard_one():
    """Answers are parsed by orjson, which refuses what JSON allows past 64 bits (an id or a number field of 30
    digits a script wrote): such an answer is read all the same, exactly."""
    import responses

    from tests.test_connector_retry import URL, FakeClock, connector

    body = b'{"id": "1", "fields": {"customfield_1": 123456789012345678901234567890, "ratio": 1e400}}'
    with responses.RequestsMock() as mocked:
        mocked.get(f"{URL}/rest/api/2/issue/1", body=body, content_type="application/json")
        answer = connector(FakeClock()).get("issue/1", api="2")
    assert answer["fields"]["customfield_1"] == 123456789012345678901234567890
    assert answer["fields"]["ratio"] == float("inf")
