"""Chart builders: pure functions, data in, plotly / altair figure out; no streamlit imports here.

One module per page (``ui.charts.overview``, ``ui.charts.segments``, ...); shared styling in ``ui.charts.style``.
"""
