"""Data page components: read an upload, let the user correct the column mapping, show the validation
report, and save the loaded tables as a data set. Cached on the file's bytes and the mapping. A SQL
database is either read into memory like an upload, or kept live: its tables stay in the database, only
the connection, the table names and the checked mapping are saved, and the pages push their work down.
The database URL (it may hold a password) is a masked input, never shown, never put in a link."""

from __future__ import annotations

import functools
import io
from collections.abc import Callable

import pandas as pd
import streamlit as st

from analytics import io as data_io
from analytics import pushdown
from analytics.dataset import KINDS, Dataset, empty_table
from analytics.errors import AnalyticsInputError
from analytics.mapping import MAPPABLE, suggest_mapping
from ui import data, messages
from ui.text import in_lang, t

NONE = "—"
SQL_MODES = ("memory", "live")
CHECK_TTL = 60  # seconds a database's table list, columns and checked mapping are reused on reruns


def _named_bytes(content: bytes, name: str) -> io.BytesIO:
    buffer = io.BytesIO(content)
    buffer.name = name
    return buffer


@st.cache_data(max_entries=8, show_spinner=False)
def _columns(content: bytes, name: str) -> list[str]:
    """The column names of an uploaded file (AnalyticsInputError for unreadable files)."""
    return [str(c) for c in data_io.read_raw(_named_bytes(content, name), name=name).columns]


@st.cache_data(max_entries=8, show_spinner=False)
def _load(content: bytes, name: str, kind: str, mapping: tuple[tuple[str, str | None], ...]) -> data_io.LoadResult:
    return data_io.load_table(_named_bytes(content, name), kind, mapping=dict(mapping))


def mapping_editor(columns: list[str], kind: str, *, key: str) -> dict[str, str | None]:
    """One selectbox per canonical field of ``kind``, pre-set from the auto-mapping -> canonical->source
    (None for a field the user set to "not in this file")."""
    suggested = suggest_mapping(columns, kind)
    options = [NONE, *columns]
    chosen = {}
    with st.expander(t("data.mapping"), expanded=True):
        cells = st.columns(4)
        for i, field in enumerate(MAPPABLE[kind]):
            default = options.index(suggested[field]) if field in suggested else 0
            label = t("data.field", label=t(f"data.field_{field}"), field=field)
            pick = cells[i % 4].selectbox(label, options, index=default, key=f"{key}_{field}")
            chosen[field] = None if pick == NONE else pick
    return chosen


def upload_and_load(kind: str) -> data_io.LoadResult | None:
    """File uploader for ``kind`` with mapping and validation report; the LoadResult or None."""
    upload = st.file_uploader(t(f"data.{kind}_file"), type=["csv", "tsv", "txt", "xlsx", "parquet"],
                              key=f"upload_{kind}")
    if upload is None:
        return None
    content = upload.getvalue()
    try:
        columns = _columns(content, upload.name)
        mapping = mapping_editor(columns, kind, key=f"map_{kind}")
        with st.status(t("data.loading", name=upload.name), expanded=False) as status:
            result = _load(content, upload.name, kind, tuple(sorted(mapping.items())))
            status.update(label=t("data.loaded", name=upload.name, rows=result.rows_loaded), state="complete")
    except AnalyticsInputError as exc:
        st.error(t("common.input_error", message=exc))
        return None
    report(result)
    return result


def report(result: data_io.LoadResult) -> None:
    """The validation report: rows read / loaded / dropped, each problem, a sample of bad rows."""
    cols = st.columns(3)
    cols[0].metric(t("data.rows_read"), f"{result.rows_read:,}")
    cols[1].metric(t("data.rows_loaded"), f"{result.rows_loaded:,}")
    cols[2].metric(t("data.rows_dropped"), f"{result.rows_dropped:,}")
    for problem in result.problems:
        st.warning(messages.report_line(problem))
    if not result.bad_rows.empty:
        with st.expander(t("data.bad_rows")):
            st.dataframe(_bad_rows(result.bad_rows), hide_index=True)
    with st.expander(t("data.preview")):
        preview = result.frame.head(50)
        st.dataframe(preview.rename(columns={c: t(f"data.field_{c}") for c in preview.columns}), hide_index=True)


def _bad_rows(bad: pd.DataFrame) -> pd.DataFrame:
    """The dropped-row sample with its reasons and the row / reason headers in the session's language (the
    other columns are the source file's own)."""
    shown = bad.assign(reason=[messages.reason(r) for r in bad["reason"]])
    return shown.rename(columns={"row": t("data.col_row"), "reason": t("data.col_reason")})


def save_panel(results: dict[str, data_io.LoadResult], *, default_name: str, key: str = "files") -> None:
    """Name input and "Save and open" button: stores the loaded tables and switches the sidebar to them."""
    if "orders" not in results:
        st.info(t("data.need_orders"))
        return
    full = {kind: results[kind].frame if kind in results else empty_table(kind) for kind in KINDS}
    _save_controls(functools.partial(data.store().save, Dataset(**full)), default_name=default_name, key=key)


def _save_controls(save: Callable[[str], str], *, default_name: str, key: str) -> None:
    """Name input and "Save and open" button calling ``save(name) -> data-set id``; then the saved note."""
    st.text_input(t("data.name"), value=default_name, key=f"{key}_save_name", max_chars=200)
    st.button(t("data.save"), type="primary", on_click=_save, args=(save, f"{key}_save_name"), key=f"{key}_save")
    saved = st.session_state.get("saved_name")
    if saved is not None:
        st.success(t("data.saved", name=saved))


def _save(save: Callable[[str], str], name_key: str) -> None:
    """Button callback (runs before the rerun): save under the name typed in widget ``name_key``, then
    select the new data set in the sidebar."""
    name = st.session_state[name_key]
    st.session_state["ds"] = save(name)
    st.session_state["saved_name"] = name


def sql_url() -> str:
    """The masked database-URL input of the SQL tab (its value stays in this session, never in a link)."""
    return st.text_input(t("data.sql_url"), type="password", key="sql_url", help=t("data.sql_url_help"))


def sql_mode() -> str:
    """"memory" (read tables into memory, like an upload) or "live" (keep them in the database)."""
    return st.radio(t("data.sql_mode"), SQL_MODES, key="sql_mode", horizontal=True, help=t("data.sql_mode_help"),
                    format_func=in_lang(lambda mode: t("data.sql_mode_live") if mode == "live"
                                        else t("data.sql_mode_memory")))


def sql_loader(url: str) -> dict[str, data_io.LoadResult]:
    """Table name or SELECT query per kind read from the database at ``url``; loaded results are kept in
    the session."""
    results = st.session_state.setdefault("sql_results", {})
    kind = st.selectbox(t("data.sql_kind"), ["orders", "events", "spend"], key="sql_kind",
                        format_func=in_lang(lambda k: t(f"data.{k}_file")))
    source = st.text_area(t("data.sql_source"), key="sql_source", help=t("data.sql_source_help"))
    if st.button(t("data.sql_load"), key="sql_load", disabled=not (url and source.strip())):
        try:
            with st.status(t("data.sql_loading"), expanded=False) as status:
                results[kind] = data_io.load_sql(url, source.strip(), kind)
                status.update(label=t("data.loaded", name=t(f"data.{kind}_file"), rows=results[kind].rows_loaded),
                              state="complete")
        except AnalyticsInputError as exc:
            st.error(t("common.input_error", message=exc))
    for loaded_kind, result in results.items():
        st.subheader(t(f"data.{loaded_kind}_file"))
        report(result)
    return dict(results)


def live_form(url: str) -> None:
    """Keep a SQL database live: pick its orders table (required) and, optionally, events and spend
    tables, check each one's column mapping, then name and save the data set (the URL, table names and
    the mapping are stored on the server; nothing is copied)."""
    st.caption(t("data.live_intro"))
    if not url:
        st.info(t("data.live_need_url"))
        return
    try:
        tables = _live_tables(url)
    except AnalyticsInputError as exc:
        st.error(t("common.input_error", message=exc))
        return
    chosen, mappings = {}, {}
    for kind in KINDS:
        st.subheader(t(f"data.{kind}_file"))
        options = tables if kind == "orders" else [NONE, *tables]
        picked = st.selectbox(t("data.live_table"), options, index=_likely(options, kind), key=f"live_table_{kind}",
                              accept_new_options=True, help=t("data.live_table_help"))
        if picked in (None, NONE):
            continue
        try:
            columns = _live_columns(url, picked)
        except AnalyticsInputError as exc:
            st.error(t("common.input_error", message=exc))
            continue
        chosen[kind] = picked
        mappings[kind] = mapping_editor(columns, kind, key=f"live_map_{kind}_{picked}")
    st.divider()
    if "orders" not in chosen:
        st.info(t("data.need_orders"))
        return
    try:
        source = _checked(url, tuple(chosen.items()), tuple((k, tuple(m.items())) for k, m in mappings.items()))
    except AnalyticsInputError as exc:
        st.error(t("common.input_error", message=exc))
        return
    st.success(t("data.live_checked", tables=t("common.list_sep").join(source.tables.values())))
    _save_controls(functools.partial(data.store().save_sql, source), key="live",
                   default_name=t("data.default_live_name", table=source.tables["orders"]))


def _likely(options: list[str], kind: str) -> int:
    """Index of the option most likely to be the ``kind`` table: named ``kind``, else containing it, else the
    first option (the orders' first table, or "—" for the optional kinds)."""
    lowered = [option.lower() for option in options]
    for match in (lambda name: name == kind, lambda name: kind in name):
        found = [i for i, name in enumerate(lowered) if match(name)]
        if found:
            return found[0]
    return 0


@st.cache_data(max_entries=16, ttl=CHECK_TTL, show_spinner=False)
def _live_tables(url: str) -> list[str]:
    """The tables and views of the database at ``url`` (AnalyticsInputError without the password)."""
    return pushdown.table_names(url)


@st.cache_data(max_entries=32, ttl=CHECK_TTL, show_spinner=False)
def _live_columns(url: str, table: str) -> list[str]:
    return pushdown.table_columns(url, table)


@st.cache_data(max_entries=16, ttl=CHECK_TTL, show_spinner=False)
def _checked(url: str, tables: tuple, mappings: tuple) -> pushdown.SqlSource:
    """``pushdown.check_source`` of the chosen ``tables`` ((kind, name), ...) and ``mappings``
    ((kind, ((field, column or None), ...)), ...)."""
    return pushdown.check_source(url, dict(tables), {kind: dict(fields) for kind, fields in mappings})
