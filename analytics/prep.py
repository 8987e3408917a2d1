"""Shared input preparation for the analytics kernels: dense id codes, wall-clock times, money.

Every analytics function turns its input columns into plain numpy arrays through these helpers, so the
kernels behave the same for categorical, string or integer ids and for datetime or string timestamps.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy import sparse

from analytics.errors import AnalyticsInputError


def id_codes(values: pd.Series, *, where: str) -> tuple[np.ndarray, pd.Index]:
    """Dense integer codes for an id column -> (codes int64 array of len(values), labels Index).

    ``labels[codes[i]]`` is the id of row i. Categorical input reuses its codes (no re-factorising);
    unused categories are dropped so every label has at least one row. Missing ids raise.
    """
    codes, labels = category_codes(values, where=where)
    used = np.bincount(codes, minlength=len(labels)) > 0
    if used.all():
        return codes.astype(np.int64, copy=False), labels
    remap = (np.cumsum(used) - 1).astype(np.int32)
    return remap[codes].astype(np.int64), labels[used]


def category_codes(values: pd.Series, *, where: str) -> tuple[np.ndarray, pd.Index]:
    """Integer codes for an id column -> (codes array of len(values), labels Index), cheaply.

    Categorical input returns its own codes array (int8..int32, not copied) and all its categories,
    used or not; other input is factorised (int64 codes, labels in first-appearance order).
    ``labels[codes[i]]`` is the id of row i. Missing ids raise.
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        codes, labels = values.cat.codes.to_numpy(), pd.Index(values.cat.categories)
    else:
        codes, labels = pd.factorize(values, sort=False)
        labels = pd.Index(labels)
    if len(codes) and codes.min() < 0:
        raise _missing_ids(values, where)
    return codes, labels


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


_NS_PER_DAY = 86_400 * 10**9


def day_numbers(times: np.ndarray) -> np.ndarray:
    """Whole days since 1970-01-01 (int64) for a naive datetime64 array: the calendar day of each time.

    Integer floor division of the nanoseconds (no calendar conversion as ``astype("datetime64[D]")``).
    """
    return times.astype("datetime64[ns]", copy=False).view(np.int64) // _NS_PER_DAY


def order_flags(orders: pd.DataFrame, amounts: np.ndarray) -> np.ndarray:
    """Boolean array: True where a row counts as an order (amount >= 0), False for refunds.

    With an ``order_id`` column, repeated ids among order rows count once (the first row is the order).
    """
    flags = amounts >= 0
    if "order_id" not in orders.columns:
        return flags
    rows = np.flatnonzero(flags)
    flags[rows[repeated(orders["order_id"], None if len(rows) == len(flags) else rows)]] = False
    return flags


def repeated(ids: pd.Series, rows: np.ndarray | None = None) -> np.ndarray:
    """``ids.iloc[rows].duplicated()`` as a boolean array (``rows``: positions, None = all): True for
    each later occurrence of a value (missing values repeat each other).

    Integer ids, and integer ids written as text, are compared as int64 first: only rows whose number
    repeats can repeat their id, and none does when the numbers strictly increase (as exported order
    numbers often do), which skips hashing 10M ids. Text is then compared as text ("7" is not "07").
    """
    numbers, exact = _id_numbers(ids)
    if numbers is None:
        return _taken(ids, rows).duplicated().to_numpy()
    if rows is not None:
        numbers = numbers[rows]
    out = np.zeros(len(numbers), dtype=bool)
    if len(numbers) < 2 or bool((numbers[1:] > numbers[:-1]).all()):
        return out
    maybe = np.flatnonzero(_shared(numbers))  # the rows that can repeat an id, in row order
    if len(maybe):
        again = pd.Series(numbers[maybe]) if exact else _taken(ids, maybe if rows is None else rows[maybe])
        out[maybe] = again.duplicated().to_numpy()
    return out


def _shared(numbers: np.ndarray) -> np.ndarray:
    """Boolean array: True where the number (int64) occurs more than once. Numbers within a range of at
    most twice their count (order numbers, in any row order) are checked with a bitmap of the range
    (all distinct when as many bits are set as there are numbers) and counted with np.bincount when
    some repeat; others are hashed."""
    low, high = int(numbers.min()), int(numbers.max())
    if high - low > 2 * len(numbers):
        return pd.Series(numbers).duplicated(keep=False).to_numpy()
    offsets = numbers - low
    seen = np.zeros(high - low + 1, dtype=bool)
    seen[offsets] = True
    if np.count_nonzero(seen) == len(numbers):
        return np.zeros(len(numbers), dtype=bool)
    return np.bincount(offsets)[offsets] > 1


def _taken(ids: pd.Series, rows: np.ndarray | None) -> pd.Series:
    """The ids at positions ``rows`` (None = all) without their index (taking it costs as much again)."""
    return ids if rows is None else pd.Series(ids.array.take(rows))


def _id_numbers(ids: pd.Series) -> tuple[np.ndarray | None, bool]:
    """(int64 array, exact) for integer ids (exact: equal numbers are equal ids) or text ids that are
    all whole numbers in int64's range (one vectorised cast, 0 where missing; not exact); else
    (None, False)."""
    if pd.api.types.is_integer_dtype(ids.dtype) and not ids.hasnans:
        return ids.to_numpy(np.int64), True
    if not isinstance(ids.dtype, pd.StringDtype):
        return None, False
    try:
        return pc.cast(pa.array(ids), pa.int64()).fill_null(0).to_numpy(), False
    except pa.ArrowInvalid:
        return None, False


def user_time_order(user: np.ndarray, time: np.ndarray, n_users: int) -> np.ndarray | None:
    """Stable order of rows by (user, time): int64 positions, or None when already in that order.

    ``user``: int64 codes 0..n_users-1; ``time``: int64 (e.g. nanoseconds). Ties keep input order.
    Time order first (free for a log sorted by time), then a stable O(n) counting sort by user, built
    as a CSR matrix (row = user, column = position: scipy's COO -> CSR conversion is a counting sort);
    O(n), where np.lexsort or a stable argsort are O(n log n).
    """
    if _in_user_time_order(user, time):
        return None
    by_time = None if (time[1:] >= time[:-1]).all() else np.argsort(time, kind="stable")
    m = len(user)
    grouped = sparse.csr_array((np.ones(m, dtype=np.int8), (user if by_time is None else user[by_time],
                                                          np.arange(m))), shape=(n_users, m))
    order = grouped.indices.astype(np.int64)  # the counting sort keeps positions ascending per user
    return order if by_time is None else by_time[order]


_CHUNK = 1 << 20  # rows per block of a streaming check: small temporaries that stay in cache


def _in_user_time_order(user: np.ndarray, time: np.ndarray) -> bool:
    """Whether rows are already in (user, time) order. Checked in blocks of ``_CHUNK`` rows, so no
    row-sized temporary arrays are made (on 50M rows they cost more in page faults than the compares)."""
    for lo in range(0, max(len(user) - 1, 0), _CHUNK):
        hi = min(lo + _CHUNK, len(user) - 1)
        u0, u1, t0, t1 = user[lo:hi], user[lo + 1:hi + 1], time[lo:hi], time[lo + 1:hi + 1]
        if (u1 < u0).any() or ((u1 == u0) & (t1 < t0)).any():
            return False
    return True


def shared_categories(a: pd.Series, b: pd.Series) -> bool:
    """Both categorical, and the shorter category list is the start of the longer one."""
    if not (isinstance(a.dtype, pd.CategoricalDtype) and isinstance(b.dtype, pd.CategoricalDtype)):
        return False
    common = min(len(a.cat.categories), len(b.cat.categories))
    # compare the arrays: slicing a pandas Index first would build its hash engine
    return a.cat.categories.array[:common].equals(b.cat.categories.array[:common])


def customers_first(events: pd.DataFrame, customer_ids: pd.Series, *,
                    user_col: str = "user_id") -> pd.DataFrame:
    """``events`` with the categories of its user ids reordered: every category of ``customer_ids``
    first, in their order (also customers without events), then the other users in their own order.
    Values are unchanged; only the codes behind them move.

    Attribution then finds a customer's events by category position (``shared_categories``) instead
    of matching millions of labels on every call. Both columns must be categorical with labels of
    one dtype; otherwise, or when the categories already agree, ``events`` itself is returned.
    Input: events with ``user_col``, the orders' customer_id column -> events; never mutated.
    """
    users = events[user_col] if user_col in events.columns else None
    if (users is None or not isinstance(users.dtype, pd.CategoricalDtype)
            or not isinstance(customer_ids.dtype, pd.CategoricalDtype)
            or customer_ids.cat.categories.dtype != users.cat.categories.dtype
            or shared_categories(customer_ids, users)):
        return events
    customers, labels = customer_ids.cat.categories, users.cat.categories
    at = customers.get_indexer(labels)  # old user code -> new code; -1: not a customer
    others = np.flatnonzero(at < 0)
    at[others] = len(customers) + np.arange(len(others))
    dtype = pd.CategoricalDtype(customers.append(labels[others]))
    codes = np.append(at, -1)[users.cat.codes.to_numpy()]  # code -1 (missing) stays -1
    return events.assign(**{user_col: pd.Categorical.from_codes(codes, dtype=dtype)})


def by_user_time(table: pd.DataFrame, *, user_col: str = "user_id",
                 ts_col: str = "event_ts") -> pd.DataFrame:
    """``table`` with its rows in (user, time) order (ties in input order), index reset; the frame
    itself when already in that order.

    The app keeps every events table in this order (sample and saved data sets), and saved data sets
    keep their orders in (customer, time) order (``user_col="customer_id", ts_col="order_ts"``), so the
    per-user kernels (funnel, attribution) find their input grouped and skip the sort at query time.
    Input: a table with ``user_col`` and ``ts_col`` -> the same rows, reordered; never mutated.
    """
    if table.empty:
        return table
    user, labels = id_codes(table[user_col], where="by_user_time")
    time = wall_clock(table[ts_col], where="by_user_time").view(np.int64)
    order = user_time_order(user, time, len(labels))
    return table if order is None else table.take(order).reset_index(drop=True)
