"""The Channels page: per-channel performance under the attribution models, flags, trends and the model
comparison, on the bundled sample (numbers checked against analytics.channels called directly) and on a
tiny saved data set worked out by hand."""

import datetime as dt
import functools

import numpy as np
import pandas as pd

from analytics import Dataset, channels
from tests.pages.conftest import open_page, shown_table, plotly_figures, plotly_array
from ui import data, format

PAGE = "pages/5_Channels.py"
MODELS = ["Last touch (order's channel)", "Last touch (visits)", "First touch", "Linear",
          "Position-based (40/20/40)", "Time decay"]


@functools.cache
def _range():
    """The sidebar's default range: the last 365 days of the sample."""
    first, last = data.date_bounds(data.SAMPLE_ID)
    return max(first, last - dt.timedelta(days=364)), last


def _performance(model=None, ltv_days=180, lookback=30, half_life=7):
    """What the page computes: the range's orders attributed (multi-touch: with the full events), the
    performance on the full tables restricted to the range."""
    start, end = _range()
    ds = data.dataset(data.SAMPLE_ID)
    credit = None
    if model is not None:
        credit = channels.attribute(data.in_range(data.SAMPLE_ID, "orders", start, end), ds.events,
                                    model=model, lookback=pd.Timedelta(days=lookback),
                                    half_life=pd.Timedelta(days=half_life))
    return channels.performance(ds.orders, ds.spend, ltv_days=ltv_days, attribution=credit, start=start,
                                end=end)








def _check_table(table, perf, ltv_days=180):
    assert table["Channel"].tolist() == perf["channel"].tolist()
    for column, name, digits in (("Spend", "spend", 2), ("Attributed orders", "orders", 1),
                                 ("Attributed revenue", "revenue", 2), ("ROAS", "roas", 2),
                                 ("CAC", "cac", 2), (f"LTV {ltv_days} d", "ltv", 2),
                                 ("LTV/CAC", "ltv_cac", 2)):
        np.testing.assert_allclose(table[column].to_numpy(dtype=float), perf[name].round(digits), err_msg=column)
    assert table["New customers"].tolist() == perf["new_customers"].tolist()
    np.testing.assert_array_equal(table["Payback (days)"].to_numpy(dtype=float), perf["payback_days"])


def test_default_view_is_last_touch_by_the_orders_channel_with_flags_and_charts():
    at = open_page(PAGE)
    assert not at.exception
    perf = _performance()
    table = shown_table(at, "Flags")
    _check_table(table, perf)
    # organic has revenue but no spend: kept, flagged, no ROAS; LTV/CAC < 3 -> strategy review
    below = perf["ltv_cac"] < 3
    assert below.sum() > 0
    for flag, low, spend in zip(table["Flags"], below, perf["spend"]):
        assert ("review: CAC > LTV/3" in flag) == low
        assert ("no spend" in flag) == (spend == 0)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Spend"] == format.money(perf["spend"].sum())
    assert metrics["Attributed revenue"] == format.money(perf["revenue"].sum())
    assert metrics["Channels below LTV/CAC 3"] == f"{below.sum()} of {perf['ltv_cac'].notna().sum()}"
    roas, scatter, trend, shares = plotly_figures(at)
    bars = roas.data[0]
    assert list(bars.x) == perf["channel"].tolist()
    organic = perf["channel"].tolist().index("organic")
    assert plotly_array(bars.y)[organic] == 0 and bars.text[organic] == "no spend"
    assert bars.text[0 if organic else 1] == f"{perf['roas'].iloc[0 if organic else 1]:.2f}"
    line = scatter.data[-1]
    assert line.name == "LTV = 3 × CAC" and plotly_array(line.y)[1] == 3 * plotly_array(line.x)[1]
    flagged = next(trace for trace in scatter.data if trace.name.startswith("Below"))
    assert sorted(flagged.text) == sorted(perf.loc[below, "channel"])
    # the model comparison: the order's own channel first, then every model; shares sum to 100%
    compared = shown_table(at, "Time decay")
    assert list(compared.columns) == ["Channel", *MODELS]
    own = compared.set_index("Channel")["Last touch (order's channel)"]
    np.testing.assert_allclose(own[perf["channel"]], (perf["revenue"] / perf["revenue"].sum() * 100).round(2))
    np.testing.assert_allclose(compared[MODELS].sum(), 100.0, atol=0.05)
    assert {trace.name for trace in shares.data} == set(MODELS)
    assert len(at.get("download_button")) == 3  # performance table, model comparison, report


def test_link_restores_model_windows_horizon_threshold_and_trend_channels():
    at = open_page(PAGE, ch_model="time_decay", ch_lookback="14", ch_half_life="3", ch_ltv="90",
                   ch_threshold="4", ch_trend="wechat,search")
    assert not at.exception
    assert at.selectbox(key="ch_model").value == "time_decay"
    assert at.number_input(key="ch_lookback").value == 14
    assert at.number_input(key="ch_half_life").value == 3
    assert at.segmented_control(key="ch_ltv").value == 90
    assert at.number_input(key="ch_threshold").value == 4.0
    assert at.multiselect(key="ch_trend").value == ["wechat", "search"]
    perf = _performance("time_decay", ltv_days=90, lookback=14, half_life=3)
    table = shown_table(at, "Flags")
    _check_table(table, perf, ltv_days=90)
    assert [("review: CAC > LTV/4" in f) for f in table["Flags"]] == (perf["ltv_cac"] < 4).tolist()
    trend = plotly_figures(at)[2]
    assert [trace.name for trace in trend.data] == ["wechat"] * 3 + ["search"] * 3
    start, end = _range()
    weekly = channels.weekly_trend(data.in_range(data.SAMPLE_ID, "orders", start, end),
                                   data.in_range(data.SAMPLE_ID, "spend", start, end))
    wechat = weekly[weekly["channel"] == "wechat"]
    np.testing.assert_allclose(plotly_array(trend.data[1].y), wechat["revenue"])
    ds = data.dataset(data.SAMPLE_ID)
    expected = channels.compare_models(data.in_range(data.SAMPLE_ID, "orders", start, end), ds.events,
                                       lookback=pd.Timedelta(days=14), half_life=pd.Timedelta(days=3))
    compared = shown_table(at, "Time decay").set_index("Channel")
    np.testing.assert_allclose(compared.loc[expected["channel"], "Time decay"],
                               (expected["time_decay"] * 100).round(2))
    np.testing.assert_allclose(compared.loc[expected["channel"], "First touch"],
                               (expected["first"] * 100).round(2))


def test_widgets_change_the_output_and_the_link():
    at = open_page(PAGE)
    at.number_input(key="ch_threshold").set_value(5.0).run()
    perf = _performance()
    assert {m.label: m.value for m in at.metric}["Channels below LTV/CAC 5"] == \
        f"{(perf['ltv_cac'] < 5).sum()} of {perf['ltv_cac'].notna().sum()}"
    at.segmented_control(key="ch_ltv").set_value(30).run()
    assert not at.exception
    _check_table(shown_table(at, "Flags"), _performance(ltv_days=30), ltv_days=30)
    assert at.query_params["ch_ltv"] == "30"
    at.selectbox(key="ch_model").set_value("first").run()
    assert not at.exception
    _check_table(shown_table(at, "Flags"), _performance("first", ltv_days=30), ltv_days=30)
    assert at.query_params["ch_model"] == "first"


# ads: spend 50 + 50, orders a 100 (Jan 1, a's first order) and a 40 (Jan 11, day 10) -> revenue 140,
# ROAS 1.4, one new customer, CAC 100, LTV 140 (both orders within 180 days), LTV/CAC 1.4 < 3 -> review;
# payback 0 (day 0: 100 >= CAC 100). organic: b's 60, no spend -> no ROAS, no CAC, LTV 60, flagged
# "no spend". tv: spend 30, nothing attributed, nobody acquired -> ROAS 0, no CAC; both flags.
TINY_ORDERS = pd.DataFrame({
    "customer_id": ["a", "a", "b"],
    "order_ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-11 09:00", "2024-01-02 12:00"]),
    "amount": [100.0, 40.0, 60.0],
    "channel": ["ads", "ads", "organic"],
})
TINY_SPEND = pd.DataFrame({
    "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-01"]),
    "channel": ["ads", "ads", "tv"],
    "spend": [50.0, 50.0, 30.0],
})


def test_tiny_shop_by_hand_keeps_spend_only_and_revenue_only_channels():
    ds_id = data.store().save(Dataset(TINY_ORDERS, spend=TINY_SPEND), "Tiny shop")
    at = open_page(PAGE, ds=ds_id, range=["2024-01-01", "2024-01-11"])
    assert not at.exception
    table = shown_table(at, "Flags")
    assert table["Channel"].tolist() == ["ads", "organic", "tv"]
    assert table["Spend"].tolist() == [100.0, 0.0, 30.0]
    assert table["Attributed revenue"].tolist() == [140.0, 60.0, 0.0]
    np.testing.assert_array_equal(table["ROAS"], [1.4, np.nan, 0.0])
    assert table["New customers"].tolist() == [1, 1, 0]
    np.testing.assert_array_equal(table["CAC"], [100.0, np.nan, np.nan])
    np.testing.assert_array_equal(table["LTV 180 d"], [140.0, 60.0, np.nan])
    np.testing.assert_array_equal(table["LTV/CAC"], [1.4, np.nan, np.nan])
    np.testing.assert_array_equal(table["Payback (days)"], [0.0, np.nan, np.nan])
    assert table["Flags"].tolist() == ["review: CAC > LTV/3", "no spend",
                                       "spend, no attributed revenue; no new customers"]
    roas = plotly_figures(at)[0].data[0]
    assert plotly_array(roas.y).tolist() == [1.4, 0.0, 0.0] and list(roas.text) == ["1.40", "no spend", "0.00"]
    # no events with a channel: only last touch by the order's channel, no model comparison
    assert at.selectbox(key="ch_model").options == ["Last touch (order's channel)"]
    assert any("no `channel` column" in c.value for c in at.caption)
    assert any("needs an events table" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 3


def test_a_range_without_orders_or_spend_shows_a_message():
    ds_id = data.store().save(Dataset(TINY_ORDERS, spend=TINY_SPEND), "Tiny shop")
    at = open_page(PAGE, ds=ds_id, range=["2024-01-03", "2024-01-10"])
    assert not at.exception
    assert any("No orders and no spend" in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_bad_link_values_warn_and_fall_back_to_the_defaults():
    at = open_page(PAGE, ch_model="magic", ch_ltv="45")
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "Attribution model" in warnings and "LTV horizon" in warnings
    assert at.selectbox(key="ch_model").value == "orders"
    assert at.segmented_control(key="ch_ltv").value == 180


def test_view_only_link_shows_the_senders_settings_disabled():
    at = open_page(PAGE, view="1", ch_threshold="2", ch_ltv="365")
    assert not at.exception
    threshold = at.number_input(key="ch_threshold")
    assert threshold.value == 2.0 and threshold.proto.disabled
    ltv = at.segmented_control(key="ch_ltv")
    assert ltv.value == 365 and ltv.proto.disabled
    for widget in (at.selectbox(key="ch_model"), at.number_input(key="ch_lookback"),
                   at.number_input(key="ch_half_life"), at.multiselect(key="ch_trend")):
        assert widget.proto.disabled
    table = shown_table(at, "Flags")
    _check_table(table, _performance(ltv_days=365), ltv_days=365)
    assert [("review: CAC > LTV/2" in f) for f in table["Flags"]] == \
        (_performance(ltv_days=365)["ltv_cac"] < 2).tolist()
    assert len(at.get("download_button")) == 3
