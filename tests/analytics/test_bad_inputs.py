"""Every file of the bad-input corpus (tests/data/make_bad_corpus.py) through load_table.

Each file either loads with exactly the hand-worked numbers and a report of what was dropped or
changed, or is refused with an AnalyticsInputError saying what to fix; never another exception, never
a hang, and never a silent loss: every row read is loaded (or summed into an order) or reported.
"""

import io
import re

import numpy as np
import pandas as pd
import pytest

from analytics import AnalyticsInputError
from analytics.dataset import KINDS, REQUIRED, TIME_COLUMNS
from analytics.io import load_table
from tests.data.make_bad_corpus import FOLDER, Loads, Refused, build, cases

CASES = cases()
TOTAL_COLUMN = {"orders": "amount", "spend": "spend"}  # events: the total is the number of events
DROPPED = re.compile(r"^Dropped ([\d,]+) rows? with ")
AGGREGATED = re.compile(r"^Aggregated ([\d,]+) line items? into ")
BAD_ROW_SAMPLE = 20


def _count(pattern: re.Pattern, line: str) -> int | None:
    found = pattern.match(line)
    return int(found.group(1).replace(",", "")) if found else None


def _plain(values: pd.Series) -> list:
    """Column values as plain Python: timestamps as ISO strings, missing as None."""
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return [None if pd.isna(t) else t.isoformat() for t in values]
    return [None if pd.isna(v) else v for v in values.astype(object)]


def test_corpus_has_forty_or_more_files_of_every_kind_and_outcome():
    names = [case.name for case in CASES]
    assert len(names) >= 40
    assert len(set(names)) == len(names)
    assert {case.kind for case in CASES} == set(KINDS)
    assert {type(case.expect) for case in CASES} == {Loads, Refused}


def test_committed_files_equal_what_the_generator_writes(tmp_path):
    build(tmp_path)
    fix = "run `python -m tests.data.make_bad_corpus` and commit tests/data/bad/"
    assert sorted(p.name for p in FOLDER.iterdir()) == sorted(p.name for p in tmp_path.iterdir()), (
        f"tests/data/bad/ holds other files than the generator writes: {fix} (delete stale files)")
    stale = [p.name for p in tmp_path.iterdir() if (FOLDER / p.name).read_bytes() != p.read_bytes()]
    assert stale == [], f"these files differ from the generator's output: {fix}"


def _source(case, how: str):
    """The committed file as a path, or as its bytes with a name (how the Data page passes uploads)."""
    path = FOLDER / case.name
    if how == "path":
        return path
    upload = io.BytesIO(path.read_bytes())
    upload.name = case.name
    return upload


@pytest.mark.timeout(20)
@pytest.mark.parametrize("how", ["path", "upload"])
@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_bad_input_loads_exactly_or_is_refused_with_a_fix(case, how):
    source = _source(case, how)
    if isinstance(case.expect, Refused):
        with pytest.raises(AnalyticsInputError, match=case.expect.match):
            load_table(source, case.kind, **case.options)
        return
    expect = case.expect
    result = load_table(source, case.kind, **case.options)
    frame = result.frame

    assert (result.rows_read, result.rows_loaded, result.rows_dropped) == (
        expect.rows_read, expect.rows_loaded, expect.rows_dropped)
    column = TOTAL_COLUMN.get(case.kind)
    total = frame[column].sum() if column else len(frame)
    assert total == pytest.approx(expect.total, abs=1e-9)
    assert len(result.problems) == len(expect.problems), result.problems
    for wanted, line in zip(expect.problems, result.problems):
        assert wanted in line
    for name, values in expect.columns.items():
        assert _plain(frame[name]) == values, name

    # No silent loss: every row read is loaded (or aggregated into an order) or counted as dropped,
    # and the dropped ones are reported per reason with examples.
    aggregated = [n for line in result.problems if (n := _count(AGGREGATED, line)) is not None]
    assert result.aggregated_line_items == bool(aggregated)
    kept = aggregated[0] if aggregated else result.rows_loaded
    assert result.rows_read == result.rows_dropped + kept
    dropped = [n for line in result.problems if (n := _count(DROPPED, line)) is not None]
    assert sum(dropped) == result.rows_dropped
    assert len(result.bad_rows) == sum(min(n, BAD_ROW_SAMPLE) for n in dropped)

    # The frame is canonical: required columns complete, times naive datetime64[ns], money float64.
    assert len(frame) == result.rows_loaded
    assert frame[list(REQUIRED[case.kind])].notna().all().all()
    assert frame[TIME_COLUMNS[case.kind]].dtype == np.dtype("datetime64[ns]")
    if column:
        assert frame[column].dtype == np.float64
