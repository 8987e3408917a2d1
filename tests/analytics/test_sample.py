"""Tests for analytics.sample.make_sample: determinism, the canonical schema, the facts every later
analysis relies on (windows, refunds, funnel sessions, purchases = paid orders) and the realism the
dashboard must show (GMV skew, promotion peaks, weekly rhythm, decaying repeats, saturating spend).

All on small samples (2_000 customers, ~10k orders, ~55k events) so the file stays fast. Realism
thresholds are the spec's, not numbers copied from a run; each comment says where a bound comes from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics import prep
from analytics.dataset import Dataset
from analytics.errors import AnalyticsInputError
from analytics.sample import (
    CATEGORIES, CHANNELS, DEVICES, FUNNEL_STEPS, PAID_CHANNELS, REGIONS, STATUSES, WINDOW_DAYS,
    make_sample,
)

N = 2_000
START, END = pd.Timestamp("2024-11-01"), pd.Timestamp("2026-10-31")  # 730 days ending at `end`


@pytest.fixture(scope="module")
def sample() -> Dataset:
    return make_sample(N, seed=7)


@pytest.fixture(scope="module")
def paid(sample: Dataset) -> pd.DataFrame:
    return sample.orders[sample.orders["amount"] >= 0]


def _daily(frame: pd.DataFrame, ts: str, value: str | None = None) -> pd.Series:
    """Per calendar day of the default window: sum of ``value`` (row count when None), 0 if none."""
    days = frame[ts].dt.floor("D")
    per_day = frame.groupby(days).size() if value is None else frame.groupby(days)[value].sum()
    return per_day.reindex(pd.date_range(START, END), fill_value=0)


def _keyed(frame: pd.DataFrame, **columns: str) -> pd.DataFrame:
    """Selected columns as plain values (labels as str), sorted, index reset: for exact comparison."""
    out = pd.DataFrame({new: frame[old].to_numpy() for new, old in columns.items()})
    for name in out.columns:
        if not pd.api.types.is_datetime64_any_dtype(out[name]):
            out[name] = out[name].astype(str)
    return out.sort_values(list(out.columns)).reset_index(drop=True)


# --- determinism ---------------------------------------------------------------------------------

def test_same_seed_gives_equal_frames() -> None:
    first, second = make_sample(300, seed=5), make_sample(300, seed=5)
    for kind in ("orders", "events", "spend"):
        assert_frame_equal(first.table(kind), second.table(kind))


def test_different_seed_gives_different_frames() -> None:
    first, second = make_sample(300, seed=5), make_sample(300, seed=6)
    for kind in ("orders", "events", "spend"):
        assert not first.table(kind).equals(second.table(kind))


# --- schema --------------------------------------------------------------------------------------

def test_tables_have_the_canonical_columns_and_dtypes(sample: Dataset) -> None:
    category, time, number = "category", "datetime64[ns]", "float64"
    expected = {
        "orders": {"order_id": "int64", "customer_id": category, "order_ts": time, "amount": number,
                   "channel": category, "region": category, "device": category,
                   "category": category, "quantity": number, "status": category},
        "events": {"user_id": category, "event_ts": time, "event_name": category,
                   "session_id": "int64", "channel": category, "device": category,
                   "region": category},
        "spend": {"date": time, "channel": category, "spend": number, "impressions": number,
                  "clicks": number, "campaign": category},
    }
    for kind, dtypes in expected.items():
        assert sample.table(kind).dtypes.astype(str).to_dict() == dtypes


def test_label_columns_use_the_documented_categories(sample: Dataset) -> None:
    orders, events = sample.orders, sample.events
    for frame in (orders, events, sample.spend):
        assert list(frame["channel"].cat.categories) == list(CHANNELS)
    assert list(orders["region"].cat.categories) == list(REGIONS)
    assert list(orders["device"].cat.categories) == list(DEVICES)
    assert list(orders["category"].cat.categories) == list(CATEGORIES)
    assert list(orders["status"].cat.categories) == list(STATUSES)
    assert list(events["event_name"].cat.categories) == list(FUNNEL_STEPS)
    # Every campaign label names its channel, e.g. "douyin_double11".
    campaign = sample.spend["campaign"].to_numpy(dtype=str)
    prefix = (sample.spend["channel"].astype(str) + "_").to_numpy(dtype=str)
    assert np.strings.startswith(campaign, prefix).all()


def test_ids_are_string_labels_sharing_one_code_space(sample: Dataset) -> None:
    customers = sample.orders["customer_id"].cat.categories
    users = sample.events["user_id"].cat.categories
    # Exactly N customers "C0000001".."C0002000", numbered in order of their first order.
    assert list(customers) == [f"C{i:07d}" for i in range(1, N + 1)]
    # Events: the same customers first (so codes agree), then never-buying visitors "V...".
    assert list(users[:N]) == list(customers)
    assert users[N:].str.fullmatch(r"V\d{7}").all() and len(users) > N
    first_order = sample.orders.groupby("customer_id", observed=True)["order_ts"].min()
    assert first_order.is_monotonic_increasing


def test_no_missing_values_and_unique_order_ids(sample: Dataset) -> None:
    for kind in ("orders", "events", "spend"):
        assert not sample.table(kind).isna().any().any(), kind
    orders = sample.orders
    assert orders["order_id"].is_unique
    assert orders["order_ts"].is_monotonic_increasing  # rows in time order, ids increase with time
    assert orders["order_id"].is_monotonic_increasing


def test_customer_count_is_exactly_the_requested_number(sample: Dataset) -> None:
    assert sample.orders["customer_id"].nunique() == N


def test_a_single_customer_still_gives_a_consistent_data_set() -> None:
    one = make_sample(1, seed=3)
    paid = one.orders[one.orders["amount"] >= 0]
    assert one.orders["customer_id"].nunique() == 1 and len(paid) >= 1
    assert (one.events["event_name"] == "purchase").sum() == len(paid)
    assert len(one.spend) == WINDOW_DAYS * len(PAID_CHANNELS)


# --- windows and ordering facts ------------------------------------------------------------------

def test_orders_and_events_stay_inside_the_two_year_window(sample: Dataset) -> None:
    window_end = END + pd.Timedelta(days=1)
    for frame, ts in ((sample.orders, "order_ts"), (sample.events, "event_ts")):
        assert frame[ts].min() >= START and frame[ts].max() < window_end
    # Orders fill the window: about two years (allow a quiet first and last day).
    assert sample.orders["order_ts"].max() - sample.orders["order_ts"].min() > pd.Timedelta(days=720)
    assert sample.spend["date"].min() == START and sample.spend["date"].max() == END


@pytest.mark.parametrize("end, first_day", [
    ("2025-03-31", "2023-04-02"),  # 730 days ending 2025-03-31 (2024 is a leap year)
    (pd.Timestamp("2026-10-31 23:00", tz="Asia/Shanghai"), "2024-11-01"),  # wall-clock date
])
def test_end_sets_the_last_day_of_the_window(end: object, first_day: str) -> None:
    small = make_sample(50, seed=1, end=end)
    assert small.spend["date"].min() == pd.Timestamp(first_day)
    assert small.orders["order_ts"].min() >= pd.Timestamp(first_day)
    last = small.spend["date"].max()
    assert last == pd.Timestamp(first_day) + pd.Timedelta(days=WINDOW_DAYS - 1)
    assert small.orders["order_ts"].max() < last + pd.Timedelta(days=1)


def test_first_order_is_each_customers_unique_earliest_paid_order(sample: Dataset) -> None:
    orders = sample.orders
    first = orders.groupby("customer_id", observed=True)["order_ts"].transform("min")
    at_first = orders[orders["order_ts"] == first]
    # One row per customer at its earliest time, and it is a paid order (a refund never comes first).
    assert at_first["customer_id"].is_unique and len(at_first) == N
    assert (at_first["status"] == "paid").all()


def test_acquisition_and_repeat_channels_differ(paid: pd.DataFrame) -> None:
    first = paid.groupby("customer_id", observed=True)["order_ts"].transform("min")
    is_first = paid["order_ts"] == first
    new = paid.loc[is_first, "channel"].value_counts(normalize=True)
    repeat = paid.loc[~is_first, "channel"].value_counts(normalize=True)
    # Every channel acquires customers, organic included, and the paid ones carry most of them.
    assert (new.reindex(list(CHANNELS)) > 0).all()
    assert new.reindex(list(PAID_CHANNELS)).sum() > 0.6
    # Repeat orders come mostly through the owned channels: wechat, organic and search.
    owned = ["wechat", "organic", "search"]
    assert repeat[owned].sum() > 0.55 > new[owned].sum()


def test_refund_rows_are_negative_later_rows_of_an_earlier_order(sample: Dataset,
                                                                paid: pd.DataFrame) -> None:
    orders = sample.orders
    refunds = orders[orders["status"] == "refund"]
    assert ((orders["amount"] < 0) == (orders["status"] == "refund")).all()
    assert (refunds["quantity"] <= 0).all()
    # About 2-4% of orders get a refund row.
    assert 0.02 <= len(refunds) / len(paid) <= 0.04
    # Each refund matches an earlier paid order of the same customer and basket, worth at least as
    # much as the refund.
    keys = ["customer_id", "channel", "device", "category"]
    pairs = refunds.merge(paid, on=keys, suffixes=("", "_paid"))
    valid = pairs[(pairs["order_ts_paid"] < pairs["order_ts"])
                  & (pairs["amount_paid"] >= -pairs["amount"])]
    assert set(valid["order_id"]) == set(refunds["order_id"])


def test_spend_only_for_paid_channels_one_row_per_day(sample: Dataset) -> None:
    spend = sample.spend
    assert set(spend["channel"].astype(str)) == set(PAID_CHANNELS)  # organic has no spend
    assert len(spend) == WINDOW_DAYS * len(PAID_CHANNELS)
    assert not spend.duplicated(["date", "channel"]).any()
    assert (spend["spend"] > 0).all()
    assert (spend["clicks"] <= spend["impressions"]).all()
    assert (spend["date"] == spend["date"].dt.normalize()).all()  # midnight


def test_spend_varies_with_promotions_and_has_flat_periods(sample: Dataset) -> None:
    spend = sample.spend
    total = spend.groupby("date")["spend"].sum()
    assert total["2025-11-11"] > 1.5 * total.median()  # every channel pushes for Double 11
    flat = spend[spend["campaign"].astype(str).str.endswith("_fixed_budget")]
    for channel, rows in flat.groupby("channel", observed=True):
        # One or two locked budgets of 21-60 days each: at least 21 days, at most two amounts.
        assert len(rows) >= 21 and rows["spend"].nunique() <= 2, channel
    assert flat["channel"].nunique() == len(PAID_CHANNELS)
    # Outside the locked periods spend moves a lot (campaigns, cuts, weekly budget changes).
    ratio = spend.groupby("channel", observed=True)["spend"].agg(lambda s: s.max() / s.min())
    assert (ratio > 3).all()


# --- events --------------------------------------------------------------------------------------

def test_events_include_every_funnel_step(sample: Dataset) -> None:
    assert set(sample.events["event_name"].astype(str)) == set(FUNNEL_STEPS)


def test_purchase_events_are_exactly_the_paid_orders(sample: Dataset, paid: pd.DataFrame) -> None:
    purchases = sample.events[sample.events["event_name"] == "purchase"]
    assert len(purchases) == len(paid)
    # Same user, time (to the second) and channel as each paid order.
    assert_frame_equal(
        _keyed(purchases, id="user_id", ts="event_ts", channel="channel", device="device"),
        _keyed(paid, id="customer_id", ts="order_ts", channel="channel", device="device"),
    )


def test_sessions_start_with_a_visit_and_keep_one_user_and_channel(sample: Dataset) -> None:
    events = sample.events
    sessions = events.groupby("session_id")
    assert (sessions["event_name"].first() == "visit").all()
    for column in ("user_id", "channel", "device", "region"):
        assert (sessions[column].nunique() == 1).all(), column
    # Rows in (user, time) order as the app keeps events; times increase inside a session.
    user = events["user_id"].cat.codes.to_numpy().astype(np.int64)
    time = events["event_ts"].to_numpy().view(np.int64)
    assert prep.user_time_order(user, time, len(events["user_id"].cat.categories)) is None
    gaps = sessions["event_ts"].diff().dropna()
    assert len(gaps) and (gaps > pd.Timedelta(0)).all()


def test_visitors_never_buy_and_customers_also_browse(sample: Dataset) -> None:
    events = sample.events
    visitor = events["user_id"].astype(str).str.startswith("V")
    assert visitor.any() and not (events.loc[visitor, "event_name"] == "purchase").any()
    # Non-buying sessions of customers: sessions without a purchase.
    has_purchase = events["event_name"].eq("purchase").groupby(events["session_id"]).any()
    customer_session = (~visitor).groupby(events["session_id"]).all()
    assert (customer_session & ~has_purchase).any()


def test_funnel_drop_off_differs_by_channel_and_device(sample: Dataset) -> None:
    events = sample.events
    codes = pd.Series(events["event_name"].cat.codes.to_numpy(), index=events.index)
    sessions = pd.DataFrame({
        "depth": codes.groupby(events["session_id"]).max(),
        "channel": events.groupby("session_id")["channel"].first().astype(str),
        "device": events.groupby("session_id")["device"].first().astype(str),
    })
    cart = FUNNEL_STEPS.index("add_to_cart")
    reached = (sessions["depth"] >= cart).groupby([sessions["channel"]]).mean()
    # Pass rates are set per channel: owned wechat traffic converts better than feed ads.
    assert reached["wechat"] > reached["feed_ads"] + 0.1
    by_device = (sessions["depth"] >= cart).groupby(sessions["device"]).mean()
    assert by_device["app"] > by_device["web"]  # web has the weakest cart and checkout steps


def test_about_25_events_per_customer(sample: Dataset) -> None:
    # ~5 orders x ~4 events per purchase session, plus browsing and visitors: 20-30 per customer.
    assert 20 <= len(sample.events) / N <= 30


# --- realism -------------------------------------------------------------------------------------

def test_orders_per_customer_and_many_one_order_customers(paid: pd.DataFrame) -> None:
    per_customer = paid.groupby("customer_id", observed=True).size()
    assert 4.5 <= per_customer.mean() <= 5.5  # ~5 orders per customer
    assert (per_customer == 1).mean() > 0.3  # many customers never come back


def test_top_one_percent_of_customers_bring_a_large_share_of_gmv(sample: Dataset) -> None:
    net = sample.orders.groupby("customer_id", observed=True)["amount"].sum().sort_values()
    top = net.iloc[-N // 100:].sum() / net.sum()
    assert 0.20 <= top <= 0.45  # the spec's range for the head of GMV


def test_promotion_days_peak_above_the_median_day(sample: Dataset) -> None:
    gmv = _daily(sample.orders, "order_ts", "amount")
    median = gmv.median()
    assert gmv["2025-11-11"] > 2 * median  # Double 11
    assert gmv["2026-06-18"] > 2 * median  # 618
    # Spring Festival (2026-02-17): logistics pause, below the median day.
    assert gmv["2026-02-17"] < median


def test_weekends_sell_more_than_early_weekdays(paid: pd.DataFrame) -> None:
    per_day = _daily(paid, "order_ts")
    weekday = per_day.index.day_of_week
    assert per_day[weekday >= 5].mean() > per_day[weekday <= 3].mean()


def test_repeat_purchases_decay_with_time_since_acquisition(paid: pd.DataFrame) -> None:
    first = paid.groupby("customer_id", observed=True)["order_ts"].transform("min")
    days = (paid["order_ts"] - first).dt.days
    # Customers acquired in the first six months can be followed for a full year.
    cohort = paid[first < START + pd.DateOffset(months=6)]
    size = cohort["customer_id"].nunique()
    early = cohort.loc[days.between(1, 90), "customer_id"].nunique() / size
    late = cohort.loc[days.between(271, 360), "customer_id"].nunique() / size
    assert early > 1.5 * late > 0


def test_new_customers_saturate_in_spend(sample: Dataset, paid: pd.DataFrame) -> None:
    first = paid.groupby("customer_id", observed=True)["order_ts"].transform("min")
    new = paid[paid["order_ts"] == first]
    counts = new.groupby([new["order_ts"].dt.floor("D").rename("date"), "channel"],
                         observed=True).size().rename("new")
    spend = sample.spend.join(counts, on=["date", "channel"]).fillna({"new": 0})
    quartile = spend.groupby("channel", observed=True)["spend"].transform(
        lambda s: pd.qcut(s, 4, labels=False))
    low, high = spend[quartile == 0], spend[quartile == 3]
    # Diminishing returns: the top-spend days of each channel bring fewer customers per yuan
    # than its bottom-spend days, but more customers per day.
    assert high["new"].sum() / high["spend"].sum() < 0.9 * low["new"].sum() / low["spend"].sum()
    assert high["new"].mean() > low["new"].mean()


# --- validation ----------------------------------------------------------------------------------

@pytest.mark.parametrize("customers", [0, -5, 2.5, True, "100", None])
def test_customers_must_be_a_positive_integer(customers: object) -> None:
    with pytest.raises(AnalyticsInputError,
                       match=r"The 'customers' parameter of make_sample must be a positive integer\. "
                             r"Got .* instead\. Pass for example customers=50_000\."):
        make_sample(customers)


@pytest.mark.parametrize("seed", [-1, 1.5, "7", None])
def test_seed_must_be_a_non_negative_integer(seed: object) -> None:
    with pytest.raises(AnalyticsInputError,
                       match=r"The 'seed' parameter of make_sample must be a non-negative integer\. "
                             r"Got .* instead\. Pass for example seed=7\."):
        make_sample(10, seed=seed)


@pytest.mark.parametrize("end", ["someday", None, 3.5j])
def test_end_must_be_a_date(end: object) -> None:
    with pytest.raises(AnalyticsInputError,
                       match=r"The 'end' parameter of make_sample must be a date such as "
                             r"'2026-10-31'\. Got .* instead\."):
        make_sample(10, end=end)


def test_numpy_integer_arguments_are_accepted() -> None:
    assert_frame_equal(make_sample(np.int64(40), seed=np.int32(2)).orders,
                       make_sample(40, seed=2).orders)
