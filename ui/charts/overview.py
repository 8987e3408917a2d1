"""Overview charts: monthly trend and new vs. returning revenue."""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.charts.style import layout
from ui.text import t

_MONTHS = dict(tickformat="%Y-%m", hoverformat="%Y-%m")  # ISO months in every language (no "Nov 2025")


def monthly_trend(monthly: pd.DataFrame) -> go.Figure:
    """Monthly GMV (bars, left axis) with orders and active customers (lines, right axis)."""
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=monthly["month"], y=monthly["gmv"], name=t("overview.gmv"), secondary_y=False)
    fig.add_scatter(x=monthly["month"], y=monthly["orders"], name=t("overview.orders"),
                    mode="lines+markers", secondary_y=True)
    fig.add_scatter(x=monthly["month"], y=monthly["active_customers"], name=t("overview.active_customers"),
                    mode="lines+markers", secondary_y=True)
    fig.update_yaxes(title_text=t("overview.gmv"), secondary_y=False)
    fig.update_yaxes(title_text=t("overview.count_axis"), secondary_y=True)
    fig.update_xaxes(**_MONTHS)
    return layout(fig, t("overview.trend_title"))


def new_vs_returning(monthly: pd.DataFrame) -> go.Figure:
    """Stacked monthly revenue from new customers (first-order month) and returning customers."""
    fig = go.Figure()
    fig.add_bar(x=monthly["month"], y=monthly["new_revenue"], name=t("overview.new_revenue"))
    fig.add_bar(x=monthly["month"], y=monthly["returning_revenue"], name=t("overview.returning_revenue"))
    fig.update_layout(barmode="relative", yaxis_title=t("overview.revenue_axis"))
    fig.update_xaxes(**_MONTHS)
    return layout(fig, t("overview.new_vs_returning_title"))
