"""Channel performance and the weekly trend on hand-built tables; values worked out by hand in comments."""

import re

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics import AnalyticsInputError, channels
from analytics.attribution import attribute
from analytics.sample import make_sample

NAN = np.nan

# a: first order Jan 1 (ads) 50, reorder Jan 11 (day 10, email) 40, refund Jan 15 (day 14, email) -20
# b: first order Jan 2 (ads) 30;  c: first order Jan 5, no channel -> "(none)", 10
# d: a refund only (seo) -5: never acquired
ORDERS = pd.DataFrame({
    "customer_id": ["a", "b", "a", "c", "a", "d"],
    "order_ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 10:00", "2024-01-11 10:00",
                                "2024-01-05 10:00", "2024-01-15 10:00", "2024-01-03 10:00"]),
    "amount": [50.0, 30.0, 40.0, 10.0, -20.0, -5.0],
    "channel": ["ads", "ads", "email", None, "email", "seo"],
})
# ads 100 over two days, tv 20 without any order, email a zero-spend row
SPEND = pd.DataFrame({
    "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01", "2024-01-01"]),
    "channel": ["ads", "ads", "tv", "email"],
    "spend": [60.0, 40.0, 20.0, 0.0],
})


def _performance(rows):
    columns = ["channel", "spend", "orders", "revenue", "roas", "new_customers", "cac", "ltv",
               "ltv_cac", "payback_days"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"channel": "str", **{c: "float64" for c in columns[1:]}}).astype(
        {"new_customers": "int64"})


def test_performance_by_hand():
    # ads: spend 100, orders a1 + b1 = 2, revenue 80, ROAS 0.8; new customers a, b -> CAC 50.
    #   LTV (180 d): a 50 + 40 - 20 = 70, b 30 -> 100 / 2 = 50; LTV/CAC 1.0.
    #   payback: day 0 (50 + 30) / 2 = 40 < 50, day 10 (+40) 120 / 2 = 60 >= 50 -> 10 days.
    # email: zero spend -> ROAS, CAC NaN; revenue 40 - 20 = 20, one order, no new customer.
    # (none): c's 10, one order, one new customer, LTV 10, no spend.
    # tv: spend without orders -> revenue 0, ROAS 0.  seo: the refund only -> revenue -5, no order.
    got = channels.performance(ORDERS, SPEND)
    expected = _performance([
        ("ads", 100, 2, 80, 0.8, 2, 50, 50, 1.0, 10),
        ("email", 0, 1, 20, NAN, 0, NAN, NAN, NAN, NAN),
        ("(none)", 0, 1, 10, NAN, 1, NAN, 10, NAN, NAN),
        ("tv", 20, 0, 0, 0.0, 0, NAN, NAN, NAN, NAN),
        ("seo", 0, 0, -5, NAN, 0, NAN, NAN, NAN, NAN),
    ])
    assert_frame_equal(got, expected)


@pytest.mark.parametrize("ltv_days, ltv", [
    (15, 50.0),  # a's refund on Jan 15 10:00 < Jan 1 10:00 + 15 d: counted, (70 + 30) / 2
    (14, 60.0),  # the refund at exactly first order + 14 days is outside: (90 + 30) / 2
    (10, 40.0),  # the reorder at exactly + 10 days is outside too: (50 + 30) / 2
    (1, 40.0),
])
def test_ltv_window_includes_the_first_order_and_excludes_the_end(ltv_days, ltv):
    got = channels.performance(ORDERS, SPEND, ltv_days=ltv_days).set_index("channel")
    assert got.loc["ads", "ltv"] == ltv
    assert got.loc["ads", "ltv_cac"] == ltv / 50
    assert got.loc["ads", "payback_days"] == 10  # payback does not depend on the LTV horizon


def test_payback_on_the_first_day_is_zero_and_never_reached_is_missing():
    # x: first order 40 via ads, CAC 30 -> paid back on day 0.  y: first order 10 via tv, a reorder
    # of 5 on day 3, CAC 20 -> cumulative 10, 15: never reaches 20.
    orders = pd.DataFrame({
        "customer_id": ["x", "y", "y"],
        "order_ts": pd.to_datetime(["2024-02-01 23:00", "2024-02-01 08:00", "2024-02-04 09:00"]),
        "amount": [40.0, 10.0, 5.0],
        "channel": ["ads", "tv", "tv"],
    })
    spend = pd.DataFrame({"date": pd.to_datetime(["2024-02-01", "2024-02-01"]),
                          "channel": ["ads", "tv"], "spend": [30.0, 20.0]})
    got = channels.performance(orders, spend)
    expected = _performance([
        ("ads", 30, 1, 40, 40 / 30, 1, 30, 40, 40 / 30, 0),
        ("tv", 20, 2, 15, 0.75, 1, 20, 15, 0.75, NAN),
    ])
    assert_frame_equal(got, expected)


def test_payback_counts_whole_days_since_the_first_order_time():
    # first order Mar 1 20:00 (10), reorder Mar 2 19:00 (23 h later: still day 0) of 10, CAC 20
    orders = pd.DataFrame({
        "customer_id": ["x", "x"],
        "order_ts": pd.to_datetime(["2024-03-01 20:00", "2024-03-02 19:00"]),
        "amount": [10.0, 10.0], "channel": ["ads", "ads"],
    })
    spend = pd.DataFrame({"date": pd.to_datetime(["2024-03-01"]), "channel": ["ads"], "spend": [20.0]})
    assert channels.performance(orders, spend)["payback_days"].tolist() == [0.0]
    later = orders.assign(order_ts=pd.to_datetime(["2024-03-01 20:00", "2024-03-02 20:00"]))
    assert channels.performance(later, spend)["payback_days"].tolist() == [1.0]


def test_date_range_restricts_spend_orders_and_acquisitions():
    # Jan 2..11: spend ads 40 (Jan 2) only; rows b 30 (ads), d -5 (seo), c 10, a 40 (email);
    # acquired in range: b (ads), c ((none)); a was acquired Jan 1, before the range.
    # ads: CAC 40, LTV 30 (b never orders again): payback never. tv has no row in range: absent.
    got = channels.performance(ORDERS, SPEND, start="2024-01-02", end=pd.Timestamp("2024-01-11"))
    expected = _performance([
        ("email", 0, 1, 40, NAN, 0, NAN, NAN, NAN, NAN),
        ("ads", 40, 1, 30, 0.75, 1, 40, 30, 0.75, NAN),
        ("(none)", 0, 1, 10, NAN, 1, NAN, 10, NAN, NAN),
        ("seo", 0, 0, -5, NAN, 0, NAN, NAN, NAN, NAN),
    ])
    assert_frame_equal(got, expected)


def test_ltv_follows_acquired_customers_past_the_end_date():
    # Jan 1..5: a's Jan 11 and Jan 15 rows are outside the range but inside a's LTV window
    got = channels.performance(ORDERS, SPEND, start="2024-01-01", end="2024-01-05")
    ads = got.set_index("channel").loc["ads"]
    assert (ads["revenue"], ads["new_customers"], ads["ltv"]) == (80.0, 2, 50.0)
    assert "email" in got["channel"].tolist()  # its zero-spend row on Jan 1 is in range


def test_attribution_frame_replaces_order_channels_for_orders_and_revenue():
    # revenue and orders from the frame; acquisitions (a, b via ads; c via (none)) from orders
    attribution = pd.DataFrame({"channel": ["seo", "ads"], "orders": [1.5, 0.5],
                                "revenue": [70.0, 35.0]})
    got = channels.performance(ORDERS, SPEND, attribution=attribution)
    expected = _performance([
        ("seo", 0, 1.5, 70, NAN, 0, NAN, NAN, NAN, NAN),
        ("ads", 100, 0.5, 35, 0.35, 2, 50, 50, 1.0, 10),
        ("(none)", 0, 0, 0, NAN, 1, NAN, 10, NAN, NAN),
        ("email", 0, 0, 0, NAN, 0, NAN, NAN, NAN, NAN),
        ("tv", 20, 0, 0, 0.0, 0, NAN, NAN, NAN, NAN),
    ])
    assert_frame_equal(got, expected)


def test_attribution_from_attribute_adds_up():
    events = pd.DataFrame({"user_id": ["a", "a"], "event_name": "visit", "channel": ["seo", "ads"],
                           "event_ts": pd.to_datetime(["2023-12-30", "2023-12-31"])})
    credit = attribute(ORDERS, events, model="linear")
    got = channels.performance(ORDERS, SPEND, attribution=credit)
    assert got["revenue"].sum() == ORDERS["amount"].sum()
    assert got["orders"].sum() == 4.0  # four rows with amount >= 0


def test_invariant_to_row_order_id_dtype_time_zone_and_time_format():
    base = channels.performance(ORDERS, SPEND)
    variants = [
        (ORDERS.sample(frac=1, random_state=4), SPEND.sample(frac=1, random_state=5)),
        (ORDERS.assign(customer_id=ORDERS["customer_id"].map({"a": 1, "b": 2, "c": 3, "d": 4})), SPEND),
        (ORDERS.assign(customer_id=ORDERS["customer_id"].astype("category"),
                       channel=ORDERS["channel"].astype("category")),
         SPEND.assign(channel=SPEND["channel"].astype("category"))),
        (ORDERS.assign(order_ts=ORDERS["order_ts"].dt.tz_localize("America/New_York")),
         SPEND.assign(date=SPEND["date"].dt.tz_localize("America/New_York"))),
        (ORDERS.assign(order_ts=ORDERS["order_ts"].astype(str)),
         SPEND.assign(date=SPEND["date"].dt.strftime("%Y-%m-%d"))),
    ]
    for orders, spend in variants:
        assert_frame_equal(channels.performance(orders, spend), base)


def test_first_order_ties_go_to_the_row_listed_first():
    orders = pd.DataFrame({"customer_id": ["x", "x"], "channel": ["ads", "tv"], "amount": [10.0, 10.0],
                           "order_ts": pd.to_datetime(["2024-01-01", "2024-01-01"])})
    got = channels.performance(orders, SPEND.iloc[:0]).set_index("channel")["new_customers"]
    assert got.to_dict() == {"ads": 1, "tv": 0}


def test_refunds_never_acquire_and_rows_before_the_first_order_are_not_ltv():
    # x: refund -5 (seo) listed first at the same time as the first order 10 (ads), another refund
    # -3 (seo) a day before it: the first order is the paid row, so ads acquires x; LTV counts rows
    # from the first order on: 10 - 5 = 5 (the earlier refund is not in the window).
    # y: first order 20 via seo -> seo LTV 20.
    orders = pd.DataFrame({
        "customer_id": ["x", "x", "x", "y"],
        "order_ts": pd.to_datetime(["2024-01-02", "2024-01-02", "2024-01-01", "2024-01-02"]),
        "amount": [-5.0, 10.0, -3.0, 20.0], "channel": ["seo", "ads", "seo", "seo"],
    })
    got = channels.performance(orders, SPEND.iloc[:0]).set_index("channel")
    assert got["new_customers"].to_dict() == {"seo": 1, "ads": 1}
    assert got["ltv"].to_dict() == {"seo": 20.0, "ads": 5.0}
    assert got["revenue"].to_dict() == {"seo": 12.0, "ads": 10.0}


def test_order_id_rows_count_once():
    orders = ORDERS.iloc[:2].assign(customer_id="a", order_id=["o1", "o1"])
    got = channels.performance(orders, SPEND.iloc[:0])
    assert got[["channel", "orders", "revenue", "new_customers"]].values.tolist() == [["ads", 1.0, 80.0, 1]]


def test_empty_inputs_give_an_empty_frame():
    got = channels.performance(ORDERS.iloc[:0], SPEND.iloc[:0])
    assert_frame_equal(got, _performance([]))


def test_inputs_are_not_modified():
    orders, spend = ORDERS.sample(frac=1, random_state=1), SPEND.copy()
    before_orders, before_spend = orders.copy(), spend.copy()
    channels.performance(orders, spend, start="2024-01-02")
    channels.weekly_trend(orders, spend)
    assert_frame_equal(orders, before_orders)
    assert_frame_equal(spend, before_spend)


def test_sample_data_totals():
    data = make_sample(300, seed=5)
    got = channels.performance(data.orders, data.spend)
    assert got["revenue"].sum() == pytest.approx(data.orders["amount"].sum(), rel=1e-12)
    assert got["spend"].sum() == pytest.approx(data.spend["spend"].sum(), rel=1e-12)
    assert got["new_customers"].sum() == 300  # every sample customer has a paid first order
    # default attribution = the order rows' own channel
    by_channel = data.orders.groupby(data.orders["channel"].astype(str))["amount"].sum()
    assert got.set_index("channel")["revenue"].loc[by_channel.index].tolist() == pytest.approx(
        by_channel.tolist(), rel=1e-12)


# --- weekly trend --------------------------------------------------------------------------------

TREND_ORDERS = pd.DataFrame({
    "order_ts": pd.to_datetime(["2024-01-01 09:00", "2024-01-07 23:59", "2024-01-08 00:00",
                                "2024-01-03 12:00"]),  # Mon, Sun (same week), next Mon, Wed
    "amount": [50.0, 10.0, 40.0, 5.0],
    "channel": ["ads", "ads", "email", None],
})
TREND_SPEND = pd.DataFrame({
    "date": pd.to_datetime(["2024-01-02", "2024-01-09", "2024-01-10"]),
    "channel": ["ads", "tv", "ads"],
    "spend": [30.0, 20.0, 0.0],
})


def _trend(rows):
    frame = pd.DataFrame(rows, columns=["period", "channel", "spend", "revenue", "roas"])
    return frame.assign(period=pd.to_datetime(frame["period"]).astype("datetime64[ns]")).astype(
        {"channel": "str", "spend": "float64", "revenue": "float64", "roas": "float64"})


def test_weekly_trend_weeks_start_on_monday():
    # week of Jan 1: ads 50 + 10 (Sunday 23:59) against 30 -> ROAS 2; (none) 5 without spend.
    # week of Jan 8: ads zero spend and no revenue -> NaN; email 40 without spend; tv 20 spend, 0 revenue.
    got = channels.weekly_trend(TREND_ORDERS, TREND_SPEND)
    expected = _trend([
        ("2024-01-01", "(none)", 0, 5, NAN),
        ("2024-01-01", "ads", 30, 60, 2.0),
        ("2024-01-08", "ads", 0, 0, NAN),
        ("2024-01-08", "email", 0, 40, NAN),
        ("2024-01-08", "tv", 20, 0, 0.0),
    ])
    assert_frame_equal(got, expected)


def test_trend_by_month_and_by_day():
    expected_month = _trend([
        ("2024-01-01", "(none)", 0, 5, NAN),
        ("2024-01-01", "ads", 30, 60, 2.0),
        ("2024-01-01", "email", 0, 40, NAN),
        ("2024-01-01", "tv", 20, 0, 0.0),
    ])
    assert_frame_equal(channels.weekly_trend(TREND_ORDERS, TREND_SPEND, freq="M"), expected_month)
    day = channels.weekly_trend(TREND_ORDERS, TREND_SPEND, freq="D")
    assert day["period"].dt.strftime("%m-%d").tolist() == [
        "01-01", "01-02", "01-03", "01-07", "01-08", "01-09", "01-10"]
    assert day["revenue"].tolist() == [50.0, 0.0, 5.0, 10.0, 40.0, 0.0, 0.0]


def test_trend_invariant_to_row_order_time_zone_and_spans_months():
    base = channels.weekly_trend(TREND_ORDERS, TREND_SPEND)
    shuffled = channels.weekly_trend(TREND_ORDERS.sample(frac=1, random_state=2),
                                     TREND_SPEND.sample(frac=1, random_state=3))
    assert_frame_equal(shuffled, base)
    aware = TREND_ORDERS.assign(order_ts=TREND_ORDERS["order_ts"].dt.tz_localize("Asia/Shanghai"))
    assert_frame_equal(channels.weekly_trend(aware, TREND_SPEND), base)
    # Dec 31 2023 (Sunday) belongs to the week of Dec 25, Feb 29 to February
    more = pd.DataFrame({"order_ts": pd.to_datetime(["2023-12-31", "2024-02-29"]),
                         "amount": [1.0, 2.0], "channel": ["x", "x"]})
    got = channels.weekly_trend(more, TREND_SPEND.iloc[:0], freq="W")
    assert got["period"].dt.strftime("%Y-%m-%d").tolist() == ["2023-12-25", "2024-02-26"]
    got = channels.weekly_trend(more, TREND_SPEND.iloc[:0], freq="M")
    assert got["period"].dt.strftime("%Y-%m-%d").tolist() == ["2023-12-01", "2024-02-01"]


def test_trend_of_empty_inputs_is_empty():
    got = channels.weekly_trend(TREND_ORDERS.iloc[:0], TREND_SPEND.iloc[:0])
    assert_frame_equal(got, _trend([]))


# --- validation ----------------------------------------------------------------------------------

@pytest.mark.parametrize("ltv_days", [-1, 0, 1.5, True, "180", float("nan")])
def test_ltv_days_must_be_a_positive_whole_number(ltv_days):
    message = (f"The 'ltv_days' parameter of performance must be a positive whole number of days such "
               f"as 180. Got {ltv_days!r} instead.")
    with pytest.raises(AnalyticsInputError, match=re.escape(message)):
        channels.performance(ORDERS, SPEND, ltv_days=ltv_days)


def test_ltv_days_accepts_whole_floats():
    assert_frame_equal(channels.performance(ORDERS, SPEND, ltv_days=180.0),
                       channels.performance(ORDERS, SPEND))


def test_dates_are_validated():
    with pytest.raises(AnalyticsInputError, match=re.escape(
            "The 'start' parameter of performance must be a date such as '2024-01-31' or None. "
            "Got 'soon' instead.")):
        channels.performance(ORDERS, SPEND, start="soon")
    with pytest.raises(AnalyticsInputError, match=re.escape(
            "The 'end' parameter of performance must be a date such as '2024-01-31' or None. "
            "Got 3.5 instead.")):
        channels.performance(ORDERS, SPEND, end=3.5)
    with pytest.raises(AnalyticsInputError, match=re.escape(
            "performance: the end date 2024-01-01 is before the start date 2024-01-05. "
            "Pick an end on or after the start.")):
        channels.performance(ORDERS, SPEND, start="2024-01-05", end="2024-01-01")


def test_missing_columns_are_named():
    with pytest.raises(AnalyticsInputError, match=re.escape(
            "performance needs the column(s) channel. Found: customer_id, order_ts, amount.")):
        channels.performance(ORDERS.drop(columns="channel"), SPEND)
    with pytest.raises(AnalyticsInputError, match=re.escape(
            "performance needs the column(s) spend. Found: date, channel.")):
        channels.performance(ORDERS, SPEND.drop(columns="spend"))
    with pytest.raises(AnalyticsInputError, match=re.escape(
            "performance(attribution=...) needs the column(s) revenue. Found: channel, orders.")):
        channels.performance(ORDERS, SPEND, attribution=pd.DataFrame({"channel": ["a"], "orders": [1.0]}))
    with pytest.raises(AnalyticsInputError, match=re.escape(
            "weekly_trend needs the column(s) channel. Found: order_ts, amount.")):
        channels.weekly_trend(TREND_ORDERS.drop(columns="channel"), TREND_SPEND)


def test_weekly_trend_frequency_names_the_choices():
    with pytest.raises(AnalyticsInputError, match=re.escape(
            "The 'freq' parameter of weekly_trend must be one of 'D', 'W', 'M'. Got 'Q' instead.")):
        channels.weekly_trend(TREND_ORDERS, TREND_SPEND, freq="Q")


def test_channels_module_exposes_attribution():
    assert channels.attribute is attribute
