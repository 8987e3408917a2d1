"""Cached access to data sets for the pages: the store, the bundled sample, saved uploads, live SQL data
sets (their source and database engine), date bounds and slices.

Data sets are cached with ``st.cache_resource`` (one shared copy per server, never copied per session or
per rerun; 10M-row frames must not be pickled on every call). Nothing here may mutate a returned frame.
A live SQL data set has no frames: its analyses are pushed down to its database (``ui.compute``), and
what is read from that database is cached for ``LIVE_TTL`` only, since its tables change.
"""

from __future__ import annotations

import datetime as dt
import os

import numpy as np
import pandas as pd
import sqlalchemy as sa
import streamlit as st

from analytics import io as data_io
from analytics import pushdown
from analytics.dataset import TIME_COLUMNS, Dataset
from analytics.sample import make_sample
from analytics.store import DatasetStore

SAMPLE_ID = "sample"
SAMPLE_CUSTOMERS = int(os.environ.get("GROWTH_SAMPLE_CUSTOMERS", 50_000))  # ~5 orders per customer
LIVE_TTL = dt.timedelta(minutes=15)  # results read from a live data set's database are re-read after this


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


@st.cache_resource(max_entries=16, show_spinner=False)
def sql_source(ds_id: str) -> pushdown.SqlSource | None:
    """The database, tables and mappings of the live SQL data set ``ds_id``; None for a data set held in
    memory (the sample, saved files). The source's URL holds the password: it stays on the server."""
    return None if ds_id == SAMPLE_ID else store().sql_source(ds_id)


@st.cache_resource(max_entries=8, show_spinner=False)
def engine(ds_id: str) -> sa.Engine:
    """The SQLAlchemy engine (connection pool) of the live SQL data set ``ds_id``, one per server."""
    return data_io.make_engine(sql_source(ds_id).url, where="the live data set")


def date_bounds(ds_id: str) -> tuple[dt.date, dt.date]:
    """First and last calendar day of the orders of ``ds_id`` (today twice when there are none); for a
    live data set one MIN / MAX query (AnalyticsInputError when its database cannot be read)."""
    found = _memory_bounds(ds_id) if sql_source(ds_id) is None else _live_bounds(ds_id)
    if found is None:
        today = dt.date.today()
        return today, today
    return found


@st.cache_resource(max_entries=4, show_spinner=False)
def _memory_bounds(ds_id: str) -> tuple[dt.date, dt.date] | None:
    """First and last order day of a data set held in memory; None without orders."""
    ts = dataset(ds_id).orders["order_ts"]
    return None if ts.empty else (ts.min().date(), ts.max().date())


@st.cache_data(max_entries=16, ttl=LIVE_TTL, show_spinner=False)
def _live_bounds(ds_id: str) -> tuple[dt.date, dt.date] | None:
    """First and last order day of a live data set (``pushdown.date_range_sql``); None without orders."""
    source = sql_source(ds_id)
    return pushdown.date_range_sql(engine(ds_id), source.tables["orders"], mapping=source.mappings["orders"])


@st.cache_resource(max_entries=16, show_spinner=False)
def in_range(ds_id: str, kind: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """The rows of table ``kind`` of ``ds_id`` whose time falls on ``start``..``end`` (inclusive)."""
    frame = dataset(ds_id).table(kind)
    days = frame[TIME_COLUMNS[kind]].to_numpy().astype("datetime64[D]")
    keep = np.flatnonzero((days >= np.datetime64(start)) & (days <= np.datetime64(end)))
    if len(keep) == len(frame):
        return frame
    return frame.take(keep).reset_index(drop=True)
