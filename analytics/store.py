"""Server-side storage of loaded data sets: Parquet files plus a catalog table through SQLAlchemy.

Each data set lives under an unguessable id (128 random bits, URL-safe) in ``<root>/<id>/<kind>.parquet``;
the catalog (SQLite under ``root`` by default, any SQLAlchemy URL otherwise) lists id, name, creation time
and row counts. Writes are atomic: files go to a temporary folder that is renamed into place before the
catalog row is written, so a crash mid-save leaves either the whole data set or nothing visible.
"""

from __future__ import annotations

import datetime as dt
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


def default_root() -> Path:
    """The store folder: ``$GROWTH_STORE_DIR`` or ``data/store`` beside this package."""
    return Path(os.environ.get("GROWTH_STORE_DIR", Path(__file__).resolve().parent.parent / "data" / "store"))


def new_id() -> str:
    """A fresh data-set id: 128 random bits, 22 URL-safe characters."""
    return secrets.token_urlsafe(16)


def is_valid_id(value: object) -> bool:
    """True when ``value`` has the shape of a data-set id (it may still be unknown)."""
    return isinstance(value, str) and bool(_ID_PATTERN.match(value))


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
        """Store ``dataset`` under a new id and return the id. ``name`` is shown in the sidebar."""
        ds_id = new_id()
        staging = self.root / f".incoming-{ds_id}"
        staging.mkdir()
        try:
            for kind in KINDS:
                write_table(dataset.table(kind), staging, kind)
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

    def list(self) -> pd.DataFrame:
        """The catalog, newest first: id, name, created_at (UTC), orders_rows, events_rows, spend_rows."""
        query = sa.select(_catalog).order_by(_catalog.c.created_at.desc())
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return pd.DataFrame(rows, columns=[c.name for c in _catalog.columns])

    def name(self, ds_id: str) -> str | None:
        """The name of data set ``ds_id``, or None when the id is unknown."""
        if not is_valid_id(ds_id):
            return None
        query = sa.select(_catalog.c.name).where(_catalog.c.id == ds_id)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def load(self, ds_id: str) -> Dataset:
        """The data set stored under ``ds_id``; AnalyticsInputError when unknown, deleted or damaged."""
        if self.name(ds_id) is None:
            raise AnalyticsInputError(
                "No saved data set has this id: it may have been deleted, or the link was cut short. "
                "Ask the sender for a new link, or pick a data set in the sidebar."
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
        """Remove data set ``ds_id`` (catalog row first, then its files). Unknown ids are ignored."""
        if not is_valid_id(ds_id):
            return
        with self.engine.begin() as conn:
            conn.execute(sa.delete(_catalog).where(_catalog.c.id == ds_id))
        shutil.rmtree(self.root / ds_id, ignore_errors=True)
