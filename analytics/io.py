"""Load orders / events / spend tables from files (CSV, TSV, TXT, Excel, Parquet) or SQL databases into
the canonical data contract (DESIGN §3), with a validation report of every dropped or changed row.

``read_raw`` reads a file as it is; ``load_table`` / ``load_sql`` read, map headers onto canonical
fields (analytics.mapping), coerce columns (analytics.clean), drop unusable rows, and return a
``LoadResult``. Anything unusable about the input raises AnalyticsInputError.
"""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
import zipfile
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import charset_normalizer
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa
from openpyxl.utils.exceptions import InvalidFileException

from analytics.arrow_pool import releasing
from analytics.clean import Note, as_text, parse_amount, parse_label, parse_timestamp
from analytics.dataset import ID_COLUMNS, KINDS, LABEL_COLUMNS, OPTIONAL, REQUIRED, TIME_COLUMNS
from analytics.errors import AnalyticsInputError, require_choice
from analytics.mapping import MAPPABLE, suggest_mapping
from analytics.prep import repeated

_SAMPLE_BYTES = 1 << 20
_CSV_BLOCK_BYTES = 8 << 20
_TEXT = (".csv", ".tsv", ".txt", ".tab")
_EXCEL = (".xlsx", ".xlsm")
_PARQUET = (".parquet", ".pq")
_UNSUPPORTED = (".xls", ".json", ".xml", ".pdf", ".zip", ".gz", ".ods", ".numbers", ".doc", ".docx")
_SUPPORTED = "a CSV, TSV or TXT text file, an Excel .xlsx workbook or a Parquet file"
_DELIMITERS = (",", ";", "\t", "|")
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")
_BAD_ROW_SAMPLE = 20
_EXAMPLES = 5
_QUERY = re.compile(r"^\(?\s*(select|with)\b", re.IGNORECASE)
_TEXT_IDS = ("order_id", "session_id")  # kept as strings; other ids and labels become category
_MANY_LABELS = ("customer_id", "user_id")  # categories with many distinct values
# Sniffing mixed encodings: lines with a byte >= 0x80, and lines of ASCII plus two or more three-byte
# UTF-8 sequences (e.g. Chinese text in UTF-8; about 1 in 4,000 GBK lines of three-character names
# match by chance).
_NON_ASCII_LINE = re.compile(rb"^[^\n]*[\x80-\xff]", re.MULTILINE)
_UTF8_CJK_LINE = re.compile(rb"^[\x00-\x09\x0b-\x7f]*(?:[\xe0-\xef][\x80-\xbf]{2}[\x00-\x09\x0b-\x7f]*){2,}$",
                            re.MULTILINE)

#: Largest source read_raw / load_table accept by default: Streamlit's server.maxUploadSize (200 MB in
#: .streamlit/config.toml; Streamlit counts a MB as 2**20 bytes). Bigger data goes through load_sql.
MAX_UPLOAD_BYTES = 200 * 2**20


@dataclass(frozen=True, eq=False)
class LoadResult:
    """A loaded canonical table and its validation report.

    - ``frame``: the canonical table (analytics.dataset): ``customer_id`` / ``user_id`` as category of
      strings, ``order_id`` / ``session_id`` as strings (leading zeros kept), timestamps as naive
      ``datetime64[ns]`` (``spend.date`` at midnight), money and counts as float64, labels as
      category; RangeIndex; rows in file order (line items: one row per order, first-seen order).
    - ``problems``: one human-readable line per kind of dropped or changed row, with counts and
      example row numbers (plus an info line when line items were aggregated).
    - ``mapping``: canonical field -> source column actually used.
    - ``rows_read``: data rows in the source; ``rows_dropped``: source rows dropped for a reason;
      ``rows_loaded``: rows of ``frame`` (fewer than read minus dropped when line items were summed).
    - ``bad_rows``: up to 20 dropped rows per reason: ``row``, ``reason``, then the source columns as
      read. ``row`` is the row number as a spreadsheet shows it (CSV/TXT/Excel: header = row 1, first
      data row = row 2; a quoted value spanning lines counts once; blank lines of a text file are
      skipped and not counted); Parquet and SQL: record number from 1.
    - ``aggregated_line_items``: True when line items were summed to orders.
    """

    frame: pd.DataFrame
    problems: list[str]
    mapping: dict[str, str]
    rows_read: int
    rows_dropped: int
    rows_loaded: int
    bad_rows: pd.DataFrame
    aggregated_line_items: bool


@dataclass(frozen=True)
class _Source:
    label: str
    path: Path | None
    data: bytes | None
    head: bytes
    complete: bool

    def handle(self) -> str | io.BytesIO:
        """A fresh readable handle for pandas (each read attempt needs its own)."""
        return str(self.path) if self.path is not None else io.BytesIO(self.data)


# ---------------------------------------------------------------------------------------------- reading

def read_raw(source, *, name: str | None = None, max_bytes: int = MAX_UPLOAD_BYTES) -> pd.DataFrame:
    """Read a CSV / TSV / TXT, Excel .xlsx or Parquet file as it is, without mapping or cleaning.

    ``source``: a path, or a file-like object such as Streamlit's UploadedFile (its ``.name`` gives
    the format); ``name`` overrides the file name used for the format and in messages; ``max_bytes``:
    a larger source is refused (default ``MAX_UPLOAD_BYTES``, the upload limit). The format
    comes from the extension, else from the content (Parquet "PAR1", xlsx zip magic, else text).
    Text: encoding UTF-8 (with or without BOM), UTF-16 with BOM, GBK/GB18030, else charset-normalizer's
    best guess; delimiter sniffed among , ; TAB |; quoted newlines allowed; every value a string
    (empty -> NaN). Excel: the first sheet, every cell as a string too (text cells keep leading zeros,
    date cells read "2024-01-05 13:00:00"). Parquet keeps its typed columns. Headers become strings.
    The index is the source row number (see ``LoadResult.bad_rows``).
    """
    _check_max_bytes(max_bytes, where="read_raw")
    return _read(source, name, max_bytes)[0]


def _check_max_bytes(max_bytes: object, *, where: str) -> None:
    if isinstance(max_bytes, bool) or not isinstance(max_bytes, int) or max_bytes < 1:
        raise AnalyticsInputError(
            f"The 'max_bytes' parameter of {where} must be a positive whole number of bytes, e.g. "
            f"{MAX_UPLOAD_BYTES} (the upload limit). Got {max_bytes!r} instead."
        )


def _read(source, name: str | None, max_bytes: int) -> tuple[pd.DataFrame, str]:
    src = _open(source, name, max_bytes)
    if not src.head:
        raise AnalyticsInputError(f"{src.label} is empty (0 bytes). Export the data again with a "
                                  "header row and at least one data row.")
    kind = _format(src)
    if kind == "parquet":
        frame, first = _read_parquet(src), 1
    elif kind == "excel":
        frame, first = _read_excel(src), 2
    else:
        frame, first = _read_text(src), 2
    frame.columns = [str(c) for c in frame.columns]
    frame.index = pd.RangeIndex(first, first + len(frame))
    return frame, src.label


def _open(source, name: str | None, max_bytes: int) -> _Source:
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.is_file():
            raise AnalyticsInputError(f"read_raw: file not found: {path}. Check the path and that "
                                      "the file exists.")
        size = path.stat().st_size
        if size > max_bytes:
            raise _too_big(name or path.name, max_bytes, size)
        with path.open("rb") as handle:
            head = handle.read(_SAMPLE_BYTES + 1)
        return _Source(name or path.name, path, None, head[:_SAMPLE_BYTES], len(head) <= _SAMPLE_BYTES)
    if hasattr(source, "getvalue") or hasattr(source, "read"):
        data = source.getvalue() if hasattr(source, "getvalue") else source.read(max_bytes + 1)
        data = data.encode("utf-8") if isinstance(data, str) else bytes(data)
        label = name or Path(str(getattr(source, "name", "") or "")).name or "the uploaded file"
        if len(data) > max_bytes:
            raise _too_big(label, max_bytes, len(data) if hasattr(source, "getvalue") else None)
        return _Source(label, None, data, data[:_SAMPLE_BYTES], len(data) <= _SAMPLE_BYTES)
    raise AnalyticsInputError("read_raw needs a file path or a file-like object (with .read()). "
                              f"Got {type(source).__name__} instead.")


def _too_big(label: str, max_bytes: int, size: int | None) -> AnalyticsInputError:
    """``size`` None: a stream read up to the limit only."""
    what = f"is {_bytes(size)}, over" if size is not None else "is over"
    return AnalyticsInputError(
        f"{label} {what} the upload limit of {_bytes(max_bytes)}. Split the file into parts below the "
        "limit (e.g. one per month) and load each, or load the data into a database and use the SQL "
        "source."
    )


def _bytes(n: int) -> str:
    return f"{n / 2**20:,.4g} MB" if n >= 2**20 else f"{n:,} bytes"


def _format(src: _Source) -> str:
    ext = Path(src.label).suffix.lower()
    if ext in _TEXT:
        return "text"
    if ext in _EXCEL:
        return "excel"
    if ext in _PARQUET:
        return "parquet"
    if ext in _UNSUPPORTED or src.head.startswith(b"\xd0\xcf\x11\xe0"):
        raise AnalyticsInputError(f"{src.label}: the {ext or 'legacy Office'} format is not "
                                  f"supported. Upload {_SUPPORTED} (in Excel: Save As .xlsx or "
                                  "CSV UTF-8).")
    if src.head.startswith(b"PAR1"):
        return "parquet"
    if src.head.startswith(b"PK\x03\x04"):
        return "excel"
    return "text"


def _read_parquet(src: _Source) -> pd.DataFrame:
    try:
        return pd.read_parquet(src.handle(), engine="pyarrow")
    except (ValueError, OSError, pa.ArrowException) as exc:
        raise AnalyticsInputError(f"{src.label} could not be read as a Parquet file ({_flat(exc)}). "
                                  f"Export it again, or upload {_SUPPORTED}.") from None


def _read_excel(src: _Source) -> pd.DataFrame:
    try:
        return pd.read_excel(src.handle(), sheet_name=0, engine="openpyxl", dtype=str)
    except (ValueError, KeyError, OSError, zipfile.BadZipFile, InvalidFileException) as exc:
        raise AnalyticsInputError(f"{src.label} could not be read as an Excel .xlsx workbook "
                                  f"({_flat(exc)}). Open it in Excel and save it again as .xlsx or "
                                  "CSV UTF-8.") from None


def _read_text(src: _Source) -> pd.DataFrame:
    encoding = _encoding(src)
    sample = src.head.decode(encoding, errors="replace")
    if len(_CONTROL.findall(sample)) > len(sample) / 100:
        raise _binary(src)
    sep = _delimiter(sample, complete=src.complete)
    try:
        return _parse_text(src, sep, encoding)
    except AnalyticsInputError:
        raise
    except UnicodeDecodeError as exc:
        if encoding != "utf-8" or src.complete or not src.head.isascii():
            raise _unparsable(src, encoding, sep, exc) from None
        error = exc  # only the first MiB was sniffed, all ASCII: GBK exports may start like that
    except (ValueError, LookupError) as exc:
        raise _unparsable(src, encoding, sep, exc) from None
    try:
        return _parse_text(src, sep, "gb18030")
    except (ValueError, LookupError):
        raise _unparsable(src, encoding, sep, error) from None


def _parse_text(src: _Source, sep: str, encoding: str) -> pd.DataFrame:
    """pyarrow's CSV reader, else pandas' C reader; their errors (ValueError, LookupError) propagate."""
    encoding = "utf-8" if encoding == "utf-8-sig" else encoding  # both readers skip the BOM
    try:
        frame = _read_arrow_csv(src, sep, encoding)
        if frame is not None and not _ends_in_open_quote(frame):
            return frame
    except (ValueError, LookupError, pa.ArrowException):
        pass  # e.g. a quoted newline across pyarrow's blocks: the C engine reads it
    try:
        return pd.read_csv(src.handle(), engine="c", sep=sep, encoding=encoding, dtype=str,
                           keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise AnalyticsInputError(f"{src.label} has no header row (the file is blank). Export the "
                                  "data again with a header row.") from None


def _read_arrow_csv(src: _Source, sep: str, encoding: str) -> pd.DataFrame | None:
    """Every column as strings (empty -> NaN), read by pyarrow on all cores in blocks of
    _CSV_BLOCK_BYTES (pandas' pyarrow engine fixes 1 MiB blocks, whose per-block work adds up on big
    files).
    None when a header repeats: pandas' C reader then names the repeats "x.1", "x.2", ..."""
    table = pacsv.read_csv(
        src.handle(),
        read_options=pacsv.ReadOptions(encoding=encoding, block_size=_CSV_BLOCK_BYTES),
        parse_options=pacsv.ParseOptions(delimiter=sep),
        convert_options=pacsv.ConvertOptions(default_column_type=pa.large_string(), null_values=[""],
                                             strings_can_be_null=True),
    )
    if len(set(table.column_names)) < table.num_columns:
        return None
    return table.to_pandas()


def _ends_in_open_quote(frame: pd.DataFrame) -> bool:
    """True if a value of the last row spans lines: pyarrow reads a quote left open up to the end of
    the file as one value (swallowing every later row); the C reader rejects it, or confirms it."""
    if not len(frame):
        return False
    return any(isinstance(v, str) and ("\n" in v or "\r" in v) for v in frame.iloc[-1])


def _unparsable(src: _Source, encoding: str, sep: str, exc: BaseException) -> AnalyticsInputError:
    return AnalyticsInputError(
        f"{src.label} could not be read as {encoding} text separated by {sep!r} ({_flat(exc)}). "
        "Check that every row has as many values as the header and that quotes are balanced, "
        "or save it as CSV UTF-8."
    )


def _flat(exc: BaseException) -> str:
    """An exception's message on one line."""
    return " ".join(str(exc).split())


def _binary(src: _Source) -> AnalyticsInputError:
    return AnalyticsInputError(f"{src.label} does not look like a text table (it contains binary "
                               f"data). Upload {_SUPPORTED}.")


def _encoding(src: _Source) -> str:
    """UTF-8 (BOM), UTF-16 (BOM), strict UTF-8, strict GB18030 (superset of GBK), else the best
    charset-normalizer guess that keeps the table's structure."""
    head = src.head
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in head:
        raise _binary(src)
    try:
        codecs.getincrementaldecoder("utf-8")().decode(head, final=src.complete)
        return "utf-8"
    except UnicodeDecodeError as exc:
        _refuse_mixed_encodings(src, exc.start)
    try:
        codecs.getincrementaldecoder("gb18030")().decode(head, final=src.complete)
        return "gb18030"
    except UnicodeDecodeError:
        pass
    guesses = charset_normalizer.from_bytes(head[:65536])
    if not guesses:
        raise _binary(src)
    # A guess is only taken if it keeps the delimiters, quotes and newlines (on tiny samples
    # charset-normalizer may pick a multi-byte code page that swallows them); latin-1 decodes anything.
    return next((g.encoding for g in guesses if _keeps_structure(head, g.encoding)), "latin-1")


def _refuse_mixed_encodings(src: _Source, bad_at: int) -> None:
    """Raise if the sample, not UTF-8 at byte ``bad_at``, still has lines of (e.g. Chinese) text in
    UTF-8, at least 2 and 1% of its non-ASCII lines (two exports joined): read as one encoding, the
    rows of the other would be garbled without notice."""
    n_utf8 = len(_UTF8_CJK_LINE.findall(src.head))
    if n_utf8 < 2 or n_utf8 * 100 < len(_NON_ASCII_LINE.findall(src.head)):
        return
    first = _UTF8_CJK_LINE.search(src.head).start()
    utf8_line, bad_line = (src.head.count(b"\n", 0, at) + 1 for at in (first, bad_at))
    raise AnalyticsInputError(
        f"{src.label} mixes two text encodings: some lines are UTF-8 (e.g. line {utf8_line}) and "
        f"others are not (e.g. line {bad_line}). This happens when exports from different systems "
        "are joined. Save each part as CSV UTF-8 and join them again."
    )


def _keeps_structure(head: bytes, encoding: str) -> bool:
    text = head.decode(encoding, errors="replace")
    return all(text.count(c) == head.count(c.encode()) for c in ',;\t|\n"')


def _delimiter(sample: str, *, complete: bool) -> str:
    """The delimiter giving the most columns with the same count on each of the first 50 records."""
    if not complete:
        sample = sample[: sample.rfind("\n") + 1] or sample
    best, best_score = ",", (False, 1)
    for sep in _DELIMITERS:
        try:
            rows = [r for r in islice(csv.reader(io.StringIO(sample), delimiter=sep), 50) if r]
        except csv.Error:
            continue
        if not complete and 1 < len(rows) < 50:
            rows = rows[:-1]  # may be cut inside a quoted value
        widths = {len(r) for r in rows}
        score = (len(widths) == 1 and max(widths, default=0) > 1, max(widths, default=0))
        if score > best_score:
            best, best_score = sep, score
    return best


# ---------------------------------------------------------------------------------------------- loading

@releasing
def load_table(source, kind: str, *, mapping: Mapping[str, str | None] | None = None,
               timezone: str | None = None, max_bytes: int = MAX_UPLOAD_BYTES) -> LoadResult:
    """Read a file and load it as the canonical ``kind`` table ("orders", "events" or "spend").

    source: a path or file-like object (see ``read_raw``). ``mapping``: canonical field -> source
    column, overriding the suggestions of ``analytics.mapping.suggest_mapping`` (a value of None
    un-maps the field). ``timezone``: None keeps the local clock time of values with a UTC offset; an
    IANA name (e.g. "Asia/Shanghai") converts them to that zone (naive values are kept as written).
    ``max_bytes``: a larger source is refused (default ``MAX_UPLOAD_BYTES``, the upload limit).

    Rows are dropped and counted under the first reason that applies, checked column by column:
    orders customer_id, order_id (when mapped), order_ts, amount; events user_id, event_ts,
    event_name; spend date, channel, spend (missing id / label, missing or unparseable time,
    missing or non-numeric number); then (orders) a duplicate order_id among rows with amount >= 0
    (the first row is kept; refunds, i.e. negative amounts, may repeat their order's id). Zero
    amounts, future dates and negative spend (credits) are kept (the last two are reported).

    Line items (``unit_price`` mapped and no amount, or amount + quantity + unit_price with repeating
    order ids) become one row per order, in first-seen order: amount = sum of quantity x unit_price
    (quantity 1 when not mapped; a mapped amount column is then ignored), order_ts = earliest line,
    quantity summed, customer_id and other columns from the first line. Lines without an order_id
    or with a non-numeric quantity / unit price are dropped and counted.

    Returns a LoadResult (see there); ``rows_loaded`` counts orders after aggregation.

    Raises AnalyticsInputError for an empty, header-only, binary, unsupported or too large file, a
    missing required column, a mapped column of lists, an unknown mapping, or no usable row.
    """
    require_choice(kind, KINDS, name="kind", where="load_table")
    _check_timezone(timezone, where="load_table")
    _check_max_bytes(max_bytes, where="load_table")
    raw, label = _read(source, None, max_bytes)
    return _load(raw, kind, label=label, mapping=mapping, timezone=timezone, where="load_table")


def _check_timezone(timezone: object, *, where: str) -> None:
    if timezone is None:
        return
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError):
        raise AnalyticsInputError(
            f"The 'timezone' parameter of {where} must be an IANA time zone name such as "
            f"'Asia/Shanghai', or None. Got {timezone!r} instead."
        ) from None


def _load(raw: pd.DataFrame, kind: str, *, label: str, mapping, timezone, where: str) -> LoadResult:
    if raw.shape[1] == 0 or len(raw) == 0:
        raise AnalyticsInputError(
            f"{label} has no data rows (found headers: {_headers(raw.columns)}). Export the data "
            "again with at least one row below the header."
        )
    used = resolve_mapping(raw.columns, kind, mapping, label=label, where=where)
    lines = _is_line_items(raw, used)
    _require_fields(raw.columns, used, kind, lines=lines, label=label)
    _require_flat(raw, used, lines=lines, label=label)
    work, notes = _clean(raw, used, kind, lines=lines, timezone=timezone)
    drops = _drops(work, kind, lines=lines)
    keep = _keep(drops, len(work), kind=kind, label=label, used=used)
    problems = [_drop_line(reason, fields, pos, raw, used) for (reason, fields), pos in drops]
    problems += _note_lines(notes, keep, raw, used)
    problems += _future_line(work, kind, keep, raw, used, timezone)
    kept = work if keep.all() else work.iloc[np.flatnonzero(keep)]
    if lines:
        kept = _aggregate(kept)
        problems.append(_line_items_line(int(keep.sum()), len(kept), used))
    frame = _canonical(kept, kind, subset=kept is not work)
    used = {f: c for f, c in used.items() if f != ("amount" if lines else "unit_price")}
    return LoadResult(frame=frame, problems=problems, mapping=used, rows_read=len(raw),
                      rows_dropped=int((~keep).sum()), rows_loaded=len(frame), bad_rows=_bad_rows(raw, drops),
                      aggregated_line_items=lines)


def _keep(drops, n_rows: int, *, kind: str, label: str, used: Mapping[str, str]) -> np.ndarray:
    """Boolean mask of the rows no reason dropped; raises if there is none."""
    keep = np.ones(n_rows, dtype=bool)
    for _, positions in drops:
        keep[positions] = False
    if not keep.any():
        counts = "; ".join(f"{len(p):,} with {reason}" for (reason, _), p in drops)
        raise AnalyticsInputError(
            f"{label}: none of the {n_rows:,} data rows could be loaded as {kind} ({counts}). "
            f"Columns used: {_describe(used)}. Check the column mapping and the file's contents."
        )
    return keep


def _headers(columns) -> str:
    names = [str(c) for c in columns]
    shown = ", ".join(names[:30]) + (f", ... ({len(names)} columns)" if len(names) > 30 else "")
    return shown or "none"


def _describe(used: Mapping[str, str]) -> str:
    return ", ".join(f"{field} <- '{column}'" for field, column in used.items())


def resolve_mapping(columns, kind: str, mapping, *, label: str, where: str) -> dict[str, str]:
    """Canonical field -> source column for a table with these ``columns`` (as ``load_table`` maps them).

    The suggestions of ``suggest_mapping`` overridden by the user's ``mapping`` (a value of None un-maps
    the field; a user's column replaces any suggestion of it), in the order of ``MAPPABLE[kind]``.
    Raises AnalyticsInputError for a mapping that is not a dict, names an unknown field, or names a
    column that is not in ``columns`` (``label`` names the table in that message, ``where`` the caller).
    """
    used = suggest_mapping(columns, kind)
    if mapping is None:
        return used
    if not isinstance(mapping, Mapping):
        raise AnalyticsInputError(
            f"The 'mapping' parameter of {where} must be a dict of canonical field -> source column, "
            f"e.g. {{'amount': '实付金额'}}. Got {type(mapping).__name__} instead."
        )
    for field, column in mapping.items():
        if field not in MAPPABLE[kind]:
            raise AnalyticsInputError(
                f"{where}: the mapping key {field!r} is not a field of {kind}. "
                f"Use one of: {', '.join(MAPPABLE[kind])}."
            )
        if column is not None and (not isinstance(column, str) or column not in columns):
            raise AnalyticsInputError(
                f"{where}: mapping[{field!r}] = {column!r} is not a column of {label}. "
                f"Found headers: {_headers(columns)}. Use one of these names exactly."
            )
    chosen = {c for c in mapping.values() if c is not None}
    used = {f: c for f, c in used.items() if f not in mapping and c not in chosen}
    used.update({f: c for f, c in mapping.items() if c is not None})
    return {f: used[f] for f in MAPPABLE[kind] if f in used}


def _is_line_items(raw: pd.DataFrame, used: Mapping[str, str]) -> bool:
    if "unit_price" not in used:
        return False
    if "amount" not in used:
        return True
    return "quantity" in used and "order_id" in used and bool(repeated(raw[used["order_id"]]).any())


def _require_fields(columns, used, kind: str, *, lines: bool, label: str) -> None:
    need = ("customer_id", "order_ts", "order_id", "unit_price") if lines else REQUIRED[kind]
    missing = [f for f in need if f not in used]
    if not missing:
        return
    why = " (line items with a unit price are summed per order_id)" if lines else ""
    raise AnalyticsInputError(
        f"{label}: no column found for {', '.join(missing)}{why}. {kind} need "
        f"{', '.join(need)}. Found headers: {_headers(columns)}. Rename the column in the file or "
        f"choose it in the column mapping, e.g. mapping={{'{missing[0]}': '<your column>'}}."
    )


def _require_flat(raw: pd.DataFrame, used: Mapping[str, str], *, lines: bool, label: str) -> None:
    """Raise if a used column holds lists or records (Parquet / SQL nested types), judged by its
    first value: read as text they would become labels like "['a' 'b']"."""
    for field, column in used.items():
        values = raw[column]
        if values.dtype != object or (lines and field == "amount"):
            continue
        first = values.first_valid_index()
        value = None if first is None else values[first]
        if isinstance(value, (list, tuple, set, dict, np.ndarray)):
            what = "records (key-value maps)" if isinstance(value, dict) else "lists"
            raise AnalyticsInputError(
                f"{label}: the column '{column}' (used as {field}) holds {what}, not single values. "
                f"Choose another column for {field} in the column mapping, or none (mapping="
                f"{{'{field}': None}}), or flatten the column before exporting."
            )


def _clean(raw, used, kind: str, *, lines: bool, timezone) -> tuple[pd.DataFrame, list]:
    """Coerce each mapped column -> (work frame indexed like ``raw``, [(field, Note)]).

    Columns are coerced in parallel threads (the pyarrow / numpy kernels doing the work release the
    GIL), customer / user ids first: with their many distinct values they take longest, and a long
    job started last would leave the other threads idle. Results and notes come back in the order of
    ``used``.
    """
    fields = [f for f in used if not (lines and f == "amount")]  # line items: quantity x unit_price
    dropping = {f: f in REQUIRED[kind] or lines and f in ("quantity", "unit_price") for f in fields}
    longest_first = sorted(fields, key=lambda f: f not in _MANY_LABELS)
    with ThreadPoolExecutor(max_workers=max(1, min(len(fields), os.cpu_count() or 1))) as pool:
        futures = {f: pool.submit(_coerce, raw[used[f]], f, kind, timezone=timezone, dropping=dropping[f])
                   for f in longest_first}
        coerced = {field: futures[field].result() for field in fields}
    work = pd.DataFrame({field: values for field, (values, _) in coerced.items()}, index=raw.index,
                        copy=False)  # no copy into 2-D blocks
    notes = [(field, note) for field, (_, field_notes) in coerced.items() for note in field_notes]
    if lines:
        quantity = work["quantity"] if "quantity" in work else 1.0
        work["amount"] = work.pop("unit_price") * quantity
    return work, notes


def _coerce(values: pd.Series, field: str, kind: str, *, timezone,
            dropping: bool) -> tuple[pd.Series, list[Note]]:
    """One raw column -> (canonical values, notes). ``dropping``: bad values drop the row (no note);
    negative spend is kept and noted."""
    if field == TIME_COLUMNS[kind]:
        times, notes = parse_timestamp(values, timezone=timezone)
        return _whole_days(times, notes) if kind == "spend" else (times, notes)
    if field in _TEXT_IDS:
        return as_text(values), []
    if field in ID_COLUMNS or field in LABEL_COLUMNS:
        return parse_label(values), []
    numbers = parse_amount(values)
    notes = []
    if field == "spend":
        credits = np.flatnonzero(numbers.to_numpy() < 0)
        if len(credits):
            notes.append(Note("had a negative spend: kept as a credit that lowers the day's spend; "
                              "check it", credits))
    if dropping:
        return numbers, notes
    # Values that became NaN but were not missing (only those are cleaned again to tell which).
    maybe = np.flatnonzero(numbers.isna().to_numpy() & values.notna().to_numpy())
    lost = maybe[as_text(values.iloc[maybe]).notna().to_numpy()]
    if len(lost):
        notes.append(Note("had values that are not numbers: set to missing", lost))
    return numbers, notes


def _whole_days(times: pd.Series, notes: list[Note]) -> tuple[pd.Series, list[Note]]:
    days = times.dt.normalize()
    moved = np.flatnonzero((days != times).to_numpy() & times.notna().to_numpy())
    if len(moved):
        notes = [*notes, Note("had a time of day: dropped, spend is daily", moved)]
    return days, notes


def _drops(work: pd.DataFrame, kind: str, *, lines: bool) -> list[tuple[tuple, np.ndarray]]:
    """[((reason, fields), positions)] of dropped rows, each under the first reason that applies."""
    dropped = np.zeros(len(work), dtype=bool)
    out = []
    for reason, fields, bad in _reasons(work, kind, lines=lines):
        hit = bad & ~dropped
        if hit.any():
            out.append(((reason, fields), np.flatnonzero(hit)))
            dropped |= hit
    if kind == "orders" and "order_id" in work and not lines:
        first = np.flatnonzero(~dropped & (work["amount"] >= 0).to_numpy())
        later = first[repeated(work["order_id"], None if len(first) == len(work) else first)]
        if len(later):
            out.append((("duplicate order_id", ("order_id",)), later))
    return out


def _reasons(work: pd.DataFrame, kind: str, *, lines: bool):
    fields = list(REQUIRED[kind])
    if "order_id" in work:
        fields.insert(1, "order_id")
    for field in fields:
        missing = work[field].isna().to_numpy()
        if field == TIME_COLUMNS[kind]:
            yield f"missing or unparseable {field}", (field,), missing
        elif field == "amount" and lines:
            yield "missing or non-numeric quantity or unit_price", ("quantity", "unit_price"), missing
        elif field in ("amount", "spend"):
            yield f"missing or non-numeric {field}", (field,), missing
        else:
            yield f"missing {field}", (field,), missing


def _rows(raw: pd.DataFrame, positions: np.ndarray) -> str:
    shown = ", ".join(str(r) for r in raw.index[positions[:_EXAMPLES]])
    return f"e.g. row {shown}" if len(positions) == 1 else f"e.g. rows {shown}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}" + ("" if n == 1 else "s")


def _column(fields: str | tuple[str, ...], used: Mapping[str, str]) -> str:
    names = [f"'{used[f]}'" for f in ((fields,) if isinstance(fields, str) else fields) if f in used]
    return f" (column{'s' if len(names) > 1 else ''} {', '.join(names)})" if names else ""


def _drop_line(reason: str, fields: tuple[str, ...], positions, raw, used) -> str:
    extra = (": kept the first row of each order (refunds, i.e. negative amounts, may repeat it)"
             if reason.startswith("duplicate") else "")
    return (f"Dropped {_count(len(positions), 'row')} with {reason}{_column(fields, used)}{extra}, "
            f"{_rows(raw, positions)}.")


def _note_lines(notes, keep: np.ndarray, raw, used) -> list[str]:
    lines = []
    for field, note in notes:
        positions = note.positions[keep[note.positions]]
        if len(positions):
            lines.append(f"{field}{_column(field, used)}: {_count(len(positions), 'row')} "
                         f"{note.text} ({_rows(raw, positions)}).")
    return lines


def _future_line(work, kind: str, keep: np.ndarray, raw, used, timezone) -> list[str]:
    field = TIME_COLUMNS[kind]
    now = pd.Timestamp.now(tz=timezone).tz_localize(None) if timezone else pd.Timestamp.now()
    future = np.flatnonzero(keep & (work[field] > now).to_numpy())
    if not len(future):
        return []
    return [f"Kept {_count(len(future), 'row')} with {field}{_column(field, used)} in the future "
            f"(after {now:%Y-%m-%d %H:%M}), {_rows(raw, future)}; check the export's dates."]


def _aggregate(lines: pd.DataFrame) -> pd.DataFrame:
    """Line items -> one row per order_id (first-seen order)."""
    how = {column: "first" for column in lines.columns if column != "order_id"}
    how.update(order_ts="min", amount="sum")
    if "quantity" in how:
        how["quantity"] = "sum"
    return lines.groupby("order_id", sort=False).agg(how).reset_index()


def _line_items_line(n_lines: int, n_orders: int, used: Mapping[str, str]) -> str:
    ignored = (f" The amount column '{used['amount']}' was not used (map unit_price to None to use "
               "it instead)." if "amount" in used else "")
    return (f"Aggregated {_count(n_lines, 'line item')} into {_count(n_orders, 'order')} by "
            f"order_id{_column('order_id', used)}: amount = sum of quantity x unit_price, "
            "order_ts = earliest line, quantity summed, customer_id and other columns from the "
            f"first line.{ignored}")


def _canonical(kept: pd.DataFrame, kind: str, *, subset: bool) -> pd.DataFrame:
    """The work frame's contract columns, in contract order, on a RangeIndex. ``subset``: some rows
    were dropped (or aggregated); categorical ids and labels then keep only the categories of the rows
    kept (every category of a cleaned column is used by some row of it)."""
    columns = [c for c in (*REQUIRED[kind], *OPTIONAL[kind]) if c in kept]
    out = {}
    for column in columns:
        values = kept[column].reset_index(drop=True)
        if column in _TEXT_IDS:
            out[column] = values.astype("str")
        elif subset and (column in ID_COLUMNS or column in LABEL_COLUMNS):
            out[column] = _used_categories(values)
        else:
            out[column] = values
    return pd.DataFrame(out, copy=False)  # no copy into 2-D blocks


def _used_categories(values: pd.Series) -> pd.Series:
    """A categorical column without the categories none of its rows uses (order kept), as
    ``astype("category")`` of its values gives; in one marking pass, not a sort."""
    codes = values.cat.codes.to_numpy()
    seen = np.zeros(len(values.cat.categories) + 1, dtype=bool)
    seen[codes] = True  # code -1 (missing) marks the extra last slot
    used = seen[:-1]
    if used.all():
        return values
    remap = np.append(np.cumsum(used) - 1, -1)  # old code -> new code; -1 (missing) stays -1
    dtype = pd.CategoricalDtype(values.cat.categories[used])
    return pd.Series(pd.Categorical.from_codes(remap[codes], dtype=dtype), index=values.index,
                     name=values.name)


def _bad_rows(raw: pd.DataFrame, drops) -> pd.DataFrame:
    pieces = []
    for (reason, _), positions in drops:
        sample = raw.iloc[positions[:_BAD_ROW_SAMPLE]]
        meta = pd.DataFrame({"row": sample.index.to_numpy(np.int64), "reason": reason})
        pieces.append(pd.concat([meta, sample.reset_index(drop=True)], axis=1))
    if not pieces:
        empty = pd.DataFrame({"row": np.array([], dtype=np.int64), "reason": pd.Series([], dtype="str")})
        return pd.concat([empty, raw.iloc[:0].reset_index(drop=True)], axis=1)
    return pd.concat(pieces, ignore_index=True)


# -------------------------------------------------------------------------------------------------- SQL

@releasing
def load_sql(url, query_or_table: str, kind: str, *, mapping: Mapping[str, str | None] | None = None,
             timezone: str | None = None) -> LoadResult:
    """Read a table or a SELECT / WITH query from a SQL database and load it like ``load_table``.

    url: a SQLAlchemy URL (string or ``sqlalchemy.URL``), e.g. "sqlite:///shop.db" or
    "postgresql+psycopg://user:password@host/db". ``query_or_table``: a table or view name (optionally
    "schema.table"), checked against the inspected schema and read with ``select()``, or the user's own
    read-only query starting with SELECT or WITH, run as given through ``sqlalchemy.text()`` inside a
    transaction that is rolled back. Messages never contain the password. The engine is disposed.
    """
    require_choice(kind, KINDS, name="kind", where="load_sql")
    _check_timezone(timezone, where="load_sql")
    raw, label = _read_sql(url, query_or_table)
    raw.columns = [str(c) for c in raw.columns]
    raw.index = pd.RangeIndex(1, len(raw) + 1)
    return _load(raw, kind, label=label, mapping=mapping, timezone=timezone, where="load_sql")


def _read_sql(url, query_or_table: str) -> tuple[pd.DataFrame, str]:
    parsed = _parse_url(url)
    safe = parsed.render_as_string(hide_password=True)
    engine = _engine(parsed, safe)
    try:
        with engine.connect() as connection:
            statement, what = _statement(connection, query_or_table, safe)
            return pd.read_sql(statement, connection), f"{what} at {safe}"
    except (sa.exc.SQLAlchemyError, pd.errors.DatabaseError) as exc:
        cause = exc.__cause__ if isinstance(exc, pd.errors.DatabaseError) and exc.__cause__ else exc
        detail = _flat(getattr(cause, "orig", None) or cause)
        if parsed.password:
            detail = detail.replace(str(parsed.password), "***")
        raise AnalyticsInputError(
            f"load_sql could not read from {safe}: {detail}. Check that the server is reachable, the "
            "user name and password, and the table or query."
        ) from None
    finally:
        engine.dispose()


def make_engine(url, *, where: str = "make_engine") -> sa.Engine:
    """A SQLAlchemy Engine for ``url`` (a string or ``sqlalchemy.URL``), checked like ``load_sql``'s.

    Raises AnalyticsInputError (naming ``where``, never showing the password) for a URL that does not
    parse, a SQLite file that does not exist, a driver that is not installed or unusable options.
    The caller disposes of the engine.
    """
    parsed = _parse_url(url, where=where)
    return _engine(parsed, parsed.render_as_string(hide_password=True), where=where)


def _parse_url(url, *, where: str = "load_sql") -> sa.URL:
    try:
        parsed = sa.make_url(url)
    except (sa.exc.ArgumentError, TypeError, ValueError):
        raise AnalyticsInputError(
            f"The 'url' parameter of {where} must be a SQLAlchemy database URL such as "
            "'sqlite:///shop.db' or 'postgresql+psycopg://user:password@host:5432/shop'. "
            "It could not be parsed (it is not repeated here as it may hold a password)."
        ) from None
    database = parsed.database or ""
    if (parsed.get_backend_name() == "sqlite" and database not in ("", ":memory:")
            and not database.startswith("file:") and not Path(database).is_file()):
        raise AnalyticsInputError(f"{where}: the SQLite file {database} does not exist. Check the "
                                  "path in the URL (sqlite:///relative/path.db or "
                                  "sqlite:////absolute/path.db).")
    return parsed


def _engine(parsed: sa.URL, safe: str, *, where: str = "load_sql") -> sa.Engine:
    try:
        return sa.create_engine(parsed)
    except (sa.exc.NoSuchModuleError, ImportError) as exc:
        raise AnalyticsInputError(
            f"{where}: the database driver for {parsed.drivername} is not installed ({_flat(exc)}; URL "
            f"{safe}). Install the driver package (e.g. psycopg for PostgreSQL, pymysql for MySQL) "
            "or use a URL naming an installed driver."
        ) from None
    except (sa.exc.ArgumentError, TypeError, ValueError) as exc:
        raise AnalyticsInputError(f"{where}: the URL {safe} is not usable ({_flat(exc)}). Check its "
                                  "options.") from None


def _statement(connection: sa.Connection, query_or_table: str, safe: str):
    """(a select() of a reflected table, or text() of the user's query, label) for ``query_or_table``."""
    if not isinstance(query_or_table, str) or not query_or_table.strip():
        raise AnalyticsInputError("The 'query_or_table' parameter of load_sql must be a table name or "
                                  f"a SELECT / WITH query. Got {query_or_table!r} instead.")
    name = query_or_table.strip()
    reflected = _reflected(connection, name)
    if reflected is not None:
        return sa.select(reflected), f"table '{name}'"
    if _QUERY.match(name):
        return sa.text(name), "query result"
    raise AnalyticsInputError(
        f"load_sql: {name!r} is neither a table of {safe} nor a query starting with SELECT or WITH. "
        f"Tables found: {_table_names(connection)}. Check the spelling (names are case-sensitive)."
    )


def reflect_table(bind: sa.Engine | sa.Connection, name: str, *, where: str = "reflect_table") -> sa.Table:
    """The table or view ``name`` ("table" or "schema.table") of the database behind ``bind``, with its
    columns and types read from the database.

    The name is looked up in the inspected schema (exact, case-sensitive match) before anything is
    reflected, so a name is never pasted into SQL; build statements on the returned Table. Raises
    AnalyticsInputError naming ``where`` and the tables found when there is no such table or view.
    """
    found = _reflected(bind, name) if isinstance(name, str) else None
    if found is None:
        raise AnalyticsInputError(
            f"{where}: {name!r} is not a table or view of the database. Tables found: "
            f"{_table_names(bind)}. Check the spelling (names are case-sensitive)."
        )
    return found


def _reflected(bind: sa.Engine | sa.Connection, name: str) -> sa.Table | None:
    """The reflected table or view ``name`` ("table" or "schema.table"), or None when there is none."""
    inspector = sa.inspect(bind)
    if name in (*inspector.get_table_names(), *inspector.get_view_names()):
        return sa.Table(name, sa.MetaData(), autoload_with=bind)
    schema, dot, table = name.partition(".")
    if dot and schema in inspector.get_schema_names() and table in (
            *inspector.get_table_names(schema=schema), *inspector.get_view_names(schema=schema)):
        return sa.Table(table, sa.MetaData(), schema=schema, autoload_with=bind)
    return None


def _table_names(bind: sa.Engine | sa.Connection) -> str:
    inspector = sa.inspect(bind)
    return ", ".join([*inspector.get_table_names(), *inspector.get_view_names()]) or "none"
