"""Retention charts: the cohort heatmap, retention / LTV curves and the repeat-rate bars."""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from ui import format
from ui.charts.style import PALETTE, layout
from ui.text import t

BELOW = PALETTE[0]  # cohorts below target, target lines
AVERAGE = PALETTE[3]  # the average curve
ROW_PX = 24  # heatmap height per row
MAX_HEIGHT = 1400
MAX_TEXT_ROWS = 60  # more rows than this: cells without text, fewer row labels
MAX_TICKS = 60


def _plain(text: object) -> str:
    """Data text (channel, region) for plotly, which reads a few HTML tags in names: tags escaped."""
    return html.escape(str(text))


def _cell(value: float, kind: str) -> str:
    if math.isnan(value):
        return ""
    if kind == "rate":
        return format.pct(value)
    return f"{format.CURRENCY}{value:,.0f}"


def heatmap(values: pd.DataFrame, *, kind: str, flagged: Sequence[bool], title: str, y_title: str,
            target_column: str | None = None, outline: bool = True) -> go.Figure:
    """Cohort x offset heatmap. ``values``: one row per cohort (index: the row labels, the average row
    first), one column per offset label, values = retention shares (``kind="rate"``) or revenue per
    customer (``kind="revenue"``); NaN cells stay blank. ``flagged``: per row, below the target (label
    in red with ▼). ``target_column``: the offset label of the target, outlined when ``outline``."""
    rows, columns = list(values.index), list(values.columns)
    z = values.to_numpy(dtype=np.float64)
    show_text = len(rows) <= MAX_TEXT_ROWS
    text = [[_cell(v, kind) for v in row] for row in z]
    observed = z[:, 1:] if kind == "rate" and z.shape[1] > 1 else z  # offset 0 is 100% by definition
    top = np.nanmax(observed) if np.isfinite(observed).any() else 1.0
    fig = go.Figure(go.Heatmap(
        z=z, x=columns, y=rows, text=text, texttemplate="%{text}" if show_text else None,
        textfont=dict(size=11), hovertemplate="%{y}<br>%{x}: %{text}<extra></extra>", hoverongaps=False,
        colorscale="Blues", zmin=0.0, zmax=float(top) if top > 0 else 1.0, xgap=1, ygap=1 if show_text else 0,
        colorbar=dict(tickformat=".0%" if kind == "rate" else ",.0f",
                      tickprefix="" if kind == "rate" else format.CURRENCY, thickness=12),
    ))
    # few rows: every row labelled, flagged labels red with ▼; many rows: every n-th label and the
    # flagged rows marked with a ▼ in the target column
    step = max(1, math.ceil(len(rows) / MAX_TICKS))
    ticks = [i for i in range(len(rows)) if i % step == 0]
    labels = [f"<span style='color:{BELOW}'><b>▼ {rows[i]}</b></span>" if flagged[i]
              else f"<b>{rows[i]}</b>" if i == 0 else rows[i] for i in ticks]
    marked = [rows[i] for i in range(len(rows)) if flagged[i]]
    if step > 1 and marked and target_column in columns:
        fig.add_scatter(x=[target_column] * len(marked), y=marked, mode="markers", hoverinfo="skip",
                        marker=dict(symbol="triangle-down", size=7, color=BELOW), showlegend=False)
    fig.update_yaxes(range=[len(rows) - 0.5, -0.5], tickmode="array", tickvals=[rows[i] for i in ticks],
                     ticktext=labels, title_text=y_title)  # top to bottom, no padding
    fig.update_xaxes(side="top", title_text=t("retention.offset_axis"), type="category",
                     range=[-0.5, len(columns) - 0.5])
    if len(rows) > 1:  # a rule under the average row
        fig.add_shape(type="line", xref="paper", x0=0, x1=1, yref="y", y0=0.5, y1=0.5,
                      line=dict(color="white", width=4))
    if outline and target_column in columns:
        at = columns.index(target_column)
        fig.add_shape(type="rect", xref="x", x0=at - 0.5, x1=at + 0.5, yref="paper", y0=0, y1=1,
                      line=dict(color=BELOW, width=2))
    layout(fig, title, hovermode="closest")
    fig.update_layout(height=min(MAX_HEIGHT, max(320, 170 + ROW_PX * len(rows))), margin=dict(t=100))
    return fig


def curves(lines: pd.DataFrame, *, kind: str, title: str, highlight: str | None = None,
           target: tuple[str, float, str] | None = None) -> go.Figure:
    """One line per ``lines["line"]`` over ``offset`` (offset labels, in order) of ``value`` (shares for
    ``kind="rate"``, money per customer for ``kind="revenue"``). ``highlight``: the line drawn thick
    and dark (the average). ``target``: (offset label, share, legend text) drawn as a dashed line with a
    marker at that offset."""
    fig = go.Figure()
    for name, line in lines.groupby("line", sort=False):
        main = name == highlight
        fig.add_scatter(x=line["offset"], y=line["value"], name=_plain(name), mode="lines+markers",
                        line=dict(width=4 if main else 1.5, color=AVERAGE if main else None),
                        marker=dict(size=6 if main else 4), connectgaps=False)
    if target is not None:
        offset, rate, label = target
        fig.add_hline(y=rate, line=dict(color=BELOW, dash="dash", width=1.5))
        fig.add_scatter(x=[offset], y=[rate], name=label, mode="markers",
                        marker=dict(symbol="line-ew-open", size=18, color=BELOW, line=dict(width=3)))
    fig.update_xaxes(type="category", title_text=t("retention.offset_axis"))
    if kind == "rate":
        fig.update_yaxes(tickformat=".0%", rangemode="tozero", title_text=t("retention.rate_axis"))
    else:
        fig.update_yaxes(tickprefix=format.CURRENCY, rangemode="tozero",
                         title_text=t("retention.revenue_axis"))
    return layout(fig, title)


def repeat_bars(repeat: pd.DataFrame, *, target: float = 0.0) -> go.Figure:
    """Repeat purchase rate per window (``analytics.cohort.repeat_rate`` frame) as bars labelled with
    the rate, the eligible customers in the hover; ``target`` (share, 0 = none) as a dashed line."""
    windows = [t("retention.repeat_window", days=d) for d in repeat["days"]]
    fig = go.Figure(go.Bar(
        x=windows, y=repeat["rate"], text=[format.pct(r) for r in repeat["rate"]], textposition="auto",
        customdata=np.column_stack([repeat["repeaters"], repeat["eligible"]]),
        hovertemplate="%{x}: %{text} (%{customdata[0]:,} / %{customdata[1]:,})<extra></extra>",
        marker_color=PALETTE[1], name=t("retention.repeat"),
    ))
    if target > 0:
        fig.add_hline(y=target, line=dict(color=BELOW, dash="dash", width=1.5),
                      annotation_text=t("retention.repeat_target_line", target=format.pct(target, 0)),
                      annotation_position="top left")
    fig.update_yaxes(tickformat=".0%", rangemode="tozero", title_text=t("retention.col_repeat_rate"))
    fig.update_layout(showlegend=False, height=340)
    return layout(fig, t("retention.repeat_title"), hovermode="closest")
