"""The heavy stage of every page for the active data set, cached: computed in memory on the data set's
tables, or, for a live SQL data set, pushed down to its database (``analytics.pushdown``) so that only
aggregates come back. Pages call these functions and never choose the path themselves.

Each cached function is keyed by the data-set id and plain parameters (DESIGN §5); the in-memory ones
take the tables as ``_``-prefixed, unhashed arguments. Live results are re-read after ``data.LIVE_TTL``.
Per-customer and per-user frames (the RFM table, the funnel's ``user_depths``: millions of rows at scale)
are ``st.cache_resource``: one shared object, not unpickled into a copy on every rerun; nothing mutates
them. Small results are ``st.cache_data``.
What push-down does not do (other funnel orders, breakdowns, multi-touch attribution, activity cohorts,
the per-user funnel views) is announced with ``in_memory`` / ``require_memory``: a message saying that it
needs the data in memory and how to get there, never a traceback.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import budget, channels, cohort, funnel, overview, pushdown, rfm
from analytics.arrow_pool import releasing
from analytics.dataset import empty_table
from ui import data
from ui.channels_widgets import ORDER_CHANNEL
from ui.funnel_widgets import event_names as names_in
from ui.sidebar import Active
from ui.text import t

PUSHED_ORDER = "sequential"  # the funnel order push-down computes


def _cache_data(**options):
    """st.cache_data(**options), returning Arrow's free pages after each computation (arrow_pool)."""
    return lambda compute: st.cache_data(**options)(releasing(compute))


def _cache_resource(**options):
    """st.cache_resource(**options), returning Arrow's free pages after each computation."""
    return lambda compute: st.cache_resource(**options)(releasing(compute))


# --- what the data set has -------------------------------------------------------------------------

def has_table(active: Active, kind: str) -> bool:
    """Whether the data set has a ``kind`` table ("orders", "events", "spend"): in memory, one with rows;
    live, one named in its source."""
    return kind in active.source.tables if active.live else not active.dataset.table(kind).empty


def columns(active: Active, kind: str) -> list[str]:
    """The data-contract columns of table ``kind``; live: the fields mapped to a column."""
    if active.live:
        return [field for field, column in active.source.mappings.get(kind, {}).items() if column]
    return list(active.dataset.table(kind).columns)


def empty_in_range(active: Active, kind: str) -> bool:
    """True when table ``kind`` has no row in the date range. Always False for a live data set: finding
    out would cost a scan of the table, and its push-down results say so themselves (zeros, or a
    message naming the empty range)."""
    return not active.live and active.table(kind).empty


def in_memory(active: Active, what: str) -> bool:
    """True for a data set held in memory. For a live SQL data set: False, after an info saying that
    ``what`` (a text, e.g. ``t("live.funnel_sections")``) needs the data in memory and how to load it."""
    if not active.live:
        return True
    st.info(t("live.needs_memory", what=what))
    return False


def require_memory(active: Active, what: str) -> None:
    """Stop the page with ``in_memory``'s info when the data set is live."""
    if not in_memory(active, what):
        st.stop()


def _sql(ds_id: str) -> tuple:
    """(engine, source) of the live data set ``ds_id``."""
    return data.engine(ds_id), data.sql_source(ds_id)


# --- Overview --------------------------------------------------------------------------------------

def overview_tiles(active: Active) -> tuple[pd.DataFrame, pd.DataFrame]:
    """KPI tiles (against the previous period of equal length) and the monthly trend of the range."""
    if active.live:
        return _overview_sql(active.ds_id, active.start, active.end)
    return _overview(active.ds_id, active.start, active.end, active.dataset.orders)


@_cache_data(max_entries=32, show_spinner=False)
def _overview(ds_id: str, start: dt.date, end: dt.date, _orders: pd.DataFrame):
    """``overview_tiles`` in memory (``_orders``: the full orders table of ``ds_id``)."""
    return overview.summary(_orders, start=start, end=end)


@_cache_data(max_entries=32, ttl=data.LIVE_TTL, show_spinner=False)
def _overview_sql(ds_id: str, start: dt.date, end: dt.date):
    """``overview_tiles`` pushed down (``pushdown.overview_sql``)."""
    engine, source = _sql(ds_id)
    return pushdown.overview_sql(engine, source.tables["orders"], start=start, end=end,
                                 mapping=source.mappings["orders"])


# --- Segments --------------------------------------------------------------------------------------

def rfm_table(active: Active, asof: dt.date | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stage 1 of Segments: the RFM table (one row per customer) of the orders in the range as of
    ``asof`` (None = the latest order), and its GMV concentration."""
    if active.live:
        return _rfm_sql(active.ds_id, active.start, active.end, asof)
    return _rfm(active.ds_id, active.start, active.end, asof, active.table("orders"))


@_cache_resource(max_entries=8, show_spinner=False)
def _rfm(ds_id: str, start: dt.date, end: dt.date, asof: dt.date | None, _orders: pd.DataFrame):
    """``rfm_table`` in memory (``_orders``: the orders of ``start``..``end``)."""
    table = rfm.rfm_table(_orders, asof=asof)
    return table, rfm.gmv_concentration(table)


@_cache_resource(max_entries=8, ttl=data.LIVE_TTL, show_spinner=False)
def _rfm_sql(ds_id: str, start: dt.date, end: dt.date, asof: dt.date | None):
    """``rfm_table`` with the per-customer stage pushed down (``pushdown.rfm_table_sql``)."""
    engine, source = _sql(ds_id)
    table = pushdown.rfm_table_sql(engine, source.tables["orders"], start=start, end=end, asof=asof,
                                   mapping=source.mappings["orders"])
    return table, rfm.gmv_concentration(table)


# --- Funnel ----------------------------------------------------------------------------------------

def event_names(active: Active) -> list[str]:
    """The event names of the whole events table (the step choices)."""
    if active.live:
        return _event_names_sql(active.ds_id)
    return _event_names(active.ds_id, active.dataset.events)


@_cache_data(max_entries=8, show_spinner=False)
def _event_names(ds_id: str, _events: pd.DataFrame) -> list[str]:
    """``event_names`` in memory (``_events``: the full events table)."""
    return names_in(_events)


@_cache_data(max_entries=8, ttl=data.LIVE_TTL, show_spinner=False)
def _event_names_sql(ds_id: str) -> list[str]:
    """``event_names`` from the database (one SELECT DISTINCT)."""
    engine, source = _sql(ds_id)
    return pushdown.event_names_sql(engine, source.tables["events"], mapping=source.mappings["events"])


def funnel_steps(active: Active, steps: tuple, window: pd.Timedelta | None, order: str, by: str,
                 segments: pd.Series | None):
    """The funnel of the events in the range: (summary, per-value summary or None, the per-user frame
    ``funnel.user_depths`` or None). Live: the pushed-down summary only, for the ``PUSHED_ORDER`` order
    and no breakdown (``by`` "none"): pages check that first with ``require_memory``."""
    if active.live:
        return _funnel_sql(active.ds_id, active.start, active.end, steps, window, order), None, None
    key = (active.ds_id, active.start, active.end, steps, window, order, by)
    depths = _depths(*key, active.table("events"), segments)
    return (*_summaries(key, depths), depths)


@_cache_resource(max_entries=8, show_spinner=False)
def _depths(ds_id: str, start: dt.date, end: dt.date, steps: tuple, window: pd.Timedelta | None, order: str,
            by: str, _events: pd.DataFrame, _segments: pd.Series | None) -> pd.DataFrame:
    """How far each user of the events in ``start``..``end`` got (``user_depths``), with the breakdown
    column ``by`` ("none", an events column, or "segment" read from ``_segments``)."""
    values = None if by == "none" else _segments if by == "segment" else by
    return funnel.user_depths(_events, list(steps), window=window, order=order, by=values)


@_cache_data(max_entries=32, show_spinner=False)
def _summaries(key: tuple, _depths: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The funnel and, with a breakdown, the funnel per value, of the per-user frame of ``key``."""
    ds_id, start, end, steps, window, order, by = key
    overall = funnel.summarize(_depths, list(steps))
    return overall, None if by == "none" else funnel.summarize(_depths, list(steps), by=by)


@_cache_data(max_entries=32, ttl=data.LIVE_TTL, show_spinner=False)
def _funnel_sql(ds_id: str, start: dt.date, end: dt.date, steps: tuple, window: pd.Timedelta | None, order: str):
    """The funnel summary pushed down (``pushdown.funnel_sql``)."""
    engine, source = _sql(ds_id)
    return pushdown.funnel_sql(engine, source.tables["events"], list(steps), window=window, order=order,
                               start=start, end=end, mapping=source.mappings["events"])


# --- Retention -------------------------------------------------------------------------------------

def cohorts(active: Active, basis: str, period: str, mode: str, offsets: int, by: str | None) -> pd.DataFrame:
    """Long retention on the whole history up to the range end (``cohort.retention`` with revenue, or
    ``activity_retention`` for the "activity" basis), split by column ``by`` when given. Live: orders
    only and no ``by`` (the activity basis stops the page with ``require_memory``'s info)."""
    if active.live:
        if basis != "orders":
            require_memory(active, t("live.retention_activity"))
        return _cohorts_sql(active.ds_id, active.end, period, mode, offsets)
    table = active.dataset.orders if basis == "orders" else active.dataset.events
    return _cohorts(active.ds_id, active.end, basis, period, mode, offsets, by, table)


@_cache_data(max_entries=32, show_spinner=False)
def _cohorts(ds_id: str, end: dt.date, basis: str, period: str, mode: str, offsets: int, by: str | None,
             _table: pd.DataFrame) -> pd.DataFrame:
    """``cohorts`` in memory (``_table``: the full orders, or events for the "activity" basis)."""
    if basis == "activity":
        return cohort.activity_retention(_table, period=period, mode=mode, max_offset=offsets, asof=end,
                                         by=by)
    return cohort.retention(_table, period=period, mode=mode, measure="revenue", max_offset=offsets,
                            asof=end, by=by)


@_cache_data(max_entries=32, ttl=data.LIVE_TTL, show_spinner=False)
def _cohorts_sql(ds_id: str, end: dt.date, period: str, mode: str, offsets: int) -> pd.DataFrame:
    """``cohorts`` on orders pushed down (``pushdown.retention_sql``, with revenue)."""
    engine, source = _sql(ds_id)
    return pushdown.retention_sql(engine, source.tables["orders"], period=period, mode=mode, measure="revenue",
                                  max_offset=offsets, asof=end, mapping=source.mappings["orders"])


# --- Channels --------------------------------------------------------------------------------------

def multi_touch(active: Active) -> bool:
    """Whether multi-touch attribution is offered: events with a channel, held in memory."""
    return not active.live and "channel" in active.dataset.events.columns and not active.dataset.events.empty


def performance(active: Active, model: str, lookback: int | None, half_life: int | None,
                ltv_days: int) -> pd.DataFrame:
    """Per-channel performance on the range under ``model`` (``ORDER_CHANNEL``: the order's own channel,
    the only model of a live data set)."""
    if active.live:
        return _performance_sql(active.ds_id, active.start, active.end, ltv_days)
    key = (active.ds_id, active.start, active.end, model, lookback, half_life)
    credit = _credit(*key, active.table("orders"), active.dataset.events)
    return _performance(*key, ltv_days, active.dataset.orders, active.dataset.spend, credit)


@_cache_data(max_entries=32, show_spinner=False)
def _credit(ds_id: str, start: dt.date, end: dt.date, model: str, lookback: int | None,
            half_life: int | None, _orders: pd.DataFrame, _events: pd.DataFrame) -> pd.DataFrame | None:
    """Attributed orders and revenue per channel of the orders of ``start``..``end`` (``_orders``) under
    ``model`` (``_events``: the full events table, so touchpoints before ``start`` count); None for the
    order's own channel (performance then credits ``orders.channel``). Days -> durations."""
    if model == ORDER_CHANNEL:
        return None
    options = {"lookback": pd.Timedelta(days=lookback)}
    if half_life is not None:
        options["half_life"] = pd.Timedelta(days=half_life)
    return channels.attribute(_orders, _events, model=model, **options)


@_cache_data(max_entries=32, show_spinner=False)
def _performance(ds_id: str, start: dt.date, end: dt.date, model: str, lookback: int | None,
                 half_life: int | None, ltv_days: int, _orders: pd.DataFrame, _spend: pd.DataFrame,
                 _credit: pd.DataFrame | None) -> pd.DataFrame:
    """``_orders`` / ``_spend``: the full tables, so LTV follows customers past ``end``; ``_credit``: the
    ``_credit`` result of the same arguments."""
    return channels.performance(_orders, _spend, ltv_days=ltv_days, attribution=_credit, start=start, end=end)


@_cache_data(max_entries=32, ttl=data.LIVE_TTL, show_spinner=False)
def _performance_sql(ds_id: str, start: dt.date, end: dt.date, ltv_days: int) -> pd.DataFrame:
    """Last-touch ``performance`` pushed down (``pushdown.performance_sql``)."""
    engine, source = _sql(ds_id)
    return pushdown.performance_sql(engine, source.tables["orders"], source.tables.get("spend"),
                                    ltv_days=ltv_days, start=start, end=end,
                                    orders_mapping=source.mappings["orders"],
                                    spend_mapping=source.mappings.get("spend"))


def weekly_trend(active: Active) -> pd.DataFrame:
    """Weekly spend, revenue and ROAS per channel of the rows of the range."""
    if active.live:
        return _weekly_trend_sql(active.ds_id, active.start, active.end)
    return _weekly_trend(active.ds_id, active.start, active.end, active.table("orders"), active.table("spend"))


@_cache_data(max_entries=32, show_spinner=False)
def _weekly_trend(ds_id: str, start: dt.date, end: dt.date, _orders: pd.DataFrame, _spend: pd.DataFrame):
    """``weekly_trend`` in memory (``_orders`` / ``_spend``: the rows of the range)."""
    return channels.weekly_trend(_orders, _spend, freq="W")


@_cache_data(max_entries=32, ttl=data.LIVE_TTL, show_spinner=False)
def _weekly_trend_sql(ds_id: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """``weekly_trend`` from the pushed-down per-day revenue and spend."""
    revenue = _daily_revenue_sql(ds_id, start, end)
    as_orders = revenue.rename(columns={"date": "order_ts", "revenue": "amount"})  # weekly_trend adds up
    return channels.weekly_trend(as_orders, _daily_spend_sql(ds_id, start, end), freq="W")


# --- Budget ----------------------------------------------------------------------------------------

def daily_spend(active: Active) -> pd.DataFrame:
    """Spend rows (date, channel, spend) of the range; live: per-day sums, empty without a spend table."""
    if active.live:
        return _daily_spend_sql(active.ds_id, active.start, active.end)
    return active.table("spend")


def daily_revenue(active: Active) -> pd.DataFrame:
    """Net revenue per day and channel of the orders of the range (``budget.daily_revenue``; live:
    ``pushdown.daily_revenue_sql``, where orders without a channel count under "(none)")."""
    if active.live:
        return _daily_revenue_sql(active.ds_id, active.start, active.end)
    return _daily_revenue(active.ds_id, active.start, active.end, active.table("orders"))


@_cache_data(max_entries=32, show_spinner=False)
def _daily_revenue(ds_id: str, start: dt.date, end: dt.date, _orders: pd.DataFrame) -> pd.DataFrame:
    """``daily_revenue`` in memory (``_orders``: the orders of the range)."""
    return budget.daily_revenue(_orders)


@_cache_data(max_entries=32, ttl=data.LIVE_TTL, show_spinner=False)
def _daily_revenue_sql(ds_id: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """``daily_revenue`` pushed down (``pushdown.daily_revenue_sql``)."""
    engine, source = _sql(ds_id)
    return pushdown.daily_revenue_sql(engine, source.tables["orders"], start=start, end=end,
                                      mapping=source.mappings["orders"])


@_cache_data(max_entries=32, ttl=data.LIVE_TTL, show_spinner=False)
def _daily_spend_sql(ds_id: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    """``daily_spend`` pushed down (``pushdown.daily_spend_sql``)."""
    engine, source = _sql(ds_id)
    if "spend" not in source.tables:
        return empty_table("spend")
    return pushdown.daily_spend_sql(engine, source.tables["spend"], start=start, end=end,
                                    mapping=source.mappings["spend"])
