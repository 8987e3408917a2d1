"""User-facing text: one catalogue per language, ``ui/locale/<lang>/``, looked up by dotted key.

The catalogue is split into one TOML file per page or area (``overview.toml`` holds the ``overview.*``
keys) so pages can be changed independently. ``t("overview.gmv")`` returns the text;
``t("data.loaded", rows=12)`` fills ``{rows}``.
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
    entries = {}
    for path in sorted((LOCALE_DIR / lang).glob("*.toml")):
        with open(path, "rb") as fh:
            entries.update({f"{path.stem}.{key}": text for key, text in tomllib.load(fh).items()})
    return entries


def t(key: str, /, **values: object) -> str:
    """The text for ``key`` with ``values`` filled in; a missing key raises KeyError (tests catch it)."""
    text = catalogue(DEFAULT_LANG)[key]
    return text.format(**values) if values else text
