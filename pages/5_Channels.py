"""Channels page: spend, attributed orders and revenue, ROAS, CAC, LTV, LTV/CAC and payback per channel
for the date range, under a chosen attribution model; weekly trends; the revenue share per channel under
every attribution model side by side. Numbers are attributed, never caused."""

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import channels
from analytics.errors import AnalyticsInputError
from ui import channels_widgets as cw
from ui import format
from ui.charts import channels as charts
from ui.report import report_button
from ui.sidebar import page_setup
from ui.text import t

active = page_setup("channels.title")


@st.cache_data(max_entries=32, show_spinner=False)
def _credit(ds_id: str, start: dt.date, end: dt.date, model: str, lookback: int | None,
            half_life: int | None, _orders: pd.DataFrame, _events: pd.DataFrame) -> pd.DataFrame | None:
    """Attributed orders and revenue per channel of the orders of ``start``..``end`` (``_orders``) under
    ``model`` (``_events``: the full events table, so touchpoints before ``start`` count); None for the
    order's own channel (performance then credits ``orders.channel``). Days -> durations."""
    if model == cw.ORDER_CHANNEL:
        return None
    options = {"lookback": pd.Timedelta(days=lookback)}
    if half_life is not None:
        options["half_life"] = pd.Timedelta(days=half_life)
    return channels.attribute(_orders, _events, model=model, **options)


@st.cache_data(max_entries=32, show_spinner=False)
def _performance(ds_id: str, start: dt.date, end: dt.date, model: str, lookback: int | None,
                 half_life: int | None, ltv_days: int, _orders: pd.DataFrame, _spend: pd.DataFrame,
                 _credit: pd.DataFrame | None) -> pd.DataFrame:
    """Per-channel performance of data set ``ds_id`` on ``start``..``end`` (``_orders`` / ``_spend``: the
    full tables, so LTV follows customers past ``end``; ``_credit``: the ``_credit`` result of the same
    arguments)."""
    return channels.performance(_orders, _spend, ltv_days=ltv_days, attribution=_credit, start=start, end=end)


@st.cache_data(max_entries=32, show_spinner=False)
def _compare(ds_id: str, start: dt.date, end: dt.date, lookback: int, half_life: int, _orders: pd.DataFrame,
             _events: pd.DataFrame) -> pd.DataFrame:
    """Revenue share per channel under every multi-touch model for the orders of the range."""
    return channels.compare_models(_orders, _events, lookback=pd.Timedelta(days=lookback),
                                   half_life=pd.Timedelta(days=half_life))


@st.cache_data(max_entries=32, show_spinner=False)
def _trend(ds_id: str, start: dt.date, end: dt.date, _orders: pd.DataFrame, _spend: pd.DataFrame):
    """Weekly spend, revenue and ROAS per channel of the rows of the range."""
    return channels.weekly_trend(_orders, _spend, freq="W")


st.caption(t("channels.intro"))
dataset = active.dataset
multi_touch = "channel" in dataset.events.columns and not dataset.events.empty
s = cw.settings(multi_touch=multi_touch, disabled=active.view_only)
orders, spend = active.table("orders"), active.table("spend")
if orders.empty and spend.empty:
    st.info(t("channels.nothing", start=active.start, end=active.end))
    st.stop()
if "channel" not in dataset.orders.columns:
    st.info(t("channels.no_order_channel"))
    st.stop()
key = (active.ds_id, active.start, active.end)
try:
    with st.spinner(t("channels.attributing") if s.model != cw.ORDER_CHANNEL else t("common.computing")):
        credit = _credit(*key, *s.credit_key(), orders, dataset.events)
        perf = _performance(*key, *s.credit_key(), s.ltv_days, dataset.orders, dataset.spend, credit)
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
with st.spinner(t("common.computing")):
    trend = _trend(*key, orders, spend)
if trend.empty:
    st.info(t("channels.no_trend"))
else:
    picked = cw.trend_channels(trend, disabled=active.view_only)
    lines = charts.weekly_lines(trend, picked)
    st.plotly_chart(lines, key="trend")
    figures.append(lines)

st.subheader(t("channels.compare"))
if not multi_touch:
    st.info(t("channels.compare_unavailable"))
else:
    st.caption(t("channels.compare_note", lookback=s.lookback, half_life=s.half_life))
    try:
        with st.spinner(t("channels.attributing")):
            compared = _compare(*key, s.lookback, s.half_life, orders, dataset.events)
            own = _performance(*key, cw.ORDER_CHANNEL, None, None, s.ltv_days, dataset.orders,
                               dataset.spend, None)
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
