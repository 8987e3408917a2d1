"""Display formatting of numbers (never changes a computed value): money, counts, percentages.

Large figures are abbreviated in the session's language (ui.text.current_lang): English in millions and
billions (``¥12.35M``, ``1.2B``), Chinese in 万 (10^4) and 亿 (10^8) (``¥2,346.12万``, ``1.2亿``).
Values under a million are written in full with thousands separators in both languages. Dates stay ISO
(``2026-01-31``) in both.
"""

from __future__ import annotations

import math

from ui.text import current_lang

CURRENCY = "¥"
FULL_BELOW = 1_000_000  # values below this are written in full
_UNITS = {  # language -> (unit size, suffix), largest first
    "en": ((1_000_000_000, "B"), (1_000_000, "M")),
    "zh": ((100_000_000, "亿"), (10_000, "万")),
}


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _abbreviated(value: float, digits: int) -> str | None:
    """``value`` in the language's largest unit it reaches (``"2,346.12万"``); None below FULL_BELOW."""
    if abs(value) < FULL_BELOW or math.isinf(value):
        return None
    for size, suffix in _UNITS[current_lang()]:
        if round(abs(value) / size, digits) >= 1:  # 99,999,999 -> "1.00亿", not "10,000.00万"
            return f"{value / size:,.{digits}f}{suffix}"
    return None


def money(value: float | None) -> str:
    """``1234.5`` -> ``"¥1,234.50"``; from a million on abbreviated: ``12_345_678`` -> ``"¥12.35M"``
    (English) or ``"¥1,234.57万"`` (Chinese); ``123_456_789`` -> ``"¥1.23亿"`` in Chinese."""
    if _missing(value):
        return "—"
    short = _abbreviated(value, 2)
    return f"{CURRENCY}{short}" if short else f"{CURRENCY}{value:,.2f}"


def count(value: float | None) -> str:
    """``12345.0`` -> ``"12,345"``; from a million on abbreviated: ``2_500_000`` -> ``"2.5M"`` (English) or
    ``"250.0万"`` (Chinese); ``123_456_789`` -> ``"1.2亿"`` in Chinese."""
    if _missing(value):
        return "—"
    return _abbreviated(value, 1) or f"{value:,.0f}"


def pct(value: float | None, digits: int = 1) -> str:
    """A share: ``0.1234`` -> ``"12.3%"`` (both languages)."""
    return "—" if _missing(value) else f"{value * 100:.{digits}f}%"


def change(value: float | None) -> str | None:
    """A relative change for st.metric's delta: ``0.052`` -> ``"+5.2%"``; None when unknown."""
    return None if _missing(value) else f"{value * 100:+.1f}%"
