"""Publishing page trees to Confluence: no noise when nothing changed, one minor update when it did."""

from __future__ import annotations

import pytest

from connector.publisher import AttachmentSpec, PageSpec
from tests.syncing import runtime_for


@pytest.fixture
def world(fresh_sandbox, tmp_path):
    runtime = runtime_for(fresh_sandbox, tmp_path)
    yield fresh_sandbox, runtime
    runtime.close()


def tree(shop_body: str = "<p>SHOP is <strong>green</strong></p>", chart: bytes = b"\x89PNG one"):
    return [
        PageSpec("portfolio", "E-commerce Portfolio", "<p>Portfolio</p>", labels=("pmokit", "portfolio"),
                 attachments=(AttachmentSpec("rag-history.png", chart),)),
        PageSpec("program/storefront", "Digital Storefront 数字店铺", "<p>Program</p>", parent_key="portfolio"),
        PageSpec("project/SHOP", "SHOP — Storefront Revamp", shop_body, parent_key="program/storefront",
                 labels=("project",)),
    ]


def test_publishing_the_same_tree_twice_writes_nothing_the_second_time(world):
    sb, runtime = world
    first = runtime.publisher.publish(tree())
    assert sorted(first.created) == ["portfolio", "program/storefront", "project/SHOP"]
    assert first.attachments_uploaded == 1
    parent = next(p for p in sb.state.pages.values() if p.title == "Portfolio Reports")
    pages = {p.title: p for p in sb.state.pages.values()}
    assert pages["E-commerce Portfolio"].parent_id == parent.id
    assert pages["SHOP — Storefront Revamp"].parent_id == pages["Digital Storefront 数字店铺"].id
    assert pages["E-commerce Portfolio"].labels == ["pmokit", "portfolio"]
    sb.reset_stats()
    second = runtime.publisher.publish(tree())
    stats = sb.stats()
    assert sorted(second.unchanged) == ["portfolio", "program/storefront", "project/SHOP"]
    assert stats["writes_total"] == 0
    assert stats["requests_total"] <= 3  # at most one read per page
    assert all(p.version == 1 for p in sb.state.pages.values() if p.title in pages)


def test_a_change_is_exactly_one_minor_update(world):
    sb, runtime = world
    runtime.publisher.publish(tree())
    sb.reset_stats()
    report = runtime.publisher.publish(tree(shop_body="<p>SHOP is <strong>amber</strong></p>"))
    assert report.updated == ["project/SHOP"]
    assert sb.stats()["writes"] == {"page": 1}
    page = next(p for p in sb.state.pages.values() if p.title == "SHOP — Storefront Revamp")
    assert page.version == 2 and page.minor_edit is True and "amber" in page.body


def test_attachments_are_uploaded_only_when_their_bytes_change(world):
    sb, runtime = world
    runtime.publisher.publish(tree())
    sb.reset_stats()
    runtime.publisher.publish(tree(chart=b"\x89PNG one"))
    assert sb.stats()["writes"] == {}
    runtime.publisher.publish(tree(chart=b"\x89PNG two"))
    assert sb.stats()["writes"] == {"attachment": 1}
    page = next(p for p in sb.state.pages.values() if p.title == "E-commerce Portfolio")
    [attachment] = page.attachments
    assert attachment.version == 2 and attachment.data == b"\x89PNG two"


def test_a_409_rereads_and_retries(world):
    sb, runtime = world
    runtime.publisher.publish(tree())
    sb.set_faults(confluence_conflicts=2)
    report = runtime.publisher.publish(tree(shop_body="<p>changed</p>"))
    assert report.updated == ["project/SHOP"] and not report.failed
    assert sb.stats()["responses"]["409"] == 2


def test_too_many_409s_fail_that_page_only(world):
    sb, runtime = world
    runtime.publisher.publish(tree())
    sb.set_faults(confluence_conflicts=10)
    report = runtime.publisher.publish(tree(shop_body="<p>changed again</p>"))
    assert list(report.failed) == ["project/SHOP"]
    assert "409" in report.failed["project/SHOP"]
    assert sorted(report.unchanged) == ["portfolio", "program/storefront"]


def test_one_failing_page_does_not_stop_the_others(world):
    _, runtime = world
    pages = tree()
    pages[1] = PageSpec("program/storefront", "Digital Storefront 数字店铺", "<p>broken <b></p>",
                        parent_key="portfolio")
    pages.append(PageSpec("program/payments", "Payments and Finance", "<p>ok</p>", parent_key="portfolio"))
    report = runtime.publisher.publish(pages)
    assert set(report.failed) == {"program/storefront", "project/SHOP"}
    assert "Error parsing xhtml" in report.failed["program/storefront"]
    assert report.failed["project/SHOP"] == "its parent program/storefront was not published"
    assert sorted(report.created) == ["portfolio", "program/payments"]
    assert "failed: program/storefront" in report.line()


def test_a_page_deleted_in_confluence_is_created_again(world):
    sb, runtime = world
    runtime.publisher.publish(tree())
    page = next(p for p in sb.state.pages.values() if p.title == "SHOP — Storefront Revamp")
    sb.session().delete(f"{sb.url}/wiki/rest/api/content/{page.id}")
    report = runtime.publisher.publish(tree())
    assert report.created == ["project/SHOP"]
