"""Loading files and SQL tables into the canonical tables, with the validation report."""

import codecs
import io
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
import sqlalchemy as sa

from analytics import AnalyticsInputError
from analytics.io import MAX_UPLOAD_BYTES, LoadResult, load_sql, load_table, read_raw

NAN = np.nan
DUPLICATE = ("Dropped 1 row with duplicate order_id (column 'order_id'): kept the first row of each "
             "order (refunds, i.e. negative amounts, may repeat it), e.g. row {row}.")


def _write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _ts(values):
    return pd.Series(pd.to_datetime(values, format="ISO8601"), dtype="datetime64[ns]")


def _orders(customers, times, amounts, **optional):
    """Expected canonical orders: ids as category, order_id as str, labels as category."""
    frame = {"customer_id": pd.Categorical(customers), "order_ts": _ts(times),
             "amount": pd.Series(amounts, dtype="float64")}
    for column, values in optional.items():
        frame[column] = (pd.Series(values, dtype="str") if column == "order_id"
                         else pd.Series(values, dtype="float64") if column == "quantity"
                         else pd.Categorical(values))
    return pd.DataFrame(frame)


# ------------------------------------------------------------------------------- encodings and formats

def test_gbk_file_with_chinese_headers_maps_and_loads(tmp_path):
    text = ("用户ID,订单号,下单时间,实付金额,渠道\n"
            "u1,007,2024-01-05 13:00,\"￥1,299.00\",抖音\n"
            "u2,008,2024/01/06 09:30,12元,微信\n")
    result = load_table(_write(tmp_path, "订单.csv", text, "gbk"), "orders")
    expected = _orders(["u1", "u2"], ["2024-01-05 13:00", "2024-01-06 09:30"], [1299.0, 12.0],
                       order_id=["007", "008"], channel=["抖音", "微信"])
    pd.testing.assert_frame_equal(result.frame, expected)
    assert result.mapping == {"customer_id": "用户ID", "order_ts": "下单时间", "amount": "实付金额",
                              "order_id": "订单号", "channel": "渠道"}
    assert (result.rows_read, result.rows_loaded, result.problems) == (2, 2, [])
    assert result.aggregated_line_items is False
    assert list(result.bad_rows.columns) == ["row", "reason", "用户ID", "订单号", "下单时间",
                                             "实付金额", "渠道"]
    assert result.bad_rows.empty


def test_utf8_bom_is_not_part_of_the_first_header(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(codecs.BOM_UTF8 + "customer_id,order_ts,amount\nc1,2024-01-05,10\n".encode())
    assert list(read_raw(path).columns) == ["customer_id", "order_ts", "amount"]
    pd.testing.assert_frame_equal(load_table(path, "orders").frame,
                                  _orders(["c1"], ["2024-01-05"], [10.0]))


@pytest.mark.parametrize("sep", [";", "\t", "|"])
def test_delimiter_is_detected(tmp_path, sep):
    # The amount holds a comma (thousands separator): it must not be taken for the delimiter.
    text = sep.join(["客户ID", "日期", "金额"]) + "\n" + sep.join(["c1", "2024-01-05", "1,299.00"]) + "\n"
    result = load_table(_write(tmp_path, "shop.txt", text), "orders")
    pd.testing.assert_frame_equal(result.frame, _orders(["c1"], ["2024-01-05"], [1299.0]))


def test_utf16_with_bom_tab_separated_excel_text_export(tmp_path):
    path = _write(tmp_path, "export.txt", "\ufeffcustomer_id\torder_ts\tamount\nc1\t2024-01-05\t10\n",
                  "utf-16-le")
    pd.testing.assert_frame_equal(load_table(path, "orders").frame,
                                  _orders(["c1"], ["2024-01-05"], [10.0]))


def test_legacy_western_encoding_is_guessed_without_breaking_the_delimiter(tmp_path):
    # Too short for a sure guess; the guess must not swallow the ";" after "ë".
    path = _write(tmp_path, "eu.csv", "customer_id;order_ts;amount\nZoë;2024-01-05;1.00\n", "cp1252")
    pd.testing.assert_frame_equal(load_table(path, "orders").frame,
                                  _orders(["Zoë"], ["2024-01-05"], [1.0]))


def test_gbk_file_larger_than_the_sniffing_sample(tmp_path):
    # ~1.3 MB: the 1 MiB sample may end inside a two-byte character; every row must still load.
    text = "用户,日期,金额\n" + "".join(f"用户{i},2024-01-05,{i}\n" for i in range(60_000))
    result = load_table(_write(tmp_path, "big.csv", text, "gbk"), "orders")
    assert (result.rows_read, result.rows_loaded) == (60_000, 60_000)
    assert result.frame["amount"].sum() == 60_000 * 59_999 / 2


def test_quoted_newlines_and_row_numbers_count_records(tmp_path):
    # The second data row is spreadsheet row 3 even though the first one spans two text lines.
    text = ('customer_id,order_ts,amount,category\n'
            'c1,2024-01-05,10,"two\nlines"\n'
            'c2,,5,x\n')
    result = load_table(_write(tmp_path, "q.csv", text), "orders")
    pd.testing.assert_frame_equal(result.frame, _orders(["c1"], ["2024-01-05"], [10.0],
                                                        category=["two\nlines"]))
    assert result.bad_rows["row"].tolist() == [3]


def test_repeated_headers_are_numbered_and_every_value_is_text(tmp_path):
    text = "amount,amount,amount.1,id\n1.50,2,x,007\n,3,y,\n"
    frame = read_raw(_write(tmp_path, "dup.csv", text))
    # the second "amount" becomes "amount.2": "amount.1" is taken by the third column
    assert frame.columns.tolist() == ["amount", "amount.2", "amount.1", "id"]
    assert frame.to_dict("list") == {"amount": ["1.50", NAN], "amount.2": ["2", "3"],
                                     "amount.1": ["x", "y"], "id": ["007", NAN]}
    assert frame.index.tolist() == [2, 3]


def test_xlsx_file_keeps_typed_cells(tmp_path):
    path = tmp_path / "orders.xlsx"
    pd.DataFrame({"Customer ID": [7, 8], "Order Date": _ts(["2024-01-05 13:00", "2024-01-06"]),
                  "Amount": [10.5, 20.0], "Order No": ["007", "008"]}).to_excel(path, index=False)
    result = load_table(path, "orders")
    pd.testing.assert_frame_equal(result.frame, _orders(["7", "8"], ["2024-01-05 13:00", "2024-01-06"],
                                                        [10.5, 20.0], order_id=["007", "008"]))


def test_parquet_events_with_aware_times_and_record_numbers(tmp_path):
    path = tmp_path / "events.parquet"
    pd.DataFrame({
        "user_id": [12, 12, 13],
        "event_ts": pd.to_datetime(["2024-01-05 01:00", "2024-01-05 02:00", "2024-01-05 03:00"]
                                   ).tz_localize("UTC"),
        "event_name": ["view", None, "buy"],
        "session_id": ["0003", "0003", "0004"],
    }).to_parquet(path)
    result = load_table(path, "events", timezone="Asia/Shanghai")
    expected = pd.DataFrame({"user_id": pd.Categorical(["12", "13"]),
                             "event_ts": _ts(["2024-01-05 09:00", "2024-01-05 11:00"]),
                             "event_name": pd.Categorical(["view", "buy"]),
                             "session_id": pd.Series(["0003", "0004"], dtype="str")})
    pd.testing.assert_frame_equal(result.frame, expected)
    assert result.problems == [
        "Dropped 1 row with missing event_name (column 'event_name'), e.g. row 2.",
        "event_ts (column 'event_ts'): 2 rows had the time zone UTC: converted to Asia/Shanghai "
        "local time (e.g. rows 1, 3).",
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "parquet"])
def test_same_table_loads_the_same_from_every_format(tmp_path, fmt):
    table = pd.DataFrame({"customer_id": ["a", "b"], "order_ts": ["2024-01-05 10:00", "2024-01-06"],
                          "amount": ["1,200", "-3"], "order_id": ["01", "02"]})
    path = tmp_path / f"t.{fmt}"
    {"csv": lambda: table.to_csv(path, index=False), "xlsx": lambda: table.to_excel(path, index=False),
     "parquet": lambda: table.to_parquet(path)}[fmt]()
    pd.testing.assert_frame_equal(load_table(path, "orders").frame,
                                  _orders(["a", "b"], ["2024-01-05 10:00", "2024-01-06"],
                                          [1200.0, -3.0], order_id=["01", "02"]))


def test_gbk_file_whose_first_mebibyte_is_plain_ascii_loads(tmp_path):
    # 70,000 ASCII rows of 19-23 bytes (> 1 MiB, the sniffed sample) before two GBK rows: the
    # sample is valid UTF-8, the file is not; it is GBK. Total 70,000 x 1 + 2 x 2 = 70,004.
    text = ("customer_id,order_ts,amount,channel\n"
            + "".join(f"c{i},2024-01-05,1,ads\n" for i in range(70_000))
            + "x1,2024-01-06,2,抖音\nx2,2024-01-06,2,微信\n")
    result = load_table(_write(tmp_path, "late.csv", text, "gbk"), "orders")
    assert (result.rows_read, result.rows_loaded, result.problems) == (70_002, 70_002, [])
    assert result.frame["amount"].sum() == 70_004
    assert result.frame["channel"].tolist()[-3:] == ["ads", "抖音", "微信"]


def test_utf8_file_with_gbk_after_its_first_mebibyte_is_refused_not_garbled(tmp_path):
    # The sample holds Chinese in UTF-8, so the GBK row further down is not a reason to read the
    # whole file as GBK (which would garble every UTF-8 row without notice).
    data = ("customer_id,order_ts,amount,channel\n"
            + "".join(f"c{i},2024-01-05,1,抖音\n" for i in range(50_000))).encode()
    path = tmp_path / "tail.csv"
    path.write_bytes(data + "x1,2024-01-06,2,微信\n".encode("gbk"))
    with pytest.raises(AnalyticsInputError, match=r"^tail.csv could not be read as utf-8 text separated by "
                       r"',' \(.*'utf-8' codec can't decode byte.*\). Check that every row"):
        load_table(path, "orders")


def test_lines_in_utf8_and_gbk_in_one_file_are_refused_naming_a_line_of_each(tmp_path):
    # Lines 2-3 GBK (first undecodable byte on line 2), lines 4-5 Chinese in UTF-8.
    path = tmp_path / "joined.csv"
    path.write_bytes("customer_id,order_ts,amount,channel\nc1,2024-01-05,1,微信\nc2,2024-01-05,1,微信\n"
                     .encode("gbk") + "c3,2024-01-06,1,抖音\nc4,2024-01-06,1,抖音\n".encode())
    with pytest.raises(AnalyticsInputError, match=r"^joined.csv mixes two text encodings: some lines are "
                       r"UTF-8 \(e.g. line 4\) and others are not \(e.g. line 2\). This happens when "
                       r"exports from different systems are joined. Save each part as CSV UTF-8"):
        load_table(path, "orders")


def test_gbk_lines_that_happen_to_be_valid_utf8_do_not_make_a_file_mixed(tmp_path):
    # "唷班啊" in GBK (E0 A1 B0 E0 B0 A1) is also valid UTF-8. Two such lines among 300 lines with
    # Chinese text are under 1%: the file is GBK, every value decodes as written.
    text = ("customer_id,order_ts,amount,category\n"
            + "".join(f"u{i},2024-01-05,1,张三\n" for i in range(298)) + "u298,2024-01-05,1,唷班啊\n"
            + "u299,2024-01-05,1,唷班啊\n")
    result = load_table(_write(tmp_path, "names.csv", text, "gbk"), "orders")
    assert result.frame["category"].tolist() == ["张三"] * 298 + ["唷班啊"] * 2


def test_a_quote_left_open_is_refused_instead_of_swallowing_the_rows_after_it(tmp_path):
    # Read leniently, rows 3 and 4 would become part of row 2's category and vanish from the count.
    text = ('customer_id,order_ts,amount,category\nc1,2024-01-05,10,"oops\nc2,2024-01-06,20,x\n'
            'c3,2024-01-07,30,y\n')
    with pytest.raises(AnalyticsInputError, match=r"^open.csv could not be read as utf-8 text separated by "
                       r"',' \(.*EOF inside string.*\). Check that every row has as many values as the "
                       r"header and that quotes are balanced"):
        load_table(_write(tmp_path, "open.csv", text), "orders")


def test_a_closed_quoted_newline_in_the_last_row_still_loads(tmp_path):
    text = 'customer_id,order_ts,amount,category\nc1,2024-01-05,10,x\nc2,2024-01-06,20,"two\nlines"\n'
    result = load_table(_write(tmp_path, "last.csv", text), "orders")
    pd.testing.assert_frame_equal(result.frame, _orders(["c1", "c2"], ["2024-01-05", "2024-01-06"],
                                                        [10.0, 20.0], category=["x", "two\nlines"]))


@pytest.mark.parametrize(("column", "values", "what"), [
    ("channel", pa.array([None, ["ads", "kol"]], pa.list_(pa.string())), "lists"),
    ("region", pa.array([{"city": "Hangzhou"}, {"city": "Ningbo"}]), r"records \(key-value maps\)"),
])
def test_a_used_column_of_lists_or_records_is_refused(tmp_path, column, values, what):
    path = tmp_path / "nested.parquet"
    pa.parquet.write_table(pa.table({"customer_id": ["c1", "c2"], "order_ts": ["2024-01-05", "2024-01-06"],
                                     "amount": [1.0, 2.0], column: values}), path)
    with pytest.raises(AnalyticsInputError, match=rf"^nested.parquet: the column '{column}' \(used as "
                       rf"{column}\) holds {what}, not single values. Choose another column for {column} "
                       rf"in the column mapping, or none \(mapping=\{{'{column}': None\}}\)"):
        load_table(path, "orders")
    assert load_table(path, "orders", mapping={column: None}).rows_loaded == 2


def test_file_like_objects_use_their_name_or_content_for_the_format(tmp_path):
    frame = pd.DataFrame({"a": ["007"], "b": [1]})
    buffer = io.BytesIO()
    frame.to_parquet(buffer)

    class Upload(io.BytesIO):  # like Streamlit's UploadedFile: bytes plus a .name
        name = "upload.csv"

    assert read_raw(Upload(b"a,b\n007,1\n")).to_dict("list") == {"a": ["007"], "b": ["1"]}
    assert read_raw(io.BytesIO(buffer.getvalue())).to_dict("list") == {"a": ["007"], "b": [1]}
    assert read_raw(io.BytesIO(b"a;b\n007;1\n"), name="x.tsv").index.tolist() == [2]


def test_read_raw_reads_every_value_as_a_string(tmp_path):
    raw = read_raw(_write(tmp_path, "r.csv", "id,amount,note\n007,1.50,NA\n008,,null\n"))
    expected = pd.DataFrame({"id": ["007", "008"], "amount": ["1.50", NAN], "note": ["NA", "null"]},
                            index=pd.RangeIndex(2, 4), dtype="str")
    pd.testing.assert_frame_equal(raw, expected)


# ------------------------------------------------------------------------------------ cleaning rules

def test_every_kind_of_bad_row_is_counted_once_with_examples(tmp_path):
    # Rows (spreadsheet numbering, header = 1): 2 ok; 3 no customer; 4 bad time; 5 bad amount;
    # 6 no order id; 7 repeats A1 with amount >= 0 (dropped); 8 refund repeating A1 (kept);
    # 9 no time; 10 no amount; 11 every problem (counted once, under the first reason: customer);
    # 12 zero amount (kept). Loaded: rows 2, 8, 12.
    text = ("customer_id,order_id,order_ts,amount\n"
            "c1,A1,2024-01-05,10\n"
            ",A2,2024-01-05,10\n"
            "c2,A3,not a date,10\n"
            "c3,A4,2024-01-06,abc\n"
            "c4,,2024-01-06,5\n"
            "c1,A1,2024-01-07,20\n"
            "c1,A1,2024-01-08,-10\n"
            "c5,A5,,7\n"
            "c6,A6,2024-01-09,\n"
            "NULL,A7,garbage,x\n"
            "c7,A8,2024-01-10,0\n")
    result = load_table(_write(tmp_path, "bad.csv", text), "orders")
    pd.testing.assert_frame_equal(result.frame, _orders(
        ["c1", "c1", "c7"], ["2024-01-05", "2024-01-08", "2024-01-10"], [10.0, -10.0, 0.0],
        order_id=["A1", "A1", "A8"]))
    assert result.problems == [
        "Dropped 2 rows with missing customer_id (column 'customer_id'), e.g. rows 3, 11.",
        "Dropped 1 row with missing order_id (column 'order_id'), e.g. row 6.",
        "Dropped 2 rows with missing or unparseable order_ts (column 'order_ts'), e.g. rows 4, 9.",
        "Dropped 2 rows with missing or non-numeric amount (column 'amount'), e.g. rows 5, 10.",
        DUPLICATE.format(row=7),
    ]
    assert (result.rows_read, result.rows_dropped, result.rows_loaded) == (11, 8, 3)
    expected_bad = pd.DataFrame({
        "row": np.array([3, 11, 6, 4, 9, 5, 10, 7], dtype=np.int64),
        "reason": pd.Series(["missing customer_id"] * 2 + ["missing order_id"]
                            + ["missing or unparseable order_ts"] * 2
                            + ["missing or non-numeric amount"] * 2 + ["duplicate order_id"], dtype="str"),
        "customer_id": pd.Series([NAN, "NULL", "c4", "c2", "c5", "c3", "c6", "c1"], dtype="str"),
        "order_id": pd.Series(["A2", "A7", NAN, "A3", "A5", "A4", "A6", "A1"], dtype="str"),
        "order_ts": pd.Series(["2024-01-05", "garbage", "2024-01-06", "not a date", NAN, "2024-01-06",
                               "2024-01-09", "2024-01-07"], dtype="str"),
        "amount": pd.Series(["10", "x", "5", "10", "7", "abc", NAN, "20"], dtype="str"),
    })
    pd.testing.assert_frame_equal(result.bad_rows, expected_bad)


def test_bad_rows_sample_at_most_twenty_rows_per_reason(tmp_path):
    text = "customer_id,order_ts,amount\n" + ",2024-01-05,1\n" * 25 + "c1,2024-01-05,1\n"
    result = load_table(_write(tmp_path, "many.csv", text), "orders")
    assert result.bad_rows["row"].tolist() == list(range(2, 22))
    assert result.problems == ["Dropped 25 rows with missing customer_id (column 'customer_id'), "
                               "e.g. rows 2, 3, 4, 5, 6."]


def test_duplicate_order_ids_keep_the_first_row_and_refunds_stay_negative(tmp_path):
    # A1 twice with amount >= 0: second dropped. A2's refund (-5) repeats A2 and is kept, as is a
    # second refund row of A2.
    text = ("order id,user id,order date,amount\n"
            "A1,c1,2024-01-05,10\nA1,c1,2024-01-05,10\nA2,c2,2024-01-06,5\n"
            "A2,c2,2024-01-07,-5\nA2,c2,2024-01-08,-1\n")
    result = load_table(_write(tmp_path, "dup.csv", text), "orders")
    pd.testing.assert_frame_equal(result.frame, _orders(
        ["c1", "c2", "c2", "c2"], ["2024-01-05", "2024-01-06", "2024-01-07", "2024-01-08"],
        [10.0, 5.0, -5.0, -1.0], order_id=["A1", "A2", "A2", "A2"]))
    assert result.problems == [DUPLICATE.format(row=3).replace("'order_id'", "'order id'")]


@pytest.mark.parametrize("ids", [["10", "7", "10", "007", "7"], ["A10", "A7", "A10", "A007", "A7"],
                                 ["99999999999999999999", "1", "99999999999999999999", "01", "1"]])
def test_duplicate_order_ids_are_compared_as_text_whether_or_not_they_are_numbers(tmp_path, ids):
    # Rows 4 and 6 repeat rows 2 and 3; "007" is the number 7 but not the order id "7" (the int64
    # shortcut for numeric ids must not merge them; ids beyond int64 are compared as text only).
    text = "order_id,customer_id,order_ts,amount\n" + "".join(f"{i},c1,2024-01-05,1\n" for i in ids)
    result = load_table(_write(tmp_path, "ids.csv", text), "orders")
    assert result.frame["order_id"].tolist() == [ids[0], ids[1], ids[3]]
    assert result.problems == ["Dropped 2 rows with duplicate order_id (column 'order_id'): kept the "
                               "first row of each order (refunds, i.e. negative amounts, may repeat "
                               "it), e.g. rows 4, 6."]


def test_a_file_on_the_fast_paths_loads_like_the_same_file_needing_cleaning(tmp_path):
    # The plain file (integer order ids, no spaces, ISO times, plain numbers) is loaded with one
    # vectorised cast or hash pass per column; the messy one writes the same values with spaces,
    # null tokens, slashes and currency, so every column is cleaned value by value. Both drop row 4
    # (no customer), row 6 (order 2 again) and row 7 (no time); c3 is only on a dropped row, so it is
    # not a category of the loaded frame.
    plain = ("order_id,customer_id,order_ts,amount,channel,quantity\n"
             "1,c2,2024-01-05 10:00:00,10.5,ads,1\n"
             "2,c10,2024-01-06,1200,organic,2\n"
             "3,,2024-01-06,5,ads,1\n"
             "4,c1,2024-01-07 08:30:00,-5,ads,1\n"
             "2,c1,2024-01-08,7,ads,3\n"
             "5,c3,,9,ads,1\n"
             "6,c2,2024-01-09,0,,\n")
    messy = ("order_id,customer_id,order_ts,amount,channel,quantity\n"
             "1, c2 ,2024/01/05 10:00,¥10.50,ads ,1\n"
             "2,c10,2024-01-06,\"1,200\",organic,2\n"
             "3,NULL,2024-01-06,5,ads,1\n"
             "4,c1,2024-01-07T08:30:00,(5.00),ads,1\n"
             " 2 ,c1,2024-01-08,7,ads,3\n"
             "5,c3,-,9,ads,1\n"
             "6,c2,2024-01-09,0,none,n/a\n")
    expected = _orders(["c2", "c10", "c1", "c2"],
                       ["2024-01-05 10:00", "2024-01-06", "2024-01-07 08:30", "2024-01-09"],
                       [10.5, 1200.0, -5.0, 0.0], order_id=["1", "2", "4", "6"],
                       channel=["ads", "organic", "ads", NAN], quantity=[1.0, 2.0, 1.0, NAN])
    problems = ["Dropped 1 row with missing customer_id (column 'customer_id'), e.g. row 4.",
                "Dropped 1 row with missing or unparseable order_ts (column 'order_ts'), e.g. row 7.",
                DUPLICATE.format(row=6)]
    results = [load_table(_write(tmp_path, name, text), "orders")
               for name, text in (("plain.csv", plain), ("messy.csv", messy))]
    for result in results:
        pd.testing.assert_frame_equal(result.frame, expected)
        assert list(result.frame["customer_id"].cat.categories) == ["c1", "c10", "c2"]
        assert result.problems == problems
        assert (result.rows_read, result.rows_dropped, result.rows_loaded) == (7, 3, 4)
        assert result.bad_rows[["row", "reason"]].to_dict("list") == {
            "row": [4, 7, 6], "reason": ["missing customer_id", "missing or unparseable order_ts",
                                         "duplicate order_id"]}


def test_categories_are_the_cleaned_values_whether_or_not_rows_are_dropped(tmp_path):
    # " ads" and "ads" are one channel, "none" is missing: never a category, with or without drops.
    header = "order_id,customer_id,order_ts,amount,channel\n"
    rows = "1,c2,2024-01-05,10, ads\n2,c1,2024-01-06,5,none\n3,c2,2024-01-07,7,ads\n"
    kept = load_table(_write(tmp_path, "kept.csv", header + rows), "orders")
    dropped = load_table(_write(tmp_path, "dropped.csv", header + rows + "4,c3,-,9,organic\n"), "orders")
    assert kept.rows_dropped == 0 and dropped.rows_dropped == 1
    for result in (kept, dropped):
        assert list(result.frame["customer_id"].cat.categories) == ["c1", "c2"]
        assert list(result.frame["channel"].cat.categories) == ["ads"]
        assert result.frame["channel"].isna().tolist() == [False, True, False]


def test_leading_zero_ids_are_kept(tmp_path):
    text = "user_id,event_ts,event_name,session_id\n0012,2024-01-05,view,0003\n012,2024-01-05,view,3\n"
    frame = load_table(_write(tmp_path, "e.csv", text), "events").frame
    assert frame["user_id"].tolist() == ["0012", "012"]
    assert frame["session_id"].tolist() == ["0003", "3"]


def test_line_items_are_aggregated_to_orders(tmp_path):
    # 536365: 6 x 2.55 + 6 x 3.39 = 35.64, 12 units, 08:26; 536366: 6 x 1.85 = 11.10;
    # 536367: 32 x 1.69 + 6 x 2.10 = 54.08 + 12.60 = 66.68, 38 units, earliest line 08:30;
    # C536379: refund -1 x 27.50 = -27.50.
    text = ("InvoiceNo,StockCode,Quantity,UnitPrice,CustomerID,InvoiceDate\n"
            "536365,85123A,6,2.55,17850,2010-12-01 08:26\n"
            "536365,71053,6,3.39,17850,2010-12-01 08:26\n"
            "536366,22633,6,1.85,17850,2010-12-01 08:28\n"
            "536367,84879,32,1.69,13047,2010-12-01 08:34\n"
            "536367,22745,6,2.10,13047,2010-12-01 08:30\n"
            "C536379,D,-1,27.50,14527,2010-12-01 09:41\n")
    result = load_table(_write(tmp_path, "online_retail.csv", text), "orders")
    expected = _orders(["17850", "17850", "13047", "14527"],
                       ["2010-12-01 08:26", "2010-12-01 08:28", "2010-12-01 08:30", "2010-12-01 09:41"],
                       [35.64, 11.10, 66.68, -27.50], order_id=["536365", "536366", "536367", "C536379"],
                       quantity=[12.0, 6.0, 38.0, -1.0])
    pd.testing.assert_frame_equal(result.frame, expected, check_exact=False, rtol=1e-12)
    assert result.aggregated_line_items is True
    assert (result.rows_read, result.rows_dropped, result.rows_loaded) == (6, 0, 4)
    assert result.mapping == {"customer_id": "CustomerID", "order_ts": "InvoiceDate",
                              "order_id": "InvoiceNo", "quantity": "Quantity", "unit_price": "UnitPrice"}
    assert result.problems == [
        "Aggregated 6 line items into 4 orders by order_id (column 'InvoiceNo'): amount = sum of "
        "quantity x unit_price, order_ts = earliest line, quantity summed, customer_id and other "
        "columns from the first line."]


def test_line_items_with_an_amount_column_aggregate_when_order_ids_repeat(tmp_path):
    # Order 1: 2 x 3 + 1 x 4 = 10 (the amount column is not used); a bad unit price drops its line.
    text = ("order_id,customer_id,order_ts,quantity,price,amount\n"
            "1,c1,2024-01-05,2,3,999\n1,c1,2024-01-05,1,4,999\n2,c2,2024-01-06,1,?,1\n"
            "3,c3,2024-01-07,1,5,5\n")
    result = load_table(_write(tmp_path, "li.csv", text), "orders")
    pd.testing.assert_frame_equal(result.frame, _orders(
        ["c1", "c3"], ["2024-01-05", "2024-01-07"], [10.0, 5.0], order_id=["1", "3"],
        quantity=[3.0, 1.0]))
    assert result.problems[0] == ("Dropped 1 row with missing or non-numeric quantity or unit_price "
                                  "(columns 'quantity', 'price'), e.g. row 4.")
    assert result.problems[1].endswith("The amount column 'amount' was not used (map unit_price to "
                                       "None to use it instead).")


def test_unit_price_is_ignored_when_amount_is_present_and_order_ids_do_not_repeat(tmp_path):
    text = "order_id,customer_id,order_ts,price,amount\n1,c1,2024-01-05,3,7\n2,c1,2024-01-06,4,8\n"
    result = load_table(_write(tmp_path, "o.csv", text), "orders")
    assert result.aggregated_line_items is False
    assert result.frame["amount"].tolist() == [7.0, 8.0]
    assert "unit_price" not in result.mapping


def test_user_mapping_overrides_suggestions_and_none_unmaps(tmp_path):
    text = "user id,member id,date,total,gmv,channel\nu1,m1,2024-01-05,1,100,ads\n"
    path = _write(tmp_path, "m.csv", text)
    assert load_table(path, "orders").mapping == {"customer_id": "user id", "order_ts": "date",
                                                  "amount": "total", "channel": "channel"}
    result = load_table(path, "orders", mapping={"customer_id": "member id", "amount": "gmv",
                                                 "channel": None, "region": "channel"})
    assert result.mapping == {"customer_id": "member id", "order_ts": "date", "amount": "gmv",
                              "region": "channel"}
    pd.testing.assert_frame_equal(result.frame, _orders(["m1"], ["2024-01-05"], [100.0],
                                                        region=["ads"]))


def test_offsets_keep_local_clock_time_and_are_reported(tmp_path):
    text = ("customer_id,order_ts,amount\nc1,2024-01-05T01:00:00+08:00,1\nc2,2024-01-04T17:00:00Z,1\n"
            "c3,2024-01-05 01:00,1\n")
    path = _write(tmp_path, "tz.csv", text)
    result = load_table(path, "orders")
    assert result.frame["order_ts"].tolist() == [pd.Timestamp("2024-01-05 01:00"),
                                                 pd.Timestamp("2024-01-04 17:00"),
                                                 pd.Timestamp("2024-01-05 01:00")]
    assert result.problems == [
        "order_ts (column 'order_ts'): 2 rows had a UTC offset: kept the local clock time as written "
        "and dropped the offset; pass timezone='Asia/Shanghai' or your shop's zone to convert instead "
        "(e.g. rows 2, 3)."]
    converted = load_table(path, "orders", timezone="Asia/Shanghai")
    assert converted.frame["order_ts"].tolist() == [pd.Timestamp("2024-01-05 01:00")] * 3


def test_future_dates_and_zero_amounts_are_kept_and_future_is_reported(tmp_path):
    text = "customer_id,order_ts,amount\nc1,2024-01-05,0\nc2,2099-01-01,5\n"
    result = load_table(_write(tmp_path, "f.csv", text), "orders")
    assert result.rows_loaded == 2
    assert len(result.problems) == 1
    assert result.problems[0].startswith("Kept 1 row with order_ts (column 'order_ts') in the future")
    assert result.problems[0].endswith("e.g. row 3; check the export's dates.")


def test_spend_dates_become_days_and_counts_accept_separators(tmp_path):
    # Row 3 has no channel (dropped); "n/a" clicks become missing (reported, row kept).
    text = ("日期,渠道,花费,曝光,点击\n2024-01-05 10:30,抖音,\"1,000\",\"12,000\",30\n"
            "2024-01-06,,5,1,1\n2024-01-06,微信,¥20.5,100,abc\n")
    result = load_table(_write(tmp_path, "spend.csv", text), "spend")
    expected = pd.DataFrame({"date": _ts(["2024-01-05", "2024-01-06"]),
                             "channel": pd.Categorical(["抖音", "微信"]),
                             "spend": [1000.0, 20.5], "impressions": [12000.0, 100.0],
                             "clicks": [30.0, NAN]})
    pd.testing.assert_frame_equal(result.frame, expected)
    assert result.problems == [
        "Dropped 1 row with missing channel (column '渠道'), e.g. row 3.",
        "date (column '日期'): 1 row had a time of day: dropped, spend is daily (e.g. row 2).",
        "clicks (column '点击'): 1 row had values that are not numbers: set to missing (e.g. row 4).",
    ]


def test_negative_spend_is_kept_as_a_credit_and_reported(tmp_path):
    # Ad platforms book credits as negative cost: kept (the day's total goes down), but flagged.
    text = "date,channel,spend\n2024-01-05,ads,100\n2024-01-06,ads,-30\n2024-01-06,kol,-5\n"
    result = load_table(_write(tmp_path, "credits.csv", text), "spend")
    assert result.frame["spend"].tolist() == [100.0, -30.0, -5.0]
    assert result.problems == ["spend (column 'spend'): 2 rows had a negative spend: kept as a credit "
                               "that lowers the day's spend; check it (e.g. rows 3, 4)."]


# ------------------------------------------------------------------------------------------- errors

def test_unknown_kind_and_timezone_are_rejected(tmp_path):
    path = _write(tmp_path, "a.csv", "customer_id,order_ts,amount\nc1,2024-01-05,1\n")
    with pytest.raises(AnalyticsInputError, match=r"The 'kind' parameter of load_table must be one of "
                       r"'orders', 'events', 'spend'. Got 'users' instead."):
        load_table(path, "users")
    with pytest.raises(AnalyticsInputError, match=r"The 'timezone' parameter of load_table must be an "
                       r"IANA time zone name such as 'Asia/Shanghai', or None. Got 'Mars/Base' instead."):
        load_table(path, "orders", timezone="Mars/Base")


def test_mapping_errors_name_the_column_and_the_headers(tmp_path):
    path = _write(tmp_path, "shop.csv", "customer_id,order_ts,amount\nc1,2024-01-05,1\n")
    with pytest.raises(AnalyticsInputError, match=r"load_table: mapping\['amount'\] = 'Amt' is not a "
                       r"column of shop.csv. Found headers: customer_id, order_ts, amount. Use one of "
                       r"these names exactly."):
        load_table(path, "orders", mapping={"amount": "Amt"})
    with pytest.raises(AnalyticsInputError, match=r"load_table: the mapping key 'price' is not a field "
                       r"of orders. Use one of: customer_id, order_ts, amount, order_id"):
        load_table(path, "orders", mapping={"price": "amount"})
    with pytest.raises(AnalyticsInputError, match=r"The 'mapping' parameter of load_table must be a "
                       r"dict of canonical field -> source column.*Got list instead."):
        load_table(path, "orders", mapping=["amount"])


def test_missing_required_column_names_file_column_headers_and_fix(tmp_path):
    path = _write(tmp_path, "shop.csv", "customer_id,order_ts,qty\nc1,2024-01-05,1\n")
    with pytest.raises(AnalyticsInputError, match=r"shop.csv: no column found for amount. orders need "
                       r"customer_id, order_ts, amount. Found headers: customer_id, order_ts, qty. "
                       r"Rename the column in the file or choose it in the column mapping, e.g. "
                       r"mapping=\{'amount': '<your column>'\}."):
        load_table(path, "orders")


def test_line_items_need_an_order_id(tmp_path):
    path = _write(tmp_path, "li.csv", "customer_id,order_ts,unit price\nc1,2024-01-05,1\n")
    with pytest.raises(AnalyticsInputError, match=r"li.csv: no column found for order_id \(line items "
                       r"with a unit price are summed per order_id\)"):
        load_table(path, "orders")


def test_file_without_usable_rows_lists_the_reasons(tmp_path):
    path = _write(tmp_path, "bad.csv", "customer_id,order_ts,amount\n,2024-01-05,1\nc1,later,1\n")
    with pytest.raises(AnalyticsInputError, match=r"bad.csv: none of the 2 data rows could be loaded as "
                       r"orders \(1 with missing customer_id; 1 with missing or unparseable order_ts\). "
                       r"Columns used: customer_id <- 'customer_id', order_ts <- 'order_ts', "
                       r"amount <- 'amount'. Check the column mapping"):
        load_table(path, "orders")


@pytest.mark.parametrize(("name", "content", "message"), [
    ("empty.csv", b"", r"empty.csv is empty \(0 bytes\). Export the data again with a header row"),
    ("head.csv", b"customer_id,order_ts,amount\n",
     r"head.csv has no data rows \(found headers: customer_id, order_ts, amount\)"),
    ("blank.csv", b"\n\n", r"blank.csv has no header row \(the file is blank\). Export the data again"),
    ("noise.csv", bytes(range(256)) * 4, r"noise.csv does not look like a text table \(it contains "
     r"binary data\). Upload a CSV, TSV or TXT text file, an Excel .xlsx workbook or a Parquet file."),
    ("report.xls", b"\xd0\xcf\x11\xe0rest", r"report.xls: the .xls format is not supported. Upload a "
     r"CSV, TSV or TXT text file"),
    ("data.json", b"[{}]", r"data.json: the .json format is not supported"),
    ("book.xlsx", b"PK\x03\x04broken", r"book.xlsx could not be read as an Excel .xlsx workbook "
     r"\(.*\). Open it in Excel and save it again"),
    ("t.parquet", b"PAR1broken", r"t.parquet could not be read as a Parquet file \(.*\). Export it"),
    ("ragged.csv", b"customer_id,order_ts,amount\nc1,2024-01-05,1\nc2,2024-01-05,1,9,9\n",
     r"ragged.csv could not be read as utf-8 text separated by ',' \(.*\). Check that every row has "
     r"as many values as the header"),
])
def test_bad_files_raise_with_what_and_how_to_fix(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(AnalyticsInputError, match=message):
        load_table(path, "orders")


def test_upload_limit_default_is_the_streamlit_max_upload_size():
    config = tomllib.loads((Path(__file__).parents[2] / ".streamlit" / "config.toml").read_text())
    assert MAX_UPLOAD_BYTES == config["server"]["maxUploadSize"] * 2**20  # Streamlit's MB is 2**20 bytes
    assert MAX_UPLOAD_BYTES == 200 * 2**20


class _Stream:
    """A readable stream without getvalue(): only max_bytes + 1 bytes are read from it."""

    def __init__(self, data: bytes):
        self.data, self.asked = data, []

    def read(self, size=-1):
        self.asked.append(size)
        return self.data if size < 0 else self.data[:size]


def test_sources_over_max_bytes_are_refused_with_the_limit_and_what_to_do(tmp_path):
    text = "customer_id,order_ts,amount\nc1,2024-01-05,1\n"  # 28 + 16 = 44 bytes
    path = _write(tmp_path, "a.csv", text)
    fix = (r"Split the file into parts below the limit \(e.g. one per month\) and load each, or load the "
           r"data into a database and use the SQL source.$")
    with pytest.raises(AnalyticsInputError, match=r"^a.csv is 44 bytes, over the upload limit of 43 bytes. "
                       + fix):
        load_table(path, "orders", max_bytes=43)
    upload = io.BytesIO(text.encode())
    upload.name = "up.csv"
    with pytest.raises(AnalyticsInputError, match=r"^up.csv is 44 bytes, over the upload limit of 43 "
                       r"bytes. " + fix):
        read_raw(upload, max_bytes=43)
    stream = _Stream(text.encode())
    with pytest.raises(AnalyticsInputError, match=r"^s.csv is over the upload limit of 43 bytes. " + fix):
        read_raw(stream, name="s.csv", max_bytes=43)
    assert stream.asked == [44]
    assert load_table(path, "orders", max_bytes=44).rows_loaded == 1  # exactly at the limit


def test_limits_in_mebibytes_are_stated_in_mb(tmp_path):
    path = _write(tmp_path, "big.csv", "customer_id,order_ts,amount\n" + "c1,2024-01-05,1\n" * 140_000)
    # 28 + 140,000 x 16 = 2,240,028 bytes = 2.136 MB; limit 2 MB.
    with pytest.raises(AnalyticsInputError, match=r"^big.csv is 2.136 MB, over the upload limit of 2 MB."):
        read_raw(path, max_bytes=2 * 2**20)


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "200"])
def test_max_bytes_must_be_a_positive_whole_number(tmp_path, bad):
    path = _write(tmp_path, "a.csv", "customer_id,order_ts,amount\nc1,2024-01-05,1\n")
    with pytest.raises(AnalyticsInputError, match=rf"^The 'max_bytes' parameter of load_table must be a "
                       rf"positive whole number of bytes, e.g. 209715200 \(the upload limit\). Got "
                       rf"{re.escape(repr(bad))} instead.$"):
        load_table(path, "orders", max_bytes=bad)


def test_read_raw_rejects_missing_paths_and_other_objects(tmp_path):
    with pytest.raises(AnalyticsInputError, match=r"read_raw: file not found: .*nope.csv. Check the path"):
        read_raw(tmp_path / "nope.csv")
    with pytest.raises(AnalyticsInputError, match=r"read_raw needs a file path or a file-like object "
                       r"\(with .read\(\)\). Got int instead."):
        read_raw(42)


def test_load_result_is_frozen(tmp_path):
    result = load_table(_write(tmp_path, "a.csv", "customer_id,order_ts,amount\nc1,2024-01-05,1\n"),
                        "orders")
    assert isinstance(result, LoadResult)
    with pytest.raises(AttributeError):
        result.rows_read = 0


# ---------------------------------------------------------------------------------------------- SQL

@pytest.fixture
def shop_db(tmp_path):
    path = tmp_path / "shop.db"
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as connection:
        connection.execute(sa.text("CREATE TABLE orders (customer_id INTEGER, order_ts TEXT, "
                                   "amount REAL, order_id TEXT)"))
        connection.execute(sa.text("INSERT INTO orders VALUES (1, '2024-01-05 10:00', 12.5, '007'), "
                                   "(2, '2024-01-06', -3, '008'), (NULL, '2024-01-07', 1, '009')"))
    engine.dispose()
    return path


def test_load_sql_reads_a_table_by_name(shop_db):
    for name in ("orders", "main.orders"):
        result = load_sql(f"sqlite:///{shop_db}", name, "orders")
        pd.testing.assert_frame_equal(result.frame, _orders(
            ["1", "2"], ["2024-01-05 10:00", "2024-01-06"], [12.5, -3.0], order_id=["007", "008"]))
        assert result.problems == ["Dropped 1 row with missing customer_id (column 'customer_id'), "
                                   "e.g. row 3."]


def test_load_sql_runs_a_select_or_with_query(shop_db):
    url = f"sqlite:///{shop_db}"
    result = load_sql(url, "SELECT customer_id AS buyer_id, order_ts, amount FROM orders "
                           "WHERE amount > 0", "orders")
    pd.testing.assert_frame_equal(result.frame, _orders(["1"], ["2024-01-05 10:00"], [12.5]))
    assert result.mapping["customer_id"] == "buyer_id"
    result = load_sql(url, "with o as (select * from orders where customer_id = 2) select * from o",
                      "orders")
    assert result.frame["amount"].tolist() == [-3.0]


def test_load_sql_disposes_its_engine(shop_db, monkeypatch):
    disposed = []
    original = sa.Engine.dispose
    monkeypatch.setattr(sa.Engine, "dispose", lambda self, *a, **k: disposed.append(original(self)))
    load_sql(f"sqlite:///{shop_db}", "orders", "orders")
    with pytest.raises(AnalyticsInputError):
        load_sql(f"sqlite:///{shop_db}", "nope", "orders")
    assert len(disposed) == 2


def test_load_sql_missing_table_lists_tables_and_never_runs_other_statements(shop_db):
    url = f"sqlite:///{shop_db}"
    with pytest.raises(AnalyticsInputError, match=r"load_sql: 'ordrs' is neither a table of "
                       r"sqlite:///.*shop.db nor a query starting with SELECT or WITH. Tables found: "
                       r"orders. Check the spelling"):
        load_sql(url, "ordrs", "orders")
    with pytest.raises(AnalyticsInputError, match=r"'DELETE FROM orders' is neither a table"):
        load_sql(url, "DELETE FROM orders", "orders")
    assert load_sql(url, "orders", "orders").rows_read == 3


def test_load_sql_query_errors_are_input_errors(shop_db):
    with pytest.raises(AnalyticsInputError, match=r"load_sql could not read from sqlite:///.*shop.db: "
                       r"no such table: nope. Check that the server is reachable"):
        load_sql(f"sqlite:///{shop_db}", "SELECT * FROM nope", "orders")


def test_load_sql_bad_url_and_missing_sqlite_file(tmp_path):
    with pytest.raises(AnalyticsInputError, match=r"The 'url' parameter of load_sql must be a "
                       r"SQLAlchemy database URL such as 'sqlite:///shop.db'"):
        load_sql("not a url", "orders", "orders")
    with pytest.raises(AnalyticsInputError, match=r"load_sql: the SQLite file .*missing.db does not "
                       r"exist. Check the path in the URL"):
        load_sql(f"sqlite:///{tmp_path / 'missing.db'}", "orders", "orders")
    assert not (tmp_path / "missing.db").exists()


@pytest.mark.parametrize(("url", "reason"), [
    ("mysql://alice:s3cr3t-pw@127.0.0.1:1/shop", "the database driver for mysql"),  # driver not installed
    ("postgresql+nosuchdriver://alice:s3cr3t-pw@127.0.0.1:1/shop", "the database driver for postgresql"),
    ("postgresql+psycopg://alice:s3cr3t-pw@127.0.0.1:1/shop", "could not"),  # nothing listens on port 1
])
def test_load_sql_messages_never_contain_the_password(url, reason):
    with pytest.raises(AnalyticsInputError) as caught:
        load_sql(url, "orders", "orders")
    message = str(caught.value)
    assert "s3cr3t-pw" not in message
    assert "alice:***@127.0.0.1:1/shop" in message
    assert reason in message


def test_load_sql_connection_failure_and_unusable_options(tmp_path):
    not_a_db = tmp_path / "notes.db"
    not_a_db.write_bytes(b"this is not a SQLite database, just text" * 40)
    with pytest.raises(AnalyticsInputError, match=r"load_sql could not read from sqlite:///.*notes.db: "
                       r"file is not a database. Check that the server is reachable"):
        load_sql(f"sqlite:///{not_a_db}", "orders", "orders")
    with pytest.raises(AnalyticsInputError, match=r"load_sql: the URL sqlite:///.*notes.db\?timeout=abc "
                       r"is not usable \(could not convert string to float: 'abc'\). Check its options."):
        load_sql(f"sqlite:///{not_a_db}?timeout=abc", "orders", "orders")


def test_load_sql_validates_kind_and_query_or_table(shop_db):
    url = f"sqlite:///{shop_db}"
    with pytest.raises(AnalyticsInputError, match=r"The 'kind' parameter of load_sql must be one of "
                       r"'orders', 'events', 'spend'. Got 'order' instead."):
        load_sql(url, "orders", "order")
    with pytest.raises(AnalyticsInputError, match=r"The 'query_or_table' parameter of load_sql must be a "
                       r"table name or a SELECT / WITH query. Got '  ' instead."):
        load_sql(url, "  ", "orders")


@settings(deadline=None, derandomize=True, database=None, max_examples=150,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rows=st.lists(st.tuples(st.sampled_from(["1", "2", "7", "007", "10", ""])
                               | st.sampled_from(["x", "9" * 20]),
                               st.sampled_from(["5", "-5", "0", ""])), min_size=1, max_size=12))
@example(rows=[("7", "5"), ("007", "0"), ("7", "-5"), ("7", "5")])  # numbers: 7 repeats, "007" does not
@example(rows=[("x", "5"), ("x", "5"), ("1", "5")])  # text: compared as text only
def test_duplicate_order_ids_are_found_like_pandas_duplicated(tmp_path, rows):
    # Ids equal as numbers but not as text ("7" / "007"), too big for int64, text, missing; refunds
    # (negative amounts) and rows without an amount do not count as the first row of an order.
    text = "customer_id,order_ts,amount,order_id\n" + "".join(
        f"c,2024-01-05,{amount},{order_id}\n" for order_id, amount in rows)
    frame = pd.DataFrame(rows, columns=["order_id", "amount"]).replace("", np.nan)
    first = frame[frame["order_id"].notna() & frame["amount"].notna()
                  & (frame["amount"].astype(float) >= 0)]
    expected = sorted(first.index[first["order_id"].duplicated()] + 2)  # spreadsheet row numbers
    assume(len(frame.dropna()) > len(expected))  # some row loads
    result = load_table(_write(tmp_path, "d.csv", text), "orders")
    got = result.bad_rows.loc[result.bad_rows["reason"] == "duplicate order_id", "row"].tolist()
    assert got == expected[:20]
