"""Speed of the SQL push-down (analytics.pushdown) on a real PostgreSQL server, checked against memory.

Usage: ``python -m benchmarks.pushdown [--customers 200000] [--repeat 3] [--set work_mem=64MB ...]``
(``make bench-sql``). Takes the sample data set of ``benchmarks.run`` from its cache under
``benchmarks/cache/`` (generated on the first run), starts a throw-away PostgreSQL server
(``benchmarks.postgres``: PostgreSQL's default settings, fsync off, plus any ``--set``) and loads
orders, events and spend into tables of the same names with COPY, in chunks.

Prints the server's version and memory settings; per table: rows, COPY seconds, VACUUM ANALYZE
seconds, size on disk (MiB) and this process's memory growth during the load (MiB); then per push-down
step: rows of its input table, seconds of the first run (cold caches), median seconds over the
``--repeat`` runs (the first included), rows that came back, and whether the result equals the
in-memory function's on the same data ("yes", or the first line of the difference). The in-memory
side runs on the cached frames, whose categorical ids and labels the tables hold as text.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor

import pandas as pd
import psycopg
import pyarrow as pa
import pyarrow.csv as pa_csv
import sqlalchemy as sa
from pandas.testing import assert_frame_equal
from psycopg import sql

from analytics import budget, channels, cohort, funnel, overview, rfm
from analytics.dataset import KINDS, Dataset
from analytics.pushdown import (daily_revenue_sql, funnel_sql, overview_sql, performance_sql,
                                retention_sql, rfm_table_sql)
from benchmarks.postgres import ServerUnavailable, temporary_server
from benchmarks.run import FUNNEL_STEPS, PeakRSS, cached_sample

CHUNK_ROWS = 500_000  # rows per COPY chunk: ~40 MB of CSV for the events table
FUNNEL_WINDOW = pd.Timedelta(days=7)
OVERVIEW_DAYS = 120  # the KPI period: the last 120 days up to the last order day (as the tests)
SHOWN_SETTINGS = ("server_version", "shared_buffers", "work_mem", "max_parallel_workers_per_gather")

Step = tuple[str, int, Callable[[], object], Callable[[], object]]


# ------------------------------------------------------------------------------------------ loading


def load(url: str, data: Dataset) -> None:
    """COPY each table of ``data`` into the database at ``url`` (SQLAlchemy URL) as a new table of the
    same name, then VACUUM ANALYZE it; prints a row per table (see the module docstring)."""
    conninfo = sa.make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    print(f"{'table':<38}{'rows':>12}{'COPY s':>9}{'ANALYZE s':>11}{'MiB':>8}{'+MiB':>8}")
    for kind in KINDS:
        frame = data.table(kind)
        copy_s, analyze_s, size, growth = load_table(conninfo, kind, frame)
        print(f"{kind:<38}{len(frame):>12,}{copy_s:>9.2f}{analyze_s:>11.2f}{size / 2**20:>8,.0f}"
              f"{growth / 2**20:>8,.0f}", flush=True)


def load_table(conninfo: str, name: str, frame: pd.DataFrame) -> tuple[float, float, int, int]:
    """Load ``frame`` into the new table ``name`` (``copy_table``, committed) and VACUUM ANALYZE it ->
    (COPY seconds, VACUUM ANALYZE seconds, table size on disk in bytes, this process's peak memory
    growth during the COPY in bytes). ``conninfo``: a libpq connection string."""
    base = PeakRSS.current()
    with PeakRSS() as rss:
        start = time.perf_counter()
        with psycopg.connect(conninfo) as connection:  # one transaction: CREATE TABLE + COPY FREEZE
            copy_table(connection, name, frame)
        copy_s = time.perf_counter() - start
    with psycopg.connect(conninfo, autocommit=True) as connection:  # VACUUM needs autocommit
        start = time.perf_counter()
        connection.execute(sql.SQL("VACUUM (ANALYZE) {}").format(sql.Identifier(name)))
        analyze_s = time.perf_counter() - start
        size = connection.execute("SELECT pg_total_relation_size(%s::regclass)", [name]).fetchone()[0]
    return copy_s, analyze_s, size, rss.peak - base


def copy_table(connection: psycopg.Connection, name: str, frame: pd.DataFrame) -> None:
    """Create the table ``name`` with the columns of ``frame`` (datetime -> TIMESTAMP, float -> DOUBLE
    PRECISION, anything else -> TEXT) and fill it with COPY ... FREEZE from CSV chunks of
    ``CHUNK_ROWS`` rows; the next chunk is encoded in a thread while the current one is sent. Does not
    commit (FREEZE needs the CREATE in the same transaction)."""
    columns = sql.SQL(", ").join(
        sql.SQL("{} {}").format(sql.Identifier(column), sql.SQL(_sql_type(frame[column])))
        for column in frame.columns)
    connection.execute(sql.SQL("CREATE TABLE {} ({})").format(sql.Identifier(name), columns))
    statement = sql.SQL("COPY {} FROM STDIN (FORMAT csv, FREEZE true)").format(sql.Identifier(name))
    with connection.cursor().copy(statement) as copy:
        for chunk in _prefetched(_csv_chunks(frame)):
            copy.write(memoryview(chunk))


def _sql_type(column: pd.Series) -> str:
    """The PostgreSQL column type of ``column``: TIMESTAMP (without time zone), DOUBLE PRECISION or TEXT."""
    if pd.api.types.is_datetime64_dtype(column):
        return "timestamp"
    return "double precision" if pd.api.types.is_float_dtype(column) else "text"


def _csv_chunks(frame: pd.DataFrame) -> Iterator[pa.Buffer]:
    """``frame`` as headerless CSV (PostgreSQL's CSV: missing values unquoted and empty, text always
    quoted), ``CHUNK_ROWS`` rows per buffer. Categories are written as their labels."""
    table = pa.Table.from_pandas(frame, preserve_index=False)  # categorical codes and numbers: no copy
    options = pa_csv.WriteOptions(include_header=False)
    for start in range(0, table.num_rows, CHUNK_ROWS):
        sink = pa.BufferOutputStream()
        pa_csv.write_csv(table.slice(start, CHUNK_ROWS), sink, options)
        yield sink.getvalue()


def _prefetched(items: Iterator) -> Iterator:
    """``items``, each next one made in a worker thread while the caller uses the current one (at most
    two items alive at once)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(next, items, None)
        while (item := pending.result()) is not None:
            pending = pool.submit(next, items, None)
            yield item


# ---------------------------------------------------------------------------------------- the steps


def steps(engine: sa.Engine, data: Dataset) -> list[Step]:
    """The benchmarked steps as (name, rows of the input table, push-down call, in-memory twin)."""
    orders, events, spend = data.orders, data.events, data.spend
    end = orders["order_ts"].max().date()
    start = end - dt.timedelta(days=OVERVIEW_DAYS)
    return [
        (f"overview KPIs + monthly, {OVERVIEW_DAYS} days", len(orders),
         lambda: overview_sql(engine, "orders", start=start, end=end),
         lambda: (overview.kpis(orders, start=start, end=end),
                  overview.monthly_trend(orders, start=start, end=end))),
        ("RFM table", len(orders), lambda: rfm_table_sql(engine, "orders"), lambda: rfm.rfm_table(orders)),
        ("cohort matrix, monthly", len(orders), lambda: retention_sql(engine, "orders"),
         lambda: cohort.retention(orders)),
        ("funnel 4 steps, 7-day window", len(events),
         lambda: funnel_sql(engine, "events", FUNNEL_STEPS, window=FUNNEL_WINDOW),
         lambda: funnel.funnel(events, FUNNEL_STEPS, window=FUNNEL_WINDOW)),
        ("channel performance", len(orders), lambda: performance_sql(engine, "orders", "spend"),
         lambda: channels.performance(orders, spend)),
        ("daily revenue", len(orders), lambda: daily_revenue_sql(engine, "orders"),
         lambda: budget.daily_revenue(orders)),
    ]


def measure(name: str, rows: int, in_sql: Callable[[], object], in_memory: Callable[[], object],
            repeat: int) -> None:
    """Run ``in_sql`` ``repeat`` times and print a row: name, input rows, first and median seconds,
    rows returned (all frames added up), and ``same(result, in_memory())``."""
    seconds = []
    for _ in range(repeat):
        start = time.perf_counter()
        got = in_sql()
        seconds.append(time.perf_counter() - start)
    frames = got if isinstance(got, tuple) else (got,)
    print(f"{name:<38}{rows:>12,}{seconds[0]:>9.3f}{statistics.median(seconds):>9.3f}"
          f"{sum(map(len, frames)):>9,}  {same(got, in_memory())}", flush=True)


def same(got, expected) -> str:
    """Compare ``got`` with ``expected`` (frames or tuples of frames) as tests/analytics/test_pushdown.py
    does (dtypes not checked, relative and absolute tolerance 1e-9) -> "yes", or the first line of
    the difference."""
    pairs = zip(got, expected, strict=True) if isinstance(got, tuple) else [(got, expected)]
    try:
        for got_frame, expected_frame in pairs:
            assert_frame_equal(got_frame, expected_frame, check_dtype=False, rtol=1e-9, atol=1e-9)
    except AssertionError as exc:
        return next((line.strip() for line in str(exc).splitlines() if line.strip()), "differs")
    return "yes"


# ------------------------------------------------------------------------------------------- main


def server_settings(engine: sa.Engine) -> str:
    """The ``SHOWN_SETTINGS`` of the server as "name=value, ..."."""
    with engine.connect() as connection:
        return ", ".join(f"{name}={connection.execute(sa.select(sa.func.current_setting(name))).scalar()}"
                         for name in SHOWN_SETTINGS)


def _settings(values: list[str], parser: argparse.ArgumentParser) -> dict[str, str]:
    """``--set NAME=VALUE`` arguments -> {name: value}."""
    pairs = [value.partition("=") for value in values]
    if any(not name or not sep for name, sep, _ in pairs):
        parser.error(f"--set takes NAME=VALUE, e.g. --set work_mem=64MB. Got {values}.")
    return {name: value for name, _, value in pairs}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE",
                        help="a PostgreSQL server setting (repeatable), e.g. work_mem=64MB")
    args = parser.parse_args(argv)
    settings = _settings(args.set, parser)
    data = cached_sample(args.customers)
    print(f"data: {len(data.orders):,} orders, {len(data.events):,} events, {len(data.spend):,} spend rows")
    try:
        with temporary_server(settings=settings) as url:
            engine = sa.create_engine(url)
            try:
                print(f"server: {server_settings(engine)}")
                load(url, data)
                print(f"\n{'step':<38}{'rows':>12}{'first':>9}{'median':>9}{'out':>9}  same as memory")
                for name, rows, in_sql, in_memory in steps(engine, data):
                    measure(name, rows, in_sql, in_memory, args.repeat)
            finally:
                engine.dispose()
    except ServerUnavailable as exc:
        raise SystemExit(f"benchmarks.pushdown: {exc}") from None


if __name__ == "__main__":
    main()
