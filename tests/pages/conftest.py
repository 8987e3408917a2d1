"""AppTest fixtures: every page test runs against a fresh, empty data-set store and cleared data caches.

The bundled sample (a cache_resource) is generated once per test process and shared, as on a server.
"""

from __future__ import annotations

from pathlib import Path

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
