"""The shared top of every page: page config, the sidebar (data set, date range) and the active data.

Every page starts with ``active = page_setup("segments.title")``. Settings live in the URL: the data set
as ``ds`` and the date range as ``range`` (widgets bound to query parameters), so a link reproduces them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import streamlit as st

from analytics.dataset import Dataset
from analytics.errors import AnalyticsInputError
from analytics.store import is_valid_id
from ui import access, data, share, state
from ui.text import t

DEFAULT_DAYS = 365


@dataclass(frozen=True)
class Active:
    """The data a page works on: data-set id and name, the full data set, the chosen date range."""

    ds_id: str
    name: str
    dataset: Dataset
    start: dt.date
    end: dt.date
    view_only: bool

    def table(self, kind: str):
        """Rows of ``kind`` ("orders", "events", "spend") inside the date range (shared, do not mutate)."""
        return data.in_range(self.ds_id, kind, self.start, self.end)


def page_setup(title_key: str) -> Active:
    """Configure the page, draw the sidebar, and return the active data (stops the page if none)."""
    st.set_page_config(page_title=f"{t(title_key)} · {t('app.name')}", layout="wide")
    access.gate()
    locked = share.view_only()
    with st.sidebar:
        ds_id, name = _dataset_picker(locked)
        with st.spinner(t("sidebar.loading")):
            try:
                dataset = data.dataset(ds_id)
            except AnalyticsInputError as exc:
                st.error(str(exc))
                st.stop()
        start, end = _date_range(ds_id, locked)
        share.share_box()
    st.title(t(title_key))
    st.caption(t("sidebar.active", name=name, start=start, end=end))
    if locked:
        st.info(t("share.view_only"))
    return Active(ds_id, name, dataset, start, end, locked)


def _dataset_picker(locked: bool) -> tuple[str, str]:
    """The data-set selectbox (query parameter ``ds``); warns when a linked id is unknown."""
    catalog = data.store().list()
    names = {data.SAMPLE_ID: t("sidebar.sample_name")} | dict(zip(catalog["id"], catalog["name"]))
    linked = st.query_params.get("ds")
    if "ds" not in st.session_state and linked is not None and linked not in names:
        st.warning(t("sidebar.unknown_dataset" if is_valid_id(linked) else "sidebar.bad_dataset"))
        st.query_params.pop("ds")
    ds_id = state.choice(st.selectbox, t("sidebar.dataset"), list(names), key="ds",
                         default=data.SAMPLE_ID, format_func=names.get, disabled=locked)
    return ds_id, names[ds_id]


def _date_range(ds_id: str, locked: bool) -> tuple[dt.date, dt.date]:
    """The date-range picker (query parameter ``range``), defaulting to the last 365 days of data."""
    first, last = data.date_bounds(ds_id)
    default = (max(first, last - dt.timedelta(days=DEFAULT_DAYS - 1)), last)
    picked = st.date_input(
        t("sidebar.date_range"), value=default, min_value=first, max_value=last,
        key="range", bind="query-params", disabled=locked,
    )
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked
    st.info(t("sidebar.pick_end"))
    return default
