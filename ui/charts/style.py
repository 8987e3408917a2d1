"""Shared chart styling: the palette and the common plotly layout."""

from __future__ import annotations

import plotly.graph_objects as go

PALETTE = ["#E4572E", "#17BEBB", "#FFC914", "#2E282A", "#76B041", "#7E6B8F", "#F2A541", "#3C91E6"]


def layout(fig: go.Figure, title: str, *, hovermode: str | bool = "x unified") -> go.Figure:
    """Apply the house style (palette, margins, legend on top) and ``title`` to ``fig``; returns it."""
    fig.update_layout(
        title=title, colorway=PALETTE, hovermode=hovermode, margin=dict(l=10, r=10, t=50, b=10),
        legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1),
    )
    return fig
