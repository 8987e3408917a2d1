"""RFM table, scores, segment grids, summaries, concentration and heatmap on hand-built tables.

Expected values are worked out by hand in the comments next to them.
"""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics import AnalyticsInputError
from analytics import rfm

# a: Mar 1 50, Mar 10 30, Mar 10 refund -10 | b: Mar 2 20, Mar 9 refund -5 | c: refund only
# d: Mar 10 01:00 40 | e: Feb 20 10 | f: Mar 5 23:59 5.  Latest order day: Mar 10 (a, d).
ORDERS = pd.DataFrame({
    "customer_id": ["a", "b", "a", "c", "b", "d", "e", "a", "f"],
    "order_ts": pd.to_datetime([
        "2024-03-01 09:00", "2024-03-02 23:30", "2024-03-10 18:00", "2024-03-05 12:00",
        "2024-03-09 08:00", "2024-03-10 01:00", "2024-02-20 10:00", "2024-03-10 20:00",
        "2024-03-05 23:59",
    ]),
    "amount": [50.0, 20.0, 30.0, -15.0, -5.0, 40.0, 10.0, -10.0, 5.0],
})


def _ts(values):
    return pd.to_datetime(values).as_unit("ns")


def _table(ids, recency, frequency, monetary, first, last):
    return pd.DataFrame({
        "customer_id": ids, "recency_days": np.array(recency, dtype=np.int64),
        "frequency": np.array(frequency, dtype=np.int64), "monetary": np.array(monetary, dtype=float),
        "first_order_ts": _ts(first), "last_order_ts": _ts(last),
    })


# asof Mar 10. a: orders Mar 1 & Mar 10 -> F 2, M 50+30-10=70, R 0. b: refund is no order -> F 1,
# M 20-5=15, R Mar 2->Mar 10 = 8. c (refunds only) left out. d: R 0 (01:00 is still Mar 10), M 40.
# e: Feb 20 -> Mar 10 = 9 (to Feb 29) + 10 = 19. f: R 5, M 5. Sorted by id.
EXPECTED = _table(
    ["a", "b", "d", "e", "f"], [0, 8, 0, 19, 5], [2, 1, 1, 1, 1], [70.0, 15.0, 40.0, 10.0, 5.0],
    ["2024-03-01 09:00", "2024-03-02 23:30", "2024-03-10 01:00", "2024-02-20 10:00", "2024-03-05 23:59"],
    ["2024-03-10 18:00", "2024-03-02 23:30", "2024-03-10 01:00", "2024-02-20 10:00", "2024-03-05 23:59"],
)


def test_rfm_table_by_hand_with_refunds_ties_and_one_order_customers():
    got = rfm.rfm_table(ORDERS)
    assert_frame_equal(got, EXPECTED)
    assert got.attrs["asof"] == pd.Timestamp("2024-03-10")


@pytest.mark.parametrize("variant", ["shuffled", "categorical", "aware", "strings", "renamed"])
def test_rfm_table_invariant_to_row_order_id_dtype_time_zone_and_column_names(variant):
    frame = {
        "shuffled": lambda: ORDERS.sample(frac=1, random_state=7),
        "categorical": lambda: ORDERS.assign(customer_id=ORDERS["customer_id"].astype("category")),
        # local wall-clock time is kept: d's 01:00+08:00 stays on Mar 10 (Mar 9 in UTC)
        "aware": lambda: ORDERS.assign(order_ts=ORDERS["order_ts"].dt.tz_localize("Asia/Shanghai")),
        "strings": lambda: ORDERS.assign(order_ts=ORDERS["order_ts"].dt.strftime("%Y-%m-%d %H:%M")),
        "renamed": lambda: ORDERS.rename(columns={"customer_id": "buyer", "order_ts": "paid_at",
                                                  "amount": "paid"}),
    }[variant]()
    renamed = {"customer_col": "buyer", "ts_col": "paid_at", "amount_col": "paid"}
    cols = renamed if variant == "renamed" else {}
    assert_frame_equal(rfm.rfm_table(frame, **cols), EXPECTED)


def test_rfm_table_integer_ids_give_the_same_numbers_sorted_by_id():
    # ids chosen so that numeric order (2 < 10 < 11 < 30 < 40) differs from their text order
    ids = {"a": 10, "b": 2, "c": 99, "d": 40, "e": 30, "f": 11}
    got = rfm.rfm_table(ORDERS.assign(customer_id=ORDERS["customer_id"].map(ids)))
    expected = EXPECTED.assign(customer_id=EXPECTED["customer_id"].map(ids)).sort_values("customer_id")
    assert_frame_equal(got, expected.reset_index(drop=True))


def test_rfm_table_orders_categorical_ids_by_category_order():
    cats = ["f", "e", "d", "c", "b", "a"]
    got = rfm.rfm_table(ORDERS.assign(customer_id=pd.Categorical(ORDERS["customer_id"], categories=cats)))
    assert got["customer_id"].tolist() == ["f", "e", "d", "b", "a"]


def test_rfm_table_mixed_type_ids_sort_by_their_text():
    mixed = pd.Series(["b", 1, "a"], dtype=object)
    orders = pd.DataFrame({"customer_id": mixed, "order_ts": _ts(["2024-01-01"] * 3), "amount": 1.0})
    assert rfm.rfm_table(orders)["customer_id"].tolist() == [1, "a", "b"]


def test_rfm_table_ignores_rows_after_asof_and_keeps_the_whole_asof_day():
    # asof Mar 5: a only Mar 1 (F 1, M 50, R 4); b Mar 2 (R 3), its Mar 9 refund ignored (M 20);
    # d only after asof: left out; e R 9 + 5 = 14; f's 23:59 order on Mar 5 counts (R 0).
    expected = _table(
        ["a", "b", "e", "f"], [4, 3, 14, 0], [1, 1, 1, 1], [50.0, 20.0, 10.0, 5.0],
        ["2024-03-01 09:00", "2024-03-02 23:30", "2024-02-20 10:00", "2024-03-05 23:59"],
        ["2024-03-01 09:00", "2024-03-02 23:30", "2024-02-20 10:00", "2024-03-05 23:59"],
    )
    got = rfm.rfm_table(ORDERS, asof="2024-03-05 08:00")
    assert_frame_equal(got, expected)
    assert got.attrs["asof"] == pd.Timestamp("2024-03-05")
    aware = pd.Timestamp("2024-03-05 23:00", tz="America/New_York")  # its local date is Mar 5
    assert_frame_equal(rfm.rfm_table(ORDERS, asof=aware), expected)


def test_rfm_table_later_asof_adds_to_recency():
    got = rfm.rfm_table(ORDERS, asof=pd.Timestamp("2024-03-31").date())
    assert got["recency_days"].tolist() == [21, 29, 21, 40, 26]  # Mar 10 -> Mar 31 = 21, etc.


def test_rfm_table_counts_distinct_order_ids_and_drops_refunds_after_the_default_asof():
    # x: o1 has two line items (one order), o2 one order; the o2 refund on Jan 4 is after the latest
    # order day (Jan 3), so it is ignored: F 2, M 10+5+7 = 22. y: o4 is a refund, not an order: F 1, M 0.
    orders = pd.DataFrame({
        "customer_id": ["x", "x", "x", "x", "y", "y"],
        "order_id": ["o1", "o1", "o2", "o2", "o3", "o4"],
        "order_ts": _ts(["2024-01-01 10:00", "2024-01-01 10:00", "2024-01-03 09:00", "2024-01-04 09:00",
                         "2024-01-02 12:00", "2024-01-02 13:00"]),
        "amount": [10.0, 5.0, 7.0, -7.0, 3.0, -3.0],
    })
    expected = _table(["x", "y"], [0, 1], [2, 1], [22.0, 0.0], ["2024-01-01 10:00", "2024-01-02 12:00"],
                      ["2024-01-03 09:00", "2024-01-02 12:00"])
    assert_frame_equal(rfm.rfm_table(orders), expected)
    # asof Jan 4 keeps the refund (M 15) and drops nothing else
    assert rfm.rfm_table(orders, asof="2024-01-04")["monetary"].tolist() == [15.0, 0.0]


def test_rfm_table_one_customer_one_order():
    got = rfm.rfm_table(ORDERS.iloc[[6]])
    assert_frame_equal(got, _table(["e"], [0], [1], [10.0], ["2024-02-20 10:00"], ["2024-02-20 10:00"]))


def test_rfm_table_does_not_mutate_its_input():
    before = ORDERS.copy()
    rfm.rfm_table(ORDERS, asof="2024-03-05")
    assert_frame_equal(ORDERS, before)


def test_rfm_table_errors():
    with pytest.raises(AnalyticsInputError, match=r"rfm_table needs the column\(s\) amount"):
        rfm.rfm_table(ORDERS.drop(columns="amount"))
    with pytest.raises(AnalyticsInputError, match=r"rfm_table found no orders \(rows with amount >= 0\), "
                                                  "so there is no customer to score"):
        rfm.rfm_table(ORDERS.iloc[[3]])
    with pytest.raises(AnalyticsInputError, match=r"found no orders \(rows with amount >= 0\) on or before "
                                                  r"asof 2024-01-31, so there is no customer to score. Widen "
                                                  "the date range or pick a later asof date"):
        rfm.rfm_table(ORDERS, asof="2024-01-31")
    with pytest.raises(AnalyticsInputError, match="The 'asof' parameter of rfm_table must be a date such as "
                                                  "'2024-06-30'. Got 'soon' instead."):
        rfm.rfm_table(ORDERS, asof="soon")
    with pytest.raises(AnalyticsInputError, match="The 'asof' parameter of rfm_table .* Got 20240301"):
        rfm.rfm_table(ORDERS, asof=20240301)


# --- scores ---------------------------------------------------------------------------------------

# 10 customers. frequency: six 1s, two 2s, a 3, a 5. Strictly smaller counts: 1 -> 0, 2 -> 6, 3 -> 8,
# 5 -> 9; score = 1 + floor(5 * smaller / 10) = 1 + smaller // 2 -> 1, 4, 5, 5 (F2 and F3 empty).
# recency: strictly less recent (larger) counts: 0 -> 8, 3 -> 7, 5 -> 4, 10 -> 3, 20 -> 2, 40 -> 1,
# 100 -> 0 -> R 5, 4, 3, 2, 2, 1, 1. monetary 1..10 all distinct: smaller = v - 1 -> 1 + (v - 1) // 2.
TEN = pd.DataFrame({
    "customer_id": list("abcdefghij"),
    "recency_days": [0, 0, 3, 5, 5, 5, 10, 20, 40, 100],
    "frequency": [1, 1, 1, 1, 1, 1, 2, 2, 3, 5],
    "monetary": [5.0, 1.0, 3.0, 8.0, 2.0, 9.0, 4.0, 7.0, 6.0, 10.0],
})


def test_score_quantiles_give_ties_the_same_score():
    got = rfm.score(TEN)
    expected = TEN.assign(
        r_score=[5, 5, 4, 3, 3, 3, 2, 2, 1, 1],
        f_score=[1, 1, 1, 1, 1, 1, 4, 4, 5, 5],
        m_score=[3, 1, 2, 4, 1, 5, 2, 4, 3, 5],
    )
    assert_frame_equal(got, expected)
    assert got.attrs["bins"] == 5


def test_score_edges_match_the_quantile_scores():
    # k-th smallest for k = ceil(s * 10 / 5) = 2, 4, 6, 8; the edge is the next larger value.
    # frequency: 2nd, 4th, 6th smallest are 1 -> edge 2 (three times); 8th is 2 -> edge 3.
    # recency (R >= s iff recency <= edge): R5 <= 0, R4 <= 3, R3 <= 5, R2 <= 20.
    # monetary: 2nd, 4th, 6th, 8th smallest are 2, 4, 6, 8 -> edges 3, 5, 7, 9.
    assert rfm.score_edges(TEN) == {
        "recency_days": [0.0, 3.0, 5.0, 20.0],
        "frequency": [2.0, 2.0, 2.0, 3.0],
        "monetary": [3.0, 5.0, 7.0, 9.0],
    }


def test_score_with_three_bins():
    # 6 distinct values: smaller = 0..5, score = 1 + floor(3 * smaller / 6) = 1 + smaller // 2
    six = pd.DataFrame({"recency_days": [6, 5, 4, 3, 2, 1], "frequency": [1, 2, 3, 4, 5, 6],
                        "monetary": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0]})
    got = rfm.score(six, bins=3)
    expected = [1, 1, 2, 2, 3, 3]
    assert got[["r_score", "f_score", "m_score"]].to_numpy().T.tolist() == [expected] * 3
    assert rfm.score_edges(six, bins=3) == {"recency_days": [2.0, 4.0], "frequency": [3.0, 5.0],
                                            "monetary": [30.0, 50.0]}


def test_score_when_everyone_is_equal_or_alone():
    # nobody has a strictly worse value, so everyone scores 1 and no edge is reached (+-inf)
    same = pd.DataFrame({"recency_days": [4, 4, 4], "frequency": [1, 1, 1], "monetary": [9.0, 9.0, 9.0]})
    for table in (same, same.iloc[[0]]):
        got = rfm.score(table)
        assert (got[["r_score", "f_score", "m_score"]] == 1).all().all()
        assert rfm.score_edges(table) == {"recency_days": [-np.inf] * 4, "frequency": [np.inf] * 4,
                                          "monetary": [np.inf] * 4}


def test_score_with_explicit_thresholds():
    # frequency [2, 3, 5, 8] left-closed: 1 -> F1, 2 -> F2, 3-4 -> F3, 5-7 -> F4, 8+ -> F5
    # recency [30, 60, 90, 180] right-closed: <= 30 -> R5, 31-60 -> R4, 61-90 -> R3, 91-180 -> R2, > 180 R1
    # monetary [0, 100, 200, 300]: a refund-heavy -5 -> M1, 0 -> M2, 100 -> M3, 299.5 -> M4, 300 -> M5
    table = pd.DataFrame({
        "recency_days": [0, 30, 31, 60, 61, 90, 180, 181],
        "frequency": [1, 2, 3, 4, 5, 7, 8, 20],
        "monetary": [-5.0, 0.0, 100.0, 299.5, 300.0, 1e6, 50.0, 99.99],
    })
    thresholds = {"recency_days": [30, 60, 90, 180], "frequency": [2, 3, 5, 8],
                  "monetary": (0, 100, 200, 300)}
    got = rfm.score(table, thresholds=thresholds)
    assert got["r_score"].tolist() == [5, 5, 4, 4, 3, 3, 2, 1]
    assert got["f_score"].tolist() == [1, 2, 3, 3, 4, 4, 5, 5]
    assert got["m_score"].tolist() == [1, 2, 3, 4, 5, 5, 2, 2]
    assert rfm.score_edges(table, thresholds=thresholds) == {
        "recency_days": [30.0, 60.0, 90.0, 180.0], "frequency": [2.0, 3.0, 5.0, 8.0],
        "monetary": [0.0, 100.0, 200.0, 300.0]}


def test_score_mixes_thresholds_with_quantiles():
    got = rfm.score(TEN, thresholds={"frequency": [2, 3, 5, 8]})
    assert got["f_score"].tolist() == [1, 1, 1, 1, 1, 1, 2, 2, 3, 4]
    assert got["r_score"].tolist() == [5, 5, 4, 3, 3, 3, 2, 2, 1, 1]  # still quantiles, as above


def test_score_keeps_rfm_table_attrs_and_does_not_mutate():
    table = rfm.rfm_table(ORDERS)
    before = table.copy()
    got = rfm.score(table, bins=4)
    # the edges used are recorded too. EXPECTED: R 0, 8, 0, 19, 5; F 2, 1, 1, 1, 1; M 70, 15, 40, 10, 5.
    # bins 4, n 5: k-th smallest for k = ceil(s * 5 / 4) = 2, 3, 4; the edge is the next larger value.
    # F sorted 1, 1, 1, 1, 2 -> 2, 2, 2. M sorted 5, 10, 15, 40, 70 -> 15, 40, 70.
    # -R sorted -19, -8, -5, 0, 0 -> -5, 0, none (inf); negated and reversed: -inf, 0, 5 (nobody is R4).
    edges = {"recency_days": [-np.inf, 0.0, 5.0], "frequency": [2.0, 2.0, 2.0], "monetary": [15.0, 40.0, 70.0]}
    assert got.attrs == {"asof": pd.Timestamp("2024-03-10"), "bins": 4, "edges": edges}
    assert rfm.score_edges(table, bins=4) == edges
    assert_frame_equal(table, before)
    assert "bins" not in table.attrs


@pytest.mark.parametrize("kwargs, message", [
    ({"bins": 1}, "The 'bins' parameter of score must be an integer from 2 to 10. Got 1 instead."),
    ({"bins": 11}, "The 'bins' parameter of score must be an integer from 2 to 10. Got 11 instead."),
    ({"bins": 2.5}, "The 'bins' parameter of score must be an integer from 2 to 10. Got 2.5 instead."),
    ({"bins": True}, "The 'bins' parameter of score must be an integer from 2 to 10. Got True instead."),
    ({"thresholds": [2, 3, 5, 8]}, r"The 'thresholds' parameter of score must be a dict such as "
                                   r"\{'frequency': \[2, 3, 5, 8\]\}. Got list instead."),
    ({"thresholds": {"orders": [1, 2, 3, 4]}}, "The 'thresholds' parameter of score has the unknown "
                                              "dimension 'orders'. Use one of 'recency_days', 'frequency', "
                                              "'monetary'."),
    ({"thresholds": {"frequency": [2, 3, 5]}}, r"thresholds\['frequency'\] of score needs 4 edges for "
                                               r"bins=5 \(one fewer than bins\). Got 3: \[2, 3, 5\]."),
    ({"bins": 3, "thresholds": {"frequency": [2, 3, 5]}}, r"needs 2 edges for bins=3 .* Got 3"),
    ({"thresholds": {"monetary": [10, 10, 20, 30]}}, r"thresholds\['monetary'\] of score must be strictly "
                                                     r"increasing. Got \[10, 10, 20, 30\]."),
    ({"thresholds": {"recency_days": [90, 60, 30, 0]}}, "must be strictly increasing"),
    ({"thresholds": {"frequency": [1, 2, "x", 4]}}, r"thresholds\['frequency'\] of score must be a list of "
                                                    r"finite numbers. Got \[1, 2, 'x', 4\] instead."),
    ({"thresholds": {"frequency": [1, 2, np.nan, 4]}}, "must be a list of finite numbers"),
    ({"thresholds": {"frequency": 5}}, r"must be a list of finite numbers. Got 5 instead."),
])
def test_score_parameter_errors(kwargs, message):
    with pytest.raises(AnalyticsInputError, match=message):
        rfm.score(TEN, **kwargs)


def test_score_table_errors():
    with pytest.raises(AnalyticsInputError, match="score needs at least one customer, but the RFM table is "
                                                  "empty. Widen the date range"):
        rfm.score(TEN.iloc[:0])
    with pytest.raises(AnalyticsInputError, match=r"score needs the column\(s\) monetary"):
        rfm.score(TEN.drop(columns="monetary"))
    with pytest.raises(AnalyticsInputError, match="score: the column 'frequency' must hold finite numbers; "
                                                  "1 value.s. are missing, infinite or not numeric"):
        rfm.score(TEN.assign(frequency=[1, 1, 1, 1, 1, 1, 2, 2, 3, None]))
    with pytest.raises(AnalyticsInputError, match="score_edges: the column 'monetary' must hold finite"):
        rfm.score_edges(TEN.assign(monetary=np.inf))


# --- segments -------------------------------------------------------------------------------------

def _all_cells(bins):
    r, f = np.divmod(np.arange(bins * bins), bins)
    frame = pd.DataFrame({"r_score": r + 1, "f_score": f + 1})
    frame.attrs["bins"] = bins
    return frame


def _design_segment(r, f):
    """DESIGN §4, written out cell by cell."""
    if r == 5 and f >= 4:
        return "Champions"
    if r in (3, 4) and f >= 4:
        return "Loyal"
    if r in (4, 5) and f in (2, 3):
        return "Potential Loyalists"
    if r == 5 and f == 1:
        return "New"
    if r == 4 and f == 1:
        return "Promising"
    if r == 3 and f == 3:
        return "Need Attention"
    if r == 3 and f in (1, 2):
        return "About To Sleep"
    if f in (3, 4):
        return "At Risk"
    return "Can't Lose" if f == 5 else "Hibernating"


def test_default_grid_maps_every_cell_as_in_the_design():
    got = rfm.segment(_all_cells(5))
    expected = [_design_segment(r, f) for r, f in zip(got["r_score"], got["f_score"])]
    assert got["segment"].astype(str).tolist() == expected
    # categories in reading order from R5 F5 leftwards, row by row
    assert got["segment"].cat.categories.tolist() == [
        "Champions", "Potential Loyalists", "New", "Loyal", "Promising", "Need Attention",
        "About To Sleep", "Can't Lose", "At Risk", "Hibernating"]


def test_four_tier_grid():
    # value = R4-5 & F4-5, growers = R4-5 & F1-3, maintain = R3, churn warning = R1-2
    got = rfm.segment(_all_cells(5), grid=rfm.FOUR_TIER_GRID)
    for r, f, name in zip(got["r_score"], got["f_score"], got["segment"]):
        expected = ("Churn warning" if r <= 2 else "Maintain" if r == 3
                    else "Value contributors" if f >= 4 else "Potential growers")
        assert name == expected, (r, f)
    assert got["segment"].cat.categories.tolist() == [
        "Value contributors", "Potential growers", "Maintain", "Churn warning"]


def test_segment_rescales_other_bins_onto_the_grid():
    # bins 3 -> grid 1, 3, 5 (middle of each third): R3 F3 = R5 F5 Champions, R2 F2 = R3 F3 Need Attention,
    # R3 F1 = R5 F1 New, R1 F3 = R1 F5 Can't Lose, R2 F1 = R3 F1 About To Sleep, R2 F3 = R3 F5 Loyal,
    # R3 F2 = R5 F3 Potential Loyalists, R1 F2 = R1 F3 At Risk, R1 F1 Hibernating.
    got = rfm.segment(_all_cells(3))
    assert got["segment"].astype(str).tolist() == [
        "Hibernating", "At Risk", "Can't Lose",
        "About To Sleep", "Need Attention", "Loyal",
        "New", "Potential Loyalists", "Champions"]
    # bins 4 -> grid 1, 2, 4, 5: R4 F1 = R5 F1 New, R3 F3 = R4 F4 Loyal, R2 F2 = R2 F2 Hibernating
    got4 = rfm.segment(_all_cells(4)).set_index(["r_score", "f_score"])["segment"]
    assert [got4[(4, 1)], got4[(3, 3)], got4[(2, 2)], got4[(2, 3)]] == [
        "New", "Loyal", "Hibernating", "At Risk"]
    # bins 10 -> 1, 1, 2, 2, 3, 3, 4, 4, 5, 5: R10 F7 = R5 F4 Champions, R6 F2 = R3 F1 About To Sleep
    got10 = rfm.segment(_all_cells(10)).set_index(["r_score", "f_score"])["segment"]
    assert [got10[(10, 7)], got10[(6, 2)], got10[(1, 10)]] == ["Champions", "About To Sleep", "Can't Lose"]


def test_segment_with_a_custom_grid_of_its_own_size_in_any_row_order():
    grid = pd.DataFrame([["lo", "mid"], ["mid", " hi "]], index=["R1", "R2"], columns=["F1", "F2"])
    scored = pd.DataFrame({"r_score": [2, 1, 2, 1], "f_score": [2, 2, 1, 1], "monetary": 1.0})
    got = rfm.segment(scored, grid=grid, bins=2)
    assert got["segment"].astype(str).tolist() == ["hi", "mid", "mid", "lo"]  # names are stripped
    assert got["segment"].cat.categories.tolist() == ["hi", "mid", "lo"]
    assert_frame_equal(got.drop(columns="segment"), scored)


def test_segment_after_score_end_to_end():
    # TEN scores (above): a R5 F1 -> New; i R1 F5 -> Can't Lose; g R2 F4 -> At Risk; d R3 F1 -> About To Sleep
    got = rfm.segment(rfm.score(TEN)).set_index("customer_id")["segment"]
    assert [got["a"], got["i"], got["g"], got["d"]] == ["New", "Can't Lose", "At Risk", "About To Sleep"]


@pytest.mark.parametrize("grid, message", [
    ([["x"]], "The 'grid' parameter of segment must be a DataFrame with rows R5..R1 and columns F1..F5 of "
              "segment names, like DEFAULT_GRID. Got list instead."),
    (rfm.DEFAULT_GRID.iloc[:4], r"The 'grid' parameter of segment must be square, with rows R\{g\}..R1 and "
                                r"columns F1..F\{g\} for one g from 2 to 10, like DEFAULT_GRID. Got rows "
                                r"\['R5', 'R4', 'R3', 'R2'\] and columns \['F1', 'F2', 'F3', 'F4', 'F5'\]."),
    (rfm.DEFAULT_GRID.rename(index={"R1": "R0"}), "must be square, with rows"),
    (rfm.DEFAULT_GRID.set_axis(range(5)), "must be square, with rows"),
    (rfm.DEFAULT_GRID.iloc[:1, :1], "must be square, with rows"),
    (rfm.DEFAULT_GRID.replace({"New": None, "Loyal": "  "}),
     r"The 'grid' parameter of segment has empty or non-text cell\(s\): R5 F1, R4 F5, R4 F4, R3 F5, R3 F4. "
     "Give every cell a segment name."),
])
def test_segment_grid_errors(grid, message):
    with pytest.raises(AnalyticsInputError, match=message):
        rfm.segment(_all_cells(5), grid=grid)


def test_segment_score_errors():
    unscored = pd.DataFrame({"r_score": [1], "f_score": [1]})
    with pytest.raises(AnalyticsInputError, match=r"segment needs the number of score bins: pass bins=... or "
                                                  r"use the frame returned by score\(\), which records it"):
        rfm.segment(unscored)
    with pytest.raises(AnalyticsInputError, match="The 'bins' parameter of segment must be an integer"):
        rfm.segment(unscored, bins=0)
    with pytest.raises(AnalyticsInputError, match=r"segment: the column 'f_score' must hold integer scores "
                                                  r"from 1 to 3 \(bins\); 2 value\(s\) do not. Score the "
                                                  r"table with score\(table, bins=3\)."):
        rfm.segment(pd.DataFrame({"r_score": [1, 2, 3], "f_score": [1, 4, 1.5]}), bins=3)
    with pytest.raises(AnalyticsInputError, match=r"segment needs the column\(s\) f_score"):
        rfm.segment(unscored.drop(columns="f_score"), bins=5)


# --- summaries ------------------------------------------------------------------------------------

def _segmented():
    # EXPECTED customers a, b, d, e, f with VIP = {a, d}, Other = {b, e, f}; "Empty" has nobody
    table = rfm.rfm_table(ORDERS)
    return table.assign(segment=pd.Categorical(["VIP", "Other", "VIP", "Other", "Other"],
                                               categories=["VIP", "Other", "Empty"]))


def test_segment_summary_by_hand():
    # total 5 customers, GMV 70+15+40+10+5 = 140.
    # VIP a, d: R 0, 0; F 2, 1 (3 orders); M 70, 40 = 110; days since first (asof Mar 10): 9, 0
    # Other b, e, f: R 8, 19, 5; F 1, 1, 1; M 15, 10, 5 = 30; days since first: 8, 19, 5
    got = rfm.segment_summary(_segmented())
    expected = pd.DataFrame({
        "segment": ["VIP", "Other", "Empty"],
        "customers": [2, 3, 0],
        "share_customers": [0.4, 0.6, 0.0],
        "gmv": [110.0, 30.0, 0.0],
        "share_gmv": [110 / 140, 30 / 140, 0.0],
        "median_recency_days": [0.0, 8.0, np.nan],
        "median_frequency": [1.5, 1.0, np.nan],
        "median_monetary": [55.0, 10.0, np.nan],
        "aov": [110 / 3, 10.0, np.nan],
        "median_days_since_first_order": [4.5, 8.0, np.nan],
    })
    assert_frame_equal(got, expected)


def test_segment_summary_plain_labels_sorted_and_explicit_asof():
    plain = _segmented().assign(segment=lambda d: d["segment"].astype(str))
    plain.attrs = {}
    got = rfm.segment_summary(plain, asof="2024-03-20")  # 10 days later than attrs' asof
    assert got["segment"].tolist() == ["Other", "VIP"]
    assert got["median_days_since_first_order"].tolist() == [18.0, 14.5]
    assert got["customers"].tolist() == [3, 2]


def test_segment_summary_by_another_column():
    table = rfm.rfm_table(ORDERS).assign(tier=[1, 2, 1, 2, 2])
    got = rfm.segment_summary(table, by="tier")
    assert got["tier"].tolist() == [1, 2]
    assert got["gmv"].tolist() == [110.0, 30.0]


def test_segment_summary_errors():
    plain = _segmented()
    plain.attrs = {}
    with pytest.raises(AnalyticsInputError, match=r"segment_summary needs the asof date: pass asof=... or "
                                                  r"use a frame derived from rfm_table\(\)"):
        rfm.segment_summary(plain)
    missing = _segmented().assign(segment=["VIP", None, "VIP", "Other", "Other"])
    with pytest.raises(AnalyticsInputError, match=r"segment_summary: the column 'segment' has 1 missing "
                                                  r"value\(s\). Give every customer a segment"):
        rfm.segment_summary(missing)
    with pytest.raises(AnalyticsInputError, match=r"segment_summary needs the column\(s\) cluster_name"):
        rfm.segment_summary(_segmented(), by="cluster_name")
    with pytest.raises(AnalyticsInputError, match="The 'asof' parameter of segment_summary must be a date"):
        rfm.segment_summary(_segmented(), asof="later")


def test_gmv_concentration_by_hand():
    # 10 customers, total 100+50+30+20+10+5+5+0+0-10 = 210. Top 10% = 1 customer (100),
    # 20% = 2 (150), 25% = ceil(2.5) = 3 (180), 100% = all (210)
    table = pd.DataFrame({"monetary": [5.0, 100.0, 0.0, 30.0, -10.0, 50.0, 10.0, 5.0, 20.0, 0.0]})
    got = rfm.gmv_concentration(table, shares=(0.1, 0.2, 0.25, 1))
    expected = pd.DataFrame({
        "top_share": [0.1, 0.2, 0.25, 1.0],
        "customers": np.array([1, 2, 3, 10], dtype=np.int64),
        "gmv": [100.0, 150.0, 180.0, 210.0],
        "share_gmv": [100 / 210, 150 / 210, 180 / 210, 1.0],
    })
    assert_frame_equal(got, expected)


def test_gmv_concentration_reads_shares_as_decimals_and_defaults():
    table = pd.DataFrame({"monetary": np.arange(100, dtype=float)})  # total 4950
    # 0.07 * 100 is 7.000000000000001 in floating point, but 7 customers are meant: 99+...+93 = 672
    got = rfm.gmv_concentration(table, shares=[0.07])
    assert got["customers"].tolist() == [7]
    assert got["gmv"].tolist() == [672.0]
    default = rfm.gmv_concentration(table)  # 1, 10, 20 customers
    assert default["customers"].tolist() == [1, 10, 20]
    assert default["gmv"].tolist() == [99.0, 945.0, 1790.0]  # 99; 99+..+90 = 945; 99+..+80 = 1790


def test_gmv_concentration_of_zero_total_is_missing():
    got = rfm.gmv_concentration(pd.DataFrame({"monetary": [10.0, -10.0]}), shares=[0.5])
    assert got["gmv"].tolist() == [10.0]
    assert np.isnan(got["share_gmv"].iloc[0])


@pytest.mark.parametrize("shares", [[0], [1.5], "0.1", [], [0.1, "x"], None])
def test_gmv_concentration_share_errors(shares):
    with pytest.raises(AnalyticsInputError, match=r"The 'shares' parameter of gmv_concentration must be a "
                                                  r"list of numbers in \(0, 1\], such as \(0.01, 0.1, 0.2\). "
                                                  r"Got .* instead."):
        rfm.gmv_concentration(TEN, shares=shares)


def test_rf_heatmap_lists_every_cell():
    # bins 2: (1,1) holds m 10 and 20 -> 2 customers, avg 15; (1,2) empty; (2,1) 7; (2,2) 5
    scored = pd.DataFrame({"r_score": [1, 1, 2, 2], "f_score": [1, 1, 2, 1],
                           "monetary": [10.0, 20.0, 5.0, 7.0]})
    scored.attrs["bins"] = 2
    expected = pd.DataFrame({"r_score": [1, 1, 2, 2], "f_score": [1, 2, 1, 2], "customers": [2, 0, 1, 1],
                             "avg_monetary": [15.0, np.nan, 7.0, 5.0]})
    assert_frame_equal(rfm.rf_heatmap(scored), expected)
    assert len(rfm.rf_heatmap(rfm.score(TEN))) == 25


def test_rf_heatmap_errors():
    scored = pd.DataFrame({"r_score": [1], "f_score": [3], "monetary": [1.0]})
    with pytest.raises(AnalyticsInputError, match="rf_heatmap needs the number of score bins"):
        rfm.rf_heatmap(scored)
    with pytest.raises(AnalyticsInputError, match="rf_heatmap: the column 'f_score' must hold integer scores "
                                                  "from 1 to 2"):
        rfm.rf_heatmap(scored, bins=2)
    with pytest.raises(AnalyticsInputError, match="rf_heatmap needs at least one customer"):
        rfm.rf_heatmap(scored.iloc[:0], bins=2)


# --- typed thresholds, the segment map's edits, plays, overlaps -----------------------------------

def test_parse_edges_reads_commas_semicolons_spaces_and_full_width_separators():
    assert rfm.parse_edges("30, 60, 90, 180", bins=5, dimension="recency_days") == [30.0, 60.0, 90.0, 180.0]
    assert rfm.parse_edges(" 2；3，5 8 ", bins=5, dimension="frequency") == [2.0, 3.0, 5.0, 8.0]
    assert rfm.parse_edges("99.5,200", bins=3, dimension="monetary") == [99.5, 200.0]
    assert rfm.parse_edges("-10 0 10", bins=4, dimension="monetary") == [-10.0, 0.0, 10.0]  # refunds


@pytest.mark.parametrize("text, kwargs, message", [
    ("30, 6O, 90", {}, r"The recency_days thresholds '30, 6O, 90' hold '6O', which is not a number. "
                       r"Type 2 increasing numbers separated by commas, such as '30, 60'."),
    ("30, 60, 90", {}, r"thresholds\['recency_days'\] of parse_edges needs 2 edges for bins=3 \(one fewer "
                       r"than bins\). Got 3: \[30.0, 60.0, 90.0\]."),
    ("", {}, r"needs 2 edges for bins=3 \(one fewer than bins\). Got 0: \[\]."),
    ("60, 30", {}, r"thresholds\['recency_days'\] of parse_edges must be strictly increasing. "
                   r"Got \[60.0, 30.0\]."),
    ("30, 30", {}, "must be strictly increasing"),
    ("30, inf", {}, r"thresholds\['recency_days'\] of parse_edges must be a list of finite numbers"),
    ("30, 60", {"dimension": "orders"}, "The 'dimension' parameter of parse_edges must be one of "
                                        "'recency_days', 'frequency', 'monetary'. Got 'orders' instead."),
    ("30, 60", {"bins": 11}, "The 'bins' parameter of parse_edges must be an integer from 2 to 10"),
    (30, {}, "The 'text' parameter of parse_edges must be a string such as '30, 60, 90, 180'. Got int instead."),
])
def test_parse_edges_errors(text, kwargs, message):
    with pytest.raises(AnalyticsInputError, match=message):
        rfm.parse_edges(text, **{"bins": 3, "dimension": "recency_days", **kwargs})


def test_editable_edges_makes_quantile_edges_finite_and_strictly_increasing():
    # frequency: the repeated 2 moves to 3 (one order more), inf ("nobody this high") to 4 + 1 = 5
    assert rfm.editable_edges([2.0, 2.0, 4.0, np.inf], dimension="frequency") == [2.0, 3.0, 4.0, 5.0]
    # recency: a leading -inf (nobody scores R4 of 4 bins) sits one day below the next edge
    assert rfm.editable_edges([-np.inf, 0.0, 5.0], dimension="recency_days") == [-1.0, 0.0, 5.0]
    # monetary: rounded to cents (121.789... -> 121.79), ties step by one cent
    assert rfm.editable_edges([55.65, 121.78999999999999, 121.79, 790.95], dimension="monetary") == [
        55.65, 121.79, 121.8, 790.95]
    # everyone equal: no finite edge at all -> 0, 1, 2, 3 (steps from 0)
    assert rfm.editable_edges([np.inf] * 4, dimension="frequency") == [0.0, 1.0, 2.0, 3.0]
    # already valid edges are kept; the result always passes parse_edges
    kept = [30.0, 60.0, 90.0, 180.0]
    assert rfm.editable_edges(kept, dimension="recency_days") == kept
    text = ", ".join(map(str, rfm.editable_edges([2.0, 2.0, 2.0, 3.0], dimension="frequency")))
    assert rfm.parse_edges(text, bins=5, dimension="frequency") == [2.0, 3.0, 4.0, 5.0]


def test_editable_edges_errors():
    with pytest.raises(AnalyticsInputError, match="The 'dimension' parameter of editable_edges must be one of"):
        rfm.editable_edges([1.0], dimension="r")
    for bad in ([], [1.0, np.nan], [[1.0, 2.0]]):
        with pytest.raises(AnalyticsInputError, match=r"The 'edges' parameter of editable_edges must be a "
                                                      r"non-empty list of numbers"):
            rfm.editable_edges(bad, dimension="monetary")


def test_score_bands_read_the_edge_conventions_as_whole_days_orders_and_money():
    got = rfm.score_bands({"recency_days": [30, 60, 90, 180], "frequency": [2, 3, 5, 8],
                           "monetary": [0, 100, 200, 300]}, bins=5)
    inf = np.inf
    expected = pd.DataFrame({
        "dimension": ["recency_days"] * 5 + ["frequency"] * 5 + ["monetary"] * 5,
        "score": [5, 4, 3, 2, 1] * 3,
        # recency right-closed: R5 <= 30 days (from 0), R4 31-60, R3 61-90, R2 91-180, R1 181 and more
        # frequency left-closed: F5 8+, F4 5-7, F3 3-4, F2 2, F1 1 (every customer has an order)
        # monetary left-closed, continuous: M5 >= 300, M4 [200, 300), ..., M1 below 0 (refunds)
        "low": [0.0, 31, 61, 91, 181, 8, 5, 3, 2, 1, 300, 200, 100, 0, -inf],
        "high": [30.0, 60, 90, 180, inf, inf, 7, 4, 2, 1, inf, 300, 200, 100, 0],
        "empty": False,
    })
    assert_frame_equal(got, expected)


def test_score_bands_mark_scores_nobody_can_reach():
    # quantile-style edges with ties and infinities, bins 4:
    # recency [-inf, 0, 5]: R4 needs days <= -inf -> empty; R3 = 0, R2 = 1-5, R1 = 6+.
    # frequency [2.5, 3, inf]: F2 is [2.5, 3) -> no whole number -> empty; F3 = 3+; F4 needs inf -> empty.
    # monetary [1, 1, 2]: M2 is [1, 1) -> empty.
    got = rfm.score_bands({"recency_days": [-np.inf, 0, 5], "frequency": [2.5, 3, np.inf],
                           "monetary": [1, 1, 2]}, bins=4)
    assert got["empty"].tolist() == [True, False, False, False,
                                     True, False, True, False,
                                     False, False, True, False]
    recency = got[got["dimension"] == "recency_days"]
    assert recency[["low", "high"]].to_numpy()[1:].tolist() == [[0, 0], [1, 5], [6, np.inf]]
    assert got[got["dimension"] == "frequency"][["low", "high"]].to_numpy()[[1, 3]].tolist() == [
        [3, np.inf], [1, 2]]


def test_score_bands_of_the_scores_edges_agree_with_the_scores():
    scored = rfm.score(TEN)
    bands = rfm.score_bands(scored.attrs["edges"], bins=5)
    for dim, col in rfm.SCORE_COLUMNS.items():
        rows = bands[bands["dimension"] == dim].set_index("score")
        low, high = rows.loc[scored[col], "low"].to_numpy(), rows.loc[scored[col], "high"].to_numpy()
        values = scored[dim].to_numpy()
        inside = (values >= low) & (values < high) if dim == "monetary" else (values >= low) & (values <= high)
        assert inside.all(), dim


@pytest.mark.parametrize("edges, bins, message", [
    ({"frequency": [1, 2]}, 3, r"The 'edges' parameter of score_bands must be a dict with the keys "
                               r"'recency_days', 'frequency', 'monetary', like score_edges returns."),
    ({"recency_days": [1, 2], "frequency": [1], "monetary": [1, 2]}, 3,
     r"edges\['frequency'\] of score_bands needs 2 numbers for bins=3. Got \[1\]."),
    ({"recency_days": [1, 2], "frequency": [1, np.nan], "monetary": [1, 2]}, 3, "needs 2 numbers for bins=3"),
    ({"recency_days": [1], "frequency": [1], "monetary": [1]}, 1, "The 'bins' parameter of score_bands"),
])
def test_score_bands_errors(edges, bins, message):
    with pytest.raises(AnalyticsInputError, match=message):
        rfm.score_bands(edges, bins=bins)


def test_grid_changes_lists_renamed_cells_in_reading_order_and_round_trips():
    edited = rfm.DEFAULT_GRID.copy()
    edited.loc["R1", "F5"] = " VIP lost "  # outer spaces do not count
    edited.loc["R5", "F1"] = "Newcomers"
    edited.loc["R3", "F3"] = "Need Attention "  # same name as before: unchanged
    changes = rfm.grid_changes(edited)
    assert changes == {"R5F1": "Newcomers", "R1F5": "VIP lost"}
    assert list(changes) == ["R5F1", "R1F5"]  # R5 row first, then down to R1
    rebuilt = rfm.apply_grid_changes(rfm.DEFAULT_GRID, changes)
    expected = rfm.DEFAULT_GRID.copy()
    expected.loc["R5", "F1"], expected.loc["R1", "F5"] = "Newcomers", "VIP lost"
    assert_frame_equal(rebuilt, expected)
    assert rfm.DEFAULT_GRID.loc["R5", "F1"] == "New"  # the preset is untouched
    assert rfm.grid_changes(rfm.FOUR_TIER_GRID.copy(), base=rfm.FOUR_TIER_GRID) == {}
    # a changed four-tier cell: R3 F5 moves from Maintain to Value contributors
    tiers = rfm.apply_grid_changes(rfm.FOUR_TIER_GRID, {"R3F5": "Value contributors"})
    assert rfm.segment(_all_cells(5), grid=tiers).set_index(["r_score", "f_score"])["segment"][(3, 5)] == \
        "Value contributors"


def test_apply_grid_changes_on_a_smaller_grid_with_rows_in_any_order():
    grid = pd.DataFrame([["lo", "mid"], ["mid", "hi"]], index=["R1", "R2"], columns=["F1", "F2"])
    got = rfm.apply_grid_changes(grid, {"R2F2": "top"})
    assert got.loc["R2", "F2"] == "top" and got.loc["R1", "F1"] == "lo"
    assert rfm.grid_changes(got, base=grid) == {"R2F2": "top"}


@pytest.mark.parametrize("changes, message", [
    (["R5F1"], r"The 'changes' parameter of apply_grid_changes must be a dict such as \{'R5F1': "
               r"'Newcomers'\}. Got list instead."),
    ({"R6F1": "x"}, r"The 'changes' parameter of apply_grid_changes names the cell 'R6F1', which is not in "
                    r"the 5 x 5 grid. Name cells R<r>F<f> with r and f from 1 to 5, such as 'R5F1'."),
    ({"F1R5": "x"}, "names the cell 'F1R5', which is not in"),
    ({"R0F1": "x"}, "names the cell 'R0F1', which is not in"),
    ({5: "x"}, "names the cell 5, which is not in"),
    ({"R5F1": "  "}, r"The 'changes' parameter of apply_grid_changes gives the cell R5F1 the name '  '. "
                     "Give every changed cell a non-empty segment name."),
    ({"R5F1": None}, "gives the cell R5F1 the name None"),
])
def test_apply_grid_changes_errors(changes, message):
    with pytest.raises(AnalyticsInputError, match=message):
        rfm.apply_grid_changes(rfm.DEFAULT_GRID, changes)


def test_grid_changes_errors():
    emptied = rfm.DEFAULT_GRID.replace({"New": ""})
    with pytest.raises(AnalyticsInputError, match=r"The 'grid' parameter of grid_changes has empty or "
                                                  r"non-text cell\(s\): R5 F1."):
        rfm.grid_changes(emptied)
    with pytest.raises(AnalyticsInputError, match="The 'base' parameter of grid_changes must be a DataFrame"):
        rfm.grid_changes(rfm.DEFAULT_GRID, base=None)
    small = pd.DataFrame([["a", "b"], ["c", "d"]], index=["R2", "R1"], columns=["F1", "F2"])
    with pytest.raises(AnalyticsInputError, match=r"grid_changes compares grids of one size; got a 2 x 2 grid "
                                                  r"and a 5 x 5 base. Edit a copy of the base grid."):
        rfm.grid_changes(small)


def test_default_plays_cover_every_preset_segment_and_are_read_only():
    names = set(rfm.DEFAULT_GRID.to_numpy().ravel()) | set(rfm.FOUR_TIER_GRID.to_numpy().ravel())
    assert set(rfm.DEFAULT_PLAYS) == names
    assert all(play.strip() for play in rfm.DEFAULT_PLAYS.values())
    assert "7 days" in rfm.DEFAULT_PLAYS["At Risk"]  # the plan's win-back coupon within 7 days
    with pytest.raises(TypeError):
        rfm.DEFAULT_PLAYS["At Risk"] = "x"


def test_segment_overlap_counts_customers_per_pair_with_empty_categories():
    # clusters A: customers 1, 2, 4; B: 3, 5. segments VIP: 1, 3; Other: 2, 4, 5; Empty: nobody.
    # A & VIP = {1}, A & Other = {2, 4}, B & VIP = {3}, B & Other = {5}
    frame = pd.DataFrame({
        "cluster_name": pd.Categorical(["A", "A", "B", "A", "B"], categories=["B", "A"]),
        "segment": pd.Categorical(["VIP", "Other", "VIP", "Other", "Other"], categories=["VIP", "Other", "Empty"]),
    })
    expected = pd.DataFrame([[1, 1, 0], [1, 2, 0]], index=pd.Index(["B", "A"], name="cluster_name"),
                            columns=pd.Index(["VIP", "Other", "Empty"], name="segment"), dtype=np.int64)
    assert_frame_equal(rfm.segment_overlap(frame), expected)
    # plain labels are listed sorted; other column names
    plain = frame.astype(str).rename(columns={"cluster_name": "x", "segment": "y"})
    got = rfm.segment_overlap(plain, rows="y", columns="x")
    assert got.index.tolist() == ["Other", "VIP"] and got.columns.tolist() == ["A", "B"]
    assert got.to_numpy().tolist() == [[2, 1], [1, 1]]


def test_segment_overlap_errors():
    frame = pd.DataFrame({"cluster_name": ["A", None], "segment": ["x", "y"]})
    with pytest.raises(AnalyticsInputError, match=r"segment_overlap: the column 'cluster_name' has 1 missing "
                                                  r"value\(s\)"):
        rfm.segment_overlap(frame)
    with pytest.raises(AnalyticsInputError, match=r"segment_overlap needs the column\(s\) segment"):
        rfm.segment_overlap(frame.drop(columns="segment"))


# --- golden: the bundled sample against a plain pandas reference -----------------------------------

def test_rfm_and_scores_on_the_sample_match_a_pandas_groupby_reference():
    from analytics.sample import make_sample

    orders = make_sample(customers=2_000, seed=1).orders
    paid = orders[orders["amount"] >= 0]
    asof = paid["order_ts"].max().normalize()
    by_paid = paid.groupby("customer_id", observed=True)
    expected = pd.DataFrame({
        "recency_days": (asof - by_paid["order_ts"].max().dt.normalize()).dt.days.astype(np.int64),
        "frequency": by_paid["order_id"].nunique().astype(np.int64),
        "monetary": orders.groupby("customer_id", observed=True)["amount"].sum(),
        "first_order_ts": by_paid["order_ts"].min(),
        "last_order_ts": by_paid["order_ts"].max(),
    }).rename_axis("customer_id").reset_index()
    expected["customer_id"] = expected["customer_id"].astype(str)
    got = rfm.rfm_table(orders)
    assert_frame_equal(got, expected, check_exact=False)
    # quantile score = 1 + floor(5 * (customers strictly worse) / n), via pandas' min rank
    n = len(got)
    scored = rfm.score(got)
    for dim, col in rfm.SCORE_COLUMNS.items():
        worse = got[dim].rank(method="min", ascending=dim != "recency_days").to_numpy() - 1
        assert scored[col].tolist() == (1 + (5 * worse) // n).astype(np.int64).tolist(), dim
    # segment = the grid cell looked up by label
    segmented = rfm.segment(scored)
    looked_up = [rfm.DEFAULT_GRID.loc[f"R{r}", f"F{f}"] for r, f in zip(scored["r_score"], scored["f_score"])]
    assert segmented["segment"].astype(str).tolist() == looked_up
    # segment medians = pandas' groupby median (the summary uses its own partition-based medians)
    summary = rfm.segment_summary(segmented)
    reference = segmented.groupby("segment", observed=False)[["recency_days", "frequency", "monetary"]].median()
    assert summary["median_recency_days"].tolist() == reference["recency_days"].tolist()
    assert summary["median_frequency"].tolist() == reference["frequency"].tolist()
    assert summary["median_monetary"].tolist() == pytest.approx(reference["monetary"].tolist())
