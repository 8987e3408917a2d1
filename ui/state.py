"""Option widgets whose URL parameter carries the option's stable value (an id, a code), not its label.

Streamlit's ``bind="query-params"`` writes an option widget's *formatted label* into the URL, which
would put data-set names or translated text in links. Plain values (dates, numbers, text, sliders) use
the native binding; option widgets with labels use ``choice`` / ``choices`` here: the URL value seeds the
widget on the session's first run, then the widget's value is written back on every run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st

from ui.text import in_lang, t


def _seed(key: str, options: Sequence[Any], default: Any, parse: Callable[[str], Any]) -> bool:
    """Put the URL's value (or ``default``) into session state once; False if the URL value was invalid."""
    if key in st.session_state:
        return True
    raw = st.query_params.get(key)
    value = default
    valid = True
    if raw is not None:
        try:
            parsed = parse(raw)
        except ValueError:
            parsed = None
        valid = parsed in options
        value = parsed if valid else default
    st.session_state[key] = value
    return valid


def _write(key: str, value: Any, default: Any) -> None:
    if value == default or value is None:
        st.query_params.pop(key, None)
    else:
        st.query_params[key] = str(value)


def choice(widget: Callable[..., Any], label: str, options: Sequence[Any], *, key: str, default: Any = None,
           parse: Callable[[str], Any] = str, **kwargs: Any) -> Any:
    """An option widget (st.selectbox, st.radio, st.segmented_control, ...) synced with URL ``key``.

    ``parse`` turns the URL text back into an option (e.g. ``int``). An unknown URL value falls back to
    ``default`` (first option when None) with a warning. A ``format_func`` speaks the session's language
    (ui.text.in_lang). Returns the chosen option.
    """
    options = list(options)
    default = options[0] if default is None else default
    if not _seed(key, options, default, parse):
        st.warning(t("common.bad_link_value", label=label))
    if st.session_state[key] not in options:
        st.session_state[key] = default
    if "format_func" in kwargs:
        kwargs["format_func"] = in_lang(kwargs["format_func"])
    value = widget(label, options, key=key, persist_state="session", **kwargs)
    _write(key, value, default)
    return value


def choices(label: str, options: Sequence[Any], *, key: str, default: Sequence[Any] = (),
            **kwargs: Any) -> list[Any]:
    """st.multiselect synced with URL ``key`` as a comma-separated list of option values (strings)."""
    options = [str(o) for o in options]
    if key not in st.session_state:
        raw = st.query_params.get(key)
        picked = [v for v in raw.split(",") if v in options] if raw else list(default)
        st.session_state[key] = picked
    st.session_state[key] = [v for v in st.session_state[key] if v in options]
    if "format_func" in kwargs:
        kwargs["format_func"] = in_lang(kwargs["format_func"])
    value = st.multiselect(label, options, key=key, persist_state="session", **kwargs)
    _write(key, ",".join(value), ",".join(default))
    return value
