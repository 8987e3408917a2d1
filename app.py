"""Landing page: the executive overview of the active data set (KPI tiles, monthly trend, new vs. returning)."""

import streamlit as st

from analytics.errors import AnalyticsInputError
from ui import compute, kpis
from ui.charts import overview as charts
from ui.download import csv_button
from ui.report import report_button
from ui.sidebar import page_setup
from ui.text import t

active = page_setup("overview.title")

try:
    with st.spinner(t("common.computing")):
        tiles, monthly = compute.overview_tiles(active)
except AnalyticsInputError as exc:
    st.error(t("common.input_error", message=exc))
    st.stop()

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
