"""Retention: acquisition cohorts followed period by period (DESIGN §4 "Retention").

Definitions (all dates are local calendar days; time-zone-aware times keep their local day):
- period: "D" calendar day, "W" week starting Monday, "M" calendar month.
- An order is a row with amount >= 0; refunds (amount < 0) are not orders and never make a customer
  active, but they reduce revenue in the period they fall in.
- Acquisition cohort: the period of the customer's first order. Customers with refunds only have no
  cohort. Offset k: periods between the cohort period and a later period (0 = the cohort period).
- ``asof`` (default: the day of the latest order) is the last day of data: rows after that day are
  ignored. The period containing ``asof`` is the last period; offsets beyond it are absent.
- Observability: a cell (cohort c, offset k >= 1) is observable when its period c + k has ended by the
  end of the ``asof`` day. The period containing ``asof`` is therefore partial (NaN) unless ``asof`` is
  its last day (e.g. 2024-03-31 for March). Offset 0 is always shown: rate 1.0 by definition, with the
  customers acquired so far for a cohort that is still filling.
- ``mode="on"``: active at k = an order in exactly offset k; ``"on_or_after"``: an order in offset k or
  later (up to ``asof``).
- ``measure="orders"`` adds ``orders``: orders in offset k (distinct ``order_id`` when that column is
  present, see ``prep.order_flags``); ``measure="revenue"`` adds ``revenue_per_customer``: cumulative net
  revenue (orders minus refunds) of the cohort's customers in offsets 0..k divided by the cohort size,
  an LTV curve (a refund dated before the customer's first order counts in offset 0).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics import prep
from analytics.errors import AnalyticsInputError, require_choice, require_columns

PERIODS = ("D", "W", "M")
MODES = ("on", "on_or_after")
MEASURES = ("customers", "orders", "revenue")
_EXTRA_COLUMN = {"customers": None, "orders": "orders", "revenue": "revenue_per_customer"}
_LONG_COLUMNS = ("cohort", "offset", "size", "active", "rate", "orders", "revenue_per_customer")
_VALUES = ("rate", "active", "orders", "revenue_per_customer")
_MARK_LIMIT = 1 << 28  # (customer, period) key spaces up to this size are deduplicated in a bool array
_NEVER = np.iinfo(np.int64).max


@dataclass(frozen=True)
class _Layout:
    """The grid of (group, cohort) rows by offsets; periods are relative to the first cohort.

    Grid row r is (group r // n_periods, cohort r % n_periods).
    """

    period: str
    base: int  # absolute period number of relative period 0 (the first cohort)
    n_periods: int  # relative periods 0..n_periods - 1; the last one contains asof
    ended: bool  # whether the last period has ended by the end of the asof day
    width: int  # offsets kept: 0..width - 1
    size: np.ndarray  # per grid row: customers in the cohort
    labels: pd.Index | None  # the ``by`` values of the groups (None: one group)

    @property
    def n_rows(self) -> int:
        return len(self.size)


@dataclass(frozen=True)
class _Grid(_Layout):
    """The layout with its customers placed on it. Customers without a cohort (refunds only) point at
    a spare row ``n_rows`` that kernels drop."""

    row: np.ndarray  # per customer code: its grid row
    pair_customer: np.ndarray  # distinct (customer, relative period) activity pairs, sorted
    pair_period: np.ndarray


def retention(orders: pd.DataFrame, *, period: str = "M", mode: str = "on",
              measure: str = "customers", max_offset: int | None = None, asof=None,
              customer_col: str = "customer_id", ts_col: str = "order_ts",
              amount_col: str = "amount", by: str | None = None) -> pd.DataFrame:
    """Cohort retention of customers, in long form (definitions in the module docstring).

    orders: one row per order or refund -> one row per (cohort, offset), preceded by ``by`` when given
    (``by`` is a column such as "channel", read on the customer's first order; orders in the same
    second go to the first value in sort order), sorted by (by), cohort, offset. Columns:
    ``cohort`` (datetime64[ns], start of the cohort period: day, Monday, 1st of the month), ``offset``
    (int64 periods), ``size`` (int64 customers in the cohort), ``active`` (float64 customers counted by
    ``mode``, NaN when not observable), ``rate`` (active / size, exactly 1.0 at offset 0), plus
    ``orders`` (float64 count) for ``measure="orders"`` or ``revenue_per_customer`` (currency per cohort
    customer, cumulative) for ``measure="revenue"``. ``max_offset`` keeps offsets 0..max_offset.

    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [10.0, 5.0, 20.0],
    ...     "order_ts": pd.to_datetime(["2024-01-05", "2024-02-03", "2024-01-20"])})
    >>> retention(orders, asof="2024-02-29")
          cohort  offset  size  active  rate
    0 2024-01-01       0     2     2.0   1.0
    1 2024-01-01       1     2     1.0   0.5
    """
    where = "retention"
    _check_grid_options(period, mode, max_offset, where=where)
    require_choice(measure, MEASURES, name="measure", where=where)
    require_columns(orders, [customer_col, ts_col, amount_col, *([by] if by else [])], where=where)
    _require_rows(orders, table="orders", where=where)
    cust, labels = prep.id_codes(orders[customer_col], where=where)
    times = prep.wall_clock(orders[ts_col], where=where)
    amount = prep.money(orders[amount_col], where=where)
    days = prep.day_numbers(times)
    is_order = amount >= 0
    asof_day = _asof_day(asof, days, is_order, what=f"orders (rows with {amount_col} >= 0)",
                         where=where)
    in_range = days <= asof_day
    periods = _period_index(days, period)
    order_rows = np.flatnonzero(is_order & in_range)
    grid = _grid(cust, periods, order_rows, len(labels), period=period, asof_day=asof_day,
                 max_offset=max_offset, by=None if by is None else (orders[by], times), where=where)
    extra = None
    if measure == "orders":
        counted = np.flatnonzero(prep.order_flags(orders, amount) & in_range)
        extra = _by_offset(grid, _per_period(grid, cust[counted], periods[counted] - grid.base))
    elif measure == "revenue":
        rows = slice(None) if in_range.all() else np.flatnonzero(in_range)
        relative = np.maximum(periods[rows] - grid.base, 0)  # refunds before the first cohort
        net = np.cumsum(_per_period(grid, cust[rows], relative, weights=amount[rows]), axis=1)
        extra = _by_offset(grid, net) / np.maximum(grid.size, 1)[:, None]
    return _long_frame(grid, _active(grid, mode), extra_name=_EXTRA_COLUMN[measure], extra=extra,
                       by=by)


def activity_retention(events: pd.DataFrame, *, period: str = "M", mode: str = "on",
                       max_offset: int | None = None, asof=None, user_col: str = "user_id",
                       ts_col: str = "event_ts", by: str | None = None) -> pd.DataFrame:
    """Cohort retention of users by activity: any event counts; cohort = period of the first event.

    events: one row per event -> the long form of ``retention`` with ``size``, ``active`` and ``rate``
    (same definitions, with "event" in place of "order"; ``asof`` defaults to the latest event day and
    ``by`` is read on the user's first event).
    """
    where = "activity_retention"
    _check_grid_options(period, mode, max_offset, where=where)
    require_columns(events, [user_col, ts_col, *([by] if by else [])], where=where)
    _require_rows(events, table="events", where=where)
    users, labels = prep.id_codes(events[user_col], where=where)
    times = prep.wall_clock(events[ts_col], where=where)
    days = prep.day_numbers(times)
    asof_day = _asof_day(asof, days, None, what="events", where=where)
    grid = _grid(users, _period_index(days, period), np.flatnonzero(days <= asof_day), len(labels),
                 period=period, asof_day=asof_day, max_offset=max_offset,
                 by=None if by is None else (events[by], times), where=where)
    return _long_frame(grid, _active(grid, mode), extra_name=None, extra=None, by=by)


def retention_from_cells(cells: pd.DataFrame, *, asof, period: str = "M", mode: str = "on",
                         measure: str = "customers", max_offset: int | None = None) -> pd.DataFrame:
    """The long form of ``retention`` from per-(cohort, offset) aggregates computed elsewhere (in SQL by
    ``analytics.pushdown.retention_sql``): the same shaping, observability and rates.

    cells: one row per (cohort, offset) with activity, of the orders up to ``asof`` (a date: the
    ``asof`` the aggregates were computed for, not None) -> the long form of ``retention``. Columns:
    ``cohort`` (int, absolute period number of the cohort: days since 1970-01-01 for "D", Monday weeks
    (day + 3) // 7 for "W", months since 1970-01 for "M"), ``offset`` (int >= 0), and by ``mode`` /
    ``measure``: ``active`` (mode "on": customers of the cohort with an order in that offset),
    ``last`` (mode "on_or_after": customers whose latest order falls in that offset), ``orders``
    (orders in that offset) or ``revenue`` (net revenue of the cohort's customers in that offset;
    refunds dated before a customer's first order in offset 0). Offset 0 holds every customer of the
    cohort, so it gives the cohort size. Missing cells are zeros.
    """
    where = "retention_from_cells"
    _check_grid_options(period, mode, max_offset, where=where)
    require_choice(measure, MEASURES, name="measure", where=where)
    counted = "active" if mode == "on" else "last"
    require_columns(cells, ["cohort", "offset", counted, *{"orders": ["orders"],
                                                           "revenue": ["revenue"]}.get(measure, [])],
                    where=where)
    _require_rows(cells, table="cells", where=where)
    stamp, asof_day = _day_number(asof, name="asof", where=where)
    cohort = cells["cohort"].to_numpy(dtype=np.int64)
    offset = cells["offset"].to_numpy(dtype=np.int64)
    asof_periods = _period_index(np.array([asof_day, asof_day + 1]), period)
    base = int(cohort.min())
    n_periods = int(asof_periods[0]) - base + 1
    if (offset < 0).any() or (cohort + offset > asof_periods[0]).any():
        raise AnalyticsInputError(
            f"{where}: some cells lie after the period of asof {stamp.date()} or have a negative "
            "offset. Compute the cells and pass asof for the same date."
        )

    def dense(column: str) -> np.ndarray:  # (relative cohort, offset) table of one column
        table = np.zeros((n_periods, n_periods))
        np.add.at(table, (cohort - base, offset), cells[column].to_numpy(dtype=np.float64))
        return table

    active = dense(counted)
    if mode == "on_or_after":
        active = np.cumsum(active[:, ::-1], axis=1)[:, ::-1]
    size = active[:, 0].astype(np.int64)
    width = n_periods if max_offset is None else min(n_periods, max_offset + 1)
    layout = _Layout(period=period, base=base, n_periods=n_periods,
                     ended=bool(asof_periods[0] != asof_periods[1]), width=width, size=size,
                     labels=None)
    extra = None
    if measure == "orders":
        extra = dense("orders")[:, :width]
    elif measure == "revenue":
        extra = np.cumsum(dense("revenue"), axis=1)[:, :width] / np.maximum(size, 1)[:, None]
    return _long_frame(layout, active[:, :width], extra_name=_EXTRA_COLUMN[measure], extra=extra,
                       by=None)


def retention_matrix(long: pd.DataFrame, *, value: str = "rate") -> pd.DataFrame:
    """Pivot the long form of ``retention`` to the classic cohort table.

    long: one row per (cohort, offset) -> one row per cohort (index ``cohort``, or (by, cohort) when the
    long form has a ``by`` column); first column ``size`` (customers), then one column per offset
    0..n holding ``value`` ("rate", "active", or the measure column "orders" / "revenue_per_customer").
    Cells beyond the last period are NaN, like cells that are not yet observable.
    """
    where = "retention_matrix"
    require_columns(long, ("cohort", "offset", "size"), where=where)
    require_choice(value, [c for c in _VALUES if c in long.columns], name="value", where=where)
    keys = [*_group_columns(long), "cohort"]
    table = long.pivot(index=keys, columns="offset", values=value)
    table.insert(0, "size", long.groupby(keys, observed=True, sort=True)["size"].first())
    table.columns = pd.Index(list(table.columns), dtype=object)
    return table


def average_curve(long: pd.DataFrame) -> pd.DataFrame:
    """Average retention curve: cohorts weighted by size, over the cohorts observable at each offset.

    long: the long form of ``retention`` -> one row per offset (per ``by`` value first when present):
    ``offset``, ``customers`` (int64, sum of the sizes of cohorts observable at that offset),
    ``active`` (int64, their active customers) and ``rate`` = active / customers (NaN when no cohort is
    observable at that offset).
    """
    require_columns(long, ("cohort", "offset", "size", "active"), where="average_curve")
    keys = [*_group_columns(long), "offset"]
    observed = long["active"].notna()
    parts = long[keys].assign(customers=long["size"].where(observed, 0),
                              active=long["active"].fillna(0))
    sums = parts.groupby(keys, observed=True, sort=True).sum().reset_index()
    sums["customers"] = sums["customers"].astype(np.int64)
    sums["active"] = sums["active"].astype(np.int64)
    sums["rate"] = sums["active"] / sums["customers"].where(sums["customers"] > 0)
    return sums


def average_revenue_curve(long: pd.DataFrame) -> pd.DataFrame:
    """Average LTV curve: cumulative revenue per customer over the cohorts observable at each offset.

    long: the long form of ``retention(..., measure="revenue")`` -> one row per offset (per ``by``
    value first when present): ``offset``, ``customers`` (int64, sum of the sizes of the cohorts
    observable at that offset), ``revenue`` (float64 currency, their cumulative net revenue in offsets
    0..k) and ``revenue_per_customer`` = revenue / customers (NaN when no cohort is observable), i.e.
    the cohorts' curves weighted by cohort size.
    """
    require_columns(long, ("cohort", "offset", "size", "revenue_per_customer"),
                    where="average_revenue_curve")
    keys = [*_group_columns(long), "offset"]
    per_customer = long["revenue_per_customer"]
    parts = long[keys].assign(customers=long["size"].where(per_customer.notna(), 0),
                              revenue=(per_customer * long["size"]).fillna(0.0))
    sums = parts.groupby(keys, observed=True, sort=True).sum().reset_index()
    sums["customers"] = sums["customers"].astype(np.int64)
    sums["revenue_per_customer"] = sums["revenue"] / sums["customers"].where(sums["customers"] > 0)
    return sums


def cohorts_since(long: pd.DataFrame, start) -> pd.DataFrame:
    """The cohorts whose period starts on or after ``start`` (a date): rows of ``long`` kept as they are.

    long: a long retention frame (or any frame with a ``cohort`` column of period starts) -> the same
    columns, fewer rows, fresh RangeIndex. Use it to show the cohorts acquired inside a date range
    while acquisition stays the customer's first order ever: compute ``retention`` on the full
    history with ``asof`` = the range end, then keep ``cohorts_since(long, range_start)``. A period
    that starts before ``start`` (e.g. the month of a mid-month start) is left out.
    """
    where = "cohorts_since"
    require_columns(long, ("cohort",), where=where)
    first = np.datetime64(_day_number(start, name="start", where=where)[1], "D")
    keep = np.flatnonzero(long["cohort"].to_numpy() >= first)
    return long.take(keep).reset_index(drop=True)


def below_target(long: pd.DataFrame, *, offset: int, rate: float) -> pd.DataFrame:
    """Each cohort's retention at ``offset`` against a target ``rate`` (a share, e.g. 0.15).

    long: the long form of ``retention`` -> one row per cohort (per ``by`` value first when present),
    in the order of ``long``: ``cohort``, ``size``, ``rate`` (float64 retention at ``offset``, NaN when
    that cell is not observable or not reached yet) and ``below`` (bool, rate < target; False when
    the rate is NaN: a cohort is only flagged once it can be judged).
    """
    where = "below_target"
    require_columns(long, ("cohort", "offset", "size", "rate"), where=where)
    if not (isinstance(offset, (int, np.integer)) and not isinstance(offset, bool) and offset >= 0):
        raise AnalyticsInputError(
            f"The 'offset' parameter of {where} must be an integer >= 0. Got {offset!r} instead."
        )
    if not (isinstance(rate, (int, float, np.number)) and not isinstance(rate, bool)
            and np.isfinite(rate)):
        raise AnalyticsInputError(
            f"The 'rate' parameter of {where} must be a finite number (a share such as 0.15). "
            f"Got {rate!r} instead."
        )
    keys = [*_group_columns(long), "cohort"]
    offsets = long["offset"].to_numpy()
    cohorts = long.take(np.flatnonzero(offsets == 0))[[*keys, "size"]]
    reached = long.take(np.flatnonzero(offsets == offset))[[*keys, "rate"]]
    out = cohorts.merge(reached, on=keys, how="left", sort=False).reset_index(drop=True)
    out["below"] = (out["rate"] < rate).to_numpy(dtype=bool)
    return out


def repeat_rate(orders: pd.DataFrame, *, days: int | Iterable[int] = (30, 90, 180), asof=None,
                start=None, customer_col: str = "customer_id", ts_col: str = "order_ts",
                amount_col: str = "amount") -> pd.DataFrame:
    """Share of new customers who order again within ``days`` of their first order.

    orders: one row per order or refund -> one row per window in ``days`` (in the given order):
    ``days`` (int64), ``eligible`` (int64 customers whose first order day f satisfies
    asof - f >= days, so the whole window is observed, and f >= ``start`` when given),
    ``repeaters`` (int64 eligible customers whose second order falls on a day s with s - f <= days;
    a second order on the first day counts, refunds never do, distinct ``order_id`` when present)
    and ``rate`` = repeaters / eligible (NaN when no customer is eligible). Day counts are
    calendar-day differences; rows after ``asof`` are ignored. ``start`` (a date) keeps the customers
    acquired on or after it: the first order ever is still read on all rows, so a customer who first
    ordered before ``start`` is not new after it.
    """
    where = "repeat_rate"
    windows = _check_days(days, where=where)
    start_day = None if start is None else _day_number(start, name="start", where=where)[1]
    require_columns(orders, (customer_col, ts_col, amount_col), where=where)
    _require_rows(orders, table="orders", where=where)
    cust, labels = prep.id_codes(orders[customer_col], where=where)
    day = prep.day_numbers(prep.wall_clock(orders[ts_col], where=where))
    amount = prep.money(orders[amount_col], where=where)
    asof_day = _asof_day(asof, day, amount >= 0, what=f"orders (rows with {amount_col} >= 0)",
                         where=where)
    counted = np.flatnonzero(prep.order_flags(orders, amount) & (day <= asof_day))
    cust, day = cust[counted], day[counted]
    first = np.full(len(labels), _NEVER)
    np.minimum.at(first, cust, day)
    on_first = day == first[cust]
    second = np.full(len(labels), _NEVER)
    later = np.flatnonzero(~on_first)
    np.minimum.at(second, cust[later], day[later])
    # with two orders on the first day, the second order falls on the first day too
    second = np.where(np.bincount(cust[on_first], minlength=len(labels)) >= 2, first, second)
    buyers = np.flatnonzero(first != _NEVER)
    first, gap = first[buyers], second[buyers] - first[buyers]
    window = np.asarray(windows, dtype=np.int64)[:, None]
    eligible = asof_day - first >= window
    if start_day is not None:
        eligible &= first >= start_day
    repeaters = (eligible & (gap <= window)).sum(axis=1)
    eligible = eligible.sum(axis=1)
    return pd.DataFrame({
        "days": window[:, 0],
        "eligible": eligible.astype(np.int64),
        "repeaters": repeaters.astype(np.int64),
        "rate": np.divide(repeaters, eligible, out=np.full(len(windows), np.nan), where=eligible > 0),
    })


def _check_grid_options(period: str, mode: str, max_offset, *, where: str) -> None:
    require_choice(period, PERIODS, name="period", where=where)
    require_choice(mode, MODES, name="mode", where=where)
    valid = max_offset is None or (isinstance(max_offset, (int, np.integer))
                                   and not isinstance(max_offset, bool) and max_offset >= 0)
    if not valid:
        raise AnalyticsInputError(
            f"The 'max_offset' parameter of {where} must be an integer >= 0 or None. "
            f"Got {max_offset!r} instead."
        )


def _check_days(days, *, where: str) -> list[int]:
    windows = [days] if isinstance(days, (int, np.integer)) else days
    valid = (isinstance(windows, (list, tuple, range)) and len(windows) > 0
             and all(isinstance(d, (int, np.integer)) and not isinstance(d, bool) and d >= 1
                     for d in windows))
    if not valid:
        raise AnalyticsInputError(
            f"The 'days' parameter of {where} must be a positive integer or a list of positive "
            f"integers. Got {days!r} instead."
        )
    return [int(d) for d in windows]


def _require_rows(frame: pd.DataFrame, *, table: str, where: str) -> None:
    if len(frame) == 0:
        raise AnalyticsInputError(
            f"{where}: the {table} table has no rows. Load a data set with at least one row, "
            "or widen the date range."
        )


def _asof_day(asof, days: np.ndarray, counts: np.ndarray | None, *, what: str, where: str) -> int:
    """The calendar day number of ``asof`` (default: the latest day of the rows where ``counts``,
    every row when None); raises when no such row falls on or before it."""
    if asof is None:
        if counts is not None and not counts.any():
            raise AnalyticsInputError(
                f"{where}: there are no {what}. Negative amounts are refunds; check the amount column."
            )
        return int(np.max(days, where=counts if counts is not None else True, initial=-_NEVER))
    stamp, day = _day_number(asof, name="asof", where=where)
    if np.min(days, where=counts if counts is not None else True, initial=_NEVER) > day:
        raise AnalyticsInputError(
            f"{where}: there are no {what} on or before asof {stamp.date()}. "
            "Choose a later asof or leave it empty to use the latest date in the data."
        )
    return day


def _day_number(value, *, name: str, where: str) -> tuple[pd.Timestamp, int]:
    """``value`` (a date, time or text) as (Timestamp, its calendar day number since 1970-01-01)."""
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if stamp is pd.NaT:
        raise AnalyticsInputError(
            f"The '{name}' parameter of {where} must be a date or time. Got {value!r} instead."
        )
    return stamp, int(np.datetime64(stamp.date(), "D").astype(np.int64))


def _period_index(days: np.ndarray, period: str) -> np.ndarray:
    """Absolute period number of each day number: days, Monday weeks, or months since 1970-01."""
    if period == "D":
        return days
    if period == "W":
        return (days + 3) // 7  # 1970-01-01 was a Thursday; week 0 starts on Monday 1969-12-29
    low = int(days.min())
    months = np.arange(low, int(days.max()) + 1).astype("datetime64[D]").astype("datetime64[M]")
    return months.astype(np.int64)[days - low]


def _period_start(index: np.ndarray, period: str) -> np.ndarray:
    """First day (datetime64[ns]) of each absolute period number."""
    if period == "M":
        return index.astype("datetime64[M]").astype("datetime64[ns]")
    first_day = index if period == "D" else index * 7 - 3
    return first_day.astype("datetime64[D]").astype("datetime64[ns]")


def _first_values(values: pd.Series, rows: np.ndarray, cust: np.ndarray, times: np.ndarray,
                  n_cust: int, *, where: str) -> tuple[np.ndarray, pd.Index]:
    """Per customer code, the code of ``values`` on its earliest row among ``rows`` (ties within the
    same second: the first label in sort order), and the labels. Customers without a row get an
    arbitrary code: they have no cohort."""
    codes, labels = pd.factorize(values, sort=True)
    codes = codes[rows]
    if (codes < 0).any():
        raise AnalyticsInputError(
            f"{where}: the 'by' column '{values.name}' has {int((codes < 0).sum())} missing "
            "value(s). Fill them (e.g. with 'unknown') or drop those rows."
        )
    seconds = times[rows].astype("datetime64[s]").view(np.int64)
    # (second, code) as one int64: datetime64[ns] spans < 2**35 s, so this fits below 2**63 for
    # fewer than 2**28 distinct values
    key = (seconds - seconds.min()) * len(labels) + codes
    first = np.full(n_cust, _NEVER)
    np.minimum.at(first, cust[rows], key)
    return first % len(labels), pd.Index(labels)


def _distinct(keys: np.ndarray, space: int) -> np.ndarray:
    """Sorted distinct values of non-negative int64 ``keys`` < ``space``."""
    if space <= _MARK_LIMIT:
        mark = np.zeros(space, dtype=bool)
        mark[keys] = True
        return np.flatnonzero(mark)
    ordered = np.sort(keys)
    return ordered[np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])]


def _grid(cust: np.ndarray, periods: np.ndarray, rows: np.ndarray, n_cust: int, *, period: str,
          asof_day: int, max_offset: int | None, by: tuple[pd.Series, np.ndarray] | None,
          where: str) -> _Grid:
    """Cohort of every customer from its activity ``rows`` (positions in ``cust`` / ``periods``, all
    on or before ``asof_day``). ``by``: (the column, the row times) to split cohorts by the value on
    each customer's first activity row."""
    base = int(periods[rows].min())
    asof_periods = _period_index(np.array([asof_day, asof_day + 1]), period)
    n_periods = int(asof_periods[0]) - base + 1
    pairs = _distinct(cust[rows] * n_periods + (periods[rows] - base), n_cust * n_periods)
    pair_customer = pairs // n_periods
    pair_period = pairs - pair_customer * n_periods
    starts = np.flatnonzero(np.r_[True, pair_customer[1:] != pair_customer[:-1]])
    first = pair_customer[starts]
    row_of_first = pair_period[starts]
    labels = None
    if by is not None:
        groups, labels = _first_values(by[0], rows, cust, by[1], n_cust, where=where)
        row_of_first = groups[first] * n_periods + row_of_first
    n_rows = n_periods * (1 if labels is None else len(labels))
    row = np.full(n_cust, n_rows, dtype=np.int64)
    row[first] = row_of_first
    width = n_periods if max_offset is None else min(n_periods, max_offset + 1)
    return _Grid(period=period, base=base, n_periods=n_periods,
                 ended=bool(asof_periods[0] != asof_periods[1]), width=width, row=row,
                 size=np.bincount(row, minlength=n_rows + 1)[:-1],
                 pair_customer=pair_customer, pair_period=pair_period, labels=labels)


def _per_period(grid: _Grid, cust: np.ndarray, periods: np.ndarray,
                weights: np.ndarray | None = None) -> np.ndarray:
    """Rows (customer code, relative period >= 0[, weight]) counted or summed per (grid row,
    relative period): shape (n_rows, n_periods); customers without a cohort are left out."""
    cells = grid.row[cust] * grid.n_periods + periods
    sums = np.bincount(cells, weights=weights, minlength=(grid.n_rows + 1) * grid.n_periods)
    return sums.reshape(grid.n_rows + 1, grid.n_periods)[:-1]


def _by_offset(grid: _Grid, table: np.ndarray) -> np.ndarray:
    """A (grid row, relative period) table re-indexed by offset, shape (n_rows, width): column k of
    the row of cohort c is period c + k (clipped at the last period: those cells are never shown)."""
    cohort = np.arange(grid.n_rows) % grid.n_periods
    columns = np.minimum(cohort[:, None] + np.arange(grid.width), grid.n_periods - 1)
    return np.take_along_axis(table, columns, axis=1)


def _active(grid: _Grid, mode: str) -> np.ndarray:
    """Active customers per (grid row, offset): with an order in exactly that offset ("on") or in
    that offset or later ("on_or_after")."""
    if mode == "on":
        return _by_offset(grid, _per_period(grid, grid.pair_customer, grid.pair_period))
    ends = np.r_[np.flatnonzero(grid.pair_customer[1:] != grid.pair_customer[:-1]),
                 len(grid.pair_customer) - 1]
    latest = _per_period(grid, grid.pair_customer[ends], grid.pair_period[ends])
    return _by_offset(grid, np.cumsum(latest[:, ::-1], axis=1)[:, ::-1])


def _long_frame(grid: _Layout, active: np.ndarray, *, extra_name: str | None,
                extra: np.ndarray | None, by: str | None) -> pd.DataFrame:
    """The shown part of the grid as the long frame (columns in the docstring of ``retention``)."""
    last = grid.n_periods - 1
    cohort_of_row = np.arange(grid.n_rows) % grid.n_periods
    present = (grid.size > 0)[:, None] & (cohort_of_row[:, None] + np.arange(grid.width) <= last)
    cells = np.flatnonzero(present)
    rows, offset = np.divmod(cells, grid.width)
    cohort = cohort_of_row[rows]
    partial = (offset > 0) & (cohort + offset == last) & (not grid.ended)
    size = grid.size[rows]
    counted = active.ravel()[cells].astype(np.float64)
    counted[partial] = np.nan
    columns = {} if by is None else {by: grid.labels.take(rows // grid.n_periods)}
    columns.update({
        "cohort": _period_start(grid.base + cohort, grid.period),
        "offset": offset,
        "size": size,
        "active": counted,
        "rate": counted / size,
    })
    if extra_name is not None:
        values = extra.ravel()[cells].astype(np.float64)
        values[partial] = np.nan
        columns[extra_name] = values
    return pd.DataFrame(columns)


def _group_columns(long: pd.DataFrame) -> list[str]:
    """The ``by`` column(s) of a long retention frame: every column that is not a known output."""
    return [c for c in long.columns if c not in _LONG_COLUMNS]
