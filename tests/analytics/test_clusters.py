"""k-means customer clusters on hand-built RFM tables with well separated groups."""

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics import AnalyticsInputError
from analytics.clusters import choose_k, cluster

_I = np.arange(10)

# Four groups of 10, far apart in log space:
#   g1 recent (1-3 days), frequent (20-24), big (5000-5090)    g2 recent (1-3), one order, small (20-29)
#   g3 lapsed (300-309), one order, big (3000-3090)            g4 lapsed (300-309), one order, small (10-19)
# Overall medians: recency (3 + 300) / 2 = 151.5, frequency 1 (30 of 40 are 1),
# monetary (29 + 3000) / 2 = 1514.5. So g1: recent, frequent (22 > 1), high value -> "High value loyal";
# g2: recent, not frequent, low -> "Recent new"; g3: lapsed, not frequent, high -> "Lapsed big spenders";
# g4: "Lapsed low value". Ids by mean monetary, highest first: g1 (5045) 0, g3 (3045) 1, g2 (24.5) 2,
# g4 (14.5) 3.
GROUPS = pd.DataFrame({
    "customer_id": [f"g{g}_{i}" for g in (1, 2, 3, 4) for i in _I],
    "recency_days": np.concatenate([1 + _I % 3, 1 + _I % 3, 300 + _I, 300 + _I]),
    "frequency": np.concatenate([20 + _I % 5, np.ones(10), np.ones(10), np.ones(10)]).astype(np.int64),
    "monetary": np.concatenate([5000 + 10.0 * _I, 20.0 + _I, 3000 + 10.0 * _I, 10.0 + _I]),
})
EXPECTED_IDS = np.repeat([0, 2, 1, 3], 10)
EXPECTED_NAMES = ["High value loyal", "Lapsed big spenders", "Recent new", "Lapsed low value"]


def test_cluster_recovers_the_groups_ordered_and_named_by_profile():
    got = cluster(GROUPS, k=4)
    expected = GROUPS.assign(
        cluster=EXPECTED_IDS,
        cluster_name=pd.Categorical.from_codes(EXPECTED_IDS, categories=EXPECTED_NAMES),
    )
    assert_frame_equal(got, expected)
    assert got.attrs["k"] == 4
    assert 0 < got.attrs["silhouette"] <= 1
    assert "silhouette_by_k" not in got.attrs


def test_cluster_is_deterministic_and_independent_of_row_order():
    first = cluster(GROUPS, k=4, seed=3)
    assert_frame_equal(cluster(GROUPS, k=4, seed=3), first)
    shuffled = cluster(GROUPS.sample(frac=1, random_state=5), k=4, seed=3).sort_index()
    assert_frame_equal(shuffled, first)


def test_cluster_auto_picks_the_number_of_groups():
    # four tight, far apart groups: merging two (k=3) or splitting one (k=5..8) lowers the silhouette
    got = cluster(GROUPS, k="auto")
    assert got.attrs["k"] == 4
    assert sorted(got.attrs["silhouette_by_k"]) == [3, 4, 5, 6, 7, 8]
    assert got.attrs["silhouette"] == max(got.attrs["silhouette_by_k"].values())
    assert_frame_equal(got, cluster(GROUPS, k=4))


def test_choose_k_reports_the_silhouette_per_k():
    got = choose_k(GROUPS, ks=[3, 4, 5])
    assert got["k"].tolist() == [3, 4, 5]
    assert got["silhouette"].idxmax() == 1
    assert got["silhouette"].iloc[1] == cluster(GROUPS, k=4).attrs["silhouette"]
    by_k = cluster(GROUPS, k="auto").attrs["silhouette_by_k"]
    assert got["silhouette"].tolist() == [by_k[3], by_k[4], by_k[5]]


def test_cluster_names_are_unique():
    # a: recent (1-3), frequent (10), big (1000-1009); b: recency 400-409, 1 order, 10-19;
    # c: recency 1500-1509, 1 order, 20-29. Medians: recency (404 + 405) / 2 = 404.5, frequency 1,
    # monetary (24 + 25) / 2 = 24.5. b's and c's medians (404.5 / 1504.5 and 14.5 / 24.5) are not below
    # resp. above them: both "Lapsed low value"; c (mean 24.5) comes before b (14.5) and keeps the name.
    table = pd.DataFrame({
        "recency_days": np.concatenate([1 + _I % 3, 400 + _I, 1500 + _I]),
        "frequency": np.concatenate([np.full(10, 10), np.ones(10), np.ones(10)]),
        "monetary": np.concatenate([1000.0 + _I, 10.0 + _I, 20.0 + _I]),
    })
    got = cluster(table, k=3)
    assert got["cluster"].tolist() == [0] * 10 + [2] * 10 + [1] * 10
    assert got["cluster_name"].cat.categories.tolist() == [
        "High value loyal", "Lapsed low value", "Lapsed low value 2"]


def test_cluster_fits_on_a_sample_and_assigns_everyone():
    # 20 of 40 customers fitted (drawn with the seed); every customer still gets a cluster
    got = cluster(GROUPS, k=4, sample_size=20)
    assert_frame_equal(cluster(GROUPS, k=4, sample_size=20), got)
    assert got["cluster"].between(0, 3).all() and got["cluster"].nunique() == 4
    # a sample at least as large as the table is the table itself
    assert_frame_equal(cluster(GROUPS, k=4, sample_size=40), cluster(GROUPS, k=4))


def test_cluster_treats_negative_monetary_as_zero():
    with_refunds = GROUPS.assign(monetary=GROUPS["monetary"].where(GROUPS.index != 35, -50.0))
    at_zero = GROUPS.assign(monetary=GROUPS["monetary"].where(GROUPS.index != 35, 0.0))
    assert cluster(with_refunds, k=4)["cluster"].tolist() == cluster(at_zero, k=4)["cluster"].tolist()


def test_cluster_does_not_mutate_and_keeps_attrs():
    table = GROUPS.copy()
    table.attrs["asof"] = pd.Timestamp("2024-03-10")
    got = cluster(table, k=4)
    assert_frame_equal(table, GROUPS)
    assert got.attrs["asof"] == pd.Timestamp("2024-03-10")
    assert list(table.attrs) == ["asof"]


@pytest.mark.parametrize("kwargs, message", [
    ({"k": 1}, r"The 'k' parameter of cluster must be from 2 to 40 \(the number of customers, capped by "
               r"sample_size\). Got 1 instead."),
    ({"k": 41}, "The 'k' parameter of cluster must be from 2 to 40 .* Got 41 instead."),
    ({"k": 5, "sample_size": 4}, "The 'k' parameter of cluster must be from 2 to 4 .* Got 5 instead."),
    ({"k": "many"}, "The 'k' parameter of cluster must be an integer or 'auto'. Got 'many' instead."),
    ({"k": 2.0}, "The 'k' parameter of cluster must be an integer or 'auto'. Got 2.0 instead."),
    ({"k": True}, "The 'k' parameter of cluster must be an integer or 'auto'. Got True instead."),
    ({"sample_size": 1}, "The 'sample_size' parameter of cluster must be an integer of at least 2. "
                         "Got 1 instead."),
    ({"sample_size": 1e5}, "The 'sample_size' parameter of cluster must be an integer"),
    ({"seed": -1}, "The 'seed' parameter of cluster must be a non-negative integer. Got -1 instead."),
    ({"seed": "0"}, "The 'seed' parameter of cluster must be a non-negative integer. Got '0' instead."),
])
def test_cluster_parameter_errors(kwargs, message):
    with pytest.raises(AnalyticsInputError, match=message):
        cluster(GROUPS, **kwargs)


def test_cluster_data_errors():
    same = pd.DataFrame({"recency_days": [5] * 6, "frequency": [1] * 6, "monetary": [9.0] * 6})
    with pytest.raises(AnalyticsInputError, match="cluster found only 1 distinct customer profiles, fewer "
                                                  "than k=2. Choose a smaller k."):
        cluster(same, k=2)
    with pytest.raises(AnalyticsInputError, match=r"cluster could not choose k: the customers have fewer "
                                                  r"than 3 distinct \(recency, frequency, monetary\) "
                                                  "profiles. Pass a smaller integer k."):
        cluster(same, k="auto")
    with pytest.raises(AnalyticsInputError, match="k='auto' in cluster compares 3..8 clusters and needs at "
                                                  "least 4 customers; got 3. Pass an integer k."):
        cluster(GROUPS.iloc[:3], k="auto")
    with pytest.raises(AnalyticsInputError, match="cluster needs at least one customer"):
        cluster(GROUPS.iloc[:0])
    with pytest.raises(AnalyticsInputError, match=r"cluster needs the column\(s\) frequency"):
        cluster(GROUPS.drop(columns="frequency"))


def test_choose_k_errors():
    with pytest.raises(AnalyticsInputError, match="The 'seed' parameter of choose_k must be a non-negative"):
        choose_k(GROUPS, seed=None)
    with pytest.raises(AnalyticsInputError, match="The 'ks' parameter of choose_k must be from 2 to 40 .* "
                                                  "Got 41 instead."):
        choose_k(GROUPS, ks=[3, 41])
    with pytest.raises(AnalyticsInputError, match="The 'ks' parameter of choose_k must be integers. "
                                                  "Got 'x' instead."):
        choose_k(GROUPS, ks=["x"])
    with pytest.raises(AnalyticsInputError, match="The 'ks' parameter of choose_k must list at least one k. "
                                                  "Got none."):
        choose_k(GROUPS, ks=[])
