"""Funnel page: ordered funnels over the events of the date range with a conversion window, OR-steps and
three order modes; the funnel with drop-offs and median times, a breakdown by channel / device / region
or RFM segment, the conversion trend by entry period, the time-to-convert histogram and the drop-off
users as a CSV. The funnel kernel (``user_depths``, in ui.compute) runs once per setting of steps, window,
order and breakdown; every view is derived from its per-user frame in a cheap cached stage. On a live SQL
data set the funnel itself (sequential, no breakdown) is pushed down to the database; the views that need
the per-user frame say that they need the data in memory."""

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import funnel, rfm
from analytics.errors import AnalyticsInputError
from ui import compute, format, state
from ui import funnel_widgets as fw
from ui.charts import funnel as charts
from ui.download import csv_button
from ui.report import report_button
from ui.sidebar import page_setup
from ui.text import t

active = page_setup("funnel.title")
locked = active.view_only


@st.cache_resource(max_entries=8, show_spinner=False)
def _segments(ds_id: str, start: dt.date, end: dt.date, _table: pd.DataFrame) -> pd.Series:
    """The RFM segment (default 5 x 5 map, quantile scores) of every customer of ``_table`` (the cached
    RFM table of the orders in ``start``..``end``, ``compute.rfm_table``), indexed by customer id."""
    segmented = rfm.segment(rfm.score(_table))
    return pd.Series(segmented["segment"].array, index=pd.Index(segmented["customer_id"]), name="segment")


@st.cache_data(max_entries=32, show_spinner=False)
def _trend(key: tuple, freq: str, _depths: pd.DataFrame) -> pd.DataFrame:
    """Conversion by entry period (``freq``) of the stage-1 frame of ``key``."""
    return funnel.trend_from(_depths, freq=freq)


@st.cache_data(max_entries=32, show_spinner=False)
def _times(key: tuple, from_step: int, to_step: int, _depths: pd.DataFrame) -> pd.Series:
    """Time from ``from_step`` to ``to_step`` per user of the stage-1 frame of ``key``."""
    return funnel.times_from(_depths, from_step, to_step)


@st.cache_data(max_entries=32, show_spinner=False)
def _dropped(key: tuple, after_step: int, _depths: pd.DataFrame) -> pd.Series:
    """Ids of the users of the stage-1 frame of ``key`` who reached ``after_step`` but not the next."""
    return funnel.dropped_from(_depths, after_step)


st.markdown(t("funnel.intro"))
if not compute.has_table(active, "events"):
    st.info(t("funnel.no_events"))
    st.stop()
try:
    names = compute.event_names(active)
except AnalyticsInputError as exc:
    st.error(t("common.input_error", message=exc))
    st.stop()
if len(names) < funnel.MIN_STEPS:
    st.info(t("funnel.few_names"))
    st.stop()
breakdowns = ["none", *(c for c in fw.EVENT_BREAKDOWNS if c in compute.columns(active, "events")),
              *(["segment"] if compute.has_table(active, "orders") else [])]
with st.container(border=True):
    s = fw.settings(names, breakdowns, disabled=locked)
if len(s.steps) < funnel.MIN_STEPS:
    st.info(t("funnel.need_two_steps"))
    st.stop()
if compute.empty_in_range(active, "events"):
    st.info(t("funnel.no_events_in_range", start=active.start, end=active.end))
    st.stop()
if s.order != compute.PUSHED_ORDER or s.by != "none":  # per-user work: in memory only
    compute.require_memory(active, t("live.funnel_options"))

by, segments = s.by, None
if by == "segment":
    try:
        with st.spinner(t("common.computing")):
            segments = _segments(active.ds_id, active.start, active.end, compute.rfm_table(active, None)[0])
    except AnalyticsInputError as exc:
        st.warning(t("funnel.no_segments", reason=str(exc)))
        by = "none"
key = (active.ds_id, active.start, active.end, s.steps, s.window, s.order, by)
try:
    with st.spinner(t("common.computing")):
        summary, by_summary, depths = compute.funnel_steps(active, s.steps, s.window, s.order, by, segments)
except AnalyticsInputError as exc:
    st.error(t("common.input_error", message=exc))
    st.stop()
n_steps = len(s.steps)
step_names = summary["name"].to_list()
if summary["users"].iloc[0] == 0:
    st.info(t("funnel.nobody", step=fw.escape_md(step_names[0]), start=active.start, end=active.end))
    st.stop()

# the funnel: tiles, chart with drop-offs, the step table
biggest = fw.biggest_drops(summary, n_steps)[0]
fw.tiles(summary, biggest, None if depths is None else fw.time_quantiles(_times(key, 1, n_steps, depths))[0])
funnel_fig = charts.funnel_chart(summary, biggest=biggest, title=t(
    "funnel.chart_title", window=s.window_text, order=t(f"funnel.order_noun_{s.order}")))
st.plotly_chart(funnel_fig, key="funnel_chart")
steps_table = fw.step_table(summary)
fw.show_table(steps_table, "funnel_steps.csv", key="steps")
figures, tables = [funnel_fig], [(t("funnel.table_title"), steps_table)]

# breakdown: one funnel per value side by side, conversion per value
if by_summary is not None:
    group = t(f"funnel.breakdown_noun_{by}")
    st.subheader(t("funnel.breakdown_section", breakdown=group))
    drops = fw.biggest_drops(by_summary, n_steps)
    first_users = by_summary["users"].iloc[::n_steps]
    labels = [t("funnel.panel_title", value=label, users=format.count(users))
              for label, users in zip(fw.group_labels(by_summary[by].iloc[::n_steps], by), first_users)]
    by_fig = charts.breakdown_chart(by_summary, by, labels, biggest=drops,
                                    title=t("funnel.breakdown_title", breakdown=group))
    st.plotly_chart(by_fig, key="breakdown_chart")
    st.caption(t("funnel.breakdown_note_channel" if by == "channel" else "funnel.breakdown_note"))
    by_table = fw.breakdown_table(by_summary, by, n_steps, drops)
    fw.show_table(by_table, f"funnel_by_{by}.csv", key="by_table")
    figures.append(by_fig)
    tables.append((t("funnel.breakdown_table", breakdown=group), by_table))


def _chart_and_table(fig, key: str, title: str, rows: pd.DataFrame, filename: str) -> None:
    """Show ``fig`` (widget key ``<key>_chart``) with its ``rows`` folded below it (CSV ``filename``);
    both go into the page report (``figures``, ``tables``)."""
    st.plotly_chart(fig, key=f"{key}_chart")
    with st.expander(title):
        fw.show_table(rows, filename, key=key)
    figures.append(fig)
    tables.append((title, rows))


# trend, times and drop-off users come from the per-user frame: in memory only
if compute.in_memory(active, t("live.funnel_sections")):
    # conversion trend by entry period
    st.subheader(t("funnel.trend"))
    freq = state.choice(st.segmented_control, t("funnel.freq"), fw.FREQS, key="fun_freq", default="W",
                        format_func=lambda f: t(f"funnel.freq_{f}"), required=True, disabled=locked)
    trend = _trend(key, freq, depths)
    trend_fig = charts.trend_chart(trend, freq=freq,
                                   provisional=fw.provisional_span(trend, freq, active.end, s.window),
                                   title=t("funnel.trend_title", period=t(f"funnel.freq_noun_{freq}")))
    st.caption(t("funnel.trend_note" if s.window is not None else "funnel.trend_note_none", end=active.end))
    _chart_and_table(trend_fig, "trend", t("funnel.trend"), fw.trend_table(trend), f"funnel_trend_{freq}.csv")

    # time to convert between any two steps
    st.subheader(t("funnel.times"))
    pair = st.container(horizontal=True, gap="medium")
    from_step = fw.step_choice(pair.selectbox, t("funnel.times_from"), range(1, n_steps), step_names,
                               key="fun_from", default=1, disabled=locked, width=260)
    to_step = fw.step_choice(pair.selectbox, t("funnel.times_to"), range(from_step + 1, n_steps + 1), step_names,
                             key="fun_to", default=n_steps, disabled=locked, width=260)
    times = _times(key, from_step, to_step, depths)
    if times.empty:
        st.info(t("funnel.times_none", b=to_step))
    else:
        median, p75, p90 = fw.time_quantiles(times)
        st.caption(t("funnel.times_note", users=format.count(len(times)), b=to_step,
                     median=charts.duration(median), p75=charts.duration(p75), p90=charts.duration(p90)))
        bins = charts.time_bins(times)
        times_fig = charts.times_chart(bins, title=t("funnel.times_title", a=from_step, b=to_step,
                                                     a_name=step_names[from_step - 1],
                                                     b_name=step_names[to_step - 1]))
        _chart_and_table(times_fig, "times", t("funnel.times"), fw.bins_table(bins),
                         f"funnel_time_{from_step}_to_{to_step}.csv")

    # the users who dropped after a step: a re-targeting list
    st.subheader(t("funnel.dropped"))
    after = state.choice(st.selectbox, t("funnel.dropped_after"), list(range(1, n_steps)), key="fun_drop",
                         default=biggest - 1 if biggest else 1, parse=int, disabled=locked, width=420,
                         format_func=lambda k: t("funnel.dropped_option", k=k, name=step_names[k - 1],
                                                 next=step_names[k]))
    dropped = _dropped(key, after, depths)
    st.markdown(t("funnel.dropped_note", users=format.count(len(dropped)), k=after, next=after + 1,
                  name=fw.escape_md(step_names[after - 1]), next_name=fw.escape_md(step_names[after])))
    csv_button(dropped.rename(t("funnel.col_user")).to_frame(), f"dropped_after_step_{after}.csv",
               key="dl_dropped", label_key="funnel.download_dropped")

report_button(t("funnel.title"), active, figures=figures, tables=tables, key="funnel_report")
