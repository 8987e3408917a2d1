"""Channels page helpers: the settings bar (every setting in the URL), the channel flags and the readable
tables built from ``analytics.channels`` frames.

URL parameters: ``ch_model`` (``orders`` = last touch by the order's own channel, or one of the
multi-touch models of ``analytics.attribution.MODELS``), ``ch_lookback`` and ``ch_half_life`` (whole
days), ``ch_ltv`` (LTV horizon: 30 / 90 / 180 / 365 days), ``ch_threshold`` (LTV/CAC threshold),
``ch_trend`` (comma-separated channels of the trend chart).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from analytics.channels import MODELS
from ui import state
from ui.download import table
from ui.text import t

ORDER_CHANNEL = "orders"  # last touch by orders.channel: needs no events
LTV_HORIZONS = (30, 90, 180, 365)
DEFAULT_LTV = 180
DEFAULT_LOOKBACK = 30
DEFAULT_HALF_LIFE = 7
DEFAULT_THRESHOLD = 3.0  # the plans' LTV/CAC >= 3
TREND_CHANNELS = 8  # channels drawn in the trend chart until the user picks others
_MONEY = st.column_config.NumberColumn(format="yen")
_COUNT = st.column_config.NumberColumn(format="localized")
_RATIO = st.column_config.NumberColumn(format="%.2f")
_DAYS = st.column_config.NumberColumn(format="%d")
_FLAGS = st.column_config.TextColumn(width=150)  # fits "review: CAC > LTV/3"
_SHARE = st.column_config.NumberColumn(format="%.1f%%")


@dataclass(frozen=True)
class Settings:
    """What the page shows. ``lookback`` / ``half_life`` are whole days; ``multi_touch`` says whether the
    events carry a channel (else only ``model == ORDER_CHANNEL`` is possible)."""

    model: str
    lookback: int
    half_life: int
    ltv_days: int
    threshold: float
    multi_touch: bool

    def credit_key(self) -> tuple[str, int | None, int | None]:
        """(model, lookback, half_life) with the values the model does not use set to None, so that a
        change of an unused setting does not recompute the attribution."""
        if self.model == ORDER_CHANNEL:
            return self.model, None, None
        return self.model, self.lookback, self.half_life if self.model == "time_decay" else None


def model_label(model: str) -> str:
    """``"position_based"`` -> ``"Position-based (40/20/40)"``."""
    return t(f"channels.model_{model}")


def settings(*, multi_touch: bool, disabled: bool, live: bool = False) -> Settings:
    """The settings bar: attribution model, lookback, half-life (multi-touch only), LTV horizon and the
    LTV/CAC threshold. ``live``: a live SQL data set (last touch only; the page says why)."""
    row = st.container(horizontal=True, gap="medium", vertical_alignment="bottom")
    models = [ORDER_CHANNEL, *MODELS] if multi_touch else [ORDER_CHANNEL]
    model = state.choice(row.selectbox, t("channels.model"), models, key="ch_model", default=ORDER_CHANNEL,
                         format_func=model_label, help=t("channels.model_help"), disabled=disabled,
                         width=280)
    lookback, half_life = DEFAULT_LOOKBACK, DEFAULT_HALF_LIFE
    if multi_touch:
        lookback = row.number_input(t("channels.lookback"), min_value=1, max_value=365,
                                    value=DEFAULT_LOOKBACK, step=1, key="ch_lookback", bind="query-params",
                                    help=t("channels.lookback_help"), disabled=disabled, width=170)
        half_life = row.number_input(t("channels.half_life"), min_value=1, max_value=365,
                                     value=DEFAULT_HALF_LIFE, step=1, key="ch_half_life",
                                     bind="query-params", help=t("channels.half_life_help"),
                                     disabled=disabled, width=170)
    ltv_days = state.choice(row.segmented_control, t("channels.ltv_days"), LTV_HORIZONS, key="ch_ltv",
                            default=DEFAULT_LTV, parse=int, required=True,
                            format_func=lambda d: t("channels.days", days=d), help=t("channels.ltv_days_help"),
                            disabled=disabled)
    threshold = row.number_input(t("channels.threshold"), min_value=0.5, max_value=20.0,
                                 value=DEFAULT_THRESHOLD, step=0.5, format="%.1f", key="ch_threshold",
                                 bind="query-params", help=t("channels.threshold_help"), disabled=disabled,
                                 width=170)
    if not multi_touch and not live:
        st.caption(t("channels.no_event_channel"))
    return Settings(model, int(lookback), int(half_life), int(ltv_days), float(threshold), multi_touch)


def trend_channels(trend: pd.DataFrame, *, disabled: bool) -> list[str]:
    """Multiselect of the channels in the trend chart (URL ``ch_trend``); by default the
    ``TREND_CHANNELS`` channels with the most revenue, then spend, in the range."""
    totals = trend.groupby("channel", observed=True)[["revenue", "spend"]].sum()
    ranked = totals.sort_values(["revenue", "spend"], ascending=False, kind="stable").index.astype(str)
    return state.choices(t("channels.trend_channels"), list(ranked), key="ch_trend",
                         default=list(ranked[:TREND_CHANNELS]), help=t("channels.trend_channels_help"),
                         disabled=disabled)


def threshold_text(threshold: float) -> str:
    """``3.0`` -> ``"3"``, ``2.5`` -> ``"2.5"``."""
    return f"{threshold:g}"


def flags(perf: pd.DataFrame, threshold: float) -> pd.Series:
    """One text per channel of a ``performance`` frame: spend without attributed revenue, revenue
    without spend, spend without new customers, and LTV/CAC below ``threshold`` (the plans' strategy
    review when CAC exceeds LTV / threshold); "" when none applies."""
    spend, revenue = perf["spend"].to_numpy(), perf["revenue"].to_numpy()
    rules = (
        ((spend > 0) & (revenue == 0) & (perf["orders"].to_numpy() == 0), t("channels.flag_spend_only")),
        ((spend == 0) & (revenue != 0), t("channels.flag_no_spend")),
        ((spend > 0) & (perf["new_customers"].to_numpy() == 0), t("channels.flag_no_new")),
        (below(perf, threshold), t("channels.flag_review", threshold=threshold_text(threshold))),
    )
    out = np.full(len(perf), "", dtype=object)
    for mask, text in rules:  # a handful of rules, each vectorised over the channels
        out = np.where(mask, np.where(out == "", text, out + "; " + text), out)
    return pd.Series(out, index=perf.index, dtype="str")


def below(perf: pd.DataFrame, threshold: float) -> np.ndarray:
    """Boolean per channel: LTV/CAC is known and under ``threshold``."""
    return (perf["ltv_cac"] < threshold).to_numpy()


def performance_table(perf: pd.DataFrame, s: Settings) -> pd.DataFrame:
    """The per-channel table for people and the CSV: spend, attributed orders and revenue, ROAS, new
    customers, CAC, LTV within the horizon, LTV/CAC and payback days; the flags next to the channel."""
    return pd.DataFrame({
        t("channels.col_channel"): perf["channel"].to_numpy(),
        t("channels.col_flags"): flags(perf, s.threshold).to_numpy(),
        t("channels.col_spend"): perf["spend"].round(2).to_numpy(),
        t("channels.col_orders"): perf["orders"].round(1).to_numpy(),
        t("channels.col_revenue"): perf["revenue"].round(2).to_numpy(),
        t("channels.col_roas"): perf["roas"].round(2).to_numpy(),
        t("channels.col_new"): perf["new_customers"].to_numpy(),
        t("channels.col_cac"): perf["cac"].round(2).to_numpy(),
        t("channels.col_ltv", days=s.ltv_days): perf["ltv"].round(2).to_numpy(),
        t("channels.col_ltv_cac"): perf["ltv_cac"].round(2).to_numpy(),
        t("channels.col_payback"): perf["payback_days"].to_numpy(),
    })


def comparison_table(compared: pd.DataFrame, perf_last: pd.DataFrame) -> pd.DataFrame:
    """Revenue share (%) per channel under every model side by side: the order's own channel (from the
    last-touch ``performance`` frame ``perf_last``) first, then the ``compare_models`` columns."""
    own = perf_last.set_index("channel")["revenue"]
    total = own.sum()
    own_share = own / total if total != 0 else own * np.nan
    channels = list(compared["channel"]) + [c for c in own.index if c not in set(compared["channel"])]
    out = pd.DataFrame({t("channels.col_channel"): channels})
    out[model_label(ORDER_CHANNEL)] = (own_share.reindex(channels).fillna(0.0) * 100).round(2).to_numpy()
    shares = compared.set_index("channel").reindex(channels)
    for model in MODELS:
        out[model_label(model)] = (shares[model].fillna(0.0) * 100).round(2).to_numpy()
    return out


def performance_config(s: Settings) -> dict:
    """Column formats of ``performance_table``: money as ¥, counts with separators, ratios as x.xx."""
    formats = ((("col_spend", "col_revenue", "col_cac"), _MONEY), (("col_orders", "col_new"), _COUNT),
               (("col_roas", "col_ltv_cac"), _RATIO), (("col_payback",), _DAYS))
    config = {t(f"channels.{key}"): fmt for keys, fmt in formats for key in keys}
    return config | {t("channels.col_ltv", days=s.ltv_days): _MONEY, t("channels.col_flags"): _FLAGS}


def share_config(frame: pd.DataFrame) -> dict:
    """Column formats of ``comparison_table``: every model column as %."""
    return {column: _SHARE for column in frame.columns[1:]}


def show_table(frame: pd.DataFrame, file_name: str, *, key: str, config: dict) -> None:
    """``frame`` (built above) as a read-only table with the column formats ``config`` and its CSV
    download."""
    table(frame, file_name, key=key, config=config)


def unplotted(perf: pd.DataFrame) -> Sequence[str]:
    """Channels without a CAC (no spend or no new customers): not on the CAC vs. LTV scatter."""
    return list(perf.loc[perf["cac"].isna() | perf["ltv"].isna(), "channel"])
