"""Budget page helpers: the per-channel settings (30-40-30 groups, optimiser bounds), the preset picker, the
custom split kept in the URL, and the tables built from ``analytics.budget.predict`` frames.

URL parameters: ``bud_preset`` (split preset), ``bud_g_<channel>`` (30-40-30 group, non-default only),
``bud_lo_<channel>`` / ``bud_hi_<channel>`` (bounds as multiples of the spend now, non-default only) and, with
the custom preset, ``bud_split=<channel>:<percent>`` repeated once per channel.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
import streamlit as st

from analytics.budget import GROUP_SHARES, PRESETS, predict_totals
from ui import format, messages, state
from ui.download import csv_button
from ui.text import t

DEFAULT_GROUPS = {"bilibili": "content", "kol": "content", "douyin": "social", "kuaishou": "social",
                  "wechat": "social", "search": "search", "feed_ads": "search"}
FALLBACK_GROUP = "social"  # the plan's largest group, for channels not in DEFAULT_GROUPS
DEFAULT_BOUNDS = (0.5, 2.0)  # optimiser bounds, multiples of the channel's daily spend now
WEAK_R2 = 0.3  # fits below this R^2 are flagged as weak
PRESET_OPTIONS = (*PRESETS, "custom")
MODES = ("revenue", "target")
SPLIT_PARAM = "bud_split"
SHARE_TOLERANCE = 0.5  # percentage points off 100% before the page says the shares are rescaled
LAST_SHARES = "bud_last_shares"  # session key: the shares shown on the last run (seed of "custom")

_PER_ROW = 7  # custom share inputs per row
_KINDS = {  # how each table column is shown: money (¥/day), a ratio (ROAS, R², decay) or a share (%)
    **dict.fromkeys(("now_spend", "now_revenue", "spend", "revenue", "change", "min", "max",
                     "plan_spend", "plan_revenue", "opt_spend", "opt_revenue", "observed_revenue",
                     "curve_revenue"), "money"),
    **dict.fromkeys(("roas", "marginal_roas", "opt_marginal", "plan_roas", "plan_marginal", "r2",
                     "decay"), "ratio"),
    **dict.fromkeys(("share", "plan_share"), "pct"),
}
_CONFIG = {"money": st.column_config.NumberColumn(format="yen"),
           "ratio": st.column_config.NumberColumn(format="%.2f"),
           "pct": st.column_config.NumberColumn(format="%.1f%%")}
_DIGITS = {"money": 2, "ratio": 4, "pct": 2}  # decimals kept in the CSV downloads


def share_key(channel: object) -> str:
    """Session key of the custom-share input of ``channel``."""
    return f"bud_s_{channel}"


# --- widgets ---------------------------------------------------------------------------------------

def channel_settings(channels: Sequence) -> tuple[dict, dict]:
    """A grid with one row per channel: its 30-40-30 group (URL ``bud_g_<channel>``) and the optimiser's
    min / max as multiples of its spend now (URL ``bud_lo_<channel>``, ``bud_hi_<channel>``).
    Returns (channel -> group, channel -> (min multiple, max multiple))."""
    widths = [2, 2, 1, 1]
    for column, key in zip(st.columns(widths), ("head_channel", "head_group", "head_min", "head_max")):
        column.caption(t(f"budget.{key}"))
    groups, multiples = {}, {}
    for channel in channels:
        name, group, low, high = st.columns(widths, vertical_alignment="center")
        name.text(str(channel))
        groups[channel] = state.choice(
            group.selectbox, t("budget.group_of", channel=channel), tuple(GROUP_SHARES),
            key=f"bud_g_{channel}", default=DEFAULT_GROUPS.get(channel, FALLBACK_GROUP),
            format_func=lambda g: t(f"budget.group_{g}"), label_visibility="collapsed")
        multiples[channel] = tuple(
            column.number_input(t(f"budget.{which}_of", channel=channel), min_value=0.0, value=default,
                                step=0.1, format="%.2f", key=f"bud_{prefix}_{channel}",
                                bind="query-params", label_visibility="collapsed")
            for column, which, prefix, default in ((low, "min", "lo", DEFAULT_BOUNDS[0]),
                                                   (high, "max", "hi", DEFAULT_BOUNDS[1])))
    return groups, multiples


def preset_picker(column) -> str:
    """The split preset (URL ``bud_preset``), in ``column``."""
    return state.choice(column.selectbox, t("budget.preset"), PRESET_OPTIONS, key="bud_preset",
                        default="current", format_func=lambda p: t(f"budget.preset_{p}"),
                        help=t("budget.preset_help"))


def custom_shares(channels: Sequence, defaults: Mapping) -> dict:
    """Inputs for the custom split in % of the daily budget, one per channel, kept in the URL as
    ``bud_split=<channel>:<percent>`` (repeated). A link's shares seed the inputs; without one they start
    from the shares shown on the last run, else from ``defaults``. Returns channel -> percent."""
    _seed_shares(channels, defaults)
    st.caption(t("budget.shares"))
    shares = {}
    for first in range(0, len(channels), _PER_ROW):
        for column, channel in zip(st.columns(_PER_ROW), channels[first:first + _PER_ROW]):
            shares[channel] = column.number_input(str(channel), min_value=0.0, max_value=100.0, step=1.0,
                                                  format="%.1f", key=share_key(channel))
    st.query_params[SPLIT_PARAM] = [f"{c}:{v:g}" for c, v in shares.items()]
    return shares


def drop_custom_shares(channels: Sequence) -> None:
    """Forget the custom split (not shown with a ready-made preset): it is re-seeded when picked again."""
    st.query_params.pop(SPLIT_PARAM, None)
    for channel in channels:
        st.session_state.pop(share_key(channel), None)


def _seed_shares(channels: Sequence, defaults: Mapping) -> None:
    missing = [c for c in channels if share_key(c) not in st.session_state]
    if not missing:
        return
    linked = _parse_split(st.query_params.get_all(SPLIT_PARAM))
    if linked is None:
        st.warning(t("common.bad_link_value", label=t("budget.shares")))
    seeds = {**defaults, **st.session_state.get(LAST_SHARES, {})}
    if linked and any(str(c) in linked for c in channels):
        seeds = {c: linked.get(str(c), 0.0) for c in channels}
    for channel in missing:
        st.session_state[share_key(channel)] = round(float(seeds.get(channel, 0.0)), 1)


def _parse_split(values: list[str]) -> dict | None:
    """``["douyin:30", "kol:12.5"]`` -> {"douyin": 30.0, "kol": 12.5}; None when an entry is not
    ``<channel>:<percent>`` with a percent in [0, 100]."""
    out = {}
    for value in values:
        channel, _, number = value.rpartition(":")
        try:
            share = float(number)
        except ValueError:
            return None
        if not channel or not 0 <= share <= 100:
            return None
        out[channel] = share
    return out


def split_of(shares: Mapping, total: float) -> dict:
    """Channel -> daily spend: ``total`` divided in proportion to ``shares`` (0 everywhere when they add
    up to 0)."""
    weight = sum(shares.values())
    return {c: total * s / weight if weight > 0 else 0.0 for c, s in shares.items()}


# --- tables ----------------------------------------------------------------------------------------

def _total_row(frame: pd.DataFrame, **extra) -> dict:
    """Totals of a predict frame: spend, revenue, ROAS, and the marginal ROAS of one more yuan spread
    like the split (the spend-weighted mean of the channels' marginal ROAS)."""
    totals = predict_totals(frame)
    spent = np.flatnonzero(frame["spend"].to_numpy() > 0)  # an unspent channel weighs 0 (even at inf)
    spend = frame["spend"].to_numpy()[spent]
    marginal = float(spend @ frame["marginal_roas"].to_numpy()[spent] / spend.sum()) if len(spent) \
        else math.nan
    return {"channel": t("budget.total"), "spend": totals["spend"], "revenue": totals["revenue"],
            "roas": totals["roas"], "marginal_roas": marginal, **extra}


def whatif_table(now: pd.DataFrame, plan: pd.DataFrame, groups: Mapping) -> pd.DataFrame:
    """Per channel and in total: spend and revenue now, the split's share, spend, revenue, revenue
    change, ROAS and marginal ROAS (``now`` and ``plan`` are predict frames over the same channels)."""
    rows = pd.DataFrame({
        "channel": plan["channel"],
        "group": [t(f"budget.group_{groups[c]}") for c in plan["channel"]],
        "now_spend": now["spend"].to_numpy(),
        "now_revenue": now["revenue"].to_numpy(),
        "share": _shares(plan["spend"].to_numpy()),
        "spend": plan["spend"],
        "revenue": plan["revenue"],
        "change": plan["revenue"].to_numpy() - now["revenue"].to_numpy(),
        "roas": plan["roas"],
        "marginal_roas": plan["marginal_roas"],
    })
    total = _total_row(plan, group="", now_spend=now["spend"].sum(), now_revenue=now["revenue"].sum(),
                       share=100.0 if plan["spend"].sum() > 0 else math.nan,
                       change=plan["revenue"].sum() - now["revenue"].sum())
    return pd.concat([rows, pd.DataFrame([total])], ignore_index=True)


def optimum_table(plan: pd.DataFrame, optimum: pd.DataFrame, bounds: Mapping,
                  binding: Mapping) -> pd.DataFrame:
    """Per channel and in total: the bounds, your split and the optimised spend and revenue, the marginal
    ROAS at the optimum and the binding bound."""
    rows = pd.DataFrame({
        "channel": optimum["channel"],
        "min": [bounds[c][0] for c in optimum["channel"]],
        "max": [bounds[c][1] for c in optimum["channel"]],
        "plan_spend": plan["spend"].to_numpy(),
        "opt_spend": optimum["spend"],
        "plan_revenue": plan["revenue"].to_numpy(),
        "opt_revenue": optimum["revenue"],
        "opt_marginal": optimum["marginal_roas"],
        "bound": [t(f"budget.bound_{binding[c] or 'none'}") for c in optimum["channel"]],
    })
    total = _total_row(optimum)
    rows.loc[len(rows)] = {"channel": total["channel"], "min": rows["min"].sum(), "max": rows["max"].sum(),
                           "plan_spend": plan["spend"].sum(), "opt_spend": total["spend"],
                           "plan_revenue": plan["revenue"].sum(), "opt_revenue": total["revenue"],
                           "opt_marginal": total["marginal_roas"], "bound": ""}
    return rows


def scenario_table(frames: Mapping) -> pd.DataFrame:
    """One row per scenario (label -> predict frame): total spend, revenue, ROAS and marginal ROAS."""
    rows = [{"scenario": label, **_total_row(frame)} for label, frame in frames.items()]
    return pd.DataFrame(rows).drop(columns="channel")


def scenario_long(frames: Mapping) -> pd.DataFrame:
    """The predict frames of several scenarios stacked, with a ``scenario`` column (for the bars)."""
    return pd.concat([frame.assign(scenario=label) for label, frame in frames.items()], ignore_index=True)


def fit_table(report: pd.DataFrame, now: pd.DataFrame | None = None, *, adstock: bool) -> pd.DataFrame:
    """The fit report for people: channel, days with spend, R², status (weak fits flagged), adstock decay
    (with adstock), spend now, observed revenue now and the curve's revenue and marginal ROAS there
    (``now``: predict frame at the spend now; None when no channel has a curve)."""
    if now is None:
        now = pd.DataFrame({"channel": [], "revenue": [], "marginal_roas": []})
    on_curve = now.set_index("channel")
    fitted, weak = _fit_flags(report)
    reasons = [messages.fit_status(str(s)) for s in report["status"]]  # one per channel
    status = np.where(weak, t("common.list_sep").join((t("budget.status_ok"), t("budget.weak"))),
                      np.where(fitted, t("budget.status_ok"), np.array(reasons, dtype=object)))
    out = pd.DataFrame({
        "channel": report["channel"],
        "points": report["points"],
        "r2": report["r2"],
        "status": status,
        "decay": report["decay"],
        "now_spend": report["current_spend"],
        "observed_revenue": report["current_revenue"],
        "curve_revenue": on_curve["revenue"].reindex(report["channel"]).to_numpy(),
        "marginal_roas": on_curve["marginal_roas"].reindex(report["channel"]).to_numpy(),
    })
    return out if adstock else out.drop(columns="decay")


def fit_warnings(report: pd.DataFrame) -> None:
    """One warning listing the channels without a curve and one listing the weak fits (if any)."""
    fitted, weak = _fit_flags(report)
    for flags, key in ((~fitted, "no_curve"), (weak, "weak_fit")):
        if flags.any():
            names = t("common.list_sep").join(map(str, report["channel"].to_numpy()[flags]))
            st.warning(t(f"budget.{key}", channels=names, r2=WEAK_R2))


def _fit_flags(report: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(fitted, weak fit) boolean arrays over the report's rows."""
    fitted = report["status"].eq("ok").to_numpy()
    return fitted, fitted & ~(report["r2"].to_numpy() >= WEAK_R2)


def panel_titles(report: pd.DataFrame, curves: Mapping) -> dict:
    """Channel -> title of its response-curve panel (with the fit's R², or "no curve")."""
    return {c: t("budget.subplot", channel=c, r2=ratio(r2)) if c in curves
            else t("budget.subplot_none", channel=c)
            for c, r2 in zip(report["channel"], report["r2"])}


def stop_reason(binding: Mapping, optimum: pd.DataFrame) -> str:
    """Why the optimiser stopped where it did: the binding bounds, or the common marginal ROAS."""
    at = [t(f"budget.at_{side}", channel=c) for c, side in binding.items() if side]
    if at:
        return t("budget.stopped_at", channels=t("common.list_sep").join(at))
    return t("budget.stopped_inside", marginal=ratio(optimum["marginal_roas"].mean()))


def bounds_of(multiples: Mapping, current: Mapping) -> dict:
    """Channel -> (min, max) daily spend from (min, max) multiples of its daily spend now."""
    return {c: (low * current[c], high * current[c]) for c, (low, high) in multiples.items()}


def delta(new: float, old: float) -> str | None:
    """The relative change from ``old`` to ``new`` for st.metric (None when ``old`` is 0 or unknown)."""
    return format.change(new / old - 1) if old and math.isfinite(old) else None


def ratio(value: float | None) -> str:
    """A ROAS or R² for display: ``4.3251`` -> ``"4.33"``; "—" when unknown."""
    return "—" if value is None or not math.isfinite(value) else f"{value:.2f}"


def plan_table(whatif: pd.DataFrame, optimum: pd.DataFrame | None) -> pd.DataFrame:
    """The plan to download: the what-if table with the optimiser's columns when there is an optimum."""
    plan = whatif.rename(columns={"share": "plan_share", "spend": "plan_spend", "revenue": "plan_revenue",
                                  "roas": "plan_roas", "marginal_roas": "plan_marginal"})
    if optimum is None:
        return plan
    extra = optimum[["min", "max", "opt_spend", "opt_revenue", "opt_marginal", "bound"]]
    return pd.concat([plan, extra.reset_index(drop=True)], axis=1)


def display(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """``frame`` with readable column names, and the matching st.dataframe column_config."""
    names = {c: t(f"budget.col_{c}") for c in frame.columns}
    config = {names[c]: _CONFIG[_KINDS[c]] for c in frame.columns if c in _KINDS}
    return frame.rename(columns=names), config


def download(frame: pd.DataFrame, file_name: str, *, key: str, label_key: str = "common.download_csv") -> None:
    """A CSV download of ``frame`` with readable column names, money and shares to 2 decimals, ratios to
    4."""
    digits = {c: _DIGITS[_KINDS[c]] for c in frame.columns if c in _KINDS}
    shown, _ = display(frame.round(digits))
    csv_button(shown, file_name, key=key, label_key=label_key)


def show_table(frame: pd.DataFrame, file_name: str, *, key: str) -> None:
    """``frame`` as a readable table with its CSV download."""
    shown, config = display(frame)
    st.dataframe(shown, hide_index=True, column_config=config, key=key)
    download(frame, file_name, key=f"dl_{key}")


def _shares(spend: np.ndarray) -> np.ndarray:
    total = spend.sum()
    return spend / total * 100.0 if total > 0 else np.full(len(spend), np.nan)
