"""Every page every report publishes, read back from Confluence and looked at by checks that are not pmokit's:
the sandbox's storage-format check (what Confluence refuses: sandbox/storage_check.py) and its reader's review
(what a person would notice: markup shown as text, empty column headers, sections shown twice, characters no
one sees: sandbox/page_review.py). Both languages, every page type: the demo's two reports and the whole tree in
Chinese beside them.

The program pages showed the status macro's source where the colour counts belong (escaped twice, so stored as
``&lt;ac:structured-macro``): well-formed, so Confluence took it, and pmokit's own parser found nothing wrong.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from sandbox import Sandbox
from sandbox.page_review import reader_problems, visible_text
from sandbox.storage_check import check
from tests.conftest import ANCHOR
from tests.syncing import runtime_for

CHINESE_TREE = {"title": "电商项目组合", "language": "zh",
                "pages": ["portfolio", "programs", "projects", "risks", "resources", "trends"]}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The demo synced, then every report published: title -> stored body of each page."""
    from click.testing import CliRunner

    from pmokit.cli import cli

    directory: Path = tmp_path_factory.mktemp("review")
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        runtime_for(sb, directory).close()
        path = directory / "pmokit.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["reports"]["definitions"]["tree-zh"] = CHINESE_TREE
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        run = CliRunner()
        for args in (["sync", "--full"], *(["report", name, "--publish"]
                                                              for name in data["reports"]["definitions"])):
            result = run.invoke(cli, ["--config", str(path), *args], catch_exceptions=False)
            assert result.exit_code == 0, (args, result.output)
        pages = {p.title: p.body for p in sb.state.pages.values()
                 if p.status == "current" and p.title != "Portfolio Reports"}
    return pages


def test_every_published_page_is_storage_format_confluence_takes(published):
    assert len(published) >= 19 + 3 + 19
    refused = {title: problem.message for title, body in published.items() if (problem := check(body))}
    assert refused == {}


def test_no_reader_sees_markup_empty_headers_or_a_section_twice(published):
    found = {title: problems for title, body in published.items() if (problems := reader_problems(body))}
    assert found == {}


def test_the_chinese_pages_read_in_chinese(published):
    """The zh report's words are Chinese: no English word of pmokit's own where a reader looks (names of
    people, projects and issue keys are the site's, and may be Latin, as are the section names the standard asks
    for, such as 'Risks')."""
    chinese = {title: visible_text(body) for title, body in published.items() if title.startswith("电商项目组合")}
    assert len(chinese) >= 19 + 3
    english = ("generated", "RAG", "To Do", "In Progress", "Done", "project record", "Why", "Budget", "Progress",
               "Resources", "Trends", "Child pages", "Status", "Milestone", "over budget", "open risk")
    found = {title: [w for w in english if w in text] for title, text in chinese.items()}
    assert {title: words for title, words in found.items() if words} == {}
