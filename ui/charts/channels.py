"""Channels charts: ROAS bars, CAC vs. LTV scatter with the LTV/CAC threshold line, weekly spend /
revenue / ROAS lines and the revenue share per attribution model."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.charts.style import PALETTE, layout
from ui.text import t

_FLAG = PALETTE[0]  # below the threshold
_OK = PALETTE[1]
_MUTED = "#9E9E9E"  # revenue without spend


def roas_bars(perf: pd.DataFrame) -> go.Figure:
    """Attributed ROAS per channel (``performance`` frame): spend without revenue is a bar at 0, revenue
    without spend has no ROAS and is marked "no spend"; a dashed line at ROAS 1 (revenue = spend)."""
    no_spend = (perf["spend"] == 0).to_numpy()
    roas = perf["roas"].to_numpy(dtype=np.float64)
    fig = go.Figure(go.Bar(
        x=perf["channel"], y=np.where(no_spend, 0.0, roas),
        text=[t("channels.no_spend") if gone else f"{value:.2f}" for gone, value in zip(no_spend, roas)],
        textposition="outside", cliponaxis=False, marker_color=np.where(no_spend, _MUTED, _OK),
        name=t("channels.roas_axis"), showlegend=False, hovertemplate="%{x}: %{text}<extra></extra>",
    ))
    fig.add_scatter(x=[perf["channel"].iloc[0], perf["channel"].iloc[-1]] if len(perf) else [], y=[1.0, 1.0],
                    mode="lines", line=dict(dash="dash", color=_MUTED), name=t("channels.break_even"),
                    hoverinfo="skip")
    fig.update_layout(yaxis_title=t("channels.roas_axis"))
    return layout(fig, t("channels.roas_title"), hovermode="closest")


def cac_vs_ltv(perf: pd.DataFrame, *, threshold: float, ltv_days: int, below: np.ndarray) -> go.Figure:
    """CAC (x) against LTV within ``ltv_days`` (y) per channel with a CAC, marked when ``below``, and the
    line LTV = ``threshold`` x CAC: channels under the line are below the threshold."""
    shown = (perf["cac"].notna() & perf["ltv"].notna()).to_numpy()
    points, low = perf[shown], below[shown]
    fig = go.Figure()
    rank = points["cac"].rank(method="first").to_numpy()  # labels alternate above / below by CAC
    place = np.where(rank % 2 == 1, "top center", "bottom center")
    for mask, name, color in ((~low, t("channels.above"), _OK),
                              (low, t("channels.below", threshold=f"{threshold:g}"), _FLAG)):
        part = points[mask]
        fig.add_scatter(x=part["cac"], y=part["ltv"], mode="markers+text", text=part["channel"],
                        textposition=list(place[mask]), name=name, marker=dict(size=12, color=color),
                        customdata=part["ltv_cac"],
                        hovertemplate=t("channels.scatter_hover") + "<extra></extra>")
    top = float(points["cac"].max()) * 1.15 if len(points) else 1.0
    fig.add_scatter(x=[0.0, top], y=[0.0, threshold * top], mode="lines", line=dict(dash="dash", color=_MUTED),
                    name=t("channels.threshold_line", threshold=f"{threshold:g}"), hoverinfo="skip")
    fig.update_layout(xaxis_title=t("channels.cac_axis"), yaxis_title=t("channels.ltv_axis", days=ltv_days),
                      xaxis_rangemode="tozero", yaxis_rangemode="tozero")
    return layout(fig, t("channels.scatter_title", days=ltv_days), hovermode="closest")


def weekly_lines(trend: pd.DataFrame, channels: Sequence[str]) -> go.Figure:
    """Weekly spend, attributed revenue and ROAS (three stacked panels, shared x) for ``channels`` of a
    ``weekly_trend`` frame; a channel keeps its colour in every panel."""
    metrics = ("spend", "revenue", "roas")
    fig = make_subplots(rows=3, cols=1, shared_xaxes=True, vertical_spacing=0.04)
    for i, channel in enumerate(channels):
        rows = trend[trend["channel"] == channel]
        color = PALETTE[i % len(PALETTE)]
        for row, metric in enumerate(metrics, start=1):
            fig.add_scatter(x=rows["period"], y=rows[metric], mode="lines", name=channel, legendgroup=channel,
                            showlegend=row == 1, line=dict(color=color), row=row, col=1)
    for row, metric in enumerate(metrics, start=1):
        fig.update_yaxes(title_text=t(f"channels.trend_{metric}"), row=row, col=1)
    fig.update_xaxes(tickformat="%Y-%m-%d", hoverformat="%Y-%m-%d")  # ISO weeks in every language
    fig.update_layout(height=720)
    return layout(fig, t("channels.trend_title"))


def share_bars(comparison: pd.DataFrame) -> go.Figure:
    """Grouped bars: revenue share (%) per channel (first column of ``comparison``) under every model
    (the other columns)."""
    channel = comparison.columns[0]
    fig = go.Figure()
    for model in comparison.columns[1:]:
        fig.add_bar(x=comparison[channel], y=comparison[model], name=model,
                    hovertemplate="%{x}: %{y:.1f}%<extra>" + model + "</extra>")
    fig.update_layout(barmode="group", yaxis_title=t("channels.share_axis"), yaxis_ticksuffix="%")
    return layout(fig, t("channels.share_title"), hovermode="closest")
