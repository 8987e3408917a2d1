"""The HTML report builder: self-contained, escaped, with settings, charts and tables."""

import datetime as dt

import pandas as pd
import plotly.graph_objects as go

from ui.report import build_report


def test_report_embeds_plotly_once_and_escapes_user_text():
    figs = [go.Figure(go.Bar(x=[1], y=[2])), go.Figure(go.Bar(x=[3], y=[4]))]
    table = pd.DataFrame({"segment": ["<script>alert(1)</script>"], "customers": [3]})
    doc = build_report("Segments", dataset_name="<b>Shop</b>", start=dt.date(2024, 1, 1),
                       end=dt.date(2024, 1, 31), settings={"seg_bins": "4"}, figures=figs,
                       tables=[("Members", table)])
    assert doc.count("plotly.js v") == 1  # the library is embedded once, not fetched from a CDN
    assert doc.count("Plotly.newPlot") == 2
    assert "<script>alert(1)</script>" not in doc and "&lt;script&gt;alert(1)&lt;/script&gt;" in doc
    assert "&lt;b&gt;Shop&lt;/b&gt; · 2024-01-01 to 2024-01-31" in doc
    assert "<td>seg_bins</td><td>4</td>" in doc
