"""Retention page helpers: the settings bar (every setting in the URL), cohort and offset labels, the
cohort picker, the KPI tiles and the readable tables built from ``analytics.cohort`` frames.

URL parameters: ``ret_period`` (D / W / M), ``ret_mode`` (on / on_or_after), ``ret_view`` (customers /
revenue), ``ret_basis`` (orders / activity), ``ret_offsets`` (1-24), ``ret_target_k`` (target offset),
``ret_target`` (target retention in %), ``ret_breakdown`` (none / channel / region), ``ret_cohorts``
(comma-separated cohort start dates for the curve chart), ``ret_repeat_target`` (repeat-rate target in %).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from analytics.cohort import MODES, PERIODS
from ui import format, state
from ui.download import table
from ui.text import t

VIEWS = ("customers", "revenue")
BASES = ("orders", "activity")
BREAKDOWNS = ("none", "channel", "region")
MAX_OFFSETS = 24
DEFAULT_OFFSETS = 12
DEFAULT_TARGET = 15.0  # % at offset 1: the plans' next-day retention target (D1 >= 15%)
_RATE = st.column_config.NumberColumn(format="%.1f%%")
_MONEY = st.column_config.NumberColumn(format="yen")
_COUNT = st.column_config.NumberColumn(format="localized")


@dataclass(frozen=True)
class Settings:
    """What the page shows. ``basis`` is the data actually used ("orders" in the revenue view);
    ``target`` is a share (0.15), 0 when no target is set."""

    period: str
    mode: str
    view: str
    basis: str
    offsets: int
    target_offset: int
    target: float
    breakdown: str

    @property
    def kind(self) -> str:
        """The value shown: "rate" (customers view) or "revenue"."""
        return "rate" if self.view == "customers" else "revenue"


def settings(columns: Mapping[str, Collection[str]], *, disabled: bool) -> Settings:
    """The two rows of settings. ``columns``: basis -> the columns of its table (only the bases with
    data are offered; the breakdowns are the ones the table has)."""
    top = st.container(horizontal=True, gap="medium")
    period = state.choice(top.segmented_control, t("retention.period"), PERIODS, key="ret_period",
                          default="M", format_func=lambda p: t(f"retention.period_{p}"), required=True,
                          help=t("retention.period_help"), disabled=disabled)
    mode = state.choice(top.segmented_control, t("retention.mode"), MODES, key="ret_mode", default="on",
                        format_func=lambda m: t(f"retention.mode_{m}"), required=True,
                        help=t("retention.mode_help"), disabled=disabled)
    view = state.choice(top.segmented_control, t("retention.view"), VIEWS, key="ret_view",
                        default="customers", format_func=lambda v: t(f"retention.view_{v}"), required=True,
                        help=t("retention.view_help"), disabled=disabled)
    bases = [b for b in BASES if b in columns]
    basis = state.choice(top.segmented_control, t("retention.basis"), bases, key="ret_basis",
                         default="orders", format_func=lambda b: t(f"retention.basis_{b}"), required=True,
                         help=t("retention.basis_help"), disabled=disabled or view == "revenue")
    used = "orders" if view == "revenue" else basis
    low = st.container(horizontal=True, gap="medium")
    offsets = low.slider(t("retention.offsets"), min_value=1, max_value=MAX_OFFSETS, value=DEFAULT_OFFSETS,
                         key="ret_offsets", bind="query-params", help=t("retention.offsets_help"),
                         disabled=disabled, width=220)
    target_offset = state.choice(low.selectbox, t("retention.target_offset"), range(1, offsets + 1),
                                 key="ret_target_k", default=1, parse=int,
                                 format_func=lambda k: offset_label(k, period),
                                 help=t("retention.target_offset_help"), disabled=disabled, width=130)
    target = low.number_input(t("retention.target"), min_value=0.0, max_value=100.0,
                                 value=DEFAULT_TARGET, step=1.0, format="%.1f", key="ret_target",
                                 bind="query-params", help=t("retention.target_help"),
                                 disabled=disabled, width=190)
    breakdowns = [b for b in BREAKDOWNS if b == "none" or b in columns[used]]
    breakdown = state.choice(low.selectbox, t("retention.breakdown"), breakdowns,
                             key="ret_breakdown", default="none",
                             format_func=lambda b: t(f"retention.breakdown_{b}"),
                             help=t(f"retention.breakdown_help_{used}"), disabled=disabled, width=240)
    if view == "revenue" and basis == "activity":
        st.caption(t("retention.basis_revenue_note"))
    return Settings(period, mode, view, used, offsets, target_offset, target / 100.0, breakdown)


def offset_label(k: int, period: str) -> str:
    """``1, "D"`` -> ``"D1"``."""
    return t(f"retention.offset_{period}", k=k)


def cohort_label(start: pd.Timestamp, period: str) -> str:
    """A cohort's period start as text: ``2026-01`` for months, the day for days and weeks."""
    return t(f"retention.cohort_{period}", date=start)


def pick_cohorts(cohorts: Sequence[pd.Timestamp], period: str, *, disabled: bool) -> list[pd.Timestamp]:
    """Multiselect of cohorts for the curve chart (URL ``ret_cohorts``: their start dates)."""
    names = {f"{c:%Y-%m-%d}": cohort_label(c, period) for c in cohorts}
    picked = state.choices(t("retention.pick_cohorts"), list(names), key="ret_cohorts",
                           format_func=names.get, help=t("retention.pick_cohorts_help"),
                           disabled=disabled)
    return [pd.Timestamp(p) for p in picked]


def repeat_target(*, disabled: bool) -> float:
    """The repeat-rate target input (URL ``ret_repeat_target``, %) -> a share, 0 = none."""
    value = st.number_input(t("retention.repeat_target"), min_value=0.0, max_value=100.0, value=0.0,
                            step=5.0, format="%.0f", key="ret_repeat_target", bind="query-params",
                            help=t("retention.repeat_target_help"), disabled=disabled)
    return value / 100.0


# --- figures -----------------------------------------------------------------------------------------

def _row_labels(sizes: pd.Series, period: str, average_size: int) -> list[str]:
    """Heatmap row labels: the average row, then each cohort with its size: ``2026-01 (1,234)``."""
    first = t("retention.cohort_with_size", label=t("retention.average"), size=format.count(average_size))
    return [first, *(t("retention.cohort_with_size", label=cohort_label(c, period), size=format.count(s))
                     for c, s in sizes.items())]


def below_flags(flags: pd.DataFrame, matrix: pd.DataFrame) -> list[bool]:
    """Per row of ``matrix``, whether ``flags`` (``below_target`` output) marks the cohort below target."""
    return flags.set_index("cohort")["below"].reindex(matrix.index, fill_value=False).to_list()


def heatmap_note(s: Settings) -> str:
    """The caption under the heatmap: rows, blank cells and the target marking."""
    if s.target <= 0:
        return t("retention.heatmap_note", marker=t("retention.no_target"))
    marker = t("retention.heatmap_marker", offset=offset_label(s.target_offset, s.period),
               target=format.pct(s.target))
    if s.kind == "rate":
        marker = f"{marker} {t('retention.heatmap_outline')}"
    return t("retention.heatmap_note", marker=marker)


def curve_target(s: Settings) -> tuple[str, float, str] | None:
    """The target drawn on the retention curves: (offset label, share, legend text); None without a
    target or in the revenue view."""
    if s.target <= 0 or s.kind != "rate":
        return None
    offset = offset_label(s.target_offset, s.period)
    return offset, s.target, t("retention.target_line", offset=offset, target=format.pct(s.target))


def heatmap_values(matrix: pd.DataFrame, average: pd.Series, period: str) -> pd.DataFrame:
    """The heatmap's values: the average row on top, then one row per cohort of ``matrix``
    (``retention_matrix`` output); index = row labels, columns = offset labels."""
    offsets = [c for c in matrix.columns if c != "size"]
    values = np.vstack([average.reindex(offsets).to_numpy(dtype=np.float64),
                        matrix[offsets].to_numpy(dtype=np.float64)])
    customers = int(matrix["size"].sum())
    return pd.DataFrame(values, index=_row_labels(matrix["size"], period, customers),
                        columns=[offset_label(k, period) for k in offsets])


def curve_lines(average: pd.Series, matrix: pd.DataFrame, picked: Sequence[pd.Timestamp], period: str, *,
                skip_zero: bool) -> pd.DataFrame:
    """Lines for the curve chart: the average (``average``: offset -> value) and the ``picked`` cohorts
    of ``matrix``, long (line, offset label, value); offset 0 left out when ``skip_zero``."""
    offsets = [c for c in matrix.columns if c != "size" and not (skip_zero and c == 0)]
    series = {t("retention.average_line"): average.reindex(offsets)}
    series |= {cohort_label(c, period): matrix.loc[c, offsets] for c in picked if c in matrix.index}
    return _long_lines(series, offsets, period)


def group_lines(curves: pd.DataFrame, by: str, value: str, period: str, *, skip_zero: bool) -> pd.DataFrame:
    """Lines per ``by`` value from an ``average_curve`` / ``average_revenue_curve`` frame with ``by``."""
    table = curves.pivot(index=by, columns="offset", values=value)
    offsets = [c for c in table.columns if not (skip_zero and c == 0)]
    return _long_lines({name: row for name, row in table[offsets].iterrows()}, offsets, period)


def _long_lines(series: Mapping[str, pd.Series], offsets: Sequence[int], period: str) -> pd.DataFrame:
    labels = [offset_label(k, period) for k in offsets]
    return pd.DataFrame({
        "line": np.repeat(list(series), len(offsets)),
        "offset": labels * len(series),
        "value": np.concatenate([s.to_numpy(dtype=np.float64) for s in series.values()])
        if series else np.array([], dtype=np.float64),
    })


# --- tiles -------------------------------------------------------------------------------------------

def tiles(s: Settings, curve: pd.DataFrame, flags: pd.DataFrame, ltv: pd.DataFrame | None) -> None:
    """KPI tiles: new customers, cohorts, average retention at the target offset (gap to the target
    as the delta), cohorts below target and, in the revenue view, revenue per customer by the last
    offset any shown cohort has reached."""
    offset = offset_label(s.target_offset, s.period)
    cells = st.columns(5 if ltv is not None else 4)
    customers = int(flags["size"].sum())
    who = "customers" if s.basis == "orders" else "users"
    cells[0].metric(t(f"retention.metric_{who}"), format.count(customers),
                    help=t(f"retention.metric_{who}_help"))
    cells[1].metric(t("retention.metric_cohorts"), format.count(len(flags)),
                    help=t("retention.metric_cohorts_help"))
    at = curve.loc[curve["offset"] == s.target_offset, "rate"]
    rate = float(at.iloc[0]) if len(at) else float("nan")
    gap = t("retention.metric_gap", gap=(rate - s.target) * 100) if s.target > 0 and np.isfinite(rate) \
        else None
    cells[2].metric(t("retention.metric_average", offset=offset), format.pct(rate), gap,
                    help=t("retention.metric_average_help", offset=offset))
    judged = int(flags["rate"].notna().sum())
    below = t("retention.metric_below_value", below=int(flags["below"].sum()), judged=judged) \
        if s.target > 0 else "—"
    cells[3].metric(t("retention.metric_below"), below,
                    help=t("retention.metric_below_help", offset=offset))
    if ltv is not None:
        reached = ltv[ltv["customers"] > 0]
        last = reached.iloc[-1]
        label = offset_label(int(last["offset"]), s.period)
        cells[4].metric(t("retention.metric_ltv", offset=label), format.money(last["revenue_per_customer"]),
                        help=t("retention.metric_ltv_help", offset=label))


# --- tables ------------------------------------------------------------------------------------------

def matrix_table(matrix: pd.DataFrame, average: pd.Series, flags: pd.DataFrame, s: Settings) -> pd.DataFrame:
    """The cohort table for people and the CSV: cohort, customers, below target, then one column per
    offset (retention in %, or revenue per customer); the weighted average as the first row."""
    offsets = [c for c in matrix.columns if c != "size"]
    scale = 100.0 if s.kind == "rate" else 1.0
    below = np.array(below_flags(flags, matrix), dtype=object)
    head = pd.DataFrame({t("retention.col_cohort"): [t("retention.average")],
                         t("retention.col_customers"): [int(matrix["size"].sum())],
                         t("retention.col_below"): [None]})
    body = pd.DataFrame({t("retention.col_cohort"): [cohort_label(c, s.period) for c in matrix.index],
                         t("retention.col_customers"): matrix["size"].to_numpy(),
                         t("retention.col_below"): below if s.target > 0 else None})
    values = np.vstack([average.reindex(offsets).to_numpy(dtype=np.float64),
                        matrix[offsets].to_numpy(dtype=np.float64)]) * scale
    cells = pd.DataFrame(values.round(2), columns=[offset_label(k, s.period) for k in offsets])
    return pd.concat([pd.concat([head, body], ignore_index=True), cells], axis=1)


def average_table(curve: pd.DataFrame, ltv: pd.DataFrame | None, s: Settings) -> pd.DataFrame:
    """The average curve per offset: customers observed and active with the rate (%), or revenue and
    revenue per customer in the revenue view."""
    label = [offset_label(k, s.period) for k in curve["offset"]]
    if s.kind == "rate":
        return pd.DataFrame({t("retention.col_offset"): label,
                             t("retention.col_observed"): curve["customers"].to_numpy(),
                             t("retention.col_active"): curve["active"].to_numpy(),
                             t("retention.col_rate"): (curve["rate"] * 100).round(2).to_numpy()})
    return pd.DataFrame({t("retention.col_offset"): label,
                         t("retention.col_observed"): ltv["customers"].to_numpy(),
                         t("retention.col_revenue"): ltv["revenue"].round(2).to_numpy(),
                         t("retention.col_per_customer"): ltv["revenue_per_customer"].round(2).to_numpy()})


def group_table(curves: pd.DataFrame, by: str, value: str, s: Settings) -> pd.DataFrame:
    """Average curve per ``by`` value: group, customers (offset 0), one column per offset."""
    table = curves.pivot(index=by, columns="offset", values=value) * (100.0 if value == "rate" else 1.0)
    sizes = curves.loc[curves["offset"] == 0].set_index(by)["customers"].reindex(table.index)
    out = pd.DataFrame({t("retention.col_group"): [str(g) for g in table.index],
                        t("retention.col_customers"): sizes.to_numpy()})
    cells = pd.DataFrame(table.round(2).to_numpy(),
                         columns=[offset_label(k, s.period) for k in table.columns])
    return pd.concat([out, cells], axis=1)


def repeat_table(repeat: pd.DataFrame) -> pd.DataFrame:
    """The repeat-rate frame for people: window, eligible, repeaters, rate (%)."""
    windows = [t("retention.repeat_window", days=d) for d in repeat["days"]]
    return pd.DataFrame({t("retention.col_window"): windows,
                         t("retention.col_eligible"): repeat["eligible"].to_numpy(),
                         t("retention.col_repeaters"): repeat["repeaters"].to_numpy(),
                         t("retention.col_repeat_rate"): (repeat["rate"] * 100).round(2).to_numpy()})


def show_table(frame: pd.DataFrame, file_name: str, *, key: str, kind: str = "rate") -> None:
    """``frame`` (built above) as a read-only table with its CSV download: counts with thousands
    separators, the value columns (offsets, rates, revenue) as % (``kind="rate"``) or ¥."""
    text = {t(f"retention.col_{c}") for c in ("cohort", "below", "offset", "group", "window")}
    counts = {t(f"retention.col_{c}") for c in ("customers", "observed", "active", "eligible", "repeaters")}
    money = {t("retention.col_revenue"), t("retention.col_per_customer")}
    config = {c: _COUNT if c in counts else _MONEY if c in money or kind == "revenue" else _RATE
              for c in frame.columns if c not in text}
    table(frame, file_name, key=key, config=config)
