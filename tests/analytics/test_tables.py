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
