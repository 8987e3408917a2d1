"""Data page: upload CSV / Excel / Parquet files or read a SQL database, check the mapping and the
validation report, and save the result as a data set that every page (and a link) can open. A SQL database
can also stay live: only its connection, tables and mapping are saved, and the pages push their work down."""

import streamlit as st

from ui import loading
from ui.sidebar import page_setup
from ui.text import t

active = page_setup("data.title")
if active.view_only:
    st.info(t("data.view_only"))
    st.stop()
st.markdown(t("data.intro", limit=st.get_option("server.maxUploadSize")))

files_tab, sql_tab = st.tabs([t("data.files_tab"), t("data.sql_tab")])
with files_tab:
    uploaded = {}
    for kind in ("orders", "events", "spend"):
        st.subheader(t(f"data.{kind}_file"))
        result = loading.upload_and_load(kind)
        if result is not None:
            uploaded[kind] = result
    st.divider()
    loading.save_panel(uploaded, default_name=t("data.default_upload_name"), key="files")
with sql_tab:
    url = loading.sql_url()
    if loading.sql_mode() == "live":
        loading.live_form(url)
    else:
        from_sql = loading.sql_loader(url)
        st.divider()
        loading.save_panel(from_sql, default_name=t("data.default_sql_name"), key="sql")
