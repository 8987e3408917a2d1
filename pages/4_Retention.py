"""Retention page: acquisition cohorts (first order ever, or first event with the events basis), the
cohort x offset heatmap with a target, retention / LTV curves with a channel or region breakdown, and the
repeat purchase rate. Cohorts are computed on the whole history as of the range end (ui.compute: in memory,
or pushed down to a live SQL data set's database); the page shows the cohorts that start inside the date
range."""

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import cohort
from analytics.errors import AnalyticsInputError
from ui import compute
from ui import retention_widgets as rw
from ui.charts import retention as charts
from ui.report import report_button
from ui.sidebar import page_setup
from ui.text import t

active = page_setup("retention.title")


@st.cache_data(max_entries=32, show_spinner=False)
def _shown(ds_id: str, start: dt.date, end: dt.date, basis: str, period: str, mode: str, offsets: int,
           by: str | None, _long: pd.DataFrame) -> dict:
    """The cohorts of ``_long`` (``compute.cohorts`` for the same arguments) that start on or after
    ``start``: their long frame, average curve and (orders) average LTV curve and, without ``by``, the
    retention and LTV matrices."""
    long = cohort.cohorts_since(_long, start)
    out = {"long": long, "curve": None, "ltv": None, "rates": None, "values": None}
    if long.empty:
        return out
    revenue = "revenue_per_customer" in long.columns
    out["curve"] = cohort.average_curve(long)
    out["ltv"] = cohort.average_revenue_curve(long) if revenue else None
    if by is None:
        out["rates"] = cohort.retention_matrix(long)
        out["values"] = cohort.retention_matrix(long, value="revenue_per_customer") if revenue else None
    return out


@st.cache_data(max_entries=32, show_spinner=False)
def _targets(ds_id: str, start: dt.date, end: dt.date, basis: str, period: str, mode: str, offsets: int,
             target_offset: int, target: float, _long: pd.DataFrame) -> pd.DataFrame:
    """Each shown cohort's retention at ``target_offset`` against ``target`` (``_long``: the shown cohorts
    of the same arguments)."""
    return cohort.below_target(_long, offset=target_offset, rate=target)


@st.cache_data(max_entries=32, show_spinner=False)
def _repeat(ds_id: str, start: dt.date, end: dt.date, _orders: pd.DataFrame) -> pd.DataFrame:
    """Repeat purchase rate within 30 / 90 / 180 days of the customers acquired on ``start``..``end``
    (``_orders``: the full orders table of ``ds_id``; first orders are read on the whole history)."""
    return cohort.repeat_rate(_orders, days=(30, 90, 180), asof=end, start=start)


if not compute.has_table(active, "orders"):
    st.info(t("retention.no_orders"))
    st.stop()
bases = {"orders": "orders", "activity": "events"}  # basis -> the table it reads
s = rw.settings({basis: compute.columns(active, kind) for basis, kind in bases.items()
                 if compute.has_table(active, kind)}, disabled=active.view_only)
by = None if s.breakdown == "none" else s.breakdown
grid = (s.basis, s.period, s.mode, s.offsets)  # what the cohort grid depends on besides the data set


def _views(by: str | None) -> dict:
    """``_shown`` of the cohorts of the data set for ``grid`` and breakdown ``by`` (cached stages)."""
    return _shown(active.ds_id, active.start, active.end, *grid, by, compute.cohorts(active, *grid, by))


try:
    with st.spinner(t("common.computing")):
        shown = _views(None)
except AnalyticsInputError as exc:
    st.error(t("common.input_error", message=exc))
    st.stop()
st.caption(t("retention.intro" if s.basis == "orders" else "retention.intro_activity",
             start=active.start, end=active.end))
long = shown["long"]
if long.empty:
    st.info(t("retention.no_cohorts", period=t(f"retention.period_{s.period}").lower(), start=active.start,
              end=active.end))
    st.stop()
flags = _targets(active.ds_id, active.start, active.end, *grid, s.target_offset, s.target, long)
curve, ltv = shown["curve"], shown["ltv"]
matrix = shown["rates"] if s.kind == "rate" else shown["values"]
average = curve.set_index("offset")["rate"] if s.kind == "rate" \
    else ltv.set_index("offset")["revenue_per_customer"]
rw.tiles(s, curve, flags, ltv if s.kind == "revenue" else None)

# heatmap: cohort x offset, average on top, cohorts below target marked
target_column = rw.offset_label(s.target_offset, s.period) if s.target > 0 else None
heat = charts.heatmap(rw.heatmap_values(matrix, average, s.period), kind=s.kind,
                      flagged=[False, *rw.below_flags(flags, matrix)],
                      title=t(f"retention.heatmap_title_{s.view}"),
                      y_title=t(f"retention.cohort_axis_{s.period}", first=t(f"retention.first_{s.basis}")),
                      target_column=target_column, outline=s.kind == "rate")
st.plotly_chart(heat, key="heatmap")
st.caption(rw.heatmap_note(s))
cohort_table = rw.matrix_table(matrix, average, flags, s)
with st.expander(t("retention.matrix_table")):
    st.caption(t(f"retention.matrix_note_{s.view}"))
    rw.show_table(cohort_table, f"retention_matrix_{s.view}.csv", key="matrix", kind=s.kind)

# curves: the average plus picked cohorts, and the breakdown by channel or region
st.subheader(t("retention.curves" if s.kind == "rate" else "retention.curves_ltv"))
picked = rw.pick_cohorts(list(matrix.index), s.period, disabled=active.view_only)
target = rw.curve_target(s)
lines = charts.curves(rw.curve_lines(average, matrix, picked, s.period, skip_zero=s.kind == "rate"),
                      kind=s.kind, title=t(f"retention.curves_title_{s.view}"),
                      highlight=t("retention.average_line"), target=target)
st.plotly_chart(lines, key="curves")
average_table = rw.average_table(curve, ltv, s)
with st.expander(t("retention.average_table")):
    rw.show_table(average_table, f"retention_average_{s.view}.csv", key="average", kind=s.kind)
figures, report_tables = [heat, lines], [(t("retention.matrix_table"), cohort_table),
                                         (t("retention.average_table"), average_table)]

if by is not None and compute.in_memory(active, t("live.retention_breakdown")):
    try:
        with st.spinner(t("common.computing")):
            split = _views(by)
    except AnalyticsInputError as exc:
        st.error(t("common.input_error", message=exc))
    else:
        frame, value = (split["curve"], "rate") if s.kind == "rate" \
            else (split["ltv"], "revenue_per_customer")
        group = t(f"retention.breakdown_noun_{by}")
        by_fig = charts.curves(rw.group_lines(frame, by, value, s.period, skip_zero=s.kind == "rate"),
                               kind=s.kind, title=t(f"retention.breakdown_title_{s.view}", breakdown=group),
                               target=target)
        st.plotly_chart(by_fig, key="breakdown")
        if by == "channel":
            st.caption(t("retention.breakdown_note_channel" if s.basis == "orders"
                         else "retention.breakdown_note_activity_channel"))
        by_table = rw.group_table(frame, by, value, s)
        with st.expander(t("retention.breakdown_table", breakdown=group)):
            rw.show_table(by_table, f"retention_by_{by}_{s.view}.csv", key="by_table", kind=s.kind)
        figures.append(by_fig)
        report_tables.append((t("retention.breakdown_table", breakdown=group), by_table))

# revenue view: repeat purchase rate of the customers acquired in the range
if s.view == "revenue":
    st.subheader(t("retention.repeat"))
if s.view == "revenue" and compute.in_memory(active, t("live.retention_repeat")):
    st.caption(t("retention.repeat_note", start=active.start, end=active.end))
    with st.spinner(t("common.computing")):
        repeat = _repeat(active.ds_id, active.start, active.end, active.dataset.orders)
    left, right = st.columns([1, 1])
    with left:
        repeat_target = rw.repeat_target(disabled=active.view_only)
        repeat_table = rw.repeat_table(repeat)
        rw.show_table(repeat_table, "repeat_rate.csv", key="repeat")
        if repeat["eligible"].sum() == 0:
            st.info(t("retention.no_repeat"))
    bars = charts.repeat_bars(repeat, target=repeat_target)
    right.plotly_chart(bars, key="repeat_bars")
    figures.append(bars)
    report_tables.append((t("retention.repeat"), repeat_table))

report_button(t("retention.title"), active, figures=figures, tables=report_tables, key="retention_report")
