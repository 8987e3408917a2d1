"""Vectorised column coercions for loaded tables: ids and labels (text), money and counts, timestamps.

Every function takes one raw column (strings as read from a file, or typed values from Excel, Parquet
or SQL), never mutates it, and returns a new column aligned with it. Values that cannot be coerced
become missing (NaN / NaT); analytics.io.load_table counts and reports them.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.tseries.api import guess_datetime_format

#: Text read as missing in every column (compared case-insensitively after stripping spaces).
NULL_TOKENS = ("", "-", "--", "null", "none", "nan", "nat", "n/a", "na", "#n/a", "nil")
_TOKEN_CHARS = max(len(token) for token in NULL_TOKENS)

# Regexes avoid \d, \s and \w so that pandas runs them in pyarrow (RE2) instead of per row in Python.
_CURRENCY = r"(?i)[¥￥$€£₩₹]|元|人民币|rmb|cny|usd|hkd|eur|gbp|jpy"
_PARENTHESISED = r"^\([ ]*(.*?)[ ]*\)$"
_GROUPED = r"[+-]?[0-9]{1,3}(?:,[0-9]{3})+(?:\.[0-9]*)?"
_YMD = r"^([0-9]{4})[ ]*[.年][ ]*([0-9]{1,2})[ ]*[.月-][ ]*([0-9]{1,2})[ ]*日?[T ]*"
_DMY = r"^([0-9]{1,2})[/.-]([0-9]{1,2})[/.-]([0-9]{4})[T ]*"
_NUMBER = r"[0-9]+(?:\.[0-9]+)?"
_FLOAT = r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_OFFSET = r"(?:[0-9]{1,2}:[0-9]{2}(?::[0-9]{2}(?:\.[0-9]+)?)?[ ]*[+-][0-9]{2}(?::?[0-9]{2})?|[0-9]Z)$"
_OFFSET_TAIL = r"[ ]*(?:Z|[+-][0-9]{2}(?::?[0-9]{2})?)$"
_NAT = np.datetime64("NaT", "ns")
_ZONE_HINT = "pass timezone='Asia/Shanghai' or your shop's zone to convert instead"


class Note(NamedTuple):
    """A change made to some values of a column. ``text`` completes "<n> rows ..." (e.g. "had a
    UTC offset: converted to Asia/Shanghai local time"); ``positions`` are the 0-based positions
    of those values in the column."""

    text: str
    positions: np.ndarray


def as_text(values: pd.Series) -> pd.Series:
    """Values as stripped strings (dtype "str"), NaN where missing or a null token (``NULL_TOKENS``).

    Whole-number floats lose their ".0" (an id stored as 7.0 becomes "7"); text keeps leading zeros.
    """
    if pd.api.types.is_float_dtype(values.dtype) and _whole(values.to_numpy(np.float64)):
        values = values.astype("Int64")
    text = values.astype("str").str.strip()
    # Lower-casing never shortens a string, so only values as short as a token can be one.
    short = np.flatnonzero(_at_most(text, _TOKEN_CHARS))
    tokens = short[text.iloc[short].str.lower().isin(NULL_TOKENS).to_numpy()]
    if not len(tokens):
        return text
    missing = np.zeros(len(text), dtype=bool)
    missing[tokens] = True
    return text.mask(missing)


def _at_most(text: pd.Series, chars: int) -> np.ndarray:
    """Boolean array: True where a string of ``text`` has at most ``chars`` characters (False where
    missing). One Arrow kernel on Arrow-backed strings (``.str.len()`` goes through pandas' nullable integers)."""
    if hasattr(text.array, "__arrow_array__"):
        short = pc.less_equal(pc.utf8_length(text.array.__arrow_array__()), chars)
        return short.fill_null(False).to_numpy(zero_copy_only=False)
    return (text.str.len() <= chars).to_numpy(dtype=bool, na_value=False)


def _whole(numbers: np.ndarray) -> bool:
    present = numbers[~np.isnan(numbers)]
    return bool(np.all(np.abs(present) < 2**53) and np.all(present == np.floor(present)))


def parse_label(values: pd.Series) -> pd.Series:
    """An id or label column (customer id, channel, event name, ...) as ``category`` of strings.

    The same as ``as_text(values).astype("category")`` (categories sorted, NaN where missing or a null
    token), computed on the distinct values: text and numbers are factorised once and only their
    distinct values are cleaned, so a 10M-row column with 2M distinct ids costs one hash pass.
    """
    if isinstance(values.dtype, pd.StringDtype):
        codes, distinct = _text_codes(values)
    elif pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        codes, distinct = pd.factorize(values, sort=True)
    else:  # e.g. object columns mixing 1, 1.0 and "1" (equal as keys, not as text)
        return as_text(values).astype("category")
    labels = as_text(pd.Series(distinct))
    if not labels.equals(pd.Series(distinct)):
        # Cleaning changed some values (spaces, null tokens, numbers): merge those that now agree.
        relabel, distinct = pd.factorize(labels, sort=True)
        codes = np.append(relabel, -1)[codes]  # code -1 (missing) stays -1
    dtype = pd.CategoricalDtype(pd.Index(distinct, dtype="str"))
    return pd.Series(pd.Categorical.from_codes(codes, dtype=dtype), index=values.index, name=values.name)


def _text_codes(values: pd.Series) -> tuple[np.ndarray, pd.Index]:
    """(codes, sorted distinct values) of a text column, code -1 where missing: ``pd.factorize(values,
    sort=True)`` in one pyarrow hash pass, with int32 codes and the sort done on the distinct values.
    The column is made one chunk first (a file read gives ~1 chunk per MB)."""
    text = pa.chunked_array(values.array.__arrow_array__()).combine_chunks()
    encoded = pc.dictionary_encode(text)
    order = pc.array_sort_indices(encoded.dictionary).to_numpy()
    rank = np.empty(len(order) + 1, dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    rank[-1] = -1  # missing: index -1 after fill_null
    codes = rank[encoded.indices.fill_null(-1).to_numpy()]
    return codes, pd.Index(encoded.dictionary.take(order).to_pandas(), dtype="str")


def parse_amount(values: pd.Series) -> pd.Series:
    """Money or counts as float64; NaN where missing or not a number.

    Accepts currency symbols and codes ("¥1,299.00", "$12", "12元", "RMB 5"), thousands separators in
    groups of three, and accounting negatives "(12.00)" -> -12.0. A comma that is not a thousands
    separator ("12,5") is rejected rather than guessed. Infinite values become NaN.
    """
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        out = np.array(values.to_numpy(np.float64, na_value=np.nan), dtype=np.float64)
    else:
        out = _plain_numbers(values)
    if out is None:  # text that needs cleaning: null tokens, spaces, symbols, separators
        text = as_text(values)
        out = _to_float(text)
        retry = np.flatnonzero(np.isnan(out) & text.notna().to_numpy())
        if len(retry):
            out[retry] = _money_text(text.iloc[retry])
    out[~np.isfinite(out)] = np.nan
    return pd.Series(out, index=values.index, name=values.name)


def _plain_numbers(values: pd.Series) -> np.ndarray | None:
    """Fast path of parse_amount for a text column: one vectorised cast of the values as they are,
    or None if some value is not a plain finite decimal number (it then needs cleaning).

    pyarrow's cast accepts no more than ``_FLOAT`` does (no spaces, symbols or separators) except
    "nan" / "inf" spellings; those give non-finite results, which send the column to the cleaning path.
    """
    if not isinstance(values.dtype, pd.StringDtype):
        return None
    text = pa.array(values)
    try:
        out = np.array(pc.cast(text, pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)
    except pa.ArrowInvalid:
        return None
    return out if len(out) - np.count_nonzero(np.isfinite(out)) == text.null_count else None


def _to_float(text: pd.Series) -> np.ndarray:
    """Plain decimal numbers ("12", "-3.5", "1e3") as float64, anything else NaN (vectorised)."""
    numbers = text.where(text.str.fullmatch(_FLOAT, na=False))
    cast = pc.cast(pa.array(numbers), pa.float64())
    return np.array(cast.to_numpy(zero_copy_only=False), dtype=np.float64)


def _money_text(text: pd.Series) -> np.ndarray:
    text = text.str.replace(_CURRENCY, "", regex=True).str.strip()
    text = text.str.replace(_PARENTHESISED, r"-\1", regex=True).str.replace(" ", "", regex=False)
    grouped = text.str.fullmatch(_GROUPED, na=False) | ~text.str.contains(",", regex=False, na=False)
    return _to_float(text.where(grouped).str.replace(",", "", regex=False))


def parse_timestamp(values: pd.Series, *, timezone: str | None = None) -> tuple[pd.Series, list[Note]]:
    """Timestamps as naive ``datetime64[ns]`` wall-clock times; NaT where missing or unparseable.

    Returns (times aligned with ``values``, notes on values that were converted). Accepted:
    ISO 8601 ("2024-01-05", "2024-01-05T13:00:00"), "2024/01/05 13:00", "2024年1月5日",
    "05/01/2024" (day first only if some first number is above 12 and no second one is, else
    month first; both are reported), other formats pandas can infer from the first values,
    YYYYMMDD numbers, Excel serial day numbers (10000-99999), and Unix epoch seconds or milliseconds
    (UTC). Values with a UTC offset (and tz-aware columns) keep their local clock time as written
    when ``timezone`` is None, or are converted to ``timezone`` (an IANA name) and made naive;
    naive values are never shifted. Times outside 1677-2262 (datetime64[ns]) become NaT.
    """
    notes: list[Note] = []
    everything = np.arange(len(values))
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        out = _datetimes(values, timezone, everything, notes)
    elif pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(values.dtype):
        out = _numbers(values.to_numpy(np.float64, na_value=np.nan), timezone, everything, notes)
    else:
        out = _arrow_iso(values) if isinstance(values.dtype, pd.StringDtype) else None
        if out is None:  # some value is not plain ISO 8601 as it stands: clean, then parse
            out = _text(as_text(values), timezone, notes)
    return pd.Series(out, index=values.index, name=values.name), notes


def _naive_ns(times: pd.Series | pd.Index) -> np.ndarray:
    times = pd.Series(times)
    if isinstance(times.dtype, pd.DatetimeTZDtype):
        times = times.dt.tz_localize(None)
    inside = (times >= pd.Timestamp.min) & (times <= pd.Timestamp.max)
    return times.where(inside).to_numpy("datetime64[ns]")


def _datetimes(values: pd.Series, timezone: str | None, pos: np.ndarray,
               notes: list[Note]) -> np.ndarray:
    if not isinstance(values.dtype, pd.DatetimeTZDtype):
        return _naive_ns(values)
    zone = values.dtype.tz
    if timezone is None:
        notes.append(Note(f"had the time zone {zone}: kept the local clock time and dropped the "
                          f"zone; {_ZONE_HINT}", pos[values.notna().to_numpy()]))
        return _naive_ns(values)
    notes.append(Note(f"had the time zone {zone}: converted to {timezone} local time",
                      pos[values.notna().to_numpy()]))
    return _naive_ns(values.dt.tz_convert(timezone))


def _numbers(numbers: np.ndarray, timezone: str | None, pos: np.ndarray,
             notes: list[Note]) -> np.ndarray:
    """Numbers by magnitude: YYYYMMDD, Excel serial days (10000-99999), epoch seconds, epoch millis."""
    out = np.full(len(numbers), _NAT)
    epoch = ("read as UTC clock time; " + _ZONE_HINT if timezone is None
             else f"converted to {timezone} local time")
    kinds = (
        ("had YYYYMMDD numbers, read as dates",
         (numbers == np.floor(numbers)) & (numbers >= 19000101) & (numbers <= 21001231), _yyyymmdd),
        ("had Excel serial day numbers, converted to dates",
         (numbers >= 10000) & (numbers < 100000), _excel_days),
        (f"had Unix epoch seconds, {epoch}",
         (numbers >= 1e8) & (numbers < 1e11), lambda x: _epoch(x, "s", timezone)),
        (f"had Unix epoch milliseconds, {epoch}",
         (numbers >= 1e11) & (numbers < 1e14), lambda x: _epoch(x, "ms", timezone)),
    )
    for text, mask, convert in kinds:
        at = np.flatnonzero(mask)
        if len(at):
            out[at] = convert(numbers[at])
            notes.append(Note(text, pos[at[~np.isnat(out[at])]]))
    return out


def _yyyymmdd(numbers: np.ndarray) -> np.ndarray:
    digits = pd.Series(numbers.astype(np.int64)).astype("str")
    return _naive_ns(pd.to_datetime(digits, format="%Y%m%d", errors="coerce"))


def _excel_days(numbers: np.ndarray) -> np.ndarray:
    return _naive_ns(pd.to_datetime(numbers, unit="D", origin="1899-12-30"))


def _epoch(numbers: np.ndarray, unit: str, timezone: str | None) -> np.ndarray:
    instants = pd.to_datetime(numbers, unit=unit, utc=True)
    return _naive_ns(instants if timezone is None else instants.tz_convert(timezone))


def _text(text: pd.Series, timezone: str | None, notes: list[Note]) -> np.ndarray:
    """Fast path: one vectorised ISO 8601 pass; only the values it rejects are looked at again."""
    out = _naive_iso(text)
    if out is None:  # UTC offsets in the column: every value takes the slow path
        out, rest = np.full(len(text), _NAT), np.flatnonzero(text.notna().to_numpy())
    else:
        rest = np.flatnonzero(np.isnat(out) & text.notna().to_numpy())
    if len(rest):
        out[rest] = _other_text(text.iloc[rest], timezone, rest, notes)
    return out


def _arrow_iso(text: pd.Series) -> np.ndarray | None:
    """Naive ISO 8601 values (no spaces around, no UTC offset, within 1677-2262) as naive ns, NaT where
    missing; None if any value is not one. pyarrow's strict cast is one vectorised
    kernel, but all-or-nothing."""
    try:
        return np.array(pc.cast(pa.array(text), pa.timestamp("ns")).to_numpy(zero_copy_only=False),
                        dtype="datetime64[ns]")
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None


def _naive_iso(text: pd.Series) -> np.ndarray | None:
    """ISO 8601 values as naive ns (NaT where not ISO), or None if a value carries a UTC offset."""
    out = _arrow_iso(text)
    if out is not None:
        return out
    try:
        parsed = pd.to_datetime(text, format="ISO8601", errors="coerce")
    except ValueError:  # mixed UTC offsets
        return None
    return None if isinstance(parsed.dtype, pd.DatetimeTZDtype) else _naive_ns(parsed)


def _other_text(text: pd.Series, timezone: str | None, pos: np.ndarray, notes: list[Note]) -> np.ndarray:
    text = _year_first(text.str.replace("/", "-", regex=False))
    text = _day_month_order(text, pos, notes).str.strip()
    numeric = text.str.fullmatch(_NUMBER, na=False).to_numpy()
    aware = ~numeric & text.str.contains(_OFFSET, na=False).to_numpy()
    plain = ~numeric & ~aware & text.notna().to_numpy()
    out = np.full(len(text), _NAT)
    if numeric.any():
        at = np.flatnonzero(numeric)
        out[at] = _numbers(_to_float(text.iloc[at]), timezone, pos[at], notes)
    if aware.any():
        at = np.flatnonzero(aware)
        out[at] = _aware(text.iloc[at], timezone, pos[at], notes)
    if plain.any():
        at = np.flatnonzero(plain)
        out[at] = _plain(text.iloc[at])
    return out


def _year_first(text: pd.Series) -> pd.Series:
    """"2024.01.05" and "2024年1月5日 13:00" -> "2024-01-05 ..." (slashes are already dashes)."""
    return _rewrite(text, np.flatnonzero(text.str.match(_YMD, na=False).to_numpy()), _YMD,
                    r"\1-\2-\3 ")


def _rewrite(text: pd.Series, at: np.ndarray, pattern: str, replacement: str) -> pd.Series:
    """``text`` with the regex replacement applied at positions ``at`` only (the rest untouched)."""
    if not len(at):
        return text
    text = text.copy()
    text.iloc[at] = text.iloc[at].str.replace(pattern, replacement, regex=True)
    return text


def _day_month_order(text: pd.Series, pos: np.ndarray, notes: list[Note]) -> pd.Series:
    """Rewrite "05/01/2024"-style dates as ISO, day first only if the column shows it unambiguously."""
    at = np.flatnonzero(text.str.match(_DMY, na=False).to_numpy())
    if not len(at):
        return text
    parts = text.iloc[at].str.extract(_DMY).astype(float)
    first_is_day, second_is_day = bool((parts[0] > 12).any()), bool((parts[1] > 12).any())
    day_first = first_is_day and not second_is_day
    if day_first:
        note = "had dates written day/month/year (some first numbers are above 12)"
    elif second_is_day:
        note = "had dates written month/day/year (some second numbers are above 12)"
    else:
        note = ("had dates written NN/NN/YYYY with no number above 12 (ambiguous): read as "
                "month/day/year, check them")
    notes.append(Note(note, pos[at]))
    return _rewrite(text, at, _DMY, r"\3-\2-\1 " if day_first else r"\3-\1-\2 ")


def _aware(text: pd.Series, timezone: str | None, pos: np.ndarray, notes: list[Note]) -> np.ndarray:
    if timezone is None:
        out = _iso(text.str.replace(_OFFSET_TAIL, "", regex=True))
        note = ("had a UTC offset: kept the local clock time as written and dropped the offset; "
                + _ZONE_HINT)
    else:
        instants = pd.to_datetime(text, format="ISO8601", utc=True, errors="coerce")
        out = _naive_ns(instants.dt.tz_convert(timezone))
        note = f"had a UTC offset: converted to {timezone} local time"
    notes.append(Note(note, pos[~np.isnat(out)]))
    return out


def _iso(text: pd.Series) -> np.ndarray:
    return _naive_ns(pd.to_datetime(text, format="ISO8601", errors="coerce"))


def _plain(text: pd.Series) -> np.ndarray:
    out = _naive_iso(text)
    if out is None:  # an offset without a time ("2024-01-05+08:00"): not accepted
        out = np.full(len(text), _NAT)
    left = np.flatnonzero(np.isnat(out))
    if len(left):
        out[left] = _guessed(text.iloc[left])
    return out


def _guessed(text: pd.Series) -> np.ndarray:
    """Parse values ISO 8601 rejected with the format pandas infers from one of the first 3 distinct."""
    for sample in text.unique()[:3]:
        fmt = guess_datetime_format(sample)
        if fmt is not None:
            try:
                return _naive_ns(pd.to_datetime(text, format=fmt, errors="coerce"))
            except ValueError:
                break
    return np.full(len(text), _NAT)
