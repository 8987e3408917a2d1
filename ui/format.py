"""Display formatting of numbers (never changes a computed value): money, counts, percentages."""

from __future__ import annotations

import math

CURRENCY = "¥"


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def money(value: float | None) -> str:
    """``1234.5`` -> ``"¥1,234.50"``; large values abbreviated: ``12_345_678`` -> ``"¥12.35M"``."""
    if _missing(value):
        return "—"
    if abs(value) >= 1_000_000:
        return f"{CURRENCY}{value / 1_000_000:,.2f}M"
    return f"{CURRENCY}{value:,.2f}"


def count(value: float | None) -> str:
    """``12345.0`` -> ``"12,345"``."""
    return "—" if _missing(value) else f"{value:,.0f}"


def pct(value: float | None, digits: int = 1) -> str:
    """A share: ``0.1234`` -> ``"12.3%"``."""
    return "—" if _missing(value) else f"{value * 100:.{digits}f}%"


def change(value: float | None) -> str | None:
    """A relative change for st.metric's delta: ``0.052`` -> ``"+5.2%"``; None when unknown."""
    return None if _missing(value) else f"{value * 100:+.1f}%"
