"""Headless Chromium for the tests that look at pages as a person would: screenshots, the rendered DOM, and
which characters the browser draws as it draws a character no font has."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
NO_GLYPH = "\U0010fffd"  # a private-use code point no font draws: the reference for a missing glyph


def chromium(*args: str, cwd: Path) -> str:
    """Run headless Chromium; its standard output (the DOM, with --dump-dom)."""
    if CHROMIUM is None:
        pytest.skip("Chromium is not installed (.ci/run installs Debian's chromium package)")
    done = subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                           "--allow-file-access-from-files", *args], cwd=cwd, capture_output=True, timeout=120,
                          check=True, text=True)
    return done.stdout


def screenshot(page: Path, png: Path, width: int = 1280, height: int = 2600) -> Image.Image:
    chromium(f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri(), cwd=page.parent)
    return Image.open(png).convert("RGB")


def rendered_dom(page: Path) -> str:
    """The page's DOM after Chromium has laid it out (scripts run, entities decoded)."""
    return chromium("--dump-dom", page.as_uri(), cwd=page.parent)


def missing_glyphs(page: Path, text: str, workdir: Path) -> list[str]:
    """Characters of ``text`` that Chromium draws as it draws a character no font has, with the fonts and
    styles of ``page`` (its style sheet, and the font file beside it)."""
    style = re.search(r"<style>(.*?)</style>", page.read_text(encoding="utf-8"), re.S).group(1)
    style = style.replace("url('pmokit-cjk.otf')", f"url('{(page.parent / 'pmokit-cjk.otf').as_uri()}')")
    chars = [NO_GLYPH, *dict.fromkeys(ch for ch in text if not ch.isspace())]
    columns, cell = 20, 40
    rows = -(-len(chars) // columns)
    cells = "".join(f"<div class=c>{ch}</div>" for ch in chars)
    harness = workdir / "glyphs.html"
    harness.write_text(f"<!doctype html><meta charset=utf-8><style>{style} body{{margin:0;max-width:none;padding:0}}"
                       f".c{{float:left;width:{cell}px;height:{cell}px;font-size:26px;line-height:{cell}px;"
                       f"text-align:center;overflow:hidden}}</style>{cells}", encoding="utf-8")
    image = screenshot(harness, workdir / "glyphs.png", columns * cell, rows * cell)

    def tile(n: int) -> bytes:
        x, y = (n % columns) * cell, (n // columns) * cell
        return image.crop((x, y, x + cell, y + cell)).tobytes()

    blank, nothing = tile(0), Image.new("RGB", (cell, cell), (255, 255, 255)).tobytes()
    return [ch for n, ch in enumerate(chars[1:], 1) if tile(n) in (blank, nothing)]
