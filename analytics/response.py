"""Response curves for the budget page: Hill saturation on daily spend, geometric adstock, and the fit of
one curve per channel on the spend history (DESIGN §4 "Budget").

A response curve maps a daily spend (currency per day) to the daily revenue it is predicted to bring
(currency per day). ``analytics.budget`` optimises splits over these curves.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from numbers import Real

import numpy as np
import pandas as pd
from scipy.optimize import least_squares
from scipy.signal import lfilter

from analytics.errors import AnalyticsInputError, require_columns
from analytics.prep import day_numbers, id_codes, money, wall_clock

SLOPE_RANGE = (0.3, 3.0)
DECAY_RANGE = (0.0, 0.9)
MIN_SPEND_CV = 0.01
REPORT_COLUMNS = ("channel", "points", "r2", "status", "beta", "kappa", "slope", "decay",
                  "current_spend", "current_revenue")

_DECAY_STARTS = np.linspace(*DECAY_RANGE, 4)
_SLOPE_STARTS = (1.0, 2.5)


@dataclass(frozen=True)
class HillCurve:
    """Hill saturation curve: daily spend s (currency) -> daily revenue ``beta * s^slope / (kappa^slope +
    s^slope)`` (currency).

    ``beta`` is the revenue ceiling, ``kappa`` the spend that brings half of it, ``slope`` the shape
    (<= 1: concave, every extra unit brings less; > 1: S-shaped, the first units bring little).
    Calling it with a float returns a float; with a numpy array, an array of the same shape. s = 0 gives 0.

    >>> HillCurve(beta=100.0, kappa=50.0, slope=1.0)(50.0)
    50.0
    """

    beta: float
    kappa: float
    slope: float

    def __post_init__(self) -> None:
        for name, bound in (("beta", ">= 0"), ("kappa", "> 0"), ("slope", "> 0")):
            value = getattr(self, name)
            number = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
            if not (number and (value >= 0 if bound == ">= 0" else value > 0)):
                raise AnalyticsInputError(
                    f"HillCurve: '{name}' must be a finite number {bound}. Got {value!r} instead."
                )

    def __call__(self, spend: float | np.ndarray) -> float | np.ndarray:
        out = _hill(_spend_array(spend), self.beta, self.kappa, self.slope)
        return out if out.ndim else float(out)

    def marginal(self, spend: float | np.ndarray) -> float | np.ndarray:
        """d revenue / d spend at ``spend`` (revenue per extra unit of spend), same shape as ``spend``.

        At s = 0 it is 0 for slope > 1, beta / kappa for slope = 1 and infinite for slope < 1.
        """
        s = _spend_array(spend)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            ratio = s / self.kappa
            share = 1.0 / (1.0 + ratio ** -self.slope)  # s^n / (k^n + s^n), stable for huge s
            rest = 1.0 / (1.0 + ratio ** self.slope)  # 1 - share, without cancellation
            out = self.beta * self.slope * share * rest / s
        if self.beta == 0 or self.slope > 1:
            at_zero = 0.0
        else:
            at_zero = self.beta / self.kappa if self.slope == 1 else math.inf
        out = np.where(s > 0, out, at_zero)
        return out if out.ndim else float(out)


@dataclass(frozen=True)
class ResponseFit:
    """The outcome of :func:`fit_channels`: ``curves`` (channel -> HillCurve, fitted channels only) and
    ``report`` (one row per channel of the spend table, fitted or not; columns ``REPORT_COLUMNS``)."""

    curves: dict
    report: pd.DataFrame


def _spend_array(spend: float | np.ndarray) -> np.ndarray:
    s = np.asarray(spend, dtype=np.float64)
    if not (s >= 0).all():
        bad = float(s[~(s >= 0)].flat[0])
        raise AnalyticsInputError(
            f"HillCurve: spend must be a number >= 0. Got {bad!r} instead. Pass daily spends in currency."
        )
    return s


def _hill(s: np.ndarray, beta: float, kappa: float, slope: float) -> np.ndarray:
    with np.errstate(divide="ignore", over="ignore"):
        return beta / (1.0 + (kappa / s) ** slope)  # s = 0 -> kappa / 0 = inf -> 0


def _adstock(spend: np.ndarray, decay: float) -> np.ndarray:
    return lfilter([1.0], [1.0, -decay], spend, axis=0)


def adstock(spend: np.ndarray, decay: float) -> np.ndarray:
    """Geometric adstock: x_t = s_t + decay * x_{t-1}, x_0 = s_0 (carry-over of past spend).

    ``spend``: daily spends, oldest first (1-D, or 2-D with days along axis 0) -> float64 array of the
    same shape, in the same currency. A constant spend s settles at s / (1 - decay).

    >>> adstock([10.0, 0.0, 0.0], 0.5).tolist()
    [10.0, 5.0, 2.5]
    """
    if not (isinstance(decay, (int, float)) and 0 <= decay < 1):
        raise AnalyticsInputError(
            f"adstock: 'decay' must be a number in [0, 1). Got {decay!r} instead. "
            "Use 0 for no carry-over; 0.5 halves the effect of a day's spend every day."
        )
    return _adstock(np.asarray(spend, dtype=np.float64), float(decay))


def fit_channels(spend: pd.DataFrame, revenue: pd.DataFrame, *, adstock: bool = False,
                 min_points: int = 8, current_days: int = 28, date_col: str = "date",
                 channel_col: str = "channel", spend_col: str = "spend",
                 revenue_col: str = "revenue") -> ResponseFit:
    """Fit one Hill response curve per channel on the daily history and report every channel.

    ``spend``: rows (date, channel, spend), several rows per day and channel are added up (campaigns).
    ``revenue``: rows (date, channel, revenue), e.g. attributed daily revenue, also added up.
    The points of a channel are its days with a spend row; a point's revenue is the channel's revenue on
    that day (0 when the revenue table has none). Revenue of channels or days outside the spend table is
    ignored. With ``adstock=True`` the curve is fitted on adstocked spend (days without a spend row count
    as 0 spend) with a decay in ``DECAY_RANGE``; the returned curve is then the steady-state response to a
    constant daily spend s, i.e. the fitted curve at s / (1 - decay), which is a Hill curve with
    kappa * (1 - decay). The report's beta, kappa, slope are those of the returned curve.

    Returns a :class:`ResponseFit`: ``curves`` (channel label -> HillCurve, fitted channels only) and
    ``report``: one row per channel (sorted by channel) with columns
    channel, points (days with spend), r2 (of the fit on the points), status ("ok" or why there is no
    curve), beta, kappa, slope, decay (0 without adstock; NaN when not fitted), current_spend and
    current_revenue (mean daily spend / revenue over the last ``current_days`` days of the spend table,
    days without a row counting as 0; the whole history when it is shorter).
    A channel gets no curve when it has fewer than ``min_points`` points, no spend variation
    (coefficient of variation below ``MIN_SPEND_CV``), no positive revenue, or the fit does not converge.
    """
    where = "fit_channels"
    if not (isinstance(min_points, int) and min_points >= 4 + adstock):
        raise AnalyticsInputError(
            f"{where}: 'min_points' must be an integer >= {4 + adstock} (more than the "
            f"{3 + adstock} curve parameters). Got {min_points!r} instead."
        )
    if not (isinstance(current_days, int) and current_days >= 1):
        raise AnalyticsInputError(
            f"{where}: 'current_days' must be an integer >= 1. Got {current_days!r} instead."
        )
    labels, spend_grid, present, revenue_grid = _daily_grid(
        spend, revenue, date_col=date_col, channel_col=channel_col, spend_col=spend_col,
        revenue_col=revenue_col)
    window = min(current_days, spend_grid.shape[1])
    rows, curves = [], {}
    for i, label in enumerate(labels):
        status, params, r2 = _fit_one(spend_grid[i], present[i], revenue_grid[i],
                                      adstock=adstock, min_points=min_points)
        if params is not None:
            curves[label] = HillCurve(*map(float, params[:3]))
        rows.append((status, r2, *(params if params is not None else (np.nan,) * 4)))
    status, r2, beta, kappa, slope, decay = zip(*rows)
    report = pd.DataFrame({
        "channel": labels,
        "points": present.sum(axis=1).astype(np.int64),
        "r2": np.array(r2, dtype=np.float64),
        "status": pd.array(status, dtype="str"),
        "beta": np.array(beta, dtype=np.float64),
        "kappa": np.array(kappa, dtype=np.float64),
        "slope": np.array(slope, dtype=np.float64),
        "decay": np.array(decay, dtype=np.float64),
        "current_spend": spend_grid[:, -window:].sum(axis=1) / window,
        "current_revenue": revenue_grid[:, -window:].sum(axis=1) / window,
    })
    return ResponseFit(curves=curves, report=report)


def fit_response(spend: pd.DataFrame, revenue: pd.DataFrame, *, adstock: bool = False,
                 min_points: int = 8, **options) -> dict:
    """Channel -> fitted HillCurve for every channel that could be fitted (see :func:`fit_channels`,
    which takes the same arguments; :func:`fit_report` says why the others have no curve)."""
    return fit_channels(spend, revenue, adstock=adstock, min_points=min_points, **options).curves


def fit_report(spend: pd.DataFrame, revenue: pd.DataFrame, *, adstock: bool = False,
               min_points: int = 8, **options) -> pd.DataFrame:
    """One row per channel of the spend table: fit quality, status and parameters (see
    :func:`fit_channels`, which takes the same arguments and returns the curves with the report)."""
    return fit_channels(spend, revenue, adstock=adstock, min_points=min_points, **options).report


def _daily_grid(spend: pd.DataFrame, revenue: pd.DataFrame, *, date_col: str, channel_col: str,
                spend_col: str, revenue_col: str):
    """(labels sorted, spend channels x days, has-a-spend-row mask, revenue channels x days), the days
    spanning the spend table's first to last date."""
    where = "fit_channels"
    require_columns(spend, (date_col, channel_col, spend_col), where=f"{where} (spend)")
    require_columns(revenue, (date_col, channel_col, revenue_col), where=f"{where} (revenue)")
    if len(spend) == 0:
        raise AnalyticsInputError(
            f"{where}: the spend table has no rows, so there is nothing to fit. "
            "Load a spend table (date, channel, spend) with the daily spend per channel."
        )
    codes, labels = id_codes(spend[channel_col], where=where)
    amounts = money(spend[spend_col], where=where)
    if (amounts < 0).any():
        raise AnalyticsInputError(
            f"{where}: the column '{spend_col}' has {int((amounts < 0).sum())} negative spend(s). "
            "Spend must be >= 0; drop or correct those rows."
        )
    order = np.argsort(labels.to_numpy(), kind="stable")
    codes = np.argsort(order)[codes]  # re-code so channel i is the i-th label in sorted order
    labels = labels[order]
    days = day_numbers(wall_clock(spend[date_col], where=where))
    first = int(days.min())
    n_days = int(days.max()) - first + 1
    size = len(labels) * n_days
    key = codes * n_days + (days - first)
    spend_grid = np.bincount(key, weights=amounts, minlength=size).reshape(len(labels), n_days)
    present = (np.bincount(key, minlength=size) > 0).reshape(len(labels), n_days)
    revenue_grid = np.zeros(size)
    if len(revenue):
        r_codes = labels.get_indexer(revenue[channel_col])
        r_days = day_numbers(wall_clock(revenue[date_col], where=where)) - first
        keep = np.flatnonzero((r_codes >= 0) & (r_days >= 0) & (r_days < n_days))
        r_amounts = money(revenue[revenue_col], where=where)[keep]
        revenue_grid = np.bincount(r_codes[keep] * n_days + r_days[keep], weights=r_amounts,
                                   minlength=size)
    # daily revenue is summed in whatever row order its source keeps (a database, a saved data set),
    # which moves the last bits, and the fit can carry such a change into the 4th digit of the
    # optimum: rounded to a millionth of a currency unit, far below any currency's minor unit, the
    # same revenue gives the same curves
    revenue_grid = np.round(revenue_grid, 6)
    return labels, spend_grid, present, revenue_grid.reshape(len(labels), n_days)


def _fit_one(spend: np.ndarray, present: np.ndarray, revenue: np.ndarray, *, adstock: bool,
             min_points: int):
    """(status, (beta, kappa, slope, decay) of the steady-state curve or None, r2) for one channel."""
    s, r = spend[present], revenue[present]
    if len(s) < min_points:
        return f"too few points: {len(s)} day(s) with spend, need at least {min_points}", None, np.nan
    mean = s.mean()
    cv = s.std() / mean if mean > 0 else 0.0
    if cv < MIN_SPEND_CV:
        return (f"no spend variation: the daily spend varies by {cv:.2%} (coefficient of variation), "
                f"below {MIN_SPEND_CV:.0%}, so its effect cannot be told apart"), None, np.nan
    if r.max() <= 0:
        return "no revenue: the channel has no positive revenue on its spend days", None, np.nan
    s_scale, r_scale = np.median(s[s > 0]), r.max()
    x, y = spend / s_scale, r / r_scale
    low = [1e-6, 1e-3 * x[present & (x > 0)].min(), SLOPE_RANGE[0]]
    high = [100.0, 100.0 * x.max() / (1 - DECAY_RANGE[1]), SLOPE_RANGE[1]]

    def residuals(p, decay=None):
        d = p[3] if decay is None else decay
        return _hill(_adstock(x, d)[present] if d else x[present], *p[:3]) - y

    decays = _DECAY_STARTS if adstock else (0.0,)
    best = None
    for decay in decays:
        for slope in _SLOPE_STARTS:
            start = [1.5, min(max(np.median(_adstock(x, decay)[present]), low[1]), high[1]), slope]
            res = least_squares(residuals, start, bounds=(low, high), kwargs={"decay": decay})
            if res.success and (best is None or res.cost < best[0].cost):
                best = res, decay
    if best is None:
        return f"fit failed: {res.message}", None, np.nan
    res, decay = best
    params = np.append(res.x, decay)
    if adstock:
        joint = least_squares(residuals, params, bounds=(low + [DECAY_RANGE[0]], high + [DECAY_RANGE[1]]))
        if joint.success and joint.cost <= res.cost:
            params = joint.x
    b, k, n, d = params
    fitted = _hill(_adstock(x, d)[present], b, k, n) * r_scale
    total_ss = ((r - r.mean()) ** 2).sum()
    r2 = 1 - ((r - fitted) ** 2).sum() / total_ss if total_ss > 0 else np.nan
    return "ok", (b * r_scale, k * s_scale * (1 - d), n, d), r2
