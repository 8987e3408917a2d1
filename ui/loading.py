"""Data page components: read an upload, let the user correct the column mapping, show the validation
report, and save the loaded tables as a data set. Cached on the file's bytes and the mapping."""

from __future__ import annotations

import io

import pandas as pd
import streamlit as st

from analytics import io as data_io
from analytics.dataset import Dataset, empty_table
from analytics.errors import AnalyticsInputError
from analytics.mapping import MAPPABLE, suggest_mapping
from ui import data, messages
from ui.text import in_lang, t

NONE = "—"


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
    st.text_input(t("data.name"), value=default_name, key=f"{key}_save_name", max_chars=200)
    tables = {kind: result.frame for kind, result in results.items()}
    st.button(t("data.save"), type="primary", on_click=_save, args=(tables, f"{key}_save_name"),
              key=f"{key}_save")
    saved = st.session_state.get("saved_name")
    if saved is not None:
        st.success(t("data.saved", name=saved))


def _save(tables: dict[str, pd.DataFrame], name_key: str) -> None:
    """Button callback (runs before the rerun): save under the name typed in widget ``name_key``, then
    select the new data set in the sidebar."""
    name = st.session_state[name_key]
    full = {kind: tables.get(kind, empty_table(kind)) for kind in ("orders", "events", "spend")}
    ds_id = data.store().save(Dataset(**full), name)
    st.session_state["ds"] = ds_id
    st.session_state["saved_name"] = name


def sql_loader() -> dict[str, data_io.LoadResult]:
    """SQLAlchemy URL + table name or SELECT query per kind; loaded results are kept in the session."""
    results = st.session_state.setdefault("sql_results", {})
    url = st.text_input(t("data.sql_url"), type="password", key="sql_url", help=t("data.sql_url_help"))
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
