"""The bad-input corpus: awkward and broken files for ``analytics.io.load_table``, with what each must do.

Every ``Case`` holds a file's exact bytes and its expectation, worked out by hand in the comment above
it: ``Refused`` (an AnalyticsInputError whose message matches a regex) or ``Loads`` (exact row counts,
the exact total of the money column, or the number of events, and the validation report line by line).
The bytes are also committed under ``tests/data/bad/`` so that they can be opened and tried in the app;
``tests/analytics/test_bad_inputs.py`` checks that the committed files equal what this script writes.

Regenerate after changing a case (or after an openpyxl / pyarrow upgrade changes their writers' bytes):

    python -m tests.data.make_bad_corpus
"""

from __future__ import annotations

import codecs
import io
import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq

FOLDER = Path(__file__).parent / "bad"

_HEADER = "customer_id,order_ts,amount"
_TZ_HINT = "pass timezone='Asia/Shanghai' or your shop's zone to convert instead"
_FIXED_TIME = (2024, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Refused:
    """load_table raises AnalyticsInputError whose message matches ``match`` (``re.search``)."""

    match: str


@dataclass(frozen=True)
class Loads:
    """load_table returns a LoadResult with exactly these numbers.

    ``total``: sum of ``amount`` (orders) or ``spend`` (spend), or the number of events (events).
    ``problems``: one substring per line of ``LoadResult.problems``, in order (so their number is
    exact too). ``columns``: exact values of some columns of the loaded frame, in row order (timestamps
    as ISO strings).
    """

    rows_read: int
    rows_loaded: int
    rows_dropped: int
    total: float
    problems: tuple[str, ...] = ()
    columns: dict[str, list] = field(default_factory=dict)


@dataclass(frozen=True)
class Case:
    """One file of the corpus: ``name`` (file name, its extension picks the format), ``kind`` (the
    table it is loaded as), ``content`` (its bytes), ``expect`` (Refused or Loads), ``why`` (what is
    awkward about it) and ``options`` (extra keyword arguments of load_table)."""

    name: str
    kind: str
    content: bytes
    expect: Refused | Loads
    why: str
    options: dict = field(default_factory=dict)


def _text(*lines: str, newline: str = "\n") -> str:
    return "".join(line + newline for line in lines)


def _utf8(*lines: str) -> bytes:
    return _text(*lines).encode("utf-8")


def _stable_zip(data: bytes) -> bytes:
    """A zip (xlsx) rewritten with fixed member times, no compression and fixed document times, so
    that the same workbook always gives the same bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w") as target:
        for member in source.infolist():
            body = source.read(member.filename)
            if member.filename == "docProps/core.xml":
                body = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2024-01-01T00:00:00Z", body)
            target.writestr(zipfile.ZipInfo(member.filename, date_time=_FIXED_TIME), body)
    return out.getvalue()


def _xlsx(rows: list[list], *, text_cells: bool = False) -> bytes:
    """An .xlsx workbook with ``rows`` on its first sheet; ``text_cells``: strings starting with "="
    are stored as text, not as formulas (how Excel stores a cell typed as '=...)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    if text_cells:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.data_type == "f":
                    cell.data_type = "s"
    buffer = io.BytesIO()
    book.save(buffer)
    return _stable_zip(buffer.getvalue())


def _parquet(table: pa.Table) -> bytes:
    buffer = io.BytesIO()
    pq.write_table(table, buffer, compression="none")
    return buffer.getvalue()


def _typed_parquet() -> bytes:
    utc = pa.timestamp("ms", tz="UTC")
    return _parquet(pa.table({
        "customer_id": pa.array([101, 102, None, 104], pa.int64()),
        "order_ts": pa.array([datetime(2024, 1, 5, 1), datetime(2024, 1, 5, 17, 30),
                              datetime(2024, 1, 6), None], utc),
        "amount": pa.array([Decimal("12.50"), Decimal("-3.25"), Decimal("7.00"), Decimal("1.00")],
                           pa.decimal128(10, 2)),
        "order_id": pa.array(["007", "008", "009", "010"]),
        "channel": pa.array(["ads", "ads", None, "kol"]).dictionary_encode(),
        "quantity": pa.array([1, 2, 3, 4], pa.int32()),
    }))


def _orders_csv(rows: list[str]) -> bytes:
    return _utf8(_HEADER, *rows)


def cases() -> list[Case]:
    """Every case of the corpus, in a fixed order (file names are unique)."""
    return [*_refused(), *_encodings(), *_layouts(), *_dates(), *_amounts(), *_texts(), *_formats(),
            *_events_and_spend()]


# ------------------------------------------------------------------------------------- refused files

def _refused() -> list[Case]:
    garbage = random.Random(10).randbytes(4096)
    png = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x10\x08\x06\x00\x00\x00" * 8
    big = _orders_csv([f"c{i},2024-01-05,{i}" for i in range(100)])
    typed = _typed_parquet()
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr(zipfile.ZipInfo("orders.csv", date_time=_FIXED_TIME),
                         _orders_csv(["c1,2024-01-05,1"]))
    return [
        Case("empty.csv", "orders", b"", Refused(
            r"^empty\.csv is empty \(0 bytes\)\. Export the data again with a header row and at least "
            r"one data row\.$"), "0 bytes"),
        Case("header_only.csv", "orders", _utf8(_HEADER), Refused(
            r"^header_only\.csv has no data rows \(found headers: customer_id, order_ts, amount\)\. "
            r"Export the data again with at least one row below the header\.$"), "a header, no rows"),
        Case("blank_lines_only.csv", "orders", b"\n\n\r\n\n", Refused(
            r"^blank_lines_only\.csv has no header row \(the file is blank\)\. Export the data again "
            r"with a header row\.$"), "only line breaks"),
        Case("binary_garbage.csv", "orders", garbage, Refused(
            r"^binary_garbage\.csv does not look like a text table \(it contains binary data\)\. "
            r"Upload a CSV, TSV or TXT text file, an Excel \.xlsx workbook or a Parquet file\.$"),
             "4 KB of random bytes named .csv"),
        Case("screenshot.png", "orders", png, Refused(
            r"^screenshot\.png does not look like a text table \(it contains binary data\)\. Upload a "
            r"CSV"), "an image picked by mistake (unknown extension: sniffed as text, then refused)"),
        Case("legacy.xls", "orders", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504), Refused(
            r"^legacy\.xls: the \.xls format is not supported\. Upload a CSV, TSV or TXT text file, an "
            r"Excel \.xlsx workbook or a Parquet file \(in Excel: Save As \.xlsx or CSV UTF-8\)\.$"),
             "an Excel 97-2003 workbook"),
        Case("orders.json", "orders", b'[{"customer_id": "c1", "order_ts": "2024-01-05", "amount": 1}]',
             Refused(r"^orders\.json: the \.json format is not supported\. Upload a CSV"),
             "JSON records (unsupported format)"),
        Case("zip_renamed.xlsx", "orders", zipped.getvalue(), Refused(
            r"^zip_renamed\.xlsx could not be read as an Excel \.xlsx workbook \(.+\)\. Open it in "
            r"Excel and save it again as \.xlsx or CSV UTF-8\.$"), "a zip of a CSV renamed to .xlsx"),
        Case("truncated.parquet", "orders", typed[: len(typed) // 2], Refused(
            r"^truncated\.parquet could not be read as a Parquet file \(.+\)\. Export it again, or "
            r"upload a CSV"), "the first half of a Parquet file (its footer is missing)"),
        # Header 28 bytes with its newline; rows "cI,2024-01-05,I\n": 10 of 16 bytes (I < 10) and
        # 90 of 18 bytes: 28 + 160 + 1,620 = 1,808 bytes.
        Case("over_the_limit.csv", "orders", big, Refused(
            r"^over_the_limit\.csv is 1,808 bytes, over the upload limit of 1,000 bytes\. Split the "
            r"file into parts below the limit \(e\.g\. one per month\) and load each, or load the data "
            r"into a database and use the SQL source\.$"), "bigger than the upload limit",
             {"max_bytes": 1000}),
        # Read leniently, the open quote would swallow rows 3 and 4 into row 2's category.
        Case("unbalanced_quote.csv", "orders",
             _utf8("customer_id,order_ts,amount,category", 'c1,2024-01-05,10,"oops', "c2,2024-01-06,20,x",
                   "c3,2024-01-07,30,y"), Refused(
                 r"^unbalanced_quote\.csv could not be read as utf-8 text separated by ',' \(.*EOF "
                 r"inside string.*\)\. Check that every row has as many values as the header and that "
                 r"quotes are balanced, or save it as CSV UTF-8\.$"), "a quote that is never closed"),
        Case("missing_amount.csv", "orders",
             _utf8("customer_id,order_id,order_ts,qty", "c1,A1,2024-01-05,2"), Refused(
                 r"^missing_amount\.csv: no column found for amount\. orders need customer_id, "
                 r"order_ts, amount\. Found headers: customer_id, order_id, order_ts, qty\. Rename the "
                 r"column in the file or choose it in the column mapping, e\.g\. "
                 r"mapping=\{'amount': '<your column>'\}\.$"), "orders without an amount column"),
        # Row 2: no customer; row 3: not a date; row 4: not a number. Nothing is left.
        Case("only_bad_rows.csv", "orders",
             _orders_csv([",2024-01-05,10", "c2,someday,10", "c3,2024-01-05,ten"]), Refused(
                 r"^only_bad_rows\.csv: none of the 3 data rows could be loaded as orders \(1 with "
                 r"missing customer_id; 1 with missing or unparseable order_ts; 1 with missing or "
                 r"non-numeric amount\)\. Columns used: customer_id <- 'customer_id', order_ts <- "
                 r"'order_ts', amount <- 'amount'\. Check the column mapping and the file's "
                 r"contents\.$"), "every row is bad"),
        Case("spend_without_channel.csv", "spend", _utf8("date,cost", "2024-01-05,100"), Refused(
            r"^spend_without_channel\.csv: no column found for channel\. spend need date, channel, "
            r"spend\. Found headers: date, cost\."), "spend without a channel column"),
        Case("events_without_event_name.csv", "events",
             _utf8("user_id,event_ts,page", "u1,2024-01-05 10:00,/home"), Refused(
                 r"^events_without_event_name\.csv: no column found for event_name\. events need "
                 r"user_id, event_ts, event_name\. Found headers: user_id, event_ts, page\."),
             "events without an event name column"),
    ]


# ------------------------------------------------------------------------------------------ encodings

def _encodings() -> list[Case]:
    gbk_text = _text("用户ID,订单号,下单时间,实付金额,渠道", "张三,007,2024-01-05 13:00,\"￥1,299.00\",抖音",
                     "李四,008,2024/01/06 09:30,12元,微信", "王五,009,2024年1月7日,0,微信")
    ascii_rows = [f"c{i},2024-01-05,1,ads" for i in range(30)]
    after_ascii = (_text("customer_id,order_ts,amount,channel", *ascii_rows)
                   + _text("c30,2024-01-06,2,抖音", "c31,2024-01-06,2,微信")).encode("gbk")
    mixed = (_utf8("customer_id,order_ts,amount,channel", "c1,2024-01-05,1,抖音", "c2,2024-01-05,1,抖音")
             + _text("c3,2024-01-06,1,微信", "c4,2024-01-06,1,微信").encode("gbk"))
    return [
        Case("utf8_bom.csv", "orders", codecs.BOM_UTF8 + _orders_csv(["c1,2024-01-05,10",
                                                                       "c2,2024-01-06,20.5"]),
             Loads(2, 2, 0, 30.5, columns={"customer_id": ["c1", "c2"]}),
             "UTF-8 with a byte order mark (Excel's CSV UTF-8)"),
        # Excel's "Unicode Text": UTF-16 little endian with BOM, tab separated; 99.75 + 0.25 = 100.
        Case("utf16_bom_tab.txt", "orders",
             codecs.BOM_UTF16_LE + _text("用户ID\t下单时间\t实付金额", "张三\t2024-01-05 10:00\t99.75",
                                         "李四\t2024-01-06 11:00\t0.25").encode("utf-16-le"),
             Loads(2, 2, 0, 100.0, columns={"customer_id": ["张三", "李四"]}),
             "UTF-16 LE with BOM, tab separated, Chinese headers"),
        # 1,299 + 12 + 0 = 1,311; 2024/01/06 and 2024年1月7日 are other date spellings.
        Case("gbk_chinese_headers.csv", "orders", gbk_text.encode("gbk"),
             Loads(3, 3, 0, 1311.0, columns={
                 "customer_id": ["张三", "李四", "王五"], "order_id": ["007", "008", "009"],
                 "order_ts": ["2024-01-05T13:00:00", "2024-01-06T09:30:00", "2024-01-07T00:00:00"],
                 "channel": ["抖音", "微信", "微信"]}),
             "GBK (a Chinese Excel export) with Chinese headers and values"),
        # 30 rows of 1 + 2 rows of 2 = 34.
        Case("gbk_after_ascii_rows.csv", "orders", after_ascii,
             Loads(32, 32, 0, 34.0, columns={"channel": ["ads"] * 30 + ["抖音", "微信"]}),
             "GBK whose first 30 rows are plain ASCII (looks like UTF-8 at the start)"),
        Case("mixed_utf8_gbk.csv", "orders", mixed, Refused(
            r"^mixed_utf8_gbk\.csv mixes two text encodings: some lines are UTF-8 \(e\.g\. line 2\) "
            r"and others are not \(e\.g\. line 4\)\. This happens when exports from different systems "
            r"are joined\. Save each part as CSV UTF-8 and join them again\.$"),
             "rows 2-3 in UTF-8, rows 4-5 in GBK (two exports pasted together)"),
        # Zoë, José in Windows-1252 with semicolons; 10 + 20 = 30.
        Case("cp1252_names.csv", "orders",
             _text("customer_id;order_ts;amount;region", "Zoë;2024-01-05;10;Köln",
                   "José;2024-01-06;20;São Paulo").encode("cp1252"),
             Loads(2, 2, 0, 30.0, columns={"customer_id": ["Zoë", "José"],
                                           "region": ["Köln", "São Paulo"]}),
             "Windows-1252 (a European Excel export), semicolons"),
    ]


# -------------------------------------------------------------------------------- delimiters, layout

def _layouts() -> list[Case]:
    extra = ",".join(f"extra_{i}" for i in range(30))
    return [
        # A quoted value spans two lines and another holds commas and doubled quotes: still 2 rows.
        Case("quoted_newlines.csv", "orders",
             _utf8("customer_id,order_ts,amount,category", 'c1,2024-01-05,10,"line one', 'line two"',
                   'c2,2024-01-06,"1,000","say ""hi"", then go"'),
             Loads(2, 2, 0, 1010.0, columns={"category": ["line one\nline two", 'say "hi", then go']}),
             "quoted newlines, commas and quotes inside values"),
        # 1,299 + 5 = 1,304; "12,50" (a decimal comma) is not guessed: row 4 dropped.
        Case("semicolons.csv", "orders",
             _utf8("customer_id;order_ts;amount", "c1;2024-01-05;1,299.00", "c2;2024-01-06;5",
                   "c3;2024-01-07;12,50"),
             Loads(3, 2, 1, 1304.0, ("Dropped 1 row with missing or non-numeric amount (column "
                                     "'amount'), e.g. row 4.",)),
             "semicolon separated, one decimal comma"),
        Case("tabs.tsv", "orders",
             _utf8("客户ID\t日期\t金额\t渠道", "c1\t2024-01-05\t10\tads, paid", 'c2\t2024-01-06\t20\t"kol"'),
             Loads(2, 2, 0, 30.0, columns={"channel": ["ads, paid", "kol"]}),
             "tab separated, a comma inside a value"),
        Case("pipes.txt", "orders",
             _utf8("customer_id|order_ts|amount|category", "c1|2024-01-05|10|a,b", "c2|2024-01-06|20|c;d"),
             Loads(2, 2, 0, 30.0, columns={"category": ["a,b", "c;d"]}),
             "pipe separated, commas and semicolons inside values"),
        Case("crlf.csv", "orders",
             _text(_HEADER, "c1,2024-01-05,10", "c2,2024-01-06,20", newline="\r\n").encode(),
             Loads(2, 2, 0, 30.0, columns={"amount": [10.0, 20.0]}), "Windows line ends"),
        Case("cr_only.csv", "orders",
             _text(_HEADER, "c1,2024-01-05,10", "c2,2024-01-06,20", newline="\r").encode(),
             Loads(2, 2, 0, 30.0, columns={"customer_id": ["c1", "c2"]}), "classic Mac line ends (CR)"),
        # The first of two "amount" and two "customer_id" columns is used: 10 + 20.
        Case("duplicated_headers.csv", "orders",
             _utf8("customer_id,order_ts,amount,amount,customer_id", "c1,2024-01-05,10,99,x1",
                   "c2,2024-01-06,20,99,x2"),
             Loads(2, 2, 0, 30.0, columns={"customer_id": ["c1", "c2"]}), "duplicated headers"),
        Case("extra_columns.csv", "orders",
             _utf8(f"customer_id,,order_ts,notes,amount,{extra}",
                   "c1,,2024-01-05,hello,10," + ",".join("x" * 30),
                   "c2,z,2024-01-06,,20," + ",".join("y" * 30)),
             Loads(2, 2, 0, 30.0), "36 columns, one without a name, 33 not in the data contract"),
        Case("trailing_delimiters.csv", "orders",
             _utf8(_HEADER + ",", "c1,2024-01-05,10,", "c2,2024-01-06,20,"),
             Loads(2, 2, 0, 30.0), "a trailing comma on every line (an empty unnamed column)"),
        Case("padded_headers_and_values.csv", "orders",
             _utf8(" Customer ID , Order Date ,  Amount  ", "  c1  , 2024-01-05 ,  10  ",
                   "c2,2024-01-06 , 20"),
             Loads(2, 2, 0, 30.0, columns={"customer_id": ["c1", "c2"],
                                           "order_ts": ["2024-01-05T00:00:00", "2024-01-06T00:00:00"]}),
             "spaces around headers and values"),
        Case("header_synonyms.csv", "orders",
             _utf8("Order No.,Buyer ID,Payment Time,Paid Amount (元),Traffic Source",
                   "N1,b1,2024-01-05 08:00,88,search", "N2,b2,2024-01-05 09:00,12,feed"),
             Loads(2, 2, 0, 100.0, columns={"order_id": ["N1", "N2"], "channel": ["search", "feed"]}),
             "headers that are synonyms, with punctuation and a unit"),
        # Blank lines are skipped and not counted: the second record (c2, no time) is row 3 (a
        # spreadsheet opening the file shows it on row 6; LoadResult documents the rule).
        Case("blank_lines_between_rows.csv", "orders",
             _utf8(_HEADER, "", "c1,2024-01-05,10", "", "", "c2,,20", ""),
             Loads(2, 1, 1, 10.0, ("Dropped 1 row with missing or unparseable order_ts (column "
                                   "'order_ts'), e.g. row 3.",)),
             "blank lines between and after the rows"),
        Case("one_row.csv", "orders", _orders_csv(["c1,2024-01-05,42"]),
             Loads(1, 1, 0, 42.0), "a single data row"),
    ]


# ---------------------------------------------------------------------------------------------- dates

def _dates() -> list[Case]:
    zoned = _orders_csv(["c1,2024-01-05T01:00:00+08:00,1", "c2,2024-01-04T17:00:00Z,2",
                         "c3,2024-01-05 09:30:00-05:00,4", "c4,2024-01-05 10:00,8",
                         "c5,2024-01-05T23:30:00.500+0530,16"])
    return [
        # Rows 2-10 each in another spelling (20240109 is ISO 8601's basic form); 13/01 and 14/01
        # show day-first; "yesterday" (row 11) is dropped. Nine rows of 1 are loaded.
        Case("mixed_date_formats.csv", "orders",
             _orders_csv(["c1,2024-01-05,1", "c2,2024/01/06 13:00,1", "c3,2024年1月7日,1",
                          "c4,2024.01.08,1", "c5,20240109,1", "c6,13/01/2024,1", "c7,14/01/2024 08:00,1",
                          "c8,2024-01-15T09:30:00,1", "c9,Jan 16 2024,1", "c10,yesterday,1"]),
             Loads(10, 9, 1, 9.0, (
                 "Dropped 1 row with missing or unparseable order_ts (column 'order_ts'), e.g. row 11.",
                 "had dates written day/month/year (some first numbers are above 12) (e.g. rows 7, 8)"),
                 columns={"order_ts": ["2024-01-05T00:00:00", "2024-01-06T13:00:00", "2024-01-07T00:00:00",
                                       "2024-01-08T00:00:00", "2024-01-09T00:00:00", "2024-01-13T00:00:00",
                                       "2024-01-14T08:00:00", "2024-01-15T09:30:00",
                                       "2024-01-16T00:00:00"]}),
             "nine date spellings in one column and one word"),
        # Without a timezone the clock time as written is kept and the offset dropped (4 rows).
        Case("iso_time_zones.csv", "orders", zoned,
             Loads(5, 5, 0, 31.0, (f"4 rows had a UTC offset: kept the local clock time as written and "
                                   f"dropped the offset; {_TZ_HINT} (e.g. rows 2, 3, 4, 6)",),
                   columns={"order_ts": ["2024-01-05T01:00:00", "2024-01-04T17:00:00",
                                         "2024-01-05T09:30:00", "2024-01-05T10:00:00",
                                         "2024-01-05T23:30:00.500000"]}),
             "+08:00, Z, -05:00, +0530 with fractions, and one naive time"),
        # Converted to Shanghai (UTC+8): 17:00Z -> 01:00 next day; 09:30-05:00 = 14:30Z -> 22:30;
        # naive 10:00 kept; 23:30:00.5+05:30 = 18:00:00.5Z -> 02:00:00.5 on the 6th.
        Case("iso_time_zones_to_shanghai.csv", "orders", zoned,
             Loads(5, 5, 0, 31.0, ("4 rows had a UTC offset: converted to Asia/Shanghai local time "
                                   "(e.g. rows 2, 3, 4, 6)",),
                   columns={"order_ts": ["2024-01-05T01:00:00", "2024-01-05T01:00:00",
                                         "2024-01-05T22:30:00", "2024-01-05T10:00:00",
                                         "2024-01-06T02:00:00.500000"]}),
             "the same file converted to a named zone", {"timezone": "Asia/Shanghai"}),
        # Serial 45292 is 2024-01-01, so 45296 = Jan 5; .5 = 12:00; .75 = 18:00.
        Case("excel_serial_dates.csv", "orders",
             _orders_csv(["c1,45296,1", "c2,45297.5,2", "c3,45298.75,4"]),
             Loads(3, 3, 0, 7.0, ("3 rows had Excel serial day numbers, converted to dates "
                                  "(e.g. rows 2, 3, 4)",),
                   columns={"order_ts": ["2024-01-05T00:00:00", "2024-01-06T12:00:00",
                                         "2024-01-07T18:00:00"]}),
             "Excel serial day numbers as text"),
        # 1704067200 = 2024-01-01 00:00 UTC; + 4 days = 1704412800; + 12 h = 1704456000.
        Case("epoch_seconds.csv", "orders",
             _orders_csv(["c1,1704412800,1", "c2,1704456000,2", "c3,1704412800000,4"]),
             Loads(3, 3, 0, 7.0, (f"2 rows had Unix epoch seconds, read as UTC clock time; {_TZ_HINT} "
                                  "(e.g. rows 2, 3)",
                                  f"1 row had Unix epoch milliseconds, read as UTC clock time; {_TZ_HINT} "
                                  "(e.g. row 4)"),
                   columns={"order_ts": ["2024-01-05T00:00:00", "2024-01-05T12:00:00",
                                         "2024-01-05T00:00:00"]}),
             "Unix epoch seconds and milliseconds"),
        # 2099 is kept and reported; 9999-12-31 (a "never" sentinel) is beyond datetime64[ns]: dropped.
        Case("future_dates.csv", "orders",
             _orders_csv(["c1,2024-01-05,1", "c2,2099-12-31,2", "c3,9999-12-31,4"]),
             Loads(3, 2, 1, 3.0, ("Dropped 1 row with missing or unparseable order_ts (column "
                                  "'order_ts'), e.g. row 4.",
                                  "Kept 1 row with order_ts (column 'order_ts') in the future")),
             "a date in 2099 and the 9999-12-31 sentinel"),
    ]


# -------------------------------------------------------------------------------------------- amounts

def _amounts() -> list[Case]:
    return [
        # 1299 x 4 (¥, $, 元, "¥ 1,299") - 12 ((12.00) is negative) + 5 + 10 + 3.5 + 2 = 5,204.5;
        # "1,29" (row 10) is neither a thousands group nor a decimal point: dropped.
        Case("currency_amounts.csv", "orders",
             _orders_csv(['c1,2024-01-05,"¥1,299.00"', 'c2,2024-01-05,"$1,299.00"', "c3,2024-01-05,1299元",
                          "c4,2024-01-05,(12.00)", "c5,2024-01-05,￥5", "c6,2024-01-05,RMB 10",
                          "c7,2024-01-05,€3.50", "c8,2024-01-05,USD 2", 'c9,2024-01-05,"1,29"',
                          'c10,2024-01-05,"¥ 1,299"']),
             Loads(10, 9, 1, 5204.5, ("Dropped 1 row with missing or non-numeric amount (column "
                                      "'amount'), e.g. row 10.",),
                   columns={"amount": [1299.0, 1299.0, 1299.0, -12.0, 5.0, 10.0, 3.5, 2.0, 1299.0]}),
             "currency symbols and codes, thousands separators, accounting negatives"),
        # Refunds (negative) and zero amounts are kept: 10 - 10 + 0 - 5 + 0 + 0 = -5.
        Case("negative_and_zero_amounts.csv", "orders",
             _utf8("order_id,customer_id,order_ts,amount", "A1,c1,2024-01-05,10", "A1,c1,2024-01-06,-10",
                   "A2,c2,2024-01-05,0", "A3,c3,2024-01-05,-5", "A4,c4,2024-01-05,-0",
                   "A5,c5,2024-01-05,0.00"),
             Loads(6, 6, 0, -5.0), "refunds, a refund without an order, zero and minus zero"),
        # Rows (header = 1): 3 and 9 no customer (NaN, spaces); 4 no order id (-); 5 and 10 no time
        # (N/A, #N/A); 6, 7 no amount (null, n/a), 11 inf, 12 1e400 (overflows). Loaded: rows 2 and 8
        # (10 + 5), whose NULL / - channels become missing labels.
        Case("null_tokens.csv", "orders",
             _utf8("customer_id,order_id,order_ts,amount,channel", "c1,A1,2024-01-05,10,NULL",
                   "NaN,A2,2024-01-05,10,ads", "c3,-,2024-01-05,10,ads", "c4,A4,N/A,10,ads",
                   "c5,A5,2024-01-05,null,ads", "c6,A6,2024-01-05,n/a,none", "c7,A7,2024-01-06,5,-",
                   " ,A8,2024-01-06,5,ads", "c9,A9,#N/A,5,ads", "c10,A10,2024-01-07,inf,ads",
                   "c11,A11,2024-01-07,1e400,ads"),
             Loads(11, 2, 9, 15.0, (
                 "Dropped 2 rows with missing customer_id (column 'customer_id'), e.g. rows 3, 9.",
                 "Dropped 1 row with missing order_id (column 'order_id'), e.g. row 4.",
                 "Dropped 2 rows with missing or unparseable order_ts (column 'order_ts'), e.g. rows 5, 10.",
                 "Dropped 4 rows with missing or non-numeric amount (column 'amount'), e.g. rows 6, 7, 11, "
                 "12."), columns={"customer_id": ["c1", "c7"], "channel": [None, None]}),
             "NaN, null, -, N/A, #N/A, blanks, inf and an overflowing number"),
        # A1 repeats twice with amount >= 0 (rows 3 and 7 dropped); A2's refund may repeat A2;
        # "a1" is another id. 10 + 20 - 20 + 30 + 15 = 55.
        Case("duplicate_order_ids.csv", "orders",
             _utf8("order_id,customer_id,order_ts,amount", "A1,c1,2024-01-05,10", "A1,c1,2024-01-05,10",
                   "A2,c2,2024-01-06,20", "A2,c2,2024-01-07,-20", "A3,c3,2024-01-08,30",
                   "A1,c1,2024-01-09,15", "a1,c1,2024-01-09,15"),
             Loads(7, 5, 2, 55.0, ("Dropped 2 rows with duplicate order_id (column 'order_id'): kept "
                                   "the first row of each order (refunds, i.e. negative amounts, may "
                                   "repeat it), e.g. rows 3, 7.",),
                   columns={"order_id": ["A1", "A2", "A2", "A3", "a1"]}),
             "repeated order ids, a refund repeating its order, ids differing in case"),
    ]


# --------------------------------------------------------------------------------------- text values

def _texts() -> list[Case]:
    long_id = "c" + "x" * 99_999
    long_text = ", ".join(["ab"] * 25_000)  # 99,998 characters
    return [
        Case("leading_zero_ids.csv", "orders",
             _utf8("customer_id,order_id,order_ts,amount", "007,00123,2024-01-05,1", "0007,0123,2024-01-05,2",
                   "7,123,2024-01-05,3"),
             Loads(3, 3, 0, 6.0, columns={"customer_id": ["007", "0007", "7"],
                                          "order_id": ["00123", "0123", "123"]}),
             "ids whose leading zeros make them different"),
        Case("very_long_strings.csv", "orders",
             _utf8("customer_id,order_ts,amount,category", f"{long_id},2024-01-05,10,short",
                   f'c2,2024-01-06,20,"{long_text}"'),
             Loads(2, 2, 0, 30.0, columns={"customer_id": [long_id, "c2"],
                                           "category": ["short", long_text]}),
             "a 100,000-character id and a 99,998-character quoted value with commas"),
        # Formulas stay text; row 4's amount "=1+1" is not a number: dropped. 10 + 20 = 30.
        Case("formula_strings.csv", "orders",
             _utf8("order_id,customer_id,order_ts,amount,channel",
                   '"=HYPERLINK(""http://x"",""y"")",@SUM(A1:A9),2024-01-05,10,+cmd|\' /C calc\'!A0',
                   "=1+1,-2+3,2024-01-06,20,=cmd", "A3,c3,2024-01-07,=1+1,ads"),
             Loads(3, 2, 1, 30.0, ("Dropped 1 row with missing or non-numeric amount (column 'amount'), "
                                   "e.g. row 4.",),
                   columns={"order_id": ['=HYPERLINK("http://x","y")', "=1+1"],
                            "customer_id": ["@SUM(A1:A9)", "-2+3"],
                            "channel": ["+cmd|' /C calc'!A0", "=cmd"]}),
             "spreadsheet formulas in ids, channels and an amount"),
        Case("html_in_names.csv", "orders",
             _utf8("customer_id,order_ts,amount,channel,category",
                   "<script>alert(1)</script>,2024-01-05,10,<b>ads</b>,\"<img src=x onerror=alert('x')>\"",
                   '&lt;u&gt;,2024-01-06,5,"<a href=""javascript:alert(1)"">x</a>",&amp;'),
             Loads(2, 2, 0, 15.0, columns={
                 "customer_id": ["<script>alert(1)</script>", "&lt;u&gt;"],
                 "channel": ["<b>ads</b>", '<a href="javascript:alert(1)">x</a>'],
                 "category": ["<img src=x onerror=alert('x')>", "&amp;"]}),
             "HTML and script in names (kept verbatim as text)"),
    ]


# ---------------------------------------------------------------------------- line items, Excel, Parquet

def _formats() -> list[Case]:
    retail = _utf8(
        "InvoiceNo,StockCode,Description,Quantity,UnitPrice,CustomerID,InvoiceDate,Country",
        "536365,85123A,WHITE HANGING HEART,6,2.55,17850,12/1/2010 8:26,United Kingdom",
        "536365,71053,WHITE METAL LANTERN,6,3.39,17850,12/1/2010 8:26,United Kingdom",
        '536366,22633,"HAND WARMER, UNION JACK",6,1.85,17850,12/1/2010 8:28,United Kingdom',
        "536367,84879,ASSORTED BIRD,32,1.69,13047,12/1/2010 8:34,United Kingdom",
        "536367,22745,POPPY'S PLAYHOUSE,6,2.10,13047,12/1/2010 8:34,United Kingdom",
        "536368,22960,JAM MAKING SET,?,4.25,13047,12/1/2010 8:34,United Kingdom",
        "C536379,D,Discount,-1,27.50,14527,12/1/2010 9:41,United Kingdom",
        "536380,22961,JAM JAR,1,1.45,,12/1/2010 9:41,United Kingdom",
    )
    nested = _parquet(pa.table({
        "customer_id": ["c1", "c2"], "order_ts": ["2024-01-05", "2024-01-06"], "amount": [1.0, 2.0],
        "channel": pa.array([["ads", "kol"], []], pa.list_(pa.string())),
    }))
    floats = _parquet(pa.table({
        "customer_id": ["c1", "c2", "c3", "c4"],
        "order_ts": pa.array([datetime(2024, 1, 5)] * 4, pa.timestamp("us")),
        "amount": pa.array([1.5, float("nan"), float("inf"), -2.0], pa.float64()),
    }))
    return [
        # Rows 7 (quantity "?") and 9 (no customer) are dropped; 6 lines make 4 orders:
        # 536365 6 x 2.55 + 6 x 3.39 = 35.64; 536366 6 x 1.85 = 11.10; 536367 32 x 1.69 + 6 x 2.10
        # = 66.68; C536379 -1 x 27.50 = -27.50. Total 85.92. "12/1/2010" has no number above 12.
        Case("line_items.csv", "orders", retail,
             Loads(8, 4, 2, 85.92, (
                 "Dropped 1 row with missing customer_id (column 'CustomerID'), e.g. row 9.",
                 "Dropped 1 row with missing or non-numeric quantity or unit_price (columns 'Quantity', "
                 "'UnitPrice'), e.g. row 7.",
                 "6 rows had dates written NN/NN/YYYY with no number above 12 (ambiguous): read as "
                 "month/day/year, check them (e.g. rows 2, 3, 4, 5, 6)",
                 "Aggregated 6 line items into 4 orders by order_id (column 'InvoiceNo')"),
                 columns={"order_id": ["536365", "536366", "536367", "C536379"],
                          "order_ts": ["2010-12-01T08:26:00", "2010-12-01T08:28:00",
                                       "2010-12-01T08:34:00", "2010-12-01T09:41:00"]}),
             "an Online Retail style line-item export"),
        # Rows 4 (no customer) and 5 (text in a date cell) dropped; 10.5 + 20 = 30.5.
        Case("orders.xlsx", "orders", _xlsx([
            ["Customer ID", "Order Date", "Amount", "Order No", "Channel"],
            [7, datetime(2024, 1, 5, 13), 10.5, "007", "ads"],
            [8, datetime(2024, 1, 6), 20, "008", None],
            [None, datetime(2024, 1, 7), 5, "009", "ads"],
            [9, "not a date", 3, "010", "ads"]]),
             Loads(4, 2, 2, 30.5, (
                 "Dropped 1 row with missing customer_id (column 'Customer ID'), e.g. row 4.",
                 "Dropped 1 row with missing or unparseable order_ts (column 'Order Date'), e.g. row 5."),
                 columns={"customer_id": ["7", "8"], "order_id": ["007", "008"],
                          "order_ts": ["2024-01-05T13:00:00", "2024-01-06T00:00:00"]}),
             "an Excel workbook with typed cells"),
        # 45296 = 2024-01-05; .25 = 06:00; the third is a real date cell.
        Case("excel_serial_dates.xlsx", "orders", _xlsx([
            ["customer_id", "order_ts", "amount"], ["c1", 45296, 1], ["c2", 45297.25, 2],
            ["c3", datetime(2024, 1, 7, 8), 4]]),
             Loads(3, 3, 0, 7.0, ("2 rows had Excel serial day numbers, converted to dates "
                                  "(e.g. rows 2, 3)",),
                   columns={"order_ts": ["2024-01-05T00:00:00", "2024-01-06T06:00:00",
                                         "2024-01-07T08:00:00"]}),
             "an Excel date column holding serial numbers (cells not formatted as dates)"),
        Case("formula_text_cells.xlsx", "orders", _xlsx([
            ["order_id", "customer_id", "order_ts", "amount", "channel"],
            ['=HYPERLINK("http://x","y")', "@SUM(A1)", "2024-01-05", 10, "+cmd"],
            ["=1+1", "-2+3", "2024-01-06", 20, "=cmd"]], text_cells=True),
             Loads(2, 2, 0, 30.0, columns={"order_id": ['=HYPERLINK("http://x","y")', "=1+1"],
                                           "customer_id": ["@SUM(A1)", "-2+3"],
                                           "channel": ["+cmd", "=cmd"]}),
             "text cells that look like formulas"),
        # Records 3 (no customer) and 4 (no time) dropped: 12.50 - 3.25 = 9.25. The UTC zone is dropped
        # keeping the clock time (records 1 and 2).
        Case("typed.parquet", "orders", _typed_parquet(),
             Loads(4, 2, 2, 9.25, (
                 "Dropped 1 row with missing customer_id (column 'customer_id'), e.g. row 3.",
                 "Dropped 1 row with missing or unparseable order_ts (column 'order_ts'), e.g. row 4.",
                 f"2 rows had the time zone UTC: kept the local clock time and dropped the zone; {_TZ_HINT} "
                 "(e.g. rows 1, 2)"),
                 columns={"customer_id": ["101", "102"], "order_id": ["007", "008"],
                          "order_ts": ["2024-01-05T01:00:00", "2024-01-05T17:30:00"],
                          "amount": [12.5, -3.25], "channel": ["ads", "ads"], "quantity": [1.0, 2.0]}),
             "Parquet with int ids, zoned timestamps, decimals, dictionary labels"),
        # NaN and inf amounts are not numbers: records 2 and 3 dropped; 1.5 - 2 = -0.5.
        Case("float_amounts_with_nan_and_inf.parquet", "orders", floats,
             Loads(4, 2, 2, -0.5, ("Dropped 2 rows with missing or non-numeric amount (column "
                                   "'amount'), e.g. rows 2, 3.",)),
             "Parquet floats holding NaN and inf"),
        Case("nested_column.parquet", "orders", nested, Refused(
            r"^nested_column\.parquet: the column 'channel' \(used as channel\) holds lists, not single "
            r"values\. Choose another column for channel in the column mapping, or none "
            r"\(mapping=\{'channel': None\}\), or flatten the column before exporting\.$"),
             "Parquet with a list column where a label is expected"),
    ]


# ------------------------------------------------------------------------------------ events and spend

def _events_and_spend() -> list[Case]:
    return [
        # Rows: 3 and 6 no event name ("" and "-"), 4 no user (null), 5 bad time. Loaded: 2, 7, 8.
        Case("events_problems.csv", "events",
             _utf8("user_id,event_ts,event_name,session_id,channel", "u1,2024-01-05 10:00,view,s1,ads",
                   "u1,2024-01-05 10:01,,s1,ads", "null,2024-01-05 10:02,view,s2,ads",
                   "u2,not a time,view,s3,ads", "u2,2024-01-05 10:04,-,s3,ads",
                   "u3,2024-01-05T10:05:00+08:00,buy,s4,", "u3,2024-01-05 10:06,add_to_cart,,ads"),
             Loads(7, 3, 4, 3, (
                 "Dropped 1 row with missing user_id (column 'user_id'), e.g. row 4.",
                 "Dropped 1 row with missing or unparseable event_ts (column 'event_ts'), e.g. row 5.",
                 "Dropped 2 rows with missing event_name (column 'event_name'), e.g. rows 3, 6.",
                 "1 row had a UTC offset: kept the local clock time as written"),
                 columns={"event_name": ["view", "buy", "add_to_cart"], "session_id": ["s1", "s4", None]}),
             "events with a missing name, user and time, and a zoned time"),
        # 1704412800000 ms = 2024-01-05 00:00 UTC; + 90 s; + 1 h.
        Case("events_epoch_ms.csv", "events",
             _utf8("uid,timestamp,event", "u1,1704412800000,view", "u1,1704412890000,cart",
                   "u2,1704416400000,view"),
             Loads(3, 3, 0, 3, (f"3 rows had Unix epoch milliseconds, read as UTC clock time; {_TZ_HINT} "
                                "(e.g. rows 2, 3, 4)",),
                   columns={"event_ts": ["2024-01-05T00:00:00", "2024-01-05T00:01:30",
                                         "2024-01-05T01:00:00"]}),
             "events with epoch milliseconds and synonym headers"),
        # Row 3 "abc" spend and row 5 no channel dropped. Row 4's -50 is a credit from the ad
        # platform: kept (it lowers that day's spend) and reported. 100 - 50 + 1,000 + 0 = 1,050.
        Case("spend_problems.csv", "spend",
             _utf8("date,channel,spend,clicks", "2024-01-05,ads,100,10", "2024-01-05,kol,abc,5",
                   "2024-01-06,ads,-50,0", "2024-01-06,,30,1", '2024-01-07 13:00,kol,"¥1,000",n/a',
                   "2024-01-07,ads,0,0"),
             Loads(6, 4, 2, 1050.0, (
                 "Dropped 1 row with missing channel (column 'channel'), e.g. row 5.",
                 "Dropped 1 row with missing or non-numeric spend (column 'spend'), e.g. row 3.",
                 "date (column 'date'): 1 row had a time of day: dropped, spend is daily (e.g. row 6).",
                 "spend (column 'spend'): 1 row had a negative spend: kept as a credit that lowers the "
                 "day's spend; check it (e.g. row 4)."),
                 columns={"spend": [100.0, -50.0, 1000.0, 0.0], "clicks": [10.0, 0.0, None, 0.0]}),
             "spend with text, a negative value, no channel and a time of day"),
        # GBK spend export; 曝光 "1.2万" is not a plain number: set to missing (the row is kept).
        Case("spend_gbk.csv", "spend",
             _text("日期,渠道,花费,曝光", "2024-01-05,抖音,\"1,500.50\",12000", "2024-01-05,微信,300,1.2万",
                   "2024-01-06,抖音,200,9000").encode("gbk"),
             Loads(3, 3, 0, 2000.5, ("impressions (column '曝光'): 1 row had values that are not numbers: "
                                     "set to missing (e.g. row 3).",),
                   columns={"channel": ["抖音", "微信", "抖音"]}),
             "a GBK spend export with Chinese headers"),
    ]


def build(folder: Path | str = FOLDER) -> list[Case]:
    """Write every case's file into ``folder`` (created if needed) and return the cases."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    built = cases()
    for case in built:
        (folder / case.name).write_bytes(case.content)
    return built


if __name__ == "__main__":
    written = build()
    print(f"Wrote {len(written)} files to {FOLDER}")
