"""The Data page: renders, loads from a SQL database with a validation report, saves and opens the data."""

import sqlite3

from tests.pages.conftest import open_page
from ui import data


def _shop_db(path):
    with sqlite3.connect(path) as conn:
        conn.execute("create table orders (user_id text, order_no text, paid_at text, total text)")
        conn.executemany("insert into orders values (?, ?, ?, ?)", [
            ("007", "A1", "2024-05-01 10:00", "¥1,299.00"),
            ("008", "A2", "2024-05-02 11:00", "80"),
            ("007", "A3", "not a date", "5"),
        ])
    return f"sqlite:///{path}"


def test_data_page_renders_upload_and_sql_tabs():
    at = open_page("pages/1_Data.py")
    assert not at.exception
    assert [tab.label for tab in at.tabs] == ["Upload files", "SQL database"]
    assert "200 MB" in at.markdown[0].value  # the upload limit is stated


def test_sql_load_reports_dropped_rows_then_saves_and_opens_the_data_set(tmp_path):
    at = open_page("pages/1_Data.py")
    at.text_input(key="sql_url").input(_shop_db(tmp_path / "shop.db"))
    at.text_area(key="sql_source").input("orders").run()
    at.button(key="sql_load").click().run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Rows read": "3", "Rows loaded": "2", "Rows dropped": "1"}
    assert any("unparseable" in w.value.lower() or "time" in w.value.lower() for w in at.warning)

    at.text_input(key="sql_save_name").input("Warehouse shop")
    at.button(key="sql_save").click().run()
    assert not at.exception
    saved = data.store().list()
    assert saved["name"].tolist() == ["Warehouse shop"]
    assert at.session_state["ds"] == saved["id"][0]
    assert "Warehouse shop" in at.caption[0].value
    orders = data.store().load(saved["id"][0]).orders
    assert orders["customer_id"].tolist() == ["007", "008"]  # leading zeros kept
    assert orders["amount"].tolist() == [1299.0, 80.0]


def test_sql_errors_are_shown_without_the_password():
    at = open_page("pages/1_Data.py")
    at.text_input(key="sql_url").input("postgresql+psycopg://analyst:s3cret@127.0.0.1:1/shop")
    at.text_area(key="sql_source").input("orders").run()
    at.button(key="sql_load").click().run()
    assert not at.exception
    assert at.error and "s3cret" not in at.error[0].value


def test_view_only_link_switches_data_loading_off():
    at = open_page("pages/1_Data.py", view="1")
    assert not at.exception
    assert "view-only" in at.info[-1].value
    assert not at.tabs
