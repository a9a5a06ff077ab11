"""The languages pmokit speaks (English, Simplified Chinese), and the one way text is written in both.

Every sentence pmokit writes for people — a rule's message, the comment on an issue, a page heading, a chart
title — is a pair, ``t("Budget", "预算")``, given to a :class:`Words` for the language of the reader: written
where it is used, or, where a code picks the sentence (an indicator, a colour), in a table of pairs keyed by
that code (``t(*TEXTS[name])``). Names the PMO writes in YAML are :class:`config.base.Text` (``{en:, zh:}``).
"""

from __future__ import annotations

from typing import Literal

Language = Literal["en", "zh"]
LANGUAGES: tuple[Language, ...] = ("en", "zh")


class Words:
    """``t(en, zh)``: the text in this language. Only the chosen text is used; callers format it lazily where a
    sentence is expensive (``t("{n} gaps", "{n} 项").format(n=...)``)."""

    __slots__ = ("language",)

    def __init__(self, language: str):
        self.language: Language = "zh" if language == "zh" else "en"

    def __call__(self, en: str, zh: str) -> str:
        return zh if self.language == "zh" else en

    def __repr__(self) -> str:
        return f"Words({self.language!r})"
