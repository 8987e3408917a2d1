"""The Segments page on the bundled sample (numbers checked against analytics.rfm / analytics.clusters called
directly on the same date range) and on a tiny saved data set."""

import datetime as dt
import functools
import json

import pandas as pd

from analytics import Dataset, clusters, rfm
from tests.pages.conftest import open_page
from ui import data, format

PAGE = "pages/2_Segments.py"


@functools.cache
def _table(asof=None) -> pd.DataFrame:
    """The RFM table of the page's default range (the sample's last 365 days)."""
    first, last = data.date_bounds(data.SAMPLE_ID)
    start = max(first, last - dt.timedelta(days=364))
    return rfm.rfm_table(data.in_range(data.SAMPLE_ID, "orders", start, last), asof=asof)


def _summary(bins=5, thresholds=None, grid=None) -> pd.DataFrame:
    scored = rfm.score(_table(), bins=bins, thresholds=thresholds)
    return rfm.segment_summary(rfm.segment(scored, grid=grid))


def _shown(at, column) -> pd.DataFrame:
    """The shown table (dataframe or editor) that has ``column``."""
    return next(d.value for d in at.dataframe if column in d.value.columns)


def _profiles(at) -> dict:
    """Segment -> customers of the segment profile table."""
    table = _shown(at, "Median R (days)")
    return dict(zip(table["Segment"], table["Customers"]))


def _expected(summary) -> dict:
    return dict(zip(summary["segment"].astype(str), summary["customers"]))


def _bands(at) -> pd.DataFrame:
    return _shown(at, "Recency (days)").set_index("Score")


def _edits(rows: dict) -> dict:
    """A data editor's edit state with the cell edits ``rows`` ({row position: {column: value}})."""
    return {"edited_rows": rows, "added_rows": [], "deleted_rows": []}


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def test_default_view_shows_quantile_segments_tiles_charts_and_downloads():
    at = open_page(PAGE)
    assert not at.exception and not at.error
    table = _table()
    metrics = _metrics(at)
    assert metrics["Customers"] == format.count(len(table))
    assert metrics["GMV"] == format.money(table["monetary"].sum())
    top = rfm.gmv_concentration(table)
    assert metrics["GMV share of the top 1%"] == format.pct(top["share_gmv"][0])
    assert metrics["GMV share of the top 20%"] == format.pct(top["share_gmv"][2])
    assert _profiles(at) == _expected(_summary())
    # the resulting bands of the quantile edges, e.g. R5 = last order within the first recency edge
    edges = rfm.score_edges(table)
    bands = _bands(at)
    assert bands.loc[5, "Recency (days)"] == f"≤ {edges['recency_days'][0]:.0f}"
    assert bands.loc[1, "Recency (days)"] == f"≥ {edges['recency_days'][3] + 1:.0f}"
    assert bands.loc[5, "Frequency (orders)"] == f"≥ {edges['frequency'][3]:.0f}"
    # the quantile edges are shown in the (disabled) threshold boxes
    box = at.text_input(key="seg_f_thr")
    assert box.disabled and box.value == ""
    assert f"{edges['frequency'][3]:.0f}" in box.placeholder
    assert len(at.get("plotly_chart")) == 2  # sizes, share of customers vs. GMV
    assert {b.proto.label for b in at.get("download_button")} == {"Download CSV", "Download report (HTML)"}
    assert at.caption[1].value.startswith(f"Scored as of **{table.attrs['asof'].date()}**")


def test_thresholds_and_bins_from_the_link_rescore_and_show_their_bands():
    at = open_page(PAGE, seg_bins="4", seg_r_mode="thresholds", seg_r_thr="30, 90, 180",
                   seg_f_mode="thresholds", seg_f_thr="2;3；6")
    assert not at.exception and not at.error
    assert at.slider(key="seg_bins").value == 4
    assert at.radio(key="seg_r_mode").value == "thresholds"
    assert at.text_input(key="seg_r_thr").value == "30, 90, 180" and not at.text_input(key="seg_r_thr").disabled
    thresholds = {"recency_days": [30, 90, 180], "frequency": [2, 3, 6]}
    assert _profiles(at) == _expected(_summary(bins=4, thresholds=thresholds))
    bands = _bands(at)
    # recency right-closed: R4 <= 30, R3 31-90, R2 91-180, R1 181+; frequency: F1 1, F2 2, F3 3-5, F4 6+
    assert bands["Recency (days)"].tolist() == ["≤ 30", "31–90", "91–180", "≥ 181"]
    assert bands["Frequency (orders)"].tolist() == ["≥ 6", "3–5", "2", "1"]
    assert "R: your thresholds · F: your thresholds · M: quantiles" in at.caption[1].value


def test_switching_to_thresholds_starts_from_the_quantile_edges_and_typing_rescores():
    at = open_page(PAGE)
    at.radio(key="seg_f_mode").set_value("thresholds").run()
    assert not at.exception
    # the sample's quantile F edges repeat (ties at 2 orders): made strictly increasing to start from
    quantile = rfm.score_edges(_table())["frequency"]
    seeded = rfm.editable_edges(quantile, dimension="frequency")
    box = at.text_input(key="seg_f_thr")
    assert rfm.parse_edges(box.value, bins=5, dimension="frequency") == seeded and not box.disabled
    assert _profiles(at) == _expected(_summary(thresholds={"frequency": seeded}))
    box.set_value("2, 4, 6, 10").run()
    assert _profiles(at) == _expected(_summary(thresholds={"frequency": [2, 4, 6, 10]}))
    assert _bands(at)["Frequency (orders)"].tolist() == ["≥ 10", "6–9", "4–5", "2–3", "1"]
    # 3 bins need 2 edges: the four typed ones are refused with a message, F falls back to quantiles
    at.slider(key="seg_bins").set_value(3).run()
    assert not at.exception
    assert "Frequency: these thresholds cannot be used" in at.error[0].value
    assert "needs 2 edges for bins=3" in at.error[0].value
    assert _profiles(at) == _expected(_summary(bins=3))


def test_unusable_thresholds_show_an_error_and_keep_quantile_edges():
    at = open_page(PAGE, seg_r_mode="thresholds", seg_r_thr="90, 30, 60, 180",
                   seg_m_mode="thresholds", seg_m_thr="100, lots, 800, 2000")
    assert not at.exception
    messages = [e.value for e in at.error]
    assert any(m.startswith("Recency: these thresholds cannot be used") and "strictly increasing" in m
               for m in messages)
    assert any("'lots', which is not a number" in m for m in messages)
    assert _profiles(at) == _expected(_summary())


def test_segment_map_edits_from_the_link_and_in_the_editor_resegment_without_rescoring():
    at = open_page(PAGE, seg_grid=json.dumps({"R5F1": "Newcomers"}))
    assert not at.exception
    expected = _expected(_summary())
    got = _profiles(at)
    assert "New" not in got and got["Newcomers"] == expected["New"]
    assert at.dataframe[1].value.loc["R5", "F1"] == "Newcomers"  # the map editor shows the edit
    # an edit in the editor (row R4, column F1: Promising -> Newcomers) merges two segments
    at.session_state["seg_grid_rfm"] = _edits({1: {"F1": "Newcomers"}})
    at.run()
    assert not at.exception
    assert json.loads(at.query_params["seg_grid"]) == {"R5F1": "Newcomers", "R4F1": "Newcomers"}
    assert _profiles(at)["Newcomers"] == expected["New"] + expected["Promising"]
    assert "2 cell(s) differ from the preset." in [c.value for c in at.caption]
    at.button(key="seg_grid_reset").click().run()
    assert "seg_grid" not in at.query_params
    assert _profiles(at) == expected


def test_four_tier_preset_and_a_malformed_map_link():
    at = open_page(PAGE, seg_map="tiers", seg_grid="{not json")
    assert not at.exception
    assert at.selectbox(key="seg_map").value == "tiers"
    assert any("is not available here" in w.value for w in at.warning)
    assert _profiles(at) == _expected(_summary(grid=rfm.FOUR_TIER_GRID))
    assert list(_profiles(at)) == ["Value contributors", "Potential growers", "Maintain", "Churn warning"]


def test_switching_the_preset_drops_the_cell_edits():
    at = open_page(PAGE, seg_grid=json.dumps({"R1F5": "VIP lost"}))
    assert "VIP lost" in _profiles(at)
    at.selectbox(key="seg_map").set_value("tiers").run()
    assert not at.exception
    assert "seg_grid" not in at.query_params
    assert _profiles(at) == _expected(_summary(grid=rfm.FOUR_TIER_GRID))


def test_heatmap_view_lists_every_cell_with_its_segment():
    at = open_page(PAGE, seg_view="heatmap", seg_bins="3")
    assert not at.exception
    assert len(at.get("plotly_chart")) == 1
    cells = _shown(at, "Average net spend (¥)")
    expected = rfm.rf_heatmap(rfm.score(_table(), bins=3))
    assert cells["Customers"].tolist() == expected["customers"].tolist()
    # bins 3 sit on rows / columns 1, 3, 5 of the map: R3 F1 is the map's R5 F1 (New)
    assert cells.set_index(["R score", "F score"]).loc[(3, 1), "Segment"] == "New"


def test_clusters_view_auto_shows_the_silhouette_then_k_from_the_widget():
    at = open_page(PAGE, seg_view="clusters")
    assert not at.exception
    auto = clusters.cluster(_table(), k="auto")
    assert _metrics(at)["Clusters"] == str(auto.attrs["k"])
    assert _metrics(at)["Silhouette"] == f"{auto.attrs['silhouette']:.2f}"
    assert len(at.get("plotly_chart")) == 2  # silhouette by k, scatter
    at.selectbox(key="seg_k").set_value("3").run()
    assert not at.exception
    three = clusters.cluster(_table(), k=3)
    assert _metrics(at)["Clusters"] == "3"
    assert _metrics(at)["Silhouette"] == f"{three.attrs['silhouette']:.2f}"
    assert len(at.get("plotly_chart")) == 1  # no silhouette-by-k chart for a fixed k
    profiles = _shown(at, "Median M (¥)")
    summary = rfm.segment_summary(three, by="cluster_name")
    assert profiles["Cluster"].tolist() == summary["cluster_name"].astype(str).tolist()
    assert profiles["Customers"].tolist() == summary["customers"].tolist()
    # clusters x segments: every cluster's row adds up to its size, every column to its segment
    overlap = _shown(at, "Champions").set_index("Cluster")
    assert overlap.sum(axis=1).tolist() == summary["customers"].tolist()
    assert overlap.sum(axis=0).to_dict() == _expected(_summary())
    labels = {b.proto.label for b in at.get("download_button")}
    assert f"Download the {format.count(summary['customers'][0])} members (CSV)" in labels


def test_cluster_and_member_choices_from_the_link():
    at = open_page(PAGE, seg_view="clusters", seg_k="4", seg_cluster="2")
    assert not at.exception
    four = clusters.cluster(_table(), k=4)
    assert at.selectbox(key="seg_cluster").value == 2
    preview = _shown(at, "M score")
    assert set(preview["Cluster"]) == {four["cluster_name"].cat.categories[2]}
    size = int((four["cluster"] == 2).sum())
    assert f"Download the {format.count(size)} members (CSV)" in {b.proto.label for b in at.get("download_button")}


def test_plays_and_member_list_of_the_linked_segment():
    at = open_page(PAGE, seg_view="actions", seg_members="At Risk",
                   seg_plays=json.dumps({"At Risk": "Call them this week"}))
    assert not at.exception
    plays = _shown(at, "Suggested play").set_index("Segment")["Suggested play"]
    assert plays["At Risk"] == "Call them this week"
    assert plays["Champions"] == rfm.DEFAULT_PLAYS["Champions"]
    scored = rfm.segment(rfm.score(_table()))
    at_risk = scored[scored["segment"] == "At Risk"].sort_values("monetary", ascending=False, kind="stable")
    preview = _shown(at, "M score")
    assert preview["Customer ID"].tolist() == at_risk["customer_id"].head(20).tolist()
    assert set(preview["Segment"]) == {"At Risk"}
    assert f"Download the {format.count(len(at_risk))} members (CSV)" in {
        b.proto.label for b in at.get("download_button")}
    # editing a play keeps only the plays that differ from the defaults in the link
    at.session_state["seg_plays_editor"] = _edits({0: {"Suggested play": "Thank-you gift"}})
    at.run()
    assert json.loads(at.query_params["seg_plays"]) == {"Champions": "Thank-you gift",
                                                           "At Risk": "Call them this week"}


def test_customer_table_shows_the_top_spenders_and_offers_all():
    at = open_page(PAGE, seg_view="customers")
    assert not at.exception
    table = _table()
    shown = _shown(at, "First order")
    assert len(shown) == 1_000
    assert shown["Monetary (¥)"].tolist() == sorted(table["monetary"], reverse=True)[:1_000]
    assert f"Download all {format.count(len(table))} customers (CSV)" in {
        b.proto.label for b in at.get("download_button")}


def test_view_only_link_shows_the_settings_with_every_editor_disabled():
    query = dict(view="1", seg_bins="3", seg_r_mode="thresholds", seg_r_thr="30, 90", seg_map="tiers",
                 seg_asof="2026-09-30")
    at = open_page(PAGE, **query)
    assert not at.exception
    assert at.slider(key="seg_bins").value == 3 and at.slider(key="seg_bins").disabled
    assert at.date_input(key="seg_asof").value == dt.date(2026, 9, 30) and at.date_input(key="seg_asof").disabled
    assert at.radio(key="seg_r_mode").value == "thresholds" and at.radio(key="seg_r_mode").disabled
    assert at.text_input(key="seg_r_thr").value == "30, 90" and at.text_input(key="seg_r_thr").disabled
    assert at.selectbox(key="seg_map").disabled
    assert all(e.proto.disabled for e in at.data_editor)
    assert list(_profiles(at)) == ["Value contributors", "Potential growers", "Maintain", "Churn warning"]
    actions = open_page(PAGE, **query, seg_view="actions")
    assert all(e.proto.disabled for e in actions.data_editor) and len(actions.data_editor) == 2
    assert not actions.selectbox(key="seg_members").disabled  # downloads stay available
    assert open_page(PAGE, view="1", seg_view="clusters", seg_k="3").selectbox(key="seg_k").disabled


def test_empty_range_and_bad_link_values():
    orders = pd.DataFrame({
        "customer_id": pd.Categorical(["u1", "u2", "u1"]),
        "order_ts": pd.to_datetime(["2024-03-01 10:00", "2024-03-02 11:00", "2024-03-20 12:00"]).astype(
            "datetime64[ns]"),
        "amount": [100.0, -50.5, 20.0],
    })
    ds_id = data.store().save(Dataset(orders), "Tiny shop")
    empty = open_page(PAGE, ds=ds_id, range=["2024-03-05", "2024-03-15"])
    assert not empty.exception
    assert "No orders in the selected date range" in empty.info[0].value
    # only a refund on or before the as-of day: nothing to score, said in words
    refund_only = open_page(PAGE, ds=ds_id, range=["2024-03-02", "2024-03-20"], seg_asof="2024-03-10")
    assert not refund_only.exception
    assert "found no orders (rows with amount >= 0) on or before asof 2024-03-10" in refund_only.error[0].value
    bad = open_page(PAGE, seg_k="12", seg_view="clusters", seg_bins="9", seg_plays="[1]")
    assert not bad.exception
    assert bad.slider(key="seg_bins").value == 5  # out-of-range link value ignored
    assert bad.selectbox(key="seg_k").value == "auto"
    assert any("is not available here" in w.value for w in bad.warning)


def test_link_round_trip_reproduces_the_view():
    # settings from the link, then a map edit and a play edit made on the page ...
    query = dict(seg_bins="4", seg_f_mode="thresholds", seg_f_thr="2, 3, 6", seg_map="tiers",
                 seg_view="actions", seg_members="Churn warning")
    at = open_page(PAGE, **query)
    at.session_state["seg_grid_tiers"] = _edits({0: {"F1": "Fresh"}})  # R5 F1: Potential growers -> Fresh
    at.run()
    # segments in reading order: Value contributors, Potential growers, Fresh, Maintain, Churn warning
    at.session_state["seg_plays_editor"] = _edits({3: {"Suggested play": "Monthly newsletter"}})
    at.run()
    assert not at.exception
    link = {k: at.query_params[k] for k in at.query_params}
    assert json.loads(link["seg_grid"]) == {"R5F1": "Fresh"}
    assert json.loads(link["seg_plays"]) == {"Maintain": "Monthly newsletter"}
    # ... opened from the link in a new session: the same segments, plays and member list
    again = open_page(PAGE, **link)
    assert not again.exception
    plays = _shown(again, "Suggested play").set_index("Segment")["Suggested play"]
    assert plays["Maintain"] == "Monthly newsletter" and plays["Fresh"] == ""
    assert plays["Churn warning"] == rfm.DEFAULT_PLAYS["Churn warning"]
    assert _shown(again, "M score").equals(_shown(at, "M score"))
    assert set(_shown(again, "M score")["Segment"]) == {"Churn warning"}
    assert again.selectbox(key="seg_map").value == "tiers" and again.slider(key="seg_bins").value == 4
    tiers = rfm.apply_grid_changes(rfm.FOUR_TIER_GRID, {"R5F1": "Fresh"})
    expected = _expected(_summary(bins=4, thresholds={"frequency": [2, 3, 6]}, grid=tiers))
    shown = _shown(again, "Suggested play")
    assert dict(zip(shown["Segment"], shown["Customers"])) == expected
