"""Tests for analytics.funnel on small hand-built event logs (expected values worked out by hand)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal, assert_series_equal

from analytics import prep
from analytics.errors import AnalyticsInputError
from analytics.funnel import (conversion_trend, dropped_from, dropped_users, funnel, step_times, summarize,
                              times_from, trend_from, user_depths)
from analytics.sample import make_sample

DAY = pd.Timedelta(days=1)


def _events(rows, **extra) -> pd.DataFrame:
    """rows: (user_id, event_ts, event_name) tuples; extra: more columns, one value per row."""
    users, times, names = zip(*rows)
    frame = pd.DataFrame({"user_id": list(users), "event_ts": _ts(list(times)), "event_name": list(names)})
    for column, values in extra.items():
        frame[column] = values
    return frame


def _ts(values) -> pd.Series:
    """Naive timestamps (None = NaT) in the nanosecond unit the funnel returns."""
    return pd.Series(pd.to_datetime(values, format="ISO8601")).astype("datetime64[ns]")


def _td(values) -> pd.Series:
    """Timedeltas (None = NaT) in the nanosecond unit the funnel returns."""
    return pd.Series(pd.to_timedelta(values)).astype("timedelta64[ns]")


def _expected(names, users, conversion, step_conversion, drop_off, medians, **by) -> pd.DataFrame:
    """The funnel frame, row by row; a by column (one keyword) comes first, steps restart per group."""
    groups = len(pd.unique(pd.Series(next(iter(by.values()))))) if by else 1
    return pd.DataFrame({
        **by,
        "step": np.arange(len(names)) % (len(names) // groups) + 1,
        "name": names,
        "users": np.array(users, dtype=np.int64),
        "conversion": np.array(conversion, dtype=np.float64),
        "step_conversion": np.array(step_conversion, dtype=np.float64),
        "drop_off": np.array(drop_off, dtype=np.int64),
        "median_time_from_previous": _td(medians).to_numpy(),
    })


# The main log: view -> cart -> buy, default 7-day window.
# u1 views, carts 1 h later, buys 2 h after that: depth 3 (gaps 1 h, 2 h).
# u2 views and carts one day later: depth 2 (gap 1 day). u3 only views: depth 1.
# u4 views, carts after 30 min, buys 4 h later: depth 3 (gaps 30 min, 4 h).
# u5 carts and buys but never views: not in the funnel at all.
# Users per step 4, 3, 2. Median view -> cart of {1 h, 1 day, 30 min} = 1 h; cart -> buy of {2 h, 4 h} = 3 h.
MAIN = [
    (1, "2024-01-01 00:00", "view"), (1, "2024-01-01 01:00", "cart"), (1, "2024-01-01 03:00", "buy"),
    (2, "2024-01-01 00:00", "view"), (2, "2024-01-02 00:00", "cart"),
    (3, "2024-01-01 05:00", "view"),
    (4, "2024-01-02 00:00", "view"), (4, "2024-01-02 00:30", "cart"), (4, "2024-01-02 04:30", "buy"),
    (5, "2024-01-01 00:00", "cart"), (5, "2024-01-01 00:10", "buy"),
]
MAIN_STEPS = ["view", "cart", "buy"]
MAIN_FUNNEL = _expected(["view", "cart", "buy"], [4, 3, 2], [1.0, 0.75, 0.5], [1.0, 0.75, 2 / 3],
                        [0, 1, 1], [None, "1h", "3h"])


def test_funnel_counts_each_user_once_per_step_with_conversions_and_medians():
    assert_frame_equal(funnel(_events(MAIN), MAIN_STEPS), MAIN_FUNNEL)


def _variants():
    """The main log in other shapes that must not change the funnel."""
    base = _events(MAIN)
    shuffled = base.sample(frac=1, random_state=3).reset_index(drop=True)
    as_strings = base.assign(event_ts=base["event_ts"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    tz_aware = base.assign(event_ts=base["event_ts"].dt.tz_localize("Asia/Shanghai"))
    str_ids = base.assign(user_id="u" + base["user_id"].astype(str))
    cat_ids = base.assign(user_id=pd.Categorical(base["user_id"], categories=[9, 5, 4, 3, 2, 1]),
                          event_name=base["event_name"].astype("category"))
    return {"shuffled": shuffled, "string times": as_strings, "tz-aware": tz_aware,
            "string ids": str_ids, "categorical ids and names": cat_ids}


@pytest.mark.parametrize("name", list(_variants()))
def test_funnel_is_invariant_to_row_order_time_format_and_id_dtype(name):
    assert_frame_equal(funnel(_variants()[name], MAIN_STEPS), MAIN_FUNNEL)


@pytest.mark.parametrize("order", ["sequential", "strict", "any_order"])
def test_a_log_kept_in_user_time_order_gives_the_same_users_as_a_shuffled_one(order):
    # The app keeps events sorted (prep.by_user_time): the kernel then reads the columns in place.
    # Same per-user result as the sorting path, including the breakdown read on input rows.
    events = make_sample(300, seed=3).events
    assert prep.by_user_time(events) is events
    shuffled = events.sample(frac=1, random_state=5)
    steps = ["visit", ["view", "add_to_cart"], "purchase"]
    options = {"window": pd.Timedelta(hours=2), "order": order, "by": "channel"}
    in_place = user_depths(events, steps, **options).sort_values("user_id", ignore_index=True)
    sorted_here = user_depths(shuffled, steps, **options).sort_values("user_id", ignore_index=True)
    assert len(in_place) > 100 and in_place["depth"].nunique() >= 2
    assert_frame_equal(in_place, sorted_here)


def test_funnel_does_not_mutate_its_input():
    events = _events(MAIN).sample(frac=1, random_state=1)
    before = events.copy()
    funnel(events, MAIN_STEPS, by="event_name")
    assert_frame_equal(events, before)


def test_funnel_window_is_measured_from_first_step():
    # u1: cart 4 days after the view, buy 8 days after it (only 4 days after the cart): the buy is
    # outside the 7-day window from step 1, so u1 stops at step 2.
    # u2: cart exactly 7 days after the view: the window is inclusive, step 2 reached.
    events = _events([
        (1, "2024-01-01", "view"), (1, "2024-01-05", "cart"), (1, "2024-01-09", "buy"),
        (2, "2024-01-01", "view"), (2, "2024-01-08", "cart"),
    ])
    depths = user_depths(events, MAIN_STEPS)
    assert depths["depth"].tolist() == [2, 2]
    assert funnel(events, MAIN_STEPS)["users"].tolist() == [2, 2, 0]
    # With no limit u1 completes; with a zero window only same-instant steps count.
    assert funnel(events, MAIN_STEPS, window=None)["users"].tolist() == [2, 2, 1]
    assert funnel(events, MAIN_STEPS, window=pd.Timedelta(0))["users"].tolist() == [2, 0, 0]
    # A window given as a string, a datetime.timedelta or a numpy timedelta64 works too: 3 days keeps
    # neither cart.
    for window in ("3D", dt.timedelta(days=3), np.timedelta64(3, "D")):
        assert funnel(events, MAIN_STEPS, window=window)["users"].tolist() == [2, 0, 0]


def test_later_step1_event_starts_a_new_attempt_that_can_still_convert():
    # The first view (Jan 1) is 11 days before the cart: out of window. The second view (Jan 10)
    # starts a new attempt that reaches the cart 2 days later; the user counts at step 2 and the
    # counted attempt is the second one (entered Jan 10, time to cart 2 days).
    events = _events([(1, "2024-01-01", "view"), (1, "2024-01-10", "view"), (1, "2024-01-12", "cart")])
    expected = pd.DataFrame({
        "user_id": [1], "depth": [2],
        "entered_at": _ts(["2024-01-10"]), "step_1_ts": _ts(["2024-01-10"]), "step_2_ts": _ts(["2024-01-12"]),
    })
    assert_frame_equal(user_depths(events, ["view", "cart"]), expected)
    assert funnel(events, ["view", "cart"])["median_time_from_previous"].tolist() == [pd.NaT, 2 * DAY]


def test_the_earliest_attempt_reaching_the_deepest_step_is_counted():
    # Both views (Jan 1, Jan 2) reach the cart on Jan 3: the earliest attempt counts (2 days to cart).
    events = _events([(1, "2024-01-01", "view"), (1, "2024-01-02", "view"), (1, "2024-01-03", "cart")])
    assert step_times(events, ["view", "cart"], 1, 2).tolist() == [2 * DAY]
    assert user_depths(events, ["view", "cart"])["entered_at"].tolist() == [pd.Timestamp("2024-01-01")]


def test_events_at_the_same_time_count_as_in_order_but_strict_uses_input_order():
    # The cart is listed before the view but has the same timestamp: sequential counts view -> cart.
    # Strict orders ties by input row, so the cart comes first and does not follow the view.
    events = _events([(1, "2024-01-01 10:00", "cart"), (1, "2024-01-01 10:00", "view")])
    assert funnel(events, ["view", "cart"])["users"].tolist() == [1, 1]
    assert funnel(events, ["view", "cart"])["median_time_from_previous"].tolist() == [pd.NaT, pd.Timedelta(0)]
    assert funnel(events, ["view", "cart"], order="strict")["users"].tolist() == [1, 0]


def test_one_event_never_serves_two_steps():
    # view -> view: u1 has one view (depth 1); u2 has two views at the same instant (depth 2).
    events = _events([(1, "2024-01-01", "view"), (2, "2024-01-01", "view"), (2, "2024-01-01", "view")])
    for order in ("sequential", "strict", "any_order"):
        assert funnel(events, ["view", "view"], order=order)["users"].tolist() == [2, 1], order


def test_strict_sequential_and_any_order_on_the_same_log():
    # u1: view, search, cart -> sequential 2, strict 1 (a search in between), any order 2.
    # u2: cart then view     -> sequential 1, strict 1, any order 2 (order ignored).
    # u3: view, cart         -> 2 everywhere, even though u1's search happens between them in time.
    events = _events([
        (1, "2024-01-01 00:00", "view"), (3, "2024-01-01 00:30", "view"), (1, "2024-01-01 01:00", "search"),
        (3, "2024-01-01 01:30", "cart"), (1, "2024-01-01 02:00", "cart"),
        (2, "2024-01-01 00:00", "cart"), (2, "2024-01-01 01:00", "view"),
    ])
    steps = ["view", "cart"]
    # Times view -> cart: u1 2 h, u3 1 h (median 1.5 h). In any order u2 has done both at 01:00, when
    # it viewed: 0 from its step 1 (01:00) -> median of {2 h, 1 h, 0} = 1 h.
    assert_frame_equal(funnel(events, steps),
                       _expected(["view", "cart"], [3, 2], [1, 2 / 3], [1, 2 / 3], [0, 1], [None, "90min"]))
    assert_frame_equal(funnel(events, steps, order="strict"),
                       _expected(["view", "cart"], [3, 1], [1, 1 / 3], [1, 1 / 3], [0, 2], [None, "1h"]))
    assert_frame_equal(funnel(events, steps, order="any_order"),
                       _expected(["view", "cart"], [3, 3], [1, 1], [1, 1], [0, 0], [None, "1h"]))


def test_any_order_needs_steps_1_to_k_within_one_window():
    # u1: cart Jan 1, view Jan 6, buy Jan 10. View + cart fit in 5 days; all three span 9 days > 7.
    # u2: view and buy but no cart: the buy does not count without step 2.
    events = _events([
        (1, "2024-01-01", "cart"), (1, "2024-01-06", "view"), (1, "2024-01-10", "buy"),
        (2, "2024-01-01", "view"), (2, "2024-01-02", "buy"),
    ])
    assert funnel(events, MAIN_STEPS, order="any_order")["users"].tolist() == [2, 1, 0]
    assert funnel(events, MAIN_STEPS, order="any_order", window=None)["users"].tolist() == [2, 1, 1]
    # u1's attempt starts with the cart (Jan 1); step 1 (view) is done Jan 6 and step 2 then too.
    depths = user_depths(events, MAIN_STEPS, order="any_order").set_index("user_id")
    assert depths.loc[1, "entered_at"] == pd.Timestamp("2024-01-01")
    assert depths.loc[1, "step_1_ts"] == depths.loc[1, "step_2_ts"] == pd.Timestamp("2024-01-06")


def test_or_steps_accept_any_of_their_names_and_are_labelled_with_a_pipe():
    # u1: search -> cart -> buy_app; u2: view -> cart -> buy; u3: view only. Steps 3, 2, 2.
    events = _events([
        (1, "2024-01-01 00:00", "search"), (1, "2024-01-01 01:00", "cart"),
        (1, "2024-01-01 02:00", "buy_app"),
        (2, "2024-01-01 00:00", "view"), (2, "2024-01-01 03:00", "cart"), (2, "2024-01-01 04:00", "buy"),
        (3, "2024-01-01 00:00", "view"),
    ])
    steps = [["view", "search"], "cart", ("buy", "buy_app")]
    # Gaps to cart: 1 h, 3 h -> 2 h; to buy: 1 h, 1 h -> 1 h.
    assert_frame_equal(funnel(events, steps),
                       _expected(["view | search", "cart", "buy | buy_app"], [3, 2, 2], [1, 2 / 3, 2 / 3],
                                 [1, 2 / 3, 1], [0, 1, 0], [None, "2h", "1h"]))


def test_users_who_repeat_events_or_steps():
    # u1 views three times and carts twice: counted once per step.
    # With the step list view -> view -> buy: u2 (one view, a buy) stops at step 1; u3 (two views, a
    # buy) completes; u1 (three views, no buy) reaches step 2.
    events = _events([
        (1, "2024-01-01 00:00", "view"), (1, "2024-01-01 01:00", "view"), (1, "2024-01-01 02:00", "view"),
        (1, "2024-01-01 03:00", "cart"), (1, "2024-01-01 04:00", "cart"),
        (2, "2024-01-01 00:00", "view"), (2, "2024-01-01 01:00", "buy"),
        (3, "2024-01-01 00:00", "view"), (3, "2024-01-01 05:00", "view"), (3, "2024-01-01 06:00", "buy"),
    ])
    assert funnel(events, ["view", "cart"])["users"].tolist() == [3, 1]
    assert funnel(events, ["view", "view", "buy"])["users"].tolist() == [3, 2, 1]
    # An event name in two OR-steps: u2's view serves step 1, its buy step 2.
    assert funnel(events, [["view", "buy"], "buy"])["users"].tolist() == [3, 2]


def test_users_with_only_later_steps_are_not_in_the_funnel():
    depths = user_depths(_events(MAIN), MAIN_STEPS)
    assert depths["user_id"].tolist() == [1, 2, 3, 4]  # u5 (cart and buy, no view) is absent
    assert depths["depth"].tolist() == [3, 2, 1, 3]


def test_user_depths_frame_with_tz_aware_times_in_local_wall_clock():
    # +08:00 times keep their local clock time: the view at 00:30+08:00 is 00:30 (not 16:30 the day before).
    events = pd.DataFrame({
        "user_id": ["b", "a", "b"],
        "event_ts": pd.to_datetime(["2024-03-01 00:30+08:00", "2024-03-01 09:00+08:00",
                                    "2024-03-01 02:00+08:00"]),
        "event_name": ["view", "view", "cart"],
    })
    expected = pd.DataFrame({
        "user_id": ["b", "a"], "depth": [2, 1],
        "entered_at": _ts(["2024-03-01 00:30", "2024-03-01 09:00"]),
        "step_1_ts": _ts(["2024-03-01 00:30", "2024-03-01 09:00"]),
        "step_2_ts": _ts(["2024-03-01 02:00", None]),
    })
    assert_frame_equal(user_depths(events, ["view", "cart"]), expected)


def test_breakdown_by_column_reads_the_step1_event_of_the_counted_attempt():
    # u1 views from ads (Jan 1, out of window for its cart) and again from seo (Jan 10), carts Jan 12:
    # the counted attempt is the seo one. u2: ads view only. u3: seo view then cart. The cart's own
    # channel (ads for u3) is ignored.
    events = _events([
        (1, "2024-01-01", "view"), (1, "2024-01-10", "view"), (1, "2024-01-12", "cart"),
        (2, "2024-01-02", "view"),
        (3, "2024-01-03", "view"), (3, "2024-01-04", "cart"),
    ], channel=["ads", "seo", "ads", "ads", "seo", "ads"])
    # ads: step 1 one user (u2), nobody carts. seo: u1 and u3 both cart, gaps 2 days and 1 day.
    expected = _expected(["view", "cart", "view", "cart"], [1, 0, 2, 2], [1, 0, 1, 1], [1, 0, 1, 1],
                         [0, 1, 0, 0], [None, None, None, "36h"], channel=["ads", "ads", "seo", "seo"])
    assert_frame_equal(funnel(events, ["view", "cart"], by="channel"), expected)
    # A categorical column keeps its category order (seo first) and dtype; a missing value is its own
    # group, listed last.
    cats = events.assign(channel=pd.Categorical(["ads", "seo", "ads", None, "seo", "ads"],
                                                categories=["seo", "ads"]))
    out = funnel(cats, ["view", "cart"], by="channel")
    assert out["channel"].dtype == "category"
    assert out["channel"].astype(object).tolist()[::2] == ["seo", np.nan]
    assert out["users"].tolist() == [2, 2, 1, 0]


def test_breakdown_by_a_series_of_user_segments():
    # Segments from an RFM table: u1 and u2 Champions, u3 At Risk, u4 missing (its own group, last).
    segments = pd.Series({1: "Champions", 2: "Champions", 3: "At Risk"}, name="segment")
    # At Risk: u3 views only. Champions: u1 (depth 3, gaps 1 h, 2 h), u2 (depth 2, gap 1 day).
    # Missing: u4 (depth 3, gaps 30 min, 4 h).
    expected = _expected(
        ["view", "cart", "buy"] * 3, [1, 0, 0, 2, 2, 1, 1, 1, 1],
        [1, 0, 0, 1, 1, 0.5, 1, 1, 1], [1, 0, np.nan, 1, 1, 0.5, 1, 1, 1], [0, 1, 0, 0, 0, 1, 0, 0, 0],
        [None, None, None, None, "12h30min", "2h", None, "30min", "4h"],
        segment=["At Risk"] * 3 + ["Champions"] * 3 + [np.nan] * 3,
    )
    # Median of 1 h and 1 day = 12 h 30 min.
    assert_frame_equal(funnel(_events(MAIN), MAIN_STEPS, by=segments), expected)
    # A plain mapping works too (its column is called "group").
    by_dict = funnel(_events(MAIN), MAIN_STEPS, by={1: "Champions", 2: "Champions", 3: "At Risk"})
    assert_frame_equal(by_dict, expected.rename(columns={"segment": "group"}))


def test_empty_events_or_nobody_at_step_one_give_zeros():
    zeros = _expected(["view", "cart"], [0, 0], [np.nan, np.nan], [np.nan, np.nan], [0, 0], [None, None])
    empty = _events(MAIN).iloc[:0]
    assert_frame_equal(funnel(empty, ["view", "cart"]), zeros)
    # A categorical name column knows "view" even when a date filter left no view rows: zeros too.
    no_views = _events(MAIN).assign(event_name=lambda f: f["event_name"].astype("category"))
    no_views = no_views[no_views["event_name"] != "view"]
    assert_frame_equal(funnel(no_views, ["view", "cart"]), zeros)
    # With a breakdown there is no group: an empty frame with the same columns.
    by_channel = funnel(empty.assign(channel="ads"), ["view", "cart"], by="channel")
    assert by_channel.columns.tolist() == ["channel", *zeros.columns] and by_channel.empty
    assert user_depths(empty, ["view", "cart"]).empty
    assert dropped_users(empty, ["view", "cart"], 1).empty
    trend = conversion_trend(empty, ["view", "cart"])
    assert trend.columns.tolist() == ["period", "entered", "converted", "rate"] and trend.empty


def test_dropped_users_reached_a_step_but_not_the_next():
    events = _events(MAIN).assign(user_id=lambda f: "u" + f["user_id"].astype(str))
    assert_series_equal(dropped_users(events, MAIN_STEPS, 1), pd.Series(["u3"], name="user_id"))
    assert_series_equal(dropped_users(events, MAIN_STEPS, 2), pd.Series(["u2"], name="user_id"))


def test_step_times_per_converting_user():
    # view -> buy: u1 3 h, u4 4 h 30 min; cart -> buy: u1 2 h, u4 4 h.
    expected = pd.Series(_td(["3h", "270min"]).to_numpy(), index=pd.Index([1, 4], name="user_id"),
                         name="step_1_to_3")
    assert_series_equal(step_times(_events(MAIN), MAIN_STEPS, 1, 3), expected)
    assert step_times(_events(MAIN), MAIN_STEPS, 2, 3).tolist() == [pd.Timedelta("2h"), pd.Timedelta("4h")]


def test_conversion_trend_by_entry_week_starting_monday():
    # Week of Mon Jan 1: u1 views Jan 1 and buys Jan 2; u2 views Sun Jan 7 (same week), never buys.
    # Week of Jan 8: nobody enters (rate NaN). Week of Jan 15: u3 views and buys. u4 viewed Jan 2
    # (no buy within 7 days) and again Jan 16, buying Jan 17: its counted attempt starts Jan 16.
    events = _events([
        (1, "2024-01-01", "view"), (1, "2024-01-02", "buy"),
        (2, "2024-01-07 23:00", "view"),
        (3, "2024-01-15", "view"), (3, "2024-01-15 01:00", "buy"),
        (4, "2024-01-02", "view"), (4, "2024-01-16", "view"), (4, "2024-01-17", "buy"),
    ])
    expected = pd.DataFrame({
        "period": _ts(["2024-01-01", "2024-01-08", "2024-01-15"]),
        "entered": np.array([2, 0, 2], dtype=np.int64),
        "converted": np.array([1, 0, 2], dtype=np.int64),
        "rate": [0.5, np.nan, 1.0],
    })
    assert_frame_equal(conversion_trend(events, ["view", "buy"]), expected)
    monthly = conversion_trend(events, ["view", "buy"], freq="M")
    assert monthly["period"].tolist() == [pd.Timestamp("2024-01-01")]
    assert monthly[["entered", "converted"]].to_numpy().tolist() == [[4, 3]]
    daily = conversion_trend(events, ["view", "buy"], freq="D")
    assert len(daily) == 16 and daily["entered"].sum() == 4  # Jan 1 .. Jan 16, every day listed


# ------------------------------------------------------------------------------------------ views


def test_views_of_one_user_depths_frame_match_the_funnel_of_the_main_log():
    # One kernel run, every view from it. The MAIN log (see above): users per step 4, 3, 2; u3 stops
    # after the view, u2 after the cart; view -> buy takes u1 3 h and u4 4 h 30 min.
    events = _events(MAIN).assign(user_id=lambda f: "u" + f["user_id"].astype(str))
    depths = user_depths(events, MAIN_STEPS)
    assert_frame_equal(summarize(depths, MAIN_STEPS), MAIN_FUNNEL)
    assert_series_equal(dropped_from(depths, 1), pd.Series(["u3"], name="user_id"))
    assert_series_equal(dropped_from(depths, 2), pd.Series(["u2"], name="user_id"))
    expected_times = pd.Series(_td(["3h", "270min"]).to_numpy(), index=pd.Index(["u1", "u4"], name="user_id"),
                               name="step_1_to_3")
    assert_series_equal(times_from(depths, 1, 3), expected_times)
    # Entry days: u1, u2 and u3 on Jan 1 (u1 converts), u4 on Jan 2 (converts).
    expected_trend = pd.DataFrame({
        "period": _ts(["2024-01-01", "2024-01-02"]),
        "entered": np.array([3, 1], dtype=np.int64),
        "converted": np.array([1, 1], dtype=np.int64),
        "rate": [1 / 3, 1.0],
    })
    assert_frame_equal(trend_from(depths, freq="D"), expected_trend)


def test_summarize_reads_the_breakdown_column_and_ignores_it_when_not_asked():
    # Segments of the MAIN users: u1, u2 Champions, u3 At Risk, u4 missing (see the by-Series test):
    # At Risk 1, 0, 0; Champions 2, 2, 1 (median view -> cart of 1 h and 1 day = 12 h 30 min); missing
    # 1, 1, 1 (30 min, 4 h).
    segments = pd.Series({1: "Champions", 2: "Champions", 3: "At Risk"}, name="segment")
    depths = user_depths(_events(MAIN), MAIN_STEPS, by=segments)
    expected = _expected(
        ["view", "cart", "buy"] * 3, [1, 0, 0, 2, 2, 1, 1, 1, 1],
        [1, 0, 0, 1, 1, 0.5, 1, 1, 1], [1, 0, np.nan, 1, 1, 0.5, 1, 1, 1], [0, 1, 0, 0, 0, 1, 0, 0, 0],
        [None, None, None, None, "12h30min", "2h", None, "30min", "4h"],
        segment=["At Risk"] * 3 + ["Champions"] * 3 + [np.nan] * 3,
    )
    assert_frame_equal(summarize(depths, MAIN_STEPS, by="segment"), expected)
    assert_frame_equal(summarize(depths, MAIN_STEPS), MAIN_FUNNEL)  # the same frame gives the total


def test_views_do_not_mutate_the_depths_frame_and_accept_any_row_order():
    depths = user_depths(_events(MAIN), MAIN_STEPS)
    shuffled = depths.sample(frac=1, random_state=2)
    before = shuffled.copy()
    assert_frame_equal(summarize(shuffled, MAIN_STEPS), MAIN_FUNNEL)
    # Sorted output whatever the row order: step 1 -> 2 times of u1 (1 h), u2 (1 day), u4 (30 min).
    assert times_from(shuffled, 1, 2).index.tolist() == [1, 2, 4]
    assert times_from(shuffled, 1, 2).tolist() == [pd.Timedelta("1h"), DAY, pd.Timedelta("30min")]
    assert dropped_from(shuffled, 1).tolist() == [3]
    trend_from(shuffled)
    assert_frame_equal(shuffled, before)


def test_views_of_an_empty_depths_frame():
    depths = user_depths(_events(MAIN).iloc[:0], ["view", "cart"])
    zeros = _expected(["view", "cart"], [0, 0], [np.nan, np.nan], [np.nan, np.nan], [0, 0], [None, None])
    assert_frame_equal(summarize(depths, ["view", "cart"]), zeros)
    assert dropped_from(depths, 1).empty and times_from(depths, 1, 2).empty
    assert trend_from(depths).columns.tolist() == ["period", "entered", "converted", "rate"]
    assert trend_from(depths).empty


@pytest.mark.parametrize("call, match", [
    (lambda d: summarize(d, ["view", "cart"]),
     r"The 'steps' parameter of summarize lists 2 steps, but the user_depths frame has 3 \(step_1_ts \.\. "
     r"step_3_ts\)\. Pass the steps given to user_depths"),
    (lambda d: summarize(d, ["view"]), r"'steps' parameter of summarize needs 2 to 10 steps"),
    (lambda d: summarize(d, MAIN_STEPS, by="channel"),
     r"The 'by' parameter of summarize must name the breakdown column of the user_depths frame .* "
     r"Got 'channel'; columns: user_id, depth, entered_at, step_1_ts"),
    (lambda d: summarize(d, MAIN_STEPS, by="depth"), r"'by' parameter of summarize .* Got 'depth'"),
    (lambda d: summarize(d.drop(columns="entered_at"), MAIN_STEPS),
     r"summarize needs the frame returned by user_depths \(columns depth, entered_at, step_1_ts \.\. "
     r"step_<n>_ts\)\. Got user_id, depth, step_1_ts, step_2_ts, step_3_ts instead\. Call user_depths"),
    (lambda d: summarize(d["depth"], MAIN_STEPS), r"summarize needs the frame returned by user_depths .* "
                                                   r"Got Series instead"),
    (lambda d: dropped_from(d, 3), r"'after_step' parameter of dropped_from must be a step number from 1 "
                                   r"to 2\. Got 3 instead"),
    (lambda d: dropped_from(d, 1, user_col="customer_id"),
     r"dropped_from needs the frame returned by user_depths \(columns customer_id, depth, entered_at"),
    (lambda d: times_from(d, 2, 2), r"'to_step' parameter of times_from must be a step number from 3 to 3\. "
                                    r"Got 2 instead"),
    (lambda d: times_from(d, 0, 2), r"'from_step' parameter of times_from .* Got 0 instead"),
    (lambda d: trend_from(d, freq="Q"), r"'freq' parameter of trend_from must be one of 'D', 'W', 'M'\. "
                                        r"Got 'Q' instead"),
    (lambda d: trend_from(d[["depth", "entered_at", "step_1_ts"]]),
     r"trend_from needs the frame returned by user_depths"),
])
def test_views_reject_what_is_not_a_matching_user_depths_frame(call, match):
    with pytest.raises(AnalyticsInputError, match=match):
        call(user_depths(_events(MAIN), MAIN_STEPS))


# ------------------------------------------------------------------------------------------ errors


@pytest.mark.parametrize("steps, match", [
    (["view"], r"'steps' parameter of funnel needs 2 to 10 steps\. Got 1 instead"),
    (["view"] * 11, r"needs 2 to 10 steps\. Got 11 instead"),
    ("view", r"'steps' parameter of funnel must be a list of event names"),
    (["view", []], r"Step 2 of funnel must be an event name or a non-empty list"),
    (["view", None], r"Step 2 of funnel must be an event name"),
    (["view", "crat"], r"step 2 names the event 'crat', which never occurs in the column 'event_name'\. "
                       r"Names present: buy, cart, view\. Check the spelling"),
    (["view", ["cart", "bye"]], r"step 2 names the event 'bye'"),
])
def test_bad_steps_raise(steps, match):
    with pytest.raises(AnalyticsInputError, match=match):
        funnel(_events(MAIN), steps)


def test_unknown_step_name_message_truncates_a_long_list_of_names():
    events = _events([(1, "2024-01-01", f"event_{i:02d}") for i in range(25)])
    with pytest.raises(AnalyticsInputError, match=r"Names present: event_00, .*, event_19 \(and 5 more\)"):
        funnel(events, ["event_00", "nope"])


@pytest.mark.parametrize("options, match", [
    ({"order": "random"}, r"'order' parameter of funnel must be one of 'sequential', 'strict', "
                          r"'any_order'\. Got 'random' instead"),
    ({"window": pd.Timedelta(days=-1)}, r"'window' parameter of funnel must be a non-negative duration"),
    ({"window": 7}, r"'window' parameter of funnel must be a non-negative duration .* Got 7 instead"),
    ({"window": "soon"}, r"'window' parameter of funnel .* Got 'soon' instead"),
    ({"by": "chanel"}, r"'by' parameter of funnel names the column 'chanel', which events lacks\. "
                       r"Columns: user_id, event_ts, event_name"),
    ({"by": ["channel"]}, r"'by' parameter of funnel must be a column name of events or a Series"),
    ({"by": pd.Series(["a", "b"], index=[1, 1])}, r"'by' Series of funnel must have one value per user id"),
    ({"by": pd.Series(["a"], index=["u1"])},
     r"funnel: none of the 4 user id\(s\) that entered the funnel is in the index of the 'by' Series "
     r"\(ids like 1; index like 'u1'\)"),
    ({"by": pd.Series(["a"], index=[1], name="users")},
     r"'by' column of funnel is called 'users', which clashes"),
    ({"user_col": "customer_id"}, r"funnel needs the column\(s\) customer_id"),
])
def test_bad_options_raise(options, match):
    with pytest.raises(AnalyticsInputError, match=match):
        funnel(_events(MAIN), MAIN_STEPS, **options)


def test_bad_step_numbers_and_freq_raise():
    events = _events(MAIN)
    with pytest.raises(AnalyticsInputError, match=r"'after_step' parameter of dropped_users must be a step "
                                                   r"number from 1 to 2\. Got 3 instead"):
        dropped_users(events, MAIN_STEPS, 3)
    with pytest.raises(AnalyticsInputError, match=r"'to_step' parameter of step_times must be a step number "
                                                   r"from 3 to 3\. Got 2 instead"):
        step_times(events, MAIN_STEPS, 2, 2)
    with pytest.raises(AnalyticsInputError, match=r"'from_step' parameter of step_times .* Got 0 instead"):
        step_times(events, MAIN_STEPS, 0, 2)
    with pytest.raises(AnalyticsInputError, match=r"'freq' parameter of conversion_trend must be one of 'D', "
                                                   r"'W', 'M'\. Got 'Q' instead"):
        conversion_trend(events, MAIN_STEPS, freq="Q")
