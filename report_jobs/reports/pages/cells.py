"""How a figure reads in a page: missing values as a dash, never ``nan``; thousands separated."""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

DASH = "—"


def missing(value: Any) -> bool:
    return value is None or value is pd.NaT or (isinstance(value, float) and math.isnan(value))


def number(value: Any, digits: int = 0) -> str:
    return DASH if missing(value) else f"{float(value):,.{digits}f}"


def pct(value: Any) -> str:
    return DASH if missing(value) else f"{float(value):.0f}%"


def signed_pct(value: Any) -> str:
    return DASH if missing(value) else f"{float(value):+.0f}%"


def signed_number(value: Any, digits: int = 1) -> str:
    return DASH if missing(value) else f"{float(value):+,.{digits}f}"


def day(value: Any) -> str:
    if missing(value):
        return DASH
    return pd.Timestamp(value).date().isoformat()


def text(value: Any) -> str:
    return DASH if missing(value) or value == "" else str(value)
