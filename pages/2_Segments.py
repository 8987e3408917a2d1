"""Segments page: RFM scores with quantile or typed thresholds, the editable R x F segment map (or the
plan's four tiers), GMV concentration, the R x F heatmap, k-means clusters, suggested plays and member
lists. Three cached stages: the RFM table (heavy; ui.compute, in memory or pushed down to a live SQL data
set's database), the scores (per bins and thresholds) and the segments (per map), so a threshold or map
change never recomputes the RFM table."""

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import clusters, rfm
from analytics.errors import AnalyticsInputError
from ui import compute, format, state
from ui import segments_widgets as sw
from ui.charts import segments as charts
from ui.download import csv_button
from ui.report import report_button
from ui.sidebar import page_setup
from ui.text import name, t

VIEWS = ("segments", "heatmap", "clusters", "actions", "customers")
K_OPTIONS = ("auto", *(str(k) for k in clusters.AUTO_KS))

active = page_setup("segments.title")
locked = active.view_only


@st.cache_data(max_entries=32, show_spinner=False)
def _scores(ds_id: str, start: dt.date, end: dt.date, asof: dt.date | None, bins: int, thresholds: tuple,
            _table: pd.DataFrame):
    """Stage 2: the r/f/m scores of the stage-1 customers (same rows) for ``bins`` and ``thresholds``
    ((dimension, edges), ...), the edges used and the R x F heatmap. Only the score columns are cached:
    pickling the customer ids again on every threshold change would cost more than scoring."""
    scored = rfm.score(_table, bins=bins, thresholds=dict(thresholds))
    return scored[list(rfm.SCORE_COLUMNS.values())], scored.attrs["edges"], rfm.rf_heatmap(scored)


@st.cache_data(max_entries=32, show_spinner=False)
def _quantile_edges(ds_id: str, start: dt.date, end: dt.date, asof: dt.date | None, bins: int,
                    _table: pd.DataFrame) -> dict:
    """The quantile score edges of the stage-1 table for ``bins``: shown next to the threshold inputs."""
    return rfm.score_edges(_table, bins=bins)


@st.cache_data(max_entries=32, show_spinner=False)
def _segments(ds_id: str, start: dt.date, end: dt.date, asof: dt.date | None, bins: int, thresholds: tuple,
              grid_cells: tuple, _scored: pd.DataFrame, _heat: pd.DataFrame, _grid: pd.DataFrame):
    """Stage 3 (cheapest): the segment of every stage-2 customer on the map ``_grid`` (``grid_cells`` is
    its content, the cache key), the segment summary and the heatmap cells with their segment."""
    segments = rfm.segment(_scored, grid=_grid, bins=bins)["segment"]
    summary = rfm.segment_summary(_scored.assign(segment=segments))
    return segments, summary, rfm.segment(_heat, grid=_grid, bins=bins)


@st.cache_data(max_entries=16, show_spinner=False)
def _clusters(ds_id: str, start: dt.date, end: dt.date, asof: dt.date | None, k: str, _table: pd.DataFrame):
    """k-means clusters of the stage-1 customers (``k`` "auto" or "3".."8"): their ``cluster`` and
    ``cluster_name`` columns (same rows; attrs k, silhouette, silhouette_by_k) and the cluster summary."""
    clustered = clusters.cluster(_table, k=k if k == "auto" else int(k))
    return clustered[["cluster", "cluster_name"]], rfm.segment_summary(clustered, by="cluster_name")


st.markdown(t("segments.intro"))
if compute.empty_in_range(active, "orders"):
    st.info(t("segments.no_orders"))
    st.stop()

top = st.columns([1, 1, 2])
asof = top[0].date_input(t("segments.asof"), value=None, min_value=active.start, max_value=active.end,
                         key="seg_asof", bind="query-params", disabled=locked, help=t("segments.asof_help"),
                         format="YYYY-MM-DD")
bins = top[1].slider(t("segments.bins"), min_value=3, max_value=5, value=5, key="seg_bins",
                     bind="query-params", disabled=locked, help=t("segments.bins_help"))
preset = sw.preset_picker(top[2], disabled=locked)

try:
    with st.spinner(t("common.computing")):
        table, concentration = compute.rfm_table(active, asof)
except AnalyticsInputError as exc:
    st.error(t("common.input_error", message=exc))
    st.stop()
key = (active.ds_id, active.start, active.end, asof)
caption = st.empty()

with st.expander(t("segments.scores_title")):
    st.caption(t("segments.scores_note", bins=bins))
    thresholds = sw.threshold_inputs(bins, _quantile_edges(*key, bins, table), disabled=locked)
    threshold_key = tuple((dim, tuple(edges)) for dim, edges in thresholds.items())
    with st.spinner(t("common.computing")):
        scores, edges, heat = _scores(*key, bins, threshold_key, table)
    scored = table.assign(**{column: scores[column] for column in scores.columns})
    st.caption(t("segments.bands_title"))
    bands = sw.bands_table(edges, bins)
    st.dataframe(bands, hide_index=True, key="bands")
    csv_button(bands, "score_bands.csv", key="dl_bands")

with st.expander(t("segments.grid_title")):
    grid = sw.grid_editor(preset, bins, disabled=locked)
grid_cells = tuple(map(tuple, grid.to_numpy()))
with st.spinner(t("common.computing")):
    segments, summary, heat_cells = _segments(*key, bins, threshold_key, grid_cells, scored, heat, grid)
segmented = scored.assign(segment=segments)

caption.caption(t("segments.caption", asof=table.attrs["asof"].date(), customers=format.count(len(table)),
                  **sw.mode_caption(thresholds)))
tiles = st.columns([1, 1.3, 1, 1, 1])  # GMV in 万 ("¥2,996.63万") needs the room
tiles[0].metric(t("segments.tile_customers"), format.count(len(table)), help=t("segments.tile_customers_help"))
tiles[1].metric(t("segments.tile_gmv"), format.money(float(table["monetary"].sum())),
                help=t("segments.tile_gmv_help"))
for column, row in zip(tiles[2:], concentration.itertuples()):
    pct = format.pct(row.top_share, 0)
    column.metric(t("segments.tile_top", pct=pct), format.pct(row.share_gmv),
                  help=t("segments.tile_top_help", count=format.count(row.customers), pct=pct))

view = state.choice(st.segmented_control, t("segments.view"), VIEWS, key="seg_view", default="segments",
                    format_func=lambda v: t(f"segments.view_{v}"), required=True, label_visibility="collapsed")
profiles = sw.summary_with_plays(summary)
sizes, shares = charts.segment_sizes(summary), charts.share_comparison(summary)
heatmap = charts.rf_heatmap(heat_cells)
figures = [sizes, shares, heatmap]
tables = [(t("segments.profiles"), sw.display(profiles)[0]),
          (t("segments.concentration_table"), sw.concentration_table(concentration)),
          (t("segments.bands_title"), bands)]

if view == "segments":
    left, right = st.columns(2)
    left.plotly_chart(sizes, key="sizes")
    right.plotly_chart(shares, key="shares")
    st.subheader(t("segments.profiles"))
    st.caption(t("segments.profiles_note"))
    sw.show_table(profiles, "segment_profiles.csv", key="profiles")
    with st.expander(t("segments.concentration_table")):
        st.dataframe(tables[1][1], hide_index=True, key="concentration")
        csv_button(tables[1][1], "gmv_concentration.csv", key="dl_concentration")

elif view == "heatmap":
    st.plotly_chart(heatmap, key="heatmap")
    with st.expander(t("segments.heatmap_table")):
        sw.show_table(heat_cells, "rf_heatmap.csv", key="heat_cells")

elif view == "clusters":
    k = state.choice(st.selectbox, t("segments.k"), K_OPTIONS, key="seg_k", default="auto",
                     format_func=lambda v: t("segments.k_auto") if v == "auto" else v,
                     help=t("segments.k_help"), disabled=locked)
    try:
        with st.spinner(t("common.computing")):
            labels, cluster_summary = _clusters(*key, k, table)
    except AnalyticsInputError as exc:
        st.error(t("common.input_error", message=exc))
        st.stop()
    clustered = segmented.assign(cluster=labels["cluster"], cluster_name=labels["cluster_name"])
    clustered.attrs = labels.attrs
    info = st.columns([1, 1, 3])
    info[0].metric(t("segments.clusters_k"), clustered.attrs["k"],
                   help=t("segments.clusters_k_auto") if k == "auto" else None)
    info[1].metric(t("segments.silhouette"), f"{clustered.attrs['silhouette']:.2f}",
                   help=t("segments.silhouette_help"))
    if "silhouette_by_k" in clustered.attrs:
        with info[2]:
            st.plotly_chart(charts.silhouette_by_k(clustered.attrs["silhouette_by_k"], clustered.attrs["k"]),
                            key="silhouette")
    scatter = charts.cluster_scatter(clustered)
    figures.append(scatter)
    st.plotly_chart(scatter, key="scatter")
    st.caption(t("segments.scatter_note"))
    st.subheader(t("segments.cluster_profiles"))
    sw.show_table(cluster_summary.assign(cluster_name=cluster_summary["cluster_name"].astype(str)),
                  "cluster_profiles.csv", key="cluster_profiles")
    st.subheader(t("segments.compare_title"))
    st.caption(t("segments.compare_note"))
    overlap = sw.overlap_table(rfm.segment_overlap(clustered))
    st.dataframe(overlap, hide_index=True, key="overlap")
    csv_button(overlap, "clusters_vs_segments.csv", key="dl_overlap")
    tables.append((t("segments.cluster_profiles"), sw.display(cluster_summary)[0]))
    st.subheader(t("segments.members_title"))
    ids = list(range(clustered.attrs["k"]))
    names = clustered["cluster_name"].cat.categories
    picked = state.choice(st.selectbox, t("segments.cluster_members"), ids, key="seg_cluster", default=0,
                          parse=int, format_func=lambda i: name(names[i]))
    members = sw.members_of(clustered, "cluster", picked)
    st.caption(t("segments.members_preview", count=min(sw.PREVIEW_ROWS, len(members))))
    shown, config = sw.display(members.head(sw.PREVIEW_ROWS))
    st.dataframe(shown, hide_index=True, column_config=config, key="cluster_preview")
    sw.lazy_csv_button(members, f"cluster_{picked}_members.csv", key="dl_cluster_members",
                       label=t("segments.members_download", count=format.count(len(members))))

elif view == "actions":
    st.subheader(t("segments.plays_title"))
    st.caption(t("segments.plays_note"))
    sw.plays_editor(summary, disabled=locked)
    st.subheader(t("segments.members_title"))
    names = [str(n) for n in summary["segment"]]
    picked = state.choice(st.selectbox, t("segments.members_pick"), names, key="seg_members", default=names[0],
                          format_func=name)
    members = sw.members_of(segmented, "segment", picked)
    st.caption(t("segments.members_preview", count=min(sw.PREVIEW_ROWS, len(members))))
    shown, config = sw.display(members.head(sw.PREVIEW_ROWS))
    st.dataframe(shown, hide_index=True, column_config=config, key="members_preview")
    sw.lazy_csv_button(members, "segment_members.csv", key="dl_members",
                       label=t("segments.members_download", count=format.count(len(members))))

else:
    top_rows = sw.top_by_monetary(segmented, sw.TABLE_ROWS)
    st.caption(t("segments.table_note", shown=format.count(len(top_rows)), total=format.count(len(segmented))))
    shown, config = sw.display(top_rows)
    st.dataframe(shown, hide_index=True, column_config=config, key="customers")
    sw.lazy_csv_button(segmented, "rfm_customers.csv", key="dl_customers",
                       label=t("segments.download_all", count=format.count(len(segmented))))

report_button(t("segments.title"), active, figures=figures, tables=tables, key="segments_report")
