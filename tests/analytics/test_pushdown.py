"""Push-down (analytics.pushdown): the same rows in SQLite (always) and PostgreSQL (a server started by
the postgres_url fixture; skipped where it cannot run) give the in-memory results. Hand-built tables
have their key numbers worked out by hand in the comments; the sample shop and random tables
(hypothesis) are compared with the in-memory functions."""

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import datetime as dt

from analytics import AnalyticsInputError, overview
from analytics.budget import daily_revenue
from analytics.channels import performance, weekly_trend
from analytics.cohort import retention, retention_from_cells
from analytics.dataset import empty_table
from analytics.funnel import funnel
from analytics.io import reflect_table
from analytics.pushdown import (check_source, daily_revenue_sql, daily_spend_sql, date_range_sql,
                                event_names_sql, funnel_sql, overview_sql, performance_sql, retention_sql,
                                rfm_table_sql, table_columns, table_names)
from analytics.rfm import rfm_table
from analytics.sample import make_sample

# Deliberately unsorted; a's two orders share a timestamp; refunds reuse their order's id.
# a: o1 10 + o2 20 on Jan 5 09:00 (ads), refund -5 Feb 10, refund -3 Apr 2 (after the last order day)
# b: o4 25 Feb 29 18:00 (email), o5 30 Mar 5 (ads), o6 15 Mar 31 23:59:59 (no channel)
# c: refund -7 only (blank channel)                    d: o7 40 Jan 31 23:00 (email), refund -40 Mar 1
ORDERS = pd.DataFrame({
    "customer_id": ["b", "a", "d", "a", "c", "a", "b", "d", "b", "a"],
    "order_ts": pd.to_datetime(["2024-03-05 10:00", "2024-01-05 09:00", "2024-01-31 23:00",
                                "2024-01-05 09:00", "2024-02-01 08:00", "2024-02-10 12:30",
                                "2024-03-31 23:59:59", "2024-03-01 00:00", "2024-02-29 18:00",
                                "2024-04-02 10:00"], format="ISO8601"),
    "amount": [30.0, 10.0, 40.0, 20.0, -7.0, -5.0, 15.0, -40.0, 25.0, -3.0],
    "order_id": ["o5", "o1", "o7", "o2", "o9", "o1", "o6", "o7", "o4", "o2"],
    "channel": ["ads", "ads", "email", "ads", "", "ads", None, "email", "email", "ads"],
})
SPEND = pd.DataFrame({
    "date": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-01-15", "2024-03-01", "2024-05-01"]),
    "channel": ["ads", "ads", "email", "social", "ads"],
    "spend": [50.0, 10.0, 20.0, 5.0, 99.0],
})
# u1: view and cart at the same time (in order), buy 2 days later              -> step 3
# u2: view Jan 1, cart Jan 9 is 8 days later; the second view (Jan 5) converts -> step 2, 4 days
# u3: cart exactly 7 days after the view (inside), buy 1 s later (outside)     -> step 2, 7 days
# u4: cart without a view (never enters); u5: view, then buy without a cart    -> step 1
EVENTS = pd.DataFrame({
    "user_id": ["u2", "u1", "u1", "u3", "u2", "u4", "u1", "u3", "u3", "u2", "u5", "u5", "u1"],
    "event_ts": pd.to_datetime(["2024-01-09", "2024-01-01 10:00", "2024-01-03 10:00", "2024-01-02",
                                "2024-01-01", "2024-01-01", "2024-01-01 10:00", "2024-01-09",
                                "2024-01-09 00:00:01", "2024-01-05", "2024-01-10", "2024-01-11",
                                "2024-01-01 09:00"], format="ISO8601"),
    "event_name": ["cart", "cart", "buy", "view", "view", "cart", "view", "cart", "buy", "view",
                   "view", "buy", "search"],
})
STEPS = ["view", "cart", "buy"]


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as plain values: what a database table holds and gives back."""
    return frame.astype({c: object for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})


def _store(engine: sa.Engine, name: str, frame: pd.DataFrame) -> None:
    _plain(frame).to_sql(name, engine, index=False, if_exists="replace")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def engine(request, tmp_path_factory):
    """An engine on SQLite (a file) or on the test PostgreSQL server, with the hand-built tables."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('pushdown') / 'shop.db'}"
    else:
        url = request.getfixturevalue("postgres_url")
    engine = sa.create_engine(url)
    for name, frame in (("orders", ORDERS), ("spend", SPEND), ("events", EVENTS)):
        _store(engine, name, frame)
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def sample():
    return make_sample(customers=500, seed=3)


@pytest.fixture(scope="module")
def sample_engine(engine, sample):
    for kind in ("orders", "events", "spend"):
        _store(engine, f"sample_{kind}", sample.table(kind))
    return engine


def _same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    assert_frame_equal(got, expected, check_dtype=False, rtol=1e-9, atol=1e-9)


def _days(frame: pd.DataFrame, column: str, start, end) -> pd.DataFrame:
    """The rows of ``frame`` whose calendar day of ``column`` lies in start..end (None = open): the
    in-memory date slice (ui.data.in_range)."""
    day = frame[column].dt.normalize()
    keep = day.between(pd.Timestamp(start or day.min()), pd.Timestamp(end or day.max()))
    return frame[keep].reset_index(drop=True)


# ------------------------------------------------------------------------------------------------ RFM


def test_rfm_on_hand_built_orders(engine):
    # asof = Mar 31 (b's order at 23:59:59; a's refund on Apr 2 comes later and is ignored).
    # a: 2 orders (tied at Jan 5 09:00), 10 + 20 - 5 = 25, recency Jan 5 -> Mar 31 = 86 days.
    # b: 3 orders, 70, recency 0. c: refunds only, left out. d: 1 order, 40 - 40 = 0, recency 60.
    got = rfm_table_sql(engine, "orders")
    assert got["customer_id"].tolist() == ["a", "b", "d"]
    assert got["recency_days"].tolist() == [86, 0, 60]
    assert got["frequency"].tolist() == [2, 3, 1]
    assert got["monetary"].tolist() == [25.0, 70.0, 0.0]
    assert got["last_order_ts"].tolist() == [pd.Timestamp("2024-01-05 09:00"),
                                             pd.Timestamp("2024-03-31 23:59:59"),
                                             pd.Timestamp("2024-01-31 23:00")]
    assert got.attrs["asof"] == pd.Timestamp("2024-03-31")
    _same(got, rfm_table(ORDERS))


@pytest.mark.parametrize("asof", ["2024-02-29", "2024-04-30"])
def test_rfm_with_asof_matches_memory(engine, asof):
    # Feb 29: b has 1 order (o4); Apr 30: a's refund on Apr 2 counts (a's monetary 22)
    got = rfm_table_sql(engine, "orders", asof=asof)
    _same(got, rfm_table(ORDERS, asof=asof))
    assert got.attrs["asof"] == pd.Timestamp(asof)


def test_rfm_without_order_ids_counts_rows(engine):
    # without order_id each row with amount >= 0 is an order: the same counts here
    _store(engine, "orders_no_ids", ORDERS.drop(columns="order_id"))
    _same(rfm_table_sql(engine, "orders_no_ids"), rfm_table(ORDERS.drop(columns="order_id")))


def test_rfm_with_integer_ids_and_a_mapping(engine):
    renamed = ORDERS.assign(customer_id=ORDERS["customer_id"].map({"a": 3, "b": 1, "c": 7, "d": 2}))
    mapping = {"customer_id": "buyer", "order_ts": "paid_at", "amount": "实付金额"}
    renamed = renamed.rename(columns={field: column for field, column in mapping.items()})
    _store(engine, "orders_mapped", renamed)
    got = rfm_table_sql(engine, "orders_mapped", mapping=mapping)
    assert got["customer_id"].tolist() == [1, 2, 3]  # sorted integer ids
    _same(got, rfm_table(renamed, customer_col="buyer", ts_col="paid_at", amount_col="实付金额"))


def test_rfm_on_the_sample_shop(sample_engine, sample):
    _same(rfm_table_sql(sample_engine, "sample_orders"), rfm_table(_plain(sample.orders)))


@pytest.mark.parametrize(("start", "end", "asof"), [
    ("2024-02-01", "2024-03-31", None),  # a's Jan orders drop out: a is left with its Feb refund only
    ("2024-01-01", "2024-02-29", None),  # asof = Feb 29 (b's first order), not Mar 31
    ("2024-01-01", "2024-03-31", "2024-03-05"),
    (None, "2024-01-31", None),
    ("2024-03-01", None, None),
])
def test_rfm_in_a_date_range_matches_memory_on_that_slice(engine, start, end, asof):
    got = rfm_table_sql(engine, "orders", start=start, end=end, asof=asof)
    _same(got, rfm_table(_days(ORDERS, "order_ts", start, end), asof=asof))


def test_rfm_in_a_date_range_counts_only_its_orders(engine):
    # Feb: b's o4 (25, Feb 29) is the only order; a (refund) and d (refund) have none -> only b
    got = rfm_table_sql(engine, "orders", start="2024-02-01", end="2024-02-29")
    assert got[["customer_id", "frequency", "monetary", "recency_days"]].values.tolist() == [["b", 1, 25.0, 0]]
    with pytest.raises(AnalyticsInputError, match=r"rfm_table_sql found no orders \(rows with amount >= 0\) "
                       r"from 2024-04-01 to 2024-04-30\. Check the amount column"):
        rfm_table_sql(engine, "orders", start="2024-04-01", end="2024-04-30")


# ------------------------------------------------------------------------------------------ retention


def test_monthly_retention_on_hand_built_orders(engine):
    # Cohorts: Jan {a, d}, Feb {b}; c has no cohort. asof Mar 31 ends March: every cell observable.
    # Jan: Feb and Mar hold only refunds -> active 2, 0, 0. Feb: b orders in March -> 1, 1.
    # Revenue per customer (cumulative): Jan (30 + 40) / 2 = 35, then -5 -> 32.5, then -40 -> 12.5;
    # Feb 25, then + 45 -> 70.
    got = retention_sql(engine, "orders", measure="revenue")
    expected = pd.DataFrame({
        "cohort": pd.to_datetime(["2024-01-01"] * 3 + ["2024-02-01"] * 2),
        "offset": [0, 1, 2, 0, 1], "size": [2, 2, 2, 1, 1],
        "active": [2.0, 0.0, 0.0, 1.0, 1.0], "rate": [1.0, 0.0, 0.0, 1.0, 1.0],
        "revenue_per_customer": [35.0, 32.5, 12.5, 25.0, 70.0],
    })
    _same(got, expected)
    _same(got, retention(ORDERS, measure="revenue"))


@pytest.mark.parametrize(("period", "mode", "measure", "asof", "max_offset"), [
    ("M", "on", "orders", None, None),
    ("M", "on_or_after", "customers", "2024-03-15", None),  # March partial -> NaN
    ("W", "on", "revenue", None, 3),
    ("W", "on_or_after", "orders", "2024-04-30", None),
    ("D", "on", "customers", "2024-03-05", None),
])
def test_retention_options_match_memory(engine, period, mode, measure, asof, max_offset):
    got = retention_sql(engine, "orders", period=period, mode=mode, measure=measure, asof=asof,
                        max_offset=max_offset)
    _same(got, retention(ORDERS, period=period, mode=mode, measure=measure, asof=asof,
                         max_offset=max_offset))


@pytest.mark.parametrize(("period", "mode", "measure"), [
    ("M", "on", "customers"), ("W", "on_or_after", "revenue"), ("M", "on", "orders")])
def test_retention_on_the_sample_shop(sample_engine, sample, period, mode, measure):
    _same(retention_sql(sample_engine, "sample_orders", period=period, mode=mode, measure=measure),
          retention(_plain(sample.orders), period=period, mode=mode, measure=measure))


def test_retention_from_cells_shapes_aggregates():
    # Cohort month 648 (2024-01) with 2 customers, both active in offset 0, one in offset 1;
    # asof 2024-02-15: February is partial, so offset 1 is NaN.
    cells = pd.DataFrame({"cohort": [648, 648], "offset": [0, 1], "active": [2, 1]})
    got = retention_from_cells(cells, asof="2024-02-15")
    expected = pd.DataFrame({"cohort": pd.to_datetime(["2024-01-01", "2024-01-01"]), "offset": [0, 1],
                             "size": [2, 2], "active": [2.0, np.nan], "rate": [1.0, np.nan]})
    _same(got, expected)
    with pytest.raises(AnalyticsInputError, match=r"retention_from_cells: some cells lie after the "
                       r"period of asof 2024-01-31 or have a negative offset"):
        retention_from_cells(cells, asof="2024-01-31")
    with pytest.raises(AnalyticsInputError, match=r"retention_from_cells needs the column\(s\) last"):
        retention_from_cells(cells, asof="2024-02-15", mode="on_or_after")


# --------------------------------------------------------------------------------------------- funnel


def test_funnel_on_hand_built_events(engine):
    # users per step 4, 3, 1; time from view to cart: u1 0, u2 4 days, u3 7 days -> median 4 days;
    # cart to buy: u1 2 days.
    got = funnel_sql(engine, "events", STEPS)
    assert got["users"].tolist() == [4, 3, 1]
    assert got["drop_off"].tolist() == [0, 1, 2]
    assert got["median_time_from_previous"].tolist()[1:] == [pd.Timedelta(days=4),
                                                              pd.Timedelta(days=2)]
    _same(got, funnel(EVENTS, STEPS))


@pytest.mark.parametrize(("steps", "window"), [
    (STEPS, pd.Timedelta(days=3)),  # u3's cart (7 days) falls out; u2's second attempt (4 days) too
    (STEPS, None),  # no limit: u2's first attempt reaches cart, u3 buys
    ([["view", "search"], "cart", "buy"], pd.Timedelta(days=7)),  # OR-step
    (["view", "view", "buy"], pd.Timedelta(days=7)),  # a repeated step: u2's two views
    (["search", "cart"], pd.Timedelta(0)),  # zero window: only same-time steps
])
def test_funnel_options_match_memory(engine, steps, window):
    _same(funnel_sql(engine, "events", steps, window=window), funnel(EVENTS, steps, window=window))


def test_funnel_on_the_sample_shop(sample_engine, sample):
    steps = ["visit", "view", "add_to_cart", "checkout", "purchase"]
    _same(funnel_sql(sample_engine, "sample_events", steps),
          funnel(_plain(sample.events), steps))


@pytest.mark.parametrize(("start", "end"), [
    ("2024-01-02", None),  # u1's and u2's Jan 1 views drop out; u2's Jan 5 view starts its funnel
    ("2024-01-01", "2024-01-05"),  # u2's cart (Jan 9) and u3's cart drop out
    (None, "2024-01-01"),  # views and carts of Jan 1 only; no buy: step 3 empty
])
def test_funnel_in_a_date_range_matches_memory_on_that_slice(engine, start, end):
    # the canonical event_name is categorical: a step without events in the slice gives zeros
    events = EVENTS.astype({"event_name": "category"})
    _same(funnel_sql(engine, "events", STEPS, start=start, end=end),
          funnel(_days(events, "event_ts", start, end), STEPS))


def test_funnel_in_a_date_range_counts_only_its_events(engine):
    # Jan 2 on: u2 views Jan 5 and carts Jan 9 (4 days), u3 views Jan 2, carts Jan 9 (7 days), buys
    # 1 s too late; u5 views; u1 buys without a view in range -> 3 entered, 2 carted, 0 bought
    got = funnel_sql(engine, "events", STEPS, start=dt.date(2024, 1, 2))
    assert got["users"].tolist() == [3, 2, 0]


def test_event_names_are_the_distinct_names_sorted(engine):
    assert event_names_sql(engine, "events") == sorted(EVENTS["event_name"].unique()) == ["buy", "cart",
                                                                                          "search", "view"]
    _store(engine, "events_renamed", EVENTS.rename(columns={"event_name": "行为"}).assign(
        行为=EVENTS["event_name"].where(EVENTS["user_id"] != "u5")))  # u5's names missing (NULL)
    assert event_names_sql(engine, "events_renamed", mapping={"event_name": "行为"}) == ["buy", "cart", "search",
                                                                                       "view"]
    assert event_names_sql(engine, "events_renamed", mapping={"event_name": "user_id"}) == [
        "u1", "u2", "u3", "u4", "u5"]  # the mapped column is read


def test_funnel_on_an_empty_table_gives_zero_users(engine):
    _store(engine, "events_empty", EVENTS.iloc[:0])
    got = funnel_sql(engine, "events_empty", STEPS)
    assert got["users"].tolist() == [0, 0, 0]
    _same(got, funnel(EVENTS.iloc[:0], STEPS))


# ----------------------------------------------------------------------------------------- channels


def test_performance_on_hand_built_orders(engine):
    # revenue: ads 30 + 10 + 20 - 5 - 3 = 52 (3 orders), email 40 - 40 + 25 = 25 (2),
    # (none) -7 + 15 = 8 (1), social 0 with spend 5. Acquired: a by ads (tied rows, both ads),
    # b and d by email. CAC: ads (50 + 10 + 99) / 1, email 20 / 2 = 10. Email's day 0 revenue
    # (25 + 40) / 2 = 32.5 >= 10 -> payback 0; ads never reaches 159 -> NaN.
    got = performance_sql(engine, "orders", "spend")
    assert got["channel"].tolist() == ["ads", "email", "(none)", "social"]
    assert got["revenue"].tolist() == [52.0, 25.0, 8.0, 0.0]
    assert got["orders"].tolist() == [3.0, 2.0, 1.0, 0.0]
    assert got["new_customers"].tolist() == [1, 2, 0, 0]
    assert got["cac"].tolist()[:2] == [159.0, 10.0]
    assert got["payback_days"].tolist()[1] == 0
    _same(got, performance(ORDERS, SPEND))


@pytest.mark.parametrize(("ltv_days", "start", "end"), [
    (1, None, None), (30, "2024-02-01", None), (180, None, "2024-02-29"), (7, "2024-03-01", "2024-03-31")])
def test_performance_options_match_memory(engine, ltv_days, start, end):
    _same(performance_sql(engine, "orders", "spend", ltv_days=ltv_days, start=start, end=end),
          performance(ORDERS, SPEND, ltv_days=ltv_days, start=start, end=end))


def test_performance_on_the_sample_shop(sample_engine, sample):
    _same(performance_sql(sample_engine, "sample_orders", "sample_spend"),
          performance(_plain(sample.orders), _plain(sample.spend)))


def test_performance_without_a_spend_table_has_no_spend(engine):
    got = performance_sql(engine, "orders", None, start="2024-01-01", end="2024-03-31")
    assert got["spend"].tolist() == [0.0, 0.0, 0.0]
    _same(got, performance(ORDERS, empty_table("spend"), start="2024-01-01", end="2024-03-31"))


def test_performance_tied_first_orders_go_to_the_smallest_channel_name(engine):
    # x's two first orders share a time: "search" (listed first) and "ads". In SQL the smallest
    # channel name acquires x (the documented difference: in memory the row listed first does).
    tied = pd.DataFrame({"customer_id": ["x", "x"], "order_ts": ["2024-01-01 10:00"] * 2,
                         "amount": [5.0, 7.0], "channel": ["search", "ads"]})
    _store(engine, "orders_tied", tied)
    got = performance_sql(engine, "orders_tied", "spend", start="2024-01-01", end="2024-01-31")
    assert got.set_index("channel")["new_customers"].to_dict() == {"ads": 1, "search": 0, "email": 0}


# ----------------------------------------------------------------------------------------- overview


def test_overview_on_hand_built_orders(engine):
    # March (31 days) vs Jan 30..Feb 29. March: b's o5 30 + o6 15, d's refund -40 -> GMV 5, orders 2,
    # customers {b} (2 orders: a repeater), new none (b's first order is Feb 29), AOV 45 / 2 = 22.5.
    # Before: d's o7 40 (Jan 31), c's refund -7, a's refund -5, b's o4 25 -> GMV 53, orders 2,
    # customers {b, d}, new {b, d}.
    kpis, monthly = overview_sql(engine, "orders", start="2024-03-01", end="2024-03-31")
    assert kpis["current"].tolist()[:5] == [5.0, 2.0, 1.0, 0.0, 22.5]
    assert kpis["previous"].tolist()[:4] == [53.0, 2.0, 2.0, 2.0]
    _same(kpis, overview.kpis(ORDERS, start="2024-03-01", end="2024-03-31"))
    _same(monthly, overview.monthly_trend(ORDERS, start="2024-03-01", end="2024-03-31"))


@pytest.mark.parametrize(("start", "end"), [
    ("2024-01-01", "2024-04-30"),  # with a's refund on Apr 2 (returning revenue)
    ("2023-11-01", "2023-12-31"),  # before the data: zeros
    ("2024-02-01", "2024-02-01"),  # one day, c's refund only
    ("2023-12-15", "2024-06-30"),  # months without rows before and after
])
def test_overview_options_match_memory(engine, start, end):
    kpis, monthly = overview_sql(engine, "orders", start=start, end=end)
    _same(kpis, overview.kpis(ORDERS, start=start, end=end))
    _same(monthly, overview.monthly_trend(ORDERS, start=start, end=end))


def test_overview_on_the_sample_shop(sample_engine, sample):
    orders = _plain(sample.orders)
    end = orders["order_ts"].max().date()
    start = end - dt.timedelta(days=120)
    kpis, monthly = overview_sql(sample_engine, "sample_orders", start=start, end=end)
    _same(kpis, overview.kpis(orders, start=start, end=end))
    _same(monthly, overview.monthly_trend(orders, start=start, end=end))


def test_overview_on_an_empty_table_and_without_dates(engine):
    _store(engine, "orders_none", ORDERS.iloc[:0])
    kpis, monthly = overview_sql(engine, "orders_none", start="2024-01-01", end="2024-01-31")
    _same(kpis, overview.kpis(ORDERS.iloc[:0], start="2024-01-01", end="2024-01-31"))
    _same(monthly, overview.monthly_trend(empty_table("orders")))
    with pytest.raises(AnalyticsInputError, match=r"overview_sql needs both a 'start' and an 'end' date"):
        overview_sql(engine, "orders", start=None, end="2024-01-31")
    with pytest.raises(AnalyticsInputError, match=r"overview_sql: the end date 2024-01-01 is before the "
                       r"start date 2024-01-31"):
        overview_sql(engine, "orders", start="2024-01-31", end="2024-01-01")


# ----------------------------------------------------------------------------- per-day inputs, bounds


def test_daily_revenue_and_spend_on_hand_built_tables(engine):
    # March: Mar 1 d's refund -40 (email), Mar 5 b 30 (ads), Mar 31 b 15 (no channel -> "(none)")
    got = daily_revenue_sql(engine, "orders", start="2024-03-01", end="2024-03-31")
    assert got.values.tolist() == [[pd.Timestamp("2024-03-01"), "email", -40.0],
                                   [pd.Timestamp("2024-03-05"), "ads", 30.0],
                                   [pd.Timestamp("2024-03-31"), "(none)", 15.0]]
    spend = daily_spend_sql(engine, "spend", start="2024-01-01", end="2024-02-29")
    assert spend.values.tolist() == [[pd.Timestamp("2024-01-01"), "ads", 50.0],
                                     [pd.Timestamp("2024-01-15"), "email", 20.0],
                                     [pd.Timestamp("2024-02-01"), "ads", 10.0]]


@pytest.mark.parametrize(("start", "end"), [(None, None), ("2024-02-01", "2024-03-31"), ("2024-05-01", None)])
def test_daily_inputs_match_memory(engine, start, end):
    orders = _days(ORDERS, "order_ts", start, end)
    named = orders.assign(channel=orders["channel"].where(orders["channel"].str.strip() != "").fillna("(none)"))
    revenue = daily_revenue_sql(engine, "orders", start=start, end=end)
    _same(revenue, daily_revenue(named))
    spend = daily_spend_sql(engine, "spend", start=start, end=end)
    _same(spend, _days(SPEND, "date", start, end).sort_values(["date", "channel"], ignore_index=True))
    # read as orders, the per-day revenue gives the weekly trend of the order rows themselves
    as_orders = revenue.rename(columns={"date": "order_ts", "revenue": "amount"})
    _same(weekly_trend(as_orders, spend), weekly_trend(orders, _days(SPEND, "date", start, end)))


def test_daily_revenue_on_the_sample_shop(sample_engine, sample):
    orders = _plain(sample.orders)
    _same(daily_revenue_sql(sample_engine, "sample_orders"), daily_revenue(orders))  # every order has a channel
    spend = _plain(sample.spend)
    _same(weekly_trend(daily_revenue_sql(sample_engine, "sample_orders").rename(
              columns={"date": "order_ts", "revenue": "amount"}), daily_spend_sql(sample_engine, "sample_spend")),
          weekly_trend(orders, spend))


def test_date_range_is_the_first_and_last_order_day(engine):
    assert date_range_sql(engine, "orders") == (dt.date(2024, 1, 5), dt.date(2024, 4, 2))
    mapping = {"customer_id": "user_id", "order_ts": "event_ts", "amount": None}
    assert date_range_sql(engine, "events", mapping=mapping) == (dt.date(2024, 1, 1), dt.date(2024, 1, 11))
    _store(engine, "orders_none", ORDERS.iloc[:0])
    assert date_range_sql(engine, "orders_none") is None


# ------------------------------------------------------------------------------------- live sources


def test_check_source_resolves_every_mapping_explicitly(engine):
    source = check_source(engine.url, {"orders": "orders", "events": "events", "spend": None},
                          {"orders": {"channel": None}})
    assert source.tables == {"orders": "orders", "events": "events"}
    assert source.mappings["orders"] == {"customer_id": "customer_id", "order_ts": "order_ts",
                                         "amount": "amount", "order_id": "order_id", "channel": None,
                                         "region": None, "device": None, "category": None,
                                         "quantity": None, "status": None, "unit_price": None}
    assert source.mappings["events"]["event_name"] == "event_name"
    assert source.url == engine.url
    # the resolved mapping gives the push-down the same columns: no channel -> performance refuses
    with pytest.raises(AnalyticsInputError, match=r"performance_sql: no column of the table 'orders' was "
                       r"found for channel"):
        performance_sql(engine, "orders", None, orders_mapping=source.mappings["orders"])
    names = table_names(engine)
    assert {"orders", "events", "spend"} <= set(names) and names == sorted(names)
    assert table_columns(engine, "spend") == ["date", "channel", "spend"]


def test_check_source_names_what_is_wrong(engine):
    with pytest.raises(AnalyticsInputError, match=r"check_source needs an orders table"):
        check_source(engine.url, {"events": "events"})
    with pytest.raises(AnalyticsInputError, match=r"The 'tables' parameter of check_source must be one of "
                       r"'orders', 'events', 'spend'. Got 'clicks' instead."):
        check_source(engine.url, {"orders": "orders", "clicks": "events"})
    # (spend's "date" is a suggested order time)
    with pytest.raises(AnalyticsInputError, match=r"check_source: no column of the table 'spend' was found "
                       r"for customer_id, amount. Columns: date, channel, spend. Map them, e.g. "
                       r"mappings\['orders'\]=\{'customer_id': '<your column>'\}"):
        check_source(engine.url, {"orders": "spend"})
    with pytest.raises(AnalyticsInputError, match=r"check_source: 'Events' is not a table or view"):
        check_source(engine.url, {"orders": "orders", "events": "Events"})
    _store(engine, "orders_text", ORDERS.assign(amount=["¥1,000.00"] * len(ORDERS)))
    with pytest.raises(AnalyticsInputError, match=r"check_source: the column 'amount' of the table "
                       r"'orders_text' \(amount\) holds text .* load the table into memory"):
        check_source(engine.url, {"orders": "orders_text"})
    with pytest.raises(AnalyticsInputError, match=r"rfm_table_sql: the column 'amount' .* holds text"):
        rfm_table_sql(engine, "orders_text")


def test_check_source_errors_never_show_the_password():
    url = "postgresql+psycopg://alice:s3cr3t-pw@127.0.0.1:1/shop"
    with pytest.raises(AnalyticsInputError) as caught:
        check_source(url, {"orders": "orders"})
    assert "check_source could not query postgresql+psycopg://alice:***@127.0.0.1:1/shop" in str(caught.value)
    assert "s3cr3t-pw" not in str(caught.value)
    with pytest.raises(AnalyticsInputError) as caught:
        table_names(url)
    assert "s3cr3t-pw" not in str(caught.value)


# ------------------------------------------------------------------------------------- random tables


_SETTINGS = settings(max_examples=12, deadline=None, derandomize=True,
                     suppress_health_check=[HealthCheck.too_slow])


@st.composite
def _orders(draw):
    """1..25 rows: 4 customers, minutes over ~100 days (ties likely), amounts -20..60 (refunds)."""
    n = draw(st.integers(1, 25))
    minutes = draw(st.lists(st.integers(0, 100 * 24 * 60 // 97), min_size=n, max_size=n))
    return pd.DataFrame({
        "customer_id": draw(st.lists(st.sampled_from(["a", "b", "c", "d"]), min_size=n, max_size=n)),
        "order_ts": pd.Timestamp("2024-01-29") + pd.to_timedelta(np.array(minutes) * 97, unit="min"),
        "amount": np.array(draw(st.lists(st.integers(-20, 60), min_size=n, max_size=n)), dtype=float),
        # the channel follows the time, so rows tied on a first order share it
        "channel": np.array(["ads", "email", "", "search"], dtype=object)[np.array(minutes) % 4],
    })


@given(orders=_orders(), period=st.sampled_from(["D", "W", "M"]),
       mode=st.sampled_from(["on", "on_or_after"]), measure=st.sampled_from(["customers", "orders",
                                                                               "revenue"]))
@_SETTINGS
def test_random_orders_match_memory(engine, orders, period, mode, measure):
    _store(engine, "random_orders", orders)
    if not (orders["amount"] >= 0).any():
        with pytest.raises(AnalyticsInputError, match="found no orders"):
            rfm_table_sql(engine, "random_orders")
        return
    _same(rfm_table_sql(engine, "random_orders"), rfm_table(orders))
    _same(retention_sql(engine, "random_orders", period=period, mode=mode, measure=measure),
          retention(orders, period=period, mode=mode, measure=measure))
    _same(performance_sql(engine, "random_orders", "spend", ltv_days=20),
          performance(orders, SPEND, ltv_days=20))


@st.composite
def _events(draw):
    """4..30 events of 3 users, names a..d (each at least once), times in 10-minute steps over 2 days
    (ties likely)."""
    names = ["a", "b", "c", "d"] + draw(st.lists(st.sampled_from("abcd"), max_size=26))
    n = len(names)
    steps = draw(st.lists(st.integers(0, 288), min_size=n, max_size=n))
    return pd.DataFrame({
        "user_id": draw(st.lists(st.sampled_from(["u1", "u2", "u3"]), min_size=n, max_size=n)),
        "event_ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.array(steps) * 10, unit="min"),
        "event_name": names,
    })


@given(events=_events(), hours=st.sampled_from([None, 0, 3, 12]))
@_SETTINGS
def test_random_events_match_memory(engine, events, hours):
    window = None if hours is None else pd.Timedelta(hours=hours)
    _store(engine, "random_events", events)
    for steps in (["a", "b", "c"], [["a", "d"], "b", "c"]):
        _same(funnel_sql(engine, "random_events", steps, window=window),
              funnel(events, steps, window=window))


# ------------------------------------------------------------------------------ validation and safety


@pytest.fixture
def shop(tmp_path):
    """A SQLite engine with the hand-built tables (for the messages: one database is enough)."""
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'shop.db'}")
    for name, frame in (("orders", ORDERS), ("spend", SPEND), ("events", EVENTS)):
        _store(engine, name, frame)
    yield engine
    engine.dispose()


def _tables(engine: sa.Engine) -> list[str]:
    return sorted(sa.inspect(engine).get_table_names())


def test_table_names_are_checked_against_the_schema(shop):
    with pytest.raises(AnalyticsInputError, match=r"rfm_table_sql: 'orders; drop table events' is not "
                       r"a table or view of the database. Tables found: events, orders, spend. "
                       r"Check the spelling"):
        rfm_table_sql(shop, "orders; drop table events")
    with pytest.raises(AnalyticsInputError, match=r"performance_sql: 'Spend' is not a table"):
        performance_sql(shop, "orders", "Spend")
    assert _tables(shop) == ["events", "orders", "spend"]
    assert reflect_table(shop, "main.orders").name == "orders"  # schema.table names work too


def test_mapped_and_required_columns_are_checked(shop):
    with pytest.raises(AnalyticsInputError, match=r"retention_sql: mapping\['amount'\] = 'paid; --' is "
                       r"not a column of the table 'orders'. Found headers: customer_id, order_ts, "
                       r"amount, order_id, channel"):
        retention_sql(shop, "orders", mapping={"amount": "paid; --"})
    with pytest.raises(AnalyticsInputError, match=r"rfm_table_sql: no column of the table 'orders' was "
                       r"found for amount. Columns: customer_id, order_ts, amount, order_id, channel. "
                       r"Map them"):
        rfm_table_sql(shop, "orders", mapping={"amount": None})
    # user_id is a suggested customer_id (as load_table would map it); the rest is missing
    with pytest.raises(AnalyticsInputError, match=r"performance_sql: no column of the table 'events' was "
                       r"found for order_ts, amount, channel. Columns: user_id, event_ts, event_name. "
                       r"Map them, e.g. orders_mapping=\{'order_ts': '<your column>'\}"):
        performance_sql(shop, "events", "spend")


def test_a_sql_injection_in_a_step_name_is_only_a_value(shop):
    injection = "view'); DROP TABLE events; --"
    _store(shop, "events_odd", pd.concat([EVENTS, pd.DataFrame({
        "user_id": ["u9"], "event_ts": pd.to_datetime(["2024-01-01"]), "event_name": [injection]})]))
    got = funnel_sql(shop, "events_odd", [injection, "cart"])
    assert got["users"].tolist() == [1, 0]  # u9 fired the oddly named event, nothing after
    with pytest.raises(AnalyticsInputError, match=r"funnel_sql: step 1 names the event \"x' OR '1'='1\", "
                       r"which never occurs in the column 'event_name'. Names present: buy, cart, "
                       r"search, view. Check the spelling"):
        funnel_sql(shop, "events", ["x' OR '1'='1", "cart"])
    assert _tables(shop) == ["events", "events_odd", "orders", "spend"]
    assert pd.read_sql_table("events", shop).shape == EVENTS.shape


def test_options_and_sources_are_validated(shop, tmp_path):
    with pytest.raises(AnalyticsInputError, match=r"The 'order' parameter of funnel_sql must be one of "
                       r"'sequential'. Got 'strict' instead."):
        funnel_sql(shop, "events", STEPS, order="strict")
    with pytest.raises(AnalyticsInputError, match=r"The 'period' parameter of retention_sql must be one "
                       r"of 'D', 'W', 'M'. Got 'Q' instead."):
        retention_sql(shop, "orders", period="Q")
    with pytest.raises(AnalyticsInputError, match=r"The 'ltv_days' parameter of performance_sql must be "
                       r"a positive whole number"):
        performance_sql(shop, "orders", "spend", ltv_days=0)
    with pytest.raises(AnalyticsInputError, match=r"The 'source' parameter of rfm_table_sql must be a "
                       r"SQLAlchemy Engine or a database URL"):
        rfm_table_sql(ORDERS, "orders")
    with pytest.raises(AnalyticsInputError, match=r"rfm_table_sql: the SQLite file .*nope.db does not "
                       r"exist"):
        rfm_table_sql(f"sqlite:///{tmp_path / 'nope.db'}", "orders")
    # a URL works as well as an engine (its engine is made and disposed)
    _same(rfm_table_sql(str(shop.url), "orders"), rfm_table(ORDERS))


def test_no_orders_and_early_asof_are_input_errors(shop):
    _store(shop, "refunds", ORDERS.assign(amount=-ORDERS["amount"].abs()))
    with pytest.raises(AnalyticsInputError, match=r"rfm_table_sql found no orders \(rows with amount "
                       r">= 0\)\. Check the amount column"):
        rfm_table_sql(shop, "refunds")
    with pytest.raises(AnalyticsInputError, match=r"retention_sql found no orders \(rows with amount "
                       r">= 0\) on or before asof 2023-12-31"):
        retention_sql(shop, "orders", asof="2023-12-31")
    with pytest.raises(AnalyticsInputError, match=r"rfm_table_sql found no orders \(rows with amount "
                       r">= 0\) on or before asof 2023-12-31"):
        rfm_table_sql(shop, "orders", asof="2023-12-31")
    _store(shop, "empty", ORDERS.iloc[:0])
    with pytest.raises(AnalyticsInputError, match=r"retention_sql: the orders table has no usable rows"):
        retention_sql(shop, "empty")


def test_database_errors_are_input_errors_without_the_password():
    url = "postgresql+psycopg://alice:s3cr3t-pw@127.0.0.1:1/shop"  # nothing listens on port 1
    with pytest.raises(AnalyticsInputError) as caught:
        rfm_table_sql(url, "orders")
    message = str(caught.value)
    assert "rfm_table_sql could not query postgresql+psycopg://alice:***@127.0.0.1:1/shop" in message
    assert "s3cr3t-pw" not in message
