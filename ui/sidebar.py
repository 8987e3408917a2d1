"""The shared top of every page: page config, the sidebar (data set, date range) and the active data.

Every page starts with ``active = page_setup("segments.title")``. The sidebar starts with the page links
(labels from the catalogue: Streamlit's own navigation, which shows the file names, is switched off in
.streamlit/config.toml) and the language switch. Settings live in the URL: the language as ``lang``, the
data set as ``ds`` and the date range as ``range``, so a link reproduces them.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from analytics.arrow_pool import release_unused
from analytics.dataset import Dataset
from analytics.errors import AnalyticsInputError
from analytics.pushdown import SqlSource
from analytics.store import is_valid_id
from ui import access, data, share, state
from ui.text import LANG_KEY, LANGS, browser_lang, t

DEFAULT_DAYS = 365
ROOT = Path(__file__).resolve().parents[1]
ENTRY = ROOT / "app.py"


@dataclass(frozen=True)
class Active:
    """The data a page works on: data-set id and name, the full data set (None for a live SQL data set,
    whose ``source`` names its database instead), the chosen date range. Pages reach the data through
    ``ui.compute``, which works on both."""

    ds_id: str
    name: str
    dataset: Dataset | None
    start: dt.date
    end: dt.date
    view_only: bool
    source: SqlSource | None = None

    @property
    def live(self) -> bool:
        """True for a live SQL data set: its analyses are pushed down to the database."""
        return self.source is not None

    def table(self, kind: str):
        """Rows of ``kind`` ("orders", "events", "spend") inside the date range (shared, do not mutate);
        a data set in memory only."""
        return data.in_range(self.ds_id, kind, self.start, self.end)


def page_setup(title_key: str) -> Active:
    """Configure the page, draw the sidebar, and return the active data (stops the page if none)."""
    st.set_page_config(page_title=f"{t(title_key)} · {t('app.name')}", layout="wide")
    release_unused()  # what the previous run's computations left in Arrow's pool
    access.gate()
    locked = share.view_only()
    with st.sidebar:
        _navigation()
        _language_switch()
        ds_id, name = _dataset_picker(locked)
        with st.spinner(t("sidebar.loading")):
            try:
                source = data.sql_source(ds_id)
                dataset = data.dataset(ds_id) if source is None else None
                start, end = _date_range(ds_id, locked)
            except AnalyticsInputError as exc:
                st.error(t("common.input_error", message=exc))
                st.stop()
        share.share_box()
    st.title(t(title_key))
    st.caption(t("sidebar.active_live" if source is not None else "sidebar.active", name=name, start=start,
                 end=end))
    if locked:
        st.info(t("share.view_only"))
    return Active(ds_id, name, dataset, start, end, locked, source)


def page_scripts() -> list[Path]:
    """The app's pages in Streamlit's order: the entry script, then pages/ by their number prefix."""
    pages = sorted((ROOT / "pages").glob("*.py"), key=lambda p: (int(re.match(r"\d*", p.stem)[0] or 0), p.stem))
    return [ENTRY, *pages]


def nav_key(script: Path) -> str:
    """The catalogue key of a page's link: ``pages/2_Segments.py`` -> ``app.nav_segments``; the entry
    script is the overview."""
    return "app.nav_overview" if script == ENTRY else f"app.nav_{re.sub(r'^[0-9]*_?', '', script.stem).lower()}"


def _navigation() -> None:
    """One link per page, labelled in the session's language."""
    for script in page_scripts():
        try:
            st.page_link(str(script), label=t(nav_key(script)))
        except StreamlitPageNotFoundError:  # a page run as an app of its own (AppTest): no other pages
            return
    st.divider()


def _language_switch() -> None:
    """English / 中文 (URL ``lang``; without one, the browser's language), above the other settings.
    Available in view-only links too: it changes how the view reads, not what it shows."""
    state.choice(st.segmented_control, t("sidebar.language"), LANGS, key=LANG_KEY,
                 default=browser_lang(st.context.locale), format_func=lambda lang: t(f"common.lang_{lang}"),
                 required=True)


def _dataset_picker(locked: bool) -> tuple[str, str]:
    """The data-set selectbox (query parameter ``ds``); warns when a linked id is unknown."""
    catalog = data.store().list()
    names = {data.SAMPLE_ID: t("sidebar.sample_name")} | dict(zip(catalog["id"], catalog["name"]))
    live = set(catalog["id"][catalog["live"]])
    linked = st.query_params.get("ds")
    if "ds" not in st.session_state and linked is not None and linked not in names:
        st.warning(t("sidebar.unknown_dataset" if is_valid_id(linked) else "sidebar.bad_dataset"))
        st.query_params.pop("ds")
    ds_id = state.choice(st.selectbox, t("sidebar.dataset"), list(names), key="ds", default=data.SAMPLE_ID,
                         format_func=lambda i: t("sidebar.live_name", name=names[i]) if i in live else names[i],
                         disabled=locked)
    return ds_id, names[ds_id]


def _date_range(ds_id: str, locked: bool) -> tuple[dt.date, dt.date]:
    """The date-range picker (query parameter ``range``), defaulting to the last 365 days of data."""
    first, last = data.date_bounds(ds_id)
    default = (max(first, last - dt.timedelta(days=DEFAULT_DAYS - 1)), last)
    picked = st.date_input(
        t("sidebar.date_range"), value=default, min_value=first, max_value=last,
        key="range", bind="query-params", disabled=locked,
    )
    if isinstance(picked, tuple) and len(picked) == 2:
        return picked
    st.info(t("sidebar.pick_end"))
    return default
