"""CSV downloads neutralise spreadsheet formulas and keep numbers as numbers."""

import io

import pandas as pd

from ui.download import safe_csv


def test_formula_cells_are_prefixed_and_numbers_untouched():
    frame = pd.DataFrame({
        "customer_id": ['=HYPERLINK("http://x","y")', "+cmd", "-2+3", "@SUM(A1)", "C001"],
        "segment": pd.Categorical(["=1+1", "Loyal", "Loyal", "\tTab", "New"]),
        "amount": [-12.5, 0.0, 3.0, 4.0, 5.0],
    })
    text = safe_csv(frame).decode("utf-8-sig")
    back = pd.read_csv(io.StringIO(text), dtype={"customer_id": str, "segment": str})
    assert back["customer_id"].tolist() == ['\'=HYPERLINK("http://x","y")', "'+cmd", "'-2+3", "'@SUM(A1)", "C001"]
    assert back["segment"].tolist() == ["'=1+1", "Loyal", "Loyal", "'\tTab", "New"]
    assert back["amount"].tolist() == [-12.5, 0.0, 3.0, 4.0, 5.0]
    assert safe_csv(frame).startswith("\ufeff".encode("utf-8"))  # BOM: Excel reads Chinese text


def test_safe_csv_does_not_mutate_its_input():
    frame = pd.DataFrame({"x": ["=1"]})
    safe_csv(frame)
    assert frame["x"].tolist() == ["=1"]
