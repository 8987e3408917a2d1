"""Funnel charts: the funnel with drop-offs and the biggest drop highlighted, the breakdown as small
multiples, the conversion trend and the time-to-convert histogram; durations as short text."""

from __future__ import annotations

import html
import math

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui import format
from ui.charts.style import PALETTE, layout
from ui.text import t

BASE = PALETTE[1]  # bars
DROP = PALETTE[0]  # the biggest drop
MUTED = "#B8C4CC"  # entered users behind the trend line
PANEL_COLUMNS = 4  # small multiples per row
_SECOND = 1_000_000_000  # nanoseconds
_DAY = 86400  # seconds
#: Histogram bin edges in seconds: finer where sessions happen, then hours and days, up to 90 days.
TIME_EDGES = np.array([10, 30, 60, 120, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600,
                       _DAY, 2 * _DAY, 3 * _DAY, 7 * _DAY, 14 * _DAY, 30 * _DAY, 60 * _DAY, 90 * _DAY])


def _plain(text: object) -> str:
    """Data text (event names, channels) for plotly, which reads a few HTML tags in text: tags escaped."""
    return html.escape(str(text))


def duration(value) -> str:
    """A Timedelta as short text: ``45 s``, ``12.5 min``, ``3.2 h``, ``2.1 d``; ``—`` when missing."""
    if value is None or pd.isna(value):
        return "—"
    seconds = pd.Timedelta(value).total_seconds()
    if seconds < 60:
        return t("funnel.dur_s", value=seconds)
    if seconds < 3600:
        return t("funnel.dur_min", value=seconds / 60)
    if seconds < _DAY:
        return t("funnel.dur_h", value=seconds / 3600)
    return t("funnel.dur_d", value=seconds / _DAY)


def _edge(seconds: int) -> str:
    """A round bin edge as text: ``30 s``, ``5 min``, ``3 h``, ``2 d``."""
    for unit, size in (("d", _DAY), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            return t(f"funnel.edge_{unit}", value=seconds // size)
    return t("funnel.edge_s", value=seconds)


def step_ticks(summary: pd.DataFrame) -> list[str]:
    """``1 · visit``, ``2 · view``, ... for the steps of one funnel (one block of ``summary``)."""
    return [t("funnel.step_tick", k=k, name=_plain(name))
            for k, name in zip(summary["step"], summary["name"])]


def funnel_chart(summary: pd.DataFrame, *, biggest: int | None, title: str) -> go.Figure:
    """The funnel of ``summary`` (``analytics.funnel.summarize`` without a breakdown): one bar per step
    with its users and conversion from step 1; beside each transition the drop-off, the share lost, the
    share that continued and the median time from the previous step. Step ``biggest`` (the one after
    the largest relative loss) is drawn in the highlight colour."""
    ticks = step_ticks(summary)
    steps = summary["step"].to_list()
    fig = go.Figure(go.Funnel(
        y=ticks, x=summary["users"], textinfo="text", textposition="inside",
        text=[t("funnel.bar_text", users=format.count(u), conversion=format.pct(c))
              for u, c in zip(summary["users"], summary["conversion"])],
        marker=dict(color=[DROP if k == biggest else BASE for k in steps]),
        connector=dict(fillcolor="#EEF2F4", line=dict(color="#D5DCE0", width=1)), textfont=dict(size=13),
        customdata=np.column_stack([summary["conversion"].fillna(0), summary["step_conversion"].fillna(0),
                                    summary["drop_off"]]),
        hovertemplate=(f"%{{y}}<br>{t('funnel.col_users')}: %{{x:,}}<br>{t('funnel.col_conversion')}: "
                       f"%{{customdata[0]:.1%}}<br>{t('funnel.col_step_conversion')}: %{{customdata[1]:.1%}}"
                       f"<br>{t('funnel.col_drop_off')}: %{{customdata[2]:,}}<extra></extra>"),
    ))
    for i, row in enumerate(summary.itertuples(index=False)):  # one label per step (at most 10)
        if i == 0:
            continue
        lost = 1 - row.step_conversion if not math.isnan(row.step_conversion) else float("nan")
        key = "funnel.drop_text_biggest" if row.step == biggest else "funnel.drop_text"
        text = t(key, drop=format.count(row.drop_off), lost=format.pct(lost),
                 step=format.pct(row.step_conversion), time=duration(row.median_time_from_previous))
        fig.add_annotation(x=0.63, xref="paper", xanchor="left", y=i - 0.5, yref="y", text=text,
                           showarrow=False, align="left",
                           font=dict(color=DROP if row.step == biggest else "#555555"))
    fig.update_xaxes(domain=[0, 0.62], title_text=t("funnel.axis_users"))
    fig.update_yaxes(type="category")
    layout(fig, title, hovermode="closest")
    fig.update_layout(height=max(320, 110 + 62 * len(summary)), showlegend=False)
    return fig


def breakdown_chart(by_summary: pd.DataFrame, by: str, labels: list[str], *, biggest: list[int | None],
                    title: str) -> go.Figure:
    """Small multiples: one horizontal-bar funnel per group of ``by_summary`` (``summarize`` with a
    breakdown ``by``), conversion from step 1 on a shared 0-100% axis, groups in ``by_summary`` order.
    ``labels``: the panel title of each group; ``biggest``: per group, the step after its largest
    relative loss (highlighted), None when nobody entered."""
    n_steps = int(by_summary["step"].max())
    groups = len(by_summary) // n_steps
    cols = min(PANEL_COLUMNS, groups)
    rows = math.ceil(groups / cols)
    row_px = 60 + 30 * n_steps
    height = 90 + rows * row_px
    fig = make_subplots(rows=rows, cols=cols, shared_xaxes=True, shared_yaxes=True,
                        subplot_titles=[_plain(label) for label in labels], horizontal_spacing=0.02,
                        vertical_spacing=min(0.3, 55 / height))
    ticks = step_ticks(by_summary.iloc[:n_steps])
    conversion = by_summary["conversion"].to_numpy(dtype=np.float64).reshape(groups, n_steps)
    users = by_summary["users"].to_numpy().reshape(groups, n_steps)
    for g in range(groups):
        colors = [DROP if k == biggest[g] else BASE for k in range(1, n_steps + 1)]
        fig.add_bar(
            x=np.nan_to_num(conversion[g]), y=ticks, orientation="h", marker_color=colors,
            text=[format.pct(c) for c in conversion[g]], textposition="outside", cliponaxis=False,
            customdata=users[g], showlegend=False, name=_plain(labels[g]),
            hovertemplate=f"{_plain(labels[g])}<br>%{{y}}: %{{x:.1%}} (%{{customdata:,}})<extra></extra>",
            row=g // cols + 1, col=g % cols + 1,
        )
    fig.update_xaxes(range=[0, 1.3], tickformat=".0%", tickvals=[0, 0.5, 1.0])
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_annotations(font_size=12)
    layout(fig, title, hovermode="closest")
    fig.update_layout(height=height, bargap=0.25, margin=dict(t=90))
    return fig


_PERIODS = {"D": _DAY * 1000, "W": 7 * _DAY * 1000, "M": "M1"}  # plotly xperiod: ms, or months
_DATES = {"D": "%Y-%m-%d", "W": "%Y-%m-%d", "M": "%Y-%m"}  # ISO dates in every language (no "Nov 2025")


def trend_chart(trend: pd.DataFrame, *, freq: str, provisional: tuple[pd.Timestamp, pd.Timestamp] | None,
                title: str) -> go.Figure:
    """Conversion by entry period (``trend_from`` with ``freq``): the rate as a line over the entered
    users as bars (second axis), each drawn across its whole period. ``provisional``: the stretch
    (start, end) whose users may still convert, shaded."""
    period = dict(xperiod=_PERIODS[freq], xperiod0=trend["period"].iloc[0] if len(trend) else None,
                  xperiodalignment="middle")
    fig = make_subplots(specs=[[{"secondary_y": True}]])
    fig.add_bar(x=trend["period"], y=trend["entered"], name=t("funnel.trend_entered"), marker_color=MUTED,
                opacity=0.6, secondary_y=True, hovertemplate="%{y:,}", **period)
    fig.add_scatter(x=trend["period"], y=trend["rate"], name=t("funnel.trend_rate"), mode="lines+markers",
                    line=dict(color=BASE, width=2), marker=dict(size=4), hovertemplate="%{y:.1%}",
                    secondary_y=False, **period)
    if provisional is not None:
        fig.add_vrect(x0=provisional[0], x1=provisional[1], fillcolor="#999999", opacity=0.15, line_width=0,
                      annotation_text=t("funnel.provisional"), annotation_position="top left")
    fig.update_xaxes(tickformat=_DATES[freq], hoverformat=_DATES[freq])
    fig.update_yaxes(title_text=t("funnel.trend_rate"), tickformat=".0%", rangemode="tozero",
                     secondary_y=False)
    fig.update_yaxes(title_text=t("funnel.trend_entered"), rangemode="tozero", showgrid=False,
                     tickmode="auto", tickformat=",", secondary_y=True)
    layout(fig, title)
    fig.update_layout(height=380, bargap=0.1)
    return fig


def time_bins(times: pd.Series) -> pd.DataFrame:
    """Times between two steps (Timedelta Series) -> one row per bin of ``TIME_EDGES`` from the first to
    the last non-empty bin: ``bin`` (text, e.g. ``5 min–10 min``), ``users``, ``share`` (of all users)."""
    seconds = times.to_numpy(dtype="timedelta64[ns]").view(np.int64) / _SECOND
    counts = np.bincount(np.searchsorted(TIME_EDGES, seconds, side="right"), minlength=len(TIME_EDGES) + 1)
    used = np.flatnonzero(counts)
    first, last = (used[0], used[-1]) if len(used) else (0, 0)
    labels = [t("funnel.bin_under", hi=_edge(TIME_EDGES[0])),
              *(t("funnel.bin_range", lo=_edge(lo), hi=_edge(hi))
                for lo, hi in zip(TIME_EDGES[:-1], TIME_EDGES[1:])),
              t("funnel.bin_over", lo=_edge(TIME_EDGES[-1]))]
    total = counts.sum()
    return pd.DataFrame({
        "bin": labels[first:last + 1],
        "users": counts[first:last + 1].astype(np.int64),
        "share": counts[first:last + 1] / total if total else np.zeros(last + 1 - first),
    })


def times_chart(bins: pd.DataFrame, *, title: str) -> go.Figure:
    """The time-to-convert histogram of ``time_bins`` output: users per bin, the share as the label."""
    fig = go.Figure(go.Bar(x=bins["bin"], y=bins["users"], marker_color=BASE,
                           text=[format.pct(s) for s in bins["share"]], textposition="outside",
                           cliponaxis=False, hovertemplate="%{x}: %{y:,}<extra></extra>"))
    fig.update_xaxes(type="category", title_text=t("funnel.axis_time"))
    fig.update_yaxes(title_text=t("funnel.axis_users"), rangemode="tozero")
    layout(fig, title, hovermode="closest")
    fig.update_layout(height=360)
    return fig
