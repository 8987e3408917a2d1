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

from analytics import AnalyticsInputError
from analytics.channels import performance
from analytics.cohort import retention, retention_from_cells
from analytics.funnel import funnel
from analytics.io import reflect_table
from analytics.pushdown import funnel_sql, performance_sql, retention_sql, rfm_table_sql
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


def test_performance_tied_first_orders_go_to_the_smallest_channel_name(engine):
    # x's two first orders share a time: "search" (listed first) and "ads". In SQL the smallest
    # channel name acquires x (the documented difference: in memory the row listed first does).
    tied = pd.DataFrame({"customer_id": ["x", "x"], "order_ts": ["2024-01-01 10:00"] * 2,
                         "amount": [5.0, 7.0], "channel": ["search", "ads"]})
    _store(engine, "orders_tied", tied)
    got = performance_sql(engine, "orders_tied", "spend", start="2024-01-01", end="2024-01-31")
    assert got.set_index("channel")["new_customers"].to_dict() == {"ads": 1, "search": 0, "email": 0}


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
