"""Budget: Hill curves, adstock, the per-channel fit and its report, what-if, the optimiser, its reverse
and the presets. Exact values are worked out by hand in comments; the optimiser is checked against
brute-force grids."""

from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from analytics import AnalyticsInputError, response
from analytics.budget import (
    HillCurve, adstock, binding_bounds, daily_revenue, fit_channels, fit_report, fit_response,
    min_spend_for, optimize, predict, predict_totals, preset_split, response_points,
)

# --- Hill curve and adstock ----------------------------------------------------------------------


def test_hill_curve_values_by_hand():
    # slope 1: 100 s / (50 + s): s=0 -> 0, s=50 -> 50, s=150 -> 15000/200 = 75
    # slope 2: 100 s^2 / (2500 + s^2): s=50 -> 50, s=100 -> 1e6/12500 = 80
    assert HillCurve(100.0, 50.0, 1.0)(np.array([0.0, 50.0, 150.0])).tolist() == [0.0, 50.0, 75.0]
    assert HillCurve(100.0, 50.0, 2.0)(np.array([[50.0], [100.0]])).tolist() == [[50.0], [80.0]]
    assert HillCurve(100.0, 50.0, 1.0)(50) == 50.0 and isinstance(HillCurve(1, 1, 1)(1), float)


def test_hill_curve_marginal_by_hand():
    # d/ds = beta n k^n s^(n-1) / (k^n + s^n)^2
    # slope 1 at 50: 100*50/100^2 = 0.5; at 0: beta/kappa = 2
    # slope 2 at 50: 100*2*2500*50/5000^2 = 1; at 0: 0;  slope 0.5 at 0: infinite
    assert HillCurve(100.0, 50.0, 1.0).marginal(np.array([50.0, 0.0])).tolist() == [0.5, 2.0]
    assert HillCurve(100.0, 50.0, 2.0).marginal(np.array([50.0, 0.0])).tolist() == [1.0, 0.0]
    assert HillCurve(100.0, 50.0, 0.5).marginal(0.0) == np.inf
    assert HillCurve(0.0, 50.0, 0.5).marginal(0.0) == 0.0


def test_hill_curve_marginal_matches_a_central_difference():
    curve = HillCurve(300.0, 80.0, 2.4)
    s = np.array([1.0, 30.0, 80.0, 400.0])
    numeric = (curve(s + 1e-4) - curve(s - 1e-4)) / 2e-4
    np.testing.assert_allclose(curve.marginal(s), numeric, rtol=1e-6)


def test_hill_curve_is_stable_at_huge_and_tiny_spend():
    curve = HillCurve(100.0, 50.0, 3.0)
    assert curve(np.array([1e300, 1e-300])).tolist() == [100.0, 0.0]
    assert curve.marginal(np.array([1e300, 1e-300])).tolist() == [0.0, 0.0]


def test_hill_curve_rejects_bad_parameters_and_negative_spend():
    with pytest.raises(AnalyticsInputError, match=r"HillCurve: 'kappa' must be a finite number > 0\. "
                                                  r"Got -1\.0 instead\."):
        HillCurve(1.0, -1.0, 1.0)
    with pytest.raises(AnalyticsInputError, match=r"HillCurve: 'beta' must be a finite number >= 0\. "
                                                  r"Got nan instead\."):
        HillCurve(float("nan"), 1.0, 1.0)
    with pytest.raises(AnalyticsInputError, match=r"HillCurve: spend must be a number >= 0\. Got "
                                                  r"-5\.0 instead\. Pass daily spends in currency\."):
        HillCurve(1.0, 1.0, 1.0)(np.array([1.0, -5.0]))


def test_adstock_carries_over_by_hand():
    # x0 = 10, x1 = 0 + 0.5*10 = 5, x2 = 0 + 0.5*5 = 2.5; constant 1: 1, 1.5, 1.75
    assert adstock([10.0, 0.0, 0.0], 0.5).tolist() == [10.0, 5.0, 2.5]
    assert adstock(np.array([1.0, 1.0, 1.0]), 0.5).tolist() == [1.0, 1.5, 1.75]
    assert adstock([3.0, 4.0], 0).tolist() == [3.0, 4.0]
    with pytest.raises(AnalyticsInputError, match=r"adstock: 'decay' must be a number in \[0, 1\)\. "
                                                  r"Got 1\.0 instead\. Use 0 for no carry-over"):
        adstock([1.0], 1.0)


# --- fit -------------------------------------------------------------------------------------------

TRUE = {"search": (1000.0, 200.0, 1.0), "social": (800.0, 300.0, 2.0), "video": (500.0, 80.0, 1.5)}


def _history(params, *, days=120, decay=0.0, noise=0.03, zeros=0.0, seed=11):
    """Synthetic daily history: spend uniform in [0.1, 5] x kappa (a share `zeros` of days off),
    revenue = Hill(adstock(spend)) with multiplicative Gaussian noise."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range("2024-01-01", periods=days)
    spend, revenue = [], []
    for channel, (beta, kappa, slope) in params.items():
        s = rng.uniform(0.1, 5.0, days) * kappa * (rng.random(days) >= zeros)
        r = HillCurve(beta, kappa, slope)(adstock(s, decay)) * (1 + noise * rng.standard_normal(days))
        spend.append(pd.DataFrame({"date": dates, "channel": channel, "spend": s}))
        revenue.append(pd.DataFrame({"date": dates, "channel": channel, "revenue": r}))
    return pd.concat(spend, ignore_index=True), pd.concat(revenue, ignore_index=True)


def _r2(curve, spend, revenue):
    s, r = spend["spend"].to_numpy(), revenue["revenue"].to_numpy()
    return 1 - ((r - curve(s)) ** 2).sum() / ((r - r.mean()) ** 2).sum()


def test_fit_recovers_known_curves_from_noisy_data():
    spend, revenue = _history(TRUE)
    fit = fit_channels(spend, revenue)
    assert list(fit.curves) == ["search", "social", "video"]
    for channel, (beta, kappa, slope) in TRUE.items():
        curve = fit.curves[channel]
        np.testing.assert_allclose([curve.beta, curve.kappa, curve.slope], [beta, kappa, slope], rtol=0.1)
    report = fit.report.set_index("channel")
    assert (report["status"] == "ok").all() and (report["points"] == 120).all()
    assert (report["decay"] == 0.0).all()
    assert report.loc["social", ["beta", "kappa", "slope"]].tolist() == [
        fit.curves["social"].beta, fit.curves["social"].kappa, fit.curves["social"].slope]
    # R^2 is that of the returned curve on the channel's points; 3% noise leaves it high
    for channel in TRUE:
        rows = spend["channel"] == channel
        expected = _r2(fit.curves[channel], spend[rows], revenue[rows])
        assert report.loc[channel, "r2"] == pytest.approx(expected, rel=1e-9)
        assert report.loc[channel, "r2"] > 0.9


def test_fit_with_adstock_recovers_decay_and_steady_state_curve():
    # pulsed spend (30% of days off) makes the carry-over visible; the steady-state curve of a constant
    # daily spend s is Hill(adstock = s / (1 - decay)), i.e. kappa * (1 - decay) = 200 * 0.5 = 100
    spend, revenue = _history({"tv": (1000.0, 200.0, 1.5)}, decay=0.5, zeros=0.3, seed=1)
    fit = fit_channels(spend, revenue, adstock=True)
    row = fit.report.iloc[0]
    assert row["status"] == "ok" and row["decay"] == pytest.approx(0.5, abs=0.05)
    curve = fit.curves["tv"]
    np.testing.assert_allclose([curve.beta, curve.kappa, curve.slope], [1000.0, 100.0, 1.5], rtol=0.1)
    assert fit_response(spend, revenue, adstock=True) == fit.curves


def test_report_explains_channels_without_a_curve_and_current_levels_by_hand():
    # spend table Jan 1..10; current window = last 2 days (Jan 9, 10)
    # a: 9 days with spend (Jan 1..9; Jan 3 in two campaign rows 20 + 10), min_points 10 -> too few;
    #    current spend (a on Jan 9 = 90, Jan 10 none = 0) / 2 = 45; revenue Jan 9 = 7 -> 3.5
    # b: Jan 1..10 spend 100 each -> no variation; current spend 100; revenue Jan 10 = 8 -> 4
    # c: Jan 1..10 spend 10, 20, ..., 100, no revenue rows -> no revenue; current (90 + 100) / 2 = 95
    # revenue of channel z (no spend) and of Jan 11 (after the spend table) is ignored
    days = pd.date_range("2024-01-01", periods=10)
    a = pd.DataFrame({"date": days[:9].append(days[2:3]), "channel": "a",
                      "spend": [10.0, 20.0, 20.0, 40, 50, 60, 70, 80, 90, 10.0]})
    b = pd.DataFrame({"date": days, "channel": "b", "spend": 100.0})
    c = pd.DataFrame({"date": days, "channel": "c", "spend": np.arange(10.0, 101.0, 10.0)})
    spend = pd.concat([c, a, b], ignore_index=True)
    revenue = pd.DataFrame({
        "date": pd.to_datetime(["2024-01-09", "2024-01-10", "2024-01-10", "2024-01-11"]),
        "channel": ["a", "b", "z", "a"],
        "revenue": [7.0, 8.0, 1000.0, 1000.0],
    })
    got = fit_report(spend, revenue, min_points=10, current_days=2)
    nan = [np.nan] * 3
    expected = pd.DataFrame({
        "channel": ["a", "b", "c"],
        "points": np.array([9, 10, 10], dtype=np.int64),
        "r2": nan,
        "status": [
            "too few points: 9 day(s) with spend, need at least 10",
            "no spend variation: the daily spend varies by 0.00% (coefficient of variation), below 1%, "
            "so its effect cannot be told apart",
            "no revenue: the channel has no positive revenue on its spend days",
        ],
        "beta": nan, "kappa": nan, "slope": nan, "decay": nan,
        "current_spend": [45.0, 100.0, 95.0],
        "current_revenue": [3.5, 4.0, 0.0],
    })
    assert_frame_equal(got, expected)
    assert fit_response(spend, revenue, min_points=10) == {}


def test_report_current_levels_use_whole_history_when_shorter_than_window():
    # 10 days < 28: mean over 10 days; c spends 10..100 -> 55
    spend = pd.DataFrame({"date": pd.date_range("2024-01-01", periods=10), "channel": "c",
                          "spend": np.arange(10.0, 101.0, 10.0)})
    revenue = pd.DataFrame({"date": ["2024-01-02"], "channel": ["c"], "revenue": [30.0]})
    report = fit_report(spend, revenue)
    assert report[["current_spend", "current_revenue"]].iloc[0].tolist() == [55.0, 3.0]


def test_fit_is_invariant_to_row_order_channel_dtype_and_date_dtype():
    spend, revenue = _history({k: TRUE[k] for k in ("search", "social")}, days=60)
    base = fit_report(spend, revenue)
    shuffled = fit_report(spend.sample(frac=1, random_state=2), revenue.sample(frac=1, random_state=3))
    assert_frame_equal(shuffled, base)
    categorical = spend.assign(channel=spend["channel"].astype("category"),
                               date=spend["date"].dt.strftime("%Y-%m-%d"))
    assert_frame_equal(fit_report(categorical, revenue.assign(channel=revenue["channel"].astype(
        "category"))), base)


def test_fit_is_the_same_whatever_order_the_revenue_rows_are_summed_in():
    # each day's revenue as 13 order rows in cents; summed forwards or backwards the float totals
    # differ in the last bits ((0.1 + 0.2) + 0.3 != 0.1 + (0.2 + 0.3)), as a database and a saved data
    # set differ, and the fit must still come out the same
    spend, revenue = _history({k: TRUE[k] for k in ("search", "social")}, days=60)
    pieces = np.random.default_rng(5).uniform(0.01, 0.3, (12, len(revenue))).round(2)  # 12 small orders
    rest = revenue.assign(revenue=(revenue["revenue"] - pieces.sum(axis=0)).round(2))
    rows = pd.concat([*(revenue.assign(revenue=p) for p in pieces), rest]).sort_values(
        ["date", "channel"], kind="stable")
    forwards = fit_channels(spend, rows)
    backwards = fit_channels(spend, rows.iloc[::-1])
    assert_frame_equal(backwards.report, forwards.report)
    assert backwards.curves == forwards.curves


def test_fit_failure_is_reported_not_dropped(monkeypatch):
    spend, revenue = _history({"search": TRUE["search"]}, days=20)
    failed = SimpleNamespace(success=False, message="maximum evaluations reached", cost=1.0)
    monkeypatch.setattr(response, "least_squares", lambda *args, **kwargs: failed)
    fit = fit_channels(spend, revenue)
    assert fit.curves == {}
    assert fit.report["status"].tolist() == ["fit failed: maximum evaluations reached"]


def test_fit_errors_are_explained():
    spend, revenue = _history({"search": TRUE["search"]}, days=10)
    with pytest.raises(AnalyticsInputError, match=r"fit_channels: the spend table has no rows, so there "
                                                  r"is nothing to fit\. Load a spend table"):
        fit_report(spend.iloc[:0], revenue)
    with pytest.raises(AnalyticsInputError, match=r"fit_channels: the column 'spend' has 1 negative "
                                                  r"spend\(s\)\. Spend must be >= 0"):
        fit_report(spend.assign(spend=spend["spend"].where(spend.index != 0, -1.0)), revenue)
    with pytest.raises(AnalyticsInputError, match=r"fit_channels \(revenue\) needs the column\(s\) "
                                                  r"revenue\. Found: date, channel, amount"):
        fit_report(spend, revenue.rename(columns={"revenue": "amount"}))
    with pytest.raises(AnalyticsInputError, match=r"fit_channels: 'min_points' must be an integer >= 5 "
                                                  r"\(more than the 4 curve parameters\)\. Got 4"):
        fit_report(spend, revenue, adstock=True, min_points=4)
    with pytest.raises(AnalyticsInputError, match=r"fit_channels: 'current_days' must be an integer "
                                                  r">= 1\. Got 0 instead\."):
        fit_report(spend, revenue, current_days=0)


# --- what-if ---------------------------------------------------------------------------------------


def test_predict_by_hand_with_hill_and_plain_callables():
    # a: Hill(100, 50, 1) at 50 -> 50, roas 1, marginal 0.5; at 0 -> 0, roas NaN, marginal 100/50 = 2
    # b: 3 s (no .marginal: numeric derivative) at 10 -> 30, roas 3, marginal 3
    curves = {"a": HillCurve(100.0, 50.0, 1.0), "b": lambda s: 3 * s, "c": HillCurve(100.0, 50.0, 1.0)}
    got = predict(curves, {"b": 10.0, "a": 50.0, "c": 0})
    expected = pd.DataFrame({
        "channel": ["b", "a", "c"],
        "spend": [10.0, 50.0, 0.0],
        "revenue": [30.0, 50.0, 0.0],
        "roas": [3.0, 1.0, np.nan],
        "marginal_roas": [3.0, 0.5, 2.0],
    })
    assert_frame_equal(got, expected, rtol=1e-9)
    # totals: spend 60, revenue 80, roas 80/60
    assert predict_totals(got) == {"spend": 60.0, "revenue": 80.0, "roas": 80.0 / 60.0}
    assert np.isnan(predict_totals(got.iloc[2:])["roas"])


def test_predict_errors_are_explained():
    curves = {"a": HillCurve(100.0, 50.0, 1.0)}
    with pytest.raises(AnalyticsInputError, match=r"predict: 'split' names channel\(s\) 'x' that have "
                                                  r"no curve\. Channels with a curve: 'a'\."):
        predict(curves, {"x": 1.0})
    with pytest.raises(AnalyticsInputError, match=r"predict: the spend of channel 'a' in 'split' must be "
                                                  r"a finite number >= 0\. Got -1\.0 instead\."):
        predict(curves, {"a": -1.0})
    with pytest.raises(AnalyticsInputError, match=r"predict: the curve of channel 'a' returned shape "
                                                  r"\(\) for spends of shape \(1,\)\. Curves must be "
                                                  r"vectorised; wrap a scalar function with "
                                                  r"numpy\.vectorize\."):
        predict({"a": lambda s: 5.0}, {"a": 1.0})
    with pytest.raises(AnalyticsInputError, match=r"predict_totals needs the column\(s\) revenue"):
        predict_totals(pd.DataFrame({"spend": [1.0]}))


# --- optimiser -------------------------------------------------------------------------------------

CONCAVE = [HillCurve(100.0, 50.0, 1.0), HillCurve(150.0, 120.0, 0.8), HillCurve(80.0, 20.0, 0.6),
           HillCurve(200.0, 300.0, 1.0)]
S_SHAPED = [HillCurve(100.0, 50.0, 2.5), HillCurve(300.0, 400.0, 3.0), HillCurve(120.0, 60.0, 2.0),
            HillCurve(90.0, 40.0, 3.0)]


def _grid_best(curves, total, steps, high=None):
    """Brute force: best revenue over every split of `total` into multiples of total/steps (the last
    channel takes the rest), within the maxima `high`."""
    n = len(curves)
    axes = np.meshgrid(*[np.arange(steps + 1)] * (n - 1), indexing="ij")
    units = np.stack([a.ravel() for a in axes])
    units = units[:, units.sum(axis=0) <= steps]
    spend = np.vstack([units, steps - units.sum(axis=0)]) * (total / steps)
    ok = np.ones(spend.shape[1], dtype=bool) if high is None else (spend <= np.array(high)[:, None]).all(0)
    return max(sum(c(s) for c, s in zip(curves, spend[:, ok])))


@pytest.mark.parametrize("shape", ["concave", "s_shaped"])
@pytest.mark.parametrize(("n", "steps"), [(2, 100_000), (3, 1_000), (4, 120)])
@pytest.mark.parametrize("total", [60.0, 400.0])
def test_optimize_matches_brute_force_grid(shape, n, steps, total):
    curves = (CONCAVE if shape == "concave" else S_SHAPED)[:n]
    split = optimize(dict(zip("abcd", curves)), total)
    spend = np.array(list(split.values()))
    assert list(split) == list("abcd"[:n])
    assert spend.sum() == pytest.approx(total, rel=1e-12) and (spend >= 0).all()
    revenue = sum(c(s) for c, s in zip(curves, spend))
    assert revenue >= _grid_best(curves, total, steps) * (1 - 1e-3)


def test_optimize_escapes_the_even_split_on_s_shaped_curves():
    # two identical S-curves 100 s^3 / (50^3 + s^3), total 80: even split 40/40 gives
    # 2 * 100 * 64000 / 189000 = 67.7, all on one channel 100 * 512000 / 637000 = 80.4 (the optimum)
    curve = HillCurve(100.0, 50.0, 3.0)
    split = optimize({"a": curve, "b": curve}, 80.0)
    assert sorted(split.values()) == [0.0, 80.0]


def test_optimize_splits_identical_concave_curves_evenly():
    # concave and symmetric: the optimum is the even split
    curve = HillCurve(100.0, 50.0, 1.0)
    split = optimize({"a": curve, "b": curve, "c": curve}, 90.0)
    np.testing.assert_allclose(list(split.values()), [30.0, 30.0, 30.0], rtol=1e-6)


def test_optimize_with_plain_callables_uses_numeric_derivatives():
    # 10 sqrt(a) + 20 sqrt(b), a + b = 100: equal marginals 5/sqrt(a) = 10/sqrt(b) -> b = 4a -> a = 20
    split = optimize({"a": lambda s: 10 * np.sqrt(s), "b": lambda s: 20 * np.sqrt(s)}, 100.0)
    np.testing.assert_allclose([split["a"], split["b"]], [20.0, 80.0], rtol=1e-4)


def test_optimize_respects_bounds_and_reports_the_binding_ones():
    # a = 200 s/(50+s) is far better than b = 100 s/(50+s) but capped at 30: marginal of a at 30 is
    # 200*50/80^2 = 1.56 > marginal of b at 60 = 100*50/110^2 = 0.41, so a stops at its max;
    # c (weak, 10 s/(500+s)) is held at its minimum 10: b + c = 70, c at 10 -> b = 60
    curves = {"a": HillCurve(200.0, 50.0, 1.0), "b": HillCurve(100.0, 50.0, 1.0),
              "c": HillCurve(10.0, 500.0, 1.0)}
    bounds = {"a": (0, 30), "c": (10, 100)}
    split = optimize(curves, 100.0, bounds=bounds)
    np.testing.assert_allclose(list(split.values()), [30.0, 60.0, 10.0], rtol=1e-9)
    assert binding_bounds(split, bounds) == {"a": "max", "b": "", "c": "min"}
    marginal = predict(curves, split)["marginal_roas"].to_numpy()
    assert marginal[0] > marginal[1] > marginal[2]


def test_brute_force_with_bounds_agrees():
    curves = S_SHAPED[:3]
    split = optimize(dict(zip("abc", curves)), 300.0, bounds={"a": (0, 40), "b": (0, 200)})
    spend = np.array(list(split.values()))
    assert spend[0] <= 40 and spend[1] <= 200 and spend.sum() == pytest.approx(300.0, rel=1e-12)
    revenue = sum(c(s) for c, s in zip(curves, spend))
    assert revenue >= _grid_best(curves, 300.0, 1_000, high=[40, 200, 300]) * (1 - 1e-3)


def test_zero_curve_gets_its_minimum_unless_the_others_are_full():
    # z earns nothing: it keeps its minimum 10 and a takes the other 90;
    # with a capped at 60, z must take the remaining 40
    curves = {"a": HillCurve(100.0, 50.0, 1.0), "z": lambda s: 0 * s}
    assert optimize(curves, 100.0, bounds={"z": (10, 50)}) == {"a": 90.0, "z": 10.0}
    assert optimize(curves, 100.0, bounds={"z": (10, 50), "a": (0, 60)}) == {"a": 60.0, "z": 40.0}
    assert optimize({"z": HillCurve(0.0, 1.0, 1.0)}, 5.0) == {"z": 5.0}


def test_optimize_edge_budgets():
    curve = HillCurve(100.0, 50.0, 1.0)
    assert optimize({"a": curve, "b": curve}, 0.0) == {"a": 0.0, "b": 0.0}
    # minima use the whole budget / maxima are exactly the budget
    assert optimize({"a": curve, "b": curve}, 30.0, bounds={"a": (10, 20), "b": (20, 50)}) == {
        "a": 10.0, "b": 20.0}
    assert optimize({"a": curve, "b": curve}, 70.0, bounds={"a": (10, 20), "b": (20, 50)}) == {
        "a": 20.0, "b": 50.0}
    split = optimize({"a": curve, "b": curve}, 100.0, bounds={"a": (0, np.inf)})
    np.testing.assert_allclose(list(split.values()), [50.0, 50.0], rtol=1e-6)


def test_optimize_errors_are_explained():
    curves = {"a": HillCurve(100.0, 50.0, 1.0), "b": HillCurve(100.0, 50.0, 1.0)}
    with pytest.raises(AnalyticsInputError, match=r"optimize: the minimum spends add up to 1,500\.00 "
                                                  r"\('a' 1,000\.00, 'b' 500\.00\), more than the total "
                                                  r"budget 1,200\.00\. Lower those minimums or raise the "
                                                  r"total to at least 1,500\.00\."):
        optimize(curves, 1200.0, bounds={"a": (1000, 2000), "b": (500, 600)})
    with pytest.raises(AnalyticsInputError, match=r"optimize: the maximum spends add up to 800\.00 "
                                                  r"\('a' 300\.00, 'b' 500\.00\), less than the total "
                                                  r"budget 1,000\.00\. Raise those maximums or lower the "
                                                  r"total to at most 800\.00\."):
        optimize(curves, 1000.0, bounds={"a": (0, 300), "b": (0, 500)})
    with pytest.raises(AnalyticsInputError, match=r"optimize: the bounds of channel 'a' have a minimum "
                                                  r"500\.00 above the maximum 100\.00\. Swap them"):
        optimize(curves, 1000.0, bounds={"a": (500, 100)})
    with pytest.raises(AnalyticsInputError, match=r"optimize: the bounds of channel 'b' must have a "
                                                  r"finite minimum >= 0 and a maximum \(math\.inf for "
                                                  r"none\)\. Got \(-1\.0, 5\.0\) instead\."):
        optimize(curves, 10.0, bounds={"b": (-1, 5)})
    with pytest.raises(AnalyticsInputError, match=r"optimize: the bounds of channel 'a' must be a "
                                                  r"\(min, max\) pair of numbers\. Got 5 instead\."):
        optimize(curves, 10.0, bounds={"a": 5})
    with pytest.raises(AnalyticsInputError, match=r"optimize: 'bounds' names channel\(s\) 'x' that have "
                                                  r"no curve\. Channels: 'a', 'b'\."):
        optimize(curves, 10.0, bounds={"x": (0, 1)})
    with pytest.raises(AnalyticsInputError, match=r"optimize: 'bounds' must be a mapping channel -> "
                                                  r"\(min, max\) or None\. Got list instead\."):
        optimize(curves, 10.0, bounds=[(0, 1)])
    with pytest.raises(AnalyticsInputError, match=r"optimize: 'total' must be a finite number >= 0 "
                                                  r"\(daily currency\)\. Got -5 instead\."):
        optimize(curves, -5)
    with pytest.raises(AnalyticsInputError, match=r"optimize: 'curves' must be a non-empty mapping "
                                                  r"channel -> curve .* Got \{\} instead\. Fit them with "
                                                  r"fit_response first\."):
        optimize({}, 10.0)
    with pytest.raises(AnalyticsInputError, match=r"optimize: the curve of channel 'a' must be a "
                                                  r"callable spend -> revenue\. Got float instead\."):
        optimize({"a": 1.0}, 10.0)
    with pytest.raises(AnalyticsInputError, match=r"optimize: the curve of channel 'a' returned a "
                                                  r"non-finite revenue at spend 5\.31\. Curves must give"):
        # probes 0, 10/32, ..., the first above 5 is 170/32 = 5.3125
        optimize({"a": lambda s: np.where(s > 5, np.nan, s)}, 10.0)


# --- reverse: least spend for a target --------------------------------------------------------------


def _inverse(curve, revenue):
    """Spend at which a Hill curve reaches `revenue` (inf when it never does)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        s = curve.kappa * (revenue / (curve.beta - revenue)) ** (1 / curve.slope)
    return np.where(revenue <= 0, 0.0, np.where(revenue < curve.beta, s, np.inf))


@pytest.mark.parametrize("curves", [CONCAVE[:2], S_SHAPED[:2]])
def test_min_spend_for_matches_brute_force_on_two_channels(curves):
    # brute force: for every spend of a on a fine grid, b spends exactly what the rest of the target needs
    target, high = 150.0, 800.0
    a = np.linspace(0.0, high, 400_001)
    b = _inverse(curves[1], target - curves[0](a))
    least = (a + np.where(b <= high, b, np.inf)).min()
    split = min_spend_for(dict(zip("ab", curves)), target, bounds={"a": (0, high), "b": (0, high)})
    assert sum(split.values()) == pytest.approx(least, rel=1e-3)
    assert curves[0](split["a"]) + curves[1](split["b"]) >= target


def test_min_spend_for_identical_concave_curves_by_hand():
    # two 100 s/(50+s), target 100: by symmetry and concavity 50 each (50 + 50 revenue), total 100
    curve = HillCurve(100.0, 50.0, 1.0)
    split = min_spend_for({"a": curve, "b": curve}, 100.0, max_total=1000.0)
    np.testing.assert_allclose(list(split.values()), [50.0, 50.0], rtol=1e-3)
    assert sum(split.values()) == pytest.approx(100.0, rel=1e-5)


def test_min_spend_for_returns_the_minima_when_they_reach_the_target():
    # minima 50 + 20 bring 50 + 100*20/70 = 78.6 >= 60
    curve = HillCurve(100.0, 50.0, 1.0)
    split = min_spend_for({"a": curve, "b": curve}, 60.0, bounds={"a": (50, 80), "b": (20, 80)})
    assert split == {"a": 50.0, "b": 20.0}


def test_min_spend_for_errors_are_explained():
    curve = HillCurve(100.0, 50.0, 1.0)
    # at the maxima 50 + 50: 100*50/100 twice = 100 at most
    with pytest.raises(AnalyticsInputError, match=r"min_spend_for: the target revenue 150\.00 is out of "
                                                  r"reach: the most the curves predict within the bounds "
                                                  r"is 100\.00 \(at a total spend of 100\.00\)\. Lower the "
                                                  r"target or raise the maximum spends\."):
        min_spend_for({"a": curve, "b": curve}, 150.0, bounds={"a": (0, 50), "b": (0, 50)})
    with pytest.raises(AnalyticsInputError, match=r"min_spend_for: the channel\(s\) 'b' have no maximum "
                                                  r"spend, so the search for the least total has no upper "
                                                  r"end\. Give them a maximum in 'bounds' or pass "
                                                  r"max_total"):
        min_spend_for({"a": curve, "b": curve}, 10.0, bounds={"a": (0, 50)})
    with pytest.raises(AnalyticsInputError, match=r"min_spend_for: 'max_total' 10\.00 is below the sum "
                                                  r"of the minimum spends 20\.00\. Raise max_total or "
                                                  r"lower the minimums\."):
        min_spend_for({"a": curve, "b": curve}, 10.0, bounds={"a": (20, 50)}, max_total=10.0)
    with pytest.raises(AnalyticsInputError, match=r"min_spend_for: 'target' must be a finite number "
                                                  r"\(daily revenue\)\. Got nan instead\."):
        min_spend_for({"a": curve}, float("nan"), max_total=10.0)


# --- binding bounds ------------------------------------------------------------------------------


def test_binding_bounds_tolerance_and_defaults():
    # total 100, tol 1e-6 -> within 1e-4 of a bound; no bounds -> (0, 100); min == max reports "min"
    split = {"a": 10.00005, "b": 29.9, "c": 0.0, "d": 60.09995}
    got = binding_bounds(split, {"a": (10, 50), "b": (0, 30), "d": (60.09995, 60.09995)})
    assert got == {"a": "min", "b": "", "c": "min", "d": "min"}
    assert binding_bounds({"a": 100.0}) == {"a": "max"}
    with pytest.raises(AnalyticsInputError, match=r"binding_bounds: 'tol' must be a number in \[0, 1\) "
                                                  r"\(a share of the split's total\)\. Got -1 instead\."):
        binding_bounds(split, tol=-1)


# --- presets -------------------------------------------------------------------------------------


def test_presets_current_and_even_by_hand():
    current = {"a": 10.0, "b": 30.0, "c": 0.0}
    # current 10:30:0 scaled to 200 -> 50, 150, 0; even -> 200/3 each
    assert preset_split("current", current, 200.0) == {"a": 50.0, "b": 150.0, "c": 0.0}
    assert preset_split("even", current, 200.0) == dict.fromkeys("abc", 200.0 / 3)


def test_preset_30_40_30_by_hand():
    # content 300 -> a; social 400 split 30:10 -> b 300, c 100; search 300, no current spend -> even 150
    current = {"a": 10.0, "b": 30.0, "c": 10.0, "d": 0.0, "e": 0.0}
    groups = {"a": "content", "b": "social", "c": "social", "d": "search", "e": "search", "x": "social"}
    assert preset_split("30-40-30", current, 1000.0, groups=groups) == {
        "a": 300.0, "b": 300.0, "c": 100.0, "d": 150.0, "e": 150.0}
    # no search channel: content and social share 700 as 3:4 -> 300, 400
    assert preset_split("30-40-30", {"a": 1.0, "b": 1.0}, 700.0, groups=groups) == {
        "a": 300.0, "b": 400.0}


def test_preset_errors_are_explained():
    current = {"a": 10.0, "b": 0.0}
    with pytest.raises(AnalyticsInputError, match=r"The 'name' parameter of preset_split must be one of "
                                                  r"'current', 'even', '30-40-30'\. Got 'best' instead\."):
        preset_split("best", current, 100.0)
    with pytest.raises(AnalyticsInputError, match=r"preset_split: the 'current' preset scales the "
                                                  r"current spend, but every channel spends 0 now\. Use "
                                                  r"the 'even' preset instead\."):
        preset_split("current", {"a": 0.0}, 100.0)
    with pytest.raises(AnalyticsInputError, match=r"preset_split: the '30-40-30' preset needs 'groups', "
                                                  r"a mapping channel -> one of 'content', 'social', "
                                                  r"'search'\. Got None instead\."):
        preset_split("30-40-30", current, 100.0)
    with pytest.raises(AnalyticsInputError, match=r"preset_split: 'groups' has no group for channel\(s\) "
                                                  r"'b'\. Map every channel to one of 'content', "
                                                  r"'social', 'search'\."):
        preset_split("30-40-30", current, 100.0, groups={"a": "search"})
    with pytest.raises(AnalyticsInputError, match=r"preset_split: 'groups' maps 'b' -> 'tv'; the groups "
                                                  r"of the '30-40-30' preset are 'content', 'social', "
                                                  r"'search'\."):
        preset_split("30-40-30", current, 100.0, groups={"a": "search", "b": "tv"})
    with pytest.raises(AnalyticsInputError, match=r"preset_split: 'current' must be a non-empty mapping "
                                                  r"channel -> daily spend\. Got \{\} instead\."):
        preset_split("even", {}, 100.0)


# --- daily attributed revenue and the observed points ---------------------------------------------

_ORDERS = pd.DataFrame({
    "customer_id": ["u1", "u2", "u1", "u3", "u4", "u5"],
    "order_ts": ["2024-03-02 23:30", "2024-03-01 10:00", "2024-03-02 08:00", "2024-03-01 12:00",
                 "2024-03-02 09:00", "2024-03-03 09:00"],
    "channel": ["kol", "search", "kol", "kol", None, "search"],
    "amount": [100.0, 50.0, -30.0, 20.0, 999.0, -10.0],
})


def _expected_daily(channel_dtype="str"):
    # 03-01: kol 20, search 50; 03-02: kol 100 - 30 (refund) = 70 (u4 has no channel: left out);
    # 03-03: search has only a refund, -10
    return pd.DataFrame({
        "date": pd.to_datetime(["2024-03-01", "2024-03-01", "2024-03-02", "2024-03-03"]).astype(
            "datetime64[ns]"),
        "channel": pd.Series(["kol", "search", "kol", "search"], dtype=channel_dtype),
        "revenue": [20.0, 50.0, 70.0, -10.0],
    })


@pytest.mark.parametrize("shuffle", [False, True])
@pytest.mark.parametrize("channels", ["str", "category"])
@pytest.mark.parametrize("times", ["str", "datetime", "tz-aware"])
def test_daily_revenue_sums_net_amounts_per_day_and_channel_by_hand(shuffle, channels, times):
    orders = _ORDERS.sample(frac=1.0, random_state=3) if shuffle else _ORDERS
    orders = orders.assign(channel=orders["channel"].astype(channels))
    if times != "str":
        ts = pd.to_datetime(orders["order_ts"])
        # tz-aware times keep their local clock: 23:30+08:00 stays on 03-02
        orders = orders.assign(order_ts=ts.dt.tz_localize("Asia/Shanghai") if times == "tz-aware" else ts)
    before = orders.copy()
    assert_frame_equal(daily_revenue(orders), _expected_daily())
    assert_frame_equal(orders, before)  # the input is not mutated


def test_daily_revenue_keeps_integer_channel_ids_and_custom_columns():
    orders = pd.DataFrame({"ts": ["2024-01-02", "2024-01-01", "2024-01-02"], "src": [7, 3, 7],
                           "paid": [1.5, 2.0, 2.5]})
    # 01-01: channel 3 -> 2.0; 01-02: channel 7 -> 1.5 + 2.5 = 4.0
    expected = pd.DataFrame({"date": pd.to_datetime(["2024-01-01", "2024-01-02"]).astype("datetime64[ns]"),
                             "channel": [3, 7], "revenue": [2.0, 4.0]})
    got = daily_revenue(orders, ts_col="ts", channel_col="src", amount_col="paid")
    assert_frame_equal(got, expected)


def test_daily_revenue_of_no_attributable_rows_is_empty():
    for orders in (_ORDERS.iloc[:0], _ORDERS.assign(channel=None)):
        got = daily_revenue(orders)
        assert list(got.columns) == ["date", "channel", "revenue"] and len(got) == 0
        assert got["date"].dtype == "datetime64[ns]" and got["revenue"].dtype == "float64"


def test_daily_revenue_errors_are_explained():
    with pytest.raises(AnalyticsInputError, match=r"daily_revenue needs the column\(s\) channel\. Found: "
                                                  r"customer_id, order_ts, amount\. Rename or map"):
        daily_revenue(_ORDERS.drop(columns="channel"))
    with pytest.raises(AnalyticsInputError, match=r"daily_revenue: the column 'amount' must be numeric"):
        daily_revenue(_ORDERS.assign(amount="n/a"))
    with pytest.raises(AnalyticsInputError, match=r"daily_revenue: the column 'order_ts' holds values "
                                                  r"that are not dates or times"):
        daily_revenue(_ORDERS.assign(order_ts="yesterday"))


def test_response_points_are_the_spend_days_with_their_revenue_by_hand():
    spend = pd.DataFrame({
        "date": ["2024-03-02", "2024-03-01", "2024-03-01", "2024-03-03", "2024-03-01"],
        "channel": pd.Categorical(["a", "a", "b", "b", "a"]),
        "spend": [20.0, 10.0, 0.0, 8.0, 5.0],
    })
    revenue = pd.DataFrame({
        "date": ["2024-03-01", "2024-03-02", "2024-03-02", "2024-03-02", "2024-03-01", "2024-02-28"],
        "channel": ["a", "a", "a", "b", "c", "a"],
        "revenue": [100.0, 40.0, 10.0, 7.0, 99.0, 1.0],
    })
    # a: 03-01 spend 10 + 5 (two campaign rows) = 15, revenue 100; 03-02 spend 20, revenue 40 + 10;
    # b: 03-01 spend 0, no revenue; 03-03 spend 8, no revenue (b's 7 on 03-02 has no spend row);
    # c has no spend row and 02-28 lies before the spend history: both left out
    expected = pd.DataFrame({
        "date": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-01", "2024-03-03"]).astype(
            "datetime64[ns]"),
        "channel": pd.Series(["a", "a", "b", "b"], dtype="str"),
        "spend": [15.0, 20.0, 0.0, 8.0],
        "revenue": [100.0, 50.0, 0.0, 0.0],
    })
    assert_frame_equal(response_points(spend, revenue), expected)
    assert_frame_equal(response_points(spend.iloc[::-1], revenue.iloc[::-1]), expected)
    no_revenue = response_points(spend, revenue.iloc[:0])
    assert no_revenue["revenue"].tolist() == [0.0] * 4
    assert len(response_points(spend.iloc[:0], revenue)) == 0


def test_response_points_match_the_fit_points():
    spend, revenue = _history({"search": TRUE["search"]}, days=30)
    points = response_points(spend, revenue)
    assert (points["channel"] == "search").all()
    assert fit_report(spend, revenue).loc[0, "points"] == len(points) == 30
    assert points["spend"].tolist() == spend["spend"].tolist()
    assert points["revenue"].tolist() == revenue["revenue"].tolist()


def test_response_points_errors_are_explained():
    spend = pd.DataFrame({"date": ["2024-01-01"], "channel": ["a"], "spend": [1.0]})
    with pytest.raises(AnalyticsInputError, match=r"response_points \(revenue\) needs the column\(s\) "
                                                  r"revenue\. Found: date, channel, amount\."):
        response_points(spend, pd.DataFrame({"date": [], "channel": [], "amount": []}))
    with pytest.raises(AnalyticsInputError, match=r"response_points \(spend\) needs the column\(s\) "
                                                  r"spend\. Found: date, channel\."):
        response_points(spend[["date", "channel"]], spend)
