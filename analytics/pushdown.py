"""Push-down: the heavy stage of RFM, retention, funnels and channel performance run inside a SQL
database (DESIGN §5 "Beyond one machine"), and only aggregates come back.

Every function takes a SQLAlchemy Engine (or a URL, for which an engine is made and disposed) and a
table name. The name is checked against the inspected schema and the table reflected
(``analytics.io.reflect_table``); columns are found like ``load_table`` finds them: the suggested
mapping overridden by ``mapping`` (canonical field -> source column, ``analytics.io.resolve_mapping``).
Statements are built with SQLAlchemy Core (CTEs, GROUP BY, window functions); every value (dates,
windows, event names) is a bound parameter. Per-customer and per-user values come from window
functions rather than joins, so the plans do not hinge on the planner's row estimates (a freshly
loaded, unanalysed table is fine). The results equal the in-memory functions on the same rows:
``rfm_table_sql`` = ``rfm.rfm_table``, ``retention_sql`` = ``cohort.retention``, ``funnel_sql`` =
``funnel.funnel`` (sequential order), ``performance_sql`` = ``channels.performance`` (last touch, by
the order rows' own channel), ``overview_sql`` = ``overview.kpis`` and ``overview.monthly_trend``;
``daily_revenue_sql`` / ``daily_spend_sql`` give the per-day inputs of ``budget.fit_channels`` and
``channels.weekly_trend``, ``date_range_sql`` the first and last order day, ``event_names_sql`` the
funnel's step choices. A date range (``start`` / ``end``) selects rows like slicing the table by
calendar day does in memory.

A live data set (``SqlSource``, checked by ``check_source``; ``table_names`` / ``table_columns`` to
pick them) names a database, its tables and their column mappings; the app's store keeps it and
the pages call these functions with it.

Dialects: PostgreSQL and SQLite are tested. Other dialects get the PostgreSQL expressions (CAST to
TIMESTAMP and DATE, EXTRACT(EPOCH FROM ...)); where those are missing the database error comes back
as an AnalyticsInputError. Window functions are needed (SQLite >= 3.28). Times are compared as whole
ticks: microseconds on PostgreSQL, milliseconds on SQLite (its date functions keep milliseconds), so results
equal the in-memory ones for times stored at that precision or coarser.

Where the database path differs from the in-memory one (none of it arises with tables loaded by
``load_table`` / ``load_sql`` from one order per row):
- Rows with a missing id, time or amount are left out (``load_sql`` drops and reports them; the
  in-memory functions refuse them). Amounts must be a numeric column.
- Times are the wall-clock values as stored. PostgreSQL TIMESTAMP WITH TIME ZONE columns are read in
  the session's time zone (as ``load_sql`` reads them); SQLite text with a UTC offset is converted to
  UTC by SQLite's date functions, where the in-memory path keeps the local clock time.
- With an ``order_id`` column, orders are counted as distinct order ids per customer / cell / channel;
  in memory a repeated order id counts once in the whole table, on its first row.
- ``performance_sql``: a customer whose first order time is shared by rows of different channels is
  acquired by the smallest channel name (in memory: the row listed first). Blank channels are those
  that SQL TRIM reduces to '' (spaces); in memory any whitespace counts as blank.
- ``funnel_sql``: a step that shares an event name with an earlier step (a repeated or overlapping
  step) takes events of that name only strictly after the previous step's time; in memory another
  event at that same time also counts. Exact whenever a user's step events have distinct times.
- Not pushed down: ``by`` breakdowns, funnel orders other than "sequential", multi-touch attribution.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from analytics import io, overview
from analytics.attribution import NO_CHANNEL, by_revenue
from analytics.channels import _check_ltv_days, _day_range
from analytics.cohort import MEASURES, _check_grid_options, retention_from_cells
from analytics.dataset import KINDS, empty_table
from analytics.errors import AnalyticsInputError, require_choice
from analytics.funnel import DEFAULT_WINDOW, _step_names, _window_ns
from analytics.mapping import MAPPABLE
from analytics.prep import day_numbers
from analytics.rfm import _day_number, _label_order

_ORDERS = ("customer_id", "order_ts", "amount")
_EVENTS = ("user_id", "event_ts", "event_name")
_SPEND = ("date", "channel", "spend")
_DAY_NS = 86_400 * 10**9
_UNIX_JULIAN_DAY = 2440587.5  # SQLite julianday('1970-01-01')
_WEEK_SHIFT = 10**6  # weeks added before the integer division: floor division for dates before 1970


class _Clock:
    """Time expressions of one SQL dialect: whole ticks since 1970-01-01 (the dialect's precision),
    calendar day numbers and month numbers since 1970-01 of a timestamp column's local wall clock."""

    def __init__(self, dialect: str):
        self.sqlite = dialect == "sqlite"
        self.tick_ns = 10**6 if self.sqlite else 10**3  # SQLite's date functions keep milliseconds

    def _local(self, column):
        # SQLite's date functions read ISO text as it is; elsewhere CAST reads text, dates and
        # TIMESTAMP WITH TIME ZONE (in the session's zone) as a wall-clock TIMESTAMP
        return column if self.sqlite else sa.cast(column, sa.DateTime())

    def ticks(self, column):
        if self.sqlite:
            days = sa.func.julianday(column) - _UNIX_JULIAN_DAY
            return sa.cast(sa.func.round(days * (_DAY_NS // self.tick_ns)), sa.BigInteger)
        return sa.cast(sa.extract("epoch", self._local(column)) * (10**9 // self.tick_ns),
                       sa.BigInteger)

    def day(self, column):
        if self.sqlite:
            return sa.cast(sa.func.julianday(sa.func.date(column)) - _UNIX_JULIAN_DAY, sa.Integer)
        epoch = sa.cast(sa.literal("1970-01-01"), sa.Date())
        return sa.cast(sa.cast(self._local(column), sa.Date()) - epoch, sa.Integer)

    def period(self, column, period: str):
        """Absolute period number (cohort._period_index): day, Monday week or month since 1970-01."""
        if period == "D":
            return self.day(column)
        if period == "W":  # 1970-01-01 was a Thursday: week 0 starts on Monday 1969-12-29
            return (self.day(column) + (3 + 7 * _WEEK_SHIFT)) // 7 - _WEEK_SHIFT
        local = self._local(column)
        return sa.cast(sa.extract("year", local) * 12 + sa.extract("month", local), sa.Integer) \
            - (1970 * 12 + 1)

    def timestamps(self, ticks) -> np.ndarray:
        """Ticks fetched from the database -> naive datetime64[ns]."""
        return (np.asarray(ticks, dtype=np.int64) * self.tick_ns).view("datetime64[ns]")


# ------------------------------------------------------------------------------------------ public API


def rfm_table_sql(source, table: str, *, asof=None, start=None, end=None,
                  mapping: Mapping[str, str | None] | None = None) -> pd.DataFrame:
    """``rfm.rfm_table`` computed in the database: one row per order or refund (in ``table``) -> one
    row per customer with an order on or before ``asof``.

    Pushed down: per customer, the order count, net spend and first / last order tick (one GROUP BY),
    after a first query for the default ``asof`` (the latest order day). In Python: recency_days and
    the sort by customer id. ``source``: a SQLAlchemy Engine or URL; ``table``: a table or view name;
    ``start`` / ``end``: only the rows of these calendar days (inclusive; None = open), as
    ``rfm_table`` on the rows of that date range; ``mapping``: canonical field -> column, as in
    ``load_table``. Columns, units, order and ``attrs["asof"]`` as ``rfm_table``.
    """
    where = "rfm_table_sql"
    asof_day = None if asof is None else _day_number(asof, name="asof", where=where)
    lo, hi = _day_range(start, end, where)
    with _connected(source, where=where) as connection:
        clock = _Clock(connection.dialect.name)
        columns = _columns(connection, table, "orders", mapping, _ORDERS, where=where)
        rows = _order_rows(columns, clock)
        is_order = rows.c.amount >= 0
        in_range = _between(rows.c.day, lo, hi)
        if asof_day is None:
            asof_day = connection.execute(sa.select(sa.func.max(sa.case((is_order, rows.c.day))))
                                          .where(in_range)).scalar()
            if asof_day is None:
                raise _no_orders(where, _range_text(start, end))
        frequency = _order_count(rows, columns)
        statement = (sa.select(rows.c.customer_id, frequency.label("frequency"),
                               sa.func.sum(rows.c.amount).label("monetary"),
                               sa.func.min(sa.case((is_order, rows.c.ticks))).label("first_ticks"),
                               sa.func.max(sa.case((is_order, rows.c.ticks))).label("last_ticks"))
                     .where(rows.c.day <= asof_day, in_range).group_by(rows.c.customer_id)
                     .having(frequency > 0))
        found = _frame(connection.execute(statement))
    if found.empty:
        raise _no_orders(where, f"{_range_text(start, end)} on or before asof "
                                f"{np.datetime64(asof_day, 'D')}")
    found = found.take(_label_order(pd.Index(found["customer_id"])))
    last = clock.timestamps(found["last_ticks"])
    out = pd.DataFrame({
        "customer_id": found["customer_id"].to_numpy(),
        "recency_days": asof_day - day_numbers(last),
        "frequency": found["frequency"].to_numpy(dtype=np.int64),
        "monetary": found["monetary"].to_numpy(dtype=np.float64),
        "first_order_ts": clock.timestamps(found["first_ticks"]),
        "last_order_ts": last,
    })
    out.attrs["asof"] = pd.Timestamp(np.datetime64(asof_day, "D"))
    return out


def retention_sql(source, table: str, *, period: str = "M", mode: str = "on",
                  measure: str = "customers", max_offset: int | None = None, asof=None,
                  mapping: Mapping[str, str | None] | None = None) -> pd.DataFrame:
    """``cohort.retention`` computed in the database: one row per order or refund -> one row per
    (cohort, offset), columns as ``retention`` (no ``by``).

    Pushed down: each customer's first and last order period (the cohort), then per (cohort, offset)
    the distinct active customers (mode "on") or the customers whose last order falls there
    ("on_or_after"), orders, or net revenue: one GROUP BY over the rows up to ``asof``. In Python
    (``cohort.retention_from_cells``, the shaping of ``retention``): sizes, cumulative sums, rates
    and NaN for cells not yet observable. Options as in ``retention``; ``source``,
    ``table`` and ``mapping`` as in ``rfm_table_sql``.
    """
    where = "retention_sql"
    _check_grid_options(period, mode, max_offset, where=where)
    require_choice(measure, MEASURES, name="measure", where=where)
    asof_day = None if asof is None else _day_number(asof, name="asof", where=where)
    with _connected(source, where=where) as connection:
        clock = _Clock(connection.dialect.name)
        columns = _columns(connection, table, "orders", mapping, _ORDERS, where=where)
        rows = _order_rows(columns, clock, period=period)
        asof_day = _checked_asof(connection, rows, asof_day, where=where)
        cells = _frame(connection.execute(_cohort_cells(rows, columns, asof_day, mode=mode,
                                                        measure=measure)))
    return retention_from_cells(cells, asof=np.datetime64(asof_day, "D"), period=period, mode=mode,
                                measure=measure, max_offset=max_offset)


def funnel_sql(source, table: str, steps, *, window=DEFAULT_WINDOW, order: str = "sequential",
               start=None, end=None, mapping: Mapping[str, str | None] | None = None) -> pd.DataFrame:
    """``funnel.funnel`` (sequential order, no ``by``) computed in the database: one row per event ->
    one row per step, columns as ``funnel``.

    Pushed down: every distinct step-1 time of a user starts an attempt; step k takes the user's
    earliest event matching step k at or after the attempt's step k-1 time, kept when within
    ``window`` of its step-1 time. Per (user, time) a running MIN over the user's later times gives
    that earliest time for every step; each attempt reads it at its step k-1 time (a join done by
    sorting: UNION ALL and a window MAX per (user, time)). Each user's counted attempt is the earliest
    one reaching the deepest step (ROW_NUMBER); per step come back the users and the median time from
    the previous step (ROW_NUMBER / COUNT, the middle one or two values averaged: standard SQL, no
    percentile function needed, exact on both dialects). In Python: the ratios. ``order`` must be
    "sequential" (strict and any_order run in memory). ``steps`` and ``window`` as in ``funnel``;
    step names are bound parameters. A step name that never occurs in the column raises (anywhere in
    the table, like a categorical column's categories in memory). ``start`` / ``end``: only the events
    of these calendar days (inclusive; None = open), as ``funnel`` on the rows of that date range.
    """
    where = "funnel_sql"
    require_choice(order, ("sequential",), name="order", where=where)
    names = _step_names(steps, where=where)
    window_ns = _window_ns(window, where=where)
    days = _day_range(start, end, where)
    with _connected(source, where=where) as connection:
        clock = _Clock(connection.dialect.name)
        columns = _columns(connection, table, "events", mapping, _EVENTS, where=where)
        _check_step_names(connection, columns["event_name"], names, where=where)
        window_ticks = None if window_ns is None else window_ns // clock.tick_ns
        found = _frame(connection.execute(_funnel_steps(columns, clock, names, window_ticks, days)))
    users = np.zeros(len(names), dtype=np.int64)
    medians = np.full(len(names), np.iinfo(np.int64).min)  # NaT
    step = found["step"].to_numpy(dtype=np.int64) - 1
    users[step] = found["users"].to_numpy(dtype=np.int64)
    median = found["median"].to_numpy(dtype=np.float64)
    known = np.flatnonzero(~np.isnan(median))
    medians[step[known]] = np.round(median[known] * clock.tick_ns).astype(np.int64)
    previous = np.r_[users[:1], users[:-1]]
    return pd.DataFrame({
        "step": np.arange(1, len(names) + 1),
        "name": pd.array([" | ".join(map(str, n)) for n in names], dtype="str"),
        "users": users,
        "conversion": _ratio(users, np.full(len(names), users[0])),
        "step_conversion": _ratio(users, previous),
        "drop_off": previous - users,
        "median_time_from_previous": medians.view("timedelta64[ns]"),
    })


def performance_sql(source, orders_table: str, spend_table: str | None, *, ltv_days: int = 180, start=None,
                    end=None, orders_mapping: Mapping[str, str | None] | None = None,
                    spend_mapping: Mapping[str, str | None] | None = None) -> pd.DataFrame:
    """``channels.performance`` (last touch: the order rows' own channel) computed in the database:
    orders and spend tables -> one row per channel, columns and order as ``performance``.

    Pushed down: revenue and orders per channel in the date range, spend per channel in the range,
    and each customer's first order (time, then the smallest channel among its rows at that time:
    window MINs per customer) followed by the net revenue of the customers acquired in the range per
    (channel, whole days since their first order). In Python: ROAS, CAC, the LTV curve's cumulative
    sums, LTV at ``ltv_days`` and payback. ``ltv_days``, ``start``, ``end`` as in ``performance``;
    ``spend_table`` None: no spend (as ``performance`` with an empty spend table);
    ``orders_mapping`` / ``spend_mapping``: canonical field -> column of each table, as in
    ``load_table``.
    """
    where = "performance_sql"
    _check_ltv_days(ltv_days, where)
    lo, hi = _day_range(start, end, where)
    with _connected(source, where=where) as connection:
        clock = _Clock(connection.dialect.name)
        order_columns = _columns(connection, orders_table, "orders", orders_mapping,
                                 (*_ORDERS, "channel"), where=where, parameter="orders_mapping")
        rows = _order_rows(order_columns, clock, channel=True)
        in_range = _between(rows.c.day, lo, hi)
        totals = _frame(connection.execute(
            sa.select(rows.c.channel, sa.func.sum(rows.c.amount).label("revenue"),
                      _order_count(rows, order_columns).label("orders"))
            .where(in_range).group_by(rows.c.channel)))
        spend = pd.DataFrame({"channel": [], "spend": []})
        if spend_table is not None:
            spend_columns = _columns(connection, spend_table, "spend", spend_mapping, _SPEND,
                                     where=where, parameter="spend_mapping")
            spent = _spend_rows(spend_columns, clock)
            spend = _frame(connection.execute(
                sa.select(spent.c.channel, sa.func.sum(spent.c.spend).label("spend"))
                .where(_between(spent.c.day, lo, hi)).group_by(spent.c.channel)))
        curve = _frame(connection.execute(_acquisition_curve(rows, clock, lo, hi)))
    return _performance_frame(totals, spend, curve, ltv_days=int(ltv_days))


def overview_sql(source, table: str, *, start, end,
                 mapping: Mapping[str, str | None] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``overview.kpis`` and ``overview.monthly_trend`` for ``start``..``end`` computed in the
    database: one row per order or refund -> (the KPI frame, the monthly frame), as those return them.

    Pushed down: per customer (rows up to ``end``) the first order day and, in the period and in the
    previous period of equal length, the orders, net revenue and gross order value, added up into
    the periods' totals, customers, repeat customers and new customers (one GROUP BY); per month of
    the range the net revenue, orders, active customers and the revenue of customers in the month of
    their first order (a window MIN per customer). In Python: the KPI ratios and changes
    (``overview.kpi_values`` / ``overview.compared``) and months without rows as zeros. ``start`` and
    ``end`` (dates, inclusive) are required; ``source``, ``table``, ``mapping`` as in ``rfm_table_sql``.
    """
    where = "overview_sql"
    lo, hi = _day_range(start, end, where)
    if lo is None or hi is None:
        raise AnalyticsInputError(f"overview_sql needs both a 'start' and an 'end' date (the KPI "
                                  f"period). Got start={start!r}, end={end!r} instead.")
    periods = ((lo, hi), (2 * lo - hi - 1, lo - 1))  # the range and the one of equal length before
    with _connected(source, where=where) as connection:
        clock = _Clock(connection.dialect.name)
        columns = _columns(connection, table, "orders", mapping, _ORDERS, where=where)
        rows = _order_rows(columns, clock, period="M")
        tallies = connection.execute(_kpi_tallies(rows, columns, periods)).one()._asdict()
        has_rows = connection.execute(sa.select(rows.c.day).limit(1)).first() is not None
        months = _frame(connection.execute(_monthly_cells(rows, columns, lo, hi)))
    kpis = overview.compared(*(overview.kpi_values(**{  # SUMs are NULL without rows, NUMERIC on PostgreSQL
        name: float(tallies[f"{name}_{i}"] or 0) for name in ("gmv", "orders", "gross", "customers",
                                                                 "repeaters", "new")}) for i in (0, 1)))
    if not has_rows:  # as monthly_trend on an empty table
        return kpis, overview.monthly_trend(empty_table("orders"))
    return kpis, _monthly_frame(months, lo, hi)


def daily_revenue_sql(source, table: str, *, start=None, end=None,
                      mapping: Mapping[str, str | None] | None = None) -> pd.DataFrame:
    """Net revenue per calendar day and channel computed in the database: one row per order or refund
    -> one row per (day, channel) with a row on ``start``..``end`` (inclusive; None = open): date
    (datetime64[ns], midnight), channel (the order rows' own channel; missing or blank -> "(none)", as
    in ``performance_sql``), revenue (currency, refunds subtracted); sorted by date, then channel.

    It is ``budget.daily_revenue`` of the rows of the range with missing channels named "(none)": the
    revenue input of ``budget.fit_channels``, and, read as orders (order_ts = date, amount = revenue),
    the orders input of ``channels.weekly_trend`` (which only adds amounts up). ``source``, ``table``,
    ``mapping`` as in ``rfm_table_sql``; the channel column is required.
    """
    where = "daily_revenue_sql"
    days = _day_range(start, end, where)
    with _connected(source, where=where) as connection:
        clock = _Clock(connection.dialect.name)
        columns = _columns(connection, table, "orders", mapping, (*_ORDERS, "channel"), where=where)
        return _daily(connection, _order_rows(columns, clock, channel=True), "amount", "revenue", days)


def daily_spend_sql(source, table: str, *, start=None, end=None,
                    mapping: Mapping[str, str | None] | None = None) -> pd.DataFrame:
    """Marketing spend per calendar day and channel computed in the database: one row per spend row
    -> one row per (day, channel) on ``start``..``end`` (inclusive; None = open): date (datetime64[ns],
    midnight), channel (missing or blank -> "(none)"), spend (currency); sorted by date, then channel.
    The spend input of ``budget.fit_channels`` and ``channels.weekly_trend`` (both add rows up).
    ``mapping``: canonical spend field -> column, as in ``load_table``.
    """
    where = "daily_spend_sql"
    days = _day_range(start, end, where)
    with _connected(source, where=where) as connection:
        clock = _Clock(connection.dialect.name)
        columns = _columns(connection, table, "spend", mapping, _SPEND, where=where)
        return _daily(connection, _spend_rows(columns, clock), "spend", "spend", days)


def date_range_sql(source, table: str, *,
                   mapping: Mapping[str, str | None] | None = None) -> tuple[dt.date, dt.date] | None:
    """First and last calendar day of the order times in ``table`` (one MIN / MAX of the mapped
    ``order_ts`` column, which an index on it answers without a scan), or None when it has none.
    Days are the wall-clock dates of the values as the driver returns them (a TIMESTAMP WITH TIME ZONE
    in the session's zone). ``source``, ``mapping`` as in ``rfm_table_sql``.
    """
    where = "date_range_sql"
    with _connected(source, where=where) as connection:
        ts = _columns(connection, table, "orders", mapping, ("order_ts",), where=where)["order_ts"]
        first, last = connection.execute(sa.select(sa.func.min(ts), sa.func.max(ts))).one()
    if first is None:
        return None
    return _calendar_day(first, ts.name, where), _calendar_day(last, ts.name, where)


def event_names_sql(source, table: str, *, mapping: Mapping[str, str | None] | None = None) -> list[str]:
    """The distinct event names of the events ``table`` (one SELECT DISTINCT; missing names left out),
    as text, sorted: the step choices of a funnel. ``source``, ``mapping`` (canonical events field ->
    column) as in ``funnel_sql``."""
    where = "event_names_sql"
    with _connected(source, where=where) as connection:
        name = _columns(connection, table, "events", mapping, ("event_name",), where=where)["event_name"]
        found = connection.execute(sa.select(name).where(name.is_not(None)).distinct()).scalars()
        return sorted({str(value) for value in found})


# ------------------------------------------------------------------------------------- live sources


@dataclass(frozen=True)
class SqlSource:
    """A live data set: its tables stay in a SQL database and the analyses are pushed down to it.

    ``url``: the database (a ``sqlalchemy.URL``, whose repr and str mask the password); ``tables``:
    kind ("orders", "events", "spend") -> table or view name ("schema.table" allowed), always with
    "orders"; ``mappings``: kind -> every field of ``MAPPABLE[kind]`` -> its column, or None when the
    table has none (explicit, so a column added later is not picked up by the suggestions).
    """

    url: sa.URL
    tables: Mapping[str, str]
    mappings: Mapping[str, Mapping[str, str | None]]


def check_source(url, tables: Mapping[str, str | None],
                 mappings: Mapping[str, Mapping[str, str | None]] | None = None) -> SqlSource:
    """Validate a live data set and resolve its column mappings: ``url`` (SQLAlchemy URL, string or
    ``sqlalchemy.URL``), ``tables`` (kind -> table name; None or "" = no such table; orders required),
    ``mappings`` (kind -> canonical field -> column, as in ``load_table``; missing kinds are suggested
    from the column names) -> a SqlSource with explicit mappings.

    Each table is looked up in the inspected schema and reflected; its required columns must be
    mapped and its amounts / spend must not be text. Raises AnalyticsInputError naming what is wrong
    (never the password).
    """
    where = "check_source"
    chosen = {kind: name for kind, name in tables.items() if name}
    for kind in chosen:
        require_choice(kind, KINDS, name="tables", where=where)
    if "orders" not in chosen:
        raise AnalyticsInputError(f"{where} needs an orders table: tables={{'orders': '<table name>'}}.")
    needed = {"orders": _ORDERS, "events": _EVENTS, "spend": _SPEND}
    with _connected(url, where=where) as connection:
        found = {kind: _columns(connection, name, kind, (mappings or {}).get(kind), needed[kind],
                                where=where, parameter=f"mappings['{kind}']")
                 for kind, name in chosen.items()}
        parsed = connection.engine.url
    return SqlSource(url=parsed, tables=chosen, mappings={
        kind: {field: columns[field].name if field in columns else None for field in MAPPABLE[kind]}
        for kind, columns in found.items()})


def table_names(source) -> list[str]:
    """The tables and views of the database's default schema, sorted (other schemas: "schema.table"
    names work everywhere a table is named). ``source``: a SQLAlchemy Engine or URL."""
    with _connected(source, where="table_names") as connection:
        inspector = sa.inspect(connection)
        return sorted({*inspector.get_table_names(), *inspector.get_view_names()})


def table_columns(source, table: str) -> list[str]:
    """The column names of the table or view ``table`` (checked against the inspected schema)."""
    with _connected(source, where="table_columns") as connection:
        return list(io.reflect_table(connection, table, where="table_columns").columns.keys())


# ------------------------------------------------------------------------------------------ plumbing


@contextlib.contextmanager
def _connected(source, *, where: str) -> Iterator[sa.Connection]:
    """A connection to ``source`` (an Engine, or a URL whose engine is disposed afterwards); database
    errors become AnalyticsInputError without the password."""
    if isinstance(source, sa.Engine):
        engine = source
    elif isinstance(source, (str, sa.URL)):
        engine = io.make_engine(source, where=where)
    else:
        raise AnalyticsInputError(
            f"The 'source' parameter of {where} must be a SQLAlchemy Engine or a database URL such "
            f"as 'postgresql+psycopg://user@host/shop'. Got {type(source).__name__} instead."
        )
    safe = engine.url.render_as_string(hide_password=True)
    try:
        with engine.connect() as connection:
            yield connection
    except sa.exc.SQLAlchemyError as exc:
        detail = " ".join(str(getattr(exc, "orig", None) or exc).split())
        if engine.url.password:
            detail = detail.replace(str(engine.url.password), "***")
        raise AnalyticsInputError(
            f"{where} could not query {safe}: {detail}. Check that the server is reachable, that the "
            "mapped columns hold ids, timestamps and numbers, and the user's read permissions."
        ) from None
    finally:
        if engine is not source:
            engine.dispose()


def _columns(connection: sa.Connection, table: str, kind: str, mapping, needed: Sequence[str], *,
             where: str, parameter: str = "mapping") -> dict[str, sa.Column]:
    """Canonical field -> column of the reflected ``table`` (validated name and mapping)."""
    reflected = io.reflect_table(connection, table, where=where)
    names = list(reflected.columns.keys())
    used = io.resolve_mapping(names, kind, mapping, label=f"the table '{table}'", where=where)
    missing = [field for field in needed if field not in used]
    if missing:
        raise AnalyticsInputError(
            f"{where}: no column of the table '{table}' was found for {', '.join(missing)}. "
            f"Columns: {', '.join(names)}. Map them, e.g. {parameter}={{'{missing[0]}': '<your column>'}}."
        )
    for field in ("amount", "spend"):
        if field in used and isinstance(reflected.c[used[field]].type, sa.String):
            raise AnalyticsInputError(
                f"{where}: the column '{used[field]}' of the table '{table}' ({field}) holds text "
                f"({reflected.c[used[field]].type}), which the database cannot add up. Make it a "
                "number in the database (e.g. a view with CAST), or load the table into memory on "
                "the Data page, which reads currency text."
            )
    return {field: reflected.c[column] for field, column in used.items()}


def _order_rows(columns: dict[str, sa.Column], clock: _Clock, *, period: str | None = None,
                channel: bool = False) -> sa.CTE:
    """CTE of the usable order rows: customer_id, ticks, day, amount, [order_id], [period], [channel]."""
    ts = columns["order_ts"]
    selected = [columns["customer_id"].label("customer_id"), clock.ticks(ts).label("ticks"),
                clock.day(ts).label("day"), sa.cast(columns["amount"], sa.Float).label("amount")]
    if "order_id" in columns:
        selected.append(columns["order_id"].label("order_id"))
    if period is not None:
        selected.append(clock.period(ts, period).label("period"))
    if channel:
        selected.append(_channel_label(columns["channel"]).label("channel"))
    usable = sa.and_(*(columns[f].is_not(None) for f in _ORDERS))
    return sa.select(*selected).where(usable).cte("pushdown_order_rows")


def _spend_rows(columns: dict[str, sa.Column], clock: _Clock) -> sa.CTE:
    usable = sa.and_(columns["date"].is_not(None), columns["spend"].is_not(None))
    return sa.select(clock.day(columns["date"]).label("day"),
                     _channel_label(columns["channel"]).label("channel"),
                     sa.cast(columns["spend"], sa.Float).label("spend"))\
        .where(usable).cte("pushdown_spend_rows")


def _channel_label(column: sa.Column):
    """The channel as text; missing or blank -> NO_CHANNEL (attribution.channel_codes)."""
    text = sa.cast(column, sa.String())
    return sa.case((sa.or_(column.is_(None), sa.func.trim(text) == ""), NO_CHANNEL), else_=text)


def _order_count(rows: sa.FromClause, columns: dict[str, sa.Column], when=None):
    """Orders among ``rows`` (those where ``when`` holds, if given): rows with amount >= 0, or their
    distinct order ids when mapped."""
    is_order = rows.c.amount >= 0 if when is None else sa.and_(rows.c.amount >= 0, when)
    if "order_id" in columns:
        return sa.func.count(sa.distinct(sa.case((is_order, rows.c.order_id))))
    return sa.func.count(sa.case((is_order, 1)))


def _between(day, lo: int | None, hi: int | None):
    return sa.and_(sa.true(), *([day >= lo] if lo is not None else []),
                   *([day <= hi] if hi is not None else []))


def _daily(connection: sa.Connection, rows: sa.CTE, column: str, label: str,
           days: tuple[int | None, int | None]) -> pd.DataFrame:
    """SUM(``column``) of ``rows`` (with day and channel) per (day, channel) on the day numbers
    ``days`` -> date (datetime64[ns]), channel, ``label``; sorted by date, then channel."""
    found = _frame(connection.execute(
        sa.select(rows.c.day, rows.c.channel, sa.func.sum(rows.c[column]).label(label))
        .where(_between(rows.c.day, *days)).group_by(rows.c.day, rows.c.channel)))
    out = pd.DataFrame({
        "date": found["day"].to_numpy(dtype=np.int64).astype("datetime64[D]").astype("datetime64[ns]"),
        "channel": found["channel"].to_numpy(dtype=object),
        label: found[label].to_numpy(dtype=np.float64),
    })
    return out.sort_values(["date", "channel"], kind="stable", ignore_index=True)


def _calendar_day(value, column: str, where: str) -> dt.date:
    """A MIN / MAX of a time column as the driver returned it (datetime, date or text) -> its date."""
    try:
        return pd.Timestamp(value).date()
    except (ValueError, TypeError):
        raise AnalyticsInputError(
            f"{where}: the column '{column}' holds {value!r}, which is not a time. Map order_ts to a "
            "TIMESTAMP column (or ISO text such as '2024-03-01 10:00')."
        ) from None


def _frame(result: sa.CursorResult) -> pd.DataFrame:
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    out = np.full(len(numerator), np.nan)
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def _range_text(start, end) -> str:
    """The date range for a message: " from 2024-01-01 to 2024-03-31", " up to ...", " from ..."
    or "" (no range)."""
    if start is None:
        return "" if end is None else f" up to {end}"
    return f" from {start}" if end is None else f" from {start} to {end}"


def _no_orders(where: str, window: str) -> AnalyticsInputError:
    return AnalyticsInputError(
        f"{where} found no orders (rows with amount >= 0){window}. Check the amount column "
        "(negative amounts are refunds), or widen the date range or pick a later asof date."
    )


# ------------------------------------------------------------------------------------------- overview


def _kpi_tallies(rows: sa.CTE, columns: dict[str, sa.Column],
                 periods: tuple[tuple[int, int], ...]) -> sa.Select:
    """One row with, per period i (inclusive day numbers): gmv_i (net revenue), gross_i (amounts of
    orders), orders_i, customers_i (with an order in it), repeaters_i (two or more) and new_i (first
    order ever in it), from one per-customer GROUP BY of the rows up to the last period's end (orders
    are summed over customers: an order id belongs to one customer)."""
    last = max(hi for _, hi in periods)
    per_period = []
    for i, (lo, hi) in enumerate(periods):
        inside = _between(rows.c.day, lo, hi)
        per_period += [_order_count(rows, columns, inside).label(f"orders_{i}"),
                       sa.func.sum(sa.case((inside, rows.c.amount))).label(f"gmv_{i}"),
                       sa.func.sum(sa.case((sa.and_(inside, rows.c.amount >= 0), rows.c.amount)))
                       .label(f"gross_{i}")]
    per_customer = (sa.select(sa.func.min(sa.case((rows.c.amount >= 0, rows.c.day))).label("first_day"),
                              *per_period)
                    .where(rows.c.day <= last).group_by(rows.c.customer_id)
                    .subquery("pushdown_kpi_customers"))
    tallies = []
    for i, (lo, hi) in enumerate(periods):
        n = per_customer.c[f"orders_{i}"]
        tallies += [sa.func.sum(n).label(f"orders_{i}"),
                    sa.func.sum(per_customer.c[f"gmv_{i}"]).label(f"gmv_{i}"),
                    sa.func.sum(per_customer.c[f"gross_{i}"]).label(f"gross_{i}"),
                    sa.func.count(sa.case((n > 0, 1))).label(f"customers_{i}"),
                    sa.func.count(sa.case((n >= 2, 1))).label(f"repeaters_{i}"),
                    sa.func.count(sa.case((_between(per_customer.c.first_day, lo, hi), 1)))
                    .label(f"new_{i}")]
    return sa.select(*tallies)


def _monthly_cells(rows: sa.CTE, columns: dict[str, sa.Column], lo: int, hi: int) -> sa.Select:
    """Per month (months since 1970-01, rows with a ``period`` column "M") of the days lo..hi: gmv,
    orders, active_customers, new_revenue (rows of customers in the month of their first order ever:
    a window MIN over the customer's rows up to hi) and returning_revenue."""
    is_order = rows.c.amount >= 0
    timed = (sa.select(rows, sa.func.min(sa.case((is_order, rows.c.period)))
                       .over(partition_by=rows.c.customer_id).label("first_month"))
             .where(rows.c.day <= hi).subquery("pushdown_months"))
    is_new = timed.c.period == timed.c.first_month  # NULL (refunds only): returning, as in memory
    active = sa.func.count(sa.distinct(sa.case((timed.c.amount >= 0, timed.c.customer_id))))
    return (sa.select(timed.c.period.label("month"), sa.func.sum(timed.c.amount).label("gmv"),
                      _order_count(timed, columns).label("orders"), active.label("active_customers"),
                      sa.func.sum(sa.case((is_new, timed.c.amount), else_=0.0)).label("new_revenue"),
                      sa.func.sum(sa.case((is_new, 0.0), else_=timed.c.amount))
                      .label("returning_revenue"))
            .where(timed.c.day >= lo).group_by(timed.c.period))


def _monthly_frame(cells: pd.DataFrame, lo: int, hi: int) -> pd.DataFrame:
    """The month cells -> ``overview.monthly_trend``'s frame: every month of lo..hi, zeros where the
    database returned none."""
    first, last = overview._month_index(np.array([lo, hi]))
    slot = cells["month"].to_numpy(dtype=np.int64) - first

    def spread(column: str, dtype) -> np.ndarray:
        out = np.zeros(int(last - first + 1), dtype=dtype)
        out[slot] = cells[column].to_numpy(dtype=dtype)
        return out

    return pd.DataFrame({
        "month": np.arange(first, last + 1).astype("datetime64[M]").astype("datetime64[ns]"),
        "gmv": spread("gmv", np.float64),
        "orders": spread("orders", np.int64),
        "active_customers": spread("active_customers", np.int64),
        "new_revenue": spread("new_revenue", np.float64),
        "returning_revenue": spread("returning_revenue", np.float64),
    })


# ------------------------------------------------------------------------------------------ retention


def _checked_asof(connection: sa.Connection, rows: sa.CTE, asof_day: int | None, *, where: str) -> int:
    """The asof day number (default: the latest order day); raises without rows or orders up to it."""
    order_day = sa.case((rows.c.amount >= 0, rows.c.day))
    n_rows, latest, earliest = connection.execute(
        sa.select(sa.func.count(), sa.func.max(order_day), sa.func.min(order_day))).one()
    if n_rows == 0:
        raise AnalyticsInputError(
            f"{where}: the orders table has no usable rows (with an id, a time and an amount). "
            "Point it at a table with orders."
        )
    if latest is None:
        raise _no_orders(where, "")
    if asof_day is not None and earliest > asof_day:
        raise _no_orders(where, f" on or before asof {np.datetime64(asof_day, 'D')}")
    return latest if asof_day is None else asof_day


def _cohort_cells(rows: sa.CTE, columns: dict[str, sa.Column], asof_day: int, *, mode: str,
                  measure: str) -> sa.Select:
    """Per (cohort, offset): the counts ``cohort.retention_from_cells`` needs. Each customer's first
    and last order period come from window functions over the customer's rows (no join)."""
    by_customer = {"partition_by": rows.c.customer_id}
    order_period = sa.case((rows.c.amount >= 0, rows.c.period))
    in_range = (sa.select(rows, sa.func.min(order_period).over(**by_customer).label("cohort"),
                          sa.func.max(order_period).over(**by_customer).label("latest"))
                .where(rows.c.day <= asof_day).subquery("pushdown_in_range"))
    # refunds dated before the first order go to offset 0 (revenue only: orders are never earlier)
    offset = sa.case((in_range.c.period < in_range.c.cohort, 0),
                     else_=in_range.c.period - in_range.c.cohort)
    cells = (sa.select(in_range, offset.label("offset"))
             .where(in_range.c.cohort.is_not(None)).subquery("pushdown_cells"))  # refunds only: no cohort
    is_order = cells.c.amount >= 0
    if mode == "on":
        counted = sa.func.count(sa.distinct(sa.case((is_order, cells.c.customer_id)))).label("active")
    else:
        last = sa.and_(is_order, cells.c.period == cells.c.latest)
        counted = sa.func.count(sa.distinct(sa.case((last, cells.c.customer_id)))).label("last")
    selected = [cells.c.cohort, cells.c.offset, counted]
    if measure == "orders":
        selected.append(_order_count(cells, columns).label("orders"))
    elif measure == "revenue":
        selected.append(sa.func.sum(cells.c.amount).label("revenue"))
    return sa.select(*selected).group_by(cells.c.cohort, cells.c.offset)



# ------------------------------------------------------------------------------------------ funnel


def _check_step_names(connection: sa.Connection, column: sa.Column, names: tuple[tuple, ...], *,
                      where: str) -> None:
    """Raise when a step names an event that never occurs (an empty table passes), like ``funnel``."""
    wanted = [n for step in names for n in step]
    present = set(connection.execute(sa.select(column).where(column.in_(wanted)).distinct()).scalars())
    missing = [(k, n) for k, step in enumerate(names, start=1) for n in step if n not in present]
    if not missing or connection.execute(sa.select(column).limit(1)).first() is None:
        return
    shown = list(connection.execute(sa.select(column).where(column.is_not(None)).distinct()
                                    .order_by(column).limit(21)).scalars())
    listed = ", ".join(map(str, shown[:20])) + (", ..." if len(shown) > 20 else "")
    k, name = missing[0]
    raise AnalyticsInputError(
        f"{where}: step {k} names the event {name!r}, which never occurs in the column "
        f"'{column.name}'. Names present: {listed}. Check the spelling."
    )


def _funnel_steps(columns: dict[str, sa.Column], clock: _Clock, names: tuple[tuple, ...],
                  window_ticks: int | None, days: tuple[int | None, int | None]) -> sa.Select:
    """Per step reached by anyone: step (1-based), users, median ticks from the previous step, over
    the events of the day numbers ``days`` (inclusive; None = open)."""
    n_steps = len(names)
    lookup = _next_times(columns, clock, names, days)
    # Every distinct step-1 time of a user starts an attempt; t_k = next_k read at (user, t_(k-1)),
    # kept when within the window of t1. The read is a join done by sorting (portable, and immune to
    # the planner's row estimates): the live attempts and the lookup rows of step k-1 in one UNION
    # ALL, the lookup's value spread over each (user, time) by a window MAX, then the attempts kept.
    no_time = sa.cast(sa.null(), sa.BigInteger)
    walks = [sa.select(lookup.c.user_id, lookup.c.ticks.label("t1"),
                       _in_window(lookup.c.next_2, lookup.c.ticks, window_ticks).label("t2"))
             .where(lookup.c.serves_1 == 1).cte("pushdown_walk_2")]
    for k in range(3, n_steps + 1):
        alive, done = walks[-1], [f"t{j}" for j in range(1, k)]
        rows = sa.union_all(
            sa.select(alive.c.user_id, alive.c[done[-1]].label("at"), no_time.label("value"),
                      *(alive.c[t] for t in done)).where(alive.c[done[-1]].is_not(None)),
            sa.select(lookup.c.user_id, lookup.c.ticks.label("at"), lookup.c[f"next_{k}"].label("value"),
                      *(no_time.label(t) for t in done)).where(lookup.c[f"serves_{k - 1}"] == 1),
        ).subquery(f"pushdown_read_{k}")
        value = sa.func.max(rows.c.value).over(partition_by=(rows.c.user_id, rows.c.at))
        spread = sa.select(rows, value.label("found")).subquery(f"pushdown_spread_{k}")
        walks.append(sa.select(spread.c.user_id, *(spread.c[t] for t in done),
                               _in_window(spread.c.found, spread.c.t1, window_ticks).label(f"t{k}"))
                     .where(spread.c.t1.is_not(None)).cte(f"pushdown_walk_{k}"))
    # the attempts that reached each step; per user the counted one: deepest, then earliest
    reached = sa.union_all(*(
        sa.select(walk.c.user_id, sa.literal(k, sa.Integer).label("depth"),
                  *(walk.c[f"t{j}"] if j <= k else no_time.label(f"t{j}") for j in range(1, n_steps + 1)))
        .where(walk.c[f"t{k}"].is_not(None))
        for k, walk in enumerate([walks[0], *walks], start=1))).subquery("pushdown_reached")
    rank = sa.func.row_number().over(partition_by=reached.c.user_id,
                                     order_by=(reached.c.depth.desc(), reached.c.t1))
    ranked = sa.select(reached, rank.label("attempt_rank")).subquery("pushdown_ranked")
    counted = sa.select(ranked).where(ranked.c.attempt_rank == 1).cte("pushdown_counted")
    return _step_medians(counted, n_steps)


def _next_times(columns: dict[str, sa.Column], clock: _Clock, names: tuple[tuple, ...],
                days: tuple[int | None, int | None]) -> sa.CTE:
    """CTE with one row per (user, time) of a step event on the day numbers ``days``: ``serves_k``
    (1 when an event at that time matches step k) and ``next_k`` (k >= 2): the earliest time at or
    after it that can serve step k, a running MIN over the user's later times. A name shared with an
    earlier step serves only strictly after the time (at it, that event is the earlier step's)."""
    name = columns["event_name"]
    usable = sa.and_(columns["user_id"].is_not(None), columns["event_ts"].is_not(None),
                     name.in_([n for step in names for n in step]),
                     _between(clock.day(columns["event_ts"]), *days))
    events = sa.select(columns["user_id"].label("user_id"),
                       clock.ticks(columns["event_ts"]).label("ticks"),
                       name.label("name")).where(usable).subquery("pushdown_events")

    def flag(group: Sequence, label: str):
        return sa.func.max(sa.case((events.c.name.in_(group), 1), else_=0)).label(label)

    flags = [flag(step, f"serves_{k}") for k, step in enumerate(names, start=1)]
    for k in range(2, len(names) + 1):
        shared = [n for n in names[k - 1] if any(n in earlier for earlier in names[:k - 1])]
        for kind, group in (("at", [n for n in names[k - 1] if n not in shared]), ("after", shared)):
            if group:
                flags.append(flag(group, f"{kind}_{k}"))
    times = (sa.select(events.c.user_id, events.c.ticks, *flags)
             .group_by(events.c.user_id, events.c.ticks).subquery("pushdown_times"))
    later = {"at": (None, 0), "after": (None, -1)}  # ROWS frames: this time and later, later only
    nexts = []
    for k in range(2, len(names) + 1):
        candidates = [sa.func.min(sa.case((times.c[f"{kind}_{k}"] == 1, times.c.ticks)))
                      .over(partition_by=times.c.user_id, order_by=times.c.ticks.desc(), rows=frame)
                      for kind, frame in later.items() if f"{kind}_{k}" in times.c]
        nexts.append(_earliest(*candidates).label(f"next_{k}"))
    serves = [times.c[f"serves_{k}"] for k in range(1, len(names) + 1)]
    return sa.select(times.c.user_id, times.c.ticks, *serves, *nexts).cte("pushdown_next")


def _step_medians(counted: sa.CTE, n_steps: int) -> sa.Select:
    """Per step: users whose counted attempt reached it, and the median of their time from the
    previous step (the middle one or two values by ROW_NUMBER / COUNT, averaged)."""
    no_time = sa.cast(sa.null(), sa.BigInteger)
    gaps = sa.union_all(*(
        sa.select(sa.literal(k, sa.Integer).label("step"),
                  (counted.c[f"t{k}"] - counted.c[f"t{k - 1}"] if k > 1 else no_time).label("gap"))
        .where(counted.c[f"t{k}"].is_not(None))
        for k in range(1, n_steps + 1))).subquery("pushdown_gaps")
    ordered = sa.select(gaps,
                        sa.func.row_number().over(partition_by=gaps.c.step,
                                                  order_by=gaps.c.gap).label("place"),
                        sa.func.count().over(partition_by=gaps.c.step).label("n"))\
        .subquery("pushdown_ordered")
    middle = sa.and_(2 * ordered.c.place >= ordered.c.n, 2 * ordered.c.place <= ordered.c.n + 2)
    return (sa.select(ordered.c.step, sa.func.max(ordered.c.n).label("users"),
                      sa.func.avg(sa.case((middle, sa.cast(ordered.c.gap, sa.Float)))).label("median"))
            .group_by(ordered.c.step))


def _earliest(*times):
    """The smaller of one or two nullable times (NULL only when both are); LEAST is not portable."""
    if len(times) == 1:
        return times[0]
    a, b = times
    return sa.case((a.is_(None), b), (b.is_(None), a), (a <= b, a), else_=b)


def _in_window(candidate, first, window_ticks: int | None):
    """``candidate`` when it lies within the window of the attempt's step-1 time ``first``, else NULL."""
    if window_ticks is None:
        return candidate
    return sa.case((candidate <= first + window_ticks, candidate))



# ------------------------------------------------------------------------------------------ channels


def _acquisition_curve(rows: sa.CTE, clock: _Clock, lo: int | None, hi: int | None) -> sa.Select:
    """Per (acquiring channel, whole days since the first order): net revenue of the customers
    acquired in the range, and at day 0 the number of those customers. Each customer's first order
    (time, then channel and day of the rows at that time) comes from window functions (no join)."""
    by_customer = {"partition_by": rows.c.customer_id}
    is_order = rows.c.amount >= 0
    timed = sa.select(rows, sa.func.min(sa.case((is_order, rows.c.ticks))).over(**by_customer)
                      .label("first_ticks")).subquery("pushdown_timed")
    on_first = sa.and_(timed.c.amount >= 0, timed.c.ticks == timed.c.first_ticks)
    acquired = sa.select(
        timed,
        sa.func.min(sa.case((on_first, timed.c.channel))).over(partition_by=timed.c.customer_id)
        .label("acquired_by"),
        sa.func.min(sa.case((on_first, timed.c.day))).over(partition_by=timed.c.customer_id)
        .label("first_day")).subquery("pushdown_acquired")
    elapsed = (acquired.c.ticks - acquired.c.first_ticks) // (_DAY_NS // clock.tick_ns)
    followed = (sa.select(acquired.c.acquired_by, elapsed.label("days"), acquired.c.amount,
                          acquired.c.customer_id, acquired.c.ticks, acquired.c.first_ticks)
                .where(acquired.c.ticks >= acquired.c.first_ticks,  # false for refunds-only customers
                       _between(acquired.c.first_day, lo, hi))
                .subquery("pushdown_followed"))
    at_first = followed.c.ticks == followed.c.first_ticks
    new = sa.func.count(sa.distinct(sa.case((at_first, followed.c.customer_id))))
    return (sa.select(followed.c.acquired_by.label("channel"), followed.c.days,
                      sa.func.sum(followed.c.amount).label("revenue"), new.label("new_customers"))
            .group_by(followed.c.acquired_by, followed.c.days))


def _performance_frame(totals: pd.DataFrame, spend: pd.DataFrame, curve: pd.DataFrame, *,
                       ltv_days: int) -> pd.DataFrame:
    """The aggregates -> the frame of ``channels.performance`` (same formulas)."""
    channels = pd.Index(pd.unique(np.concatenate([totals["channel"].to_numpy(dtype=object),
                                                  spend["channel"].to_numpy(dtype=object),
                                                  curve["channel"].to_numpy(dtype=object)])),
                        dtype="str")
    k = len(channels)

    def per_channel(frame: pd.DataFrame, column: str) -> np.ndarray:
        out = np.zeros(k)
        np.add.at(out, channels.get_indexer(frame["channel"]), frame[column].to_numpy(dtype=np.float64))
        return out

    revenue, orders, spend_total = (per_channel(totals, "revenue"), per_channel(totals, "orders"),
                                    per_channel(spend, "spend"))
    days = curve["days"].to_numpy(dtype=np.int64)
    n_days = int(days.max()) + 1 if len(days) else 1
    cumulative = np.zeros((k, n_days))
    np.add.at(cumulative, (channels.get_indexer(curve["channel"]), days),
              curve["revenue"].to_numpy(dtype=np.float64))
    cumulative = cumulative.cumsum(axis=1)
    new = per_channel(curve, "new_customers").astype(np.int64)
    with np.errstate(divide="ignore", invalid="ignore"):
        roas = np.where(spend_total != 0, revenue / spend_total, np.nan)
        cac = np.where((spend_total != 0) & (new > 0), spend_total / new, np.nan)
        per_customer = cumulative / new[:, None]
    ltv = per_customer[:, min(ltv_days, n_days) - 1]
    reached = per_customer >= cac[:, None]
    return by_revenue(pd.DataFrame({
        "channel": channels,
        "spend": spend_total,
        "orders": orders,
        "revenue": revenue,
        "roas": roas,
        "new_customers": new,
        "cac": cac,
        "ltv": ltv,
        "ltv_cac": ltv / cac,
        "payback_days": np.where(reached.any(axis=1), reached.argmax(axis=1), np.nan),
    }))
