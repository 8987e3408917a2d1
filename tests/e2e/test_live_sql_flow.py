"""Browser test: a live SQL data set saved through the Data page (a SQLite file: the tables stay in it),
then the Segments page rendered from it with the numbers of the same orders computed in memory."""

import datetime as dt
import re

import pandas as pd
import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from analytics import rfm
from analytics.dataset import KINDS
from analytics.sample import make_sample
from ui import format

pytestmark = pytest.mark.e2e


def _plain(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.astype({c: object for c in frame.columns if isinstance(frame[c].dtype, pd.CategoricalDtype)})


def test_save_a_live_sql_data_set_then_segments_render_from_the_database(server_factory, page, tmp_path):
    shop = make_sample(customers=300, seed=7)
    path = tmp_path / "warehouse.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    for kind in KINDS:
        _plain(shop.table(kind)).to_sql(kind, engine, index=False)
    engine.dispose()
    server = server_factory()

    page.goto(f"{server.url}/Data")
    page.get_by_role("tab", name="SQL database").click()
    url_box = page.get_by_label("Database URL (SQLAlchemy)", exact=True)
    expect(url_box).to_have_attribute("type", "password")  # masked
    url_box.fill(f"sqlite:///{path}")
    url_box.press("Enter")
    page.get_by_text("Keep in the database (live)").click()
    expect(page.get_by_text("Checked: the required columns of orders, events, spend are mapped")).to_be_visible()
    name_box = page.get_by_label("Data-set name")
    name_box.fill("Warehouse (live)")
    name_box.press("Enter")
    page.get_by_role("button", name="Save and open").click()
    expect(page.get_by_text("Saved “Warehouse (live)”")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]ds=[A-Za-z0-9_-]{22}"))
    assert str(path) not in page.url and "sqlite" not in page.url  # the link carries the id only

    page.get_by_role("link", name="Segments").click()
    expect(page.get_by_text(re.compile(r"Data set: Warehouse \(live\) \(live SQL"))).to_be_visible()
    last = shop.orders["order_ts"].max().date()
    start = max(shop.orders["order_ts"].min().date(), last - dt.timedelta(days=364))
    days = shop.orders["order_ts"].dt.date
    table = rfm.rfm_table(shop.orders[(days >= start) & (days <= last)])
    tiles = page.locator('[data-testid="stMetric"]')
    expect(tiles.filter(has_text="Customers").first).to_contain_text(format.count(len(table)))
    expect(tiles.filter(has_text="GMV").first).to_contain_text(format.money(float(table["monetary"].sum())))
    expect(page.locator('[data-testid="stPlotlyChart"]').first).to_be_visible()
    expect(page.locator('[data-testid="stException"]')).to_have_count(0)
