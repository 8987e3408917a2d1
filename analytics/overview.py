"""Executive overview: KPI tiles with the change against the previous period, monthly trend, new vs.
returning revenue.

Definitions (dates are calendar days, both ends inclusive):
- GMV: net revenue, the sum of ``amount`` including refunds (negative rows), currency.
- orders: rows with amount >= 0 (distinct ``order_id`` when present); refunds are not orders.
- customers: distinct customers with at least one order in the period.
- new customers: customers whose first order ever (in the whole table) falls in the period.
- AOV: gross order value (sum of amount >= 0) / orders, currency per order.
- repeat-purchase rate: share of the period's customers with two or more orders in the period.
- ARPU: GMV / customers, currency per customer.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import prep
from analytics.errors import AnalyticsInputError, require_columns

KPI_NAMES = ("gmv", "orders", "customers", "new_customers", "aov", "repeat_rate", "arpu")


@dataclass(frozen=True)
class _Orders:
    """Orders as numpy arrays: customer codes, calendar day numbers, amounts, order flags."""

    codes: np.ndarray
    days: np.ndarray
    amounts: np.ndarray
    is_order: np.ndarray
    first_day: np.ndarray  # per customer code: day of the first order (int64 max for refund-only)


def _arrays(orders: pd.DataFrame, where: str) -> _Orders:
    require_columns(orders, ("customer_id", "order_ts", "amount"), where=where)
    codes, labels = prep.id_codes(orders["customer_id"], where=where)
    days = prep.day_numbers(prep.wall_clock(orders["order_ts"], where=where))
    amounts = prep.money(orders["amount"], where=where)
    is_order = prep.order_flags(orders, amounts)
    first_day = np.full(len(labels), np.iinfo(np.int64).max, dtype=np.int64)
    rows = np.flatnonzero(is_order)
    np.minimum.at(first_day, codes[rows], days[rows])
    return _Orders(codes, days, amounts, is_order, first_day)


def _day(value: dt.date | str | pd.Timestamp) -> int:
    return int(np.datetime64(pd.Timestamp(value).date(), "D").astype(np.int64))


def _period_kpis(o: _Orders, start: int, end: int) -> dict[str, float]:
    """The KPI values for days start..end (inclusive day numbers)."""
    rows = np.flatnonzero((o.days >= start) & (o.days <= end))
    order_rows = rows[o.is_order[rows]]
    gmv = float(o.amounts[rows].sum())
    n_orders = len(order_rows)
    per_customer = np.bincount(o.codes[order_rows], minlength=len(o.first_day))
    customers = int((per_customer > 0).sum())
    new = int(((o.first_day >= start) & (o.first_day <= end)).sum())
    gross = float(o.amounts[order_rows].sum())
    return kpi_values(gmv=gmv, orders=n_orders, gross=gross, customers=customers,
                      repeaters=int((per_customer >= 2).sum()), new=new)


def kpi_values(*, gmv: float, orders: int, gross: float, customers: int, repeaters: int,
               new: int) -> dict[str, float]:
    """A period's tallies -> its KPI values (keys ``KPI_NAMES``). ``gmv``: net revenue, ``gross``: the
    amounts of its orders (currency); ``orders``; ``customers`` with an order in the period,
    ``repeaters`` among them with two or more, ``new`` customers (first order ever in the period)."""
    return {
        "gmv": float(gmv),
        "orders": float(orders),
        "customers": float(customers),
        "new_customers": float(new),
        "aov": gross / orders if orders else np.nan,
        "repeat_rate": float(repeaters) / customers if customers else np.nan,
        "arpu": gmv / customers if customers else np.nan,
    }


def kpis(orders: pd.DataFrame, *, start, end) -> pd.DataFrame:
    """KPI tiles for ``start``..``end`` (dates, inclusive) against the previous period of equal length.

    orders: canonical orders table -> one row per KPI (index ``KPI_NAMES``) with columns ``current``,
    ``previous`` and ``change`` (relative: current / previous - 1; NaN when previous is 0 or NaN).
    Example: start=2024-03-08, end=2024-03-14 compares with 2024-03-01..2024-03-07.
    """
    first, last = _period(start, end, "kpis")
    return _kpis(_arrays(orders, "kpis"), first, last)


def summary(orders: pd.DataFrame, *, start, end) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(``kpis``, ``monthly_trend``) for ``start``..``end`` (dates, inclusive), the Overview page's two
    tables, with ``orders`` read into arrays once for both instead of once per call."""
    first, last = _period(start, end, "summary")
    o = _arrays(orders, "summary")
    return _kpis(o, first, last), _trend(o, first, last)


def _period(start, end, where: str) -> tuple[int, int]:
    """``start``, ``end`` as day numbers; AnalyticsInputError when the end is before the start."""
    first, last = _day(start), _day(end)
    if last < first:
        raise AnalyticsInputError(
            f"{where}: the period end {end} is before its start {start}. Pick an end date on or after the start."
        )
    return first, last


def _kpis(o: _Orders, first: int, last: int) -> pd.DataFrame:
    """``kpis`` for the days first..last (day numbers) of the orders ``o``."""
    length = last - first + 1
    return compared(_period_kpis(o, first, last), _period_kpis(o, first - length, first - 1))


def compared(current: dict[str, float], previous: dict[str, float]) -> pd.DataFrame:
    """Two periods' KPI values (``kpi_values``) -> the ``kpis`` frame: one row per KPI with current,
    previous and change (relative; NaN when previous is 0 or NaN)."""
    out = pd.DataFrame({"current": current, "previous": previous}, index=list(KPI_NAMES))
    with np.errstate(divide="ignore", invalid="ignore"):
        change = out["current"] / out["previous"] - 1
    out["change"] = change.where(np.isfinite(change))
    return out


def monthly_trend(orders: pd.DataFrame, *, start=None, end=None) -> pd.DataFrame:
    """Monthly GMV, orders and active customers for ``start``..``end`` (inclusive; default all data).

    orders -> one row per calendar month: ``month`` (Timestamp, first day), ``gmv`` (net, currency),
    ``orders``, ``active_customers`` (distinct customers with an order that month), ``new_revenue`` and
    ``returning_revenue`` (net revenue of customers in the month of their first order vs. later months).
    Months without any row in the range are present with zeros.
    """
    o = _arrays(orders, "monthly_trend")
    return _trend(o, _day(start) if start is not None else None, _day(end) if end is not None else None)


def _trend(o: _Orders, lo: int | None, hi: int | None) -> pd.DataFrame:
    """``monthly_trend`` of the orders ``o`` for the days lo..hi (day numbers; None: first / last day)."""
    if len(o.days) == 0:
        return pd.DataFrame({"month": pd.Series([], dtype="datetime64[ns]"),
                             **{c: pd.Series([], dtype="float64") for c in ("gmv", "new_revenue", "returning_revenue")},
                             "orders": pd.Series([], dtype="int64"),
                             "active_customers": pd.Series([], dtype="int64")})[
            ["month", "gmv", "orders", "active_customers", "new_revenue", "returning_revenue"]]
    lo = int(o.days.min()) if lo is None else lo
    hi = int(o.days.max()) if hi is None else hi
    rows = np.flatnonzero((o.days >= lo) & (o.days <= hi))
    month = _month_index(o.days[rows])
    first = o.first_day[o.codes[rows]]
    # refund-only customers ordered before the data starts: their rows count as returning
    known = np.flatnonzero(first != np.iinfo(np.int64).max)
    first_month = np.full(len(first), -1, dtype=np.int64)
    first_month[known] = _month_index(first[known])
    m0, m1 = _month_index(np.array([lo, hi]))
    n = int(m1 - m0 + 1)
    slot = month - m0
    amounts = o.amounts[rows]
    is_new = first_month == month
    orders_per_month = np.bincount(slot[o.is_order[rows]], minlength=n)
    return pd.DataFrame({
        "month": pd.to_datetime((np.arange(m0, m1 + 1)).astype("datetime64[M]")).astype("datetime64[ns]"),
        "gmv": np.bincount(slot, weights=amounts, minlength=n),
        "orders": orders_per_month,
        "active_customers": _distinct_per_slot(o.codes[rows], slot, o.is_order[rows], n),
        "new_revenue": np.bincount(slot, weights=np.where(is_new, amounts, 0.0), minlength=n),
        "returning_revenue": np.bincount(slot, weights=np.where(is_new, 0.0, amounts), minlength=n),
    })


def _month_index(days: np.ndarray) -> np.ndarray:
    """Months since 1970-01 (int64) for an array of day numbers: looked up in a table of the days
    spanned, so the calendar conversion runs once per day, not once per row."""
    if len(days) == 0:
        return days.astype(np.int64)
    first = int(days.min())
    table = np.arange(first, int(days.max()) + 1).astype("datetime64[D]").astype("datetime64[M]")
    return table.astype(np.int64)[days - first]


def _distinct_per_slot(codes: np.ndarray, slot: np.ndarray, keep: np.ndarray, n: int) -> np.ndarray:
    """Number of distinct codes per slot (0..n-1), counting only rows where ``keep``.

    The (code, slot) pairs are sorted, which is free when the rows already come by customer and
    time (as saved data sets keep orders) and much faster than np.unique on millions of pairs (numpy
    2.4's np.unique hashes them); each run of equal pairs counts once.
    """
    pairs = codes[keep] * n + slot[keep]
    if len(pairs) > 1 and not (pairs[1:] >= pairs[:-1]).all():
        pairs = np.sort(pairs)
    first = np.ones(len(pairs), dtype=bool)
    np.not_equal(pairs[1:], pairs[:-1], out=first[1:])
    return np.bincount(pairs[first] % n, minlength=n)
