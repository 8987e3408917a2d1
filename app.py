"""Landing page: the executive overview of the active data set (KPI tiles, monthly trend, new vs. returning)."""

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import overview
from ui import kpis
from ui.charts import overview as charts
from ui.download import csv_button
from ui.report import report_button
from ui.sidebar import page_setup
from ui.text import t

active = page_setup("overview.title")


@st.cache_data(max_entries=32, show_spinner=False)
def _overview(ds_id: str, start: dt.date, end: dt.date, _orders: pd.DataFrame):
    """KPI tiles and the monthly trend of data set ``ds_id`` (``_orders`` is its orders table)."""
    return overview.kpis(_orders, start=start, end=end), overview.monthly_trend(_orders, start=start, end=end)


with st.spinner(t("common.computing")):
    tiles, monthly = _overview(active.ds_id, active.start, active.end, active.dataset.orders)

st.caption(t("overview.compare_note", days=(active.end - active.start).days + 1))
kpis.tiles(tiles)
if monthly["orders"].sum() == 0:
    st.info(t("overview.no_orders"))
    st.stop()
trend, split = charts.monthly_trend(monthly), charts.new_vs_returning(monthly)
st.plotly_chart(trend, key="trend")
st.plotly_chart(split, key="new_returning")
monthly_table = kpis.monthly_table(monthly)
with st.expander(t("overview.table")):
    st.dataframe(monthly_table, hide_index=True)
    csv_button(monthly_table, "monthly_overview.csv", key="dl_monthly")
report_button(t("overview.title"), active, figures=[trend, split],
              tables=[(t("overview.kpi_table"), kpis.table(tiles)), (t("overview.table"), monthly_table)],
              key="overview_report")
