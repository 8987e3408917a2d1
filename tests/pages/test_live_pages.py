"""Live SQL data sets on every page: the same small shop saved in memory and kept live in a SQLite file
(and, for the overview and segments, on the test PostgreSQL server) shows the same numbers; what push-down
does not do is an info, never a traceback; database failures are an error without the password."""

import datetime as dt
import sqlite3

import pandas as pd
import pytest
import sqlalchemy as sa

from analytics.dataset import KINDS
from analytics.pushdown import SqlSource, check_source
from analytics.sample import make_sample
from tests.analytics.conftest import postgres_url  # noqa: F401 (fixture: a throw-away PostgreSQL server)
from tests.pages.conftest import open_page, shown_table
from ui import data

PASSWORD = "s3cr3t-pw"


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    """Categorical columns as plain values: what a database table holds."""
    return frame.astype({c: object for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})


@pytest.fixture(scope="module")
def shop():
    return make_sample(customers=400, seed=11)


def _fill(url: str, shop) -> str:
    engine = sa.create_engine(url)
    for kind in KINDS:
        _plain(shop.table(kind)).to_sql(kind, engine, index=False, if_exists="replace")
    engine.dispose()
    return url


@pytest.fixture(scope="module")
def sqlite_url(shop, tmp_path_factory):
    return _fill(f"sqlite:///{tmp_path_factory.mktemp('live') / 'shop.db'}", shop)


@pytest.fixture
def pair(shop, sqlite_url):
    """(in-memory id, live id) of the same shop in this test's fresh store."""
    store = data.store()
    return (store.save(shop, "Shop in memory"),
            store.save_sql(check_source(sqlite_url, {kind: kind for kind in KINDS}), "Shop live"))


def _both(script: str, pair, **query) -> tuple:
    """The page opened on the in-memory and on the live data set with the same URL parameters."""
    memory, live = (open_page(script, ds=ds_id, **query) for ds_id in pair)
    for at in (memory, live):
        assert not at.exception and not at.error, [e.value for e in at.error]
    return memory, live


def _metrics(at) -> dict:
    return {m.label: m.value for m in at.metric}


def _infos(at) -> list[str]:
    return [i.value for i in at.info]


# --- the same numbers -------------------------------------------------------------------------------

def test_overview_shows_the_same_tiles_and_trend(pair):
    memory, live = _both("app.py", pair)
    assert _metrics(live) == _metrics(memory) and len(_metrics(live)) == 7
    assert len(live.get("plotly_chart")) == len(memory.get("plotly_chart")) == 2
    assert "live SQL" in live.caption[0].value and "Shop live" in live.caption[0].value


def test_segments_show_the_same_tiles_and_profiles(pair):
    memory, live = _both("pages/2_Segments.py", pair)
    assert _metrics(live) == _metrics(memory)
    pd.testing.assert_frame_equal(shown_table(live, "Median R (days)"), shown_table(memory, "Median R (days)"))
    memory, live = _both("pages/2_Segments.py", pair, seg_view="clusters", seg_k="4")
    assert _metrics(live) == _metrics(memory)


def test_the_sidebar_date_range_reaches_the_database(pair, shop):
    last = shop.orders["order_ts"].max().date()
    narrow = [str(last - dt.timedelta(days=60)), str(last - dt.timedelta(days=10))]
    memory, live = _both("pages/2_Segments.py", pair, range=narrow)
    assert _metrics(live) == _metrics(memory)
    wide, _ = _both("pages/2_Segments.py", pair)
    assert _metrics(wide)["Customers"] != _metrics(live)["Customers"]  # the range changed the numbers
    memory, live = _both("app.py", pair, range=narrow)
    assert _metrics(live) == _metrics(memory)


def test_retention_shows_the_same_cohorts(pair):
    memory, live = _both("pages/4_Retention.py", pair)
    assert _metrics(live) == _metrics(memory)
    pd.testing.assert_frame_equal(shown_table(live, "Cohort"), shown_table(memory, "Cohort"))
    memory, live = _both("pages/4_Retention.py", pair, ret_period="W", ret_mode="on_or_after")
    assert _metrics(live) == _metrics(memory)


def test_funnel_shows_the_same_steps(pair):
    memory, live = _both("pages/3_Funnel.py", pair)
    shown, expected = _metrics(live), _metrics(memory)
    time_tile = "Median time to convert"
    assert shown.pop(time_tile) == "—" and expected.pop(time_tile) != "—"  # needs the per-user frame
    assert shown == expected
    pd.testing.assert_frame_equal(shown_table(live, "Users"), shown_table(memory, "Users"))
    assert any("Needs the data in memory: the conversion trend" in text for text in _infos(live))
    assert not any("Needs the data in memory" in text for text in _infos(memory))


def test_channels_show_the_same_last_touch_performance(pair):
    memory, live = _both("pages/5_Channels.py", pair)
    assert _metrics(live) == _metrics(memory)
    pd.testing.assert_frame_equal(shown_table(live, "ROAS"), shown_table(memory, "ROAS"))
    assert len(live.get("plotly_chart")) == 3  # ROAS bars, CAC vs LTV, the weekly trend
    assert any("Needs the data in memory: multi-touch attribution" in text for text in _infos(live))


def test_budget_fits_the_same_curves(pair):
    memory, live = _both("pages/6_Budget.py", pair)
    assert _metrics(live) == _metrics(memory) and _metrics(live)
    pd.testing.assert_frame_equal(shown_table(live, "Days with spend"), shown_table(memory, "Days with spend"))


@pytest.mark.parametrize("script", ["app.py", "pages/2_Segments.py"])
def test_a_live_data_set_on_postgresql_shows_the_same_numbers(shop, postgres_url, script):  # noqa: F811
    url = _fill(postgres_url, shop)
    store = data.store()
    memory = store.save(shop, "Shop in memory")
    live = store.save_sql(check_source(url, {kind: kind for kind in KINDS}), "Shop on PostgreSQL")
    at_memory, at_live = _both(script, (memory, live))
    assert _metrics(at_live) == _metrics(at_memory)


# --- what push-down does not do ---------------------------------------------------------------------

@pytest.mark.parametrize(("query", "told"), [
    ({"fun_order": "strict"}, "strict and any-order funnels"),
    ({"fun_by": "channel"}, "funnel breakdowns"),
])
def test_funnel_options_without_push_down_say_they_need_memory(pair, query, told):
    at = open_page("pages/3_Funnel.py", ds=pair[1], **query)
    assert not at.exception and not at.error
    assert any(told in text and "Read into memory" in text for text in _infos(at))
    assert not at.get("plotly_chart")


def test_retention_parts_without_push_down_say_they_need_memory(pair):
    at = open_page("pages/4_Retention.py", ds=pair[1], ret_view="revenue", ret_breakdown="channel")
    assert not at.exception and not at.error
    told = " ".join(_infos(at))
    assert "retention curves by channel or region" in told and "the repeat purchase rate" in told
    assert at.get("plotly_chart")  # the cohort heatmap and curves are still there
    at = open_page("pages/4_Retention.py", ds=pair[1], ret_basis="activity")
    assert not at.exception and any("cohorts on activity" in text for text in _infos(at))


# --- failures ---------------------------------------------------------------------------------------

def test_a_dropped_table_is_an_error_not_a_traceback(shop, tmp_path):
    url = _fill(f"sqlite:///{tmp_path / 'shop.db'}", shop)
    live = data.store().save_sql(check_source(url, {kind: kind for kind in KINDS}), "Soon broken")
    with sqlite3.connect(tmp_path / "shop.db") as conn:
        conn.execute("drop table orders")
    at = open_page("app.py", ds=live)
    assert not at.exception
    assert "'orders' is not a table or view of the database" in at.error[0].value


def test_an_unreachable_server_is_an_error_without_the_password():
    source = SqlSource(url=sa.make_url(f"postgresql+psycopg://analyst:{PASSWORD}@127.0.0.1:1/shop"),
                       tables={"orders": "orders"},
                       mappings={"orders": {"customer_id": "customer_id", "order_ts": "order_ts", "amount": "amount"}})
    live = data.store().save_sql(source, "Unreachable")
    at = open_page("pages/2_Segments.py", ds=live)
    assert not at.exception
    assert at.error and "could not query postgresql+psycopg://analyst:***@127.0.0.1:1/shop" in at.error[0].value
    shown = [e.value for e in (*at.error, *at.caption, *at.markdown, *at.info)]
    assert [text for text in shown if PASSWORD in text] == []
    assert PASSWORD not in str(dict(at.query_params))
