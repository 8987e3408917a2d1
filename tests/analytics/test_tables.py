"""Parquet round trip of canonical tables with coded id columns."""

import pandas as pd
from pandas.testing import assert_frame_equal

from analytics.sample import make_sample
from analytics.tables import read_table, write_table


def test_tables_round_trip_with_ids_stored_as_codes_plus_labels(tmp_path):
    data = make_sample(customers=300, seed=3)
    for kind in ("orders", "events", "spend"):
        write_table(data.table(kind), tmp_path, kind)
        back = read_table(tmp_path, kind)
        assert_frame_equal(back, data.table(kind)[list(back.columns)], check_categorical=False)
    stored = pd.read_parquet(tmp_path / "events.parquet")
    assert pd.api.types.is_integer_dtype(stored["user_id"])  # codes, not a per-row-group dictionary
    back = read_table(tmp_path, "events")["user_id"]
    assert list(back.cat.categories) == list(data.events["user_id"].cat.categories)


def test_read_table_rebuilds_id_categories_exactly_and_conforms_dtypes(tmp_path):
    orders = pd.DataFrame({
        "customer_id": pd.Categorical(["b", "007", "b"]),
        "order_ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 00:00", "2024-01-03 00:00"]).astype("datetime64[ns]"),
        "amount": [10.0, -2.5, 0.0],
        "order_id": pd.Series(["0001", "0002", "0003"], dtype="str"),
        "channel": pd.Categorical(["ads", None, "ads"]),
        "quantity": [1, 2, 3],  # written as integers, read back as float64 counts
    })
    write_table(orders, tmp_path, "orders")
    back = read_table(tmp_path, "orders")
    expected = orders.assign(quantity=[1.0, 2.0, 3.0])
    assert_frame_equal(back, expected)  # categories compared exactly: values, order, dtype, no name
    assert isinstance(back.index, pd.RangeIndex)
