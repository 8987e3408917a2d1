"""Channels page: spend, attributed orders and revenue, ROAS, CAC, LTV, LTV/CAC and payback per channel
for the date range, under a chosen attribution model; weekly trends; the revenue share per channel under
every attribution model side by side. Numbers are attributed, never caused. Performance and the trend come
from ui.compute (in memory, or pushed down to a live SQL data set's database: last touch only)."""

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import channels
from analytics.errors import AnalyticsInputError
from ui import channels_widgets as cw
from ui import compute, format
from ui.charts import channels as charts
from ui.report import report_button
from ui.sidebar import page_setup
from ui.text import t

active = page_setup("channels.title")


@st.cache_data(max_entries=32, show_spinner=False)
def _compare(ds_id: str, start: dt.date, end: dt.date, lookback: int, half_life: int, _orders: pd.DataFrame,
             _events: pd.DataFrame) -> pd.DataFrame:
    """Revenue share per channel under every multi-touch model for the orders of the range."""
    return channels.compare_models(_orders, _events, lookback=pd.Timedelta(days=lookback),
                                   half_life=pd.Timedelta(days=half_life))


st.caption(t("channels.intro"))
s = cw.settings(multi_touch=compute.multi_touch(active), live=active.live, disabled=active.view_only)
if compute.empty_in_range(active, "orders") and compute.empty_in_range(active, "spend"):
    st.info(t("channels.nothing", start=active.start, end=active.end))
    st.stop()
if "channel" not in compute.columns(active, "orders"):
    st.info(t("channels.no_order_channel"))
    st.stop()
key = (active.ds_id, active.start, active.end)
try:
    with st.spinner(t("channels.attributing") if s.model != cw.ORDER_CHANNEL else t("common.computing")):
        perf = compute.performance(active, *s.credit_key(), s.ltv_days)
except AnalyticsInputError as exc:
    st.error(t("common.input_error", message=exc))
    st.stop()

below = cw.below(perf, s.threshold)
tiles = st.columns(4)
tiles[0].metric(t("channels.metric_spend"), format.money(perf["spend"].sum()))
tiles[1].metric(t("channels.metric_revenue"), format.money(perf["revenue"].sum()),
                help=t("channels.metric_revenue_help", model=cw.model_label(s.model)))
tiles[2].metric(t("channels.metric_new"), format.count(perf["new_customers"].sum()),
                help=t("channels.metric_new_help"))
tiles[3].metric(t("channels.metric_below", threshold=cw.threshold_text(s.threshold)),
                t("channels.metric_below_value", below=int(below.sum()), judged=int(perf["ltv_cac"].notna().sum())),
                help=t("channels.metric_below_help", threshold=cw.threshold_text(s.threshold)))

st.subheader(t("channels.table_title", model=cw.model_label(s.model)))
table = cw.performance_table(perf, s)
cw.show_table(table, "channels.csv", key="performance", config=cw.performance_config(s))
st.caption(t("channels.table_note", days=s.ltv_days, threshold=cw.threshold_text(s.threshold)))
left, right = st.columns(2)
roas = charts.roas_bars(perf)
left.plotly_chart(roas, key="roas")
scatter = charts.cac_vs_ltv(perf, threshold=s.threshold, ltv_days=s.ltv_days, below=below)
right.plotly_chart(scatter, key="cac_ltv")
missing = cw.unplotted(perf)
if missing:
    right.caption(t("channels.unplotted", channels=", ".join(missing)))
figures, tables = [roas, scatter], [(t("channels.table_title", model=cw.model_label(s.model)), table)]

st.subheader(t("channels.trend"))
st.caption(t("channels.trend_note"))
try:
    with st.spinner(t("common.computing")):
        trend = compute.weekly_trend(active)
except AnalyticsInputError as exc:
    st.error(t("common.input_error", message=exc))
    st.stop()
if trend.empty:
    st.info(t("channels.no_trend"))
else:
    picked = cw.trend_channels(trend, disabled=active.view_only)
    lines = charts.weekly_lines(trend, picked)
    st.plotly_chart(lines, key="trend")
    figures.append(lines)

st.subheader(t("channels.compare"))
if not s.multi_touch:
    if compute.in_memory(active, t("live.channels_models")):  # live: what needs memory, else: why not
        st.info(t("channels.compare_unavailable"))
else:
    st.caption(t("channels.compare_note", lookback=s.lookback, half_life=s.half_life))
    try:
        with st.spinner(t("channels.attributing")):
            compared = _compare(*key, s.lookback, s.half_life, active.table("orders"), active.dataset.events)
            own = compute.performance(active, cw.ORDER_CHANNEL, None, None, s.ltv_days)
    except AnalyticsInputError as exc:
        st.error(t("common.input_error", message=exc))
    else:
        shares = cw.comparison_table(compared, own)
        cw.show_table(shares, "channel_attribution_models.csv", key="models", config=cw.share_config(shares))
        share_fig = charts.share_bars(shares)
        st.plotly_chart(share_fig, key="shares")
        figures.append(share_fig)
        tables.append((t("channels.compare"), shares))

report_button(t("channels.title"), active, figures=figures, tables=tables, key="channels_report")
