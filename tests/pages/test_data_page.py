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


def _warehouse_db(path):
    """Orders with Chinese headers and numeric amounts, an events table and an unrelated table."""
    with sqlite3.connect(path) as conn:
        conn.execute("create table orders (用户ID text, 订单号 text, 下单时间 timestamp, 实付金额 real, 备注 real)")
        conn.executemany("insert into orders values (?, ?, ?, ?, ?)", [
            ("007", "A1", "2024-05-01 10:00:00", 1299.0, 1.0),
            ("008", "A2", "2024-05-02 11:00:00", 80.0, 2.0),
            ("007", "A3", "2024-05-20 09:00:00", 5.0, 3.0),
        ])
        conn.execute("create table events (user_id text, event_ts timestamp, event_name text)")
        conn.execute("create table notes (id integer)")
    return f"sqlite:///{path}"


def _live_tab(url: str):
    at = open_page("pages/1_Data.py")
    at.text_input(key="sql_url").input(url)
    at.radio(key="sql_mode").set_value("live").run()
    assert not at.exception
    return at


def test_a_live_sql_source_is_checked_saved_and_opened_without_copying(tmp_path):
    at = _live_tab(_warehouse_db(tmp_path / "shop.db"))
    assert at.text_input(key="sql_url").proto.type == at.text_input(key="sql_url").proto.PASSWORD  # masked
    assert [at.selectbox(key=f"live_table_{kind}").value for kind in ("orders", "events", "spend")] == [
        "orders", "events", "—"]
    assert at.selectbox(key="live_map_orders_orders_amount").value == "实付金额"  # auto-mapped
    assert "Checked" in at.success[0].value

    at.text_input(key="live_save_name").input("Warehouse live")
    at.button(key="live_save").click().run()
    assert not at.exception and not at.error
    saved = data.store().list()
    assert saved[["name", "live"]].values.tolist() == [["Warehouse live", True]]
    ds_id = saved["id"][0]
    assert at.session_state["ds"] == ds_id
    assert "Warehouse live" in at.caption[0].value and "live SQL" in at.caption[0].value
    source = data.store().sql_source(ds_id)
    assert source.tables == {"orders": "orders", "events": "events"}
    assert source.mappings["orders"]["customer_id"] == "用户ID" and source.mappings["orders"]["order_id"] == "订单号"
    assert not (data.store().root / ds_id).exists()  # nothing copied

    overview = open_page("app.py", ds=ds_id)  # the data set opens from its id alone, like a link
    assert not overview.exception and not overview.error
    tiles = {m.label: m.value for m in overview.metric}
    assert tiles["Orders"] == "3" and tiles["Customers"] == "2"


def test_a_live_mapping_can_be_corrected_and_is_checked(tmp_path):
    at = _live_tab(_warehouse_db(tmp_path / "shop.db"))
    at.selectbox(key="live_map_orders_orders_amount").set_value("—").run()
    assert not at.exception
    assert "no column of the table 'orders' was found for amount" in at.error[0].value
    assert all(b.key != "live_save" for b in at.button)  # nothing to save until it checks out
    at.selectbox(key="live_map_orders_orders_amount").set_value("备注").run()
    assert not at.error and "Checked" in at.success[0].value
    at.button(key="live_save").click().run()
    ds_id = data.store().list()["id"][0]
    assert data.store().sql_source(ds_id).mappings["orders"]["amount"] == "备注"


def test_text_amounts_cannot_stay_live_and_errors_hide_the_password(tmp_path):
    at = _live_tab(_shop_db(tmp_path / "shop.db"))  # its amounts are text ("¥1,299.00")
    assert "holds text" in at.error[0].value and "load the table into memory" in at.error[0].value
    at = _live_tab("postgresql+psycopg://analyst:s3cret@127.0.0.1:1/shop")
    assert at.error and "s3cret" not in at.error[0].value and "analyst:***@" in at.error[0].value
