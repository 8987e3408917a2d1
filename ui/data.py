"""Cached access to data sets for the pages: the store, the bundled sample, saved uploads, date slices.

Data sets are cached with ``st.cache_resource`` (one shared copy per server, never copied per session or
per rerun; 10M-row frames must not be pickled on every call). Nothing here may mutate a returned frame.
"""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pandas as pd
import streamlit as st

from analytics.dataset import TIME_COLUMNS, Dataset
from analytics.sample import make_sample
from analytics.store import DatasetStore

SAMPLE_ID = "sample"
SAMPLE_CUSTOMERS = int(os.environ.get("GROWTH_SAMPLE_CUSTOMERS", 50_000))  # ~5 orders per customer


@st.cache_resource
def store() -> DatasetStore:
    """The server's data-set store (location from GROWTH_STORE_DIR / GROWTH_STORE_URL)."""
    return DatasetStore()


@st.cache_resource(max_entries=4, show_spinner=False)
def dataset(ds_id: str) -> Dataset:
    """The data set ``ds_id``: the bundled sample or a saved upload (AnalyticsInputError if unknown)."""
    if ds_id == SAMPLE_ID:
        return make_sample(customers=SAMPLE_CUSTOMERS)
    return store().load(ds_id)


@st.cache_resource(max_entries=4, show_spinner=False)
def date_bounds(ds_id: str) -> tuple[dt.date, dt.date]:
    """First and last calendar day of the orders of ``ds_id`` (today twice when there are none)."""
    ts = dataset(ds_id).orders["order_ts"]
    if ts.empty:
        today = dt.date.today()
        return today, today
    return ts.min().date(), ts.max().date()


@st.cache_resource(max_entries=16, show_spinner=False)
def in_range(ds_id: str, kind: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The rows of table ``kind`` of ``ds_id`` whose time falls on ``start``..``end`` (inclusive)."""
    frame = dataset(ds_id).table(kind)
    days = frame[TIME_COLUMNS[kind]].to_numpy().astype("datetime64[D]")
    keep = np.flatnonzero((days >= np.datetime64(start)) & (days <= np.datetime64(end)))
    if len(keep) == len(frame):
        return frame
    return frame.take(keep).reset_index(drop=True)
