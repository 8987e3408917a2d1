"""The Retention page: cohorts on the full history shown for the range, targets, curves, breakdowns, the
revenue view and the activity basis, on the bundled sample (numbers checked against analytics.cohort called
directly) and on a tiny saved data set worked out by hand."""

import datetime as dt
import functools
import numpy as np
import pandas as pd
import pytest

from analytics import Dataset, cohort
from tests.pages.conftest import open_page, shown_table, plotly_figures, plotly_array
from ui import data, format

PAGE = "pages/4_Retention.py"


@functools.cache
def _range():
    """The sidebar's default range: the last 365 days of the sample."""
    first, last = data.date_bounds(data.SAMPLE_ID)
    return max(first, last - dt.timedelta(days=364)), last


def _shown(basis="orders", by=None, **options):
    """The page's cohorts: retention on the whole history as of the range end, cohorts from its start."""
    start, end = _range()
    ds = data.dataset(data.SAMPLE_ID)
    if basis == "activity":
        long = cohort.activity_retention(ds.events, asof=end, by=by, **options)
    else:
        long = cohort.retention(ds.orders, asof=end, by=by, measure="revenue", **options)
    return cohort.cohorts_since(long, start)


def _metrics(at):
    return {m.label: (m.value, m.delta) for m in at.metric}








def _offsets(frame):
    return [c for c in frame.columns if c[0] in "DWM" and c[1:].isdigit()]


def test_default_view_shows_monthly_cohorts_of_the_range_on_the_full_history():
    at = open_page(PAGE)
    assert not at.exception
    long = _shown(period="M", max_offset=12)
    matrix = cohort.retention_matrix(long)
    curve = cohort.average_curve(long)
    # acquisition = first order ever: the first shown cohort holds exactly the customers whose first
    # order (amount >= 0) on the whole history falls in its month
    orders = data.dataset(data.SAMPLE_ID).orders
    first = orders[orders["amount"] >= 0].groupby("customer_id", observed=True)["order_ts"].min()
    start, _ = _range()
    month = pd.Timestamp(start).to_period("M")
    assert matrix["size"].iloc[0] == (first.dt.to_period("M") == month).sum()
    metrics = _metrics(at)
    assert metrics["New customers"][0] == format.count(matrix["size"].sum())
    assert metrics["Cohorts"][0] == str(len(matrix))
    m1 = curve.loc[curve["offset"] == 1, "rate"].iloc[0]
    assert metrics["Average M1 retention"] == (format.pct(m1), f"{(m1 - 0.15) * 100:+.1f} pp vs target")
    flags = cohort.below_target(long, offset=1, rate=0.15)
    assert metrics["Cohorts below target"][0] == f"{flags['below'].sum()} of {flags['rate'].notna().sum()}"
    table = shown_table(at, "Below target")
    assert table["Cohort"].tolist() == ["Average (weighted)", *(f"{c:%Y-%m}" for c in matrix.index)]
    assert table["Customers"].tolist() == [matrix["size"].sum(), *matrix["size"]]
    offsets = [c for c in matrix.columns if c != "size"]
    assert _offsets(table) == [f"M{k}" for k in offsets]
    expected = np.vstack([curve.set_index("offset")["rate"].reindex(offsets), matrix[offsets]]) * 100
    np.testing.assert_allclose(table[_offsets(table)].to_numpy(dtype=float), expected.round(2))
    heat, lines = plotly_figures(at)
    assert heat.data[0].y[1] == f"{matrix.index[0]:%Y-%m} ({matrix['size'].iloc[0]:,})"
    z = plotly_array(heat.data[0].z)
    assert z.shape == (len(matrix) + 1, len(offsets))
    assert np.isnan(z[-1, 1])  # the last cohort's M1 is not observable: blank, not 0
    assert [trace.name for trace in lines.data] == ["Average of the cohorts shown", "Target M1 ≥ 15.0%"]
    assert len(at.get("download_button")) == 3  # cohort table, average curve, report


def test_link_restores_period_mode_offsets_target_cohorts_and_breakdown():
    at = open_page(PAGE, ret_period="W", ret_mode="on_or_after", ret_offsets="8", ret_target_k="2",
                   ret_target="50", ret_cohorts="2026-01-05,2026-03-02", ret_breakdown="channel")
    assert not at.exception
    assert at.segmented_control(key="ret_period").value == "W"
    assert at.segmented_control(key="ret_mode").value == "on_or_after"
    assert at.slider(key="ret_offsets").value == 8
    assert at.selectbox(key="ret_target_k").value == 2
    assert at.number_input(key="ret_target").value == 50.0
    assert at.multiselect(key="ret_cohorts").value == ["2026-01-05", "2026-03-02"]
    long = _shown(period="W", mode="on_or_after", max_offset=8)
    flags = cohort.below_target(long, offset=2, rate=0.5)
    table = shown_table(at, "Below target")
    assert _offsets(table) == [f"W{k}" for k in range(9)]
    assert table["Below target"].iloc[1:].tolist() == flags["below"].tolist()
    heat, lines, by_channel = plotly_figures(at)
    flagged = [label for label in heat.layout.yaxis.ticktext if "▼" in label]
    assert len(flagged) == flags["below"].sum() > 0
    assert [trace.name for trace in lines.data] == [
        "Average of the cohorts shown", "2026-01-05", "2026-03-02", "Target W2 ≥ 50.0%"]
    split = cohort.average_curve(_shown(period="W", mode="on_or_after", max_offset=8, by="channel"))
    by_table = shown_table(at, "Group")
    douyin = split[split["channel"] == "douyin"].set_index("offset")["rate"]
    row = by_table.set_index("Group").loc["douyin"]
    np.testing.assert_allclose(row[[f"W{k}" for k in range(9)]].to_numpy(dtype=float),
                               (douyin * 100).round(2).to_numpy())
    assert {trace.name for trace in by_channel.data} >= {"douyin", "organic", "wechat"}


def test_widgets_change_the_output_and_the_link():
    at = open_page(PAGE)
    at.segmented_control(key="ret_period").set_value("W").run()
    assert not at.exception
    long = _shown(period="W", max_offset=12)
    assert _metrics(at)["Cohorts"][0] == str(long["cohort"].nunique())
    assert at.query_params["ret_period"] == "W"
    at.number_input(key="ret_target").set_value(25.0).run()
    flags = cohort.below_target(long, offset=1, rate=0.25)
    below = f"{flags['below'].sum()} of {flags['rate'].notna().sum()}"
    assert _metrics(at)["Cohorts below target"][0] == below
    at.selectbox(key="ret_breakdown").set_value("region").run()
    assert len(at.get("plotly_chart")) == 3
    assert at.query_params["ret_breakdown"] == "region"


def test_revenue_view_shows_the_ltv_curve_and_the_repeat_rate():
    at = open_page(PAGE, ret_view="revenue", ret_repeat_target="70")
    assert not at.exception
    long = _shown(period="M", max_offset=12)
    ltv = cohort.average_revenue_curve(long)
    reached = ltv[ltv["customers"] > 0]
    label = f"LTV by M{reached['offset'].iloc[-1]}"
    assert _metrics(at)[label][0] == format.money(reached["revenue_per_customer"].iloc[-1])
    table = shown_table(at, "Below target")
    values = cohort.retention_matrix(long, value="revenue_per_customer")
    np.testing.assert_allclose(table[_offsets(table)].iloc[1:].to_numpy(dtype=float),
                               values.drop(columns="size").to_numpy().round(2))
    start, end = _range()
    repeat = cohort.repeat_rate(data.dataset(data.SAMPLE_ID).orders, asof=end, start=start)
    shown = shown_table(at, "Eligible customers")
    assert shown["Eligible customers"].tolist() == repeat["eligible"].tolist()
    assert shown["Repeat rate (%)"].tolist() == pytest.approx((repeat["rate"] * 100).round(2).tolist())
    bars = plotly_figures(at)[-1]
    assert bars.layout.shapes[0].y0 == 0.7  # the target line
    assert len(at.get("download_button")) == 4  # cohort table, average curve, repeat rate, report


def test_events_basis_measures_activity_retention_from_the_first_event():
    at = open_page(PAGE, ret_basis="activity")
    assert not at.exception
    assert "first event ever" in "".join(c.value for c in at.caption)
    assert "New users" in _metrics(at)
    matrix = cohort.retention_matrix(_shown("activity", period="M", max_offset=12))
    table = shown_table(at, "Below target")
    assert table["Customers"].iloc[1:].tolist() == matrix["size"].tolist()
    np.testing.assert_allclose(table[_offsets(table)].iloc[1:].to_numpy(dtype=float),
                               (matrix.drop(columns="size").to_numpy() * 100).round(2))


# old: first order in Dec 2023, so not new in the range; a: Jan 5, Feb 3; b: Jan 20; c: Feb 10, Mar 5;
# d: Mar 31 (the last day: March is fully observed); refund by b in Feb is not an order.
TINY = pd.DataFrame({
    "customer_id": ["old", "old", "old", "a", "a", "b", "b", "c", "c", "d"],
    "order_ts": pd.to_datetime(["2023-12-10", "2024-01-15", "2024-02-10", "2024-01-05", "2024-02-03",
                                "2024-01-20", "2024-02-15", "2024-02-10", "2024-03-05", "2024-03-31"]),
    "amount": [50.0, 20.0, 30.0, 10.0, 5.0, 20.0, -3.0, 7.0, 9.0, 4.0],
})


def test_tiny_shop_by_hand_cohorts_start_in_the_range_and_follow_the_first_order_ever():
    ds_id = data.store().save(Dataset(TINY), "Tiny shop")
    at = open_page(PAGE, ds=ds_id, range=["2024-01-01", "2024-03-31"], ret_target="60")
    assert not at.exception
    # Jan {a, b}: Feb a -> 50%, Mar nobody -> 0%. Feb {c}: Mar c -> 100%. Mar {d}. "old" is in the
    # Dec cohort, which starts before the range. Average M1 (1 + 1) / (2 + 1), M2 0 / 2.
    table = shown_table(at, "Below target")
    assert table["Cohort"].tolist() == ["Average (weighted)", "2024-01", "2024-02", "2024-03"]
    assert table["Customers"].tolist() == [4, 2, 1, 1]
    assert table["M1"].tolist()[:3] == [66.67, 50.0, 100.0]
    assert table["M2"].tolist()[:2] == [0.0, 0.0]
    assert np.isnan(table["M1"].iloc[3]) and np.isnan(table["M2"].iloc[2])
    # target M1 >= 60%: Jan (50%) is below, Feb (100%) is not, Mar has not reached M1
    assert table["Below target"].tolist() == [None, True, False, False]
    assert _metrics(at)["Cohorts below target"][0] == "1 of 2"
    assert _metrics(at)["Average M1 retention"] == ("66.7%", "+6.7 pp vs target")
    heat = plotly_figures(at)[0]
    assert heat.layout.yaxis.ticktext[1] == "<span style='color:#E4572E'><b>▼ 2024-01 (2)</b></span>"
    at = open_page(PAGE, ds=ds_id, range=["2024-01-01", "2024-03-31"], ret_view="revenue")
    # revenue per customer: Jan (10 + 20) / 2 = 15, + 5 - 3 in Feb -> 16, nothing in Mar -> 16
    table = shown_table(at, "Below target")
    assert table[["M0", "M1", "M2"]].iloc[1].tolist() == [15.0, 16.0, 16.0]
    # repeat rate of the customers acquired from Jan 1 ("old" is not new): eligible for 30 days =
    # first order at least 30 days before Mar 31: a, b, c (d is not); again within 30 days: a (Jan 5 ->
    # Feb 3, 29 days) and c (Feb 10 -> Mar 5, 24 days); b's refund is not an order -> 2 of 3
    repeat = shown_table(at, "Eligible customers")
    assert repeat.iloc[0].tolist() == ["30 days", 3, 2, 66.67]


def test_a_range_without_a_cohort_start_shows_a_message():
    at = open_page(PAGE, range=["2026-10-05", "2026-10-20"])
    assert not at.exception
    assert "No month cohort starts inside the selected date range" in at.info[0].value
    weekly = open_page(PAGE, range=["2026-10-05", "2026-10-20"], ret_period="W")
    assert not weekly.info and _metrics(weekly)["Cohorts"][0] == "3"  # Oct 5, 12 and 19


def test_bad_link_values_warn_and_fall_back_to_the_defaults():
    at = open_page(PAGE, ret_period="Q", ret_breakdown="device", ret_offsets="99")
    assert not at.exception
    warnings = " ".join(w.value for w in at.warning)
    assert "Cohort period" in warnings and "Break the curve down by" in warnings
    assert at.segmented_control(key="ret_period").value == "M"
    assert at.selectbox(key="ret_breakdown").value == "none"
    assert at.slider(key="ret_offsets").value == 12


def test_view_only_link_shows_the_senders_settings_disabled():
    at = open_page(PAGE, view="1", ret_period="W", ret_target="20", ret_view="revenue")
    assert not at.exception
    period = at.segmented_control(key="ret_period")
    assert period.value == "W" and period.proto.disabled
    target = at.number_input(key="ret_target")
    assert target.value == 20.0 and target.proto.disabled
    for widget in (at.segmented_control(key="ret_view"), at.slider(key="ret_offsets"),
                   at.selectbox(key="ret_target_k"), at.selectbox(key="ret_breakdown"),
                   at.multiselect(key="ret_cohorts"), at.number_input(key="ret_repeat_target")):
        assert widget.proto.disabled
    assert len(at.get("download_button")) == 4
