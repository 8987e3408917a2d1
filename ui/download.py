"""Downloads: CSV with spreadsheet-formula cells neutralised (DESIGN §7)."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st

from ui.text import t

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_csv(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV (with BOM, so Excel reads Chinese text) where every text cell starting with
    ``= + - @`` (or tab / CR) is prefixed with a quote ``'`` so spreadsheets never run it as a formula.
    Numbers are left as they are (a negative amount stays a number)."""
    out = frame.copy()
    for col in out.columns:
        if out[col].dtype == object or pd.api.types.is_string_dtype(out[col]) or \
                isinstance(out[col].dtype, pd.CategoricalDtype):
            text = out[col].astype("string")
            risky = text.str.startswith(_FORMULA_START).fillna(False)
            out[col] = text.where(~risky, "'" + text)
    return out.to_csv(index=False).encode("utf-8-sig")


def csv_button(frame: pd.DataFrame | Callable[[], pd.DataFrame], file_name: str, *, key: str,
               label_key: str = "common.download_csv", label: str | None = None) -> None:
    """A download button for ``frame`` as a formula-safe CSV named ``file_name``. The CSV is built only
    when the button is clicked; ``frame`` may be a function returning the frame (for big member lists)."""
    build = frame if callable(frame) else (lambda: frame)
    st.download_button(label or t(label_key), lambda: safe_csv(build()), file_name=file_name,
                       mime="text/csv", key=key, on_click="ignore")


def table(frame: pd.DataFrame, file_name: str, *, key: str, config: dict | None = None,
          csv: pd.DataFrame | Callable[[], pd.DataFrame] | None = None, **options) -> None:
    """``frame`` as a read-only table (``config``: st.column_config per column; ``options`` go to
    st.dataframe) with its CSV download named ``file_name``; ``csv`` replaces the frame in the download."""
    st.dataframe(frame, hide_index=True, column_config=config, key=key, **options)
    csv_button(frame if csv is None else csv, file_name, key=f"dl_{key}")
