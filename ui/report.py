"""Export of the current page as one self-contained HTML file (interactive plotly charts, tables, the
settings, the data set's name and date range) for sending by mail."""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Mapping, Sequence

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from ui.text import t

_STYLE = """
body { font-family: -apple-system, "Segoe UI", "Noto Sans", "PingFang SC", sans-serif; margin: 2rem; color: #222; }
h1 { margin-bottom: .2rem; } .meta { color: #666; margin-bottom: 1.5rem; }
table { border-collapse: collapse; font-size: 13px; margin: .5rem 0 1.5rem; }
th, td { border: 1px solid #ddd; padding: 4px 8px; text-align: right; } th { background: #f5f5f5; }
td:first-child, th:first-child { text-align: left; }
"""


def build_report(title: str, *, dataset_name: str, start: dt.date, end: dt.date,
                 settings: Mapping[str, object], figures: Sequence[go.Figure] = (),
                 tables: Sequence[tuple[str, pd.DataFrame]] = (), max_rows: int = 500) -> str:
    """The HTML text of a report: ``title``, data set and dates, ``settings`` (name -> value), every
    figure (plotly.js embedded once, so the file works offline) and every table (first ``max_rows`` rows).
    All text is escaped; nothing from the data is rendered as HTML."""
    parts = [f"<h1>{html.escape(title)}</h1>",
             f"<p class='meta'>{html.escape(t('report.meta', name=dataset_name, start=start, end=end))}</p>"]
    if settings:
        rows = "".join(f"<tr><td>{html.escape(str(k))}</td><td>{html.escape(str(v))}</td></tr>"
                       for k, v in settings.items())
        parts.append(f"<h2>{html.escape(t('report.settings'))}</h2><table>{rows}</table>")
    for i, fig in enumerate(figures):
        parts.append(fig.to_html(full_html=False, include_plotlyjs=(i == 0)))
    for caption, frame in tables:
        parts.append(f"<h2>{html.escape(caption)}</h2>")
        parts.append(frame.head(max_rows).to_html(index=False, escape=True, na_rep="—", border=0))
    body = "\n".join(parts)
    return (f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}</title>"
            f"<style>{_STYLE}</style></head><body>{body}</body></html>")


def report_button(title: str, active, *, figures: Sequence[go.Figure] = (),
                  tables: Sequence[tuple[str, pd.DataFrame]] = (), key: str = "report") -> None:
    """A download button for the page as an HTML report; settings are the page's URL parameters."""
    settings = {k: v for k, v in st.query_params.to_dict().items() if k not in ("view",)}
    document = build_report(title, dataset_name=active.name, start=active.start, end=active.end,
                            settings=settings, figures=figures, tables=tables)
    st.download_button(t("report.download"), document.encode("utf-8"), file_name=f"{key}.html",
                       mime="text/html", key=key, on_click="ignore", icon=":material/description:")
