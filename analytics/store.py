"""Server-side storage of loaded data sets: Parquet files plus a catalog table through SQLAlchemy.

Each data set lives under an unguessable id (128 random bits, URL-safe) in ``<root>/<id>/<kind>.parquet``;
the catalog (SQLite under ``root`` by default, any SQLAlchemy URL otherwise) lists id, name, creation time
and row counts. Writes are atomic: files go to a temporary folder that is renamed into place before the
catalog row is written, so a crash mid-save leaves either the whole data set or nothing visible.

A live SQL data set (``analytics.pushdown.SqlSource``: its tables stay in a database and the analyses are
pushed down) has a catalog row like any other, and its connection URL, table names and column mappings in
a second catalog table, ``sql_sources`` (created when missing, so older stores need no migration). Only
``sql_source`` returns the URL; ``list`` and ``name`` never do.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import secrets
import shutil
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa

from analytics.dataset import KINDS, Dataset
from analytics.prep import by_user_time, customers_first
from analytics.pushdown import SqlSource
from analytics.tables import read_table, write_table
from analytics.errors import AnalyticsInputError

_ID_PATTERN = re.compile(r"^[A-Za-z0-9_-]{22}$")
STALE_STAGING_SECONDS = 3600  # a staging folder this old belongs to a save that was killed

_metadata = sa.MetaData()
_catalog = sa.Table(
    "datasets",
    _metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("orders_rows", sa.Integer, nullable=False),
    sa.Column("events_rows", sa.Integer, nullable=False),
    sa.Column("spend_rows", sa.Integer, nullable=False),
)
_sources = sa.Table(  # live SQL data sets: one row per catalog row whose tables stay in a database
    "sql_sources",
    _metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("url", sa.Text, nullable=False),  # with the password: never listed, never logged
    sa.Column("tables", sa.Text, nullable=False),  # JSON: kind -> table name
    sa.Column("mappings", sa.Text, nullable=False),  # JSON: kind -> canonical field -> column or null
)


def default_root() -> Path:
    """The store folder: ``$GROWTH_STORE_DIR`` or ``data/store`` beside this package."""
    return Path(os.environ.get("GROWTH_STORE_DIR", Path(__file__).resolve().parent.parent / "data" / "store"))


def new_id() -> str:
    """A fresh data-set id: 128 random bits, 22 URL-safe characters."""
    return secrets.token_urlsafe(16)


def is_valid_id(value: object) -> bool:
    """True when ``value`` has the shape of a data-set id (it may still be unknown)."""
    return isinstance(value, str) and bool(_ID_PATTERN.match(value))


def in_store_order(dataset: Dataset) -> Dataset:
    """The data set as the store saves it: the same rows, ordered for the per-user kernels.

    Orders in (customer, time) order and events in (user, time) order (``prep.by_user_time``; ties keep
    their input order), so attribution and the funnel never sort at query time; and the orders'
    customers first among the events' user id categories (``prep.customers_first``), so attribution
    matches customers to users by code. Input ``dataset`` -> a new Dataset; never mutated.
    """
    orders, events = dataset.orders, dataset.events
    return Dataset(orders=by_user_time(orders, user_col="customer_id", ts_col="order_ts"),
                   events=by_user_time(customers_first(events, orders["customer_id"])),
                   spend=dataset.spend)


class DatasetStore:
    """Saves, lists, loads and deletes data sets under ``root`` with a catalog at ``url``.

    ``url`` defaults to ``$GROWTH_STORE_URL`` or a SQLite file ``<root>/catalog.sqlite``.
    """

    def __init__(self, root: Path | str | None = None, url: str | None = None):
        self.root = Path(root) if root is not None else default_root()
        self.root.mkdir(parents=True, exist_ok=True)
        url = url or os.environ.get("GROWTH_STORE_URL") or f"sqlite:///{self.root / 'catalog.sqlite'}"
        self.engine = sa.create_engine(url)
        _metadata.create_all(self.engine)
        self._remove_stale_staging()

    def _remove_stale_staging(self) -> None:
        """Delete staging folders left by saves that were killed (older than STALE_STAGING_SECONDS)."""
        cutoff = time.time() - STALE_STAGING_SECONDS
        for folder in self.root.glob(".incoming-*"):
            if folder.stat().st_mtime < cutoff:
                shutil.rmtree(folder, ignore_errors=True)

    def save(self, dataset: Dataset, name: str) -> str:
        """Store ``dataset`` under a new id and return the id. ``name`` is shown in the sidebar.
        The tables are written in the row order of ``in_store_order``."""
        ds_id = new_id()
        staging = self.root / f".incoming-{ds_id}"
        staging.mkdir()
        try:
            stored = in_store_order(dataset)
            for kind in KINDS:
                write_table(stored.table(kind), staging, kind)
            os.replace(staging, self.root / ds_id)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        row = {"id": ds_id, "name": name.strip()[:200] or "Untitled",
               "created_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}
        row.update({f"{kind}_rows": len(dataset.table(kind)) for kind in KINDS})
        with self.engine.begin() as conn:
            conn.execute(sa.insert(_catalog).values(**row))
        return ds_id

    def save_sql(self, source: SqlSource, name: str) -> str:
        """Record the live SQL data set ``source`` under a new id and return the id. Nothing is copied:
        its row counts are recorded as 0 (the database's tables change). ``name`` is shown in the sidebar."""
        ds_id = new_id()
        row = {"id": ds_id, "name": name.strip()[:200] or "Untitled",
               "created_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}
        row.update({f"{kind}_rows": 0 for kind in KINDS})
        with self.engine.begin() as conn:
            conn.execute(sa.insert(_catalog).values(**row))
            conn.execute(sa.insert(_sources).values(
                id=ds_id, url=source.url.render_as_string(hide_password=False),
                tables=json.dumps(dict(source.tables)),
                mappings=json.dumps({kind: dict(m) for kind, m in source.mappings.items()})))
        return ds_id

    def sql_source(self, ds_id: str) -> SqlSource | None:
        """The live SQL data set recorded under ``ds_id``, or None for an unknown id or a data set with
        files (the URL it holds carries the password: keep it on the server)."""
        if not is_valid_id(ds_id):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(_sources).where(_sources.c.id == ds_id)).mappings().first()
        if row is None:
            return None
        return SqlSource(url=sa.make_url(row["url"]), tables=json.loads(row["tables"]),
                         mappings=json.loads(row["mappings"]))

    def list(self) -> pd.DataFrame:
        """The catalog, newest first: id, name, created_at (UTC), orders_rows, events_rows, spend_rows
        and live (True for a live SQL data set, whose row counts are 0). No connection details."""
        live = _sources.c.id.is_not(None).label("live")
        joined = _catalog.outerjoin(_sources, _sources.c.id == _catalog.c.id)
        query = sa.select(_catalog, live).select_from(joined).order_by(_catalog.c.created_at.desc())
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        out = pd.DataFrame(rows, columns=[*(c.name for c in _catalog.columns), "live"])
        return out.astype({"live": bool})

    def name(self, ds_id: str) -> str | None:
        """The name of data set ``ds_id``, or None when the id is unknown."""
        if not is_valid_id(ds_id):
            return None
        query = sa.select(_catalog.c.name).where(_catalog.c.id == ds_id)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def load(self, ds_id: str) -> Dataset:
        """The data set stored under ``ds_id``; AnalyticsInputError when unknown, deleted or damaged, or
        live (its tables stay in the database: ``sql_source``)."""
        if self.name(ds_id) is None:
            raise AnalyticsInputError(
                "No saved data set has this id: it may have been deleted, or the link was cut short. "
                "Ask the sender for a new link, or pick a data set in the sidebar."
            )
        if self.sql_source(ds_id) is not None:
            raise AnalyticsInputError(
                f"The data set '{self.name(ds_id)}' is read live from a SQL database: it has no files to "
                "load. Its analyses run in the database (analytics.pushdown, with store.sql_source)."
            )
        folder = self.root / ds_id
        try:
            tables = {kind: read_table(folder, kind) for kind in KINDS}
        except (OSError, pa.ArrowException, ValueError) as exc:
            raise AnalyticsInputError(
                f"The saved data set '{self.name(ds_id)}' cannot be read ({type(exc).__name__}): its files "
                "are missing or damaged on the server. Upload the data again on the Data page."
            ) from None
        return Dataset(**tables)

    def delete(self, ds_id: str) -> None:
        """Remove data set ``ds_id`` (catalog rows first, then its files). Unknown ids are ignored."""
        if not is_valid_id(ds_id):
            return
        with self.engine.begin() as conn:
            conn.execute(sa.delete(_catalog).where(_catalog.c.id == ds_id))
            conn.execute(sa.delete(_sources).where(_sources.c.id == ds_id))
        shutil.rmtree(self.root / ds_id, ignore_errors=True)
