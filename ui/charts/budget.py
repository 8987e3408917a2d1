"""Budget charts: response curves over the observed days (small multiples) and spend / revenue per
channel by scenario."""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.charts.style import PALETTE, layout
from ui.text import t

_COLUMNS = 3
_ROW_HEIGHT = 250
_BARS_HEIGHT = 420
_LEGEND_GAP = 30  # px between the plot area and the legend, room for the panel titles
_CURVE_POINTS = 120
_MARKS = ("circle", "diamond", "star", "square", "triangle-up")


def response_curves(points: pd.DataFrame, curves: Mapping, titles: Mapping,
                    marks: pd.DataFrame) -> go.Figure:
    """One panel per channel of ``titles`` (channel -> panel title), in that order: the observed days
    (``points``: channel, spend, revenue), the fitted curve (``curves``: channel -> callable spend ->
    revenue; channels without one show their days only) and one marker per scenario (``marks``: channel,
    scenario, spend, revenue). Curves are drawn from 0 to a little beyond the largest spend shown."""
    channels = list(titles)
    rows = max(1, math.ceil(len(channels) / _COLUMNS))
    height = _ROW_HEIGHT * rows + 120
    fig = make_subplots(rows=rows, cols=_COLUMNS, subplot_titles=[titles[c] for c in channels],
                        horizontal_spacing=0.06, vertical_spacing=80 / (height - 160),
                        x_title=t("budget.spend_axis"), y_title=t("budget.revenue_axis"))
    scenarios = list(dict.fromkeys(marks["scenario"]))
    traces, rows_of, cols_of = [], [], []
    for i, channel in enumerate(channels):
        days = points[points["channel"] == channel]
        mine = marks[marks["channel"] == channel]
        panel = [go.Scatter(x=days["spend"], y=days["revenue"], mode="markers", name=t("budget.observed"),
                            legendgroup="observed", showlegend=i == 0,
                            marker=dict(size=4, color="#9AA0A6", opacity=0.45))]
        if channel in curves:
            top = max(days["spend"].max() if len(days) else 0.0, mine["spend"].max() if len(mine) else 0.0)
            grid = np.linspace(0.0, 1.1 * top if top > 0 else 1.0, _CURVE_POINTS)
            panel.append(go.Scatter(x=grid, y=curves[channel](grid), mode="lines", name=t("budget.fitted"),
                                    legendgroup="fitted", showlegend=i == 0,
                                    line=dict(color=PALETTE[3], width=2)))
        for j, scenario in enumerate(scenarios):
            mark = mine[mine["scenario"] == scenario]
            panel.append(go.Scatter(x=mark["spend"], y=mark["revenue"], mode="markers", name=scenario,
                                    legendgroup=scenario, showlegend=i == 0,
                                    marker=dict(size=12, symbol=_MARKS[j % len(_MARKS)],
                                                color=PALETTE[j % len(PALETTE)],
                                                line=dict(width=1, color="white"))))
        traces += panel
        rows_of += [i // _COLUMNS + 1] * len(panel)
        cols_of += [i % _COLUMNS + 1] * len(panel)
    fig.add_traces(traces, rows=rows_of, cols=cols_of)
    return _roomy(layout(fig, t("budget.curves_title"), hovermode="closest"), height, left=70, bottom=60)


def scenario_bars(frame: pd.DataFrame) -> go.Figure:
    """Spend (left) and predicted revenue (right) per channel, one bar per scenario (``frame``: channel,
    scenario, spend, revenue; scenarios in order of appearance)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=[t("budget.bars_spend"), t("budget.bars_revenue")],
                        horizontal_spacing=0.08)
    for j, scenario in enumerate(dict.fromkeys(frame["scenario"])):
        rows = frame[frame["scenario"] == scenario]
        color = PALETTE[j % len(PALETTE)]
        fig.add_bar(x=rows["channel"], y=rows["spend"], name=scenario, legendgroup=scenario,
                    marker_color=color, row=1, col=1)
        fig.add_bar(x=rows["channel"], y=rows["revenue"], name=scenario, legendgroup=scenario,
                    showlegend=False, marker_color=color, row=1, col=2)
    fig.update_layout(barmode="group")
    return _roomy(layout(fig, t("budget.bars_title")), _BARS_HEIGHT)


def _roomy(fig: go.Figure, height: int, *, top: int = 100, left: int = 10, bottom: int = 10) -> go.Figure:
    """Fix the height and margins and lift the legend above the panel titles (which sit where the house
    legend would)."""
    fig.update_layout(height=height, margin=dict(t=top, l=left, b=bottom),
                      legend=dict(y=1 + _LEGEND_GAP / (height - top - bottom)))
    return fig
