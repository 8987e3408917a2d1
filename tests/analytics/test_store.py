"""The data-set store: save / list / load / delete, unguessable ids, atomic writes, damaged files."""

import os

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics import AnalyticsInputError, Dataset
from analytics.store import DatasetStore, is_valid_id

ORDERS = pd.DataFrame({
    "customer_id": pd.Categorical(["007", "b"]),
    "order_ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-05 00:00"]).astype("datetime64[ns]"),
    "amount": [10.0, -2.5],
    "order_id": ["0001", "0002"],
})


@pytest.fixture
def store(tmp_path):
    return DatasetStore(tmp_path / "store")


def test_saved_data_set_round_trips_with_canonical_dtypes(store):
    ds_id = store.save(Dataset(ORDERS), "Shop A")
    loaded = store.load(ds_id)
    assert_frame_equal(loaded.orders, ORDERS)
    assert loaded.events.empty and str(loaded.events["user_id"].dtype) == "category"
    assert store.list()[["id", "name", "orders_rows", "events_rows"]].values.tolist() == [[ds_id, "Shop A", 2, 0]]


def test_ids_are_128_random_bits_and_unique(store):
    ids = {store.save(Dataset(ORDERS), "x") for _ in range(5)}
    assert len(ids) == 5
    assert all(is_valid_id(i) and len(i) == 22 for i in ids)  # 22 url-safe chars = 132 bits >= 128


def test_store_survives_a_new_instance_on_the_same_folder(store):
    ds_id = store.save(Dataset(ORDERS), "persisted")
    again = DatasetStore(store.root)
    assert again.name(ds_id) == "persisted"
    assert_frame_equal(again.load(ds_id).orders, ORDERS)


def test_unknown_malformed_and_deleted_ids_give_a_clear_error(store):
    ds_id = store.save(Dataset(ORDERS), "gone soon")
    store.delete(ds_id)
    for bad in (ds_id, "A" * 22, "../../etc/passwd", ""):
        with pytest.raises(AnalyticsInputError, match="No saved data set has this id"):
            store.load(bad)
    assert not (store.root / ds_id).exists()


def test_damaged_files_give_a_clear_error(store):
    ds_id = store.save(Dataset(ORDERS), "damaged")
    (store.root / ds_id / "orders.parquet").write_bytes(b"not parquet")
    with pytest.raises(AnalyticsInputError, match="'damaged' cannot be read .* Upload the data again"):
        store.load(ds_id)
    os.remove(store.root / ds_id / "orders.parquet")
    with pytest.raises(AnalyticsInputError, match="files are missing or damaged"):
        store.load(ds_id)


def test_failed_write_leaves_nothing_behind(store, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError):
        store.save(Dataset(ORDERS), "half")
    assert store.list().empty
    assert [p.name for p in store.root.iterdir()] == ["catalog.sqlite"]
