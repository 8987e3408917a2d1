"""The data-set store: save / list / load / delete, unguessable ids, atomic writes, damaged files; live SQL
data sets (their URL kept server-side, never listed), on a SQLite and a PostgreSQL catalog."""

import os

import pandas as pd
import pytest
import sqlalchemy as sa
from pandas.testing import assert_frame_equal

from analytics import AnalyticsInputError, Dataset
from analytics.attribution import attribute
from analytics.pushdown import SqlSource
from analytics.store import DatasetStore, is_valid_id, new_id

ORDERS = pd.DataFrame({
    "customer_id": pd.Categorical(["007", "b"]),
    "order_ts": pd.to_datetime(["2024-01-01 10:00", "2024-01-05 00:00"]).astype("datetime64[ns]"),
    "amount": [10.0, -2.5],
    "order_id": ["0001", "0002"],
})


@pytest.fixture
def store(tmp_path):
    return DatasetStore(tmp_path / "store")


def test_saved_data_set_round_trips_with_canonical_dtypes(store):
    ds_id = store.save(Dataset(ORDERS), "Shop A")
    loaded = store.load(ds_id)
    assert_frame_equal(loaded.orders, ORDERS)
    assert loaded.events.empty and str(loaded.events["user_id"].dtype) == "category"
    assert store.list()[["id", "name", "orders_rows", "events_rows"]].values.tolist() == [[ds_id, "Shop A", 2, 0]]


def test_events_are_saved_in_user_and_time_order(store):
    events = pd.DataFrame({
        "user_id": pd.Categorical(["u2", "u1", "u2", "u1"], categories=["u1", "u2"]),
        "event_ts": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-01", "2024-01-01"]),
        "event_name": pd.Categorical(["view", "buy", "visit", "visit"]),
    })
    loaded = store.load(store.save(Dataset(ORDERS, events=events), "Shop B")).events
    assert loaded["user_id"].tolist() == ["u1", "u1", "u2", "u2"]
    assert loaded["event_name"].tolist() == ["visit", "buy", "visit", "view"]
    assert events["user_id"].tolist() == ["u2", "u1", "u2", "u1"]  # the caller's frame is untouched


def test_orders_are_saved_in_customer_and_time_order(store):
    orders = pd.DataFrame({
        "customer_id": pd.Categorical(["c2", "c1", "c2", "c1"], categories=["c2", "c1"]),
        "order_ts": pd.to_datetime(["2024-01-02", "2024-01-03", "2024-01-01", "2024-01-03"]),
        "amount": [1.0, 2.0, 3.0, 4.0],
        "order_id": pd.Series(["o1", "o2", "o3", "o4"], dtype="str"),
    })
    loaded = store.load(store.save(Dataset(orders), "Shop D")).orders
    # by category code (c2 first), then time; the two c1 orders at one time keep their input order
    assert loaded["order_id"].tolist() == ["o3", "o1", "o2", "o4"]
    assert loaded["amount"].tolist() == [3.0, 1.0, 2.0, 4.0]
    assert orders["order_id"].tolist() == ["o1", "o2", "o3", "o4"]  # the caller's frame is untouched


def test_saved_events_list_the_customers_first_and_attribute_the_same(store):
    events = pd.DataFrame({
        "user_id": pd.Categorical(["a", "b", "007", "b"]),  # sorted: "007" < "a" < "b", as loaded
        "event_ts": pd.to_datetime(["2024-01-01 00:00", "2024-01-04 00:00", "2024-01-01 09:00",
                                    "2024-01-01 00:00"]),
        "event_name": pd.Categorical(["visit"] * 4),
        "channel": pd.Categorical(["ads", "seo", "email", "ads"]),
    })
    orders = ORDERS.assign(customer_id=pd.Categorical(["007", "b"], categories=["b", "007"]))
    loaded = store.load(store.save(Dataset(orders, events=events), "Shop C"))
    assert loaded.events["user_id"].cat.categories.tolist() == ["b", "007", "a"]
    assert loaded.events["user_id"].tolist() == ["b", "b", "007", "a"]  # (user, time) in the new codes
    expected = attribute(orders, events, model="linear")
    assert expected["revenue"].tolist() == [10.0, -1.25, -1.25]  # email 10; b's -2.5 split ads / seo
    assert_frame_equal(attribute(loaded.orders, loaded.events, model="linear"), expected)


def test_ids_are_128_random_bits_and_unique(store):
    ids = {store.save(Dataset(ORDERS), "x") for _ in range(5)}
    assert len(ids) == 5
    assert all(is_valid_id(i) and len(i) == 22 for i in ids)  # 22 url-safe chars = 132 bits >= 128


def test_store_survives_a_new_instance_on_the_same_folder(store):
    ds_id = store.save(Dataset(ORDERS), "persisted")
    again = DatasetStore(store.root)
    assert again.name(ds_id) == "persisted"
    assert_frame_equal(again.load(ds_id).orders, ORDERS)


def test_unknown_malformed_and_deleted_ids_give_a_clear_error(store):
    ds_id = store.save(Dataset(ORDERS), "gone soon")
    store.delete(ds_id)
    for bad in (ds_id, "A" * 22, "../../etc/passwd", ""):
        with pytest.raises(AnalyticsInputError, match="No saved data set has this id"):
            store.load(bad)
    assert not (store.root / ds_id).exists()


def test_damaged_files_give_a_clear_error(store):
    ds_id = store.save(Dataset(ORDERS), "damaged")
    (store.root / ds_id / "orders.parquet").write_bytes(b"not parquet")
    with pytest.raises(AnalyticsInputError, match="'damaged' cannot be read .* Upload the data again"):
        store.load(ds_id)
    os.remove(store.root / ds_id / "orders.parquet")
    with pytest.raises(AnalyticsInputError, match="files are missing or damaged"):
        store.load(ds_id)


def test_failed_write_leaves_nothing_behind(store, monkeypatch):
    def boom(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(pd.DataFrame, "to_parquet", boom)
    with pytest.raises(OSError):
        store.save(Dataset(ORDERS), "half")
    assert store.list().empty
    assert [p.name for p in store.root.iterdir()] == ["catalog.sqlite"]


# ------------------------------------------------------------------------------------ live SQL sources

PASSWORD = "s3cr3t-pw"
LIVE = SqlSource(url=sa.make_url(f"postgresql+psycopg://analyst:{PASSWORD}@warehouse.example.com:5432/shop"),
                 tables={"orders": "sales.orders", "events": "web_events"},
                 mappings={"orders": {"customer_id": "buyer", "order_ts": "paid_at", "amount": "实付金额",
                                      "channel": None},
                           "events": {"user_id": "uid", "event_ts": "ts", "event_name": "name"}})


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request, tmp_path):
    """The catalog's SQLAlchemy URL: the default SQLite file, or a fresh database on the test PostgreSQL
    server (GROWTH_STORE_URL pointing at a server)."""
    if request.param == "sqlite":
        yield None
        return
    server = sa.make_url(request.getfixturevalue("postgres_url"))
    name = f"store_{new_id().lower().replace('-', '_')}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))  # a generated name, not user input
    yield server.set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def test_a_live_sql_source_round_trips_and_is_listed_as_live(tmp_path, catalog_url):
    store = DatasetStore(tmp_path / "store", url=catalog_url)
    files_id = store.save(Dataset(ORDERS), "Files")
    live_id = store.save_sql(LIVE, "  Warehouse  ")
    assert is_valid_id(live_id) and live_id != files_id
    assert store.sql_source(live_id) == LIVE
    assert store.sql_source(live_id).url.password == PASSWORD  # kept on the server to reconnect
    assert store.sql_source(files_id) is None and store.sql_source("A" * 22) is None
    listed = store.list()
    assert listed["live"].dtype == bool
    assert sorted(listed[["name", "live", "orders_rows"]].values.tolist()) == [["Files", False, 2],
                                                                              ["Warehouse", True, 0]]
    assert store.name(live_id) == "Warehouse"
    assert DatasetStore(tmp_path / "store", url=catalog_url).sql_source(live_id) == LIVE  # after a restart
    store.engine.dispose()


def test_the_password_is_never_listed_named_or_shown(store):
    live_id = store.save_sql(LIVE, "Warehouse")
    shown = [store.list().to_csv(), str(store.list().to_dict()), store.name(live_id), repr(store.sql_source(live_id)),
             str(store.sql_source(live_id))]
    assert [text for text in shown if PASSWORD in text] == []
    assert "warehouse.example.com" not in store.list().to_csv()  # no connection details at all
    assert not list((store.root).glob(f"{live_id}*"))  # nothing copied to the store folder


def test_a_live_data_set_has_no_files_to_load_and_deletes_cleanly(store):
    live_id = store.save_sql(LIVE, "Warehouse")
    with pytest.raises(AnalyticsInputError, match="'Warehouse' is read live from a SQL database: it has no "
                       "files to load"):
        store.load(live_id)
    store.delete(live_id)
    assert store.sql_source(live_id) is None and store.name(live_id) is None and store.list().empty


def test_a_store_made_before_live_sources_opens_without_migration(tmp_path):
    root = tmp_path / "store"
    root.mkdir()
    old = sa.create_engine(f"sqlite:///{root / 'catalog.sqlite'}")
    with old.begin() as conn:  # the catalog as earlier versions created it: no sql_sources table
        conn.execute(sa.text("CREATE TABLE datasets (id VARCHAR(32) PRIMARY KEY, name VARCHAR(200) NOT NULL, "
                             "created_at DATETIME NOT NULL, orders_rows INTEGER NOT NULL, "
                             "events_rows INTEGER NOT NULL, spend_rows INTEGER NOT NULL)"))
        conn.execute(sa.text("INSERT INTO datasets VALUES ('AAAAAAAAAAAAAAAAAAAAAA', 'Old', "
                             "'2024-01-01 00:00:00', 2, 0, 0)"))
    old.dispose()
    store = DatasetStore(root)
    assert store.list()[["name", "live"]].values.tolist() == [["Old", False]]
    live_id = store.save_sql(LIVE, "New")
    assert store.sql_source(live_id) == LIVE
