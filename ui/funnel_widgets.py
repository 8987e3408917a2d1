"""Funnel page helpers: the step picker and settings (every setting in the URL), the KPI tiles and the
readable tables built from ``analytics.funnel`` frames.

URL parameters:
- ``fun_steps``: the steps, comma-separated; an OR-step lists its event names separated by ``|``, e.g.
  ``visit,view,add_to_cart,checkout|express_pay,purchase``. A backslash escapes a ``,``, ``|`` or ``\\``
  inside an event name (``a\\,b`` is the name ``a,b``). Absent = the default steps.
- ``fun_window`` (a whole number) and ``fun_unit`` (minutes / hours / days / none = no limit): the
  conversion window, at most 90 days.
- ``fun_order`` (sequential / strict / any_order), ``fun_by`` (none / channel / device / region /
  segment), ``fun_freq`` (W / D / M), ``fun_from`` and ``fun_to`` (the histogram's step pair),
  ``fun_drop`` (the drop-off list's step).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import streamlit as st

from analytics import funnel
from ui import format, state
from ui.charts.funnel import duration
from ui.download import table
from ui.text import name, t

STEPS_PARAM = "fun_steps"
DEFAULT_STEPS = ("visit", "view", "add_to_cart", "checkout", "purchase")  # the sample's funnel
UNITS = {"minutes": pd.Timedelta(minutes=1), "hours": pd.Timedelta(hours=1), "days": pd.Timedelta(days=1)}
NO_LIMIT = "none"
MAX_WINDOW = pd.Timedelta(days=90)
EVENT_BREAKDOWNS = ("channel", "device", "region")  # columns of the events table; also "segment" (RFM)
FREQS = ("W", "D", "M")
PICKER_WIDTH = (200, 600)  # px of a step picker: it grows with its chosen names (chips do not wrap)
FULL_TABLE_ROWS = 20  # tables up to this long are shown whole, longer ones scroll
_COUNT_KEY = "fun_step_count"  # session only: how many step pickers are shown
_ESCAPED = ("\\", ",", "|")
_PERCENT = st.column_config.NumberColumn(format="%.1f%%")
_COUNT = st.column_config.NumberColumn(format="localized")


@dataclass(frozen=True)
class Settings:
    """What the funnel shows: ``steps`` (tuples of event names), ``window`` (None = no limit),
    ``window_text`` (for titles), ``order`` and ``by`` ("none" or a breakdown)."""

    steps: tuple[tuple[str, ...], ...]
    window: pd.Timedelta | None
    window_text: str
    order: str
    by: str


# --- the steps in the URL ---------------------------------------------------------------------------

def encode_steps(steps: Sequence[Sequence[str]]) -> str:
    """``[("visit",), ("checkout", "pay")]`` -> ``"visit,checkout|pay"`` (see the module docstring)."""
    def escape(name: str) -> str:
        for char in _ESCAPED:
            name = name.replace(char, "\\" + char)
        return name
    return ",".join("|".join(escape(str(name)) for name in step) for step in steps)


def decode_steps(text: str) -> list[tuple[str, ...]]:
    """The inverse of ``encode_steps``: ``"visit,checkout|pay"`` -> ``[("visit",), ("checkout", "pay")]``.
    Empty names are kept (the caller rejects them); a trailing lone backslash is kept as itself."""
    steps, names, name, chars = [], [], [], iter(text)
    for char in chars:  # a link's text, a few dozen characters
        if char == "\\":
            name.append(next(chars, "\\"))
        elif char in ",|":
            names.append("".join(name))
            name = []
            if char == ",":
                steps.append(tuple(names))
                names = []
        else:
            name.append(char)
    names.append("".join(name))
    steps.append(tuple(names))
    return steps


def _link_problem(steps: list[tuple[str, ...]], names: Sequence[str]) -> str | None:
    """Why the linked steps cannot be used here, or None when they can."""
    if not funnel.MIN_STEPS <= len(steps) <= funnel.MAX_STEPS:
        return t("funnel.bad_steps_count")
    if any(not step or "" in step for step in steps):
        return t("funnel.bad_steps_empty")
    known = set(names)
    unknown = list(dict.fromkeys(n for step in steps for n in step if n not in known))
    if unknown:
        return t("funnel.bad_steps_unknown", names=", ".join(escape_md(n) for n in unknown[:5]))
    return None


def escape_md(text: str) -> str:
    """Text from a link or the data (event names) shown inside markdown: markdown and HTML characters
    escaped."""
    return "".join("\\" + c if c in "\\`*_{}[]()<>#+-.!|~$&" else c for c in text)


# --- event names and default steps ------------------------------------------------------------------

def event_names(events: pd.DataFrame) -> list[str]:
    """The event names that occur in ``events``: category order for a categorical column (the canonical
    data), else sorted."""
    column = events["event_name"]
    if isinstance(column.dtype, pd.CategoricalDtype):
        used = np.bincount(column.cat.codes.to_numpy()[column.cat.codes.to_numpy() >= 0],
                           minlength=len(column.cat.categories)) > 0
        return [str(name) for name in column.cat.categories[used]]
    return sorted(str(name) for name in column.dropna().unique())


def default_steps(names: Sequence[str]) -> list[tuple[str, ...]]:
    """The sample's funnel (visit, view, add_to_cart, checkout, purchase) as far as ``names`` has those
    events; otherwise the first five names."""
    known = [(n,) for n in DEFAULT_STEPS if n in names]
    return known if len(known) >= funnel.MIN_STEPS else [(n,) for n in names[:len(DEFAULT_STEPS)]]


# --- the settings -----------------------------------------------------------------------------------

def _step_key(k: int) -> str:
    return f"fun_step_{k}"


def _store(steps: Sequence[Sequence[str]]) -> None:
    st.session_state[_COUNT_KEY] = len(steps)
    for k, step in enumerate(steps, start=1):
        st.session_state[_step_key(k)] = list(step)


def _picker_width(step: Sequence[str]) -> int:
    """The width of a step picker that shows its names: about 8 px per character plus the chip and the
    picker's own buttons, within PICKER_WIDTH."""
    wanted = 90 + sum(8 * len(name) + 40 for name in step)
    return min(max(wanted, PICKER_WIDTH[0]), PICKER_WIDTH[1])


def _add_step() -> None:
    count = st.session_state[_COUNT_KEY] + 1
    st.session_state[_step_key(count)] = []
    st.session_state[_COUNT_KEY] = count


def _remove_step() -> None:
    st.session_state[_COUNT_KEY] -= 1


def _seed_steps(names: Sequence[str], defaults: list[tuple[str, ...]]) -> None:
    """On the session's first run: the steps from the link (a warning and the defaults when unusable)."""
    if _COUNT_KEY in st.session_state:
        return
    raw = st.query_params.get(STEPS_PARAM)
    steps = defaults
    if raw is not None:
        linked = decode_steps(raw)
        problem = _link_problem(linked, names)
        if problem is None:
            steps = linked
        else:
            st.warning(t("funnel.bad_steps_link", text=escape_md(raw[:200]), reason=problem))
    _store(steps)


def step_picker(names: Sequence[str], *, disabled: bool) -> list[tuple[str, ...]]:
    """One multiselect per step (several events = an OR-step) with add / remove buttons; returns the
    non-empty steps in order and keeps them in the URL (``fun_steps``)."""
    defaults = default_steps(names)
    _seed_steps(names, defaults)
    count = st.session_state[_COUNT_KEY]
    stored = [st.session_state.get(_step_key(k), []) for k in range(1, count + 1)]
    kept = [[n for n in step if n in names] for step in stored]
    if kept != stored and sum(map(bool, kept)) < funnel.MIN_STEPS:  # another data set: start afresh
        _store(defaults)
        count, kept = len(defaults), [list(step) for step in defaults]
    for k, step in enumerate(kept, start=1):
        st.session_state[_step_key(k)] = step
    st.markdown(f"**{t('funnel.steps')}**", help=t("funnel.steps_help"))
    row = st.container(horizontal=True, vertical_alignment="bottom")  # wraps onto more lines as needed
    picked = [row.multiselect(t("funnel.step_label", k=k), list(names), key=_step_key(k), disabled=disabled,
                              placeholder=t("funnel.step_placeholder"), persist_state="session",
                              width=_picker_width(step))
              for k, step in enumerate(kept, start=1)]
    buttons = row.container(horizontal=True, width="content")
    buttons.button(t("funnel.add_step"), key="fun_add", on_click=_add_step, icon=":material/add:",
                   disabled=disabled or count >= funnel.MAX_STEPS)
    buttons.button(t("funnel.remove_step"), key="fun_remove", on_click=_remove_step, icon=":material/remove:",
                   disabled=disabled or count <= funnel.MIN_STEPS)
    steps = [tuple(step) for step in picked if step]
    if len(steps) < len(picked):
        st.caption(t("funnel.empty_steps"))
    if len(steps) >= funnel.MIN_STEPS:
        if steps == defaults:
            st.query_params.pop(STEPS_PARAM, None)
        else:
            st.query_params[STEPS_PARAM] = encode_steps(steps)
    return steps


def settings(names: Sequence[str], breakdowns: Sequence[str], *, disabled: bool) -> Settings:
    """The steps, then one row with the window (number + unit, or no limit), the order and the
    breakdown (``breakdowns``: the ones this data set offers)."""
    steps = step_picker(names, disabled=disabled)
    row = st.container(horizontal=True, gap="medium", vertical_alignment="bottom")
    number_slot = row.container(width=150)
    unit = state.choice(row.selectbox, t("funnel.unit"), [*UNITS, NO_LIMIT], key="fun_unit", default="days",
                        format_func=lambda u: t(f"funnel.unit_{u}"), disabled=disabled, width=130)
    default_days = int(funnel.DEFAULT_WINDOW / UNITS["days"])
    value = number_slot.number_input(
        t("funnel.window"), min_value=1, max_value=int(MAX_WINDOW / UNITS["minutes"]), value=default_days,
        step=1, key="fun_window", bind="query-params", help=t("funnel.window_help"),
        disabled=disabled or unit == NO_LIMIT)
    order = state.choice(row.segmented_control, t("funnel.order"), funnel.ORDERS, key="fun_order",
                         default="sequential", format_func=lambda o: t(f"funnel.order_{o}"), required=True,
                         help=t("funnel.order_help"), disabled=disabled)
    by = state.choice(row.selectbox, t("funnel.breakdown"), breakdowns, key="fun_by", default="none",
                      format_func=lambda b: t(f"funnel.breakdown_{b}"), help=t("funnel.breakdown_help"),
                      disabled=disabled, width=200)
    if unit == NO_LIMIT:
        return Settings(tuple(steps), None, t("funnel.window_text_none"), order, by)
    window = value * UNITS[unit]
    if window > MAX_WINDOW:
        st.caption(t("funnel.window_capped"))
        window, value, unit = MAX_WINDOW, int(MAX_WINDOW / UNITS["days"]), "days"
    unit_text = t(f"funnel.unit_one_{unit}" if value == 1 else f"funnel.unit_{unit}")
    text = t("funnel.window_text", value=f"{value:,}", unit=unit_text)
    return Settings(tuple(steps), window, text, order, by)


def step_choice(widget, label: str, steps: Sequence[int], names: Sequence[str], *, key: str, default: int,
                disabled: bool, **kwargs) -> int:
    """A step-number option widget (URL ``key``) showing ``k · name``."""
    return state.choice(widget, label, list(steps), key=key, default=default, parse=int,
                        format_func=lambda k: t("funnel.step_option", k=k, name=names[k - 1]),
                        disabled=disabled, **kwargs)


# --- numbers shown ----------------------------------------------------------------------------------

def biggest_drops(summary: pd.DataFrame, n_steps: int) -> list[int | None]:
    """Per block of ``n_steps`` rows of a funnel summary: the step (2..n) with the lowest conversion
    from the previous step (the largest share lost; the first on ties), None when nobody entered."""
    rates = summary["step_conversion"].to_numpy(dtype=np.float64).reshape(-1, n_steps)[:, 1:]
    worst = np.argmin(np.where(np.isnan(rates), np.inf, rates), axis=1) + 2
    return [int(k) if np.isfinite(row).any() else None for k, row in zip(worst, rates)]


def time_quantiles(times: pd.Series) -> tuple[pd.Timedelta, pd.Timedelta, pd.Timedelta]:
    """Median, 75th and 90th percentile of a Timedelta Series (NaT when empty)."""
    if times.empty:
        return pd.NaT, pd.NaT, pd.NaT
    values = np.quantile(times.to_numpy(dtype="timedelta64[ns]").view(np.int64), [0.5, 0.75, 0.9])
    return tuple(pd.Timedelta(int(round(v)), unit="ns") for v in values)


def tiles(summary: pd.DataFrame, biggest: int | None, median_time: pd.Timedelta) -> None:
    """Entered, converted, overall conversion, the biggest drop and the median time to convert."""
    first, last = summary.iloc[0], summary.iloc[-1]
    columns = st.columns(5)
    columns[0].metric(t("funnel.kpi_entered"), format.count(first["users"]),
                      help=t("funnel.kpi_entered_help"))
    columns[1].metric(t("funnel.kpi_converted"), format.count(last["users"]),
                      help=t("funnel.kpi_converted_help"))
    columns[2].metric(t("funnel.kpi_conversion"), format.pct(last["conversion"]),
                      help=t("funnel.kpi_conversion_help"))
    if biggest is None:
        columns[3].metric(t("funnel.kpi_drop"), "—", help=t("funnel.kpi_drop_help"))
    else:
        row = summary.iloc[biggest - 1]
        lost = t("funnel.kpi_drop_value", share=format.pct(1 - row["step_conversion"]))
        columns[3].metric(t("funnel.kpi_drop"), lost, t("funnel.kpi_drop_delta", k=biggest, name=row["name"]),
                          delta_color="off", delta_arrow="off", help=t("funnel.kpi_drop_help"))
    columns[4].metric(t("funnel.kpi_time"), duration(median_time), help=t("funnel.kpi_time_help"))


def step_table(summary: pd.DataFrame) -> pd.DataFrame:
    """The funnel summary with readable headers, shares in % (2 decimals) and times as text."""
    return pd.DataFrame({
        t("funnel.col_step"): summary["step"],
        t("funnel.col_name"): summary["name"],
        t("funnel.col_users"): summary["users"],
        t("funnel.col_conversion"): (summary["conversion"] * 100).round(2),
        t("funnel.col_step_conversion"): (summary["step_conversion"] * 100).round(2),
        t("funnel.col_drop_off"): summary["drop_off"],
        t("funnel.col_drop_share"): ((1 - summary["step_conversion"]) * 100).round(2),  # 0 at step 1
        t("funnel.col_median"): [duration(v) for v in summary["median_time_from_previous"]],
    })


def group_labels(values: pd.Series, by: str) -> list[str]:
    """Display text of breakdown values; RFM segments in the session's language (``ui.text.name``). A
    missing value is "(not set)", or "No order in range" for RFM segments (users without an order in the
    date range have no segment)."""
    if by == "segment":
        return [t("funnel.no_segment") if pd.isna(v) else name(v) for v in values]
    return [t("funnel.no_value") if pd.isna(v) else str(v) for v in values]


def breakdown_table(by_summary: pd.DataFrame, by: str, n_steps: int,
                    biggest: list[int | None]) -> pd.DataFrame:
    """One row per breakdown value: users at step 1, conversion from step 1 to each later step (%),
    the overall conversion (%) and the step with the biggest drop."""
    names = by_summary["name"].to_list()[:n_steps]
    conversion = by_summary["conversion"].to_numpy(dtype=np.float64).reshape(-1, n_steps) * 100
    out = {
        t(f"funnel.breakdown_{by}"): group_labels(by_summary[by].iloc[::n_steps], by),
        t("funnel.col_entered"): by_summary["users"].to_numpy()[::n_steps],
    }
    for k in range(2, n_steps + 1):
        out[t("funnel.col_to_step", k=k, name=names[k - 1])] = conversion[:, k - 1].round(2)
    out[t("funnel.col_biggest")] = [t("funnel.step_option", k=k, name=names[k - 1]) if k else "—"
                                    for k in biggest]
    return pd.DataFrame(out)


def trend_table(trend: pd.DataFrame) -> pd.DataFrame:
    """The conversion trend with readable headers and the rate in %."""
    return pd.DataFrame({
        t("funnel.col_period"): trend["period"].dt.date,
        t("funnel.col_entered"): trend["entered"],
        t("funnel.col_converted"): trend["converted"],
        t("funnel.col_rate"): (trend["rate"] * 100).round(2),
    })


def bins_table(bins: pd.DataFrame) -> pd.DataFrame:
    """The time-to-convert histogram's bins with readable headers and the share in %."""
    return pd.DataFrame({t("funnel.col_bin"): bins["bin"], t("funnel.col_users"): bins["users"],
                         t("funnel.col_share"): (bins["share"] * 100).round(2)})


def provisional_span(trend: pd.DataFrame, freq: str, end, window: pd.Timedelta | None):
    """The stretch of the trend chart whose entrants may still convert: from one window before the end
    of the range (``end``, a date, inclusive) to the end of the last period; None without a window or
    when it starts after the last period."""
    if window is None or trend.empty:
        return None
    close = pd.Timestamp(end) + pd.Timedelta(days=1)
    start = max(close - window, trend["period"].iloc[0])
    last = trend["period"].iloc[-1]
    stop = last + (pd.DateOffset(months=1) if freq == "M" else pd.Timedelta(days=1 if freq == "D" else 7))
    return (start, min(stop, close)) if start < close else None


def show_table(frame: pd.DataFrame, file_name: str, *, key: str) -> None:
    """A table of this module's builders (float columns are percentages, integer columns counts) with its
    CSV download."""
    config = {c: _PERCENT if pd.api.types.is_float_dtype(frame[c]) else _COUNT
              for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])}
    table(frame, file_name, key=key, config=config,
          height="content" if len(frame) <= FULL_TABLE_ROWS else "auto")
