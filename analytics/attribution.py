"""Channel attribution: credit each order's revenue to the marketing channels that touched the customer.

Definitions (DESIGN §4 "Channels"; say "attributed", never "caused"):
- Touchpoints of an order: the customer's events (``events.user_id == orders.customer_id``) with a
  non-empty ``channel`` whose ``event_ts`` lies in ``(order_ts - lookback, order_ts]``: an event exactly
  ``lookback`` before the order is outside, one at ``order_ts`` is inside. Touchpoints are ordered by
  time; equal times keep the input row order of ``events`` (the row listed later is the later touch).
- An order without touchpoints gives all of its credit to its own ``orders.channel``.
- Models (the credit shares of one order sum to 1):
  ``last`` / ``first``: everything to the latest / earliest touchpoint;
  ``linear``: equal shares;
  ``position_based``: 40% first, 40% last, 20% split evenly over the middle ones (one touchpoint: 100%;
  two: 50/50);
  ``time_decay``: weight ``2 ** (-(order_ts - event_ts) / half_life)``, normalised per order.
- Each order row spreads ``amount`` over its channels by those shares, so the credited revenue of all
  channels adds up to the total revenue. Refund rows (amount < 0) are credited by the same rule at their
  own time (they carry no link to the original order) and take revenue only: an order counts 1 credit,
  a refund 0 (with an ``order_id`` column, only the first row of each order counts, see prep.order_flags).
- A missing or blank ``orders.channel`` (or no such column) is the channel ``"(none)"``; events with a
  missing or blank channel are not touchpoints. Channel labels are compared as strings.
- Times are local wall-clock times: time-zone-aware columns keep their clock time (prep.wall_clock).
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd
from scipy import sparse

from analytics import prep
from analytics.errors import AnalyticsInputError, require_choice, require_columns

MODELS = ("last", "first", "linear", "position_based", "time_decay")
NO_CHANNEL = "(none)"
DEFAULT_LOOKBACK = pd.Timedelta(days=30)
DEFAULT_HALF_LIFE = pd.Timedelta(days=7)
_PAIRS_PER_CHUNK = 1 << 20  # (order, touchpoint) pairs expanded at once: bounds the memory
_BLOCK_EVENTS = 1 << 15  # touchpoints per block of the window search: its keys stay in cache
_CHUNK = 1 << 16  # rows per chunk of the passes over big arrays: their scratch stays in cache
_WINDOWS = 1 << 14  # windows per chunk of _window_sums
_SLOTS = 8  # channel counts packed per uint64 word, one byte each (_window_sums)
_MAX_PACKED = 255  # windows with more touchpoints are expanded pair by pair instead
_WORKERS = min(os.cpu_count() or 1, 4)  # threads of the window search (numpy releases the GIL)


@dataclass(frozen=True)
class OrderArrays:
    """The orders table as numpy arrays, one entry per row (shared by attribution and channels)."""

    customer: np.ndarray  # int64 dense customer codes, labels in ``customers``
    customers: pd.Index
    times: np.ndarray  # datetime64[ns], local wall clock
    amount: np.ndarray  # float64, currency; negative = refund
    is_order: np.ndarray  # bool: the row counts as an order (prep.order_flags)
    channel: np.ndarray  # int32 codes into ``channels``; missing -> NO_CHANNEL
    channels: pd.Index  # str labels


def order_arrays(orders: pd.DataFrame, *, where: str) -> OrderArrays:
    """Validate ``orders`` (customer_id, order_ts, amount; channel optional) and turn it into arrays."""
    require_columns(orders, ("customer_id", "order_ts", "amount"), where=where)
    customer, customers = prep.id_codes(orders["customer_id"], where=where)
    amount = prep.money(orders["amount"], where=where)
    if "channel" in orders.columns:
        channel, channels = channel_codes(orders["channel"], fill=True)
    else:
        channel, channels = np.zeros(len(orders), dtype=np.int32), pd.Index([NO_CHANNEL], dtype="str")
    return OrderArrays(customer, customers, prep.wall_clock(orders["order_ts"], where=where), amount,
                       prep.order_flags(orders, amount), channel, channels)


def channel_codes(values: pd.Series, *, fill: bool) -> tuple[np.ndarray, pd.Index]:
    """Integer codes (int32) and string labels for a channel column.

    Missing and blank values get the code of ``NO_CHANNEL`` when ``fill``, else -1. Labels are strings,
    so the categories 1 and "1" are one channel.
    """
    raw, lookup, labels = _raw_channel_codes(values)
    codes = lookup[raw]  # raw -1 (missing) picks the lookup's last entry, -1
    if fill and (codes < 0).any():
        if NO_CHANNEL not in labels:
            labels = labels.append(pd.Index([NO_CHANNEL], dtype="str"))
        codes[codes < 0] = labels.get_loc(NO_CHANNEL)
    return codes, pd.Index(labels, dtype="str")


def union_channels(*labels: pd.Index) -> tuple[pd.Index, list[np.ndarray]]:
    """All channel labels of several tables in first-seen order, and per table the old -> new code map."""
    union = labels[0]
    for more in labels[1:]:
        union = union.append(more[~more.isin(union)])
    return union, [union.get_indexer(ix).astype(np.int32) for ix in labels]


def by_revenue(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows sorted by revenue descending, ties by channel name, with a fresh 0..n-1 index."""
    return frame.sort_values(["revenue", "channel"], ascending=[False, True], kind="stable",
                             ignore_index=True)


def attribute(orders: pd.DataFrame, events: pd.DataFrame, *, model: str = "last",
              lookback=DEFAULT_LOOKBACK, half_life=DEFAULT_HALF_LIFE) -> pd.DataFrame:
    """Attributed orders and revenue per channel under one attribution model.

    orders: one row per order or refund (customer_id, order_ts, amount; channel, order_id optional);
    events: behaviour log (user_id, event_ts; channel = source of the visit, required unless
    ``model="last"``, where events without it leave every order to its own channel).
    -> one row per channel that received any credit (orders or revenue not 0): ``channel`` (str),
    ``orders`` (fractional order credit, float) and ``revenue`` (attributed net revenue, currency),
    sorted by revenue descending.
    ``lookback`` and ``half_life`` are durations (pd.Timedelta or anything it parses, e.g. "30D").

    Example: an order of 100 touched by "ads" 3 days and "email" 1 day before: ``linear`` gives each 50
    and 0.5 orders; ``last`` gives "email" 100 and 1 order.
    """
    require_choice(model, MODELS, name="model", where="attribute")
    return _prepared(orders, events, lookback, half_life, models=(model,), where="attribute")(model)


def compare_models(orders: pd.DataFrame, events: pd.DataFrame, *, lookback=DEFAULT_LOOKBACK,
                   half_life=DEFAULT_HALF_LIFE) -> pd.DataFrame:
    """Share of the attributed revenue per channel under every model, side by side.

    Same inputs as attribute -> one row per channel: ``channel`` and one column per model in ``MODELS``
    (revenue share, 0..1 of the total revenue; NaN when the total revenue is 0), sorted by the ``last``
    column descending. Touchpoints are joined once and shared by all models.
    """
    credit = _prepared(orders, events, lookback, half_life, models=MODELS, where="compare_models")
    shares, complete = {}, {}
    for model in MODELS:
        frame = credit(model)
        total = frame["revenue"].sum()
        shares[model] = pd.Series(frame["revenue"].to_numpy() / total if total != 0 else np.nan,
                                  index=frame["channel"], dtype=np.float64)
        if total != 0:
            complete[model] = 0.0  # a channel this model gave nothing has share 0
    out = pd.concat(shares, axis=1).fillna(complete).rename_axis("channel").reset_index()
    return out.sort_values(["last", "channel"], ascending=[False, True], kind="stable", ignore_index=True)


def _prepared(orders, events, lookback, half_life, *, models, where):
    """Validate, join orders to touchpoints once -> credit(model) -> frame as returned by attribute."""
    lookback_ns = _duration(lookback, "lookback", where, allow_zero=True)
    half_life_ns = _duration(half_life, "half_life", where, allow_zero=False)
    o = order_arrays(orders, where=where)
    require_columns(events, ("user_id", "event_ts"), where=where)
    multi = [m for m in models if m != "last"]
    if multi and "channel" not in events.columns:
        found = ", ".join(map(str, events.columns)) or "no columns"
        raise AnalyticsInputError(
            f"{where}(model={multi[0]!r}) needs a 'channel' column in events (the source of each "
            f"visit). Found: {found}. Map the visit source to 'channel', or use model='last', which "
            "credits orders.channel."
        )
    if "channel" in events.columns:
        tp = _touchpoints(o, orders, events, lookback_ns, where)
    else:
        tp = _Touchpoints.none(o)

    def credit(model: str) -> pd.DataFrame:
        order_credit, revenue = _credit(tp, model, half_life_ns)
        keep = np.flatnonzero((order_credit != 0) | (revenue != 0))
        return by_revenue(pd.DataFrame({"channel": tp.channels[keep], "orders": order_credit[keep],
                                        "revenue": revenue[keep]}))

    return credit


def _duration(value, name: str, where: str, *, allow_zero: bool) -> int:
    """A duration parameter in whole nanoseconds (int), validated."""
    kind = "non-negative" if allow_zero else "positive"
    example = "pd.Timedelta(days=30)" if name == "lookback" else "pd.Timedelta(days=7)"
    error = AnalyticsInputError(
        f"The '{name}' parameter of {where} must be a {kind} duration such as {example}. "
        f"Got {value!r} instead."
    )
    if isinstance(value, (bool, int, float, np.integer, np.floating)) and not isinstance(
            value, np.timedelta64):
        raise error  # a bare number has no unit (pd.Timedelta(30) would be 30 nanoseconds)
    try:
        td = pd.Timedelta(value)
    except (ValueError, TypeError):
        raise error from None
    if pd.isna(td) or td < pd.Timedelta(0) or (td == pd.Timedelta(0) and not allow_zero):
        raise error
    return int(td.value)


@dataclass(frozen=True)
class _Touchpoints:
    """Orders joined to their touchpoints.

    Touchpoint positions are sorted by (user, time, input row of events). The orders are taken in
    the order ``rows`` (grouped by user): joined order j is order row rows[j], owns the positions
    lo[j]:hi[j] and carries that row's amount and order weight.
    """

    rows: np.ndarray  # order row index of each joined order
    lo: np.ndarray  # per joined order (int32 or int64)
    hi: np.ndarray
    amount: np.ndarray  # per joined order: float64 currency
    weight: np.ndarray  # per joined order: 1 when the row counts as an order (OrderArrays.is_order)
    channel: np.ndarray  # per position: the event's raw channel code (index into channel_map)
    times: np.ndarray  # per position: the event time, int64 ns
    channel_map: np.ndarray  # raw channel code -> code in ``channels`` (intp)
    channels: pd.Index  # labels of every channel code (orders' own channels remapped into it)
    order_channel: np.ndarray  # per order row: its own channel code in ``channels``

    @classmethod
    def none(cls, o: OrderArrays) -> _Touchpoints:
        """No touchpoints at all: every order keeps its own channel."""
        empty = np.zeros(len(o.customer), dtype=np.int64)
        nothing = np.zeros(0, dtype=np.int64)
        return cls(np.arange(len(o.customer)), empty, empty, o.amount, o.is_order, nothing, nothing,
                   np.full(1, -1, dtype=np.intp), o.channels, o.channel)

    def channel_at(self, at: np.ndarray) -> np.ndarray:
        """Channel codes (intp, as np.bincount wants them) of the touchpoints at positions ``at``."""
        return self.channel_map[self.channel[at]]

    @cached_property
    def count_tables(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Channel codes in groups of up to 8, each with the table raw channel code -> uint64 with a 1
        in byte s for the group's s-th code (0 for other codes): summing a window's entries counts its
        touchpoints per channel, one byte each (_window_sums)."""
        codes = np.unique(self.channel_map[self.channel_map >= 0])
        tables = []
        for first in range(0, len(codes), _SLOTS):
            word = codes[first:first + _SLOTS]
            table = np.zeros(len(self.channel_map), dtype=np.uint64)
            inside = np.flatnonzero(np.isin(self.channel_map, word))
            table[inside] = np.left_shift(
                np.uint64(1), 8 * np.searchsorted(word, self.channel_map[inside]).astype(np.uint64))
            tables.append((word, table))
        return tables


@dataclass(frozen=True)
class _Scale:
    """Touchpoint and order times as integers for the window search.

    The touchpoint at position i lies in the window (t - lookback, t] of an order at time t exactly
    when lo <= value(i) < hi, with (lo, hi) = windows(order_keys(t)). Values are
    ``(time - origin) // unit`` in the coarsest unit (s, ms, us, ns) that every time and the lookback
    are multiples of, which keeps comparisons exact; when that scale is too long, they are time ranks
    (a sort). 0 <= values < span and n_groups * span < 2**62, so (user, value) packs into one int64
    key.
    """

    span: int
    lookback: int  # ns
    origin: int
    unit: int
    ranks: np.ndarray | None = None  # per touchpoint position: time rank; None for scaled times
    ranked: np.ndarray | None = None  # the touchpoint times in rank order

    def values(self, times: np.ndarray, at, out: np.ndarray | None = None) -> np.ndarray:
        """Values (int64) of the touchpoints at positions ``at`` (slice or index array) into ``out``."""
        if self.ranks is not None:
            if out is None:
                return self.ranks[at]
            np.copyto(out, self.ranks[at])
            return out
        out = np.subtract(times[at], self.origin, out=out)
        if self.unit > 1:
            np.floor_divide(out, self.unit, out=out)
        return out

    def order_keys(self, order_times: np.ndarray) -> np.ndarray:
        """Per order (int64 ns times): what ``windows`` takes, the scaled time (time - origin) // unit,
        or the time itself when values are ranks."""
        if self.ranked is not None:
            return order_times
        keys = order_times - self.origin
        if self.unit > 1:
            keys //= self.unit
        return keys

    def windows(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(lo, hi) value bounds of the windows of orders with ``order_keys`` ``keys``."""
        if self.ranked is not None:
            return (np.searchsorted(self.ranked, keys - self.lookback, side="right"),
                    np.searchsorted(self.ranked, keys, side="right"))
        return keys - (self.lookback // self.unit - 1), keys + 1  # the unit divides the lookback

    def permuted(self, order: np.ndarray) -> _Scale:
        """The same scale after the touchpoint positions were reordered by ``order``."""
        return self if self.ranks is None else replace(self, ranks=self.ranks[order])


def _touchpoints(o: OrderArrays, orders: pd.DataFrame, events: pd.DataFrame, lookback_ns: int,
                 where: str) -> _Touchpoints:
    """Join every order row to the positions of its customer's touchpoints inside the lookback window.

    Touchpoints (events with a channel) are keyed by user code, orders by the user code of their
    customer (_user_codes). Events that already come in (user, time) order, as the app keeps them
    (prep.by_user_time), are searched in place; the search checks that order as it goes, and
    otherwise they are sorted once (_sorted_positions). Orders are grouped by user (in place when they
    come so, as saved data sets keep them; else with a counting sort), and the windows found block by
    block (_search_windows).
    """
    raw_channel, lookup, event_labels = _raw_channel_codes(events["channel"])
    channels, (order_map, event_map) = union_channels(o.channels, event_labels)
    channel_map = np.append(event_map, -1).astype(np.intp)[lookup]  # raw code -> channel, -1: none
    order_channel = order_map[o.channel]
    user, order_user, n_users = _user_codes(o, orders["customer_id"], events["user_id"], where)
    user, times, raw_channel = _with_channel(
        user, prep.wall_clock(events["event_ts"], where=where).view(np.int64), raw_channel, channel_map)
    order_times = o.times.view(np.int64)
    if len(times) == 0 or len(order_times) == 0:
        return replace(_Touchpoints.none(o), channel_map=channel_map, channels=channels,
                       order_channel=order_channel)
    in_order = _ascending(user)
    if in_order:  # users after the last one with orders are never searched: leave their events out
        last = int(order_user.max())
        if last == n_users:  # customers without events
            last = int(order_user[order_user < n_users].max(initial=-1))
        # the bound in user's own dtype: np.searchsorted would copy user to a wider one
        end = len(user) if last + 1 >= n_users else int(np.searchsorted(user, user.dtype.type(last + 1)))
        user, times, raw_channel = user[:end], times[:end], raw_channel[:end]
        if end == 0:
            return replace(_Touchpoints.none(o), channel_map=channel_map, channels=channels,
                           order_channel=order_channel)
    scale = _window_values(times, order_times, lookback_ns, n_users + 1)
    rows, query_starts, keys, amount, weight = _orders_by_user(o, order_user, n_users + 1, scale)
    found = _search_windows(user, times, scale, query_starts, keys) if in_order else None
    if found is None:  # not in (user, time) order: sort once, then the search cannot fail
        order = _sorted_positions(user, times, scale, n_users)
        user, times, raw_channel = user[order], times[order], raw_channel[order]
        scale = scale.permuted(order)
        found = _search_windows(user, times, scale, query_starts, keys)
    lo, hi = found
    return _Touchpoints(rows, lo, hi, amount, weight, raw_channel, times, channel_map, channels,
                        order_channel)


def _orders_by_user(o: OrderArrays, order_user: np.ndarray, n_groups: int, scale: _Scale):
    """The order rows grouped by user code, with what the search and the credit read, in that order:
    the rows themselves when ``order_user`` never decreases, else a stable counting sort (_group_by).

    -> (rows: order row per joined order, starts: group starts (n_groups + 1), keys:
    scale.order_keys, moved along by the counting sort at almost no cost; amount, weight: gathered,
    one random read per row each, so the weight is derived from the amount when it can be).
    """
    keys = scale.order_keys(o.times.view(np.int64))
    if _ascending(order_user):  # saved data sets keep orders by customer (store.in_store_order)
        starts = np.zeros(n_groups + 1, dtype=np.int64)
        np.cumsum(np.bincount(order_user, minlength=n_groups), out=starts[1:])
        return np.arange(len(order_user)), starts, keys, o.amount, o.is_order
    rows, starts, keys = _group_by(order_user, n_groups, keys)
    amount = o.amount[rows]
    # the rows that count as orders are those with amount >= 0, unless order ids repeat
    weight = amount >= 0 if np.array_equal(o.is_order, o.amount >= 0) else o.is_order[rows]
    return rows, starts, keys, amount, weight


def _raw_channel_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray, pd.Index]:
    """A channel column as raw codes plus a lookup, without a pass over the rows.

    -> (raw code per row, -1 = missing; lookup int32: raw code -> code in labels, -1 for blank or
    missing, its last entry serving raw code -1; labels: str Index of the non-blank channels).
    """
    if isinstance(values.dtype, pd.CategoricalDtype):
        raw, categories = values.array.codes, values.cat.categories
    else:
        raw, categories = pd.factorize(values)
    names = pd.Index(categories).astype("str")
    blank = np.asarray(names.str.strip() == "")
    lookup, labels = pd.factorize(names.where(~blank))
    return raw, np.append(lookup, -1).astype(np.int32), pd.Index(labels, dtype="str")


def _user_codes(o: OrderArrays, customer_ids: pd.Series, user_ids: pd.Series,
                where: str) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer user codes for the events, and the user code of every order row's customer.

    -> (code per event, code per order row, n_users): codes 0..n_users-1; an order whose customer has
    no events gets n_users. Two categorical columns whose categories agree on their common length
    (the sample's and the saved data sets' convention, prep.customers_first) are matched by
    category position, reusing both columns' codes without hashing millions of string labels.
    Otherwise the labels are matched, as strings when the two columns have different dtypes
    (e.g. integer vs. string ids).
    """
    if prep.shared_categories(customer_ids, user_ids):
        users = user_ids.array.codes  # the codes themselves: no Series around them
        if len(users) == 0 or users.min() >= 0:  # missing ids: the general path raises the message
            n_users = len(user_ids.cat.categories)
            order_user = customer_ids.array.codes  # complete: checked by order_arrays
            if len(customer_ids.cat.categories) > n_users:
                order_user = np.minimum(order_user, n_users)  # customers after the shared ones
            return users, order_user, n_users
    users, user_labels = prep.id_codes(user_ids, where=where)
    customers = o.customers
    if customers.dtype != user_labels.dtype:
        customers, user_labels = customers.astype("str"), user_labels.astype("str")
        same, user_labels = pd.factorize(user_labels)  # labels equal as strings are one user
        if len(user_labels) < len(same):
            users = same[users]
    user_of_customer = user_labels.get_indexer(customers)
    user_of_customer[user_of_customer < 0] = len(user_labels)
    return users, user_of_customer[o.customer], len(user_labels)


def _with_channel(user: np.ndarray, times: np.ndarray, channel: np.ndarray, channel_map: np.ndarray):
    """The events that are touchpoints (their channel is neither missing nor blank).

    -> (user code, time, raw channel code) per touchpoint, in input order: the inputs themselves when
    every event has a channel, else copies of the kept rows.
    """
    no_channel = channel_map < 0  # its last entry serves the missing channel (raw code -1)
    if no_channel[:-1].any():
        keep = ~no_channel[channel]
    elif len(channel) and channel.min() < 0:
        keep = channel >= 0
    else:
        return user, times, channel
    at = np.flatnonzero(keep)
    return user[at], times[at], channel[at]


def _window_values(times: np.ndarray, order_times: np.ndarray, lookback_ns: int,
                   n_groups: int) -> _Scale:
    """The integer scale of the window search for touchpoint ``times``, order times and keys with
    ``n_groups`` user codes (see _Scale)."""
    origin = min(int(times.min()), int(order_times.min()) - lookback_ns)
    top = max(int(times.max()), int(order_times.max()))
    unit = next(u for u in (10**9, 10**6, 10**3, 1) if lookback_ns % u == 0
                and _multiples(times, u) and _multiples(order_times, u))
    span = (top - origin) // unit + 2
    if n_groups * span < 2**62:
        return _Scale(span, lookback_ns, origin, unit)
    by_time = np.argsort(times, kind="stable")  # ties: input order
    rank = np.empty(len(times), dtype=np.int64)
    rank[by_time] = np.arange(len(times))
    return _Scale(len(times) + 1, lookback_ns, 0, 1, rank, times[by_time])


def _multiples(values: np.ndarray, unit: int) -> bool:
    """True when every value (int64) is a multiple of ``unit``; chunked, so the scratch stays in cache."""
    if unit == 1:
        return True
    scratch = np.empty(min(len(values), _CHUNK), dtype=np.int64)
    for a in range(0, len(values), _CHUNK):
        part = values[a:a + _CHUNK]
        whole = scratch[:len(part)]
        np.floor_divide(part, unit, out=whole)
        whole *= unit
        if not np.array_equal(whole, part):
            return False
    return True


def _sorted_positions(user: np.ndarray, times: np.ndarray, scale: _Scale, n_users: int) -> np.ndarray:
    """The permutation that sorts touchpoints by (user, time, input row).

    A stable counting sort by user (_group_by), then, if some user's touchpoints are out of time
    order, a stable sort of the keys user * span + value (cheap when nearly sorted).
    """
    order, starts, _ = _group_by(user, n_users)
    keys = np.repeat(np.arange(n_users, dtype=np.int64) * scale.span, np.diff(starts))
    keys += scale.values(times, order)
    if not _ascending(keys):
        order = order[np.argsort(keys, kind="stable")]  # stable: equal times keep the input order
    return order


def _search_windows(user: np.ndarray, times: np.ndarray, scale: _Scale, query_starts: np.ndarray,
                    query_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """Touchpoint positions lo:hi of every order's window.

    user (per touchpoint position) must be non-decreasing; the orders are grouped by user: user u's
    orders are query_starts[u]:query_starts[u + 1], with query_keys (scale.order_keys). Runs block by
    block, about _BLOCK_EVENTS touchpoints of whole users each: the block's keys
    (user - first user) * span + value are built in a scratch buffer that stays in cache and
    searched with np.searchsorted (one search over all touchpoints would miss the cache on most
    probes). The blocks are shared out to _WORKERS threads, each writing its own orders' lo, hi.
    -> (lo, hi) per order in query order (int32 below 2**31 touchpoints, else int64), or None when
    some user's touchpoints are not in time order.
    """
    position = np.int32 if len(user) < 2**31 else np.int64
    lo, hi = np.empty(len(query_keys), dtype=position), np.empty(len(query_keys), dtype=position)
    n_groups = len(query_starts) - 1
    bounds = np.unique(np.concatenate([user[::_BLOCK_EVENTS], [0, n_groups]]).astype(np.int64))
    # the searched bounds are user codes, so they fit user's dtype (no copy of user); n_groups may not
    first_event = np.append(np.searchsorted(user, bounds[:-1].astype(user.dtype)), len(user))
    longest = int(np.diff(first_event).max())
    first_query = query_starts[bounds].tolist()  # Python ints: cheap to index and slice with
    bounds, first_event = bounds.tolist(), first_event.tolist()

    def search(blocks: range) -> bool:
        """Fill lo, hi for the orders of ``blocks``; False when some user's touchpoints are out of order."""
        keys, values = np.empty(longest, dtype=np.int64), np.empty(longest, dtype=np.int64)
        for b in blocks:
            a, z = first_query[b], first_query[b + 1]
            if a == z:  # nobody searches this block
                continue
            u0, u1, e0, e1 = bounds[b], bounds[b + 1], first_event[b], first_event[b + 1]
            key = keys[:e1 - e0]
            np.subtract(user[e0:e1], u0, out=key)
            key *= scale.span
            key += scale.values(times, slice(e0, e1), values[:e1 - e0])
            if not _ascending(key):
                return False
            base = np.repeat(np.arange(u1 - u0, dtype=np.int64) * scale.span,
                             np.diff(query_starts[u0:u1 + 1]))
            q_lo, q_hi = scale.windows(query_keys[a:z])
            lo[a:z] = np.searchsorted(key, q_lo + base)
            hi[a:z] = np.searchsorted(key, q_hi + base)
            lo[a:z] += e0
            hi[a:z] += e0
        return True

    # _WORKERS consecutive runs of blocks with about equal numbers of orders, searched side by side
    cuts = np.searchsorted(first_query, np.linspace(0, first_query[-1], _WORKERS + 1)[1:-1])
    edges = [0, *cuts.tolist(), len(bounds) - 1]
    with ThreadPoolExecutor(_WORKERS) as pool:
        done = list(pool.map(search, [range(a, z) for a, z in zip(edges, edges[1:])]))
    return (lo, hi) if all(done) else None


def _ascending(values: np.ndarray) -> bool:
    """True when ``values`` never decrease; checked in chunks (no row-sized temporary), stopping at the
    first chunk that decreases."""
    for a in range(0, len(values) - 1, _CHUNK):
        part = values[a:a + _CHUNK + 1]
        if not (part[1:] >= part[:-1]).all():
            return False
    return True


def _group_by(codes: np.ndarray, n_groups: int, data: np.ndarray | None = None):
    """Stable counting sort by a dense code 0..n_groups-1.

    -> (positions grouped by code, group starts of length n_groups + 1, ``data`` in that order).
    Built as a CSR matrix (row = code, column = position, value = data): scipy's COO -> CSR conversion
    is a stable O(n) counting sort that moves the values along (explicit zeros are kept), where
    np.argsort(kind="stable") and np.lexsort are O(n log n).
    """
    n = len(codes)
    index = np.int32 if max(n, n_groups) < 2**31 else np.int64  # scipy's index dtype: no copies
    values = np.zeros(n, dtype=np.int8) if data is None else data
    grouped = sparse.csr_array((values, (codes.astype(index, copy=False), np.arange(n, dtype=index))),
                               shape=(n_groups, n))
    return grouped.indices, grouped.indptr, grouped.data


def _credit(tp: _Touchpoints, model: str, half_life_ns: int):
    """Per channel code: (order credit, revenue credit), float arrays of length len(tp.channels)."""
    k = len(tp.channels)
    count = np.subtract(tp.hi, tp.lo, dtype=tp.lo.dtype)
    alone = np.flatnonzero(count == 0)
    credit = _tally(tp.order_channel[tp.rows[alone]], tp.weight[alone], tp.amount[alone], k)
    if model == "linear":  # equal shares: 1/n of each order to each of its n touchpoints
        credit += _window_sums(tp, tp.lo, tp.hi, tp.weight, tp.amount, 1.0)
        expand = np.flatnonzero(count > _MAX_PACKED)  # skipped by _window_sums
    else:
        rows = np.flatnonzero(count > 0)
        if model in ("last", "first"):
            at = tp.hi[rows] - 1 if model == "last" else tp.lo[rows]
            return credit + _tally(tp.channel_at(at), tp.weight[rows], tp.amount[rows], k)
        if model == "position_based":
            packed = count[rows] <= _MAX_PACKED
            credit += _position_credit(tp, rows[packed], count[rows[packed]])
            rows = rows[~packed]
        expand = rows
    for part in _chunks(count[expand]):  # one entry per (order, touchpoint) pair
        r = expand[part]
        n = count[r].astype(np.int64)
        offsets = np.cumsum(n) - n  # where each order's pairs start
        at = np.arange(offsets[-1] + n[-1]) + np.repeat(tp.lo[r] - offsets, n)  # touchpoint positions
        share = _shares(model, tp, r, n, offsets, at, half_life_ns)
        credit += _tally(tp.channel_at(at), share * np.repeat(tp.weight[r], n),
                         share * np.repeat(tp.amount[r], n), k)
    return credit


def _position_credit(tp: _Touchpoints, joined: np.ndarray, n: np.ndarray) -> np.ndarray:
    """(2, k) position_based credit of the joined orders ``joined`` with n = 1.._MAX_PACKED
    touchpoints: 40% first, 40% last, 20% over the middle ones (one touchpoint 100%, two 50/50). The
    middle comes from per-channel window counts (_window_sums)."""
    k = len(tp.channels)
    lo, hi, w, a = tp.lo[joined], tp.hi[joined], tp.weight[joined], tp.amount[joined]
    end = np.where(n == 1, 1.0, np.where(n == 2, 0.5, 0.4))
    credit = _tally(tp.channel_at(lo), w * end, a * end, k)
    last = np.flatnonzero(n >= 2)
    credit += _tally(tp.channel_at(hi[last] - 1), w[last] * end[last], a[last] * end[last], k)
    middle = np.flatnonzero(n >= 3)
    return credit + _window_sums(tp, lo[middle] + 1, hi[middle] - 1, w[middle], a[middle], 0.2)


def _window_sums(tp: _Touchpoints, lo: np.ndarray, hi: np.ndarray, weight: np.ndarray,
                 amount: np.ndarray, fraction: float) -> np.ndarray:
    """(2, k) credit when window j (touchpoint positions lo[j]:hi[j]) spreads ``fraction`` of
    weight[j] (order credit, row 0) and amount[j] (revenue, row 1) evenly over its touchpoints.
    Windows with 256 or more touchpoints are skipped: the caller credits them pair by pair.

    Windows come in chunks of _WINDOWS; a chunk's touchpoints get running counts per channel, 8 channels
    packed in the bytes of one uint64 (tp.count_tables; the cumulative sum wraps modulo 2**64), and a
    window's counts are the bytes of the difference of its two ends: exact while every count is
    below 256. The scratch stays in cache; windows should come roughly in position order (query
    order) to keep chunks short.
    """
    out = np.zeros((2, len(tp.channels)))
    scratch = np.zeros(0, dtype=np.uint64)
    for a in range(0, len(lo), _WINDOWS):
        l, h = lo[a:a + _WINDOWS], hi[a:a + _WINDOWS]
        first, last = int(l.min()), int(h.max())
        if last <= first:  # only empty windows
            continue
        if len(scratch) <= last - first:
            scratch = np.empty(2 * (last - first) + 1, dtype=np.uint64)
        running = scratch[:last - first + 1]
        size = h - l
        share = np.divide(fraction, size, out=np.zeros(len(size)),
                          where=(size > 0) & (size <= _MAX_PACKED))
        weights = np.stack([weight[a:a + _WINDOWS] * share, amount[a:a + _WINDOWS] * share], axis=1)
        l, h = l - first, h - first
        for word, table in tp.count_tables:
            running[0] = 0
            np.take(table, tp.channel[first:last], out=running[1:], mode="clip")  # clip: unbuffered
            np.cumsum(running, out=running)
            packed = running[h]
            packed -= running[l]
            counts = packed.astype("<u8", copy=False).view(np.uint8).reshape(-1, 8)[:, :len(word)]
            out[:, word] += (counts.astype(np.float64).T @ weights).T
    return out


def _tally(channel, order_weight, amount, k) -> np.ndarray:
    """(2, k) array: order credit and revenue credit summed per channel code."""
    return np.stack([np.bincount(channel, weights=order_weight, minlength=k),
                     np.bincount(channel, weights=amount, minlength=k)]).astype(np.float64)  # empty: int


def _shares(model, tp: _Touchpoints, rows, n, offsets, at, half_life_ns):
    """Credit share of each (order, touchpoint) pair of ``rows`` (n pairs each, starting at
    ``offsets``; ``at`` = touchpoint positions); the shares of one order sum to 1."""
    if model == "linear":
        return np.repeat(1.0 / n, n)
    if model == "position_based":
        size = np.repeat(n, n)
        step = np.arange(len(at)) - np.repeat(offsets, n)  # 0..n-1 within an order
        ends = np.where((step == 0) | (step == size - 1), 0.4, 0.2 / np.maximum(size - 2, 1))
        return np.where(size == 1, 1.0, np.where(size == 2, 0.5, ends))
    # time_decay: 2^(-(order_ts - t)/h), normalised. Measured from the order's latest touchpoint
    # instead of order_ts (the common factor cancels), so the largest weight is 1 and a long window
    # cannot underflow every weight to 0.
    latest = tp.times[tp.hi[rows] - 1]
    weight = np.exp2((tp.times[at] - np.repeat(latest, n)) / half_life_ns)
    return weight / np.repeat(np.add.reduceat(weight, offsets), n)


def _chunks(counts: np.ndarray) -> list[slice]:
    """Consecutive slices of ``counts`` (all > 0) holding about _PAIRS_PER_CHUNK pairs each: one
    slice per chunk, not per row; a single huge order gets its own slice."""
    if len(counts) == 0:
        return []
    ends = np.cumsum(counts)
    cuts = np.searchsorted(ends, np.arange(_PAIRS_PER_CHUNK, ends[-1], _PAIRS_PER_CHUNK), side="right")
    bounds = np.unique(np.concatenate([[0], cuts, [len(counts)]]))
    return [slice(a, b) for a, b in zip(bounds[:-1], bounds[1:])]
