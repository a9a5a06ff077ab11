"""The common end of a template check: pass, or fail naming what is missing and how to fix it."""

from __future__ import annotations

from collections.abc import Sequence

from ..context import CheckContext
from ..results import Outcome, State


def verdict(ctx: CheckContext, evidence: Sequence[str], missing: Sequence[str], passed: tuple[str, str],
            failed: tuple[str, str], fix: tuple[str, str]) -> Outcome:
    """``failed`` and ``fix`` are (English, Chinese) templates with ``{names}``, the missing items joined."""
    if not missing:
        return Outcome(State.PASS, ctx.t(*passed), tuple(evidence))
    names = ", ".join(missing)
    # Only the chosen language is formatted: this runs once per failing check.
    return Outcome(State.FAIL, ctx.t(*failed).format(names=names), tuple(evidence), tuple(missing),
                   ctx.t(*fix).format(names=names))
