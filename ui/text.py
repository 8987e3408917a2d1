"""User-facing text: one catalogue per language in ``ui/locale/<lang>.toml``, looked up by dotted key.

``t("overview.gmv")`` returns the English text; ``t("data.loaded", rows=12)`` fills ``{rows}``.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
DEFAULT_LANG = "en"


@cache
def catalogue(lang: str = DEFAULT_LANG) -> dict[str, str]:
    """Flat mapping of dotted keys to text for ``lang`` (read once per process, never mutated)."""
    with open(LOCALE_DIR / f"{lang}.toml", "rb") as fh:
        nested = tomllib.load(fh)
    return {f"{section}.{key}": text for section, entries in nested.items() for key, text in entries.items()}


def t(key: str, /, **values: object) -> str:
    """The text for ``key`` with ``values`` filled in; a missing key raises KeyError (tests catch it)."""
    text = catalogue(DEFAULT_LANG)[key]
    return text.format(**values) if values else text
