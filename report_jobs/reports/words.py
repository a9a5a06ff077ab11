"""The codes a report shows as words (a colour, a gate's state), in English and Chinese: the same words on the
pages and in the exported tables."""

from __future__ import annotations

# A RAG colour as a lozenge reads it.
COLOUR_NAMES = {"green": ("green", "绿"), "amber": ("amber", "黄"), "red": ("red", "红")}
# A gate's state as the lozenge reads it (the lozenge's colour is pages.storage.COLOURS[state]).
GATE_STATES = {"pass": ("passed", "已通过"), "pending": ("pending", "待定"), "fail": ("not met", "未通过"),
               "skipped": ("not reached", "未到"), "error": ("error", "出错"), "breach": ("breach", "违反"),
               "hold": ("on hold", "暂停"), "kill": ("killed", "终止")}
