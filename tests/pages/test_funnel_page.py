"""The Funnel page: steps, window, order and breakdown from the link, the funnel, breakdown, trend,
time-to-convert and drop-off views on the bundled sample (numbers checked against analytics.funnel called
directly on the date-range slice), a tiny saved data set worked out by hand, bad links and empty cases."""

import datetime as dt
import functools

import numpy as np
import pandas as pd
import pytest

from analytics import Dataset, funnel, rfm
from tests.pages.conftest import open_page, shown_table, plotly_figures
from ui import data, format
from ui.funnel_widgets import decode_steps, encode_steps

PAGE = "pages/3_Funnel.py"
STEPS = ["visit", "view", "add_to_cart", "checkout", "purchase"]


@functools.cache
def _events():
    """The sample's events in the sidebar's default range (the last 365 days of orders)."""
    first, last = data.date_bounds(data.SAMPLE_ID)
    return data.in_range(data.SAMPLE_ID, "events", max(first, last - dt.timedelta(days=364)), last)




def _metrics(at):
    return {m.label: (m.value, m.delta) for m in at.metric}




def _text(at):
    return " ".join(m.value for m in at.markdown) + " ".join(c.value for c in at.caption)


def _check_steps_table(table, expected):
    assert table["Event(s)"].tolist() == expected["name"].tolist()
    assert table["Users"].tolist() == expected["users"].tolist()
    np.testing.assert_allclose(table["From step 1 (%)"], (expected["conversion"] * 100).round(2))
    np.testing.assert_allclose(table["From previous step (%)"], (expected["step_conversion"] * 100).round(2))
    assert table["Drop-off (users)"].tolist() == expected["drop_off"].tolist()


def test_default_funnel_on_the_sample_matches_the_analytics():
    at = open_page(PAGE)
    assert not at.exception
    assert [at.multiselect(key=f"fun_step_{k}").value for k in range(1, 6)] == [[s] for s in STEPS]
    events = _events()
    expected = funnel.funnel(events, STEPS)
    _check_steps_table(shown_table(at, "Event(s)"), expected)
    # biggest drop: the lowest conversion from the previous step
    worst = int(expected["step_conversion"].iloc[1:].idxmin())
    metrics = _metrics(at)
    assert metrics["Entered (step 1)"][0] == format.count(expected["users"].iloc[0])
    assert metrics["Converted (last step)"][0] == format.count(expected["users"].iloc[-1])
    assert metrics["Overall conversion"][0] == format.pct(expected["conversion"].iloc[-1])
    assert metrics["Biggest drop"] == (f"{format.pct(1 - expected['step_conversion'].iloc[worst])} lost",
                                       f"at step {worst + 1}: {STEPS[worst]}")
    funnel_fig, trend_fig, times_fig = plotly_figures(at)
    assert funnel_fig.data[0].marker.color[worst] != funnel_fig.data[0].marker.color[0]  # highlighted
    trend = funnel.conversion_trend(events, STEPS, freq="W")
    shown = shown_table(at, "Converted")
    assert shown["Users at step 1"].tolist() == trend["entered"].tolist()
    assert shown["Converted"].tolist() == trend["converted"].tolist()
    times = funnel.step_times(events, STEPS, 1, 5)
    assert shown_table(at, "Time")["Users"].sum() == len(times)
    # the drop-off list defaults to the step before the biggest drop
    assert at.selectbox(key="fun_drop").value == worst
    dropped = funnel.dropped_users(events, STEPS, worst)
    assert f"**{format.count(len(dropped))}** users reached step {worst}" in _text(at)
    assert len(at.get("download_button")) == 5  # steps, trend, times, drop-off ids, report


def test_link_restores_steps_window_order_breakdown_and_view_settings():
    at = open_page(PAGE, fun_steps="visit,view|add_to_cart,purchase", fun_window="2", fun_unit="hours",
                   fun_order="strict", fun_by="device", fun_freq="D", fun_from="2", fun_to="3", fun_drop="2")
    assert not at.exception
    assert [at.multiselect(key=f"fun_step_{k}").value for k in (1, 2, 3)] == [
        ["visit"], ["view", "add_to_cart"], ["purchase"]]
    assert at.number_input(key="fun_window").value == 2
    assert at.selectbox(key="fun_unit").value == "hours"
    assert at.segmented_control(key="fun_order").value == "strict"
    assert at.selectbox(key="fun_by").value == "device"
    assert at.segmented_control(key="fun_freq").value == "D"
    assert (at.selectbox(key="fun_from").value, at.selectbox(key="fun_to").value) == (2, 3)
    assert at.selectbox(key="fun_drop").value == 2
    events, steps = _events(), ["visit", ["view", "add_to_cart"], "purchase"]
    options = dict(window=pd.Timedelta(hours=2), order="strict")
    _check_steps_table(shown_table(at, "Event(s)"), funnel.funnel(events, steps, **options))
    by_device = funnel.funnel(events, steps, by="device", **options)
    table = shown_table(at, "Device")
    assert table["Device"].tolist() == by_device["device"].iloc[::3].astype(str).tolist()
    assert table["Users at step 1"].tolist() == by_device["users"].iloc[::3].tolist()
    purchase = by_device["conversion"].iloc[2::3]
    np.testing.assert_allclose(table["→ 3 purchase (%)"], (purchase * 100).round(2))
    trend = funnel.conversion_trend(events, steps, freq="D", **options)
    assert shown_table(at, "Converted")["Converted"].tolist() == trend["converted"].tolist()
    assert shown_table(at, "Time")["Users"].sum() == len(funnel.step_times(events, steps, 2, 3, **options))
    dropped = funnel.dropped_users(events, steps, 2, **options)
    assert f"**{format.count(len(dropped))}** users reached step 2" in _text(at)
    titles = [fig.layout.title.text for fig in plotly_figures(at)]
    assert titles[0] == "Funnel: within 2 hours, strict order"
    assert titles[1] == "Conversion from step 1 by device"
    assert "Time from step 2 (view | add_to_cart) to step 3 (purchase)" in titles


def test_widgets_change_the_output_and_the_link():
    at = open_page(PAGE)
    events = _events()
    at.segmented_control(key="fun_order").set_value("any_order").run()
    assert at.query_params["fun_order"] == "any_order"
    _check_steps_table(shown_table(at, "Event(s)"), funnel.funnel(events, STEPS, order="any_order"))
    at.selectbox(key="fun_unit").set_value("none").run()
    assert at.number_input(key="fun_window").proto.disabled
    _check_steps_table(shown_table(at, "Event(s)"), funnel.funnel(events, STEPS, order="any_order", window=None))
    # steps: an OR-step, then one more step, then back to four steps
    at.multiselect(key="fun_step_4").set_value(["checkout", "purchase"]).run()
    assert at.query_params["fun_steps"] == "visit,view,add_to_cart,checkout|purchase,purchase"
    at.button(key="fun_remove").click().run()
    steps = ["visit", "view", "add_to_cart", ["checkout", "purchase"]]
    assert at.query_params["fun_steps"] == "visit,view,add_to_cart,checkout|purchase"
    _check_steps_table(shown_table(at, "Event(s)"), funnel.funnel(events, steps, order="any_order", window=None))
    at.button(key="fun_add").click().run()
    assert at.multiselect(key="fun_step_5").value == []
    assert "Empty steps are skipped" in _text(at)
    at.multiselect(key="fun_step_5").set_value(["visit"]).run()
    assert at.query_params["fun_steps"].endswith(",visit")
    at.selectbox(key="fun_by").set_value("region").run()
    assert "Region" in shown_table(at, "Users at step 1").columns
    assert not at.exception


def test_rfm_segment_breakdown_uses_the_segments_of_the_orders_in_the_range():
    at = open_page(PAGE, fun_by="segment")
    assert not at.exception
    first, last = data.date_bounds(data.SAMPLE_ID)
    orders = data.in_range(data.SAMPLE_ID, "orders", max(first, last - dt.timedelta(days=364)), last)
    segmented = rfm.segment(rfm.score(rfm.rfm_table(orders)))
    segments = pd.Series(segmented["segment"].array, index=pd.Index(segmented["customer_id"]), name="segment")
    expected = funnel.funnel(_events(), STEPS, by=segments)
    table = shown_table(at, "RFM segment")
    labels = expected["segment"].iloc[::5].astype(object).fillna("No order in range").tolist()
    assert table["RFM segment"].tolist() == labels
    assert table["Users at step 1"].tolist() == expected["users"].iloc[::5].tolist()
    purchase = expected["conversion"].iloc[4::5]
    np.testing.assert_allclose(table["→ 5 purchase (%)"], (purchase * 100).round(2))
    panels = [a.text for a in plotly_figures(at)[1].layout.annotations]
    assert panels[-1] == f"No order in range · {format.count(expected['users'].iloc[-5])} users"


@pytest.mark.parametrize("query, warning", [
    ({"fun_steps": "visit,nope"}, "unknown event names: nope"),
    ({"fun_steps": "visit"}, "a funnel needs 2 to 10 steps"),
    ({"fun_steps": "visit,,purchase"}, "a step without an event"),
])
def test_a_bad_steps_link_warns_and_falls_back_to_the_default_steps(query, warning):
    at = open_page(PAGE, **query)
    assert not at.exception
    assert any(warning in w.value and "showing the default steps" in w.value for w in at.warning)
    assert shown_table(at, "Event(s)")["Event(s)"].tolist() == STEPS


def test_bad_option_values_in_the_link_fall_back_to_defaults_and_the_window_is_capped():
    at = open_page(PAGE, fun_order="random", fun_by="weather", fun_from="9", fun_window="200")
    assert not at.exception
    assert at.segmented_control(key="fun_order").value == "sequential"
    assert at.selectbox(key="fun_by").value == "none"
    assert at.selectbox(key="fun_from").value == 1
    assert len(at.warning) == 3  # order, breakdown, from step
    # 200 days is more than the 90-day maximum
    assert at.number_input(key="fun_window").value == 200
    assert "capped at 90 days" in _text(at)
    assert plotly_figures(at)[0].layout.title.text == "Funnel: within 90 days, sequential"
    expected = funnel.funnel(_events(), STEPS, window=pd.Timedelta(days=90))
    assert shown_table(at, "Event(s)")["Users"].tolist() == expected["users"].tolist()


def test_view_only_link_shows_the_settings_disabled_with_downloads():
    at = open_page(PAGE, view="1", fun_order="strict", fun_by="channel", fun_steps="visit,purchase")
    assert not at.exception
    assert at.segmented_control(key="fun_order").value == "strict"
    assert at.selectbox(key="fun_by").value == "channel"
    for widget in (at.segmented_control(key="fun_order"), at.selectbox(key="fun_by"),
                   at.multiselect(key="fun_step_1"), at.multiselect(key="fun_step_2"),
                   at.number_input(key="fun_window"), at.selectbox(key="fun_unit"), at.button(key="fun_add"),
                   at.button(key="fun_remove"), at.segmented_control(key="fun_freq"),
                   at.selectbox(key="fun_from"), at.selectbox(key="fun_to"), at.selectbox(key="fun_drop")):
        assert widget.proto.disabled
    assert len(at.get("download_button")) == 6  # steps, channel table, trend, times, drop-off, report


# Orders so that the sidebar's default range (last 365 days of orders) covers the events.
TINY_ORDERS = pd.DataFrame({"customer_id": ["a", "b"], "amount": [10.0, 20.0],
                            "order_ts": pd.to_datetime(["2024-01-01", "2024-01-10"])})
# a: visit, view 5 min later, buy 25 min after that. b: visit, view 2 days later. c: visit only.
# d: a view without a visit, never in the funnel.
TINY_EVENTS = pd.DataFrame({
    "user_id": ["a", "a", "a", "b", "b", "c", "d"],
    "event_ts": pd.to_datetime(["2024-01-02 10:00", "2024-01-02 10:05", "2024-01-02 10:30",
                                "2024-01-03 09:00", "2024-01-05 09:00",
                                "2024-01-04 12:00", "2024-01-04 13:00"]),
    "event_name": ["visit", "view", "buy", "visit", "view", "visit", "view"],
})


def _tiny() -> str:
    return data.store().save(Dataset(TINY_ORDERS, TINY_EVENTS), "Tiny shop")


def test_tiny_shop_by_hand():
    ds_id = _tiny()
    # the sample's steps that exist here (visit, view) are the default
    at = open_page(PAGE, ds=ds_id)
    assert shown_table(at, "Event(s)")["Event(s)"].tolist() == ["visit", "view"]
    at = open_page(PAGE, ds=ds_id, fun_steps="visit,view,buy", fun_freq="D", fun_drop="1")
    assert not at.exception
    # visit a, b, c = 3; view a (5 min), b (2 days) = 2, median (300 s + 172,800 s) / 2 = 1.0 d; buy a
    # (25 min) = 1. Step conversions 2/3 and 1/2: the biggest drop is at step 3 (50% lost).
    table = shown_table(at, "Event(s)")
    assert table["Users"].tolist() == [3, 2, 1]
    assert table["From step 1 (%)"].tolist() == [100.0, 66.67, 33.33]
    assert table["Drop-off (%)"].tolist() == [0.0, 33.33, 50.0]
    assert table["Median time from previous"].tolist() == ["—", "1.0 d", "25.0 min"]
    assert _metrics(at)["Biggest drop"] == ("50.0% lost", "at step 3: buy")
    assert _metrics(at)["Median time to convert"][0] == "30.0 min"
    # entry days Jan 2 (a, converts), Jan 3 (b), Jan 4 (c)
    trend = shown_table(at, "Converted")
    assert trend["Entry period (start)"].tolist() == [dt.date(2024, 1, d) for d in (2, 3, 4)]
    assert trend["Converted"].tolist() == [1, 0, 0]
    # dropped after step 1: c only
    assert "**1** users reached step 1 (visit) but not step 2 (view)" in _text(at)
    # a 1-day window: b's view (2 days later) no longer counts; step 2 loses 2 of 3
    at = open_page(PAGE, ds=ds_id, fun_steps="visit,view,buy", fun_window="1")
    assert shown_table(at, "Event(s)")["Users"].tolist() == [3, 1, 1]
    assert _metrics(at)["Biggest drop"] == ("66.7% lost", "at step 2: view")


@pytest.mark.parametrize("query, message", [
    ({"range": ["2024-01-06", "2024-01-10"]}, "No events between 2024-01-06 and 2024-01-10"),
    ({"range": ["2024-01-03", "2024-01-10"], "fun_steps": "buy,view"}, "Nobody did step 1 (buy)"),
])
def test_tiny_shop_without_events_or_entrants_in_the_range_says_so(query, message):
    at = open_page(PAGE, ds=_tiny(), **query)
    assert not at.exception
    assert any(message in i.value for i in at.info)
    assert not at.get("plotly_chart")


def test_segment_breakdown_without_orders_in_the_range_warns_and_shows_the_plain_funnel():
    # Jan 2-5 holds every event of the tiny shop but none of its orders (Jan 1, Jan 10): no RFM segments.
    at = open_page(PAGE, ds=_tiny(), range=["2024-01-02", "2024-01-05"], fun_by="segment")
    assert not at.exception
    assert any("RFM segments are not available: rfm_table found no orders" in w.value for w in at.warning)
    assert shown_table(at, "Event(s)")["Users"].tolist() == [3, 2]  # visit a, b, c; view a, b (default steps)
    assert len(at.get("plotly_chart")) == 3  # funnel, trend, times: no breakdown


def test_a_data_set_without_events_points_to_the_data_page():
    ds_id = data.store().save(Dataset(TINY_ORDERS), "Orders only")
    at = open_page(PAGE, ds=ds_id)
    assert not at.exception
    assert "needs an **events** table" in at.info[0].value and "**Data** page" in at.info[0].value
    assert not at.get("plotly_chart")


@pytest.mark.parametrize("steps, text", [
    ([("visit",), ("checkout", "purchase")], "visit,checkout|purchase"),
    ([("a,b", "c|d"), ("back\\slash",)], "a\\,b|c\\|d,back\\\\slash"),
])
def test_steps_link_encoding_round_trips(steps, text):
    assert encode_steps(steps) == text
    assert decode_steps(text) == steps
