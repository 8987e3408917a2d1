"""Budget what-if and optimisation over per-channel response curves (DESIGN §4 "Budget").

A curve is any vectorised callable daily spend -> daily revenue (a numpy array of spends in, an array of
the same shape out), typically a fitted :class:`~analytics.response.HillCurve`. All amounts are daily
currency. Splits are ``{channel: spend}`` dicts. Curves with a ``.marginal`` method give the marginal
ROAS analytically; for any other callable it is a numeric derivative.

The optimiser is global on a grid and exact locally: a dynamic programme over a fine grid of the budget
finds the best split among grid points (exact for any curve shape, so S-shaped curves do not trap it),
then SLSQP refines that split and two other feasible starts (equal split, proportional to the bounds'
midpoints) under the budget equality, and the best result wins.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from numbers import Real

import numpy as np
import pandas as pd
from scipy.optimize import minimize

from analytics.errors import AnalyticsInputError, require_choice, require_columns
from analytics.prep import day_numbers, id_codes, money, wall_clock
from analytics.response import (
    HillCurve, ResponseFit, adstock, fit_channels, fit_report, fit_response,
)

__all__ = [
    "GROUP_SHARES", "PRESETS", "HillCurve", "ResponseFit", "adstock", "binding_bounds",
    "daily_revenue", "fit_channels", "fit_report", "fit_response", "min_spend_for", "optimize",
    "predict", "predict_totals", "preset_split", "response_points",
]

PRESETS = ("current", "even", "30-40-30")
GROUP_SHARES = {"content": 0.3, "social": 0.4, "search": 0.3}

_GRID_STEPS = 400  # budget grid of the dynamic programme: 0.25% of the budget to allocate
_FLAT_PROBES = 33  # points on [min, max] where a curve is checked for being flat (zero curve)
_TOTAL_RTOL = 1e-6  # min_spend_for stops when the bracket on the total is this narrow (relative)

Curve = Callable[[np.ndarray], np.ndarray]


def daily_revenue(orders: pd.DataFrame, *, ts_col: str = "order_ts", channel_col: str = "channel",
                  amount_col: str = "amount") -> pd.DataFrame:
    """Attributed net revenue per day and channel, last touch (the channel written on each order row).

    ``orders``: one row per order or refund -> one row per (calendar day of ``ts_col``, channel) with at
    least one row: date (datetime64[ns] at midnight), channel (the label), revenue (sum of the amounts,
    currency; refunds are negative and reduce it). Sorted by date, then channel. Rows without a channel
    are attributed to no channel and left out. The frame is the ``revenue`` input of
    :func:`fit_channels`.

    >>> daily_revenue(pd.DataFrame({"order_ts": ["2024-01-01 09:00", "2024-01-01 18:00"],
    ...                             "channel": ["kol", "kol"], "amount": [100.0, -20.0]}))
            date channel  revenue
    0 2024-01-01     kol     80.0
    """
    where = "daily_revenue"
    require_columns(orders, (ts_col, channel_col, amount_col), where=where)
    channel = orders[channel_col]
    ts, amount = orders[ts_col], orders[amount_col]
    missing = channel.isna().to_numpy()
    if missing.any():
        rows = np.flatnonzero(~missing)
        channel, ts, amount = channel.take(rows), ts.take(rows), amount.take(rows)
    if len(channel) == 0:
        return pd.DataFrame({"date": pd.Series([], dtype="datetime64[ns]"),
                             "channel": channel.to_numpy()[:0],
                             "revenue": pd.Series([], dtype="float64")})
    codes, labels = _sorted_codes(channel, where=where)
    days = day_numbers(wall_clock(ts, where=where))
    amounts = money(amount, where=where)
    first = int(days.min())
    n_days = int(days.max()) - first + 1
    key = (days - first) * len(labels) + codes  # day-major, so the cells come out by date, channel
    size = n_days * len(labels)
    cells = np.flatnonzero(np.bincount(key, minlength=size))
    return pd.DataFrame({
        "date": (cells // len(labels) + first).astype("datetime64[D]").astype("datetime64[ns]"),
        "channel": labels.take(cells % len(labels)).to_numpy(),
        "revenue": np.bincount(key, weights=amounts, minlength=size)[cells],
    })


def response_points(spend: pd.DataFrame, revenue: pd.DataFrame, *, date_col: str = "date",
                    channel_col: str = "channel", spend_col: str = "spend",
                    revenue_col: str = "revenue") -> pd.DataFrame:
    """The observed points of the response curves: the days :func:`fit_channels` fits on.

    ``spend``: rows (date, channel, spend), ``revenue``: rows (date, channel, revenue), e.g.
    :func:`daily_revenue`; several rows per day and channel are added up. Returns one row per (day,
    channel) with a spend row: date (datetime64[ns] at midnight), channel, spend and revenue (currency
    per day; revenue 0 when the channel has none that day), sorted by channel, then date. Revenue of
    days or channels without a spend row is left out.
    """
    where = "response_points"
    require_columns(spend, (date_col, channel_col, spend_col), where=f"{where} (spend)")
    require_columns(revenue, (date_col, channel_col, revenue_col), where=f"{where} (revenue)")
    if len(spend) == 0:
        return pd.DataFrame({"date": pd.Series([], dtype="datetime64[ns]"),
                             "channel": spend[channel_col].to_numpy()[:0],
                             "spend": pd.Series([], dtype="float64"),
                             "revenue": pd.Series([], dtype="float64")})
    codes, labels = _sorted_codes(spend[channel_col], where=where)
    days = day_numbers(wall_clock(spend[date_col], where=where))
    first = int(days.min())
    n_days = int(days.max()) - first + 1
    size = len(labels) * n_days
    key = codes * n_days + (days - first)  # channel-major: cells come out by channel, date
    cells = np.flatnonzero(np.bincount(key, minlength=size))
    revenue_sum = np.zeros(size)
    if len(revenue):
        r_codes = labels.get_indexer(revenue[channel_col])
        r_days = day_numbers(wall_clock(revenue[date_col], where=where)) - first
        keep = np.flatnonzero((r_codes >= 0) & (r_days >= 0) & (r_days < n_days))
        r_amounts = money(revenue[revenue_col], where=where)[keep]
        revenue_sum = np.bincount(r_codes[keep] * n_days + r_days[keep], weights=r_amounts,
                                  minlength=size)
    return pd.DataFrame({
        "date": (cells % n_days + first).astype("datetime64[D]").astype("datetime64[ns]"),
        "channel": labels.take(cells // n_days).to_numpy(),
        "spend": np.bincount(key, weights=money(spend[spend_col], where=where), minlength=size)[cells],
        "revenue": revenue_sum[cells],
    })


def _sorted_codes(values: pd.Series, *, where: str) -> tuple[np.ndarray, pd.Index]:
    """:func:`~analytics.prep.id_codes` re-coded so that code i is the i-th label in sorted order."""
    codes, labels = id_codes(values, where=where)
    order = np.argsort(labels.to_numpy(), kind="stable")
    return np.argsort(order)[codes], labels[order]


def predict(curves: Mapping, split: Mapping) -> pd.DataFrame:
    """What-if: the predicted daily revenue of a split.

    ``curves``: channel -> curve; ``split``: channel -> daily spend (every channel must have a curve).
    Returns one row per channel of ``split`` (in its order): channel, spend, revenue (currency per day),
    roas (revenue / spend; NaN at spend 0) and marginal_roas (revenue of one more unit of spend, the
    derivative of the curve). Totals: :func:`predict_totals`.

    >>> predict({"a": HillCurve(100.0, 50.0, 1.0)}, {"a": 50.0}).iloc[0, 2:].tolist()
    [50.0, 1.0, 0.5]
    """
    names, _ = _curves(curves, where="predict")
    channels, spend = _split(split, names, where="predict")
    chosen = [curves[c] for c in channels]
    revenue = np.array([_values(f, spend[i:i + 1], c, where="predict")[0]
                        for i, (f, c) in enumerate(zip(chosen, channels))])
    marginal = np.array([_slope(f, spend[i:i + 1])[0] for i, f in enumerate(chosen)])
    return pd.DataFrame({
        "channel": channels,
        "spend": spend,
        "revenue": revenue,
        "roas": _ratio(revenue, spend),
        "marginal_roas": marginal,
    })


def predict_totals(prediction: pd.DataFrame) -> dict[str, float]:
    """Totals of a :func:`predict` frame: {"spend", "revenue", "roas"} (roas = total revenue / total
    spend, NaN when nothing is spent)."""
    require_columns(prediction, ("spend", "revenue"), where="predict_totals")
    spend = float(prediction["spend"].sum())
    revenue = float(prediction["revenue"].sum())
    return {"spend": spend, "revenue": revenue, "roas": revenue / spend if spend > 0 else math.nan}


def optimize(curves: Mapping, total: float, *, bounds: Mapping | None = None) -> dict:
    """The split of a daily budget ``total`` that maximises the predicted revenue.

    ``curves``: channel -> curve (any vectorised callable, see the module docstring);
    ``bounds``: channel -> (min, max) daily spend (max may be ``math.inf``); channels without one get
    (0, total). Returns channel -> spend for every channel of ``curves``: it adds up to ``total``,
    respects the bounds, and its revenue is within 1e-3 (relative) of the best split. A channel whose
    curve is flat on its bounds (a zero curve) gets its minimum, or more only when the other channels'
    maxima cannot absorb the budget. Marginal ROAS at the optimum: :func:`predict`; which bounds stopped
    the optimiser: :func:`binding_bounds`.

    Raises AnalyticsInputError when the bounds cannot be met (minima above the total, maxima below it,
    a minimum above its maximum, negative amounts), naming the channels and amounts.
    """
    names, funcs = _curves(curves, where="optimize")
    total = _amount(total, name="total", where="optimize")
    low, high = _bounds(bounds, names, default_max=total, where="optimize")
    _require_reachable(names, low, high, total, where="optimize")
    _check_curves(funcs, names, low, np.minimum(high, total), where="optimize")
    return dict(zip(names, _best_split(funcs, total, low, high).tolist()))


def min_spend_for(curves: Mapping, target: float, *, bounds: Mapping | None = None,
                  max_total: float | None = None) -> dict:
    """The split with the least total daily spend whose predicted revenue reaches ``target``.

    ``bounds`` as in :func:`optimize`; channels without one get (0, ``max_total``). ``max_total`` caps
    the totals searched; it is needed only when some channel has no finite maximum. Bisection on the
    total, each step an :func:`optimize` (the best revenue grows with the total for increasing curves);
    the returned split's revenue is >= ``target`` and its total within 1e-6 (relative) of the least.
    When the minima alone reach the target, the minima are returned.

    Raises AnalyticsInputError when even the best split at the largest total misses the target (the
    message says the most revenue reachable) or when the search has no upper end.
    """
    where = "min_spend_for"
    names, funcs = _curves(curves, where=where)
    if not (_is_number(target) and math.isfinite(target)):
        raise AnalyticsInputError(
            f"{where}: 'target' must be a finite number (daily revenue). Got {target!r} instead."
        )
    cap = math.inf if max_total is None else _amount(max_total, name="max_total", where=where)
    low, high = _bounds(bounds, names, default_max=cap, where=where)
    if not np.isfinite(high).all():
        open_ended = ", ".join(repr(n) for n, h in zip(names, high) if not np.isfinite(h))
        raise AnalyticsInputError(
            f"{where}: the channel(s) {open_ended} have no maximum spend, so the search for the least "
            "total has no upper end. Give them a maximum in 'bounds' or pass max_total (the largest "
            "total daily budget to consider)."
        )
    if cap < low.sum():
        raise AnalyticsInputError(
            f"{where}: 'max_total' {cap:,.2f} is below the sum of the minimum spends {low.sum():,.2f}. "
            "Raise max_total or lower the minimums."
        )
    _check_curves(funcs, names, low, high, where=where)
    top = min(cap, float(high.sum()))
    best = _best_split(funcs, top, low, high)
    reach = _revenue(funcs, best)
    if reach < target:
        raise AnalyticsInputError(
            f"{where}: the target revenue {target:,.2f} is out of reach: the most the curves predict "
            f"within the bounds is {reach:,.2f} (at a total spend of {top:,.2f}). Lower the target or "
            "raise the maximum spends."
        )
    if _revenue(funcs, low) >= target:
        return dict(zip(names, low.tolist()))
    below = float(low.sum())
    while top - below > _TOTAL_RTOL * top:
        middle = (below + top) / 2
        split = _best_split(funcs, middle, low, high)
        if _revenue(funcs, split) >= target:
            top, best = middle, split
        else:
            below = middle
    return dict(zip(names, best.tolist()))


def binding_bounds(split: Mapping, bounds: Mapping | None = None, *, tol: float = 1e-6) -> dict:
    """Channel -> "min", "max" or "": which bound a split sits on (why the optimiser stopped there).

    ``bounds`` as in :func:`optimize` with total = the split's sum. A channel is at a bound when it is
    within ``tol`` x the split's total of it; a channel whose min equals its max reports "min".
    Read it with the marginal ROAS of :func:`predict`: at the optimum the channels strictly inside their
    bounds share one marginal ROAS; a channel at "max" would earn more than that, one at "min" less.
    """
    where = "binding_bounds"
    if not (_is_number(tol) and 0 <= tol < 1):
        raise AnalyticsInputError(
            f"{where}: 'tol' must be a number in [0, 1) (a share of the split's total). "
            f"Got {tol!r} instead."
        )
    names, spend = _split(split, None, where=where)
    total = float(spend.sum())
    low, high = _bounds(bounds, names, default_max=total, where=where)
    slack = tol * total
    labels = np.where(spend <= low + slack, "min", np.where(spend >= high - slack, "max", ""))
    return dict(zip(names, labels.tolist()))


def preset_split(name: str, current: Mapping, total: float, *,
                 groups: Mapping | None = None) -> dict:
    """A ready-made split of ``total`` over the channels of ``current`` (channel -> current daily spend).

    - "current": the current split scaled to ``total``.
    - "even": the same amount for every channel.
    - "30-40-30": the plan's split by channel group, ``GROUP_SHARES`` (content 30%, social 40%,
      search 30%); ``groups`` maps every channel of ``current`` to one of those groups (extra entries are
      ignored). Within a group the money follows the current split (evenly when the group spends
      nothing now). A group without a channel passes its share to the other groups in proportion to
      their shares (content + social only -> 3/7 and 4/7).
    """
    where = "preset_split"
    require_choice(name, PRESETS, name="name", where=where)
    channels, spend = _split(current, None, where=where, parameter="current")
    total = _amount(total, name="total", where=where)
    if name == "even":
        return dict.fromkeys(channels, total / len(channels))
    if name == "current":
        if spend.sum() <= 0:
            raise AnalyticsInputError(
                f"{where}: the 'current' preset scales the current spend, but every channel spends 0 "
                "now. Use the 'even' preset instead."
            )
        return dict(zip(channels, (spend * (total / spend.sum())).tolist()))
    group_of = _groups(groups, channels, where=where)
    present = sorted({group_of[c] for c in channels}, key=list(GROUP_SHARES).index)
    share_sum = sum(GROUP_SHARES[g] for g in present)
    out = {}
    for group in present:
        members = [i for i, c in enumerate(channels) if group_of[c] == group]
        weights = spend[members] if spend[members].sum() > 0 else np.ones(len(members))
        budget = total * GROUP_SHARES[group] / share_sum
        out.update(zip([channels[i] for i in members], (budget * weights / weights.sum()).tolist()))
    return {c: out[c] for c in channels}


# --- validation -----------------------------------------------------------------------------------

def _is_number(value: object) -> bool:
    return isinstance(value, Real) and not isinstance(value, bool)


def _amount(value: object, *, name: str, where: str) -> float:
    if not (_is_number(value) and math.isfinite(value) and value >= 0):
        raise AnalyticsInputError(
            f"{where}: '{name}' must be a finite number >= 0 (daily currency). Got {value!r} instead."
        )
    return float(value)


def _curves(curves: object, *, where: str) -> tuple[list, list[Curve]]:
    if not isinstance(curves, Mapping) or not curves:
        raise AnalyticsInputError(
            f"{where}: 'curves' must be a non-empty mapping channel -> curve (a callable spend -> "
            f"revenue). Got {curves!r} instead. Fit them with fit_response first."
        )
    for channel, curve in curves.items():
        if not callable(curve):
            raise AnalyticsInputError(
                f"{where}: the curve of channel {channel!r} must be a callable spend -> revenue. "
                f"Got {type(curve).__name__} instead."
            )
    return list(curves), list(curves.values())


def _split(split: object, names: list | None, *, where: str,
           parameter: str = "split") -> tuple[list, np.ndarray]:
    if not isinstance(split, Mapping) or not split:
        raise AnalyticsInputError(
            f"{where}: '{parameter}' must be a non-empty mapping channel -> daily spend. "
            f"Got {split!r} instead."
        )
    for channel, value in split.items():
        if not (_is_number(value) and math.isfinite(value) and value >= 0):
            raise AnalyticsInputError(
                f"{where}: the spend of channel {channel!r} in '{parameter}' must be a finite number "
                f">= 0. Got {value!r} instead."
            )
    unknown = [c for c in split if names is not None and c not in names]
    if unknown:
        raise AnalyticsInputError(
            f"{where}: '{parameter}' names channel(s) {', '.join(map(repr, unknown))} that have no "
            f"curve. Channels with a curve: {', '.join(map(repr, names))}. Fix the names or fit those "
            "channels first."
        )
    return list(split), np.array(list(split.values()), dtype=np.float64)


def _bounds(bounds: object, names: list, *, default_max: float,
            where: str) -> tuple[np.ndarray, np.ndarray]:
    """(min array, max array) over ``names``; channels without bounds get (0, default_max)."""
    bounds = {} if bounds is None else bounds
    if not isinstance(bounds, Mapping):
        raise AnalyticsInputError(
            f"{where}: 'bounds' must be a mapping channel -> (min, max) or None. "
            f"Got {type(bounds).__name__} instead."
        )
    unknown = [c for c in bounds if c not in names]
    if unknown:
        raise AnalyticsInputError(
            f"{where}: 'bounds' names channel(s) {', '.join(map(repr, unknown))} that have no curve. "
            f"Channels: {', '.join(map(repr, names))}. Fix the names or drop those bounds."
        )
    low, high = np.zeros(len(names)), np.full(len(names), float(default_max))
    for i, channel in enumerate(names):
        if channel not in bounds:
            continue
        pair = bounds[channel]
        if not (isinstance(pair, (tuple, list)) and len(pair) == 2
                and all(_is_number(v) for v in pair)):
            raise AnalyticsInputError(
                f"{where}: the bounds of channel {channel!r} must be a (min, max) pair of numbers. "
                f"Got {pair!r} instead."
            )
        lo, hi = map(float, pair)
        if not (math.isfinite(lo) and lo >= 0) or math.isnan(hi):
            raise AnalyticsInputError(
                f"{where}: the bounds of channel {channel!r} must have a finite minimum >= 0 and a "
                f"maximum (math.inf for none). Got ({lo!r}, {hi!r}) instead."
            )
        if lo > hi:
            raise AnalyticsInputError(
                f"{where}: the bounds of channel {channel!r} have a minimum {lo:,.2f} above the "
                f"maximum {hi:,.2f}. Swap them or lower the minimum."
            )
        low[i], high[i] = lo, hi
    return low, high


def _require_reachable(names: list, low: np.ndarray, high: np.ndarray, total: float, *,
                       where: str) -> None:
    def listing(values: np.ndarray) -> str:
        return ", ".join(f"{n!r} {v:,.2f}" for n, v in zip(names, values))

    if low.sum() > total * (1 + 1e-12):
        raise AnalyticsInputError(
            f"{where}: the minimum spends add up to {low.sum():,.2f} ({listing(low)}), more than the "
            f"total budget {total:,.2f}. Lower those minimums or raise the total to at least "
            f"{low.sum():,.2f}."
        )
    if high.sum() < total * (1 - 1e-12):
        raise AnalyticsInputError(
            f"{where}: the maximum spends add up to {high.sum():,.2f} ({listing(high)}), less than the "
            f"total budget {total:,.2f}. Raise those maximums or lower the total to at most "
            f"{high.sum():,.2f}."
        )


def _groups(groups: object, channels: list, *, where: str) -> dict:
    if not isinstance(groups, Mapping):
        raise AnalyticsInputError(
            f"{where}: the '30-40-30' preset needs 'groups', a mapping channel -> one of "
            f"{', '.join(map(repr, GROUP_SHARES))}. Got {groups!r} instead."
        )
    missing = [c for c in channels if c not in groups]
    if missing:
        raise AnalyticsInputError(
            f"{where}: 'groups' has no group for channel(s) {', '.join(map(repr, missing))}. Map every "
            f"channel to one of {', '.join(map(repr, GROUP_SHARES))}."
        )
    wrong = {c: groups[c] for c in channels if groups[c] not in GROUP_SHARES}
    if wrong:
        listed = ", ".join(f"{c!r} -> {g!r}" for c, g in wrong.items())
        raise AnalyticsInputError(
            f"{where}: 'groups' maps {listed}; the groups of the '30-40-30' preset are "
            f"{', '.join(map(repr, GROUP_SHARES))}."
        )
    return dict(groups)


# --- evaluation -----------------------------------------------------------------------------------

def _values(curve: Curve, spend: np.ndarray, channel: object, *, where: str) -> np.ndarray:
    """The curve at ``spend`` as a float array of the same shape; anything else raises."""
    out = np.asarray(curve(spend), dtype=np.float64)
    if out.shape != spend.shape:
        raise AnalyticsInputError(
            f"{where}: the curve of channel {channel!r} returned shape {out.shape} for spends of shape "
            f"{spend.shape}. Curves must be vectorised; wrap a scalar function with numpy.vectorize."
        )
    if not np.isfinite(out).all():
        raise AnalyticsInputError(
            f"{where}: the curve of channel {channel!r} returned a non-finite revenue at spend "
            f"{spend[~np.isfinite(out)][0]:,.2f}. Curves must give a finite revenue for every spend >= 0."
        )
    return out


def _slope(curve: Curve, spend: np.ndarray) -> np.ndarray:
    """d revenue / d spend: ``curve.marginal`` when there is one, else a central difference (one-sided
    at 0)."""
    marginal = getattr(curve, "marginal", None)
    if callable(marginal):
        return np.asarray(marginal(spend), dtype=np.float64)
    step = 1e-6 * np.maximum(spend, 1.0)
    left, right = np.maximum(spend - step, 0.0), spend + step
    return (np.asarray(curve(right)) - np.asarray(curve(left))) / (right - left)


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.full(len(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator > 0)
    return out


def _at(curve: Curve, spend: np.ndarray) -> np.ndarray:
    """The curve at ``spend`` (checked once at the boundary by :func:`_check_curves`)."""
    return np.asarray(curve(spend), dtype=np.float64)


def _probes(low: np.ndarray, high: np.ndarray) -> np.ndarray:
    return low[:, None] + (high - low)[:, None] * np.linspace(0.0, 1.0, _FLAT_PROBES)


def _check_curves(funcs: list[Curve], names: list, low: np.ndarray, high: np.ndarray, *,
                  where: str) -> None:
    for f, n, spend in zip(funcs, names, _probes(low, high)):
        _values(f, spend, n, where=where)


def _revenue(funcs: list[Curve], spend: np.ndarray) -> float:
    return float(sum(_at(f, spend[i:i + 1])[0] for i, f in enumerate(funcs)))


# --- optimisation ---------------------------------------------------------------------------------

def _fill(start: np.ndarray, low: np.ndarray, high: np.ndarray, total: float) -> np.ndarray:
    """``start`` clipped to the bounds, then moved towards them in proportion to each channel's room so
    that it adds up to ``total`` (feasible when sum(low) <= total <= sum(high))."""
    spend = np.clip(start, low, high)
    gap = total - spend.sum()
    room = high - spend if gap > 0 else spend - low
    if gap and room.sum() > 0:
        spend = np.clip(spend + np.sign(gap) * room * (abs(gap) / room.sum()), low, high)
    return spend


def _best_split(funcs: list[Curve], total: float, low: np.ndarray,
                high: np.ndarray) -> np.ndarray:
    """The revenue-maximising split of ``total`` (feasible bounds assumed); flat curves get their min."""
    high = np.maximum(low, np.minimum(high, total - (low.sum() - low)))  # the most each can take
    flat = np.array([np.ptp(_at(f, p)) == 0 for f, p in zip(funcs, _probes(low, high))])
    live = np.flatnonzero(~flat)
    spend = low.copy()
    # flat channels take money only when the others are full
    extra = max(0.0, total - low[flat].sum() - high[live].sum())
    spend[flat] = _fill(low[flat], low[flat], high[flat], low[flat].sum() + extra)
    if len(live):
        spend[live] = _local_best([funcs[i] for i in live], total - spend[flat].sum(), low[live],
                                  high[live])
    return spend


def _local_best(funcs: list[Curve], total: float, low: np.ndarray,
                high: np.ndarray) -> np.ndarray:
    free = total - low.sum()
    if free <= 0 or high.sum() <= total:
        return _fill(low if free <= 0 else high, low, high, total)
    starts = [
        _grid_best(funcs, free, low, high),
        _fill(np.full(len(low), total / len(low)), low, high, total),
        _fill((low + high) * (total / (low + high).sum()), low, high, total),
    ]
    candidates = starts + [_refine(funcs, s, total, low, high) for s in starts]
    revenues = [_revenue(funcs, c) for c in candidates]
    return candidates[int(np.argmax(revenues))]


def _grid_best(funcs: list[Curve], free: float, low: np.ndarray,
               high: np.ndarray) -> np.ndarray:
    """Dynamic programme over the grid free * k / _GRID_STEPS of extra spend above the minima: the best
    split among grid points for any curve shape, O(channels x steps^2)."""
    steps = np.arange(_GRID_STEPS + 1)
    unit = free / _GRID_STEPS
    take = steps[:, None] - steps[None, :]  # take[m, k] = grid units left for earlier channels
    allowed = take >= 0
    best = np.zeros(_GRID_STEPS + 1)  # best revenue of the channels so far using m units
    choice = np.zeros((len(funcs), _GRID_STEPS + 1), dtype=np.int64)
    for i, f in enumerate(funcs):
        value = _at(f, np.minimum(low[i] + steps * unit, high[i]))
        if i == 0:
            best, choice[0] = value, steps
            continue
        table = np.where(allowed, best[np.maximum(take, 0)] + value[None, :], -np.inf)
        choice[i] = table.argmax(axis=1)
        best = table[steps, choice[i]]
    units = np.zeros(len(funcs), dtype=np.int64)
    left = _GRID_STEPS
    for i in range(len(funcs) - 1, -1, -1):
        units[i] = choice[i, left]
        left -= units[i]
    return _fill(low + units * unit, low, high, low.sum() + free)


def _refine(funcs: list[Curve], start: np.ndarray, total: float, low: np.ndarray,
            high: np.ndarray) -> np.ndarray:
    """SLSQP from a feasible start, in units of the free budget so that the problem is well scaled."""
    free = total - low.sum()
    scale = max(abs(_revenue(funcs, start)), 1e-12)
    tiny = 1e-9 * free  # marginal at spend 0 can be infinite (slope < 1)

    def spend_of(u: np.ndarray) -> np.ndarray:
        return low + free * np.clip(u, 0.0, None)

    def loss(u: np.ndarray) -> float:
        return -_revenue(funcs, spend_of(u)) / scale

    def gradient(u: np.ndarray) -> np.ndarray:
        s = np.maximum(spend_of(u), tiny)
        return -free / scale * np.array([_slope(f, s[i:i + 1])[0] for i, f in enumerate(funcs)])

    result = minimize(
        loss, (start - low) / free, jac=gradient, method="SLSQP",
        bounds=list(zip(np.zeros(len(low)), (high - low) / free)),
        constraints=[{"type": "eq", "fun": lambda u: u.sum() - 1.0, "jac": lambda u: np.ones_like(u)}],
        options={"maxiter": 200, "ftol": 1e-12},
    )
    return _fill(spend_of(result.x), low, high, total)
