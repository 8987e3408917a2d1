"""User-facing text: one catalogue per language, ``ui/locale/<lang>/``, looked up by dotted key.

The catalogue is split into one TOML file per page or area (``overview.toml`` holds the ``overview.*``
keys) so pages can be changed independently. ``t("overview.gmv")`` returns the text in the session's
language; ``t("data.loaded", rows=12)`` fills ``{rows}``.

The language is the session's ``lang`` (the sidebar switch, kept in the URL as ``lang=zh`` / ``lang=en``);
before the switch has run it comes from the URL, else the browser's language (``zh*`` -> Chinese), else
English. Outside a Streamlit run (chart builders in unit tests) it is ``DEFAULT_LANG``.

Names that analytics return in English (RFM segments, clusters, their suggested plays) are shown through
``name`` / ``play``: the catalogue's ``names`` / ``plays`` sections are keyed by a slug of the English name,
and a name the user typed (not in the catalogue) is shown as typed.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable
from contextvars import ContextVar
from functools import cache, wraps
from pathlib import Path
from typing import Any

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGS = ("en", "zh")
DEFAULT_LANG = "en"
LANG_KEY = "lang"  # session-state key and URL parameter of the language

_SUFFIX = re.compile(r"^(.*\S) (\d+)$")  # "Lapsed low value 2": a repeated cluster name
_BOUND: ContextVar[str | None] = ContextVar("ui_text_bound_lang", default=None)  # set by in_lang


@cache
def catalogue(lang: str = DEFAULT_LANG) -> dict[str, str]:
    """Flat mapping of dotted keys to text for ``lang`` (read once per process, never mutated)."""
    entries = {}
    for path in sorted((LOCALE_DIR / lang).glob("*.toml")):
        with open(path, "rb") as fh:
            entries.update({f"{path.stem}.{key}": text for key, text in tomllib.load(fh).items()})
    return entries


def browser_lang(locale: str | None) -> str:
    """The language for a browser locale: ``"zh-CN"`` / ``"zh-TW"`` / ``"zh"`` -> ``"zh"``, else English."""
    return "zh" if (locale or "").lower().startswith("zh") else DEFAULT_LANG


def current_lang() -> str:
    """The session's language; ``DEFAULT_LANG`` outside a Streamlit script run (unless ``in_lang`` set it)."""
    bound = _BOUND.get()
    if bound is not None:
        return bound
    if get_script_run_ctx(suppress_warning=True) is None:
        return DEFAULT_LANG
    lang = st.session_state.get(LANG_KEY)
    if lang in LANGS:
        return lang
    linked = st.query_params.get(LANG_KEY)  # first run, before the sidebar switch has been drawn
    return linked if linked in LANGS else browser_lang(st.context.locale)


def in_lang(func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` speaking the session's current language whenever it is called: for a widget's
    ``format_func``, which Streamlit's test harness also calls outside the script run."""
    lang = current_lang()

    @wraps(func)
    def bound(*args: Any, **kwargs: Any) -> Any:
        token = _BOUND.set(lang)
        try:
            return func(*args, **kwargs)
        finally:
            _BOUND.reset(token)

    return bound


def t(key: str, /, **values: object) -> str:
    """The text for ``key`` with ``values`` filled in; a missing key raises KeyError (tests catch it)."""
    text = catalogue(current_lang())[key]
    return text.format(**values) if values else text


def slug(english: str) -> str:
    """The catalogue key of an English name: ``"Can't Lose"`` -> ``"can_t_lose"``."""
    return re.sub(r"[^a-z0-9]+", "_", english.lower()).strip("_")


def name(english: object) -> str:
    """A segment or cluster name in the session's language: the catalogue's ``names.<slug>``, keeping a
    numbered repeat (``"Lapsed low value 2"`` -> ``"流失低价值客户 2"``); any other text (a name the user
    typed) is returned as it is."""
    text = str(english)
    names = catalogue(current_lang())
    found = names.get(f"names.{slug(text)}")
    if found is not None:
        return found
    repeat = _SUFFIX.match(text)
    if repeat and f"names.{slug(repeat[1])}" in names:
        return f"{names[f'names.{slug(repeat[1])}']} {repeat[2]}"
    return text


def english_name(shown: str) -> str:
    """The inverse of ``name`` in any language: ``"冠军客户"`` -> ``"Champions"``; unknown text unchanged."""
    return _english_names().get(shown.strip(), shown)


@cache
def _english_names() -> dict[str, str]:
    english = {k: v for k, v in catalogue("en").items() if k.startswith("names.")}
    return {catalogue(lang).get(k, v): v for lang in LANGS for k, v in english.items()}


def play(english: str) -> str:
    """The suggested play of segment ``english`` in the session's language ("" when it has none)."""
    return catalogue(current_lang()).get(f"plays.{slug(english)}", "")
