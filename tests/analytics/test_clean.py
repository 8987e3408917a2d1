"""Column coercions: text ids and labels, money, timestamps (formats, offsets, numbers)."""

import numpy as np
import pandas as pd
import pytest

from analytics.clean import as_text, parse_amount, parse_label, parse_timestamp

NAN = np.nan


def _times(values, index=None):
    return pd.Series(pd.to_datetime(values, format="ISO8601"), index=index, dtype="datetime64[ns]")


def test_as_text_strips_reads_null_tokens_as_missing_and_keeps_leading_zeros():
    raw = pd.Series([" 007 ", "NULL", "-", "", "NaN", "n/a", "x", None], index=range(10, 18))
    expected = pd.Series(["007", NAN, NAN, NAN, NAN, NAN, "x", NAN], index=range(10, 18), dtype="str")
    pd.testing.assert_series_equal(as_text(raw), expected)
    assert raw.iloc[0] == " 007 "  # input untouched


def test_as_text_prints_whole_floats_as_integers():
    # An id column read as float because of a gap: 7.0 -> "7"; a real fraction stays as written.
    pd.testing.assert_series_equal(as_text(pd.Series([7.0, NAN, 12.0])),
                                   pd.Series(["7", NAN, "12"], dtype="str"))
    pd.testing.assert_series_equal(as_text(pd.Series([1.5, 2.0])), pd.Series(["1.5", "2.0"], dtype="str"))
    pd.testing.assert_series_equal(as_text(pd.Series([7, 8])), pd.Series(["7", "8"], dtype="str"))


def test_parse_label_is_categorical():
    out = parse_label(pd.Series([" 抖音", "微信", "null", "抖音"]))
    pd.testing.assert_series_equal(out, pd.Series(["抖音", "微信", NAN, "抖音"], dtype="category"))


def test_parse_amount_accepts_currency_symbols_separators_and_accounting_negatives():
    raw = pd.Series(["¥1,299.00", "￥1,299", "$12", "12元", "(12.00)", "-¥8", "RMB 5", " 3.5 ",
                     "USD 1,000,000.5", "0", "-3"])
    expected = [1299.0, 1299.0, 12.0, 12.0, -12.0, -8.0, 5.0, 3.5, 1000000.5, 0.0, -3.0]
    pd.testing.assert_series_equal(parse_amount(raw), pd.Series(expected))


def test_parse_amount_reads_missing_tokens_and_rejects_non_numbers():
    # "12,5" is not a thousands grouping (decimal comma is not guessed); "1,2345" neither.
    raw = pd.Series(["-", "null", "NaN", "", None, "12,5", "1,2345", "abc", "inf", "1 299,00"])
    pd.testing.assert_series_equal(parse_amount(raw), pd.Series([NAN] * 10))


def test_parse_amount_keeps_numeric_input_and_index():
    raw = pd.Series([1, 2, 3], index=[5, 6, 7], name="amount")
    pd.testing.assert_series_equal(parse_amount(raw),
                                   pd.Series([1.0, 2.0, 3.0], index=[5, 6, 7], name="amount"))


def test_parse_timestamp_reads_common_formats_and_numbers():
    # 45296 = Excel serial of 2024-01-05 (45292 is 2024-01-01); 1704459600 = 2024-01-05 13:00 UTC
    # (1704067200 is 2024-01-01 00:00 UTC, plus 4 days and 13 hours).
    raw = pd.Series(["2024-01-05", "2024/01/05 13:00", "2024-01-05T13:00:00", "2024年1月5日 13:00",
                     "2024.01.05", "20240105", "45296", "1704459600", "1704459600000"])
    times, notes = parse_timestamp(raw)
    pd.testing.assert_series_equal(times, _times(["2024-01-05", "2024-01-05 13:00", "2024-01-05 13:00",
                                                  "2024-01-05 13:00", "2024-01-05", "2024-01-05",
                                                  "2024-01-05", "2024-01-05 13:00",
                                                  "2024-01-05 13:00"]))
    # "20240105" is ISO 8601 (basic format), so only the other numbers are reported as converted.
    assert [(n.text.split(",")[0], list(n.positions)) for n in notes] == [
        ("had Excel serial day numbers", [6]), ("had Unix epoch seconds", [7]),
        ("had Unix epoch milliseconds", [8]),
    ]


def test_parse_timestamp_reads_numeric_columns():
    # 45296.5 = noon of 2024-01-05; 20240105 read as YYYYMMDD.
    times, notes = parse_timestamp(pd.Series([45296.5, 1704459600, NAN, 20240105], index=[3, 4, 5, 6]))
    pd.testing.assert_series_equal(times, _times(["2024-01-05 12:00", "2024-01-05 13:00", None,
                                                  "2024-01-05"], index=[3, 4, 5, 6]))
    assert [(n.text.split(",")[0], list(n.positions)) for n in notes] == [
        ("had YYYYMMDD numbers", [3]), ("had Excel serial day numbers", [0]),
        ("had Unix epoch seconds", [1]),
    ]


def test_parse_timestamp_reads_day_first_only_when_the_column_shows_it():
    times, notes = parse_timestamp(pd.Series(["05/01/2024", "13/01/2024 08:00"]))
    pd.testing.assert_series_equal(times, _times(["2024-01-05", "2024-01-13 08:00"]))
    assert notes[0].text == "had dates written day/month/year (some first numbers are above 12)"

    times, notes = parse_timestamp(pd.Series(["05/01/2024", "01/13/2024"]))
    pd.testing.assert_series_equal(times, _times(["2024-05-01", "2024-01-13"]))
    assert notes[0].text == "had dates written month/day/year (some second numbers are above 12)"


def test_parse_timestamp_reads_ambiguous_day_month_as_month_first_and_says_so():
    times, notes = parse_timestamp(pd.Series(["05/01/2024", "06/01/2024", "2024-02-03"]))
    pd.testing.assert_series_equal(times, _times(["2024-05-01", "2024-06-01", "2024-02-03"]))
    assert len(notes) == 1 and "ambiguous" in notes[0].text and list(notes[0].positions) == [0, 1]


def test_parse_timestamp_infers_other_formats_from_the_values():
    times, _ = parse_timestamp(pd.Series(["Jan 5, 2024", "Feb 10, 2024", "not a date"]))
    pd.testing.assert_series_equal(times, _times(["2024-01-05", "2024-02-10", None]))


def test_offsets_keep_local_clock_time_when_no_timezone_is_given():
    raw = pd.Series(["2024-01-05 01:00:00+08:00", "2024-01-05T01:00:00Z", "2024-01-05 01:00",
                     "2024-01-05 01:00:00-0500"])
    times, notes = parse_timestamp(raw)
    pd.testing.assert_series_equal(times, _times(["2024-01-05 01:00"] * 4))
    assert len(notes) == 1 and list(notes[0].positions) == [0, 1, 3]
    assert notes[0].text.startswith("had a UTC offset: kept the local clock time as written")


def test_offsets_are_converted_to_the_given_timezone_and_naive_values_stay():
    # 01:00+08:00 is 01:00 in Shanghai; 17:00Z is 01:00 next day; 01:00-05:00 is 06:00Z = 14:00.
    raw = pd.Series(["2024-01-05 01:00:00+08:00", "2024-01-04T17:00:00Z", "2024-01-05 01:00",
                     "2024-01-05 01:00:00-05:00"])
    times, notes = parse_timestamp(raw, timezone="Asia/Shanghai")
    pd.testing.assert_series_equal(times, _times(["2024-01-05 01:00", "2024-01-05 01:00",
                                                  "2024-01-05 01:00", "2024-01-05 14:00"]))
    assert notes[0].text == "had a UTC offset: converted to Asia/Shanghai local time"


def test_tz_aware_columns_keep_clock_time_or_convert():
    aware = pd.Series(pd.to_datetime(["2024-01-05 01:00", None]).tz_localize("UTC"))
    times, notes = parse_timestamp(aware)
    pd.testing.assert_series_equal(times, _times(["2024-01-05 01:00", None]))
    assert list(notes[0].positions) == [0]
    times, _ = parse_timestamp(aware, timezone="Asia/Shanghai")
    pd.testing.assert_series_equal(times, _times(["2024-01-05 09:00", None]))


def test_epoch_numbers_are_converted_to_the_given_timezone():
    times, notes = parse_timestamp(pd.Series(["1704459600"]), timezone="Asia/Shanghai")
    pd.testing.assert_series_equal(times, _times(["2024-01-05 21:00"]))
    assert notes[0].text == "had Unix epoch seconds, converted to Asia/Shanghai local time"


@pytest.mark.parametrize("bad", ["garbage", None, "2024-13-45", "9999-12-31", "-", "5", "12:30"])
def test_unparseable_or_out_of_range_times_are_nat(bad):
    times, _ = parse_timestamp(pd.Series([bad, "2024-01-05"]))
    pd.testing.assert_series_equal(times, _times([None, "2024-01-05"]))


# ------------------------------------------------ fast paths: the same answer as cleaning every value

@pytest.mark.parametrize("raw", [
    pd.Series([" b", "a", "NULL", None, "a ", "B", "none "], dtype="str"),  # cleaned distinct values merge
    pd.Series(["c2", "c10", "c1", "c2"], dtype="str"),                     # nothing to clean
    pd.Series(["抖音", "微信", "抖音"], dtype="str", index=[5, 6, 7], name="channel"),
    pd.Series([None, "n/a"], dtype="str"),                                  # no value left
    pd.Series([], dtype="str"),
    pd.Series([10.0, 9.0, NAN, 10.0]),                                      # whole floats -> "10", "9"
    pd.Series([1.5, 2.0]),
    pd.Series([12, 7, 12], index=[3, 4, 5]),
    pd.Series(["x", 1, 1.0, True, None], dtype=object),                     # equal keys, different text
    pd.Series(["b", "a", "b"], dtype="string[python]"),
    pd.Series(pd.Categorical([" b", "a"], categories=["a", " b", "unused"])),
])
def test_parse_label_is_as_text_then_category(raw):
    # parse_label factorises first and cleans only the distinct values; categories sorted as text.
    pd.testing.assert_series_equal(parse_label(raw), as_text(raw).astype("category"))


def test_as_text_null_tokens_any_case_after_stripping_and_longer_text_kept():
    raw = pd.Series(["None ", " N/A", "#N/A", "nil", "nullx", "nonexistent", "NaT"], dtype="str")
    pd.testing.assert_series_equal(as_text(raw), pd.Series([NAN] * 4 + ["nullx", "nonexistent", NAN],
                                                           dtype="str"))


def test_parse_amount_plain_numbers_take_the_cast_and_match_the_cleaning_path():
    plain = pd.Series(["12", "-3.5", "1e3", ".5", "+2", None, "0"], dtype="str", name="amount")
    # The same values with one that needs cleaning send the whole column through the cleaning path.
    mixed = pd.concat([plain, pd.Series(["¥1,299.00"], dtype="str")], ignore_index=True).rename("amount")
    expected = [12.0, -3.5, 1000.0, 0.5, 2.0, NAN, 0.0]
    pd.testing.assert_series_equal(parse_amount(plain), pd.Series(expected, name="amount"))
    pd.testing.assert_series_equal(parse_amount(mixed), pd.Series(expected + [1299.0], name="amount"))


@pytest.mark.parametrize("spelling", ["nan", "NaN", "inf", "-Infinity", "1e400"])
def test_parse_amount_non_finite_spellings_are_missing_on_the_fast_path_too(spelling):
    # pyarrow's cast accepts these; they must not come out as infinite or pass as numbers.
    out = parse_amount(pd.Series(["1", spelling], dtype="str"))
    pd.testing.assert_series_equal(out, pd.Series([1.0, NAN]))


def test_parse_timestamp_plain_iso_column_matches_the_cleaning_path():
    plain = pd.Series(["2024-01-05 13:00:00", None, "2024-01-06"], dtype="str")
    padded = pd.Series([" 2024-01-05 13:00:00 ", "null", "2024-01-06"], dtype="str")
    expected = _times(["2024-01-05 13:00", None, "2024-01-06"])
    for raw in (plain, padded):
        times, notes = parse_timestamp(raw)
        pd.testing.assert_series_equal(times, expected)
        assert notes == []
