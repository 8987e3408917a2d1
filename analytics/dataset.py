"""The canonical data set: three tables (orders, events, spend) in the data contract of DESIGN §3.

Canonical dtypes (what loaders and the sample generator produce):
- ids (``customer_id``, ``user_id``, ``order_id``, ``session_id``): pandas ``category`` (dense integer
  codes plus labels, factorised once at load time).
- timestamps (``order_ts``, ``event_ts``): naive ``datetime64[ns]`` in the shop's local wall-clock time;
  ``spend.date``: ``datetime64[ns]`` at midnight.
- money and counts (``amount``, ``spend``, ``quantity``, ``impressions``, ``clicks``): ``float64``.
- low-cardinality labels (``channel``, ``device``, ``region``, ``category``, ``status``, ``event_name``,
  ``campaign``): ``category``.
Analytics functions also accept plain string / integer ids and string timestamps.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

KINDS = ("orders", "events", "spend")

REQUIRED = {
    "orders": ("customer_id", "order_ts", "amount"),
    "events": ("user_id", "event_ts", "event_name"),
    "spend": ("date", "channel", "spend"),
}

OPTIONAL = {
    "orders": ("order_id", "channel", "region", "device", "category", "quantity", "status"),
    "events": ("session_id", "channel", "device", "region"),
    "spend": ("impressions", "clicks", "campaign"),
}

ID_COLUMNS = ("customer_id", "user_id", "order_id", "session_id")
TIME_COLUMNS = {"orders": "order_ts", "events": "event_ts", "spend": "date"}
NUMBER_COLUMNS = ("amount", "spend", "quantity", "impressions", "clicks")
LABEL_COLUMNS = ("channel", "region", "device", "category", "status", "event_name", "campaign")


def empty_table(kind: str) -> pd.DataFrame:
    """An empty canonical table of ``kind`` ("orders", "events" or "spend") with its required columns."""
    ts = pd.Series([], dtype="datetime64[ns]")
    if kind == "orders":
        return pd.DataFrame({"customer_id": pd.Categorical([]), "order_ts": ts,
                             "amount": pd.Series([], dtype="float64")})
    if kind == "events":
        return pd.DataFrame({"user_id": pd.Categorical([]), "event_ts": ts,
                             "event_name": pd.Categorical([])})
    return pd.DataFrame({"date": ts, "channel": pd.Categorical([]),
                         "spend": pd.Series([], dtype="float64")})


@dataclass(frozen=True)
class Dataset:
    """One analysable data set: ``orders`` (one row per order or refund), ``events`` (behaviour log,
    may be empty) and ``spend`` (daily marketing spend per channel, may be empty)."""

    orders: pd.DataFrame
    events: pd.DataFrame = field(default_factory=lambda: empty_table("events"))
    spend: pd.DataFrame = field(default_factory=lambda: empty_table("spend"))

    def table(self, kind: str) -> pd.DataFrame:
        """The table named ``kind`` ("orders", "events" or "spend")."""
        return getattr(self, kind)


def conform(frame: pd.DataFrame, kind: str) -> pd.DataFrame:
    """A copy of ``frame`` with the canonical dtypes of ``kind`` for the contract columns it has, on a
    RangeIndex (rows in ``frame``'s order, whatever its index).

    customer_id / user_id and label columns -> category; order_ts / event_ts / date -> datetime64[ns];
    money and counts -> float64; order_id / session_id unchanged. Columns outside the contract are dropped.
    Values must already be clean (analytics.io.load_table does the cleaning and reporting).
    Columns that already have their canonical dtype are shared with ``frame``, not copied
    (copy-on-write: writing to either frame copies that column first); the result is not
    consolidated into 2-D blocks, which would copy every column.
    """
    keep = [c for c in (*REQUIRED[kind], *OPTIONAL[kind]) if c in frame.columns]
    out = {}
    for col in keep:
        values = frame[col].reset_index(drop=True)  # positions, not labels, line up on the RangeIndex
        if col in ("customer_id", "user_id") or col in LABEL_COLUMNS:
            values = values if isinstance(values.dtype, pd.CategoricalDtype) else values.astype("category")
        elif col == TIME_COLUMNS[kind]:
            values = values.astype("datetime64[ns]")
        elif col in NUMBER_COLUMNS:
            values = values.astype("float64")
        out[col] = values
    return pd.DataFrame(out, index=pd.RangeIndex(len(frame)), copy=False)
