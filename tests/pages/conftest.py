"""AppTest fixtures: every page test runs against a fresh, empty data-set store and cleared data caches.

The bundled sample (a cache_resource) is generated once per test process and shared, as on a server.
"""

from __future__ import annotations

import base64
from pathlib import Path

import numpy as np
import plotly.io as pio
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def fresh_state(tmp_path, monkeypatch):
    monkeypatch.setenv("GROWTH_STORE_DIR", str(tmp_path / "store"))
    from ui import data

    data.store.clear()
    st.cache_data.clear()
    yield
    data.store.clear()


def open_page(script: str, **query: str | list[str]) -> AppTest:
    """Run ``script`` (e.g. "app.py" or "pages/2_Segments.py") once with ``query`` as URL parameters."""
    at = AppTest.from_file(str(ROOT / script), default_timeout=180)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def shown_table(at: AppTest, column: str):
    """The first table shown on the page that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def plotly_figures(at: AppTest) -> list:
    """The plotly figures shown on the page, in order."""
    return [pio.from_json(chart.proto.spec) for chart in at.get("plotly_chart")]


def plotly_array(value) -> np.ndarray:
    """A plotly array from a chart spec: a plain list, or a typed array {dtype, bdata[, shape]}."""
    if isinstance(value, dict):
        flat = np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"])
        return flat.reshape([int(n) for n in str(value.get("shape", len(flat))).split(",")])
    return np.asarray(value, dtype=float)
