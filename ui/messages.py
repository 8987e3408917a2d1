"""Report texts that analytics build in English from a few fixed templates (the loader's validation report
lines and dropped-row reasons, the response-curve fit statuses), rendered in the session's language.

analytics/ never imports the UI, so it writes these lines in English. Each template is recognised here
by a regular expression whose named groups are the variable parts; the catalogue's ``messages.<key>``
renders the line again from them (a group named like a part below, e.g. ``reason``, is itself rendered
through that part's templates). A line no pattern recognises is shown as it is, in English.
In English the catalogue reproduces each recognised line exactly (tests/test_i18n.py checks it on the
bad-file corpus), so the patterns and the English catalogue pin analytics' wording together.
"""

from __future__ import annotations

import re

from ui.text import t

_COLUMN = r"(?P<column> \(columns? '.*'\))?"
_EXAMPLES = r"(?P<examples>e\.g\. rows? \S.*?)"
_HINT = r"pass timezone='Asia/Shanghai' or your shop's zone to convert instead"

#: part -> [(catalogue key, pattern)], tried in order; the first full match renders the part.
_PARTS: dict[str, list[tuple[str, str]]] = {
    "count": [("rows_one", r"(?P<n>1) row"), ("rows_many", r"(?P<n>[\d,]+) rows")],
    "lines": [("line_items_one", r"(?P<n>1) line item"), ("line_items_many", r"(?P<n>[\d,]+) line items")],
    "orders": [("orders_one", r"(?P<n>1) order"), ("orders_many", r"(?P<n>[\d,]+) orders")],
    "column": [("column_one", r" \(column (?P<names>'.*')\)"), ("column_many", r" \(columns (?P<names>'.*')\)")],
    "examples": [("examples_one", r"e\.g\. row (?P<rows>\S+)"), ("examples_many", r"e\.g\. rows (?P<rows>\S.*)")],
    "dup": [("kept_first", r": kept the first row of each order \(refunds, i\.e\. negative amounts, may repeat it\)")],
    "ignored": [("amount_ignored",
                 r" The amount column (?P<name>'.*') was not used \(map unit_price to None to use it instead\)\.")],
    "reason": [
        ("reason_unparseable", r"missing or unparseable (?P<field>\w+)"),
        ("reason_line_items", r"missing or non-numeric quantity or unit_price"),
        ("reason_non_numeric", r"missing or non-numeric (?P<field>\w+)"),
        ("reason_missing", r"missing (?P<field>\w+)"),
        ("reason_duplicate", r"duplicate order_id"),
    ],
    "note": [
        ("note_zone_kept", rf"had the time zone (?P<zone>\S+): kept the local clock time and dropped the zone; {_HINT}"),
        ("note_zone_converted", r"had the time zone (?P<zone>\S+): converted to (?P<tz>\S+) local time"),
        ("note_yyyymmdd", r"had YYYYMMDD numbers, read as dates"),
        ("note_excel", r"had Excel serial day numbers, converted to dates"),
        ("note_epoch_s_utc", rf"had Unix epoch seconds, read as UTC clock time; {_HINT}"),
        ("note_epoch_ms_utc", rf"had Unix epoch milliseconds, read as UTC clock time; {_HINT}"),
        ("note_epoch_s_converted", r"had Unix epoch seconds, converted to (?P<tz>\S+) local time"),
        ("note_epoch_ms_converted", r"had Unix epoch milliseconds, converted to (?P<tz>\S+) local time"),
        ("note_day_first", r"had dates written day/month/year \(some first numbers are above 12\)"),
        ("note_month_first", r"had dates written month/day/year \(some second numbers are above 12\)"),
        ("note_ambiguous", r"had dates written NN/NN/YYYY with no number above 12 \(ambiguous\): read as "
                           r"month/day/year, check them"),
        ("note_offset_kept", rf"had a UTC offset: kept the local clock time as written and dropped the offset; {_HINT}"),
        ("note_offset_converted", r"had a UTC offset: converted to (?P<tz>\S+) local time"),
        ("note_negative_spend", r"had a negative spend: kept as a credit that lowers the day's spend; check it"),
        ("note_not_numbers", r"had values that are not numbers: set to missing"),
        ("note_time_of_day", r"had a time of day: dropped, spend is daily"),
    ],
    "line": [
        ("dropped", rf"Dropped (?P<count>[\d,]+ rows?) with (?P<reason>.+?){_COLUMN}(?P<dup>: kept .*\))?, "
                    rf"{_EXAMPLES}\."),
        ("changed", rf"(?P<field>\w+){_COLUMN}: (?P<count>[\d,]+ rows?) (?P<note>had .+) \({_EXAMPLES}\)\."),
        ("future", rf"Kept (?P<count>[\d,]+ rows?) with (?P<field>\w+){_COLUMN} in the future "
                   rf"\(after (?P<now>[\d :-]+)\), {_EXAMPLES}; check the export's dates\."),
        ("aggregated", r"Aggregated (?P<lines>[\d,]+ line items?) into (?P<orders>[\d,]+ orders?) by "
                       rf"order_id{_COLUMN}: amount = sum of quantity x unit_price, order_ts = earliest line, "
                       r"quantity summed, customer_id and other columns from the first line\.(?P<ignored> .*)?"),
    ],
    "status": [
        ("status_few_points", r"too few points: (?P<days>\d+) day\(s\) with spend, need at least (?P<need>\d+)"),
        ("status_no_variation", r"no spend variation: the daily spend varies by (?P<cv>\S+%) \(coefficient of "
                                r"variation\), below (?P<floor>\S+%), so its effect cannot be told apart"),
        ("status_no_revenue", r"no revenue: the channel has no positive revenue on its spend days"),
        ("status_fit_failed", r"fit failed: (?P<detail>.*)"),
    ],
}
_COMPILED = {part: [(key, re.compile(pattern, re.DOTALL)) for key, pattern in rules]
             for part, rules in _PARTS.items()}


def _render(part: str, text: str) -> str | None:
    """``text`` of ``part`` in the session's language; None when no template of ``part`` matches."""
    for key, pattern in _COMPILED[part]:
        found = pattern.fullmatch(text)
        if found is None:
            continue
        values = {}
        for group, value in found.groupdict().items():
            if value is None:
                values[group] = ""
            elif group in _COMPILED:
                values[group] = _render(group, value)
                if values[group] is None:
                    return None
            else:
                values[group] = value
        return t(f"messages.{key}", **values)
    return None


def report_line(line: str) -> str:
    """One line of ``LoadResult.problems`` in the session's language (unrecognised: as it is)."""
    return _render("line", line) or line


def reason(text: str) -> str:
    """One ``LoadResult.bad_rows["reason"]`` value in the session's language (unrecognised: as it is)."""
    return _render("reason", text) or text


def fit_status(text: str) -> str:
    """A response-curve status (analytics.response ``report["status"]``, not "ok") in the session's
    language (unrecognised: as it is)."""
    return _render("status", text) or text
