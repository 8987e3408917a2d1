"""RFM segments (DESIGN §4 "RFM"): per-customer recency / frequency / monetary, scores, the R x F segment
grid and its edits, suggested plays, segment summaries and overlaps, GMV concentration and the R x F
heatmap. Clustering lives in analytics.clusters.

Definitions (calendar days in the shop's local wall-clock time, see prep.wall_clock):
- ``asof``: a calendar day, inclusive of its whole day; defaults to the day of the latest order (a row with
  amount >= 0). Rows after it, refunds included, are ignored.
- An order is a row with amount >= 0; with an ``order_id`` column, a distinct order id among those rows
  (prep.order_flags). Refunds (amount < 0) reduce ``monetary`` but are not orders.
- ``recency_days``: days from the customer's last order day to ``asof`` (0 = bought on the asof day).
  ``frequency``: orders. ``monetary``: net spend, the sum of amount including refunds (currency).
- A customer with no order on or before ``asof`` (only refunds) is left out: there is no recency to score.

Scores (``bins`` = b, default 5) follow one rule written as edges, a list of b - 1 non-decreasing numbers:
- frequency and monetary: score = 1 + number of edges <= value (left-closed bins). Edges [2, 3, 5, 8] give
  F1 < 2, F2 = 2, F3 = 3-4, F4 = 5-7, F5 >= 8.
- recency_days (reversed, recent = high): score = b - number of edges < value (right-closed bins). Edges
  [30, 60, 90, 180] give R5 <= 30 days ("bought in the last 30 days"), R4 = 31-60, R3 = 61-90,
  R2 = 91-180, R1 > 180.
- Quantile edges (the default): a customer whose value is beaten by a share p of customers scores
  1 + floor(b * p), where p counts customers with a strictly worse value (smaller F or M, larger R). Equal
  values always get the same score; a block of ties can leave a score empty, shown as a repeated edge or
  an infinite one ("nobody scores this high").
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping, Sequence
from fractions import Fraction
from types import MappingProxyType

import numpy as np
import pandas as pd

from analytics import prep
from analytics.errors import AnalyticsInputError, require_choice, require_columns

DIMENSIONS = ("recency_days", "frequency", "monetary")
SCORE_COLUMNS = {"recency_days": "r_score", "frequency": "f_score", "monetary": "m_score"}
MIN_BINS, MAX_BINS = 2, 10

_INT64_MIN = np.iinfo(np.int64).min
_INT64_MAX = np.iinfo(np.int64).max


def _grid(rows: dict[int, list[str]]) -> pd.DataFrame:
    return pd.DataFrame(
        [rows[r] for r in (5, 4, 3, 2, 1)],
        index=pd.Index([f"R{r}" for r in (5, 4, 3, 2, 1)], name="R"),
        columns=pd.Index([f"F{f}" for f in range(1, 6)], name="F"),
    )


_LAPSED = ["Hibernating", "Hibernating", "At Risk", "At Risk", "Can't Lose"]

#: The R x F segment map of DESIGN §4: rows R5..R1, columns F1..F5, one segment name per cell.
#: Read-only: copy it before editing (e.g. in st.data_editor).
DEFAULT_GRID = _grid({
    5: ["New", "Potential Loyalists", "Potential Loyalists", "Champions", "Champions"],
    4: ["Promising", "Potential Loyalists", "Potential Loyalists", "Loyal", "Loyal"],
    3: ["About To Sleep", "About To Sleep", "Need Attention", "Loyal", "Loyal"],
    2: _LAPSED,
    1: _LAPSED,
})

#: The growth plan's four tiers on the same R x F grid: recent (R4-5) and frequent (F4-5) customers are
#: value contributors, recent but less frequent ones (F1-3) potential growers, the middle recency band
#: (R3) is to maintain, and R1-2 (lapsing, whatever their frequency) is the churn warning.
FOUR_TIER_GRID = _grid({
    5: ["Potential growers"] * 3 + ["Value contributors"] * 2,
    4: ["Potential growers"] * 3 + ["Value contributors"] * 2,
    3: ["Maintain"] * 5,
    2: ["Churn warning"] * 5,
    1: ["Churn warning"] * 5,
})

#: A suggested play per segment of DEFAULT_GRID and FOUR_TIER_GRID (the plan runs one play per layer).
#: Read-only defaults; users edit their own copy.
DEFAULT_PLAYS = MappingProxyType({
    "Champions": "VIP perks and early access to launches; ask for reviews and referrals. No discounts needed.",
    "Loyal": "Membership upgrade and cross-sell bundles; points multipliers on their favourite categories.",
    "Potential Loyalists": "Push the next order: bundle or membership trial within 14 days of the last order.",
    "New": "Onboarding series: welcome coupon for a second order within 7 days, product guides.",
    "Promising": "Personalised recommendations with a time-limited coupon to build the habit.",
    "Need Attention": "Limited-time offer on what they bought before, before they slip further.",
    "About To Sleep": "Reminder with best-sellers and a small coupon; ask why they stopped buying.",
    "At Risk": "Win-back coupon within 7 days, personalised by their past categories.",
    "Can't Lose": "Personal outreach (service call or 1:1 message) and a strong win-back offer.",
    "Hibernating": "Low-cost reactivation at sale peaks (push, SMS); drop from paid retargeting if silent.",
    "Value contributors": "Retain and upsell: VIP service, exclusive launches, referral rewards.",
    "Potential growers": "Grow frequency: repurchase coupons, bundles, membership trial.",
    "Maintain": "Keep them engaged: regular content, points reminders, light promotions.",
    "Churn warning": "Win-back: coupon within 7 days, then a last-chance offer; stop spending on non-responders.",
})

_SEPARATORS = re.compile(r"[\s,;\uff0c\uff1b\u3001]+")  # spaces, commas, semicolons (also full-width)
_STEPS = {"recency_days": 1.0, "frequency": 1.0, "monetary": 0.01}  # whole days / orders, cents


def rfm_table(orders: pd.DataFrame, *, asof=None, customer_col: str = "customer_id",
              ts_col: str = "order_ts", amount_col: str = "amount") -> pd.DataFrame:
    """Recency, frequency and monetary value per customer.

    orders: one row per order or refund (ids categorical, string or integer; times datetime, tz-aware
    or strings; amount numeric) -> one row per customer with an order on or before ``asof``:
    ``customer_id`` (the id labels, under this name whatever ``customer_col`` is), ``recency_days``
    (int, days), ``frequency`` (int, orders), ``monetary`` (float, net spend incl. refunds),
    ``first_order_ts`` / ``last_order_ts`` (naive local timestamps of the first / last row with
    amount >= 0). ``asof``: a date (str, date, Timestamp); default: the day of the latest order, so a
    refund dated after it is ignored. The result records it as ``attrs["asof"]`` (midnight Timestamp).

    Rows are ordered by customer id, so shuffled input gives the same frame: in category order for a
    categorical id column (pandas sorts categories unless told otherwise), else by sorted id labels.

    >>> rfm_table(pd.DataFrame({"customer_id": ["a", "a"], "order_ts": ["2024-01-01", "2024-01-05"],
    ...                         "amount": [10.0, 5.0]}))[["customer_id", "recency_days", "frequency"]]
      customer_id  recency_days  frequency
    0           a             0          2
    """
    where = "rfm_table"
    require_columns(orders, (customer_col, ts_col, amount_col), where=where)
    codes, labels = prep.id_codes(orders[customer_col], where=where)
    times = prep.wall_clock(orders[ts_col], where=where)
    amounts = prep.money(orders[amount_col], where=where)
    days = prep.day_numbers(times)
    is_order = amounts >= 0
    if asof is None:
        if not is_order.any():
            raise _no_orders(where, "")
        asof_day = int(np.max(days, where=is_order, initial=_INT64_MIN))
    else:
        asof_day = _day_number(asof, name="asof", where=where)
    frame = orders
    if days.max(initial=_INT64_MIN) > asof_day:
        rows = np.flatnonzero(days <= asof_day)
        codes, times, amounts, is_order = codes[rows], times[rows], amounts[rows], is_order[rows]
        frame = orders[[c for c in ("order_id",) if c in orders.columns]].take(rows)
    n = len(labels)
    not_orders = np.flatnonzero(~prep.order_flags(frame, amounts))  # refunds and repeated order ids
    frequency = np.bincount(codes, minlength=n) - np.bincount(codes[not_orders], minlength=n)
    monetary = np.bincount(codes, weights=amounts, minlength=n)
    stamps = times.view(np.int64)
    first = np.full(n, _INT64_MAX)
    np.minimum.at(first, codes, np.where(is_order, stamps, _INT64_MAX))
    last = np.full(n, _INT64_MIN)
    np.maximum.at(last, codes, np.where(is_order, stamps, _INT64_MIN))
    keep = np.flatnonzero(frequency > 0)
    if len(keep) == 0:
        raise _no_orders(where, f" on or before asof {_iso(asof_day)}")
    if not isinstance(orders[customer_col].dtype, pd.CategoricalDtype):
        keep = keep[_label_order(labels[keep])]
    last_ts = last[keep].view("datetime64[ns]")
    table = pd.DataFrame({
        "customer_id": labels.take(keep),
        "recency_days": asof_day - prep.day_numbers(last_ts),
        "frequency": frequency[keep],
        "monetary": monetary[keep],
        "first_order_ts": first[keep].view("datetime64[ns]"),
        "last_order_ts": last_ts,
    }, copy=False)  # fresh arrays: skip the consolidating copy (0.2 s at 2M customers)
    table.attrs["asof"] = pd.Timestamp(np.datetime64(asof_day, "D"))
    return table


def _no_orders(where: str, window: str) -> AnalyticsInputError:
    return AnalyticsInputError(
        f"{where} found no orders (rows with amount >= 0){window}, so there is no customer to score. "
        "Widen the date range or pick a later asof date."
    )


def _iso(day: int) -> str:
    return str(np.datetime64(day, "D"))


def _day_number(value, *, name: str, where: str) -> int:
    """A date parameter (str, date, Timestamp, datetime64) as a day number; tz-aware keeps local time."""
    stamp = pd.NaT
    if isinstance(value, (str, dt.date, np.datetime64)):
        try:
            stamp = pd.Timestamp(value)
        except ValueError:
            pass
    if stamp is pd.NaT:
        raise AnalyticsInputError(
            f"The '{name}' parameter of {where} must be a date such as '2024-06-30'. Got {value!r} instead."
        )
    if stamp.tzinfo is not None:
        stamp = stamp.tz_localize(None)
    return int(np.datetime64(stamp.date(), "D").astype(np.int64))


def _label_order(labels: pd.Index) -> np.ndarray:
    """Positions that sort ``labels``; ids of mixed types (1 and "a") sort by their text."""
    try:
        return labels.argsort()
    except TypeError:
        return labels.astype(str).argsort()


def rfm_arrays(table: pd.DataFrame, columns: Sequence[str] = DIMENSIONS, *,
               where: str) -> dict[str, np.ndarray]:
    """The named columns of an RFM table as float64 arrays, checked to be finite numbers.

    Raises AnalyticsInputError for a missing column, an empty table or a non-finite value.
    """
    require_columns(table, columns, where=where)
    if len(table) == 0:
        raise AnalyticsInputError(
            f"{where} needs at least one customer, but the RFM table is empty. "
            "Widen the date range or check that the orders have positive amounts."
        )
    out = {}
    for col in columns:
        values = pd.to_numeric(table[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
        bad = int((~np.isfinite(values)).sum())
        if bad:
            raise AnalyticsInputError(
                f"{where}: the column '{col}' must hold finite numbers; {bad} value(s) are missing, "
                "infinite or not numeric. Pass the table returned by rfm_table."
            )
        out[col] = values
    return out


def _check_bins(bins, where: str) -> int:
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or not MIN_BINS <= bins <= MAX_BINS:
        raise AnalyticsInputError(
            f"The 'bins' parameter of {where} must be an integer from {MIN_BINS} to {MAX_BINS}. "
            f"Got {bins!r} instead."
        )
    return int(bins)


def _check_thresholds(thresholds, bins: int, where: str) -> dict[str, np.ndarray]:
    if thresholds is None:
        return {}
    if not isinstance(thresholds, Mapping):
        raise AnalyticsInputError(
            f"The 'thresholds' parameter of {where} must be a dict such as {{'frequency': [2, 3, 5, 8]}}. "
            f"Got {type(thresholds).__name__} instead."
        )
    out = {}
    for dim, raw in thresholds.items():
        if dim not in DIMENSIONS:
            raise AnalyticsInputError(
                f"The 'thresholds' parameter of {where} has the unknown dimension {dim!r}. "
                f"Use one of {', '.join(map(repr, DIMENSIONS))}."
            )
        try:
            edges = np.asarray(raw, dtype=np.float64)
        except (ValueError, TypeError):
            edges = np.array([np.nan])
        if edges.ndim != 1 or not np.isfinite(edges).all():
            raise AnalyticsInputError(
                f"thresholds[{dim!r}] of {where} must be a list of finite numbers. Got {raw!r} instead."
            )
        if len(edges) != bins - 1:
            raise AnalyticsInputError(
                f"thresholds[{dim!r}] of {where} needs {bins - 1} edges for bins={bins} (one fewer than "
                f"bins). Got {len(edges)}: {list(raw)!r}."
            )
        if (np.diff(edges) <= 0).any():
            raise AnalyticsInputError(
                f"thresholds[{dim!r}] of {where} must be strictly increasing. Got {list(raw)!r}."
            )
        out[dim] = edges
    return out


def _quantile_edges(values: np.ndarray, bins: int) -> np.ndarray:
    """Edges e_2..e_bins such that 1 + #(e <= v) = 1 + floor(bins * #(values < v) / n) for every value.

    #(values < v) >= k exactly when v is above t_k, the k-th smallest value, so the edge for k is the
    smallest value above t_k (inf when there is none). Whole numbers in a range no wider than the data
    (days, order counts) are counted (``_counted_edges``); other values are partitioned
    (``_partitioned_edges``).
    """
    ks = (np.arange(1, bins) * len(values) + bins - 1) // bins  # ceil(s * n / bins), s = 1..bins-1
    low, high = values.min(), values.max()
    if high - low <= len(values) and (values == np.floor(values)).all():
        return _counted_edges((values - low).astype(np.int64), ks) + low
    return _partitioned_edges(values, ks)


def _counted_edges(offsets: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """``_quantile_edges`` of non-negative integers by counting: t_k is the first value whose running
    count reaches k; its edge the next value present."""
    counts = np.bincount(offsets)
    kth = np.searchsorted(np.cumsum(counts), ks)
    present = np.flatnonzero(counts)
    above = np.searchsorted(present, kth, side="right")
    return np.where(above < len(present), present[np.minimum(above, len(present) - 1)], np.inf)


def _partitioned_edges(values: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """``_quantile_edges`` by one partition at every k: the values between t_k and the next t are the
    only candidates for edge k, unless they all equal t_k (then so does the next t, and the edges
    coincide). One pass over the data, no full sort."""
    n, count = len(values), len(ks)
    part = np.partition(values, ks - 1)
    ends = np.append(ks[1:], n)
    edges = np.full(count, np.inf)
    for i in range(count - 1, -1, -1):
        segment, kth = part[ks[i]:ends[i]], part[ks[i] - 1]
        above = np.min(segment, where=segment > kth, initial=np.inf)
        edges[i] = above if above < np.inf or i == count - 1 else edges[i + 1]
    return edges


def _edges(values: dict[str, np.ndarray], bins: int, thresholds, where: str) -> dict[str, np.ndarray]:
    explicit = _check_thresholds(thresholds, _check_bins(bins, where), where)
    edges = {}
    for dim in DIMENSIONS:
        if dim in explicit:
            edges[dim] = explicit[dim]
        elif dim == "recency_days":  # quantiles of -recency, mapped back: R score >= s iff recency <= edge
            edges[dim] = -_quantile_edges(-values[dim], bins)[::-1]
        else:
            edges[dim] = _quantile_edges(values[dim], bins)
    return edges


def _scores(values: np.ndarray, edges: np.ndarray, *, bins: int, reverse: bool) -> np.ndarray:
    """1 + #(edges <= value), or for recency bins - #(edges < value): one comparison pass per edge."""
    scores = np.full(len(values), bins if reverse else 1, dtype=np.int64)
    for edge in edges:
        if reverse:
            scores -= values > edge
        else:
            scores += values >= edge
    return scores


def score_edges(table: pd.DataFrame, *, bins: int = 5, thresholds=None) -> dict[str, list[float]]:
    """The score edges used per dimension: {"recency_days": [...], "frequency": [...], "monetary": [...]}.

    table: an RFM table (rfm_table). Each list has bins - 1 floats in the convention of the module
    docstring; ``thresholds`` (dimension -> bins - 1 strictly increasing numbers) replaces the quantile
    edges of the dimensions it names.
    """
    values = rfm_arrays(table, where="score_edges")
    return {dim: e.tolist() for dim, e in _edges(values, bins, thresholds, "score_edges").items()}


def score(table: pd.DataFrame, *, bins: int = 5, thresholds=None) -> pd.DataFrame:
    """Add ``r_score``, ``f_score``, ``m_score`` (int, 1..bins; R reversed: recent = high).

    table: an RFM table -> the same rows and columns plus the three scores; ``attrs["bins"]`` records
    ``bins`` and ``attrs["edges"]`` the edges used (as score_edges returns them, without a second pass).
    Quantile scores by default; ``thresholds`` maps "recency_days" / "frequency" / "monetary" to explicit
    edges (see the module docstring and score_edges); e.g.
    ``score(table, thresholds={"recency_days": [30, 60, 90, 180]})`` makes R5 "bought in the last 30 days"
    and keeps quantile scores for F and M.
    """
    values = rfm_arrays(table, where="score")
    edges = _edges(values, bins, thresholds, "score")
    scores = {
        SCORE_COLUMNS[dim]: _scores(values[dim], edges[dim], bins=bins, reverse=dim == "recency_days")
        for dim in DIMENSIONS
    }
    out = table.assign(**scores)
    out.attrs = {**table.attrs, "bins": int(bins), "edges": {dim: e.tolist() for dim, e in edges.items()}}
    return out


def parse_edges(text: str, *, bins: int, dimension: str) -> list[float]:
    """Thresholds typed by a user for one dimension: ``"30, 60, 90, 180"`` -> ``[30.0, 60.0, 90.0, 180.0]``.

    text: bins - 1 strictly increasing numbers separated by commas, semicolons or spaces (full-width
    ``，`` / ``；`` too) -> the list to pass as ``thresholds[dimension]`` to score(). Raises
    AnalyticsInputError when a part is not a number or the list has the wrong length or order.
    """
    where = "parse_edges"
    require_choice(dimension, DIMENSIONS, name="dimension", where=where)
    bins = _check_bins(bins, where)
    if not isinstance(text, str):
        raise AnalyticsInputError(
            f"The 'text' parameter of {where} must be a string such as '30, 60, 90, 180'. "
            f"Got {type(text).__name__} instead."
        )
    values = []
    for part in _SEPARATORS.split(text.strip()):  # a handful of typed numbers, not data rows
        if not part:
            continue
        try:
            values.append(float(part))
        except ValueError:
            example = ", ".join(str(30 * 2 ** i) for i in range(bins - 1))
            raise AnalyticsInputError(
                f"The {dimension} thresholds {text!r} hold {part!r}, which is not a number. Type {bins - 1} "
                f"increasing numbers separated by commas, such as '{example}'."
            ) from None
    return _check_thresholds({dimension: values}, bins, where)[dimension].tolist()


def editable_edges(edges: Sequence[float], *, dimension: str) -> list[float]:
    """Score edges (e.g. the quantile edges of score_edges) as thresholds that parse_edges accepts: a
    starting point for a user's own.

    edges: non-decreasing numbers, possibly repeated or infinite (empty quantile scores) -> the same
    count of finite, strictly increasing numbers: recency_days and frequency rounded to whole days /
    orders with steps of at least 1, monetary to cents with steps of at least 0.01. A repeated or +inf
    edge moves up to one step above the previous one; leading -inf edges one step below the next.
    [2, 2, 4, inf] (frequency) -> [2, 3, 4, 5].
    """
    where = "editable_edges"
    require_choice(dimension, DIMENSIONS, name="dimension", where=where)
    step = _STEPS[dimension]
    values = np.asarray(edges, dtype=np.float64)
    if values.ndim != 1 or len(values) == 0 or np.isnan(values).any():
        raise AnalyticsInputError(
            f"The 'edges' parameter of {where} must be a non-empty list of numbers, such as the lists "
            f"score_edges returns. Got {edges!r} instead."
        )
    values = np.where(np.isposinf(values), -np.inf, np.round(values / step) * step)
    offsets = np.arange(len(values)) * step
    rising = np.maximum.accumulate(values - offsets) + offsets  # >= previous + step
    finite = np.flatnonzero(np.isfinite(rising))
    first, top = (finite[0], rising[finite[0]]) if len(finite) else (len(values), len(values) * step)
    rising[:first] = top - (first - np.arange(first)) * step
    return np.round(rising, 2).tolist()  # whole numbers or cents, without float noise


def score_bands(edges: Mapping[str, Sequence[float]], *, bins: int) -> pd.DataFrame:
    """The values that earn each score, read from the edges (score_edges, or score()'s attrs["edges"]).

    edges: {dimension: bins - 1 edges} for the three DIMENSIONS -> one row per dimension (in DIMENSIONS
    order) and score (bins down to 1): ``dimension``, ``score`` (int), ``low``, ``high`` (float),
    ``empty`` (bool: no value earns this score, from a repeated or infinite edge). recency_days and
    frequency are whole numbers, so ``low``..``high`` is inclusive (recency from 0 days, frequency from
    1 order; ``high`` inf = no upper limit). monetary: ``low`` <= value < ``high`` (-inf / inf = open).
    Recency [30, 60, 90, 180] -> R5 0..30, R4 31..60, R3 61..90, R2 91..180, R1 181..inf.
    """
    where = "score_bands"
    bins = _check_bins(bins, where)
    if not isinstance(edges, Mapping) or set(edges) != set(DIMENSIONS):
        raise AnalyticsInputError(
            f"The 'edges' parameter of {where} must be a dict with the keys {', '.join(map(repr, DIMENSIONS))}, "
            f"like score_edges returns. Got {edges!r} instead."
        )
    scores = np.arange(bins, 0, -1)
    parts = []
    for dim in DIMENSIONS:  # three dimensions, each vectorised over its scores
        values = np.asarray(edges[dim], dtype=np.float64)
        if values.shape != (bins - 1,) or np.isnan(values).any():
            raise AnalyticsInputError(
                f"edges[{dim!r}] of {where} needs {bins - 1} numbers for bins={bins}. Got {edges[dim]!r}."
            )
        padded = np.concatenate([[-np.inf], values, [np.inf]])
        if dim == "recency_days":  # R = s for padded[bins - s] < days <= padded[bins - s + 1]
            low = np.maximum(np.floor(padded[bins - scores]) + 1, 0)
            high = np.floor(padded[bins - scores + 1])
        elif dim == "frequency":  # F = s for padded[s - 1] <= orders < padded[s]
            low = np.maximum(np.ceil(padded[scores - 1]), 1)
            high = np.ceil(padded[scores]) - 1
        else:
            low, high = padded[scores - 1], padded[scores]
        empty = (low >= high) if dim == "monetary" else (low > high) | np.isposinf(low)
        parts.append(pd.DataFrame({"dimension": dim, "score": scores.astype(np.int64), "low": low,
                                   "high": high, "empty": empty}))
    return pd.concat(parts, ignore_index=True)


def _scored_bins(scored: pd.DataFrame, bins, where: str) -> int:
    if bins is None:
        bins = scored.attrs.get("bins")
    if bins is None:
        raise AnalyticsInputError(
            f"{where} needs the number of score bins: pass bins=... or use the frame returned by score(), "
            "which records it in attrs['bins']."
        )
    return _check_bins(bins, where)


def _score_values(scored: pd.DataFrame, col: str, bins: int, where: str) -> np.ndarray:
    values = pd.to_numeric(scored[col], errors="coerce").to_numpy(dtype=np.float64, na_value=np.nan)
    ok = (values >= 1) & (values <= bins) & (values == np.floor(values))
    if not ok.all():
        raise AnalyticsInputError(
            f"{where}: the column '{col}' must hold integer scores from 1 to {bins} (bins); "
            f"{int((~ok).sum())} value(s) do not. Score the table with score(table, bins={bins})."
        )
    return values.astype(np.int64)


def _grid_cells(grid, where: str, name: str = "grid") -> tuple[np.ndarray, pd.Index]:
    """(codes[r - 1, f - 1] into names, names in reading order from R{g} F{g}) for a g x g grid.

    ``name`` is the parameter named in error messages."""
    if not isinstance(grid, pd.DataFrame):
        raise AnalyticsInputError(
            f"The '{name}' parameter of {where} must be a DataFrame with rows R5..R1 and columns F1..F5 "
            f"of segment names, like DEFAULT_GRID. Got {type(grid).__name__} instead."
        )
    cells = grid.rename(index=str, columns=str)
    size = len(cells.index)
    rows = [f"R{s}" for s in range(size, 0, -1)]
    cols = [f"F{s}" for s in range(size, 0, -1)]
    if not (MIN_BINS <= size <= MAX_BINS and sorted(cells.index) == sorted(rows)
            and sorted(cells.columns) == sorted(cols)):
        raise AnalyticsInputError(
            f"The '{name}' parameter of {where} must be square, with rows R{{g}}..R1 and columns F1..F{{g}} "
            f"for one g from {MIN_BINS} to {MAX_BINS}, like DEFAULT_GRID. Got rows "
            f"{list(cells.index)} and columns {list(cells.columns)}."
        )
    names = cells.loc[rows, cols].to_numpy(dtype=object)  # reading order: R{g} F{g} first
    empty = [f"{r} {c}" for i, r in enumerate(rows) for j, c in enumerate(cols)
             if not isinstance(names[i, j], str) or not names[i, j].strip()]
    if empty:
        raise AnalyticsInputError(
            f"The '{name}' parameter of {where} has empty or non-text cell(s): {', '.join(empty)}. "
            "Give every cell a segment name."
        )
    names = np.char.strip(names.astype(str))
    order = pd.Index(pd.unique(names.ravel()))
    codes = order.get_indexer(names.ravel()).reshape(size, size)[::-1, ::-1]  # -> [r - 1, f - 1]
    return codes, order


def segment(scored: pd.DataFrame, *, grid: pd.DataFrame | None = None,
            bins: int | None = None) -> pd.DataFrame:
    """Add ``segment``: the grid's name for each customer's (r_score, f_score) cell.

    scored: the frame returned by score() (``bins`` defaults to its ``attrs["bins"]``) -> the same rows
    plus ``segment``, a categorical whose categories are the grid's names in reading order from the top
    right cell (R{g} F{g}) row by row. ``grid``: a g x g DataFrame (rows R{g}..R1, columns F1..F{g};
    default DEFAULT_GRID). When bins != g, each score s in 1..bins is first rescaled onto the grid's
    1..g by the middle of its quantile band: floor(g * (s - 0.5) / bins) + 1 (bins 3 -> R/F 1, 3, 5;
    bins 4 -> 1, 2, 4, 5; bins 10 -> 1, 1, 2, 2, ..., 5, 5).
    """
    where = "segment"
    require_columns(scored, ("r_score", "f_score"), where=where)
    bins = _scored_bins(scored, bins, where)
    codes, names = _grid_cells(DEFAULT_GRID if grid is None else grid, where)
    size = codes.shape[0]
    to_grid = (size * (2 * np.arange(1, bins + 1) - 1)) // (2 * bins)  # score s -> grid row/column s - 1
    cells = codes[np.ix_(to_grid, to_grid)].ravel()
    r = _score_values(scored, "r_score", bins, where)
    f = _score_values(scored, "f_score", bins, where)
    return scored.assign(segment=pd.Categorical.from_codes(cells[(r - 1) * bins + (f - 1)], categories=names))


def _cell_labels(size: int) -> tuple[list[str], list[str]]:
    """Row and column labels of a size x size grid as shown: R{size}..R1 and F1..F{size}."""
    return [f"R{s}" for s in range(size, 0, -1)], [f"F{s}" for s in range(1, size + 1)]


def grid_changes(grid: pd.DataFrame, *, base: pd.DataFrame = DEFAULT_GRID) -> dict[str, str]:
    """The cells where ``grid`` names another segment than ``base``, e.g. ``{"R5F1": "Newcomers"}``.

    grid, base: segment maps of the same size, like DEFAULT_GRID -> {cell: name} with cells named
    ``R<r>F<f>`` in reading order (R{g} down to R1, F1 up to F{g}) and names stripped of outer spaces;
    empty when nothing changed. apply_grid_changes(base, grid_changes(grid, base=base)) rebuilds grid.
    """
    where = "grid_changes"
    _grid_cells(grid, where)
    _grid_cells(base, where, name="base")
    if len(grid) != len(base):
        raise AnalyticsInputError(
            f"{where} compares grids of one size; got a {len(grid)} x {len(grid)} grid and a "
            f"{len(base)} x {len(base)} base. Edit a copy of the base grid."
        )
    rows, cols = _cell_labels(len(base))
    new = grid.rename(index=str, columns=str).loc[rows, cols].to_numpy(dtype=str)
    old = base.rename(index=str, columns=str).loc[rows, cols].to_numpy(dtype=str)
    new, old = np.char.strip(new), np.char.strip(old)
    return {f"{rows[i]}{cols[j]}": str(new[i, j]) for i, j in zip(*np.nonzero(new != old))}


_CELL = re.compile(r"R(\d+)F(\d+)")


def apply_grid_changes(grid: pd.DataFrame, changes: Mapping[str, str]) -> pd.DataFrame:
    """A copy of ``grid`` with the cells in ``changes`` renamed (``grid`` itself is not modified).

    grid: a segment map like DEFAULT_GRID; changes: {"R5F1": "Newcomers", ...} as grid_changes returns
    them -> a new frame with the same rows and columns; names are stripped of outer spaces.
    """
    where = "apply_grid_changes"
    _grid_cells(grid, where)
    if not isinstance(changes, Mapping):
        raise AnalyticsInputError(
            f"The 'changes' parameter of {where} must be a dict such as {{'R5F1': 'Newcomers'}}. "
            f"Got {type(changes).__name__} instead."
        )
    out = grid.rename(index=str, columns=str).astype(object)
    size = len(out)
    for cell, name in changes.items():  # at most one entry per grid cell
        match = _CELL.fullmatch(cell) if isinstance(cell, str) else None
        if match is None or not all(1 <= int(n) <= size for n in match.groups()):
            raise AnalyticsInputError(
                f"The 'changes' parameter of {where} names the cell {cell!r}, which is not in the "
                f"{size} x {size} grid. Name cells R<r>F<f> with r and f from 1 to {size}, such as 'R{size}F1'."
            )
        if not isinstance(name, str) or not name.strip():
            raise AnalyticsInputError(
                f"The 'changes' parameter of {where} gives the cell {cell} the name {name!r}. "
                "Give every changed cell a non-empty segment name."
            )
        out.loc[f"R{match.group(1)}", f"F{match.group(2)}"] = name.strip()
    return out.astype("str")


def segment_summary(segmented: pd.DataFrame, *, by: str = "segment", asof=None) -> pd.DataFrame:
    """One row per segment (or per value of ``by``, e.g. "cluster_name") describing its customers.

    segmented: an RFM table with the ``by`` column (segment() or clusters.cluster()) -> columns ``by``,
    ``customers`` (int), ``share_customers`` (of all customers), ``gmv`` (sum of monetary, currency),
    ``share_gmv`` (of the total; NaN when the total is 0), ``median_recency_days``, ``median_frequency``,
    ``median_monetary``, ``aov`` (net spend per order: sum monetary / sum frequency), and
    ``median_days_since_first_order`` (days from the first order day to asof). ``asof`` defaults to
    ``attrs["asof"]`` set by rfm_table. A categorical ``by`` lists every category in its order, empty
    ones with 0 customers and NaN medians; other columns list their sorted values.
    """
    where = "segment_summary"
    require_columns(segmented, (by, "first_order_ts"), where=where)
    values = rfm_arrays(segmented, where=where)
    if asof is None:
        asof = segmented.attrs.get("asof")
    if asof is None:
        raise AnalyticsInputError(
            f"{where} needs the asof date: pass asof=... or use a frame derived from rfm_table(), which "
            "records it in attrs['asof']."
        )
    asof_day = _day_number(asof, name="asof", where=where)
    codes, names = _group_codes(segmented[by], where)
    first_days = prep.day_numbers(prep.wall_clock(segmented["first_order_ts"], where=where))
    size = len(names)
    customers = np.bincount(codes, minlength=size)
    gmv = np.bincount(codes, weights=values["monetary"], minlength=size)
    orders = np.bincount(codes, weights=values["frequency"], minlength=size)
    medians = _group_medians(codes, size, {
        "median_recency_days": values["recency_days"],
        "median_frequency": values["frequency"],
        "median_monetary": values["monetary"],
        "median_days_since_first_order": (asof_day - first_days).astype(np.float64),
    })
    total = gmv.sum()
    summary = pd.DataFrame({
        by: names,
        "customers": customers,
        "share_customers": customers / len(codes),
        "gmv": gmv,
        "share_gmv": gmv / total if total != 0 else np.full(size, np.nan),
        "median_recency_days": medians["median_recency_days"],
        "median_frequency": medians["median_frequency"],
        "median_monetary": medians["median_monetary"],
        "aov": np.divide(gmv, orders, out=np.full(size, np.nan), where=orders > 0),
        "median_days_since_first_order": medians["median_days_since_first_order"],
    })
    return summary


def _group_medians(codes: np.ndarray, size: int, columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Median of each column per group 0..size-1 (NaN for an empty group).

    One stable sort of the group codes (a radix sort on small integers), then a partition-based median
    of each group's slice, without pandas' groupby machinery.
    """
    order = np.argsort(codes.astype(np.int32 if size > np.iinfo(np.int16).max else np.int16), kind="stable")
    bounds = np.concatenate([[0], np.cumsum(np.bincount(codes, minlength=size))])
    out = {}
    for name, values in columns.items():
        ordered = values[order]
        out[name] = np.array([np.median(ordered[bounds[g]:bounds[g + 1]]) if bounds[g + 1] > bounds[g]
                              else np.nan for g in range(size)])  # one slice per group, not per row
    return out


def _group_codes(values: pd.Series, where: str) -> tuple[np.ndarray, pd.Index]:
    """(int64 codes, group names) of a label column: a categorical's own categories (empty ones too),
    else the sorted distinct values. Missing labels raise."""
    groups = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
    codes = groups.cat.codes.to_numpy().astype(np.int64)
    if (codes < 0).any():
        raise AnalyticsInputError(
            f"{where}: the column '{values.name}' has {int((codes < 0).sum())} missing value(s). "
            "Give every customer a segment (segment() does) or drop those rows."
        )
    return codes, groups.cat.categories


def segment_overlap(frame: pd.DataFrame, *, rows: str = "cluster_name", columns: str = "segment") -> pd.DataFrame:
    """How two groupings of the same customers overlap, e.g. k-means clusters against RFM segments.

    frame: one row per customer with the columns ``rows`` and ``columns`` -> a count matrix (int
    customers): one row per value of ``rows`` (the index, named ``rows``) and one column per value of
    ``columns`` (named ``columns``). A categorical column lists every category in its order, empty ones
    as 0; other columns list their sorted values.
    """
    where = "segment_overlap"
    require_columns(frame, (rows, columns), where=where)
    row_codes, row_names = _group_codes(frame[rows], where)
    col_codes, col_names = _group_codes(frame[columns], where)
    shape = (len(row_names), len(col_names))
    counts = np.bincount(row_codes * shape[1] + col_codes, minlength=shape[0] * shape[1]).reshape(shape)
    return pd.DataFrame(counts.astype(np.int64), index=pd.Index(row_names, name=rows),
                        columns=pd.Index(col_names, name=columns))


def gmv_concentration(table: pd.DataFrame, *, shares: Sequence[float] = (0.01, 0.10, 0.20)) -> pd.DataFrame:
    """Share of GMV held by the top x% of customers by monetary, for each x in ``shares``.

    table: an RFM table -> one row per share: ``top_share`` (x), ``customers`` (ceil(x * n), with x read
    as the decimal written, so 0.07 of 100 is 7), ``gmv`` (their summed monetary), ``share_gmv`` (of the
    total; NaN when the total is 0). Ties at the cut do not matter: equal values add up the same.
    """
    where = "gmv_concentration"
    monetary = rfm_arrays(table, ("monetary",), where=where)["monetary"]
    fractions = _check_shares(shares, where)
    n = len(monetary)
    counts = np.array([math.ceil(x * n) for x in fractions], dtype=np.int64)
    top = np.partition(monetary, np.unique(n - counts))
    gmv = np.array([top[n - k:].sum() for k in counts])
    total = monetary.sum()
    return pd.DataFrame({
        "top_share": [float(x) for x in fractions],
        "customers": counts,
        "gmv": gmv,
        "share_gmv": gmv / total if total != 0 else np.full(len(gmv), np.nan),
    })


def _check_shares(shares, where: str) -> list[Fraction]:
    try:
        fractions = [Fraction(repr(float(x))) for x in shares]
    except (TypeError, ValueError):
        fractions = []
    if not fractions or any(not 0 < x <= 1 for x in fractions) or isinstance(shares, str):
        raise AnalyticsInputError(
            f"The 'shares' parameter of {where} must be a list of numbers in (0, 1], such as "
            f"(0.01, 0.1, 0.2). Got {shares!r} instead."
        )
    return fractions


def rf_heatmap(scored: pd.DataFrame, *, bins: int | None = None) -> pd.DataFrame:
    """Customers and average monetary per (r_score, f_score) cell, every cell listed.

    scored: the frame returned by score() (``bins`` defaults to its ``attrs["bins"]``) -> bins x bins rows
    ordered by r_score then f_score (both ascending): ``r_score``, ``f_score``, ``customers`` (int, 0 for
    an empty cell), ``avg_monetary`` (currency; NaN for an empty cell).
    """
    where = "rf_heatmap"
    monetary = rfm_arrays(scored, ("monetary",), where=where)["monetary"]
    require_columns(scored, ("r_score", "f_score"), where=where)
    bins = _scored_bins(scored, bins, where)
    r = _score_values(scored, "r_score", bins, where)
    f = _score_values(scored, "f_score", bins, where)
    cell = (r - 1) * bins + (f - 1)
    customers = np.bincount(cell, minlength=bins * bins)
    total = np.bincount(cell, weights=monetary, minlength=bins * bins)
    cell_r, cell_f = np.divmod(np.arange(bins * bins), bins)
    return pd.DataFrame({
        "r_score": cell_r + 1,
        "f_score": cell_f + 1,
        "customers": customers,
        "avg_monetary": np.divide(total, customers, out=np.full(bins * bins, np.nan), where=customers > 0),
    })
