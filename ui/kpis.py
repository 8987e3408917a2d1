"""KPI tiles of the overview: st.metric tiles and the same figures as a table for downloads / reports, and
the monthly figures as a readable table."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from ui import format
from ui.text import t

FORMATS = {"gmv": format.money, "orders": format.count, "customers": format.count,
           "new_customers": format.count, "aov": format.money, "repeat_rate": format.pct,
           "arpu": format.money}


def tiles(kpis: pd.DataFrame) -> None:
    """Seven metric tiles (two rows) with the change against the previous period as the delta."""
    columns = [*st.columns(4), *st.columns(4)[:3]]
    for column, (name, row) in zip(columns, kpis.iterrows()):
        column.metric(t(f"overview.{name}"), FORMATS[name](row["current"]), format.change(row["change"]),
                      help=t(f"overview.{name}_help"))


def table(kpis: pd.DataFrame) -> pd.DataFrame:
    """The KPIs as display text: KPI, this period, previous period, change."""
    return pd.DataFrame({
        t("overview.kpi"): [t(f"overview.{name}") for name in kpis.index],
        t("overview.current"): [FORMATS[n](v) for n, v in kpis["current"].items()],
        t("overview.previous"): [FORMATS[n](v) for n, v in kpis["previous"].items()],
        t("overview.change"): [format.change(v) or "—" for v in kpis["change"]],
    })


def monthly_table(monthly: pd.DataFrame) -> pd.DataFrame:
    """``overview.monthly_trend`` output with readable column names and the month as ``2026-01``."""
    shown = monthly.assign(month=monthly["month"].dt.strftime("%Y-%m"))
    return shown.rename(columns={c: t(f"overview.col_{c}") for c in shown.columns})
