"""conform: canonical dtypes for the contract columns, without copying columns that already have them."""

import numpy as np
import pandas as pd
from pandas.testing import assert_frame_equal

from analytics.dataset import conform


def _orders():
    return pd.DataFrame({
        "customer_id": ["c2", "c1", "c2"],
        "order_ts": ["2024-01-05 10:00", "2024-01-06 00:00", "2024-01-07 09:30"],
        "amount": [10, 20, -5],
        "order_id": pd.Series(["1", "2", "3"], dtype="str"),
        "channel": pd.Categorical(["ads", "seo", "ads"]),
        "note": ["x", "y", "z"],
    }).set_axis([12, 10, 11])  # any index: rows are taken in order


def test_conform_gives_canonical_dtypes_on_a_range_index_and_drops_other_columns():
    out = conform(_orders(), "orders")
    expected = pd.DataFrame({
        "customer_id": pd.Categorical(["c2", "c1", "c2"]),
        "order_ts": pd.to_datetime(["2024-01-05 10:00", "2024-01-06 00:00", "2024-01-07 09:30"]).astype("datetime64[ns]"),
        "amount": [10.0, 20.0, -5.0],
        "order_id": pd.Series(["1", "2", "3"], dtype="str"),
        "channel": pd.Categorical(["ads", "seo", "ads"]),
    })
    assert_frame_equal(out, expected)


def test_conform_shares_canonical_columns_and_never_changes_its_input():
    frame = conform(_orders(), "orders")  # already canonical
    before = frame.copy()
    out = conform(frame, "orders")
    assert np.shares_memory(out["amount"].to_numpy(), frame["amount"].to_numpy())  # no copy made
    out.loc[0, "amount"] = 99.0
    out["channel"] = out["channel"].cat.rename_categories({"ads": "paid"})
    assert_frame_equal(frame, before)  # copy-on-write: the input keeps its values
