"""Retention cohorts, matrix, average curve, repeat rate and activity retention on hand-built tables
(expected values worked out by hand in the comments)."""

import re

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics import AnalyticsInputError, cohort
from analytics.cohort import (activity_retention, average_curve, average_revenue_curve,
                              below_target, cohorts_since, repeat_rate, retention,
                              retention_matrix)

# a: Jan 5 10, Feb 3 5, Mar 1 1          -> cohort Jan, orders in Jan, Feb, Mar
# b: Jan 20 20, Feb 15 refund -3         -> cohort Jan, the refund never makes b active
# c: Feb 10 7                            -> cohort Feb
# d: Jan 10 4, Mar 15 6                  -> cohort Jan, skips Feb
# z: Feb 20 refund -50 only              -> no cohort (refunds are not orders)
# latest order: Mar 15 (the default asof), so March is only half observed.
ORDERS = pd.DataFrame({
    "customer_id": ["a", "a", "a", "b", "b", "c", "d", "d", "z"],
    "order_ts": pd.to_datetime([
        "2024-01-05 10:00", "2024-02-03 09:00", "2024-03-01 12:00", "2024-01-20 18:30",
        "2024-02-15 11:00", "2024-02-10 08:00", "2024-01-10 14:00", "2024-03-15 16:00",
        "2024-02-20 10:00",
    ]),
    "amount": [10.0, 5.0, 1.0, 20.0, -3.0, 7.0, 4.0, 6.0, -50.0],
    "channel": ["ads", "email", "email", "email", "email", "email", "ads", "email", "ads"],
})
JAN, FEB = pd.Timestamp("2024-01-01"), pd.Timestamp("2024-02-01")


def _long(rows, **extra):
    """Expected long frame from (cohort, offset, size, active) tuples; rate = active / size."""
    cohort, offset, size, active = zip(*rows)
    frame = pd.DataFrame({
        "cohort": pd.to_datetime(list(cohort)).astype("datetime64[ns]"),
        "offset": np.array(offset, dtype=np.int64),
        "size": np.array(size, dtype=np.int64),
        "active": np.array(active, dtype=np.float64),
    })
    frame["rate"] = frame["active"] / frame["size"]
    for name, values in extra.items():
        frame[name] = np.array(values, dtype=np.float64)
    return frame


def test_monthly_retention_hides_the_partial_last_month_and_ignores_refunds():
    # Jan cohort {a, b, d}: Feb only a (b's refund is not an order) -> 1/3; March is partial -> NaN.
    # Feb cohort {c}: March partial -> NaN. Offsets beyond March are absent. z has no cohort.
    expected = _long([(JAN, 0, 3, 3), (JAN, 1, 3, 1), (JAN, 2, 3, np.nan),
                      (FEB, 0, 1, 1), (FEB, 1, 1, np.nan)])
    assert_frame_equal(retention(ORDERS), expected)


def test_asof_on_the_last_day_of_the_month_makes_that_month_observable():
    # March ended on Mar 31: Jan cohort active in March = {a, d} -> 2/3, Feb cohort {c} -> 0.
    expected = _long([(JAN, 0, 3, 3), (JAN, 1, 3, 1), (JAN, 2, 3, 2),
                      (FEB, 0, 1, 1), (FEB, 1, 1, 0)])
    assert_frame_equal(retention(ORDERS, asof="2024-03-31"), expected)
    assert_frame_equal(retention(ORDERS, asof=pd.Timestamp("2024-03-31 08:00")), expected)


def test_rows_after_asof_are_ignored():
    # asof Feb 29 (last day of Feb): March orders are ignored, so the last period is February.
    # Jan cohort {a, b, d}: Feb a -> 1/3. Feb cohort {c}: offset 0 only.
    expected = _long([(JAN, 0, 3, 3), (JAN, 1, 3, 1), (FEB, 0, 1, 1)])
    assert_frame_equal(retention(ORDERS, asof="2024-02-29"), expected)


def test_on_or_after_counts_a_later_order_even_when_a_period_is_skipped():
    # Jan cohort: offset 1 = order in Feb or later: a (Feb, Mar) and d (skips Feb, orders in Mar);
    # b's Feb refund does not count -> 2/3; offset 2 = order in Mar: a, d -> 2/3.
    # "on" would give 1/3 at offset 1 (only a orders in Feb), see the test above.
    expected = _long([(JAN, 0, 3, 3), (JAN, 1, 3, 2), (JAN, 2, 3, 2),
                      (FEB, 0, 1, 1), (FEB, 1, 1, 0)])
    assert_frame_equal(retention(ORDERS, mode="on_or_after", asof="2024-03-31"), expected)


def test_revenue_curve_is_cumulative_net_revenue_per_cohort_customer():
    # Jan cohort (3 customers): Jan 10+20+4 = 34; Feb +5 (a) -3 (b's refund) = 36; Mar +1+6 = 43.
    # Feb cohort (1): 7, March nothing -> 7. z's refund belongs to no cohort.
    expected = _long([(JAN, 0, 3, 3), (JAN, 1, 3, 1), (JAN, 2, 3, 2),
                      (FEB, 0, 1, 1), (FEB, 1, 1, 0)],
                     revenue_per_customer=[34 / 3, 12.0, 43 / 3, 7.0, 7.0])
    assert_frame_equal(retention(ORDERS, measure="revenue", asof="2024-03-31"), expected)


def test_revenue_and_orders_are_missing_in_cells_that_are_not_observable():
    # default asof Mar 15: the March cells are NaN for every measure; Jan and Feb as above.
    cells = [(JAN, 0, 3, 3), (JAN, 1, 3, 1), (JAN, 2, 3, np.nan), (FEB, 0, 1, 1), (FEB, 1, 1, np.nan)]
    expected = _long(cells, revenue_per_customer=[34 / 3, 12.0, np.nan, 7.0, np.nan])
    assert_frame_equal(retention(ORDERS, measure="revenue"), expected)
    expected = _long(cells, orders=[3, 1, np.nan, 1, np.nan])
    assert_frame_equal(retention(ORDERS, measure="orders"), expected)


def test_a_period_without_new_customers_has_no_cohort_row():
    # m: Jan 2 and Mar 3; n: Mar 4. Nobody is acquired in February and nobody orders then:
    # Jan cohort {m}: Feb 0, Mar 1; Mar cohort {n}; no Feb cohort row. asof Mar 31 ends March.
    orders = pd.DataFrame({"customer_id": ["m", "m", "n"],
                           "order_ts": pd.to_datetime(["2024-01-02", "2024-03-03", "2024-03-04"]),
                           "amount": [1.0, 1.0, 1.0]})
    mar = pd.Timestamp("2024-03-01")
    expected = _long([(JAN, 0, 1, 1), (JAN, 1, 1, 0), (JAN, 2, 1, 1), (mar, 0, 1, 1)])
    assert_frame_equal(retention(orders, asof="2024-03-31"), expected)


def test_refund_before_the_first_order_counts_in_offset_zero():
    # y: refund Jan 3 -2 (its order predates the data), first order Feb 5 10 -> Feb cohort,
    # revenue at offset 0 = 10 - 2 = 8.
    orders = pd.DataFrame({"customer_id": ["y", "y"],
                           "order_ts": pd.to_datetime(["2024-01-03", "2024-02-05"]),
                           "amount": [-2.0, 10.0]})
    expected = _long([(FEB, 0, 1, 1)], revenue_per_customer=[8.0])
    assert_frame_equal(retention(orders, measure="revenue"), expected)


def test_orders_measure_counts_orders_not_refunds_and_distinct_order_ids():
    # Jan cohort: Jan 3 orders (a, b, d); Feb 1 (a; b's refund is no order); Mar 2 (a, d).
    expected = _long([(JAN, 0, 3, 3), (JAN, 1, 3, 1), (JAN, 2, 3, 2),
                      (FEB, 0, 1, 1), (FEB, 1, 1, 0)],
                     orders=[3, 1, 2, 1, 0])
    assert_frame_equal(retention(ORDERS, measure="orders", asof="2024-03-31"), expected)
    # e: two line items of order o1 and a second order o2 in the same month -> 2 orders, 1 customer
    items = pd.DataFrame({"customer_id": ["e", "e", "e"], "order_id": ["o1", "o1", "o2"],
                          "order_ts": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-01-09"]),
                          "amount": [3.0, 4.0, 5.0]})
    expected = _long([(JAN, 0, 1, 1)], orders=[2])
    assert_frame_equal(retention(items, measure="orders"), expected)


def test_weekly_cohorts_start_on_monday():
    # 2024-01-01 is a Monday. e: Sun Jan 7 and Mon Jan 8 -> week of Jan 1, active in the next week.
    # f: Mon Jan 1 and Sun Jan 7 -> both in the week of Jan 1, so not active at offset 1.
    # g: Wed Jan 10 -> cohort week of Mon Jan 8. asof Sun Jan 14 ends that week.
    orders = pd.DataFrame({
        "customer_id": ["e", "e", "f", "f", "g"],
        "order_ts": pd.to_datetime(["2024-01-07 23:00", "2024-01-08 01:00", "2024-01-01 00:00",
                                    "2024-01-07 12:00", "2024-01-10 12:00"]),
        "amount": [1.0, 1.0, 1.0, 1.0, 1.0],
    })
    jan1, jan8 = "2024-01-01", "2024-01-08"
    expected = _long([(jan1, 0, 2, 2), (jan1, 1, 2, 1), (jan8, 0, 1, 1)])
    assert_frame_equal(retention(orders, period="W", asof="2024-01-14"), expected)
    # with the default asof (Wed Jan 10) the week of Jan 8 is partial
    expected = _long([(jan1, 0, 2, 2), (jan1, 1, 2, np.nan), (jan8, 0, 1, 1)])
    assert_frame_equal(retention(orders, period="W"), expected)


def test_daily_cohorts_use_calendar_days_and_count_a_customer_once_per_day():
    # h: Jan 1 23:59 and Jan 2 00:01 -> day cohort Jan 1, active at offset 1.
    # i: two orders on Jan 2 -> one customer in the Jan 2 cohort.
    # The asof day (Jan 2) is a whole day, so it is observable.
    orders = pd.DataFrame({
        "customer_id": ["h", "h", "i", "i"],
        "order_ts": pd.to_datetime(["2024-01-01 23:59", "2024-01-02 00:01", "2024-01-02 09:00",
                                    "2024-01-02 18:00"]),
        "amount": [1.0, 1.0, 1.0, 1.0],
    })
    expected = _long([("2024-01-01", 0, 1, 1), ("2024-01-01", 1, 1, 1), ("2024-01-02", 0, 1, 1)])
    assert_frame_equal(retention(orders, period="D"), expected)


def test_time_zone_aware_timestamps_keep_their_local_day():
    # j: Jan 31 23:30 and Feb 1 00:30 in Shanghai (both Jan 31 in UTC) -> cohort Jan, active in Feb.
    orders = pd.DataFrame({
        "customer_id": ["j", "j"],
        "order_ts": pd.to_datetime(["2024-01-31 23:30", "2024-02-01 00:30"]).tz_localize(
            "Asia/Shanghai"),
        "amount": [1.0, 1.0],
    })
    expected = _long([(JAN, 0, 1, 1), (JAN, 1, 1, 1)])
    assert_frame_equal(retention(orders, asof="2024-02-29"), expected)


@pytest.mark.parametrize("variant", [
    lambda o: o.sample(frac=1, random_state=7),
    lambda o: o.iloc[::-1],
    lambda o: o.assign(customer_id=o["customer_id"].map({"a": 3, "b": 1, "c": 7, "d": 2, "z": 9})),
    lambda o: o.assign(customer_id=pd.Categorical(o["customer_id"], categories=list("zyxdcba"))),
    lambda o: o.assign(order_ts=o["order_ts"].dt.strftime("%Y-%m-%d %H:%M:%S")),
    lambda o: o.assign(order_ts=o["order_ts"].astype("datetime64[us]")),
], ids=["shuffled", "reversed", "int ids", "categorical ids", "string times", "us times"])
def test_retention_is_invariant_to_row_order_and_dtypes(variant):
    expected = _long([(JAN, 0, 3, 3), (JAN, 1, 3, 2), (JAN, 2, 3, 2),
                      (FEB, 0, 1, 1), (FEB, 1, 1, 0)],
                     revenue_per_customer=[34 / 3, 12.0, 43 / 3, 7.0, 7.0])
    got = retention(variant(ORDERS), mode="on_or_after", measure="revenue", asof="2024-03-31")
    assert_frame_equal(got, expected)


def test_retention_does_not_mutate_its_input():
    before = ORDERS.copy()
    retention(ORDERS, by="channel", measure="revenue")
    assert_frame_equal(ORDERS, before)


def test_by_reads_the_value_on_the_first_order():
    # first orders: a ads (Jan 5), d ads (Jan 10), b email (Jan 20), c email (Feb 10).
    # ads: Jan cohort {a, d}: Feb a -> 1, Mar a, d -> 2; no Feb cohort (absent, not size 0).
    # email: Jan cohort {b}: 0, 0; Feb cohort {c}: 0.
    expected = _long([(JAN, 0, 2, 2), (JAN, 1, 2, 1), (JAN, 2, 2, 2),
                      (JAN, 0, 1, 1), (JAN, 1, 1, 0), (JAN, 2, 1, 0),
                      (FEB, 0, 1, 1), (FEB, 1, 1, 0)])
    expected.insert(0, "channel", ["ads"] * 3 + ["email"] * 5)
    assert_frame_equal(retention(ORDERS, by="channel", asof="2024-03-31"), expected)


def test_by_breaks_a_tie_at_the_first_time_by_the_first_value_in_sort_order():
    # k: two orders at the same first time, channels "web" and "app" -> "app"; the later "ads" order
    # does not matter.
    orders = pd.DataFrame({"customer_id": ["k", "k", "k"],
                           "order_ts": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-01-03"]),
                           "amount": [1.0, 1.0, 1.0], "channel": ["web", "app", "ads"]})
    expected = _long([(JAN, 0, 1, 1)])
    expected.insert(0, "channel", ["app"])
    assert_frame_equal(retention(orders, by="channel"), expected)
    assert_frame_equal(retention(orders.iloc[::-1], by="channel"), expected)


def test_max_offset_limits_the_offsets():
    expected = _long([(JAN, 0, 3, 3), (JAN, 1, 3, 1), (FEB, 0, 1, 1), (FEB, 1, 1, 0)])
    assert_frame_equal(retention(ORDERS, max_offset=1, asof="2024-03-31"), expected)
    expected = _long([(JAN, 0, 3, 3), (FEB, 0, 1, 1)], revenue_per_customer=[34 / 3, 7.0])
    assert_frame_equal(retention(ORDERS, max_offset=0, measure="revenue"), expected)


def test_one_customer_with_one_order():
    one = ORDERS.iloc[[0]]
    assert_frame_equal(retention(one), _long([(JAN, 0, 1, 1)]))


def test_retention_matrix_pivots_cohorts_by_offset_with_size_first():
    long = retention(ORDERS, measure="revenue", asof="2024-03-31")
    # rates: Jan 1, 1/3, 2/3; Feb 1, 0, and no March-plus-one period (NaN)
    expected = pd.DataFrame(
        [[3, 1.0, 1 / 3, 2 / 3], [1, 1.0, 0.0, np.nan]],
        index=pd.DatetimeIndex([JAN, FEB], name="cohort").astype("datetime64[ns]"),
        columns=pd.Index(["size", 0, 1, 2], dtype=object),
    )
    assert_frame_equal(retention_matrix(long), expected)
    revenue = retention_matrix(long, value="revenue_per_customer")
    assert revenue.loc[JAN].tolist() == [3, 34 / 3, 12.0, 43 / 3]


def test_retention_matrix_with_by_has_one_row_per_value_and_cohort():
    got = retention_matrix(retention(ORDERS, by="channel", asof="2024-03-31"), value="active")
    index = pd.MultiIndex.from_arrays(
        [["ads", "email", "email"], pd.DatetimeIndex([JAN, JAN, FEB]).astype("datetime64[ns]")],
        names=["channel", "cohort"])
    expected = pd.DataFrame([[2, 2.0, 1.0, 2.0], [1, 1.0, 0.0, 0.0], [1, 1.0, 0.0, np.nan]],
                            index=index, columns=pd.Index(["size", 0, 1, 2], dtype=object))
    assert_frame_equal(got, expected)


def test_average_curve_weights_cohorts_that_reached_each_offset():
    # asof Mar 31: offset 0: 4/4; offset 1: Jan 1 of 3 + Feb 0 of 1 -> 1/4; offset 2: Jan 2/3.
    got = average_curve(retention(ORDERS, asof="2024-03-31"))
    expected = pd.DataFrame({"offset": np.array([0, 1, 2], dtype=np.int64),
                             "customers": np.array([4, 4, 3], dtype=np.int64),
                             "active": np.array([4, 1, 2], dtype=np.int64),
                             "rate": [1.0, 0.25, 2 / 3]})
    assert_frame_equal(got, expected)


def test_average_curve_leaves_out_cells_that_are_not_observable():
    # default asof Mar 15: offset 1 only the Jan cohort (1 of 3); offset 2 nobody observable -> NaN.
    got = average_curve(retention(ORDERS))
    expected = pd.DataFrame({"offset": np.array([0, 1, 2], dtype=np.int64),
                             "customers": np.array([4, 3, 0], dtype=np.int64),
                             "active": np.array([4, 1, 0], dtype=np.int64),
                             "rate": [1.0, 1 / 3, np.nan]})
    assert_frame_equal(got, expected)


def test_average_curve_per_by_value():
    # ads: Jan {a, d} only: 2/2, 1/2, 2/2. email: offset 0 {b, c} 2/2; offset 1 b 0 + c 0 -> 0/2;
    # offset 2 b 0 -> 0/1.
    got = average_curve(retention(ORDERS, by="channel", asof="2024-03-31"))
    expected = pd.DataFrame({"channel": ["ads"] * 3 + ["email"] * 3,
                             "offset": np.array([0, 1, 2, 0, 1, 2], dtype=np.int64),
                             "customers": np.array([2, 2, 2, 2, 2, 1], dtype=np.int64),
                             "active": np.array([2, 1, 2, 2, 0, 0], dtype=np.int64),
                             "rate": [1.0, 0.5, 1.0, 1.0, 0.0, 0.0]})
    assert_frame_equal(got, expected)


def test_average_revenue_curve_weights_cohort_ltv_by_size():
    # asof Mar 31. Jan {a, b, d}: Jan 10 + 20 + 4 = 34, Feb +5 - 3 -> 36, Mar +1 + 6 -> 43.
    # Feb {c}: 7, Mar 0 -> 7. Offset 0: (34 + 7) / 4; offset 1: (36 + 7) / 4; offset 2: Jan 43 / 3.
    got = average_revenue_curve(retention(ORDERS, measure="revenue", asof="2024-03-31"))
    expected = pd.DataFrame({"offset": np.array([0, 1, 2], dtype=np.int64),
                             "customers": np.array([4, 4, 3], dtype=np.int64),
                             "revenue": [41.0, 43.0, 43.0],
                             "revenue_per_customer": [41 / 4, 43 / 4, 43 / 3]})
    assert_frame_equal(got, expected)


def test_average_revenue_curve_leaves_out_cells_that_are_not_observable():
    # default asof Mar 15: offset 1 only Jan (36 / 3); offset 2 nobody observable -> NaN.
    got = average_revenue_curve(retention(ORDERS, measure="revenue"))
    expected = pd.DataFrame({"offset": np.array([0, 1, 2], dtype=np.int64),
                             "customers": np.array([4, 3, 0], dtype=np.int64),
                             "revenue": [41.0, 36.0, 0.0],
                             "revenue_per_customer": [41 / 4, 12.0, np.nan]})
    assert_frame_equal(got, expected)


def test_average_revenue_curve_per_by_value():
    # ads Jan {a, d}: 14, 19, 26. email Jan {b}: 20, 17, 17 and Feb {c}: 7, 7 ->
    # offset 0 (20 + 7) / 2, offset 1 (17 + 7) / 2, offset 2 17 / 1.
    got = average_revenue_curve(retention(ORDERS, measure="revenue", by="channel",
                                          asof="2024-03-31"))
    expected = pd.DataFrame({"channel": ["ads"] * 3 + ["email"] * 3,
                             "offset": np.array([0, 1, 2, 0, 1, 2], dtype=np.int64),
                             "customers": np.array([2, 2, 2, 2, 2, 1], dtype=np.int64),
                             "revenue": [14.0, 19.0, 26.0, 27.0, 24.0, 17.0],
                             "revenue_per_customer": [7.0, 9.5, 13.0, 13.5, 12.0, 17.0]})
    assert_frame_equal(got, expected)


def test_cohorts_since_keeps_cohorts_starting_on_or_after_the_day():
    long = retention(ORDERS)
    feb = long.iloc[3:].reset_index(drop=True)
    # the Jan cohort starts Jan 1, before Jan 15 -> left out even though January overlaps
    for start in ("2024-01-15", pd.Timestamp("2024-02-01"), pd.Timestamp("2024-02-01").date(),
                  "2024-02-01 18:00"):
        assert_frame_equal(cohorts_since(long, start), feb)
    assert_frame_equal(cohorts_since(long, "2024-01-01"), long)
    assert_frame_equal(cohorts_since(long, "2024-02-02"), long.iloc[:0].reset_index(drop=True))


def test_cohorts_since_keeps_the_by_column():
    long = retention(ORDERS, by="channel", asof="2024-03-31")
    got = cohorts_since(long, "2024-02-01")
    assert got["channel"].tolist() == ["email", "email"]
    assert got["cohort"].tolist() == [FEB, FEB]


def test_below_target_flags_observable_cohorts_under_the_rate():
    # asof Mar 31, offset 1: Jan 1/3, Feb 0/1. Target 0.2: only Feb is below.
    long = retention(ORDERS, asof="2024-03-31")
    expected = pd.DataFrame({"cohort": pd.DatetimeIndex([JAN, FEB]).astype("datetime64[ns]"),
                             "size": np.array([3, 1], dtype=np.int64),
                             "rate": [1 / 3, 0.0], "below": [False, True]})
    assert_frame_equal(below_target(long, offset=1, rate=0.2), expected)
    # a rate equal to the target is not below it
    assert below_target(long, offset=1, rate=1 / 3)["below"].tolist() == [False, True]
    # offset 2: Jan 2/3; Feb has not reached it -> NaN, not flagged
    got = below_target(long, offset=2, rate=0.9)
    assert got["rate"].tolist()[0] == 2 / 3 and np.isnan(got["rate"].iloc[1])
    assert got["below"].tolist() == [True, False]


def test_below_target_does_not_flag_a_partial_period():
    # default asof Mar 15: Feb's offset 1 (March) is not observable yet -> not flagged.
    got = below_target(retention(ORDERS), offset=1, rate=0.5)
    assert got["below"].tolist() == [True, False]


def test_below_target_per_by_value():
    # offset 1, asof Mar 31: ads Jan {a, d} 1/2; email Jan {b} 0/1, email Feb {c} 0/1.
    got = below_target(retention(ORDERS, by="channel", asof="2024-03-31"), offset=1, rate=0.4)
    expected = pd.DataFrame({"channel": ["ads", "email", "email"],
                             "cohort": pd.DatetimeIndex([JAN, JAN, FEB]).astype("datetime64[ns]"),
                             "size": np.array([2, 1, 1], dtype=np.int64),
                             "rate": [0.5, 0.0, 0.0], "below": [False, True, True]})
    assert_frame_equal(got, expected)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"offset": -1, "rate": 0.1}, "The 'offset' parameter of below_target must be an integer >= 0. "
                                  "Got -1 instead."),
    ({"offset": 1.0, "rate": 0.1}, "The 'offset' parameter of below_target must be an integer >= 0. "
                                   "Got 1.0 instead."),
    ({"offset": 1, "rate": "15%"}, "The 'rate' parameter of below_target must be a finite number "
                                   "(a share such as 0.15). Got '15%' instead."),
    ({"offset": 1, "rate": float("nan")}, "The 'rate' parameter of below_target must be a finite "
                                          "number (a share such as 0.15). Got nan instead."),
])
def test_below_target_rejects_bad_options(kwargs, message):
    with pytest.raises(AnalyticsInputError, match=_message(message)):
        below_target(retention(ORDERS), **kwargs)


def test_helpers_reject_bad_input():
    long = retention(ORDERS)
    with pytest.raises(AnalyticsInputError, match=_message(
            "The 'start' parameter of cohorts_since must be a date or time. Got 'soon' instead.")):
        cohorts_since(long, "soon")
    with pytest.raises(AnalyticsInputError, match=_message(
            "cohorts_since needs the column(s) cohort.")):
        cohorts_since(long.drop(columns="cohort"), "2024-01-01")
    with pytest.raises(AnalyticsInputError, match=_message(
            "average_revenue_curve needs the column(s) revenue_per_customer.")):
        average_revenue_curve(long)
    with pytest.raises(AnalyticsInputError, match=_message(
            "below_target needs the column(s) rate.")):
        below_target(long.drop(columns="rate"), offset=1, rate=0.1)


# p: Jan 1, Jan 31 (30 days later); q: two orders on Jan 1; r: Jan 1, refund Jan 5, Apr 1 (91 days);
# s: Mar 1 only; t: May 20 only. asof Jun 1: Jan 1 is 152 days before, Mar 1 92, May 20 12.
REPEATS = pd.DataFrame({
    "customer_id": ["p", "p", "q", "q", "r", "r", "r", "s", "t"],
    "order_ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-31 09:00", "2024-01-01 08:00",
                                "2024-01-01 20:00", "2024-01-01 12:00", "2024-01-05 12:00",
                                "2024-04-01 12:00", "2024-03-01 12:00", "2024-05-20 12:00"]),
    "amount": [1.0, 1.0, 1.0, 1.0, 1.0, -1.0, 1.0, 1.0, 1.0],
})


def test_repeat_rate_counts_second_orders_within_the_window():
    # 30 days: eligible p, q, r, s (t only 12 days old); repeaters p (30 <= 30), q (same day) -> 2/4
    # 90 days: eligible p, q, r, s (92 >= 90); r's second order is 91 days later -> 2/4
    # 91 days: r now repeats -> 3/4; 180 days: nobody has been a customer that long -> 0/0 = NaN
    got = repeat_rate(REPEATS, days=(30, 90, 91, 180), asof="2024-06-01")
    expected = pd.DataFrame({"days": np.array([30, 90, 91, 180], dtype=np.int64),
                             "eligible": np.array([4, 4, 4, 0], dtype=np.int64),
                             "repeaters": np.array([2, 2, 3, 0], dtype=np.int64),
                             "rate": [0.5, 0.5, 0.75, np.nan]})
    assert_frame_equal(got, expected)
    assert_frame_equal(repeat_rate(REPEATS.sample(frac=1, random_state=1),
                                   days=(30, 90, 91, 180), asof="2024-06-01"), expected)


def test_repeat_rate_treats_rows_of_one_order_id_as_one_order_and_accepts_one_window():
    # q's two Jan 1 rows are line items of the same order -> q is no longer a repeater: 1/4.
    items = REPEATS.assign(order_id=["p1", "p2", "q1", "q1", "r1", "r1", "r2", "s1", "t1"])
    got = repeat_rate(items, days=30, asof="2024-06-01")
    expected = pd.DataFrame({"days": np.array([30], dtype=np.int64),
                             "eligible": np.array([4], dtype=np.int64),
                             "repeaters": np.array([1], dtype=np.int64), "rate": [0.25]})
    assert_frame_equal(got, expected)


def test_repeat_rate_start_keeps_customers_acquired_on_or_after_it():
    # start Jan 2: p, q, r first ordered on Jan 1 -> not new; s (Mar 1, 92 days before asof) is
    # eligible for 30 and 90 days and never reorders -> 0/1; t (12 days old) is not eligible.
    got = repeat_rate(REPEATS, days=(30, 90), asof="2024-06-01", start="2024-01-02")
    expected = pd.DataFrame({"days": np.array([30, 90], dtype=np.int64),
                             "eligible": np.array([1, 1], dtype=np.int64),
                             "repeaters": np.array([0, 0], dtype=np.int64), "rate": [0.0, 0.0]})
    assert_frame_equal(got, expected)
    # start Mar 1 still keeps s (first order on the start day); Mar 2 keeps only t -> 0/0 = NaN
    assert_frame_equal(repeat_rate(REPEATS, days=(30, 90), asof="2024-06-01", start="2024-03-01"),
                       expected)
    later = repeat_rate(REPEATS, days=[30], asof="2024-06-01", start="2024-03-02")
    assert later["eligible"].tolist() == [0] and np.isnan(later["rate"].iloc[0])
    # start on the first day keeps everyone: the same as no start
    assert_frame_equal(repeat_rate(REPEATS, asof="2024-06-01", start="2024-01-01"),
                       repeat_rate(REPEATS, asof="2024-06-01"))


def test_repeat_rate_rejects_a_bad_start():
    with pytest.raises(AnalyticsInputError, match=_message(
            "The 'start' parameter of repeat_rate must be a date or time. Got 'later' instead.")):
        repeat_rate(REPEATS, start="later")


def test_repeat_rate_default_asof_is_the_latest_order():
    # asof May 20: 30 days -> p, q, r, s eligible (s is 80 days old), t is 0 days old; 2/4 repeat.
    got = repeat_rate(REPEATS, days=[30])
    assert got[["eligible", "repeaters"]].iloc[0].tolist() == [4, 2]


# u1: Jan 3, Feb 10; u2: Jan 15; u3: Feb 20, Mar 31 (the latest event: March is observed);
# u4: Apr 2 only, ignored when asof is Mar 31.
EVENTS = pd.DataFrame({
    "user_id": ["u1", "u1", "u2", "u3", "u3", "u4"],
    "event_ts": pd.to_datetime(["2024-01-03 09:00", "2024-02-10 09:00", "2024-01-15 09:00",
                                "2024-02-20 09:00", "2024-03-31 22:00", "2024-04-02 09:00"]),
    "event_name": ["view", "view", "view", "view", "purchase", "view"],
})


def test_activity_retention_counts_any_event():
    # Jan cohort {u1, u2}: Feb u1 -> 1/2, Mar nobody -> 0. Feb cohort {u3}: Mar u3 -> 1.
    expected = _long([(JAN, 0, 2, 2), (JAN, 1, 2, 1), (JAN, 2, 2, 0),
                      (FEB, 0, 1, 1), (FEB, 1, 1, 1)])
    assert_frame_equal(activity_retention(EVENTS, asof="2024-03-31"), expected)
    # on_or_after: Jan offset 1 = u1 (Feb) -> 1/2; offset 2 nobody -> 0.
    assert_frame_equal(activity_retention(EVENTS, asof="2024-03-31", mode="on_or_after"), expected)


def test_activity_retention_default_asof_is_the_latest_event():
    # asof Apr 2: April is partial (NaN), u4 is the April cohort with only offset 0.
    got = activity_retention(EVENTS, period="M")
    apr = pd.Timestamp("2024-04-01")
    expected = _long([(JAN, 0, 2, 2), (JAN, 1, 2, 1), (JAN, 2, 2, 0), (JAN, 3, 2, np.nan),
                      (FEB, 0, 1, 1), (FEB, 1, 1, 1), (FEB, 2, 1, np.nan), (apr, 0, 1, 1)])
    assert_frame_equal(got, expected)


def _message(text):
    return re.escape(text)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"period": "Q"}, "The 'period' parameter of retention must be one of 'D', 'W', 'M'. "
                      "Got 'Q' instead."),
    ({"mode": "after"}, "The 'mode' parameter of retention must be one of 'on', 'on_or_after'. "
                        "Got 'after' instead."),
    ({"measure": "ltv"}, "The 'measure' parameter of retention must be one of 'customers', "
                         "'orders', 'revenue'. Got 'ltv' instead."),
    ({"max_offset": -1}, "The 'max_offset' parameter of retention must be an integer >= 0 or None. "
                         "Got -1 instead."),
    ({"max_offset": 2.5}, "The 'max_offset' parameter of retention must be an integer >= 0 or "
                          "None. Got 2.5 instead."),
    ({"asof": "soon"}, "The 'asof' parameter of retention must be a date or time. "
                       "Got 'soon' instead."),
    ({"asof": "2023-12-31"}, "retention: there are no orders (rows with amount >= 0) on or before "
                             "asof 2023-12-31. Choose a later asof"),
    ({"by": "region"}, "retention needs the column(s) region. Found: customer_id, order_ts, "
                       "amount, channel."),
])
def test_retention_rejects_bad_options(kwargs, message):
    with pytest.raises(AnalyticsInputError, match=_message(message)):
        retention(ORDERS, **kwargs)


def test_retention_rejects_empty_or_refund_only_orders_and_missing_by_values():
    with pytest.raises(AnalyticsInputError,
                       match=_message("retention: the orders table has no rows. Load a data set")):
        retention(ORDERS.iloc[:0])
    with pytest.raises(AnalyticsInputError, match=_message(
            "retention: there are no orders (rows with amount >= 0). Negative amounts are refunds")):
        retention(ORDERS[ORDERS["amount"] < 0])
    with pytest.raises(AnalyticsInputError, match=_message(
            "retention: the 'by' column 'channel' has 1 missing value(s). Fill them")):
        retention(ORDERS.assign(channel=["ads", None, *ORDERS["channel"][2:]]), by="channel")
    with pytest.raises(AnalyticsInputError, match=_message(
            "retention: the column 'customer_id' has 1 missing id(s)")):
        retention(ORDERS.assign(customer_id=[None, *ORDERS["customer_id"][1:]]))


def test_activity_retention_rejects_bad_options_and_empty_events():
    with pytest.raises(AnalyticsInputError, match=_message(
            "The 'period' parameter of activity_retention must be one of 'D', 'W', 'M'. "
            "Got 'Y' instead.")):
        activity_retention(EVENTS, period="Y")
    with pytest.raises(AnalyticsInputError, match=_message(
            "activity_retention: the events table has no rows.")):
        activity_retention(EVENTS.iloc[:0])
    with pytest.raises(AnalyticsInputError, match=_message(
            "activity_retention: there are no events on or before asof 2023-01-01.")):
        activity_retention(EVENTS, asof="2023-01-01")
    with pytest.raises(AnalyticsInputError, match=_message(
            "activity_retention needs the column(s) user_id, event_ts. Found: customer_id")):
        activity_retention(ORDERS)


def test_matrix_and_curve_reject_bad_input():
    long = retention(ORDERS)
    with pytest.raises(AnalyticsInputError, match=_message(
            "The 'value' parameter of retention_matrix must be one of 'rate', 'active'. "
            "Got 'orders' instead.")):
        retention_matrix(long, value="orders")
    with pytest.raises(AnalyticsInputError, match=_message(
            "average_curve needs the column(s) active.")):
        average_curve(long.drop(columns="active"))


@pytest.mark.parametrize("days", [0, [], [30, 0], "30", [True], 7.5])
def test_repeat_rate_rejects_bad_windows(days):
    with pytest.raises(AnalyticsInputError, match=_message(
            f"The 'days' parameter of repeat_rate must be a positive integer or a list of positive "
            f"integers. Got {days!r} instead.")):
        repeat_rate(REPEATS, days=days)


def test_repeat_rate_rejects_empty_orders():
    with pytest.raises(AnalyticsInputError,
                       match=_message("repeat_rate: the orders table has no rows.")):
        repeat_rate(REPEATS.iloc[:0])


def _reference(orders, period, mode, asof):
    """Straightforward pandas retention (shown, observable cells) to cross-check the numpy kernel:
    sorted (period number of the cohort, offset, size, active) tuples."""
    day = orders["order_ts"].dt.normalize()
    buys = orders.assign(day=day)[(orders["amount"] >= 0) & (day <= asof)]
    if period == "M":
        number = buys["day"].dt.year * 12 + buys["day"].dt.month
        asof_number = asof.year * 12 + asof.month
        ended = (asof + pd.Timedelta(days=1)).month != asof.month
    else:  # "W": Monday weeks counted from Monday 2024-01-01
        number = (buys["day"] - pd.Timestamp("2024-01-01")).dt.days // 7
        asof_number = (asof - pd.Timestamp("2024-01-01")).days // 7
        ended = asof.day_of_week == 6
    pairs = pd.DataFrame({"c": buys["customer_id"], "p": number}).drop_duplicates()
    pairs["cohort"] = pairs.groupby("c")["p"].transform("min")
    rows = []
    for cohort, members in pairs.groupby("cohort"):
        for k in range(asof_number - cohort + 1):
            if k > 0 and k == asof_number - cohort and not ended:
                continue  # the partial last period
            hit = members["p"] == cohort + k if mode == "on" else members["p"] >= cohort + k
            rows.append((cohort, k, members["c"].nunique(), members.loc[hit, "c"].nunique()))
    return sorted(rows)


@pytest.mark.parametrize("period", ["M", "W"])
@pytest.mark.parametrize("mode", ["on", "on_or_after"])
@pytest.mark.parametrize("asof", ["2024-06-15", "2024-06-30"])
def test_kernel_agrees_with_a_plain_pandas_reference(period, mode, asof):
    rng = np.random.default_rng(5)
    n = 300
    orders = pd.DataFrame({
        "customer_id": rng.integers(0, 40, n),
        "order_ts": pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 200 * 24, n), "h"),
        "amount": rng.choice([-5.0, 10.0, 20.0, 30.0], n),
    })
    got = retention(orders, period=period, mode=mode, asof=asof).dropna()
    cohort = got["cohort"]
    number = (cohort.dt.year * 12 + cohort.dt.month if period == "M"
              else (cohort - pd.Timestamp("2024-01-01")).dt.days // 7)
    shown = sorted(zip(number, got["offset"], got["size"], got["active"].astype(int)))
    assert shown == _reference(orders, period, mode, pd.Timestamp(asof))


def test_large_key_spaces_are_deduplicated_by_sorting_with_the_same_result(monkeypatch):
    # customer x period spaces above the bool-array limit are deduplicated with np.sort instead
    monkeypatch.setattr(cohort, "_MARK_LIMIT", 0)
    expected = _long([(JAN, 0, 3, 3), (JAN, 1, 3, 1), (JAN, 2, 3, 2),
                      (FEB, 0, 1, 1), (FEB, 1, 1, 0)])
    assert_frame_equal(retention(ORDERS.sample(frac=1, random_state=2), asof="2024-03-31"), expected)
