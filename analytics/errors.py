"""The one error type analytics raise for unusable input, and the boundary check that raises it."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd


class AnalyticsInputError(ValueError):
    """Input that cannot be analysed. The message says what was wrong, where, and how to fix it."""


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, where: str) -> None:
    """Raise AnalyticsInputError unless ``frame`` is a DataFrame holding every name in ``columns``.

    ``where`` names the function or file for the message, e.g. ``"rfm_table"``.
    """
    if not isinstance(frame, pd.DataFrame):
        raise AnalyticsInputError(
            f"{where} needs a pandas DataFrame. Got {type(frame).__name__} instead."
        )
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "no columns"
        raise AnalyticsInputError(
            f"{where} needs the column(s) {', '.join(missing)}. Found: {found}. "
            "Rename or map your columns to the data contract (see the Data page)."
        )


def require_choice(value: object, choices: Iterable[object], *, name: str, where: str) -> None:
    """Raise AnalyticsInputError unless ``value`` is one of ``choices`` (scikit-learn style message)."""
    choices = list(choices)
    if value not in choices:
        listed = ", ".join(repr(c) for c in choices)
        raise AnalyticsInputError(
            f"The '{name}' parameter of {where} must be one of {listed}. Got {value!r} instead."
        )
