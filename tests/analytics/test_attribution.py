"""Attribution models on hand-built orders and events; every credit worked out by hand in comments."""

import re

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics import AnalyticsInputError, attribution, prep
from analytics.attribution import MODELS, attribute, compare_models
from analytics.sample import make_sample

DAY = pd.Timedelta(days=1)
T0 = pd.Timestamp("2024-03-10 12:00")  # order time used by most cases


def _orders(rows):
    """rows: (customer_id, order_ts, amount, channel)."""
    return pd.DataFrame(rows, columns=["customer_id", "order_ts", "amount", "channel"])


def _events(rows):
    """rows: (user_id, event_ts, channel)."""
    frame = pd.DataFrame(rows, columns=["user_id", "event_ts", "channel"])
    return frame.assign(event_name="visit")


def _credit(channels, orders, revenue):
    return pd.DataFrame({"channel": pd.Series(channels, dtype="str"),
                         "orders": [float(x) for x in orders], "revenue": [float(x) for x in revenue]})


ONE_ORDER = _orders([("a", T0, 120.0, "direct")])


@pytest.mark.parametrize("model", MODELS)
def test_one_touchpoint_gets_everything_under_every_model(model):
    events = _events([("a", T0 - 5 * DAY, "ads")])
    got = attribute(ONE_ORDER, events, model=model)
    assert_frame_equal(got, _credit(["ads"], [1], [120]))


@pytest.mark.parametrize("model, expected", [
    ("last", _credit(["ads"], [1], [120])),
    ("first", _credit(["seo"], [1], [120])),
    ("linear", _credit(["ads", "seo"], [0.5, 0.5], [60, 60])),
    ("position_based", _credit(["ads", "seo"], [0.5, 0.5], [60, 60])),  # two touchpoints: 50/50
    # half-life 2 days: seo 4 days before -> 2^-2 = 1/4, ads 2 days before -> 2^-1 = 1/2;
    # normalised 1/3 and 2/3 of 120 = 40 and 80
    ("time_decay", _credit(["ads", "seo"], [2 / 3, 1 / 3], [80, 40])),
])
def test_two_touchpoints(model, expected):
    events = _events([("a", T0 - 4 * DAY, "seo"), ("a", T0 - 2 * DAY, "ads")])
    got = attribute(ONE_ORDER, events, model=model, half_life=pd.Timedelta(days=2))
    assert_frame_equal(got, expected)


@pytest.mark.parametrize("model, expected", [
    ("last", _credit(["ads"], [1], [290])),
    ("first", _credit(["email"], [1], [290])),
    # four touchpoints: a quarter each, 290 / 4 = 72.5; ties in revenue sorted by channel name
    ("linear", _credit(["ads", "email", "seo", "social"], [0.25] * 4, [72.5] * 4)),
    # 40% first (email), 40% last (ads), 20% shared by seo and social: 10% each
    ("position_based", _credit(["ads", "email", "seo", "social"], [0.4, 0.4, 0.1, 0.1],
                               [116, 116, 29, 29])),
    # half-life 2 days, ages 10, 6, 4, 2 days -> 2^-5, 2^-3, 2^-2, 2^-1 = (1, 4, 8, 16) / 32;
    # sum 29/32 -> shares 1/29, 4/29, 8/29, 16/29 of 290 = 10, 40, 80, 160
    ("time_decay", _credit(["ads", "social", "seo", "email"], [16 / 29, 8 / 29, 4 / 29, 1 / 29],
                           [160, 80, 40, 10])),
])
def test_several_touchpoints(model, expected):
    orders = _orders([("a", T0, 290.0, "direct")])
    events = _events([("a", T0 - 10 * DAY, "email"), ("a", T0 - 6 * DAY, "seo"),
                      ("a", T0 - 4 * DAY, "social"), ("a", T0 - 2 * DAY, "ads")])
    got = attribute(orders, events, model=model, half_life=pd.Timedelta(days=2))
    assert_frame_equal(got, expected)


@pytest.mark.parametrize("model, expected", [
    # ads 10 and 2 days before, seo 5 days before: ads is first and last
    ("linear", _credit(["ads", "seo"], [2 / 3, 1 / 3], [80, 40])),
    ("position_based", _credit(["ads", "seo"], [0.8, 0.2], [96, 24])),  # 40% + 40% to ads, 20% seo
])
def test_a_channel_touching_twice_gets_both_shares(model, expected):
    events = _events([("a", T0 - 10 * DAY, "ads"), ("a", T0 - 5 * DAY, "seo"),
                      ("a", T0 - 2 * DAY, "ads")])
    assert_frame_equal(attribute(ONE_ORDER, events, model=model), expected)


@pytest.mark.parametrize("model", MODELS)
def test_without_touchpoints_in_the_window_the_order_keeps_its_own_channel(model):
    events = _events([
        ("a", T0 - 31 * DAY, "ads"),  # before the 30-day window
        ("a", T0 + pd.Timedelta(seconds=1), "seo"),  # after the order
        ("b", T0 - DAY, "email"),  # another user
        ("a", T0 - DAY, None),  # no channel: not a touchpoint
        ("a", T0 - DAY, ""),  # blank channel: not a touchpoint
    ])
    assert_frame_equal(attribute(ONE_ORDER, events, model=model), _credit(["direct"], [1], [120]))


# an event in 1900 stretches the nanosecond time scale beyond one int64 key per customer, which
# switches the join from scaled times to time ranks; the answer must not change
@pytest.mark.parametrize("ancient", [[], [("a", pd.Timestamp("1900-01-01"), "ancient")]])
def test_lookback_window_excludes_exactly_lookback_ago_and_includes_the_order_time(ancient):
    orders = _orders([("a", T0, 10.0, "direct"), ("b", T0, 20.0, "direct")])
    events = _events(ancient + [
        ("a", T0 - 30 * DAY, "old"),  # exactly 30 days before: outside (t - lookback, t]
        ("a", T0, "now"),  # at the order time: inside
        ("b", T0 - 30 * DAY + pd.Timedelta(nanoseconds=1), "inside"),  # 1 ns inside the window
    ])
    got = attribute(orders, events, model="first", lookback=pd.Timedelta(days=30))
    assert_frame_equal(got, _credit(["inside", "now"], [1, 1], [20, 10]))


def test_zero_lookback_leaves_every_order_to_its_own_channel():
    events = _events([("a", T0, "ads")])  # (t - 0, t] is empty
    got = attribute(ONE_ORDER, events, model="last", lookback=pd.Timedelta(0))
    assert_frame_equal(got, _credit(["direct"], [1], [120]))


@pytest.mark.parametrize("rows, last, first", [
    ([("a", T0 - DAY, "x"), ("a", T0 - DAY, "y")], "y", "x"),  # equal times: the row listed later
    ([("a", T0 - DAY, "y"), ("a", T0 - DAY, "x")], "x", "y"),  # is the later touch
    # unsorted events (sorted internally): the tie between x and y still follows the input order
    ([("a", T0 - DAY, "x"), ("a", T0 - 3 * DAY, "z"), ("a", T0 - DAY, "y")], "y", "z"),
    ([("a", T0 - DAY, "y"), ("a", T0 - 3 * DAY, "z"), ("a", T0 - DAY, "x")], "x", "z"),
])
def test_equal_event_times_keep_the_input_row_order(rows, last, first):
    events = _events(rows)
    assert_frame_equal(attribute(ONE_ORDER, events, model="last"), _credit([last], [1], [120]))
    assert_frame_equal(attribute(ONE_ORDER, events, model="first"), _credit([first], [1], [120]))


def test_refunds_are_credited_to_revenue_only_and_totals_add_up():
    # order 100 on Mar 10 and refund -30 on Mar 12, both touched by seo (Mar 6) and ads (Mar 8);
    # linear: order -> 50 / 50 and 0.5 / 0.5 orders, refund -> -15 / -15 and no order credit.
    # customer b: no events, own channel "direct". Total revenue 100 - 30 + 40 = 110.
    orders = _orders([("a", T0, 100.0, "direct"), ("a", T0 + 2 * DAY, -30.0, "direct"),
                      ("b", T0, 40.0, "direct")])
    events = _events([("a", T0 - 4 * DAY, "seo"), ("a", T0 - 2 * DAY, "ads")])
    got = attribute(orders, events, model="linear")
    assert_frame_equal(got, _credit(["direct", "ads", "seo"], [1, 0.5, 0.5], [40, 35, 35]))
    assert got["revenue"].sum() == orders["amount"].sum()


def test_rows_of_one_order_id_count_as_one_order():
    # order o1 has two line rows (60 + 40), both touched by ads and seo: 0.5 orders each, 50 each
    orders = _orders([("a", T0, 60.0, "direct"), ("a", T0, 40.0, "direct")]).assign(
        order_id=["o1", "o1"])
    events = _events([("a", T0 - 3 * DAY, "seo"), ("a", T0 - DAY, "ads")])
    got = attribute(orders, events, model="linear")
    assert_frame_equal(got, _credit(["ads", "seo"], [0.5, 0.5], [50, 50]))


def test_missing_or_blank_order_channel_is_none_and_so_is_a_missing_column():
    orders = _orders([("a", T0, 10.0, None), ("b", T0, 20.0, " "), ("c", T0, 5.0, "ads")])
    events = _events([("z", T0, "seo")])
    assert_frame_equal(attribute(orders, events), _credit(["(none)", "ads"], [2, 1], [30, 5]))
    no_column = orders.drop(columns="channel")
    assert_frame_equal(attribute(no_column, events), _credit(["(none)"], [3], [35]))


def test_last_touch_without_event_channels_uses_the_order_channel():
    events = _events([("a", T0 - DAY, "ads")]).drop(columns="channel")
    assert_frame_equal(attribute(ONE_ORDER, events, model="last"), _credit(["direct"], [1], [120]))


# two customers, three orders, five events; distinct times so that row order cannot matter
MIXED_ORDERS = _orders([
    ("a", T0, 100.0, "direct"), ("a", T0 + 20 * DAY, 60.0, "email"), ("b", T0 + DAY, 30.0, None),
])
MIXED_EVENTS = _events([
    ("a", T0 - 4 * DAY, "seo"), ("a", T0 - 2 * DAY, "ads"), ("a", T0 + 19 * DAY, "email"),
    ("b", T0 - 3 * DAY, "social"), ("c", T0, "ads"),
])


def test_mixed_example_by_hand():
    # linear. order 1 (a, 100): seo, ads -> 50 / 50; order 2 (a, Mar 30, 60):
    # seo (24 d), ads (22 d), email (1 d) -> 20 each; order 3 (b, 30): social -> 30
    got = attribute(MIXED_ORDERS, MIXED_EVENTS, model="linear")
    expected = _credit(["ads", "seo", "social", "email"], [5 / 6, 5 / 6, 1, 1 / 3], [70, 70, 30, 20])
    assert_frame_equal(got, expected)


@pytest.mark.parametrize("model", MODELS)
def test_invariant_to_row_order_id_dtype_time_zone_and_time_format(model):
    base = attribute(MIXED_ORDERS, MIXED_EVENTS, model=model)
    variants = [
        (MIXED_ORDERS.sample(frac=1, random_state=1), MIXED_EVENTS.sample(frac=1, random_state=2)),
        (MIXED_ORDERS.assign(customer_id=MIXED_ORDERS["customer_id"].map({"a": 1, "b": 2})),
         MIXED_EVENTS.assign(user_id=MIXED_EVENTS["user_id"].map({"a": 1, "b": 2, "c": 3}))),
        # integer customer ids against string user ids: compared as strings
        (MIXED_ORDERS.assign(customer_id=MIXED_ORDERS["customer_id"].map({"a": 1, "b": 2})),
         MIXED_EVENTS.assign(user_id=MIXED_EVENTS["user_id"].map({"a": "1", "b": "2", "c": "3"}))),
        # categorical ids, categories in another order (matched by label)
        (MIXED_ORDERS.assign(customer_id=MIXED_ORDERS["customer_id"].astype("category")),
         MIXED_EVENTS.assign(user_id=pd.Categorical(MIXED_EVENTS["user_id"],
                                                    categories=["c", "b", "a"]))),
        # categorical ids, customers first then visitors (matched by position), an unused category
        (MIXED_ORDERS.assign(customer_id=pd.Categorical(MIXED_ORDERS["customer_id"],
                                                        categories=["x", "a", "b"])),
         MIXED_EVENTS.assign(user_id=pd.Categorical(MIXED_EVENTS["user_id"],
                                                    categories=["x", "a", "b", "c"]))),
        (MIXED_ORDERS.assign(order_ts=MIXED_ORDERS["order_ts"].dt.tz_localize("Asia/Shanghai")),
         MIXED_EVENTS.assign(event_ts=MIXED_EVENTS["event_ts"].dt.tz_localize("Asia/Shanghai"))),
        (MIXED_ORDERS.assign(order_ts=MIXED_ORDERS["order_ts"].astype(str)),
         MIXED_EVENTS.assign(event_ts=MIXED_EVENTS["event_ts"].astype(str))),
        (MIXED_ORDERS.assign(channel=MIXED_ORDERS["channel"].astype("category")),
         MIXED_EVENTS.assign(channel=MIXED_EVENTS["channel"].astype("category"))),
    ]
    for orders, events in variants:
        assert_frame_equal(attribute(orders, events, model=model), base)


def test_inputs_are_not_modified():
    orders, events = MIXED_ORDERS.sample(frac=1, random_state=1), MIXED_EVENTS.copy()
    before_orders, before_events = orders.copy(), events.copy()
    compare_models(orders, events)
    assert_frame_equal(orders, before_orders)
    assert_frame_equal(events, before_events)


def test_empty_orders_give_an_empty_frame():
    got = attribute(MIXED_ORDERS.iloc[:0], MIXED_EVENTS, model="linear")
    assert_frame_equal(got, _credit([], [], []))


def test_compare_models_puts_revenue_shares_side_by_side():
    # order 1 (a, 100): seo 4 days and ads 2 days before; order 2 (b, 100): no events, "direct".
    # total 200; time decay with half-life 2 days: seo 1/3, ads 2/3 of 100.
    orders = _orders([("a", T0, 100.0, "direct"), ("b", T0, 100.0, "direct")])
    events = _events([("a", T0 - 4 * DAY, "seo"), ("a", T0 - 2 * DAY, "ads")])
    got = compare_models(orders, events, half_life=pd.Timedelta(days=2))
    expected = pd.DataFrame({
        "channel": ["ads", "direct", "seo"],  # by last-touch share, ties by name
        "last": [0.5, 0.5, 0.0],
        "first": [0.0, 0.5, 0.5],
        "linear": [0.25, 0.5, 0.25],
        "position_based": [0.25, 0.5, 0.25],
        "time_decay": [1 / 3, 0.5, 1 / 6],
    })
    assert_frame_equal(got, expected)


def test_compare_models_shares_are_missing_when_total_revenue_is_zero():
    orders = _orders([("a", T0, 50.0, "direct"), ("a", T0 + DAY, -50.0, "direct")])
    got = compare_models(orders, _events([("a", T0 - DAY, "ads")]))
    assert got["channel"].tolist() == ["ads"]
    assert got[list(MODELS)].isna().all().all()


@pytest.fixture(scope="module")
def sample():
    return make_sample(300, seed=3)


def test_sample_data_totals_are_preserved_by_every_model(sample):
    orders, events = sample.orders, sample.events
    n_orders = int((orders["amount"] >= 0).sum())  # the sample's order_id is unique per row
    for model in MODELS:
        got = attribute(orders, events, model=model)
        assert got["revenue"].sum() == pytest.approx(orders["amount"].sum(), rel=1e-12)
        assert got["orders"].sum() == pytest.approx(n_orders, rel=1e-12)
        assert (got["orders"] >= 0).all()


def test_sample_paid_orders_last_touch_is_their_own_channel(sample):
    # every paid sample order has a purchase event at exactly its order time from its own channel,
    # so last touch reproduces orders.channel
    paid = sample.orders[sample.orders["amount"] >= 0]
    got = attribute(paid, sample.events, model="last").set_index("channel")["revenue"]
    by_channel = paid.groupby(paid["channel"].astype(str))["amount"].sum()
    assert_frame_equal(got.sort_index().to_frame(), by_channel.rename_axis("channel")
                       .rename("revenue").sort_index().to_frame())


def _not_called(*args, **kwargs):
    raise AssertionError("events in (user, time) order must be searched in place, without a sort")


@pytest.mark.parametrize("model", MODELS)
def test_events_in_user_time_order_are_searched_in_place_with_the_same_answer(sample, model,
                                                                              monkeypatch):
    # the sample keeps events in (user, time) order, as the app does (prep.by_user_time); in time
    # order instead (stable, so equal times keep their order) they take the general path, a sort
    events = sample.events
    in_time_order = events.sort_values("event_ts", kind="stable", ignore_index=True)
    expected = attribute(sample.orders, in_time_order, model=model)
    with monkeypatch.context() as patched:
        patched.setattr(attribution, "_sorted_positions", _not_called)
        assert_frame_equal(attribute(sample.orders, events, model=model), expected)
        # events without a channel among them are dropped, the rest still searched in place
        gaps = events.assign(channel=events["channel"].cat.add_categories(" ").mask(
            events.index % 7 == 3, " ").mask(events.index % 11 == 5))
        kept = events.assign(channel=events["channel"].mask((events.index % 7 == 3)
                                                            | (events.index % 11 == 5)))
        got = attribute(sample.orders, gaps, model=model)
    assert_frame_equal(got, attribute(sample.orders, kept.sort_values("event_ts", kind="stable"),
                                      model=model))


@pytest.mark.parametrize("model", MODELS)
def test_orders_in_customer_order_are_not_regrouped_and_give_the_same_answer(sample, model, monkeypatch):
    # saved data sets keep orders in (customer, time) order (store.in_store_order): the counting sort
    # by customer is skipped; the sample's orders come in time order and take it
    expected = attribute(sample.orders, sample.events, model=model)
    grouped = prep.by_user_time(sample.orders, user_col="customer_id", ts_col="order_ts")
    assert not grouped["order_id"].equals(sample.orders["order_id"])  # the rows did move
    with monkeypatch.context() as patched:
        patched.setattr(attribution, "_group_by", _not_called)
        got = attribute(grouped, sample.events, model=model)
    assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("workers", [1, 3])
def test_the_window_search_in_many_blocks_and_threads_gives_the_same_answer(sample, workers, monkeypatch):
    # 20 touchpoints per block instead of 32768: the sample's search spans hundreds of blocks, split
    # over the threads by number of orders
    expected = attribute(sample.orders, sample.events, model="linear")
    with monkeypatch.context() as patched:
        patched.setattr(attribution, "_BLOCK_EVENTS", 20)
        patched.setattr(attribution, "_WORKERS", workers)
        got = attribute(sample.orders, sample.events, model="linear")
    assert_frame_equal(got, expected, check_exact=False, rtol=1e-12)


@pytest.mark.parametrize("model", ["linear", "position_based"])
def test_windows_of_256_touchpoints_or_more_are_credited_like_short_ones(model):
    # order of a (300): 300 touchpoints a minute apart, ads and seo in turn, ads first, seo last ->
    # linear: 150 each; position based: 40% + 149 x 20% / 298 = 50% each. Order of b (100): email, then
    # ads -> 50 / 50 under both models.
    minutes = pd.to_timedelta(np.arange(300, 0, -1), unit="min")
    events = pd.concat([
        _events([("a", T0 - m, "ads" if i % 2 == 0 else "seo") for i, m in enumerate(minutes)]),
        _events([("b", T0 - 2 * DAY, "email"), ("b", T0 - DAY, "ads")]),
    ], ignore_index=True)
    orders = _orders([("a", T0, 300.0, "direct"), ("b", T0, 100.0, "direct")])
    got = attribute(orders, events, model=model)
    assert_frame_equal(got, _credit(["ads", "seo", "email"], [1, 0.5, 0.5], [200, 150, 50]))


def test_more_than_eight_channels_in_one_window():
    # ten channels c0..c9, one touchpoint each, c0 first: linear 10% each; position based 40% to c0
    # and c9, 20% / 8 = 2.5% to each of the eight in the middle
    events = _events([("a", T0 - (10 - i) * DAY, f"c{i}") for i in range(10)])
    orders = _orders([("a", T0, 100.0, "direct")])
    linear = attribute(orders, events, model="linear")
    assert_frame_equal(linear, _credit([f"c{i}" for i in range(10)], [0.1] * 10, [10] * 10))
    position = attribute(orders, events, model="position_based")
    order = ["c0", "c9"] + [f"c{i}" for i in range(1, 9)]
    assert_frame_equal(position, _credit(order, [0.4, 0.4] + [0.025] * 8, [40, 40] + [2.5] * 8))


# --- validation --------------------------------------------------------------------------------

def test_unknown_model_names_the_choices():
    message = ("The 'model' parameter of attribute must be one of 'last', 'first', 'linear', "
               "'position_based', 'time_decay'. Got 'shapley' instead.")
    with pytest.raises(AnalyticsInputError, match=re.escape(message)):
        attribute(ONE_ORDER, MIXED_EVENTS, model="shapley")


@pytest.mark.parametrize("kwargs, message", [
    ({"lookback": pd.Timedelta(days=-1)},
     "The 'lookback' parameter of attribute must be a non-negative duration such as "
     "pd.Timedelta(days=30). Got Timedelta('-1 days +00:00:00') instead."),
    ({"lookback": 30},
     "The 'lookback' parameter of attribute must be a non-negative duration such as "
     "pd.Timedelta(days=30). Got 30 instead."),
    ({"lookback": "soon"},
     "The 'lookback' parameter of attribute must be a non-negative duration such as "
     "pd.Timedelta(days=30). Got 'soon' instead."),
    ({"half_life": pd.Timedelta(0)},
     "The 'half_life' parameter of attribute must be a positive duration such as "
     "pd.Timedelta(days=7). Got Timedelta('0 days 00:00:00') instead."),
    ({"half_life": pd.Timedelta(hours=-3)},
     "The 'half_life' parameter of attribute must be a positive duration such as "
     "pd.Timedelta(days=7). Got Timedelta('-1 days +21:00:00') instead."),
])
def test_bad_durations_are_rejected(kwargs, message):
    with pytest.raises(AnalyticsInputError, match=re.escape(message)):
        attribute(ONE_ORDER, MIXED_EVENTS, **kwargs)


def test_durations_accept_strings_and_timedeltas():
    events = _events([("a", T0 - 2 * DAY, "ads")])
    for lookback in ("3D", np.timedelta64(3, "D"), pd.Timedelta(days=3).to_pytimedelta()):
        assert_frame_equal(attribute(ONE_ORDER, events, lookback=lookback), _credit(["ads"], [1], [120]))


@pytest.mark.parametrize("model", [m for m in MODELS if m != "last"])
def test_multi_touch_models_need_event_channels(model):
    events = MIXED_EVENTS.drop(columns="channel")
    message = (f"attribute(model='{model}') needs a 'channel' column in events (the source of each "
               "visit). Found: user_id, event_ts, event_name. Map the visit source to 'channel', or "
               "use model='last', which credits orders.channel.")
    with pytest.raises(AnalyticsInputError, match=re.escape(message)):
        attribute(ONE_ORDER, events, model=model)


def test_compare_models_needs_event_channels():
    with pytest.raises(AnalyticsInputError, match=re.escape(
            "compare_models(model='first') needs a 'channel' column in events")):
        compare_models(ONE_ORDER, MIXED_EVENTS.drop(columns="channel"))


def test_missing_columns_are_named():
    with pytest.raises(AnalyticsInputError, match=re.escape(
            "attribute needs the column(s) amount. Found: customer_id, order_ts, channel.")):
        attribute(ONE_ORDER.drop(columns="amount"), MIXED_EVENTS)
    with pytest.raises(AnalyticsInputError, match=re.escape(
            "attribute needs the column(s) event_ts. Found: user_id, channel, event_name.")):
        attribute(ONE_ORDER, MIXED_EVENTS.drop(columns="event_ts"))
