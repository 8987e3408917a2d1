"""Shared input preparation for the analytics kernels: dense id codes, wall-clock times, money.

Every analytics function turns its input columns into plain numpy arrays through these helpers, so the
kernels behave the same for categorical, string or integer ids and for datetime or string timestamps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.errors import AnalyticsInputError


def id_codes(values: pd.Series, *, where: str) -> tuple[np.ndarray, pd.Index]:
    """Dense integer codes for an id column -> (codes int64 array of len(values), labels Index).

    ``labels[codes[i]]`` is the id of row i. Categorical input reuses its codes (no re-factorising);
    unused categories are dropped so every label has at least one row. Missing ids raise.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        raw = values.cat.codes.to_numpy()
        if (raw < 0).any():
            raise _missing_ids(values, where)
        used = np.bincount(raw, minlength=len(values.cat.categories)) > 0
        if used.all():
            return raw.astype(np.int64, copy=False), pd.Index(values.cat.categories)
        remap = (np.cumsum(used) - 1).astype(np.int32)
        return remap[raw].astype(np.int64), pd.Index(values.cat.categories[used])
    codes, labels = pd.factorize(values, sort=False)
    if (codes < 0).any():
        raise _missing_ids(values, where)
    return codes.astype(np.int64, copy=False), pd.Index(labels)


def _missing_ids(values: pd.Series, where: str) -> AnalyticsInputError:
    return AnalyticsInputError(
        f"{where}: the column '{values.name}' has {int(values.isna().sum())} missing id(s). "
        "Drop those rows or load the file through analytics.io.load_table, which reports them."
    )


def wall_clock(values: pd.Series, *, where: str) -> np.ndarray:
    """Timestamps as a naive ``datetime64[ns]`` numpy array in local wall-clock time.

    Strings are parsed; time-zone-aware values keep their local clock time (the offset is dropped,
    so an order at 01:00+08:00 falls on its own local day). Unparseable or missing values raise.
    """
    if not pd.api.types.is_datetime64_any_dtype(values.dtype):
        try:
            values = pd.to_datetime(values, format="mixed")
        except (ValueError, TypeError) as exc:
            raise AnalyticsInputError(
                f"{where}: the column '{values.name}' holds values that are not dates or times "
                f"({exc}). Load the file through analytics.io.load_table, which reports bad rows."
            ) from None
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        values = values.dt.tz_localize(None)
    if values.isna().any():
        raise AnalyticsInputError(
            f"{where}: the column '{values.name}' has {int(values.isna().sum())} missing time(s). "
            "Drop those rows or load the file through analytics.io.load_table, which reports them."
        )
    return values.to_numpy(dtype="datetime64[ns]")


def money(values: pd.Series, *, where: str) -> np.ndarray:
    """A numeric column (amount, spend) as a float64 numpy array; non-numeric or missing values raise."""
    try:
        out = pd.to_numeric(values, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
    except (ValueError, TypeError):
        raise AnalyticsInputError(
            f"{where}: the column '{values.name}' must be numeric. "
            "Load the file through analytics.io.load_table, which cleans currency symbols."
        ) from None
    if np.isnan(out).any():
        raise AnalyticsInputError(
            f"{where}: the column '{values.name}' has {int(np.isnan(out).sum())} missing value(s). "
            "Drop or fill those rows before the analysis."
        )
    return out


def day_numbers(times: np.ndarray) -> np.ndarray:
    """Whole days since 1970-01-01 (int64) for a naive datetime64 array: the calendar day of each time."""
    return times.astype("datetime64[D]").astype(np.int64)


def order_flags(orders: pd.DataFrame, amounts: np.ndarray) -> np.ndarray:
    """Boolean array: True where a row counts as an order (amount >= 0), False for refunds.

    With an ``order_id`` column, repeated ids among order rows count once (the first row is the order).
    """
    flags = amounts >= 0
    if "order_id" not in orders.columns:
        return flags
    ids = orders["order_id"].to_numpy()
    if ids.dtype.kind in "iu" and (len(ids) < 2 or bool((ids[1:] > ids[:-1]).all())):
        return flags  # strictly increasing integer ids are distinct: skip hashing 10M ids
    rows = np.flatnonzero(flags)
    picked = ids[rows]
    first = ~pd.Series(picked).duplicated().to_numpy()
    flags = np.zeros(len(amounts), dtype=bool)
    flags[rows[first]] = True
    return flags
