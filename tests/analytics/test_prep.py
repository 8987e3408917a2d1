"""Shared input preparation: id codes, wall-clock times, money, order flags."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from analytics import AnalyticsInputError, prep


@pytest.mark.parametrize("ids", [
    pd.Series(["b", "a", "b"]),
    pd.Series([2, 1, 2]),
    pd.Series(pd.Categorical(["b", "a", "b"], categories=["z", "a", "b"])),  # unused category "z"
])
def test_id_codes_are_dense_and_map_back_to_labels(ids):
    codes, labels = prep.id_codes(ids, where="t")
    assert codes.dtype == np.int64
    assert codes.max() == len(labels) - 1
    assert list(labels[codes]) == list(ids)


def test_id_codes_reject_missing_ids():
    with pytest.raises(AnalyticsInputError, match="t: the column 'customer_id' has 1 missing id"):
        prep.id_codes(pd.Series(["a", None], name="customer_id"), where="t")
    with pytest.raises(AnalyticsInputError, match="has 1 missing id"):
        prep.id_codes(pd.Series(pd.Categorical(["a", None]), name="x"), where="t")


def test_wall_clock_keeps_local_time_of_aware_values_and_parses_strings():
    aware = pd.Series(pd.to_datetime(["2024-01-31 23:30"]).tz_localize("Asia/Shanghai"))
    assert prep.wall_clock(aware, where="t")[0] == np.datetime64("2024-01-31T23:30")
    parsed = prep.wall_clock(pd.Series(["2024-01-31 23:30", "2024-02-01"]), where="t")
    assert parsed.dtype == np.dtype("datetime64[ns]")
    assert prep.day_numbers(parsed).tolist() == [19753, 19754]  # days since 1970-01-01


def test_wall_clock_rejects_unparseable_and_missing_times():
    with pytest.raises(AnalyticsInputError, match="'ts' holds values that are not dates"):
        prep.wall_clock(pd.Series(["yesterday-ish"], name="ts"), where="t")
    with pytest.raises(AnalyticsInputError, match="'ts' has 1 missing time"):
        prep.wall_clock(pd.Series([pd.Timestamp("2024-01-01"), pd.NaT], name="ts"), where="t")


def test_money_requires_numbers():
    assert prep.money(pd.Series(["1.5", "-2"]), where="t").tolist() == [1.5, -2.0]
    with pytest.raises(AnalyticsInputError, match="'amount' must be numeric"):
        prep.money(pd.Series(["¥12"], name="amount"), where="t")
    with pytest.raises(AnalyticsInputError, match="'amount' has 1 missing value"):
        prep.money(pd.Series([1.0, None], name="amount"), where="t")


def test_order_flags_exclude_refunds_and_count_repeated_order_ids_once():
    orders = pd.DataFrame({"order_id": ["o1", "o1", "o2", "o1"], "amount": [5.0, 5.0, 0.0, -5.0]})
    flags = prep.order_flags(orders, orders["amount"].to_numpy())
    assert flags.tolist() == [True, False, True, False]
    no_ids = pd.DataFrame({"amount": [5.0, -1.0]})
    assert prep.order_flags(no_ids, no_ids["amount"].to_numpy()).tolist() == [True, False]


def test_order_flags_fast_path_for_increasing_integer_ids_matches_the_general_rule():
    increasing = pd.DataFrame({"order_id": [1, 2, 5, 9], "amount": [5.0, -1.0, 3.0, 0.0]})
    assert prep.order_flags(increasing, increasing["amount"].to_numpy()).tolist() == [True, False, True, True]
    repeated = pd.DataFrame({"order_id": [1, 2, 2, 9], "amount": [5.0, 1.0, 3.0, 0.0]})
    assert prep.order_flags(repeated, repeated["amount"].to_numpy()).tolist() == [True, True, False, True]


def test_order_flags_of_order_numbers_in_any_row_order():
    # ids 1..5 shuffled, as in orders kept in customer order: "3" repeats once (the refund row of
    # order 3 is a refund anyway, the later order row with id 3 is not an order again)
    ids = pd.Series(["4", "3", "1", "5", "3", "2", "3"], dtype="str")
    amounts = np.array([10.0, 20.0, 5.0, 7.0, -20.0, 1.0, 20.0])
    got = prep.order_flags(pd.DataFrame({"order_id": ids, "amount": amounts}), amounts)
    assert got.tolist() == [True, True, True, True, False, True, False]


def test_order_flags_compare_text_ids_as_text_after_the_number_check():
    # "7" and "07" are one number but two orders; "7" twice is one order; a missing id repeats.
    ids = pd.Series(["7", "07", "8", "7", None, None, "9"], dtype="str")
    orders = pd.DataFrame({"order_id": ids, "amount": [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, -1.0]})
    flags = prep.order_flags(orders, orders["amount"].to_numpy())
    assert flags.tolist() == [True, True, True, False, True, False, False]
    increasing = pd.DataFrame({"order_id": pd.Series(["10", "9", "11"], dtype="str")[[1, 0, 2]],
                               "amount": [1.0, 2.0, 3.0]})
    assert prep.order_flags(increasing, increasing["amount"].to_numpy()).tolist() == [True, True, True]


_ID_VALUES = st.one_of(
    st.lists(st.integers(-3, 6), max_size=30).map(lambda v: pd.Series(v, dtype=np.int64)),
    st.lists(st.one_of(st.none(), st.sampled_from(["1", "01", "2", "3", "-1", "x", " 2"])), max_size=30)
    .map(lambda v: pd.Series(v, dtype="str")),
    st.lists(st.sampled_from(["5", "6", "7", "8"]), max_size=30).map(lambda v: pd.Series(v, dtype="str")),
)


@settings(max_examples=300, deadline=None)
@given(ids=_ID_VALUES, data=st.data())
@example(ids=pd.Series(["1", "01", "1"], dtype="str"), data=None)
@example(ids=pd.Series([1, 2, 3], dtype=np.int64), data=None)
@example(ids=pd.Series([3, 1, 2, 1, 3], dtype=np.int64), data=None)  # dense, shuffled: the bitmap
@example(ids=pd.Series(["3", "1", "2", "01", "1"], dtype="str"), data=None)  # numbers repeat, text not all
@example(ids=pd.Series([5, 10**12, 5, -(10**12)], dtype=np.int64), data=None)  # wide range: hashed
def test_repeated_equals_pandas_duplicated(ids, data):
    rows = None
    if data is not None and data.draw(st.booleans()):
        rows = np.array(sorted(data.draw(st.sets(st.integers(0, max(len(ids) - 1, 0)))
                                         if len(ids) else st.just(set()))), dtype=np.int64)
    expected = (ids if rows is None else ids.iloc[rows]).duplicated().to_numpy()
    assert prep.repeated(ids, rows).tolist() == expected.tolist()


def test_customers_first_puts_every_customer_category_first_and_keeps_the_values():
    events = pd.DataFrame({"user_id": pd.Categorical(["v1", "a", None, "c"], categories=["a", "c", "v1"]),
                           "n": [1, 2, 3, 4]})
    customers = pd.Series(pd.Categorical(["c", "z", "a"], categories=["c", "z", "a"]))
    out = prep.customers_first(events, customers)
    assert out["user_id"].cat.categories.tolist() == ["c", "z", "a", "v1"]  # "z": a customer without events
    assert out["user_id"].cat.codes.tolist() == [3, 2, -1, 0]
    assert out["user_id"].tolist()[:2] == ["v1", "a"] and out["n"].tolist() == [1, 2, 3, 4]
    assert events["user_id"].cat.categories.tolist() == ["a", "c", "v1"]  # input untouched
    assert prep.shared_categories(customers, out["user_id"])
    assert prep.customers_first(out, customers) is out  # already so


def test_customers_first_leaves_other_id_types_alone():
    events = pd.DataFrame({"user_id": ["a", "b"]})
    assert prep.customers_first(events, pd.Series(pd.Categorical(["b"]))) is events
    numbers = pd.DataFrame({"user_id": pd.Categorical([1, 2])})
    assert prep.customers_first(numbers, pd.Series(pd.Categorical(["2"]))) is numbers
    assert prep.customers_first(pd.DataFrame({"x": [1]}), pd.Series(pd.Categorical(["2"]))).columns == ["x"]


def test_category_codes_keep_categorical_codes_and_all_categories():
    ids = pd.Series(pd.Categorical(["b", "a", "b"], categories=["z", "a", "b"]))
    codes, labels = prep.category_codes(ids, where="t")
    assert codes.tolist() == [2, 1, 2]  # the column's own codes: unused "z" keeps code 0
    assert list(labels) == ["z", "a", "b"]
    codes, labels = prep.category_codes(pd.Series(["b", "a", "b"]), where="t")
    assert codes.tolist() == [0, 1, 0] and list(labels) == ["b", "a"]
    with pytest.raises(AnalyticsInputError, match="has 1 missing id"):
        prep.category_codes(pd.Series(pd.Categorical(["a", None]), name="x"), where="t")


def test_user_time_order_is_stable_by_user_then_time():
    user = np.array([1, 0, 1, 0, 1], dtype=np.int64)
    time = np.array([5, 7, 5, 3, 1], dtype=np.int64)
    # user 0: rows 3 (t3), 1 (t7); user 1: row 4 (t1), then rows 0 and 2 tie at t5 in input order
    assert prep.user_time_order(user, time, 2).tolist() == [3, 1, 4, 0, 2]
    assert prep.user_time_order(np.array([0, 0, 1]), np.array([1, 1, 0]), 2) is None  # already in order


def test_by_user_time_sorts_rows_without_touching_the_input():
    events = pd.DataFrame({
        "user_id": pd.Categorical(["u2", "u1", "u2", "u1"], categories=["u1", "u2"]),
        "event_ts": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-01", "2024-01-01"]),
        "event_name": ["a", "b", "c", "d"],
    })
    before = events.copy()
    out = prep.by_user_time(events)
    assert out["event_name"].tolist() == ["d", "b", "c", "a"]
    assert out.index.tolist() == [0, 1, 2, 3]
    pd.testing.assert_frame_equal(events, before)
    assert prep.by_user_time(out) is out  # already in order: returned as it is
    assert prep.by_user_time(events.iloc[:0]).empty
