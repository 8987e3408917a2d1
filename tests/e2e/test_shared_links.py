"""Browser tests of shared links: a saved data set with non-default settings opened on a fresh server in
a fresh browser shows the numbers the analytics API computes; view-only links lock the controls; a
changed setting is written back to the URL."""

import re

import pandas as pd
import pytest
from playwright.sync_api import expect

from analytics import Dataset, overview
from analytics.store import DatasetStore
from ui import format

pytestmark = pytest.mark.e2e

ORDERS = pd.DataFrame({
    "customer_id": pd.Categorical(["a", "b", "a", "c", "b", "d"]),
    "order_ts": pd.to_datetime(["2024-03-01 09:00", "2024-03-03 10:00", "2024-03-10 11:00",
                                "2024-03-12 12:00", "2024-03-20 13:00", "2024-03-28 14:00"]).astype("datetime64[ns]"),
    "amount": [120.0, 80.0, 40.0, 300.0, -20.0, 55.5],
})


def _saved(server_factory) -> tuple[str, object]:
    first = server_factory()  # the sender's server writes the store ...
    ds_id = DatasetStore(first.store_dir).save(Dataset(ORDERS), "Link shop")
    first.stop()
    return ds_id, server_factory()  # ... and the executive opens the link on a fresh process


def test_link_with_saved_data_set_and_range_shows_the_same_numbers_on_a_fresh_server(server_factory, page):
    ds_id, server = _saved(server_factory)
    page.goto(f"{server.url}/?ds={ds_id}&range=2024-03-10&range=2024-03-28")
    expected = overview.kpis(ORDERS, start="2024-03-10", end="2024-03-28")
    tiles = page.locator('[data-testid="stMetric"]')
    expect(page.get_by_text("Data set: Link shop · 2024-03-10 to 2024-03-28")).to_be_visible()
    # 40 + 300 - 20 + 55.5 = 375.50; orders a, c, d = 3
    expect(tiles.filter(has_text="GMV")).to_contain_text(format.money(expected.loc["gmv", "current"]))
    assert format.money(expected.loc["gmv", "current"]) == "¥375.50"
    expect(tiles.filter(has_text="Orders")).to_contain_text(format.count(expected.loc["orders", "current"]))
    expect(tiles.filter(has_text="ARPU")).to_contain_text(format.money(expected.loc["arpu", "current"]))


def test_view_only_link_locks_the_controls_and_data_loading(server_factory, page):
    ds_id, server = _saved(server_factory)
    page.goto(f"{server.url}/?ds={ds_id}&view=1")
    expect(page.get_by_text("View-only link: settings are shown")).to_be_visible()
    expect(page.locator('[data-testid="stDateInput"] input').first).to_be_disabled()
    expect(page.locator('[data-testid="stSelectbox"]').first.locator("input")).to_be_disabled()
    page.goto(f"{server.url}/Data?ds={ds_id}&view=1")
    expect(page.get_by_text("This is a view-only link")).to_be_visible()
    expect(page.locator('[data-testid="stFileUploaderDropzoneInput"]')).to_have_count(0)


def test_unknown_data_set_in_a_link_shows_a_message_not_someone_elses_data(server_factory, page):
    _, server = _saved(server_factory)
    page.goto(f"{server.url}/?ds={'Z' * 22}")
    expect(page.get_by_text("The data set in this link does not exist")).to_be_visible()
    expect(page.get_by_text("Data set: Sample shop (bundled)")).to_be_visible()


def test_changing_a_setting_writes_it_to_the_url_and_the_link_reproduces_it(server_factory, page):
    server = server_factory()
    page.goto(f"{server.url}/Budget?range=2026-08-01&range=2026-10-31")
    budget = page.get_by_role("spinbutton", name="Daily budget (¥/day)")
    budget.fill("12345")
    budget.press("Enter")
    expect(page).to_have_url(re.compile(r"bud_total=12345"))
    expect(page).to_have_url(re.compile(r"range=2026-08-01"))
    link = page.url
    fresh = page.context.browser.new_context().new_page()
    fresh.goto(link)
    expect(fresh.get_by_role("spinbutton", name="Daily budget (¥/day)")).to_have_value("12345")
    expect(fresh.get_by_text("Sample shop (bundled) · 2026-08-01 to 2026-10-31")).to_be_visible()
    fresh.context.close()
