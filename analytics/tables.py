"""Parquet files for canonical tables that stay fast at 10M+ rows.

Parquet stores a categorical column as a dictionary per row group; for id columns with millions of
distinct values that repeats the whole dictionary in every row group (GBs on disk, minutes to read).
So id columns are written as their integer codes, with the labels in a small side file
``<kind>.<column>.labels.parquet``; reading rebuilds the categorical without re-factorising anything.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics.arrow_pool import releasing
from analytics.dataset import conform

_CODED = ("customer_id", "user_id")


@releasing
def write_table(frame: pd.DataFrame, folder: Path, kind: str) -> None:
    """Write canonical table ``frame`` of ``kind`` into ``folder`` (``<kind>.parquet`` + label files)."""
    out = {}
    for col in frame.columns:
        values = frame[col]
        if col in _CODED and isinstance(values.dtype, pd.CategoricalDtype):
            pd.DataFrame({"label": values.cat.categories}).to_parquet(_labels_path(folder, kind, col))
            values = pd.Series(values.cat.codes, name=col)
        out[col] = values
    pd.DataFrame(out).to_parquet(folder / f"{kind}.parquet", index=False)


@releasing
def read_table(folder: Path, kind: str) -> pd.DataFrame:
    """Read table ``kind`` from ``folder`` with canonical dtypes (inverse of ``write_table``).

    The id labels stay Arrow-backed strings (no Python string objects) and conform copies nothing.
    """
    frame = pd.read_parquet(folder / f"{kind}.parquet")
    for col in _CODED:
        labels_file = _labels_path(folder, kind, col)
        if col in frame.columns and labels_file.exists():
            labels = pd.Index(pd.read_parquet(labels_file)["label"].array)
            frame[col] = pd.Categorical.from_codes(frame[col].to_numpy(),
                                                   dtype=pd.CategoricalDtype(labels))
    return conform(frame, kind)


def _labels_path(folder: Path, kind: str, column: str) -> Path:
    return folder / f"{kind}.{column}.labels.parquet"
