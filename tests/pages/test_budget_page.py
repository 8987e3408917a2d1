"""The Budget page: response curves, what-if splits with presets and the optimiser, on the bundled sample
(numbers checked against analytics.budget called directly) and on tiny saved data sets."""

import datetime as dt
import functools

import pandas as pd
import pytest

from analytics import Dataset, budget
from tests.pages.conftest import open_page, shown_table
from ui import data, format

PAGE = "pages/6_Budget.py"
BOUND_TEXT = {"min": "at min", "max": "at max", "": "inside"}
# the page's default 30-40-30 mapping of the sample's channels
GROUPS = {"bilibili": "content", "kol": "content", "douyin": "social", "kuaishou": "social",
          "wechat": "social", "search": "search", "feed_ads": "search"}


@functools.cache
def _fit(adstock: bool = False):
    """The curves and the daily spend now, fitted as the page does on its default range (last 365 days)."""
    first, last = data.date_bounds(data.SAMPLE_ID)
    start = max(first, last - dt.timedelta(days=364))
    spend = data.in_range(data.SAMPLE_ID, "spend", start, last)
    orders = data.in_range(data.SAMPLE_ID, "orders", start, last)
    fit = budget.fit_channels(spend, budget.daily_revenue(orders), adstock=adstock, current_days=28)
    current = dict(zip(fit.report["channel"], fit.report["current_spend"]))
    return fit, {c: current[c] for c in fit.curves}


def _bounds(current, **multiples):
    """Default bounds 0.5x..2x of the spend now, with (min, max) multiples overridden per channel."""
    return {c: tuple(m * s for m in multiples.get(c, (0.5, 2.0))) for c, s in current.items()}


def _metrics(at):
    return {m.label: m.value for m in at.metric}




def _totals(curves, split):
    return budget.predict_totals(budget.predict(curves, split))


def test_default_view_is_the_current_split_with_its_optimum_curves_and_downloads():
    at = open_page(PAGE)
    assert not at.exception
    fit, current = _fit()
    total = sum(current.values())
    assert at.number_input(key="bud_total").value == pytest.approx(total)
    assert at.selectbox(key="bud_preset").value == "current"
    plan = _totals(fit.curves, budget.preset_split("current", current, total))
    bounds = _bounds(current)
    best = budget.optimize(fit.curves, total, bounds=bounds)
    optimised = _totals(fit.curves, best)
    metrics = _metrics(at)
    assert metrics["Revenue/day, your split"] == format.money(plan["revenue"])
    assert metrics["ROAS, your split"] == f"{plan['roas']:.2f}"
    assert metrics["Revenue/day, optimised"] == format.money(optimised["revenue"])
    assert metrics["ROAS, optimised"] == f"{optimised['roas']:.2f}"
    table = shown_table(at, "Bound")
    assert table["Channel"].tolist() == [*best, "Total"]
    assert table["Optimised: spend"].iloc[:-1].tolist() == pytest.approx(list(best.values()))
    assert table["Bound"].iloc[:-1].tolist() == [
        BOUND_TEXT[b] for b in budget.binding_bounds(best, bounds).values()]
    fit_table = shown_table(at, "Days with spend")
    assert fit_table["R²"].tolist() == pytest.approx(fit.report["r2"].tolist())
    assert "Adstock decay" not in fit_table.columns
    assert any("not measured causal lift" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 2  # scenario bars and response curves
    # plan, what-if, scenarios, optimum, fit quality
    assert len(at.get("download_button")) == 5
    assert "bud_split" not in at.query_params


def test_link_restores_budget_preset_groups_and_bounds():
    at = open_page(PAGE, bud_total="9000", bud_preset="30-40-30", bud_g_wechat="content",
                   bud_hi_douyin="1", bud_lo_kol="0")
    assert not at.exception
    assert at.number_input(key="bud_total").value == 9000.0
    assert at.selectbox(key="bud_preset").value == "30-40-30"
    assert at.selectbox(key="bud_g_wechat").value == "content"
    assert at.selectbox(key="bud_g_douyin").value == "social"
    assert at.number_input(key="bud_hi_douyin").value == 1.0
    assert at.number_input(key="bud_lo_kol").value == 0.0
    fit, current = _fit()
    split = budget.preset_split("30-40-30", current, 9000.0, groups={**GROUPS, "wechat": "content"})
    assert _metrics(at)["Revenue/day, your split"] == format.money(_totals(fit.curves, split)["revenue"])
    whatif = shown_table(at, "30-40-30 group").iloc[:-1]
    assert whatif["Spend"].tolist() == pytest.approx(list(split.values()))
    # the plan by hand: content 30%, social 40%, search 30% of the budget
    by_group = whatif.groupby("30-40-30 group")["Share"].sum()
    assert by_group.to_dict() == pytest.approx({"Content": 30.0, "Social": 40.0, "Search": 30.0})
    bounds = _bounds(current, douyin=(0.5, 1.0), kol=(0.0, 2.0))
    best = budget.optimize(fit.curves, 9000.0, bounds=bounds)
    table = shown_table(at, "Bound").iloc[:-1]
    assert table["Max spend"].tolist() == pytest.approx([bounds[c][1] for c in best])
    assert table["Optimised: spend"].tolist() == pytest.approx(list(best.values()))
    assert table["Bound"].tolist() == [BOUND_TEXT[b] for b in budget.binding_bounds(best, bounds).values()]


def test_custom_split_from_the_link_drives_the_prediction_and_stays_in_the_url():
    at = open_page(PAGE, bud_preset="custom", bud_total="10000",
                   bud_split=["douyin:50", "search:25", "wechat:25", "tv:10"])
    assert not at.exception
    fit, current = _fit()
    shares = {c: at.number_input(key=f"bud_s_{c}").value for c in current}
    # listed channels take their share; the others get 0; "tv" has no curve and is ignored
    assert shares == {**dict.fromkeys(current, 0.0), "douyin": 50.0, "search": 25.0, "wechat": 25.0}
    split = {**dict.fromkeys(current, 0.0), "douyin": 5000.0, "search": 2500.0, "wechat": 2500.0}
    assert _metrics(at)["Revenue/day, your split"] == format.money(_totals(fit.curves, split)["revenue"])
    assert at.query_params["bud_split"] == [f"{c}:{shares[c]:g}" for c in current]


def test_custom_starts_from_the_split_shown_and_shares_change_the_output():
    at = open_page(PAGE, bud_preset="even", bud_total="7000")
    assert "bud_split" not in at.query_params
    at.selectbox(key="bud_preset").set_value("custom").run()
    assert not at.exception
    fit, current = _fit()
    # the even split of 7 channels: 100 / 7 = 14.29% each, shown to one decimal
    assert [at.number_input(key=f"bud_s_{c}").value for c in current] == [14.3] * 7
    assert at.query_params["bud_split"] == [f"{c}:14.3" for c in current]
    at.number_input(key="bud_s_douyin").set_value(44.3).run()
    # shares 44.3 + 6 x 14.3 = 130.1%, scaled to 100%: douyin 7000 * 44.3 / 130.1
    split = {c: 7000.0 * (44.3 if c == "douyin" else 14.3) / 130.1 for c in current}
    assert _metrics(at)["Revenue/day, your split"] == format.money(_totals(fit.curves, split)["revenue"])
    assert any("add up to 130.1%" in c.value for c in at.caption)
    at.selectbox(key="bud_preset").set_value("current").run()
    assert "bud_split" not in at.query_params


def test_budget_and_adstock_widgets_change_the_output():
    at = open_page(PAGE)
    before = _metrics(at)["Revenue/day, your split"]
    at.number_input(key="bud_total").set_value(20000.0).run()
    fit, current = _fit()
    expected = _totals(fit.curves, budget.preset_split("current", current, 20000.0))
    assert _metrics(at)["Revenue/day, your split"] == format.money(expected["revenue"]) != before
    at.toggle(key="bud_adstock").set_value(True).run()
    assert not at.exception
    fit_adstock, _ = _fit(adstock=True)
    fit_table = shown_table(at, "Adstock decay")
    assert fit_table["Adstock decay"].tolist() == pytest.approx(fit_adstock.report["decay"].tolist())
    expected = _totals(fit_adstock.curves, budget.preset_split("current", current, 20000.0))
    assert _metrics(at)["Revenue/day, your split"] == format.money(expected["revenue"])


def test_target_mode_shows_the_least_spend_reaching_the_revenue_target():
    fit, current = _fit()
    target = round(_totals(fit.curves, current)["revenue"] * 1.05)
    at = open_page(PAGE, bud_mode="target", bud_target=str(target))
    assert not at.exception
    assert at.radio(key="bud_mode").value == "target"
    assert at.number_input(key="bud_target").value == target
    least = budget.min_spend_for(fit.curves, float(target), bounds=_bounds(current))
    assert _metrics(at)["Least spend/day for the target"] == format.money(sum(least.values()))
    assert shown_table(at, "Bound")["Optimised: spend"].iloc[:-1].tolist() == pytest.approx(list(least.values()))


def test_infeasible_bounds_explain_the_error_and_keep_the_what_if():
    at = open_page(PAGE, bud_total="1000")  # below the minima, half the spend now
    assert not at.exception
    assert "the minimum spends add up to" in at.error[0].value
    assert "Revenue/day, your split" in _metrics(at)
    assert "Revenue/day, optimised" not in _metrics(at)
    assert len(at.get("plotly_chart")) == 1  # the response curves, no optimum bars
    assert len(at.get("download_button")) == 4


def test_bad_link_values_warn_and_fall_back_to_the_defaults():
    at = open_page(PAGE, bud_preset="best")
    assert not at.exception
    assert any("not available here" in w.value for w in at.warning)
    assert at.selectbox(key="bud_preset").value == "current"
    at = open_page(PAGE, bud_preset="custom", bud_split=["douyin:lots"])
    assert any("Custom split" in w.value for w in at.warning)
    _, current = _fit()
    total = sum(current.values())
    shares = [at.number_input(key=f"bud_s_{c}").value for c in current]
    assert shares == [round(100.0 * s / total, 1) for s in current.values()]


def _save(orders, spend=None):
    return data.store().save(Dataset(orders, spend=spend) if spend is not None else Dataset(orders), "Tiny")


def _tiny_orders(**extra):
    return pd.DataFrame({
        "customer_id": pd.Categorical(["u1", "u2", "u3"]),
        "order_ts": pd.to_datetime(["2024-03-01 10:00", "2024-03-02 11:00", "2024-03-03 12:00"]).astype(
            "datetime64[ns]"),
        "amount": [100.0, 50.0, 20.0], **extra,
    })


def test_data_set_without_spend_says_what_to_load():
    at = open_page(PAGE, ds=_save(_tiny_orders(channel=pd.Categorical(["kol"] * 3))))
    assert not at.exception
    assert "no marketing spend" in at.info[-1].value


def test_short_spend_history_explains_why_there_is_no_curve():
    spend = pd.DataFrame({"date": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-03"]).astype(
        "datetime64[ns]"), "channel": pd.Categorical(["kol"] * 3), "spend": [10.0, 20.0, 30.0]})
    at = open_page(PAGE, ds=_save(_tiny_orders(channel=pd.Categorical(["kol"] * 3)), spend))
    assert not at.exception
    assert "No channel has a usable spend history" in at.info[-1].value
    assert shown_table(at, "Status")["Status"].tolist() == [
        "too few points: 3 day(s) with spend, need at least 8"]
    without_channel = open_page(PAGE, ds=_save(_tiny_orders(), spend))
    assert "daily_revenue needs the column(s) channel" in without_channel.error[0].value
