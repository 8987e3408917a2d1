"""Budget page: per-channel response curves, what-if splits with presets (current, even, the plan's
30-40-30) and the optimiser (most revenue for a budget, or least spend for a revenue target).
All amounts are per day: the curves map a daily spend to a daily attributed revenue. The daily spend and
revenue come from ui.compute (in memory, or per-day sums pushed down to a live SQL data set's database)."""

import datetime as dt

import pandas as pd
import streamlit as st

from analytics import budget
from analytics.errors import AnalyticsInputError
from ui import budget_widgets as bw
from ui import compute, format, state
from ui.charts import budget as charts
from ui.sidebar import page_setup
from ui.text import t

CURRENT_DAYS = 28  # "now" = the mean daily spend of the last 28 days of the range
TARGET_UPLIFT = 1.1  # default revenue target: 10% more than the revenue now

active = page_setup("budget.title")


@st.cache_data(max_entries=32, show_spinner=False)
def _fit(ds_id: str, start: dt.date, end: dt.date, adstock: bool, _spend: pd.DataFrame,
         _revenue: pd.DataFrame):
    """Response curves of data set ``ds_id`` fitted on ``start``..``end`` (``_spend``: its spend rows in
    that range, ``_revenue``: its daily revenue per channel there), and the observed points:
    (ResponseFit, points frame)."""
    fit = budget.fit_channels(_spend, _revenue, adstock=adstock, current_days=CURRENT_DAYS)
    return fit, budget.response_points(_spend, _revenue)


@st.cache_data(max_entries=32, show_spinner=False)
def _optimum(ds_id: str, start: dt.date, end: dt.date, adstock: bool, mode: str, amount: float,
             bounds: tuple, _curves: dict):
    """The optimiser's split and its binding bounds for the curves of (ds_id, start, end, adstock):
    mode "revenue" = best split of the daily budget ``amount``; "target" = least daily spend whose
    predicted revenue reaches ``amount``. ``bounds``: ((channel, (min, max)), ...) in daily spend."""
    limits = dict(bounds)
    if mode == "revenue":
        split = budget.optimize(_curves, amount, bounds=limits)
    else:
        split = budget.min_spend_for(_curves, amount, bounds=limits)
    return split, budget.binding_bounds(split, limits)


st.markdown(t("budget.intro", days=CURRENT_DAYS))
st.info(t("budget.not_causal"))
controls = st.columns([2, 2, 1], vertical_alignment="bottom")
adstock = controls[2].toggle(t("budget.adstock"), key="bud_adstock", bind="query-params",
                             help=t("budget.adstock_help"))

try:
    with st.spinner(t("common.computing")):
        spend = compute.daily_spend(active)
        if not spend.empty:
            fit, points = _fit(active.ds_id, active.start, active.end, adstock, spend,
                               compute.daily_revenue(active))
except AnalyticsInputError as exc:
    st.error(t("common.input_error", message=exc))
    st.stop()
if spend.empty:
    st.info(t("budget.no_spend"))
    st.stop()
report, curves = fit.report, fit.curves
if not curves:
    st.info(t("budget.no_curves"))
    bw.show_table(bw.fit_table(report, adstock=adstock), "budget_fit.csv", key="fit")
    st.stop()
bw.fit_warnings(report)

channels = list(curves)
current = dict(zip(report["channel"], report["current_spend"]))
current = {c: current[c] for c in channels}
now = budget.predict(curves, current)
now_totals = budget.predict_totals(now)

shares_box = st.container()
with st.expander(t("budget.settings")):
    st.caption(t("budget.settings_note", low=bw.DEFAULT_BOUNDS[0], high=bw.DEFAULT_BOUNDS[1]))
    groups, multiples = bw.channel_settings(channels)
bounds = bw.bounds_of(multiples, current)

total = controls[0].number_input(
    t("budget.budget"), min_value=0.0, value=now_totals["spend"], step=100.0, format="%.0f",
    key="bud_total", bind="query-params", help=t("budget.budget_help", now=format.money(now_totals["spend"])))
preset_shares, preset_errors = {}, {}
for name in budget.PRESETS:  # the three ready-made splits, in % of the budget
    try:
        preset_shares[name] = budget.preset_split(name, current, 100.0, groups=groups)
    except AnalyticsInputError as exc:  # "current" when nothing is spent now
        preset_errors[name] = str(exc)
preset = bw.preset_picker(controls[1])
with shares_box:
    if preset == "custom":
        shares = bw.custom_shares(channels, preset_shares.get("current", preset_shares["even"]))
        share_sum = sum(shares.values())
        if share_sum == 0:
            st.warning(t("budget.share_zero"))
        elif abs(share_sum - 100.0) > bw.SHARE_TOLERANCE:
            st.caption(t("budget.share_sum", total=format.pct(share_sum / 100.0)))
    else:
        bw.drop_custom_shares(channels)
        if preset in preset_errors:
            st.error(t("common.input_error", message=preset_errors[preset]))
            st.stop()
        shares = preset_shares[preset]
st.session_state[bw.LAST_SHARES] = shares
plan = budget.predict(curves, bw.split_of(shares, total))
plan_totals = budget.predict_totals(plan)

summary = st.container()
whatif_tab, optimise_tab, curves_tab = st.tabs(
    [t("budget.tab_whatif"), t("budget.tab_optimise"), t("budget.tab_curves")])

with optimise_tab:
    mode = state.choice(st.radio, t("budget.mode"), bw.MODES, key="bud_mode", default="revenue",
                        format_func=lambda m: t(f"budget.mode_{m}"), horizontal=True)
    amount = total
    if mode == "target":
        amount = st.number_input(
            t("budget.target"), min_value=0.0, value=float(round(now_totals["revenue"] * TARGET_UPLIFT)),
            step=100.0, format="%.0f", key="bud_target", bind="query-params",
            help=t("budget.target_help", now=format.money(now_totals["revenue"])))
    optimum = opt_table = None
    try:
        with st.spinner(t("common.computing")):
            split, binding = _optimum(active.ds_id, active.start, active.end, adstock, mode, amount,
                                      tuple((c, bounds[c]) for c in channels), curves)
        optimum = budget.predict(curves, split)
    except AnalyticsInputError as exc:
        st.error(t("common.input_error", message=exc))
    if optimum is not None:
        opt_totals = budget.predict_totals(optimum)
        st.caption(t("budget.optimise_note"))
        st.info(bw.stop_reason(binding, optimum))
        scenarios = {t("budget.scenario_now"): now, t("budget.scenario_plan"): plan,
                     t("budget.scenario_optimised"): optimum}
        st.plotly_chart(charts.scenario_bars(bw.scenario_long(scenarios)), key="bars")
        opt_table = bw.optimum_table(plan, optimum, bounds, binding)
        bw.show_table(opt_table, "budget_optimised.csv", key="optimum")

with whatif_tab:
    st.caption(t("budget.whatif_note"))
    whatif = bw.whatif_table(now, plan, groups)
    bw.show_table(whatif, "budget_whatif.csv", key="whatif")
    st.subheader(t("budget.scenarios"))
    st.caption(t("budget.scenarios_note"))
    frames = {t("budget.scenario_now"): now}
    frames |= {t(f"budget.scenario_{name}"): budget.predict(curves, bw.split_of(preset_shares[name], total))
               for name in preset_shares}
    frames[t("budget.scenario_plan")] = plan
    if optimum is not None:
        frames[t("budget.scenario_optimised")] = optimum
    bw.show_table(bw.scenario_table(frames), "budget_scenarios.csv", key="scenarios")

with curves_tab:
    st.caption(t("budget.curves_note"))
    if adstock:
        st.caption(t("budget.curves_note_adstock"))
    marked = {t("budget.scenario_now"): now, t("budget.scenario_plan"): plan}
    if optimum is not None:
        marked[t("budget.scenario_optimised")] = optimum
    st.plotly_chart(charts.response_curves(points, curves, bw.panel_titles(report, curves),
                                           bw.scenario_long(marked)), key="curves")
    st.subheader(t("budget.fit_table"))
    bw.show_table(bw.fit_table(report, now, adstock=adstock), "budget_fit.csv", key="fit")

with summary:
    tiles = st.columns(4)
    tiles[0].metric(t("budget.metric_revenue"), format.money(plan_totals["revenue"]),
                    bw.delta(plan_totals["revenue"], now_totals["revenue"]),
                    help=t("budget.metric_revenue_help"))
    tiles[1].metric(t("budget.metric_roas"), bw.ratio(plan_totals["roas"]),
                    bw.delta(plan_totals["roas"], now_totals["roas"]),
                    help=t("budget.metric_roas_help"))
    if optimum is not None and mode == "target":
        tiles[2].metric(t("budget.metric_min_spend"), format.money(opt_totals["spend"]),
                        bw.delta(opt_totals["spend"], total),
                        delta_color="inverse", help=t("budget.metric_min_spend_help"))
    elif optimum is not None:
        tiles[2].metric(t("budget.metric_opt_revenue"), format.money(opt_totals["revenue"]),
                        bw.delta(opt_totals["revenue"], plan_totals["revenue"]),
                        help=t("budget.metric_opt_revenue_help"))
    if optimum is not None:
        tiles[3].metric(t("budget.metric_opt_roas"), bw.ratio(opt_totals["roas"]),
                        bw.delta(opt_totals["roas"], plan_totals["roas"]),
                        help=t("budget.metric_opt_roas_help"))
    bw.download(bw.plan_table(whatif, opt_table), "budget_plan.csv", key="dl_plan",
                label_key="budget.download_plan")
