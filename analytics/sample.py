"""The bundled sample data set: a deterministic, realistic synthetic shop (orders, events, spend).

The generator follows the causal chain a growth team reasons about, one small step per function:

1. ``_calendar``      two years of days with a weekly rhythm, seasonality, the Spring Festival lull and
                      the promotion peaks (618, Double 11, Double 12).
2. ``_spend_plan``    relative daily spend per paid channel: growth, weekly budget revisions, campaign
                      bursts and cuts, promotion pushes and a few flat (locked-budget) periods.
3. ``_acquisitions``  daily new customers per channel: Hill saturation of adstocked spend (organic
                      follows demand), scaled so the total is exactly ``customers``; spend in yuan
                      from each channel's target CAC.
4. ``_customers``     one row per customer: first-order time, acquisition channel, region, device,
                      value and repeat propensity (heavy-tailed, channel-dependent retention).
5. ``_orders``        the first order through the acquisition channel, repeat orders from a decaying plus
                      a steady Poisson process driven by daily demand; ``_refunds`` adds refund rows.
6. ``_sessions`` ...  behaviour sessions: one funnel session ending in the purchase of every order,
                      browsing sessions of customers and sessions of visitors who never buy;
                      ``_event_rows`` lays them out as event rows.

Everything is vectorised numpy; Python loops only run over channels, promotions, funnel positions or
table columns, never over customers, orders or events. Internally times are int64 seconds since the
window start.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.signal import lfilter

from analytics import prep
from analytics.dataset import Dataset
from analytics.errors import AnalyticsInputError

CHANNELS = ("douyin", "kuaishou", "bilibili", "search", "feed_ads", "kol", "wechat", "organic")
PAID_CHANNELS = CHANNELS[:7]
REGIONS = ("tier1", "tier2", "tier3", "lower_tier")
DEVICES = ("app", "mini_program", "web")
CATEGORIES = ("apparel", "beauty", "food", "home", "electronics")
FUNNEL_STEPS = ("visit", "view", "add_to_cart", "checkout", "purchase")
STATUSES = ("paid", "refund")
WINDOW_DAYS = 730

_DAY = 86_400
_PAID = len(PAID_CHANNELS)

# Per channel, in CHANNELS order:  douyin kuaishou bilibili search feed_ads  kol  wechat organic
_SHARE = (0.22, 0.12, 0.06, 0.12, 0.10, 0.06, 0.10, 0.22)  # share of new customers
_CAC = (150.0, 125.0, 210.0, 170.0, 115.0, 260.0, 80.0)  # yuan per new customer (paid only)
_AOV = (115.0, 90.0, 165.0, 185.0, 105.0, 210.0, 150.0, 170.0)  # yuan, basket of a typical customer
_RETENTION = (0.85, 0.80, 1.05, 1.15, 0.75, 1.00, 1.35, 1.25)  # repeat-rate multiplier
_ONE_TIMER = (0.45, 0.50, 0.35, 0.30, 0.50, 0.40, 0.25, 0.28)  # share who never buy again
_REFUND = (0.065, 0.065, 0.035, 0.025, 0.045, 0.050, 0.025, 0.025)  # refund rate, by order channel
_VISITORS = (2.2, 2.4, 1.8, 0.8, 2.6, 1.4, 0.5, 0.9)  # never-buying visitors per new customer
# A repeat order (or a later visit) comes through the customer's acquisition channel with chance
# _STAY[acquisition channel], else through a channel drawn from _REPEAT_MIX (owned channels mostly).
_STAY = (0.08, 0.08, 0.05, 0.30, 0.03, 0.05, 0.50, 0.50)
_REPEAT_MIX = (0.005, 0.005, 0.005, 0.15, 0.005, 0.005, 0.22, 0.605)
_DEVICE_ANY = (0.6, 0.3, 0.1)  # device of an order or visit not made on the customer's usual one

# Spend response, paid channels only.
_HALF_SAT = (1.6, 1.4, 1.0, 2.5, 1.2, 0.9, 1.2)  # Hill K, in multiples of the median daily spend
_HILL_SHAPE = (1.2, 1.2, 1.3, 1.0, 1.1, 1.5, 1.2)  # Hill exponent
_ADSTOCK = (0.2, 0.2, 0.3, 0.0, 0.1, 0.4, 0.1)  # geometric carry-over per day
_PROMO_PUSH = (0.8, 0.8, 0.5, 0.4, 0.6, 0.7, 0.5)  # elasticity of spend to the promotion level
_BURSTS = (8, 7, 6, 3, 7, 12, 4)  # expected campaign bursts in the window
_CPC = (1.8, 1.5, 2.2, 3.5, 1.2, 2.8, 1.0)  # yuan per click at the median spend
_CTR = (0.015, 0.014, 0.012, 0.045, 0.008, 0.020, 0.025)  # clicks per impression

# Mixes by acquisition channel (rows in CHANNELS order).
_REGION_MIX = (
    (0.18, 0.30, 0.27, 0.25), (0.08, 0.20, 0.30, 0.42), (0.35, 0.35, 0.20, 0.10),
    (0.30, 0.33, 0.22, 0.15), (0.15, 0.28, 0.30, 0.27), (0.32, 0.34, 0.20, 0.14),
    (0.20, 0.30, 0.27, 0.23), (0.25, 0.32, 0.24, 0.19),
)
_DEVICE_MIX = (
    (0.80, 0.12, 0.08), (0.82, 0.12, 0.06), (0.70, 0.10, 0.20), (0.45, 0.15, 0.40),
    (0.60, 0.30, 0.10), (0.70, 0.20, 0.10), (0.20, 0.75, 0.05), (0.55, 0.25, 0.20),
)
_CATEGORY_MIX = (
    (0.30, 0.30, 0.22, 0.12, 0.06), (0.28, 0.22, 0.32, 0.12, 0.06), (0.20, 0.15, 0.15, 0.15, 0.35),
    (0.20, 0.15, 0.10, 0.25, 0.30), (0.30, 0.25, 0.25, 0.15, 0.05), (0.25, 0.45, 0.10, 0.12, 0.08),
    (0.22, 0.25, 0.28, 0.17, 0.08), (0.25, 0.22, 0.20, 0.18, 0.15),
)
_CATEGORY_PRICE = (0.8, 1.0, 0.45, 1.2, 2.6)  # price level relative to the channel's AOV

# Funnel pass rates of sessions (visit->view, view->cart, cart->checkout, checkout->purchase) by
# channel, times a device factor.
_PASS = (
    (0.55, 0.32, 0.50, 0.55), (0.52, 0.30, 0.48, 0.55), (0.68, 0.28, 0.52, 0.62),
    (0.82, 0.45, 0.60, 0.70), (0.45, 0.25, 0.45, 0.50), (0.72, 0.40, 0.55, 0.62),
    (0.85, 0.50, 0.62, 0.75), (0.80, 0.42, 0.58, 0.70),
)
_DEVICE_PASS = ((1.0, 1.1, 1.1, 1.05), (1.0, 1.0, 1.05, 1.1), (0.9, 0.8, 0.75, 0.85))
_VISITOR_DEVICE_TILT = (1.0, 1.0, 2.5)  # visitors who never buy use the web more often

# Session shapes: the event names of each session pattern.
_PATTERNS = (
    ("visit",),  # 0 bounce
    ("visit", "view"),  # 1
    ("visit", "view", "view"),  # 2
    ("visit", "view", "add_to_cart"),  # 3
    ("visit", "view", "add_to_cart", "checkout"),  # 4 abandoned checkout
    ("visit", "view", "add_to_cart", "checkout", "purchase"),  # 5 full funnel
    ("visit", "view", "view", "add_to_cart", "checkout", "purchase"),  # 6 compared first
    ("visit", "view", "checkout", "purchase"),  # 7 buy now
    ("visit", "add_to_cart", "checkout", "purchase"),  # 8 reorder into the cart
    ("visit", "checkout", "purchase"),  # 9 buy again from the order list
)
_FIRST_BUY = ((5, 6), (0.7, 0.3))  # patterns of a customer's first purchase session
_REPEAT_BUY = ((5, 7, 8, 9), (0.30, 0.30, 0.15, 0.25))  # patterns of a repeat purchase session
_STEP_GAP = (0.0, 25.0, 70.0, 50.0, 35.0)  # mean seconds before each step (after the previous)

# Demand shape.
_WEEKDAY = (0.95, 0.93, 0.95, 0.97, 1.02, 1.10, 1.08)  # Monday .. Sunday
_HOUR = (2.5, 1.2, 0.6, 0.3, 0.2, 0.3, 0.7, 1.5, 2.5, 3.5, 4.2, 4.6,
         5.0, 4.6, 4.2, 4.3, 4.4, 4.4, 4.6, 5.4, 6.4, 7.0, 6.2, 4.0)
# name, month, peak day, lead-in days, lead-in level, peak level
_PROMOS = (("618", 6, 18, 17, 1.5, 3.5), ("double11", 11, 11, 21, 1.8, 5.0),
           ("double12", 12, 12, 4, 1.2, 2.0))
_SPRING_FESTIVAL = ("2023-01-22", "2024-02-10", "2025-01-29", "2026-02-17", "2027-02-06",
                    "2028-01-26", "2029-02-13", "2030-02-03")  # lunar new year; other years: no lull
_CAMPAIGNS = ("always_on", *(promo[0] for promo in _PROMOS), "burst", "budget_cut", "fixed_budget")

# Customer value and repeat behaviour.
_REPEATS_PER_CUSTOMER = 4.0  # expected repeat orders per customer -> ~5 orders on average
_DECAY_SHARE = 0.55  # share of repeat orders from the decaying (post-acquisition) process
_DECAY_DAYS = 45.0  # time constant of that decay
_VALUE_SIGMA = 0.9  # log-sd of a customer's basket value
_VALUE_LOYALTY = 0.4  # repeat rates grow with value**this: big spenders also buy more often
_LOYAL_SHAPE = 0.25  # gamma shape of the steady repeat rate (small = a few very loyal customers)
_FIRST_BASKET = 0.5  # first orders are trial baskets: value**this (a customer's value shows later)


def make_sample(customers: int = 50_000, seed: int = 7, *, end: object = "2026-10-31") -> Dataset:
    """A deterministic synthetic shop: orders, behaviour events and marketing spend over two years.

    Inputs: ``customers`` (int >= 1) = number of distinct buying customers; ``seed`` (int >= 0) seeds
    ``numpy.random.default_rng``; ``end`` (date-like) = last day of the 730-day window.
    Output: ``Dataset`` in the canonical schema (analytics/dataset.py), about 5 orders and 27 events
    per customer (customers=2_000_000 -> ~10.3M order rows, ~54M events, ~40 s, ~3.7 GB peak):

    - ``orders``: order_id (int64, unique per row, increasing with time), customer_id (category
      "C0000001".. numbered by first order), order_ts (datetime64[ns]), amount (float64 yuan; refunds
      negative), channel (last touch; the first order's channel is the acquisition channel), region,
      device, category (category), quantity (float64; refund rows <= 0), status ("paid" / "refund").
      Rows sorted by order_ts.
    - ``events``: user_id (category; the customer labels first, in the same code order as orders,
      then never-buying visitors "V0000001"..), event_ts, event_name (visit, view, add_to_cart,
      checkout, purchase), session_id (int64, numbered by session start), channel, device, region.
      Every paid order has one purchase event at exactly its order_ts, same user and channel, in a
      session that starts with a visit from that channel. Rows in (user, time) order, as the app
      keeps every events table (``prep.by_user_time``).
    - ``spend``: date (datetime64[ns] midnight), channel (paid channels only), spend (float64 yuan),
      impressions, clicks (float64), campaign (category), one row per day and paid channel.

    Example: ``make_sample(2_000, seed=1).orders.customer_id.nunique() == 2_000``.
    """
    customers, seed, start = _validated(customers, seed, end)
    rng = np.random.default_rng(seed)
    cal = _calendar(start)
    plan = _spend_plan(cal, rng)
    acq = _acquisitions(cal, plan, customers, rng)
    cust = _customers(cal, acq, rng)
    orders = _orders(cal, cust, rng)
    sessions, visitors = _sessions(cal, cust, orders, acq, rng)
    order_rows = _orders_frame(cal, orders, _refunds(cal, orders, rng), cust)
    del orders  # free the order arrays before the (larger) event rows are laid out
    return Dataset(
        orders=order_rows,
        events=_events_frame(cal, _event_rows(sessions, rng), customers, visitors),
        spend=_spend_frame(cal, plan, acq, rng),
    )


def _validated(customers: object, seed: object, end: object) -> tuple[int, int, np.datetime64]:
    """Check the arguments of make_sample -> (customers, seed, first day of the window)."""
    if not isinstance(customers, numbers.Integral) or isinstance(customers, bool) or customers < 1:
        raise AnalyticsInputError(
            f"The 'customers' parameter of make_sample must be a positive integer. Got {customers!r} "
            "instead. Pass for example customers=50_000."
        )
    if not isinstance(seed, numbers.Integral) or isinstance(seed, bool) or seed < 0:
        raise AnalyticsInputError(
            f"The 'seed' parameter of make_sample must be a non-negative integer. Got {seed!r} "
            "instead. Pass for example seed=7."
        )
    try:
        last = pd.Timestamp(end)
    except (ValueError, TypeError):
        last = pd.NaT
    if pd.isna(last):
        raise AnalyticsInputError(
            f"The 'end' parameter of make_sample must be a date such as '2026-10-31'. Got {end!r} "
            "instead."
        )
    last_day = np.datetime64(last.tz_localize(None) if last.tz else last, "D")
    return int(customers), int(seed), last_day - (WINDOW_DAYS - 1)


@dataclass(frozen=True)
class _Calendar:
    """The days of the window and their demand shape (arrays of length WINDOW_DAYS)."""

    start: np.datetime64  # first day, datetime64[D]
    base: np.ndarray  # weekday x season x Spring Festival lull
    promo: np.ndarray  # promotion level (1 outside promotions, the peak level on the peak day)
    promo_code: np.ndarray  # int8: 0 none, else 1 + index into _PROMOS
    peak: np.ndarray  # bool: a promotion's main day (midnight rush)

    @property
    def demand(self) -> np.ndarray:
        """Relative order demand per day."""
        return self.base * self.promo

    @property
    def end_second(self) -> int:
        """Last second of the window, in seconds since the window start."""
        return WINDOW_DAYS * _DAY - 1


def _calendar(start: np.datetime64) -> _Calendar:
    """Demand shape of the 730 days from ``start``: weekly rhythm, seasonality and promotions."""
    days = pd.DatetimeIndex(start + np.arange(WINDOW_DAYS))
    season = 1 + 0.10 * np.cos(2 * np.pi * (days.day_of_year.to_numpy() - 320) / 365.25)
    base = np.asarray(_WEEKDAY)[days.day_of_week.to_numpy()] * season
    for festival in _SPRING_FESTIVAL:  # logistics pause around the lunar new year
        at = (np.datetime64(festival) - start).astype(int)
        base[max(at - 10, 0):max(at + 8, 0)] *= 0.65
    promo = np.ones(WINDOW_DAYS)
    promo_code = np.zeros(WINDOW_DAYS, np.int8)
    peak = np.zeros(WINDOW_DAYS, bool)
    for year in range(days[0].year, days[-1].year + 1):
        for code, (_, month, day, lead, lead_level, peak_level) in enumerate(_PROMOS, start=1):
            at = int((np.datetime64(f"{year}-{month:02d}-{day:02d}") - start).astype(int))
            lead_in = np.arange(at - lead, at)
            ramp = np.linspace(1.15, lead_level, lead)
            after = np.array([at + 1, at + 2])
            for index, level in ((lead_in, ramp), (np.array([at]), peak_level),
                                 (after, 1 + 0.15 * (peak_level - 1))):
                inside = (index >= 0) & (index < WINDOW_DAYS)
                promo[index[inside]] = np.broadcast_to(level, index.shape)[inside]
                promo_code[index[inside]] = code
            if 0 <= at < WINDOW_DAYS:
                peak[at] = True
    return _Calendar(start=start, base=base, promo=promo, promo_code=promo_code, peak=peak)


@dataclass(frozen=True)
class _SpendPlan:
    """Relative daily spend of the paid channels and its campaign label (arrays of shape 7 x days)."""

    level: np.ndarray  # float64, median 1 per channel
    campaign: np.ndarray  # int8 index into _CAMPAIGNS


def _spend_plan(cal: _Calendar, rng: np.random.Generator) -> _SpendPlan:
    """Relative daily spend per paid channel: growth, weekly budget revisions (AR(1) on the log),
    campaign bursts and cuts, promotion pushes and one or two flat periods (campaign labels too)."""
    t = np.linspace(0.0, 1.0, WINDOW_DAYS)
    level = np.empty((_PAID, WINDOW_DAYS))
    campaign = np.zeros((_PAID, WINDOW_DAYS), np.int8)
    for c in range(_PAID):  # loop over channels
        growth = rng.uniform(-0.35, -0.1) + rng.uniform(0.45, 0.8) * t
        weekly = lfilter([1.0], [1.0, -0.8], rng.normal(0.0, 0.25, WINDOW_DAYS // 7 + 1))
        drift = weekly[np.arange(WINDOW_DAYS) // 7]  # budgets are revised week by week
        push, in_push = _pulses(rng, _BURSTS[c], (0.4, 1.1))
        cut, in_cut = _pulses(rng, 2.0, (-1.2, -0.5))
        noise = rng.normal(0.0, 0.08, WINDOW_DAYS)
        x = np.exp(growth + drift + push + cut + noise) * cal.promo ** _PROMO_PUSH[c]
        campaign[c, in_push] = _CAMPAIGNS.index("burst")
        campaign[c, in_cut] = _CAMPAIGNS.index("budget_cut")
        promo_days = cal.promo_code > 0
        campaign[c, promo_days] = cal.promo_code[promo_days]
        for _ in range(int(rng.integers(1, 3))):  # one or two locked-budget periods
            first = int(rng.integers(0, WINDOW_DAYS - 60))
            flat = slice(first, first + int(rng.integers(21, 61)))
            x[flat] = x[flat].mean()
            campaign[c, flat] = _CAMPAIGNS.index("fixed_budget")
        level[c] = x / np.median(x)
    return _SpendPlan(level=level, campaign=campaign)


def _pulses(rng: np.random.Generator, expected: float,
            log_lift: tuple[float, float]) -> tuple[np.ndarray, np.ndarray]:
    """Poisson(expected) periods of 5-21 days scaling spend by exp(uniform(*log_lift)): campaign
    bursts (lift > 0) or budget cuts (lift < 0) -> (log lift per day, bool in-period per day)."""
    count = rng.poisson(expected)
    first = rng.integers(0, WINDOW_DAYS, count)
    stop = np.minimum(first + rng.integers(5, 22, count), WINDOW_DAYS)
    lift = rng.uniform(*log_lift, count)
    step = np.zeros(WINDOW_DAYS + 1)
    active = np.zeros(WINDOW_DAYS + 1, np.int64)
    np.add.at(step, first, lift)
    np.add.at(step, stop, -lift)
    np.add.at(active, first, 1)
    np.add.at(active, stop, -1)
    return np.cumsum(step)[:-1], np.cumsum(active)[:-1] > 0


@dataclass(frozen=True)
class _Acquisitions:
    """New customers per channel and day, their expectation, and paid spend in yuan."""

    counts: np.ndarray  # int64, 8 x days, sums to the number of customers
    expected: np.ndarray  # float64, 8 x days
    spend: np.ndarray  # float64 yuan, 7 x days


def _acquisitions(cal: _Calendar, plan: _SpendPlan, customers: int,
                  rng: np.random.Generator) -> _Acquisitions:
    """Daily new customers: Hill saturation of adstocked spend (paid) or demand (organic).

    Each channel's expected total is its _SHARE of ``customers``; the realised counts are one
    multinomial draw, so they sum to exactly ``customers``. Spend in yuan is scaled per channel so
    that spend / expected new customers equals the channel's _CAC.
    """
    stock = np.vstack([  # geometric adstock, starting from the steady state of the first day
        lfilter([1 - theta], [1.0, -theta], x, zi=[theta * x[0]])[0]
        for theta, x in zip(_ADSTOCK, plan.level)  # loop over channels
    ])
    shape = np.asarray(_HILL_SHAPE)[:, None]
    half = np.asarray(_HALF_SAT)[:, None]
    response = stock**shape / (stock**shape + half**shape)
    paid = response * cal.base * (1 + 0.1 * (cal.promo - 1))  # promotions convert a bit better
    organic = cal.demand * np.linspace(0.8, 1.3, WINDOW_DAYS)
    expected = np.vstack([paid, organic])
    expected *= (np.asarray(_SHARE) * customers / expected.sum(axis=1))[:, None]
    counts = rng.multinomial(customers, (expected / expected.sum()).ravel()).reshape(expected.shape)
    target = np.asarray(_CAC) * np.asarray(_SHARE[:_PAID]) * customers
    spend = plan.level * (target / plan.level.sum(axis=1))[:, None]
    return _Acquisitions(counts=counts, expected=expected, spend=spend)


@dataclass(frozen=True)
class _Customers:
    """One entry per customer, sorted by first-order time (index = customer code)."""

    first_ts: np.ndarray  # int64 seconds
    channel: np.ndarray  # int8 acquisition channel
    region: np.ndarray  # int8
    device: np.ndarray  # int8 usual device
    value: np.ndarray  # float64 basket value multiplier (mean 1)
    decay_rate: np.ndarray  # float64 unscaled rate of the decaying repeat process
    loyal_rate: np.ndarray  # float64 unscaled rate of the steady repeat process

    @property
    def first_day(self) -> np.ndarray:
        """Day index (0 = window start) of each customer's first order."""
        return self.first_ts // _DAY


def _customers(cal: _Calendar, acq: _Acquisitions, rng: np.random.Generator) -> _Customers:
    """Customers from the daily acquisition counts, with their attributes and repeat propensity."""
    cells = acq.counts.T.ravel()  # day-major: (day 0, channel 0), (day 0, channel 1), ...
    n_channels = len(CHANNELS)
    day = np.repeat(np.repeat(np.arange(WINDOW_DAYS), n_channels), cells)
    channel = np.repeat(np.tile(np.arange(n_channels, dtype=np.int8), WINDOW_DAYS), cells)
    first_ts = _order_times(cal, day, rng)
    order = _sort_by_time(first_ts)
    first_ts, channel = first_ts[order], channel[order]
    n = len(first_ts)
    region = _pick_by_row(rng, _REGION_MIX, channel)
    device = _pick_by_row(rng, _DEVICE_MIX, channel)
    value = np.exp(rng.normal(-_VALUE_SIGMA**2 / 2, _VALUE_SIGMA, n))
    returns = rng.random(n) >= np.asarray(_ONE_TIMER)[channel]
    repeat_base = np.asarray(_RETENTION)[channel] * returns * value**_VALUE_LOYALTY
    return _Customers(
        first_ts=first_ts, channel=channel, region=region, device=device, value=value,
        decay_rate=repeat_base * rng.gamma(1.0, 1.0, n),
        loyal_rate=repeat_base * rng.gamma(_LOYAL_SHAPE, 1 / _LOYAL_SHAPE, n),
    )


@dataclass(frozen=True)
class _Orders:
    """Order (or refund) rows: parallel arrays."""

    customer: np.ndarray  # int32 customer code
    ts: np.ndarray  # int64 seconds
    channel: np.ndarray  # int8
    device: np.ndarray  # int8
    category: np.ndarray  # int8
    quantity: np.ndarray  # float64
    amount: np.ndarray  # float64 yuan
    first: np.ndarray  # bool: the customer's first order


def _orders(cal: _Calendar, cust: _Customers, rng: np.random.Generator) -> _Orders:
    """Paid orders: each customer's first order plus repeat orders (channel, device, basket)."""
    repeat_owner, repeat_day = _repeat_days(cal, cust, rng)
    n, m = len(cust.first_ts), len(repeat_owner)
    owner = np.concatenate([np.arange(n, dtype=np.int32), repeat_owner])
    acquired = cust.channel[owner]
    stay = rng.random(m) < np.asarray(_STAY)[acquired[n:]]
    repeat_channel = np.where(stay, acquired[n:], _draw(rng, _REPEAT_MIX, m))
    usual = rng.random(n + m) < 0.8
    device = np.where(usual, cust.device[owner], _draw(rng, _DEVICE_ANY, n + m))
    ts = np.concatenate([cust.first_ts, _order_times(cal, repeat_day, rng)])
    day = ts // _DAY
    category = _pick_by_row(rng, _CATEGORY_MIX, acquired)
    price_level = np.asarray(_CATEGORY_MIX) @ np.asarray(_CATEGORY_PRICE)
    quantity = 1.0 + rng.poisson(0.3 + 0.35 * (cal.promo[day] > 1.3))
    first = np.arange(n + m) < n
    value = cust.value[owner] ** np.where(first, _FIRST_BASKET, 1.0)
    unit = (np.asarray(_AOV)[acquired] / price_level[acquired] * np.asarray(_CATEGORY_PRICE)[category]
            * value * np.exp(rng.normal(-0.06, 0.35, n + m)))
    amount = np.round(np.maximum(unit * quantity / 1.4, 1.0), 2)
    return _Orders(
        customer=owner, ts=ts, channel=np.concatenate([cust.channel, repeat_channel]).astype(np.int8),
        device=device.astype(np.int8), category=category, quantity=quantity, amount=amount,
        first=first,
    )


def _repeat_days(cal: _Calendar, cust: _Customers,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Days of repeat orders, strictly after each customer's first-order day -> (owner, day).

    Two Poisson processes per customer, both proportional to daily demand: one decaying with time
    since acquisition (exp(-t / _DECAY_DAYS)), one steady (loyal buyers). For a customer acquired on
    day a the intensity on day d > a is rate * w(d) * exp(a / tau) with w(d) = exp(-d / tau) * demand,
    so one global cumulative sum of w serves every customer: counts are Poisson with the customer's
    mass, days are drawn by inverse CDF (searchsorted). The steady process is the same with
    w(d) = demand and no exp(a / tau). Rates are scaled so that the expected number of repeat orders
    is _REPEATS_PER_CUSTOMER per customer (_DECAY_SHARE of them from the decaying process).
    """
    first_day = cust.first_day
    n = len(first_day)
    owners, days = [], []
    decay = np.exp(-np.arange(WINDOW_DAYS) / _DECAY_DAYS)
    components = ((decay, np.exp(first_day / _DECAY_DAYS), cust.decay_rate, _DECAY_SHARE),
                  (np.ones(WINDOW_DAYS), np.ones(n), cust.loyal_rate, 1 - _DECAY_SHARE))
    for shape, boost, rate, share in components:  # loop over the two processes
        cum = np.concatenate([[0.0], np.cumsum(shape * cal.demand)])
        low = cum[first_day + 1]
        intensity = rate * boost * (cum[-1] - low)
        total = intensity.sum()
        scale = share * _REPEATS_PER_CUSTOMER * n / total if total > 0 else 0.0
        owner = np.repeat(np.arange(n, dtype=np.int32), rng.poisson(intensity * scale))
        u = low[owner] + rng.random(len(owner)) * (cum[-1] - low[owner])
        day = np.searchsorted(cum, u, side="right") - 1
        owners.append(owner)
        days.append(np.clip(day, first_day[owner] + 1, WINDOW_DAYS - 1))
    return np.concatenate(owners), np.concatenate(days)


def _order_times(cal: _Calendar, day: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Order times (int64 seconds) on the given days: daily rhythm, a midnight rush on peak days.

    No order falls in the first minute of the window, so each purchase session fits inside it.
    """
    second = _clock(rng, len(day))
    rush = np.flatnonzero(cal.peak[day] & (rng.random(len(day)) < 0.3))
    second[rush] = rng.integers(0, 3_600, len(rush))
    return np.maximum(day.astype(np.int64) * _DAY + second, 60)


def _refunds(cal: _Calendar, orders: _Orders, rng: np.random.Generator) -> _Orders:
    """Refund rows for ~3% of orders (more for live-commerce channels and promotions).

    A refund comes 1-30 days after its order (dropped when that is after the window); 85% refund
    the whole order (amount and quantity negated), the rest refund 10-50% of the amount (price
    protection, quantity 0).
    """
    chance = np.asarray(_REFUND)[orders.channel] * np.where(cal.promo[orders.ts // _DAY] > 1.3, 1.3, 1.0)
    hit = np.flatnonzero(rng.random(len(chance)) < chance)
    delay = (1 + np.minimum(rng.exponential(4.0, len(hit)), 29)).astype(np.int64) * _DAY
    ts = orders.ts[hit] + delay + rng.integers(-3_600, 3_600, len(hit))
    keep = ts <= cal.end_second
    hit, ts = hit[keep], ts[keep]
    full = rng.random(len(hit)) < 0.85
    partial = np.round(orders.amount[hit] * rng.uniform(0.1, 0.5, len(hit)), 2)
    return _Orders(
        customer=orders.customer[hit], ts=ts, channel=orders.channel[hit], device=orders.device[hit],
        category=orders.category[hit],
        quantity=np.where(full, -orders.quantity[hit], 0.0),
        amount=-np.where(full, orders.amount[hit], np.maximum(partial, 0.01)),
        first=np.zeros(len(hit), bool),
    )


@dataclass(frozen=True)
class _Sessions:
    """Behaviour sessions before placement: who, where from, which shape, and when it may happen.

    An anchored session (a purchase) ends exactly at ``hi``; any other session starts at or after
    ``lo`` and ends at or before ``hi``.
    """

    user: np.ndarray  # int32 user code (customers first, then visitors)
    channel: np.ndarray  # int8
    device: np.ndarray  # int8
    region: np.ndarray  # int8
    pattern: np.ndarray  # int8 index into _PATTERNS
    lo: np.ndarray  # int64 seconds
    hi: np.ndarray  # int64 seconds
    anchored: np.ndarray  # bool

    @staticmethod
    def concat(parts: list[_Sessions]) -> _Sessions:
        """The sessions of all ``parts``, one after the other."""
        return _Sessions(*(np.concatenate([getattr(p, f) for p in parts])
                           for f in _Sessions.__dataclass_fields__))


def _sessions(cal: _Calendar, cust: _Customers, orders: _Orders, acq: _Acquisitions,
              rng: np.random.Generator) -> tuple[_Sessions, int]:
    """All behaviour sessions -> (sessions, number of never-buying visitors)."""
    visitors, visitor_sessions = _visitor_sessions(cal, acq, len(cust.first_ts), rng)
    parts = [_purchase_sessions(orders, cust, rng), _customer_browsing(cal, cust, orders, rng),
             visitor_sessions]
    return _Sessions.concat(parts), visitors


def _purchase_sessions(orders: _Orders, cust: _Customers, rng: np.random.Generator) -> _Sessions:
    """One session per paid order, from the order's channel and device, ending in its purchase."""
    n = len(orders.ts)
    first = np.asarray(_FIRST_BUY[0], np.int8)[_draw(rng, _FIRST_BUY[1], n)]
    repeat = np.asarray(_REPEAT_BUY[0], np.int8)[_draw(rng, _REPEAT_BUY[1], n)]
    pattern = np.where(orders.first, first, repeat)
    return _Sessions(user=orders.customer, channel=orders.channel, device=orders.device,
                     region=cust.region[orders.customer], pattern=pattern.astype(np.int8),
                     lo=np.zeros(n, np.int64), hi=orders.ts, anchored=np.ones(n, bool))


def _customer_browsing(cal: _Calendar, cust: _Customers, orders: _Orders,
                       rng: np.random.Generator) -> _Sessions:
    """Non-buying sessions of customers: research in the week before the first order (30% of
    customers, from any channel) and browsing between orders (more for frequent buyers)."""
    n = len(cust.first_ts)
    before = np.repeat(np.arange(n, dtype=np.int32),
                       (rng.random(n) < 0.3) * (1 + (rng.random(n) < 0.3)))
    n_orders = np.bincount(orders.customer, minlength=n)
    after = np.repeat(np.arange(n, dtype=np.int32), rng.poisson(0.1 * n_orders))
    user = np.concatenate([before, after])
    k = len(user)
    research = np.arange(k) < len(before)
    own = rng.random(k) < np.where(research, 0.5, np.asarray(_STAY)[cust.channel[user]])
    other = np.where(research, _draw(rng, _SHARE, k), _draw(rng, _REPEAT_MIX, k))
    channel = np.where(own, cust.channel[user], other).astype(np.int8)
    device = np.where(rng.random(k) < 0.8, cust.device[user],
                      _draw(rng, _DEVICE_ANY, k)).astype(np.int8)
    first = cust.first_ts[user]
    return _Sessions(
        user=user, channel=channel, device=device, region=cust.region[user],
        pattern=_browsing_pattern(rng, channel, device),
        lo=np.where(research, np.maximum(first - 7 * _DAY, 0), first + 3_600),
        hi=np.where(research, first - 3_600, cal.end_second), anchored=np.zeros(k, bool),
    )


def _visitor_sessions(cal: _Calendar, acq: _Acquisitions, customers: int,
                      rng: np.random.Generator) -> tuple[int, _Sessions]:
    """Visitors who never buy: arrive like new customers of their channel (_VISITORS per customer),
    one session on the arrival day and Poisson(0.2) more in the next two weeks, web-heavier."""
    weights = acq.expected * np.asarray(_VISITORS)[:, None]
    visitors = int(round(weights.sum() / acq.expected.sum() * customers))
    cells = rng.multinomial(visitors, (weights / weights.sum()).T.ravel())  # day-major
    n_channels = len(CHANNELS)
    day = np.repeat(np.repeat(np.arange(WINDOW_DAYS), n_channels), cells)
    arrival = np.repeat(np.tile(np.arange(n_channels, dtype=np.int8), WINDOW_DAYS), cells)
    extra = rng.poisson(0.2, visitors)
    visitor = np.repeat(np.arange(visitors), 1 + extra)
    k = len(visitor)
    later = np.ones(k, bool)
    later[np.cumsum(1 + extra) - (1 + extra)] = False  # each visitor's first session
    channel = np.where(later & (rng.random(k) >= 0.6),
                       _draw(rng, _REPEAT_MIX, k), arrival[visitor]).astype(np.int8)
    tilt = np.asarray(_DEVICE_MIX) * np.asarray(_VISITOR_DEVICE_TILT)
    device = _pick_by_row(rng, tilt / tilt.sum(axis=1, keepdims=True), arrival)[visitor]
    region = _pick_by_row(rng, _REGION_MIX, arrival)[visitor]
    start = day[visitor].astype(np.int64) * _DAY + np.where(later, _DAY, 0)
    stop = np.where(later, start + 14 * _DAY, start + _DAY) - 1
    return visitors, _Sessions(
        user=(customers + visitor).astype(np.int32), channel=channel, device=device, region=region,
        pattern=_browsing_pattern(rng, channel, device),
        lo=start, hi=np.minimum(stop, cal.end_second), anchored=np.zeros(k, bool),
    )


def _browsing_pattern(rng: np.random.Generator, channel: np.ndarray,
                      device: np.ndarray) -> np.ndarray:
    """Shape of a session that does not buy: its deepest step follows the pass rates of its channel
    and device (conditioned on not purchasing); 40% of view-only sessions view twice."""
    rates = np.clip(np.asarray(_PASS)[:, None, :] * np.asarray(_DEVICE_PASS)[None, :, :], 0, 0.95)
    reach = np.cumprod(rates, axis=2)  # share reaching view, cart, checkout, purchase
    stop = np.concatenate([1 - reach[..., :1], reach[..., :3] - reach[..., 1:]], axis=2)
    depth = _pick_by_row(rng, stop.reshape(-1, 4), channel.astype(np.int64) * len(DEVICES) + device)
    pattern = np.asarray([0, 1, 3, 4], np.int8)[depth]
    twice = (pattern == 1) & (rng.random(len(pattern)) < 0.4)
    return np.where(twice, 2, pattern).astype(np.int8)


def _pattern_table() -> tuple[np.ndarray, np.ndarray]:
    """_PATTERNS as arrays -> (steps int8 patterns x max length padded with -1, lengths int64)."""
    lengths = np.array([len(p) for p in _PATTERNS])
    steps = np.full((len(_PATTERNS), lengths.max()), -1, np.int8)
    for i, pattern in enumerate(_PATTERNS):  # loop over the nine session shapes
        steps[i, :len(pattern)] = [FUNNEL_STEPS.index(s) for s in pattern]
    return steps, lengths


def _event_rows(sessions: _Sessions, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Place sessions in time and lay them out as event rows, sessions by user and start.

    Steps follow each other after 1 s + an exponential gap (mean _STEP_GAP), so times strictly
    increase within a session. A purchase session ends at its order time (squeezed to 1 s steps if
    it would otherwise start before the window); any other session starts in its [lo, hi] range
    following the daily rhythm and is dropped when it does not fit. Session ids are 1.. in row order.
    """
    steps, lengths = _pattern_table()
    gaps = _step_gaps(rng, steps, sessions.pattern)
    duration = gaps.sum(axis=0, dtype=np.int64)
    squeeze = np.flatnonzero(sessions.anchored & (duration > sessions.hi))
    position = np.arange(steps.shape[1])[:, None]
    gaps[:, squeeze] = (position > 0) & (position < lengths[sessions.pattern[squeeze]])
    duration[squeeze] = lengths[sessions.pattern[squeeze]] - 1
    start = sessions.hi - duration
    free = np.flatnonzero(~sessions.anchored & (start >= sessions.lo))
    start[free] = _place(rng, sessions.lo[free], start[free])
    keep = np.flatnonzero(sessions.anchored | (start >= sessions.lo))
    order = keep[_sort_by_time(start[keep])]
    order = order[np.argsort(sessions.user[order], kind="stable")]  # by user, then start

    pattern = sessions.pattern[order]
    n_events = lengths[pattern]
    first = np.cumsum(n_events) - n_events
    name = np.empty(int(n_events.sum()), np.int8)
    ts = np.empty(len(name), np.int64)
    clock = start[order]
    for k in range(steps.shape[1]):  # loop over positions within a session
        at = np.flatnonzero(n_events > k)
        clock[at] += gaps[k, order[at]]
        name[first[at] + k] = steps[pattern[at], k]
        ts[first[at] + k] = clock[at]
    del gaps, clock  # free before the per-event columns are expanded
    return {
        "user": np.repeat(sessions.user[order], n_events), "ts": ts, "name": name,
        "session": np.repeat(np.arange(1, len(order) + 1, dtype=np.int64), n_events),
        "channel": np.repeat(sessions.channel[order], n_events),
        "device": np.repeat(sessions.device[order], n_events),
        "region": np.repeat(sessions.region[order], n_events),
    }


def _step_gaps(rng: np.random.Generator, steps: np.ndarray, pattern: np.ndarray) -> np.ndarray:
    """Seconds from the previous event to each event -> int32 (positions x sessions).

    0 at position 0 (the visit opens the session) and past the end of the session.
    """
    mean = np.append(np.asarray(_STEP_GAP, np.float32), np.float32(0))  # padding (-1) -> 0
    gaps = np.zeros((steps.shape[1], len(pattern)), np.int32)
    for k in range(1, steps.shape[1]):  # loop over positions within a session
        step = steps[pattern, k]
        draw = 1 + rng.standard_exponential(len(pattern), np.float32) * mean[step]
        gaps[k] = np.where(step >= 0, draw, 0)
    return gaps


def _place(rng: np.random.Generator, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """A time in [lo, hi] per row (int64 seconds): a uniform day, then the daily rhythm, clipped."""
    first_day, last_day = lo // _DAY, hi // _DAY
    day = first_day + (rng.random(len(lo)) * (last_day - first_day + 1)).astype(np.int64)
    return np.clip(day * _DAY + _clock(rng, len(lo)), lo, hi)


def _clock(rng: np.random.Generator, size: int) -> np.ndarray:
    """Seconds into the day (int64) following the daily rhythm _HOUR (evening peak)."""
    hour = _draw(rng, _HOUR, size).astype(np.int64)
    return hour * 3_600 + rng.integers(0, 3_600, size)


def _draw(rng: np.random.Generator, weights: object, size: int) -> np.ndarray:
    """``size`` draws (int8 codes) from the distribution proportional to ``weights``."""
    cum = np.cumsum(np.asarray(weights, dtype=np.float64))
    return np.searchsorted(cum / cum[-1], rng.random(size), side="right").astype(np.int8)


def _pick_by_row(rng: np.random.Generator, probs: object, rows: np.ndarray) -> np.ndarray:
    """One category (int8) per row, row i drawn from the distribution ``probs[rows[i]]``."""
    cum = np.cumsum(np.asarray(probs, dtype=np.float64), axis=1)
    cum /= cum[:, -1:]
    u = rng.random(len(rows))
    out = np.zeros(len(rows), np.int8)
    for j in range(cum.shape[1] - 1):  # loop over categories
        out += u >= cum[rows, j]
    return out


def _sort_by_time(ts: np.ndarray) -> np.ndarray:
    """Order of ``ts`` (int64 seconds < 2**31), ties by position: one sort of unique int64 keys, so
    the result is the same whatever sort algorithm numpy picks on this CPU."""
    key = (ts << 32) | np.arange(len(ts), dtype=np.int64)
    key.sort()
    return key & 0xFFFFFFFF


def _labels(prefix: str, count: int) -> pd.Index:
    """Ids ``prefix`` + zero-padded 1..count, e.g. "C0000001" (at least 7 digits)."""
    digits = max(7, len(str(count)))
    counter = pd.Series(np.arange(1, count + 1)).astype("str").str.zfill(digits)
    return pd.Index((prefix + counter).array)


def _category(codes: np.ndarray, labels: object) -> pd.Categorical:
    """A categorical from integer codes into ``labels`` (codes are trusted: built in this module)."""
    return pd.Categorical.from_codes(codes, categories=pd.Index(labels), validate=False)


def _timestamps(cal: _Calendar, seconds: np.ndarray) -> np.ndarray:
    """int64 seconds since the window start -> naive datetime64[ns]."""
    origin = cal.start.astype("datetime64[ns]").astype(np.int64)
    return (seconds * 1_000_000_000 + origin).view("datetime64[ns]")


def _orders_frame(cal: _Calendar, orders: _Orders, refunds: _Orders, cust: _Customers) -> pd.DataFrame:
    """Paid and refund rows in time order, with order ids and labels."""
    fields = ("customer", "ts", "channel", "device", "category", "quantity", "amount")
    rows = {f: np.concatenate([getattr(orders, f), getattr(refunds, f)]) for f in fields}
    status = np.repeat(np.array([0, 1], np.int8), [len(orders.ts), len(refunds.ts)])
    order = _sort_by_time(rows["ts"])
    customer = rows["customer"][order]
    return pd.DataFrame({
        "order_id": np.arange(100_000_001, 100_000_001 + len(order), dtype=np.int64),
        "customer_id": _category(customer, _labels("C", len(cust.first_ts))),
        "order_ts": _timestamps(cal, rows["ts"][order]),
        "amount": rows["amount"][order],
        "channel": _category(rows["channel"][order], CHANNELS),
        "region": _category(cust.region[customer], REGIONS),
        "device": _category(rows["device"][order], DEVICES),
        "category": _category(rows["category"][order], CATEGORIES),
        "quantity": rows["quantity"][order],
        "status": _category(status[order], STATUSES),
    }, copy=False)


def _events_frame(cal: _Calendar, rows: dict[str, np.ndarray], customers: int,
                  visitors: int) -> pd.DataFrame:
    """Event rows with labels (customers "C..." then visitors "V..." share one category), in (user,
    time) order."""
    users = _labels("C", customers).append(_labels("V", visitors))
    order = prep.user_time_order(rows["user"], rows["ts"], len(users))  # sessions of a user can overlap
    if order is not None:
        for key in list(rows):  # one column at a time: the peak grows by one column, not the table
            rows[key] = rows[key][order]
    return pd.DataFrame({
        "user_id": _category(rows["user"], users),
        "event_ts": _timestamps(cal, rows["ts"]),
        "event_name": _category(rows["name"], FUNNEL_STEPS),
        "session_id": rows["session"],
        "channel": _category(rows["channel"], CHANNELS),
        "device": _category(rows["device"], DEVICES),
        "region": _category(rows["region"], REGIONS),
    }, copy=False)


def _spend_frame(cal: _Calendar, plan: _SpendPlan, acq: _Acquisitions,
                 rng: np.random.Generator) -> pd.DataFrame:
    """Daily spend per paid channel with clicks (CPC rising with spend) and impressions (CTR)."""
    shape = acq.spend.shape
    cpc = np.asarray(_CPC)[:, None] * plan.level**0.3 * np.exp(rng.normal(0, 0.05, shape))
    clicks = np.round(acq.spend / cpc)
    impressions = np.round(clicks / np.asarray(_CTR)[:, None] * np.exp(rng.normal(0, 0.05, shape)))
    channel = np.repeat(np.arange(_PAID, dtype=np.int8), WINDOW_DAYS)
    labels = [f"{c}_{k}" for c in PAID_CHANNELS for k in _CAMPAIGNS]
    campaign = _category(channel.astype(np.int64) * len(_CAMPAIGNS) + plan.campaign.ravel(), labels)
    return pd.DataFrame({
        "date": np.tile(_timestamps(cal, np.arange(WINDOW_DAYS, dtype=np.int64) * _DAY), _PAID),
        "channel": _category(channel, CHANNELS),
        "spend": np.round(acq.spend.ravel(), 2),
        "impressions": impressions.ravel(),
        "clicks": clicks.ravel(),
        "campaign": campaign.remove_unused_categories(),
    })
