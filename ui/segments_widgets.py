"""Segments page helpers: the score settings (quantiles or typed thresholds), the editable segment map and
suggested plays kept in the URL, and the tables and downloads built from ``analytics.rfm`` frames.

URL parameters: ``seg_asof``, ``seg_bins``, ``seg_<r|f|m>_thr`` (bound widgets); ``seg_<r|f|m>_mode``,
``seg_map``, ``seg_view``, ``seg_k``, ``seg_members``, ``seg_cluster`` (ui.state.choice); ``seg_grid``
(JSON of the map cells that differ from the preset, e.g. ``{"R5F1":"Newcomers"}``) and ``seg_plays``
(JSON of the plays that differ from the default plays), both only present when something changed.

Segment and cluster names stay English in the analytics frames and in the URL (links work in every
language); they are shown through ``ui.text.name``, and a name typed in the map in any language (e.g.
"冠军客户") is read back as the English name it shows (``ui.text.english_name``).
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence

import numpy as np
import pandas as pd
import streamlit as st

from analytics import rfm
from analytics.errors import AnalyticsInputError
from ui import format, state
from ui.download import csv_button, table
from ui.text import current_lang, english_name, name, play, t

PRESETS = {"rfm": rfm.DEFAULT_GRID, "tiers": rfm.FOUR_TIER_GRID}
MODES = ("quantile", "thresholds")
SHORT = {"recency_days": "r", "frequency": "f", "monetary": "m"}
GRID_PARAM, PLAYS_PARAM = "seg_grid", "seg_plays"
PLAYS_EDITOR = "seg_plays_editor"
_EDITORS_LANG = "seg_editors_lang"  # session key: the language the editors were last drawn in
PREVIEW_ROWS = 20  # members shown above their download
TABLE_ROWS = 1_000  # customers shown in the customer table

_MONEY = st.column_config.NumberColumn(format="yen")
_SHARE = st.column_config.NumberColumn(format="percent")
_NUMBER = st.column_config.NumberColumn(format="%.1f")
_COUNT = st.column_config.NumberColumn(format="localized")
_CONFIG = {  # how each analytics column is shown
    "customers": _COUNT,
    **dict.fromkeys(("gmv", "median_monetary", "aov", "monetary", "avg_monetary"), _MONEY),
    **dict.fromkeys(("share_customers", "share_gmv"), _SHARE),
    **dict.fromkeys(("median_recency_days", "median_frequency", "median_days_since_first_order"), _NUMBER),
}
_DIGITS = {"gmv": 2, "median_monetary": 2, "aov": 2, "monetary": 2, "avg_monetary": 2,
           "share_customers": 4, "share_gmv": 4}  # decimals kept in CSV downloads
MEMBER_COLUMNS = ("customer_id", "recency_days", "frequency", "monetary", "r_score", "f_score", "m_score",
                  "segment")


# --- URL state --------------------------------------------------------------------------------------

def _linked(param: str, label: str) -> dict[str, str]:
    """The {text: text} JSON object in URL ``param`` ({} when absent); a malformed one warns and is dropped."""
    raw = st.query_params.get(param)
    if raw is None:
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if isinstance(value, dict) and all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return value
    st.warning(t("common.bad_link_value", label=label))
    st.query_params.pop(param, None)
    return {}


def _write_linked(param: str, changes: dict[str, str]) -> None:
    """Keep ``changes`` in URL ``param`` as compact JSON, or drop the parameter when there are none."""
    text = json.dumps(changes, ensure_ascii=False, separators=(",", ":"))
    if not changes:
        st.query_params.pop(param, None)
    elif st.query_params.get(param) != text:
        st.query_params[param] = text


# --- score settings ---------------------------------------------------------------------------------

def _edges_text(edges: Sequence[float]) -> str:
    """[16.0, 121.78999, inf] -> "16, 121.79, ∞" (at most two decimals, as typed)."""
    return ", ".join(f"{e:.2f}".rstrip("0").rstrip(".") if math.isfinite(e) else ("∞" if e > 0 else "-∞")
                     for e in edges)


def threshold_inputs(bins: int, quantiles: dict, *, disabled: bool) -> dict[str, list[float]]:
    """Per dimension: quantiles or typed thresholds (URL ``seg_<r|f|m>_mode`` and ``seg_<r|f|m>_thr``).

    ``quantiles``: the quantile edges of every dimension (rfm.score_edges). They are shown in an empty
    box, and switching a dimension to thresholds while its box is empty fills the box with them (made
    strictly increasing) as a starting point. Unusable text shows an error and that dimension keeps its
    quantile edges. Returns {dimension: edges} of the valid thresholds.
    """
    thresholds = {}
    for column, dim in zip(st.columns(3), rfm.DIMENSIONS):
        short = SHORT[dim]
        with column:
            mode = state.choice(st.radio, t(f"segments.dim_{dim}"), MODES, key=f"seg_{short}_mode",
                                default="quantile", format_func=lambda m: t(f"segments.mode_{m}"),
                                horizontal=True, disabled=disabled)
            key = f"seg_{short}_thr"
            if mode == "thresholds" and not st.session_state.get(key) and not st.query_params.get(key):
                st.session_state[key] = _edges_text(rfm.editable_edges(quantiles[dim], dimension=dim))
            now = t("segments.thresholds_placeholder", edges=_edges_text(quantiles[dim]))
            text = st.text_input(t("segments.thresholds", count=bins - 1), key=key, bind="query-params",
                                 disabled=disabled or mode == "quantile", placeholder=now,
                                 help=t(f"segments.thresholds_help_{dim}"))
            if mode == "thresholds":
                try:
                    thresholds[dim] = rfm.parse_edges(text, bins=bins, dimension=dim)
                except AnalyticsInputError as exc:
                    st.error(t("segments.bad_thresholds", dimension=t(f"segments.short_{dim}"), error=exc))
    return thresholds


def _band_text(row, dim: str) -> str:
    """One score band as text: "31–60", "≤ 30", "≥ 8", "¥100.00 to < ¥250.00", "— (nobody)"."""
    if row.empty:
        return t("segments.band_empty")
    if dim == "monetary":
        if math.isinf(row.low):
            return t("segments.band_under", high=format.money(row.high))
        if math.isinf(row.high):
            return t("segments.band_at_least", low=format.money(row.low))
        return t("segments.band_from_under", low=format.money(row.low), high=format.money(row.high))
    low, high = format.count(row.low), format.count(row.high)
    if math.isinf(row.high):
        return t("segments.band_at_least", low=low)
    if row.low == row.high:
        return low
    if row.low == (0 if dim == "recency_days" else 1):
        return t("segments.band_at_most", high=high)
    return t("segments.band_range", low=low, high=high)


def bands_table(edges: dict, bins: int) -> pd.DataFrame:
    """The score bands of ``edges`` (rfm.score_bands) as text: one row per score, one column per dimension."""
    bands = rfm.score_bands(edges, bins=bins)
    out = {t("segments.col_band_score"): np.arange(bins, 0, -1)}
    for dim in rfm.DIMENSIONS:
        rows = bands[bands["dimension"] == dim]
        out[t(f"segments.col_band_{dim}")] = [_band_text(row, dim) for row in rows.itertuples()]
    return pd.DataFrame(out)


def mode_caption(thresholds: dict) -> dict[str, str]:
    """{"r": ..., "f": ..., "m": ...}: "quantiles" or "your thresholds" per dimension, for the caption."""
    return {SHORT[dim]: t(f"segments.mode_caption_{'thresholds' if dim in thresholds else 'quantile'}")
            for dim in rfm.DIMENSIONS}


# --- segment map ------------------------------------------------------------------------------------

def preset_picker(column, *, disabled: bool) -> str:
    """The segment-map preset (URL ``seg_map``); switching it drops the cell edits."""
    return state.choice(column.selectbox, t("segments.preset"), tuple(PRESETS), key="seg_map", default="rfm",
                        format_func=lambda p: t(f"segments.preset_{p}"), help=t("segments.preset_help"),
                        disabled=disabled, on_change=_forget_grid_edits)


def _forget_grid_edits() -> None:
    st.query_params.pop(GRID_PARAM, None)
    for preset in PRESETS:
        st.session_state.pop(_editor_key(preset), None)


def _editor_key(preset: str) -> str:
    return f"seg_grid_{preset}"


def _reset_editors_on_language_change() -> None:
    """Drop the cell edits of the map and plays editors when the language changed since the last run (the
    map editor, drawn on every run before the plays editor, calls this): their edits are all in the URL,
    so they come back, shown in the new language."""
    lang = current_lang()
    if st.session_state.get(_EDITORS_LANG, lang) != lang:
        for key in (*map(_editor_key, PRESETS), PLAYS_EDITOR):
            st.session_state.pop(key, None)
    st.session_state[_EDITORS_LANG] = lang


def grid_editor(preset: str, bins: int, *, disabled: bool) -> pd.DataFrame:
    """The editable R x F map of ``preset`` with the link's cell edits (URL ``seg_grid``); returns the grid.

    A cell left empty shows an error and keeps the last valid map. Cells are shown in the session's
    language; a typed name that is a known segment's name in any language means that segment.
    """
    _reset_editors_on_language_change()
    base = PRESETS[preset]
    linked = _linked(GRID_PARAM, t("segments.preset"))
    try:
        shown = rfm.apply_grid_changes(base, linked)
    except AnalyticsInputError:
        st.warning(t("common.bad_link_value", label=t("segments.preset")))
        linked, shown = {}, base.copy()
    st.caption(t("segments.grid_note"))
    if bins != len(base):
        st.caption(t(f"segments.grid_bins_note_{bins}"))
    config = {c: st.column_config.TextColumn(c, required=True) for c in shown.columns}
    edited = st.data_editor(shown.map(name), key=_editor_key(preset), disabled=disabled, column_config=config)
    try:
        changes = rfm.grid_changes(edited.map(lambda v: english_name(v) if isinstance(v, str) else v),
                                   base=base)
    except AnalyticsInputError as exc:
        st.error(t("common.input_error", message=exc))
        changes = linked
    _write_linked(GRID_PARAM, changes)
    if changes:
        left, right = st.columns([3, 1], vertical_alignment="center")
        left.caption(t("segments.grid_changed", count=len(changes)))
        right.button(t("segments.grid_reset"), on_click=_forget_grid_edits, disabled=disabled,
                     key="seg_grid_reset")
    return rfm.apply_grid_changes(base, changes)


# --- plays ------------------------------------------------------------------------------------------

def plays(names: Sequence[str]) -> dict[str, str]:
    """The suggested play of each segment: the link's edits (URL ``seg_plays``) over the default plays
    (rfm.DEFAULT_PLAYS in the session's language, ``ui.text.play``)."""
    linked = _linked(PLAYS_PARAM, t("segments.col_play"))
    return {n: linked.get(n, play(n)) for n in names}


def plays_editor(summary: pd.DataFrame, *, disabled: bool) -> dict[str, str]:
    """The plays as an editable table next to each segment's size; edits go to URL ``seg_plays`` (plays of
    segments not on the current map stay there). Returns {segment: play}."""
    names = [str(n) for n in summary["segment"]]
    current = plays(names)
    frame = summary[["segment", "customers", "share_gmv"]].assign(
        segment=names, play=[current[n] for n in names])
    shown, config = display(frame)
    play_col = t("segments.col_play")
    config[play_col] = st.column_config.TextColumn(play_col, width="large")
    edited = st.data_editor(shown, key=PLAYS_EDITOR, hide_index=True, column_config=config,
                            disabled=True if disabled else [c for c in shown.columns if c != play_col])
    new = {n: (p or "").strip() for n, p in zip(names, edited[play_col])}
    kept = {n: p for n, p in _linked(PLAYS_PARAM, play_col).items() if n not in new}
    _write_linked(PLAYS_PARAM, kept | {n: p for n, p in new.items() if p != play(n)})
    return new


# --- tables and downloads ---------------------------------------------------------------------------

def display(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """``frame`` with readable column names and its segment / cluster names in the session's language, and
    the matching st.dataframe column_config."""
    names = {c: t(f"segments.col_{c}") for c in frame.columns}
    config = {names[c]: _CONFIG[c] for c in frame.columns if c in _CONFIG}
    shown = frame.assign(**{c: _names(frame[c]) for c in ("segment", "cluster_name") if c in frame.columns})
    shown = shown.rename(columns=names)
    shown.attrs = {}  # asof / bins / edges are not table content
    return shown, config


def _names(values: pd.Series) -> pd.Series:
    """Segment / cluster names in the session's language: one lookup per distinct name, not per row."""
    return values.map({v: name(v) for v in values.dropna().unique()})


def show_table(frame: pd.DataFrame, file_name: str, *, key: str) -> None:
    """``frame`` as a readable table with its CSV download (money to cents, shares to 4 decimals)."""
    shown, config = display(frame)
    table(shown, file_name, key=key, config=config,
          csv=lambda: display(frame.round({c: d for c, d in _DIGITS.items() if c in frame.columns}))[0])


def summary_with_plays(summary: pd.DataFrame) -> pd.DataFrame:
    """segment_summary output plus each segment's suggested play."""
    current = plays([str(n) for n in summary["segment"]])
    return summary.assign(segment=summary["segment"].astype(str),
                          play=[current[str(n)] for n in summary["segment"]])


def concentration_table(concentration: pd.DataFrame) -> pd.DataFrame:
    """gmv_concentration output as display text: top share, customers, their GMV and share of GMV."""
    return pd.DataFrame({
        t("segments.col_top_share"): [format.pct(x, 0) for x in concentration["top_share"]],
        t("segments.col_top_customers"): [format.count(x) for x in concentration["customers"]],
        t("segments.col_top_gmv"): [format.money(x) for x in concentration["gmv"]],
        t("segments.col_top_share_gmv"): [format.pct(x) for x in concentration["share_gmv"]],
    })


def overlap_table(overlap: pd.DataFrame) -> pd.DataFrame:
    """rfm.segment_overlap output with the cluster names as the first column, names in the session's
    language."""
    out = overlap.set_axis([name(c) for c in overlap.columns], axis=1)
    out.insert(0, t("segments.col_cluster_name"), [name(c) for c in overlap.index])
    return out.reset_index(drop=True)


def members_of(frame: pd.DataFrame, column: str, value) -> pd.DataFrame:
    """The rows of ``frame`` whose ``column`` equals ``value``, highest net spend first, with the member
    columns (customer id, R, F, M, scores, segment, and the cluster when ``frame`` has one)."""
    columns = [*MEMBER_COLUMNS, *(c for c in ("cluster_name",) if c in frame.columns)]
    rows = np.flatnonzero((frame[column] == value).to_numpy())
    members = frame[columns].take(rows)
    order = np.argsort(-members["monetary"].to_numpy(), kind="stable")
    return members.take(order).reset_index(drop=True)


def top_by_monetary(frame: pd.DataFrame, count: int) -> pd.DataFrame:
    """The ``count`` rows with the highest net spend, highest first (ties in table order)."""
    return frame.nlargest(count, "monetary", keep="first").reset_index(drop=True)


def lazy_csv_button(frame: pd.DataFrame, file_name: str, *, label: str, key: str) -> None:
    """A download of ``frame`` (readable column names, formula-safe) whose CSV is only built when clicked,
    so member lists of millions of customers cost nothing on a rerun."""
    csv_button(lambda: display(frame.round({"monetary": 2}))[0], file_name, key=key, label=label)
