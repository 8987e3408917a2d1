"""Overview KPIs and monthly trend on a hand-built table (values worked out by hand in comments)."""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics import AnalyticsInputError, overview

# a: Jan 10 100, Feb 5 50, Feb 20 refund -20; b: Feb 10 30, Feb 11 70; c: Jan 31 40
ORDERS = pd.DataFrame({
    "customer_id": ["a", "a", "a", "b", "b", "c"],
    "order_ts": pd.to_datetime(["2024-01-10 09:00", "2024-02-05 10:00", "2024-02-20 11:00",
                                "2024-02-10 12:00", "2024-02-11 13:00", "2024-01-31 23:59"]),
    "amount": [100.0, 50.0, -20.0, 30.0, 70.0, 40.0],
})


def test_kpis_compare_with_previous_period_of_equal_length():
    # Feb 1..29 (29 days) vs Jan 3..31.
    # current: GMV 50-20+30+70=130, orders 3, customers {a,b}, new {b}, AOV 150/3=50, repeat b only: 1/2,
    #          ARPU 130/2=65
    # previous: a Jan 10 100 and c Jan 31 40: GMV 140, orders 2, customers 2, new 2, AOV 70, repeat 0, ARPU 70
    got = overview.kpis(ORDERS, start="2024-02-01", end="2024-02-29")
    expected = pd.DataFrame({
        "current": [130.0, 3.0, 2.0, 1.0, 50.0, 0.5, 65.0],
        "previous": [140.0, 2.0, 2.0, 2.0, 70.0, 0.0, 70.0],
        "change": [130 / 140 - 1, 0.5, 0.0, -0.5, 50 / 70 - 1, np.nan, 65 / 70 - 1],
    }, index=list(overview.KPI_NAMES))
    assert_frame_equal(got, expected)


def test_kpis_invariant_to_row_order_id_dtype_and_time_zone():
    base = overview.kpis(ORDERS, start="2024-02-01", end="2024-02-29")
    shuffled = ORDERS.sample(frac=1, random_state=3)
    assert_frame_equal(overview.kpis(shuffled, start="2024-02-01", end="2024-02-29"), base)
    categorical = ORDERS.assign(customer_id=ORDERS["customer_id"].astype("category"))
    assert_frame_equal(overview.kpis(categorical, start="2024-02-01", end="2024-02-29"), base)
    ints = ORDERS.assign(customer_id=ORDERS["customer_id"].map({"a": 1, "b": 2, "c": 3}))
    assert_frame_equal(overview.kpis(ints, start="2024-02-01", end="2024-02-29"), base)
    # aware times keep their local day: 23:59 +08:00 on Jan 31 is still Jan 31
    aware = ORDERS.assign(order_ts=ORDERS["order_ts"].dt.tz_localize("Asia/Shanghai"))
    assert_frame_equal(overview.kpis(aware, start="2024-02-01", end="2024-02-29"), base)
    strings = ORDERS.assign(order_ts=ORDERS["order_ts"].dt.strftime("%Y-%m-%d %H:%M"))
    assert_frame_equal(overview.kpis(strings, start="2024-02-01", end="2024-02-29"), base)


def test_kpis_of_an_empty_period_are_zero_or_missing():
    got = overview.kpis(ORDERS, start="2023-01-01", end="2023-01-31")
    assert got.loc[["gmv", "orders", "customers", "new_customers"], "current"].tolist() == [0, 0, 0, 0]
    assert got.loc[["aov", "repeat_rate", "arpu"], "current"].isna().all()
    assert got["change"].isna().all()


def test_kpis_one_customer_one_order():
    one = ORDERS.iloc[[0]]
    got = overview.kpis(one, start="2024-01-10", end="2024-01-10")
    assert got["current"].tolist() == [100.0, 1.0, 1.0, 1.0, 100.0, 0.0, 100.0]


def test_monthly_trend_splits_new_and_returning_revenue():
    # Jan: a 100 (first month) + c 40 (first month): new 140. Feb: b 30+70 new; a 50-20 returning.
    got = overview.monthly_trend(ORDERS)
    expected = pd.DataFrame({
        "month": pd.to_datetime(["2024-01-01", "2024-02-01"]).astype("datetime64[ns]"),
        "gmv": [140.0, 130.0],
        "orders": [2, 3],
        "active_customers": [2, 2],
        "new_revenue": [140.0, 100.0],
        "returning_revenue": [0.0, 30.0],
    })
    assert_frame_equal(got, expected, check_dtype=False)


@pytest.mark.parametrize("rows", [[0, 1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0], [3, 0, 5, 2, 4, 1]])
def test_monthly_trend_counts_each_active_customer_once_per_month_in_any_row_order(rows):
    # the rows as given are in (customer, time) order, as saved data sets keep orders; reversed or
    # shuffled they must be sorted first. Jan: a, c -> 2. Feb: a (order + refund, the refund does not
    # make a customer active), b twice -> 2
    got = overview.monthly_trend(ORDERS.iloc[rows])
    assert got["active_customers"].tolist() == [2, 2]
    assert got["orders"].tolist() == [2, 3]


def test_monthly_trend_keeps_empty_months_and_respects_the_range():
    gap = pd.concat([ORDERS, pd.DataFrame({"customer_id": ["c"], "order_ts": [pd.Timestamp("2024-04-02")],
                                           "amount": [10.0]})])
    got = overview.monthly_trend(gap, start="2024-02-01", end="2024-04-30")
    assert got["month"].dt.month.tolist() == [2, 3, 4]
    assert got["gmv"].tolist() == [130.0, 0.0, 10.0]
    assert got["returning_revenue"].tolist() == [30.0, 0.0, 10.0]


def test_refund_only_customer_counts_as_returning_revenue():
    refund = pd.DataFrame({"customer_id": ["z"], "order_ts": [pd.Timestamp("2024-03-01")], "amount": [-5.0]})
    got = overview.monthly_trend(refund)
    assert got[["gmv", "orders", "active_customers", "new_revenue", "returning_revenue"]].iloc[0].tolist() == \
        [-5.0, 0, 0, 0.0, -5.0]


def test_overview_does_not_mutate_its_input():
    before = ORDERS.copy()
    overview.kpis(ORDERS, start="2024-02-01", end="2024-02-29")
    overview.monthly_trend(ORDERS)
    assert_frame_equal(ORDERS, before)


def test_kpis_reject_an_end_before_the_start():
    with pytest.raises(AnalyticsInputError, match="period end 2024-01-01 is before its start 2024-02-01"):
        overview.kpis(ORDERS, start="2024-02-01", end="2024-01-01")


def test_kpis_name_missing_columns():
    with pytest.raises(AnalyticsInputError, match=r"kpis needs the column\(s\) amount"):
        overview.kpis(ORDERS.drop(columns="amount"), start="2024-02-01", end="2024-02-29")


def test_month_index_across_a_year_end_and_a_leap_day_in_any_order():
    # 1970-01 is month 0, so 2024-01 is 54 * 12 = 648
    days = np.array(["2024-03-01", "2023-12-31", "2024-02-29", "2024-01-01"], dtype="datetime64[D]")
    assert overview._month_index(days.astype(np.int64)).tolist() == [650, 647, 649, 648]
    assert overview._month_index(np.array([], dtype=np.int64)).tolist() == []


@pytest.mark.parametrize("start, end", [("2024-02-01", "2024-02-29"), ("2024-01-01", "2024-04-30"),
                                        ("2023-01-01", "2023-01-31")])
def test_summary_is_kpis_and_monthly_trend_together(start, end):
    kpis, trend = overview.summary(ORDERS, start=start, end=end)
    assert_frame_equal(kpis, overview.kpis(ORDERS, start=start, end=end))
    assert_frame_equal(trend, overview.monthly_trend(ORDERS, start=start, end=end))
    with pytest.raises(AnalyticsInputError, match="summary: the period end 2024-01-01 is before its start"):
        overview.summary(ORDERS, start="2024-02-01", end="2024-01-01")
