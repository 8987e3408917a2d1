"""Landing page: the executive overview of the active data set (KPI tiles, monthly trend, new vs. returning)."""

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import overview
from ui import format
from ui.charts import overview as charts
from ui.download import csv_button
from ui.sidebar import page_setup
from ui.text import t

active = page_setup("overview.title")


@st.cache_data(max_entries=32, show_spinner=False)
def _overview(ds_id: str, start: dt.date, end: dt.date, _orders: pd.DataFrame):
    """KPI tiles and the monthly trend of data set ``ds_id`` (``_orders`` is its orders table)."""
    orders = _orders
    return overview.kpis(orders, start=start, end=end), overview.monthly_trend(orders, start=start, end=end)


with st.spinner(t("common.computing")):
    tiles, monthly = _overview(active.ds_id, active.start, active.end, active.dataset.orders)

st.caption(t("overview.compare_note", days=(active.end - active.start).days + 1))
FORMATS = {"gmv": format.money, "orders": format.count, "customers": format.count,
           "new_customers": format.count, "aov": format.money, "repeat_rate": format.pct,
           "arpu": format.money}
columns = [*st.columns(4), *st.columns(4)[:3]]
for column, (name, row) in zip(columns, tiles.iterrows()):
    column.metric(t(f"overview.{name}"), FORMATS[name](row["current"]), format.change(row["change"]),
                  help=t(f"overview.{name}_help"))

if monthly["orders"].sum() == 0:
    st.info(t("overview.no_orders"))
    st.stop()
st.plotly_chart(charts.monthly_trend(monthly), key="trend")
st.plotly_chart(charts.new_vs_returning(monthly), key="new_returning")
with st.expander(t("overview.table")):
    st.dataframe(monthly, hide_index=True)
    csv_button(monthly, "monthly_overview.csv", key="dl_monthly")
