"""The landing page (executive overview) on the bundled sample and on a saved upload."""

import datetime as dt

import pandas as pd

from analytics import Dataset, overview
from tests.pages.conftest import open_page
from ui import data, format


def _metrics(at):
    return {m.label: (m.value, m.delta) for m in at.metric}


def test_overview_shows_every_kpi_tile_and_both_charts_on_the_sample():
    at = open_page("app.py")
    assert not at.exception
    assert list(_metrics(at)) == ["GMV", "Orders", "Customers", "New customers", "AOV", "Repeat rate", "ARPU"]
    assert len(at.get("plotly_chart")) == 2
    # default range: the last 365 days of the sample, compared with the 365 days before
    orders = data.dataset(data.SAMPLE_ID).orders
    last = orders["order_ts"].max().date()
    expected = overview.kpis(orders, start=last - dt.timedelta(days=364), end=last)
    assert _metrics(at)["GMV"] == (format.money(expected.loc["gmv", "current"]),
                                   format.change(expected.loc["gmv", "change"]))
    assert _metrics(at)["Orders"][0] == format.count(expected.loc["orders", "current"])


def test_date_range_from_the_url_drives_the_tiles():
    at = open_page("app.py", range=["2026-10-01", "2026-10-31"])
    assert not at.exception
    orders = data.dataset(data.SAMPLE_ID).orders
    expected = overview.kpis(orders, start="2026-10-01", end="2026-10-31")
    assert _metrics(at)["Customers"][0] == format.count(expected.loc["customers", "current"])
    assert at.date_input(key="range").value == (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


def test_changing_the_date_range_updates_the_tiles():
    # The URL side of the binding is written by the browser; tests/e2e checks it in Chromium.
    at = open_page("app.py")
    before = _metrics(at)["GMV"]
    at.date_input(key="range").set_value((dt.date(2026, 9, 1), dt.date(2026, 9, 30))).run()
    assert not at.exception
    orders = data.dataset(data.SAMPLE_ID).orders
    expected = overview.kpis(orders, start="2026-09-01", end="2026-09-30")
    assert _metrics(at)["GMV"] != before
    assert _metrics(at)["GMV"][0] == format.money(expected.loc["gmv", "current"])


def test_saved_upload_opens_by_id_from_the_url():
    orders = pd.DataFrame({
        "customer_id": pd.Categorical(["u1", "u2", "u1"]),
        "order_ts": pd.to_datetime(["2024-03-01 10:00", "2024-03-02 11:00", "2024-03-05 12:00"]).astype("datetime64[ns]"),
        "amount": [100.0, 50.5, 20.0],
    })
    ds_id = data.store().save(Dataset(orders), "Tiny shop")
    at = open_page("app.py", ds=ds_id)
    assert not at.exception
    # 100 + 50.5 + 20 = 170.5 over 3 orders by 2 customers; u1 ordered twice -> repeat rate 50%
    assert _metrics(at)["GMV"][0] == "¥170.50"
    assert _metrics(at)["Orders"][0] == "3"
    assert _metrics(at)["Repeat rate"][0] == "50.0%"
    assert "Tiny shop" in at.caption[0].value


def test_unknown_data_set_id_warns_and_falls_back_to_the_sample():
    at = open_page("app.py", ds="A" * 22)
    assert not at.exception
    assert "does not exist" in at.warning[0].value
    assert "Sample shop" in at.caption[0].value
    malformed = open_page("app.py", ds="../../etc")
    assert "malformed" in malformed.warning[0].value


def test_overview_offers_csv_and_a_self_contained_html_report():
    at = open_page("app.py", range=["2026-10-01", "2026-10-31"])
    buttons = {b.proto.label: b for b in at.get("download_button")}
    assert set(buttons) == {"Download CSV", "Download report (HTML)"}
