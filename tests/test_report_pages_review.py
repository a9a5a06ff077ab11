"""Every page every report publishes, read back from Confluence and looked at by checks that are not pmokit's:
the sandbox's storage-format check (what Confluence refuses: sandbox/storage_check.py) and its reader's review
(what a person would notice: markup shown as text, empty column headers, sections shown twice, characters no
one sees: sandbox/page_review.py). Both languages, every page type: the demo's two reports and the whole tree in
Chinese beside them.

The program pages showed the status macro's source where the colour counts belong (escaped twice, so stored as
``&lt;ac:structured-macro``): well-formed, so Confluence took it, and pmokit's own parser found nothing wrong.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml

from sandbox import Sandbox
from sandbox.page_review import reader_problems, visible_text
from sandbox.storage_check import check
from tests.browser import missing_glyphs, rendered_dom, screenshot
from tests.conftest import ANCHOR
from tests.syncing import runtime_for

CHINESE_TREE = {"title": "电商项目组合", "language": "zh",
                "pages": ["portfolio", "programs", "projects", "risks", "resources", "trends"]}


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """The demo synced, then every report published and previewed."""
    from click.testing import CliRunner

    from pmokit.cli import cli

    directory: Path = tmp_path_factory.mktemp("review")
    with Sandbox.start(seed="demo", anchor=ANCHOR) as sb:
        runtime_for(sb, directory, history_periods=12).close()  # trends pages with rebuilt weeks, both languages
        path = directory / "pmokit.yaml"
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        data["reports"]["definitions"]["tree-zh"] = CHINESE_TREE
        path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
        run = CliRunner()
        for args in (["sync", "--full"], *(["report", name, "--publish", "--preview", str(directory / "preview")]
                                          for name in data["reports"]["definitions"])):
            result = run.invoke(cli, ["--config", str(path), *args], catch_exceptions=False)
            assert result.exit_code == 0, (args, result.output)
        pages = {p.title: p.body for p in sb.state.pages.values()
                 if p.status == "current" and p.title != "Portfolio Reports"}
    return Published(pages, directory / "preview")


@dataclass(frozen=True)
class Published:
    pages: dict[str, str]  # title -> stored body, as Confluence keeps it
    preview: Path  # the reports' previews, one directory each
# One page of each type, in English (the demo's weekly report) and in Chinese (the whole tree in Chinese).
PAGE_TYPES = ["index", "program-storefront", "project-OMS", "risks", "resources", "trends"]


def test_every_published_page_is_storage_format_confluence_takes(published):
    assert len(published.pages) >= 19 + 3 + 19
    refused = {title: problem.message for title, body in published.pages.items() if (problem := check(body))}
    assert refused == {}


def test_no_reader_sees_markup_empty_headers_or_a_section_twice(published):
    found = {title: problems for title, body in published.pages.items() if (problems := reader_problems(body))}
    assert found == {}


def test_the_chinese_pages_read_in_chinese(published):
    """The zh report's words are Chinese: no English word of pmokit's own where a reader looks (names of
    people, projects and issue keys are the site's, and may be Latin, as are the section names the standard asks
    for, such as 'Risks')."""
    chinese = {title: visible_text(body) for title, body in published.pages.items() if title.startswith("电商项目组合")}
    assert len(chinese) >= 19 + 3
    english = ("generated", "RAG", "To Do", "In Progress", "Done", "project record", "Why", "Budget", "Progress",
               "Resources", "Trends", "Child pages", "Status", "Milestone", "over budget", "open risk")
    found = {title: [w for w in english if w in text] for title, text in chinese.items()}
    assert {title: words for title, words in found.items() if words} == {}


class _Reading(HTMLParser):
    """What a reader sees of a rendered page: its text, its table headers, its headings."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.headers: list[str] = []
        self.headings: list[str] = []
        self._in: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script"):
            self._skip += 1
        if tag in ("th", "h1", "h2", "h3"):
            self._in.append(tag)
            (self.headers if tag == "th" else self.headings).append("")

    def handle_endtag(self, tag):
        if tag in ("style", "script"):
            self._skip -= 1
        if self._in and tag == self._in[-1]:
            self._in.pop()

    def handle_data(self, data):
        if self._skip:
            return
        self.text.append(data)
        if self._in:
            target = self.headers if self._in[-1] == "th" else self.headings
            target[-1] += data

    def handle_startendtag(self, tag, attrs):
        if tag == "img" and self._in and self._in[-1] == "th":
            self.headers[-1] += "[image]"


@pytest.mark.parametrize("language, report", [("en", "portfolio-weekly"), ("zh", "tree-zh")])
def test_every_page_type_in_a_browser_shows_no_markup_empty_header_missing_glyph_or_section_twice(
        published, language, report, tmp_path):
    """Each page type as Chromium lays it out (the preview, which draws pages as Confluence shows them, with its
    own Chinese font): no markup or escaped entity in what a reader sees, no column without a header, no heading
    twice, and no character the browser draws as an empty box. Screenshots are kept in the test's directory
    (and copied to $PMOKIT_SCREENSHOTS when it is set)."""
    directory = published.preview / report
    seen = ""
    for name in PAGE_TYPES:
        page = directory / f"{name}.html"
        assert page.is_file(), page
        reading = _Reading()
        reading.feed(rendered_dom(page))
        text = " ".join("".join(reading.text).split())
        assert not re.search(r"<\s*/?\s*(ac|ri):|&lt;|&amp;|structured-macro", text), (name, text[:300])
        assert all(h.strip() for h in reading.headers), (name, reading.headers)
        headings = [" ".join(h.split()) for h in reading.headings]
        assert len(headings) == len(set(headings)), (name, headings)
        seen += text
        shot = screenshot(page, tmp_path / f"{language}-{name}.png", 1280, 1800)
        assert shot.size == (1280, 1800)
        if os.environ.get("PMOKIT_SCREENSHOTS"):
            Path(os.environ["PMOKIT_SCREENSHOTS"]).mkdir(parents=True, exist_ok=True)
            shot.save(Path(os.environ["PMOKIT_SCREENSHOTS"]) / f"{language}-{name}.png")
    beyond_ascii = "".join(sorted({ch for ch in seen if ord(ch) > 0x7F and not ch.isspace()}))
    if language == "zh":
        assert len(beyond_ascii) > 200  # the Chinese pages: words, names, lozenges
    assert missing_glyphs(directory / "index.html", beyond_ascii, tmp_path) == []
