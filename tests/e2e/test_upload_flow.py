"""Browser test: a fresh server, the Data page opened first by direct link, a CSV uploaded through the
file widget, saved, and the overview then showing that file's numbers."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e

CSV = (
    "用户ID,订单号,下单时间,实付金额,渠道\n"
    "u1,A001,2024-03-01 10:00,\"￥1,000.00\",douyin\n"
    "u2,A002,2024-03-02 11:00,50.5,search\n"
    "u1,A003,2024-03-05 12:00,20,wechat\n"
    ",A004,2024-03-06 12:00,99,search\n"
)


def test_upload_on_a_fresh_server_then_overview_shows_its_numbers(server_factory, page, tmp_path):
    server = server_factory()
    csv_path = tmp_path / "orders_gbk.csv"
    csv_path.write_bytes(CSV.encode("gbk"))

    page.goto(f"{server.url}/Data")
    expect(page.get_by_role("heading", name="Data", exact=True)).to_be_visible()
    page.locator('[data-testid="stFileUploaderDropzoneInput"]').first.set_input_files(str(csv_path))

    # validation report: 4 rows read, 3 loaded, 1 dropped (missing id)
    report = page.locator('[data-testid="stMetric"]')
    expect(report.filter(has_text="Rows loaded")).to_contain_text("3")
    expect(report.filter(has_text="Rows dropped")).to_contain_text("1")
    page.get_by_role("button", name="Save and open").first.click()
    expect(page.get_by_text("Saved “My upload”")).to_be_visible()
    expect(page).to_have_url(re.compile(r"[?&]ds=[A-Za-z0-9_-]{22}"))

    page.get_by_role("link", name="Overview").click()
    tiles = page.locator('[data-testid="stMetric"]')
    # 1000 + 50.5 + 20 = 1070.50 from 3 orders of 2 customers
    expect(tiles.filter(has_text="GMV")).to_contain_text("¥1,070.50")
    expect(tiles.filter(has_text="Orders")).to_contain_text("3")
    expect(tiles.filter(has_text="Customers").first).to_contain_text("2")
    expect(page.get_by_text("Data set: My upload")).to_be_visible()
