"""Segments charts: segment sizes, share of customers vs. share of GMV, the R x F heatmap, the cluster
scatter and the silhouette by k."""

from __future__ import annotations

import html

import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ui.charts.style import PALETTE, layout
from ui.text import name, t

SCATTER_POINTS = 4_000  # customers drawn in the cluster scatter (a fixed-seed sample when there are more)


def _bar_height(segments: int) -> int:
    return 160 + 40 * segments


def _plain(names) -> list[str]:
    """Segment / cluster names in the session's language as plain text for plotly, which reads a few HTML
    tags in labels (names are typed by users; plotly shows the escaped entities as the original
    characters)."""
    return [html.escape(name(n), quote=False) for n in names]


def segment_sizes(summary: pd.DataFrame) -> go.Figure:
    """Horizontal bars: customers per segment (segment_summary output), first segment on top."""
    fig = go.Figure(go.Bar(
        y=_plain(summary["segment"]), x=summary["customers"], orientation="h",
        text=[f"{c:,} · {s:.1%}" for c, s in zip(summary["customers"], summary["share_customers"])],
        textposition="auto", marker_color=PALETTE[1], name=t("segments.customers_axis"),
    ))
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=t("segments.customers_axis"))
    fig.update_layout(height=_bar_height(len(summary)), showlegend=False)
    return layout(fig, t("segments.sizes_title"), hovermode="closest")


def share_comparison(summary: pd.DataFrame) -> go.Figure:
    """Grouped horizontal bars per segment: its share of customers next to its share of GMV."""
    names = _plain(summary["segment"])
    fig = go.Figure()
    for column, color in (("share_customers", PALETTE[1]), ("share_gmv", PALETTE[0])):
        fig.add_bar(y=names, x=summary[column], orientation="h", name=t(f"segments.{column}"),
                    marker_color=color, text=[f"{v:.1%}" for v in summary[column].fillna(0)],
                    textposition="auto")
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(title_text=t("segments.share_axis"), tickformat=".0%")
    fig.update_layout(barmode="group", height=_bar_height(len(summary)))
    return layout(fig, t("segments.shares_title"), hovermode="y unified")


def rf_heatmap(cells: pd.DataFrame) -> go.Figure:
    """Two heatmaps side by side (rf_heatmap output with a ``segment`` per cell): customers and average
    net spend per (R score, F score) cell, R high at the top, each cell labelled and its segment on hover."""
    bins = int(cells["r_score"].max())
    grid = cells.sort_values(["r_score", "f_score"], ascending=[False, True])
    shape = (bins, bins)
    rows = [f"R{r}" for r in range(bins, 0, -1)]
    cols = [f"F{f}" for f in range(1, bins + 1)]
    hover = [t("segments.heat_hover", r=r, f=f, segment=s)
             for r, f, s in zip(grid["r_score"], grid["f_score"], _plain(grid["segment"]))]
    hover = [hover[i * bins:(i + 1) * bins] for i in range(bins)]
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.12,
                        subplot_titles=(t("segments.heat_customers"), t("segments.heat_avg")))
    for col, (column, scale, fmt) in enumerate(
            (("customers", "Teal", "{:,.0f}"), ("avg_monetary", "Oranges", "¥{:,.0f}")), start=1):
        values = grid[column].to_numpy(dtype=float).reshape(shape)
        text = [[("—" if pd.isna(v) else fmt.format(v)) for v in row] for row in values]
        fig.add_trace(go.Heatmap(
            z=values, x=cols, y=rows, text=text, texttemplate="%{text}", customdata=hover,
            hovertemplate="%{customdata}<br>%{text}<extra></extra>", colorscale=scale, showscale=False,
        ), row=1, col=col)
        fig.update_xaxes(title_text=t("segments.axis_f"), row=1, col=col)
        fig.update_yaxes(title_text=t("segments.axis_r"), autorange="reversed", row=1, col=col)
    fig.update_layout(height=420)
    return layout(fig, t("segments.heatmap_title"), hovermode="closest")


def cluster_scatter(clustered: pd.DataFrame, *, max_points: int = SCATTER_POINTS) -> go.Figure:
    """Customers by recency (x) and net spend (y, log scale), coloured by cluster; at most ``max_points``
    of them, drawn by a fixed-seed sample so the picture is the same on every run."""
    drawn = clustered if len(clustered) <= max_points else clustered.sample(max_points, random_state=0)
    fig = go.Figure()
    for i, cluster in enumerate(clustered["cluster_name"].cat.categories):
        part = drawn[drawn["cluster_name"] == cluster]
        fig.add_scatter(
            x=part["recency_days"], y=part["monetary"], mode="markers", name=_plain([cluster])[0],
            marker=dict(size=5, opacity=0.6, color=PALETTE[i % len(PALETTE)]),
            customdata=part["frequency"],
            hovertemplate="%{fullData.name}<br>" + t("segments.scatter_hover") + "<extra></extra>",
        )
    fig.update_xaxes(title_text=t("segments.recency_axis"))
    fig.update_yaxes(title_text=t("segments.monetary_axis"), type="log", dtick=1)
    fig.update_layout(height=460)
    return layout(fig, t("segments.scatter_title", points=f"{len(drawn):,}"), hovermode="closest")


def silhouette_by_k(by_k: dict, chosen: int) -> go.Figure:
    """Bars of the silhouette per k tried by "auto", the chosen k highlighted."""
    ks = sorted(by_k)
    fig = go.Figure(go.Bar(
        x=[str(k) for k in ks], y=[by_k[k] for k in ks], text=[f"{by_k[k]:.2f}" for k in ks],
        textposition="auto", marker_color=[PALETTE[0] if k == chosen else PALETTE[3] for k in ks],
    ))
    fig.update_xaxes(title_text=t("segments.k_axis"), type="category")
    fig.update_yaxes(title_text=t("segments.silhouette_axis"))
    fig.update_layout(height=300, showlegend=False)
    return layout(fig, t("segments.silhouette_title"), hovermode="closest")
