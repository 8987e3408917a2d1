"""Channel performance: spend, attributed revenue, ROAS, CAC, LTV, LTV/CAC and payback per channel.

Definitions (DESIGN §4 "Channels"; the numbers are "attributed", never "caused"):
- Attributed orders and revenue: by the order rows' own ``channel`` (last touch) by default, or taken
  from an ``attribute()`` result. A missing or blank channel is the channel ``"(none)"``.
- Acquisition: a customer is acquired by the channel of their first order, the earliest row with
  amount >= 0 (equal times: the row listed first). Customers with refunds only are never acquired.
- ``roas`` = revenue / spend; ``cac`` = spend / new_customers. Zero spend gives NaN for both (not inf);
  so does a channel without new customers for CAC.
- ``ltv`` = net revenue (refunds included) per acquired customer of the rows with
  ``first_ts <= order_ts < first_ts + ltv_days`` (first order included). ``ltv_cac`` = ltv / cac.
- ``payback_days``: the smallest whole number d >= 0 such that the revenue per acquired customer of the
  rows with ``first_ts <= order_ts < first_ts + (d + 1) days`` is >= cac, i.e. the LTV with a horizon of
  d + 1 days reaches CAC. 0 = paid back within the first 24 hours. NaN when CAC is NaN or when it is
  not reached within the data.
- ``start`` / ``end`` (dates, both inclusive, calendar days of the local wall-clock time) restrict spend,
  order rows and acquisitions (the first order ever falls in the range). LTV and payback follow the
  acquired customers through every later order in the data, also past ``end``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd

from analytics import prep
from analytics.attribution import (MODELS, NO_CHANNEL, OrderArrays, attribute, by_revenue,
                                   channel_codes, compare_models, order_arrays, union_channels)
from analytics.errors import AnalyticsInputError, require_choice, require_columns

__all__ = ["FREQS", "MODELS", "NO_CHANNEL", "attribute", "compare_models", "performance",
           "weekly_trend"]

FREQS = ("D", "W", "M")
_DAY_NS = 86_400 * 10**9


@dataclass(frozen=True)
class _Spend:
    day: np.ndarray  # int64 day numbers
    amount: np.ndarray  # float64 currency
    channel: np.ndarray  # int32 codes into channels
    channels: pd.Index


def _spend_arrays(spend: pd.DataFrame, where: str) -> _Spend:
    require_columns(spend, ("date", "channel", "spend"), where=where)
    channel, channels = channel_codes(spend["channel"], fill=True)
    return _Spend(prep.day_numbers(prep.wall_clock(spend["date"], where=where)),
                  prep.money(spend["spend"], where=where), channel, channels)


def performance(orders: pd.DataFrame, spend: pd.DataFrame, *, ltv_days: int = 180,
                attribution: pd.DataFrame | None = None, start=None, end=None) -> pd.DataFrame:
    """Spend, attributed results and unit economics per channel (definitions: module docstring).

    orders: one row per order or refund (customer_id, order_ts, amount, channel; order_id optional);
    spend: daily spend (date, channel, spend); attribution: optional ``attribute()`` result (channel,
    orders, revenue) used as given, so compute it on the orders of the same date range; ltv_days: LTV
    horizon in whole days (> 0); start / end: optional dates, inclusive.
    -> one row per channel with spend, order rows or acquisitions in the range (outer join: spend
    without revenue and revenue without spend both appear): ``channel`` (str), ``spend``, ``orders``
    (float: fractional under multi-touch attribution), ``revenue``, ``roas``, ``new_customers`` (int),
    ``cac``, ``ltv`` (currency per customer), ``ltv_cac``, ``payback_days`` (float days); sorted by
    revenue descending, ties by channel name.

    Example: spend 100 on "ads", two customers whose first orders (50 and 30) came from "ads", one
    reorders 40 on day 10 -> revenue 120 (with the reorder in range), roas 1.2, cac 50, ltv 60,
    ltv_cac 1.2, payback_days 10 (day 0: 80 / 2 = 40 < 50; day 10: 120 / 2 = 60 >= 50).
    """
    where = "performance"
    _check_ltv_days(ltv_days, where)
    lo, hi = _day_range(start, end, where)
    require_columns(orders, ("customer_id", "order_ts", "amount", "channel"), where=where)
    o = order_arrays(orders, where=where)
    s = _spend_arrays(spend, where)
    tables = [o.channels, s.channels]
    if attribution is not None:
        credit_where = "performance(attribution=...)"
        require_columns(attribution, ("channel", "orders", "revenue"), where=credit_where)
        credit_channel, credit_labels = channel_codes(attribution["channel"], fill=True)
        tables.append(credit_labels)
    channels, maps = union_channels(*tables)
    k = len(channels)
    order_channel, spend_channel = maps[0][o.channel], maps[1][s.channel]
    if attribution is None:
        rows = _rows_in_range(o.times, lo, hi)
        seen = order_channel[rows]
        revenue = _sum_by(seen, o.amount[rows], k)
        row_count = np.bincount(seen, minlength=k)
        not_order = np.flatnonzero(~o.is_order[rows])  # refunds and repeated order ids: few rows
        orders_credit = (row_count - np.bincount(seen[not_order], minlength=k)).astype(np.float64)
        credited = row_count > 0
    else:
        seen = maps[2][credit_channel]
        revenue = _sum_by(seen, prep.money(attribution["revenue"], where=credit_where), k)
        orders_credit = _sum_by(seen, prep.money(attribution["orders"], where=credit_where), k)
        credited = np.bincount(seen, minlength=k) > 0
    spent = np.flatnonzero(_in_range(s.day, lo, hi))
    spend_total = _sum_by(spend_channel[spent], s.amount[spent], k)
    new, cumulative = _acquisitions(o, order_channel, lo, hi, k)
    with np.errstate(divide="ignore", invalid="ignore"):
        roas = np.where(spend_total != 0, revenue / spend_total, np.nan)
        cac = np.where((spend_total != 0) & (new > 0), spend_total / new, np.nan)
        per_customer = cumulative / new[:, None]  # (channel, day since first order): the LTV curve
    ltv = per_customer[:, min(int(ltv_days), per_customer.shape[1]) - 1]  # NaN without new customers
    reached = per_customer >= cac[:, None]  # NaN compares False
    payback = np.where(reached.any(axis=1), reached.argmax(axis=1), np.nan)
    present = credited.copy()
    present[spend_channel[spent]] = True
    present[new > 0] = True
    keep = np.flatnonzero(present)
    out = pd.DataFrame({
        "channel": channels[keep],
        "spend": spend_total[keep],
        "orders": orders_credit[keep],
        "revenue": revenue[keep],
        "roas": roas[keep],
        "new_customers": new[keep].astype(np.int64),
        "cac": cac[keep],
        "ltv": ltv[keep],
        "ltv_cac": ltv[keep] / cac[keep],  # NaN wherever cac is NaN (zero spend, no new customers)
        "payback_days": payback[keep],
    })
    return by_revenue(out)


def _sum_by(codes: np.ndarray, weights: np.ndarray | None, k: int) -> np.ndarray:
    """Float sums (or counts without weights) per code 0..k-1; float even for no rows."""
    return np.bincount(codes, weights=weights, minlength=k).astype(np.float64)


def _acquisitions(o: OrderArrays, channel: np.ndarray, lo: int | None, hi: int | None, k: int):
    """New customers per channel code, and the cumulative net revenue of those customers per channel
    by whole days since their first order: array (k, n_days), column d = rows with
    first_ts <= order_ts < first_ts + (d + 1) days.

    The first order is the earliest row with amount >= 0; equal times go to the row listed first.
    One row-sized int64 buffer is reused throughout (fresh row-sized arrays cost page faults).
    """
    times = o.times.view(np.int64)
    n_rows, n_customers = len(times), len(o.customers)
    never = np.iinfo(np.int64).max
    paid = o.amount >= 0
    first_ts = np.full(n_customers, never)
    row_buffer = np.where(paid, times, never)
    np.minimum.at(first_ts, o.customer, row_buffer)
    # per row: the customer's first order time (mode="clip": with the default, np.take buffers ``out``)
    first_at = np.take(first_ts, o.customer, out=row_buffer, mode="clip")
    tied = np.flatnonzero(paid & (times == first_at))
    first_row = np.full(n_customers, n_rows)
    np.minimum.at(first_row, o.customer[tied], tied)
    has = np.flatnonzero(first_row < n_rows)
    has = has[_in_range(prep.day_numbers(first_ts[has].view("datetime64[ns]")), lo, hi)]
    acquired_by = np.full(n_customers, -1, dtype=np.int32)
    acquired_by[has] = channel[first_row[has]]
    owner = acquired_by[o.customer]  # per row: the acquiring channel, -1 if not acquired in range
    later = (owner >= 0) & (times >= first_at)
    day = np.subtract(times, first_at, out=row_buffer)
    amount = o.amount
    if not later.all():  # e.g. a date range, or refunds before a first order
        later = np.flatnonzero(later)
        day, owner, amount = day[later], owner[later], amount[later]
    day //= _DAY_NS
    n_days = int(day.max()) + 1 if len(day) else 1
    slot = owner.astype(np.int64) if k * n_days >= 2**31 else owner
    slot *= n_days
    day += slot  # now the (channel, day) slot of each row
    cumulative = np.bincount(day, weights=amount, minlength=k * n_days).reshape(k, n_days).cumsum(axis=1)
    return np.bincount(acquired_by[has], minlength=k), cumulative


def weekly_trend(orders: pd.DataFrame, spend: pd.DataFrame, *, freq: str = "W") -> pd.DataFrame:
    """Spend, revenue and ROAS per period and channel, for the trend chart.

    orders: order_ts, amount, channel (revenue by the rows' own channel, refunds included); spend: date,
    channel, spend; freq: "D" (day), "W" (week starting Monday) or "M" (calendar month).
    -> one row per (period, channel) with any order row or spend row: ``period`` (Timestamp of the
    period's first day), ``channel`` (str), ``spend``, ``revenue`` (currency), ``roas`` (revenue /
    spend, NaN for zero spend); sorted by period, then channel. Periods without any row are absent.
    """
    where = "weekly_trend"
    require_choice(freq, FREQS, name="freq", where=where)
    require_columns(orders, ("order_ts", "amount", "channel"), where=where)
    order_channel, order_labels = channel_codes(orders["channel"], fill=True)
    order_days = prep.day_numbers(prep.wall_clock(orders["order_ts"], where=where))
    order_amount = prep.money(orders["amount"], where=where)
    s = _spend_arrays(spend, where)
    channels, (order_map, spend_map) = union_channels(order_labels, s.channels)
    k = len(channels)
    period = _period_start(np.concatenate([order_days, s.day]), freq)
    channel = np.concatenate([order_map[order_channel], spend_map[s.channel]])
    if len(period) == 0:
        return pd.DataFrame({"period": pd.Series([], dtype="datetime64[ns]"),
                             "channel": pd.Series([], dtype="str"), "spend": [], "revenue": [],
                             "roas": []}).astype({"spend": float, "revenue": float, "roas": float})
    first = period.min()
    slot = (period - first) * k + channel
    n_slots = int(period.max() - first + 1) * k
    zeros_o, zeros_s = np.zeros(len(order_days)), np.zeros(len(s.day))
    revenue = np.bincount(slot, weights=np.concatenate([order_amount, zeros_s]), minlength=n_slots)
    spent = np.bincount(slot, weights=np.concatenate([zeros_o, s.amount]), minlength=n_slots)
    keep = np.flatnonzero(np.bincount(slot, minlength=n_slots))
    with np.errstate(divide="ignore", invalid="ignore"):
        roas = np.where(spent[keep] != 0, revenue[keep] / spent[keep], np.nan)
    out = pd.DataFrame({
        "period": (keep // k + first).astype("datetime64[D]").astype("datetime64[ns]"),
        "channel": channels[keep % k],
        "spend": spent[keep],
        "revenue": revenue[keep],
        "roas": roas,
    })
    return out.sort_values(["period", "channel"], kind="stable", ignore_index=True)


def _period_start(days: np.ndarray, freq: str) -> np.ndarray:
    """Day number of the first day of each day's period: the day, its Monday, or its month's 1st."""
    if freq == "D" or len(days) == 0:
        return days
    if freq == "W":
        return days - (days + 3) % 7  # day 0 (1970-01-01) is a Thursday, day -3 a Monday
    first = days.min()
    span = np.arange(first, days.max() + 1).astype("datetime64[D]")
    return span.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)[days - first]


def _rows_in_range(times: np.ndarray, lo: int | None, hi: int | None):
    """Indices of the rows whose calendar day is in lo..hi, or a slice of all rows without a range."""
    if lo is None and hi is None:
        return slice(None)
    return np.flatnonzero(_in_range(prep.day_numbers(times), lo, hi))


def _in_range(days: np.ndarray, lo: int | None, hi: int | None) -> np.ndarray:
    """Boolean mask: lo <= day <= hi (an open end when None)."""
    mask = np.ones(len(days), dtype=bool)
    if lo is not None:
        mask &= days >= lo
    if hi is not None:
        mask &= days <= hi
    return mask


def _day_range(start, end, where: str) -> tuple[int | None, int | None]:
    """start / end as inclusive day numbers (None = open), validated."""
    lo, hi = _day_number(start, "start", where), _day_number(end, "end", where)
    if lo is not None and hi is not None and hi < lo:
        raise AnalyticsInputError(
            f"{where}: the end date {end} is before the start date {start}. "
            "Pick an end on or after the start."
        )
    return lo, hi


def _day_number(value, name: str, where: str) -> int | None:
    if value is None:
        return None
    try:  # a bare number is not a date (pd.Timestamp(3) would be 3 ns after 1970)
        stamp = pd.NaT if isinstance(value, (int, float, np.number)) else pd.Timestamp(value)
    except (ValueError, TypeError):
        stamp = pd.NaT
    if pd.isna(stamp):
        raise AnalyticsInputError(
            f"The '{name}' parameter of {where} must be a date such as '2024-01-31' or None. "
            f"Got {value!r} instead."
        )
    return int(np.datetime64(stamp.date(), "D").astype(np.int64))


def _check_ltv_days(ltv_days, where: str) -> None:
    if isinstance(ltv_days, bool) or not isinstance(ltv_days, Real) or not (
            math.isfinite(ltv_days) and float(ltv_days).is_integer() and ltv_days > 0):
        raise AnalyticsInputError(
            f"The 'ltv_days' parameter of {where} must be a positive whole number of days such as "
            f"180. Got {ltv_days!r} instead."
        )
