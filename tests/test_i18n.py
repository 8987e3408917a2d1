"""The interface in English and Simplified Chinese (issue 11).

- The catalogues: every ``ui/locale/en/<section>.toml`` has a ``zh`` twin with the same keys and the same
  {placeholders}, no empty text, and Chinese text that is Chinese.
- The code: every catalogue key the app uses exists (literal ``t("...")`` keys read from the source; keys
  built with f-strings are checked through the expansions listed in ``DYNAMIC``); no page or UI module
  passes a literal user-facing string to Streamlit or plotly.
- The pages: each page opened with ``lang=zh`` runs, is titled in Chinese and shows no English catalogue
  text among its labels, texts, table headers and chart titles; segment names are shown in Chinese while
  the URL keeps the English names.
- Formatting in both languages, and the loader's report lines rendered from their English templates.
"""

from __future__ import annotations

import ast
import glob
import json
import re
import sqlite3
import string
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analytics import clusters, cohort, funnel, rfm
from analytics import io as data_io
from analytics.budget import GROUP_SHARES, PRESETS as BUDGET_PRESETS
from analytics.channels import MODELS as attribution_models
from analytics.dataset import KINDS
from analytics.errors import AnalyticsInputError
from analytics.mapping import MAPPABLE
from analytics.response import fit_channels
from tests.pages.conftest import fresh_state, open_page  # noqa: F401 (fresh_state: autouse fixture)
from ui import (budget_widgets, channels_widgets, format, funnel_widgets, kpis, messages, retention_widgets,
                segments_widgets, text)
from ui.sidebar import nav_key, page_scripts

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "ui" / "locale"
EN_FILES = sorted(p.stem for p in (LOCALE / "en").glob("*.toml"))
CJK = re.compile(r"[\u3400-\u9fff]")
ENGLISH_WORD = re.compile(r"[a-z]{4,}")
ENDONYMS = {"common.lang_en"}  # "English" is English in every language
SOURCES = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "ui").rglob("*.py"))]
# Pages being written while this test was: their f-string keys are checked by pattern until listed below.
PENDING: set[str] = set()


def _load(lang: str, section: str) -> dict[str, str]:
    with open(LOCALE / lang / f"{section}.toml", "rb") as fh:
        return tomllib.load(fh)


def _fields(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


@pytest.fixture
def zh(monkeypatch):
    """Run plain functions (no Streamlit session) as a Chinese session would."""
    monkeypatch.setattr(text, "current_lang", lambda: "zh")
    monkeypatch.setattr(format, "current_lang", lambda: "zh")


# --- catalogues ------------------------------------------------------------------------------------

@pytest.mark.parametrize("section", EN_FILES)
def test_every_english_file_has_a_chinese_twin_with_the_same_keys_and_placeholders(section):
    assert (LOCALE / "zh" / f"{section}.toml").exists(), f"ui/locale/zh/{section}.toml is missing"
    en, zh = _load("en", section), _load("zh", section)
    assert sorted(set(en) - set(zh)) == [], "keys missing in Chinese"
    assert sorted(set(zh) - set(en)) == [], "keys missing in English"
    assert {k: _fields(v) for k, v in zh.items()} == {k: _fields(v) for k, v in en.items()}


def test_no_chinese_file_without_an_english_twin():
    assert sorted(p.stem for p in (LOCALE / "zh").glob("*.toml") if p.stem not in EN_FILES) == []


@pytest.mark.parametrize("lang", text.LANGS)
def test_no_text_is_empty(lang):
    assert [k for k, v in text.catalogue(lang).items() if not v.strip()] == []


def test_chinese_text_without_chinese_characters_is_language_neutral():
    # acronyms (GMV, ROAS), labels like "D{k}" and symbols are the same in both languages; a lower-case
    # English word means an untranslated text
    for key, value in text.catalogue("zh").items():
        bare = re.sub(r"\{[^}]*\}", "", value)
        if key not in ENDONYMS and not CJK.search(value):
            assert not ENGLISH_WORD.search(bare), f"{key} = {value!r} looks untranslated"


def test_segment_and_cluster_names_and_plays_are_in_the_catalogue_under_their_english_slug():
    names = {*rfm.DEFAULT_GRID.to_numpy().ravel(), *rfm.FOUR_TIER_GRID.to_numpy().ravel(),
             *clusters._NAMES.values(), *rfm.DEFAULT_PLAYS}
    en = text.catalogue("en")
    assert {n: en.get(f"names.{text.slug(n)}") for n in names} == {n: n for n in names}
    assert len({text.slug(n) for n in names}) == len(names)  # no two names share a key
    assert {n: en[f"plays.{text.slug(n)}"] for n in rfm.DEFAULT_PLAYS} == dict(rfm.DEFAULT_PLAYS)
    zh_names = [text.catalogue("zh")[f"names.{text.slug(n)}"] for n in names]
    assert len(set(zh_names)) == len(zh_names)  # each Chinese name means one segment


def test_the_plan_s_four_tiers_have_the_plan_s_chinese_terms(zh):
    tiers = list(dict.fromkeys(rfm.FOUR_TIER_GRID.to_numpy().ravel()))
    assert sorted(text.name(n) for n in tiers) == sorted(["价值贡献者", "潜力增长者", "维护关注者", "流失预警者"])


# --- keys used by the code -------------------------------------------------------------------------

def _seg_columns() -> set[str]:
    """Every analytics column the Segments page shows through segments_widgets.display, from a tiny run."""
    orders = pd.DataFrame({"customer_id": ["a", "b", "a", "c"], "amount": [10.0, 20.0, 5.0, 7.0],
                           "order_ts": pd.to_datetime(["2024-01-01", "2024-01-05", "2024-02-01", "2024-02-03"])})
    table = rfm.rfm_table(orders)
    scored = rfm.segment(rfm.score(table, bins=3), bins=3)
    summary = rfm.segment_summary(scored)
    return {*table.columns, *scored.columns, *summary.columns, *rfm.rf_heatmap(scored).columns,
            *segments_widgets.MEMBER_COLUMNS, "cluster_name", "play"}


#: f-string keys in the code ("{}" for each substituted part) -> every key they expand to.
DYNAMIC = {
    "common.lang_{}": [f"common.lang_{x}" for x in text.LANGS],
    "data.{}_file": [f"data.{x}_file" for x in KINDS],
    "data.field_{}": sorted({f"data.field_{f}" for fields in MAPPABLE.values() for f in fields}),
    "overview.{}": [f"overview.{x}" for x in kpis.FORMATS],
    "overview.{}_help": [f"overview.{x}_help" for x in kpis.FORMATS],
    "overview.col_{}": [f"overview.col_{x}" for x in ("month", "gmv", "orders", "active_customers",
                                                      "new_revenue", "returning_revenue")],
    "segments.view_{}": [f"segments.view_{x}" for x in ("segments", "heatmap", "clusters", "actions", "customers")],
    "segments.{}": ["segments.share_customers", "segments.share_gmv"],
    "segments.dim_{}": [f"segments.dim_{x}" for x in rfm.DIMENSIONS],
    "segments.short_{}": [f"segments.short_{x}" for x in rfm.DIMENSIONS],
    "segments.thresholds_help_{}": [f"segments.thresholds_help_{x}" for x in rfm.DIMENSIONS],
    "segments.col_band_{}": [f"segments.col_band_{x}" for x in rfm.DIMENSIONS],
    "segments.mode_{}": [f"segments.mode_{x}" for x in segments_widgets.MODES],
    "segments.mode_caption_{}": [f"segments.mode_caption_{x}" for x in segments_widgets.MODES],
    "segments.preset_{}": [f"segments.preset_{x}" for x in segments_widgets.PRESETS],
    "segments.grid_bins_note_{}": ["segments.grid_bins_note_3", "segments.grid_bins_note_4"],
    "segments.col_{}": sorted(f"segments.col_{x}" for x in _seg_columns()),
    "retention.period_{}": [f"retention.period_{x}" for x in cohort.PERIODS],
    "retention.cohort_{}": [f"retention.cohort_{x}" for x in cohort.PERIODS],
    "retention.cohort_axis_{}": [f"retention.cohort_axis_{x}" for x in cohort.PERIODS],
    "retention.offset_{}": [f"retention.offset_{x}" for x in cohort.PERIODS],
    "retention.mode_{}": [f"retention.mode_{x}" for x in cohort.MODES],
    "retention.view_{}": [f"retention.view_{x}" for x in retention_widgets.VIEWS],
    "retention.heatmap_title_{}": [f"retention.heatmap_title_{x}" for x in retention_widgets.VIEWS],
    "retention.matrix_note_{}": [f"retention.matrix_note_{x}" for x in retention_widgets.VIEWS],
    "retention.curves_title_{}": [f"retention.curves_title_{x}" for x in retention_widgets.VIEWS],
    "retention.breakdown_title_{}": [f"retention.breakdown_title_{x}" for x in retention_widgets.VIEWS],
    "retention.basis_{}": [f"retention.basis_{x}" for x in retention_widgets.BASES],
    "retention.first_{}": [f"retention.first_{x}" for x in retention_widgets.BASES],
    "retention.breakdown_help_{}": [f"retention.breakdown_help_{x}" for x in retention_widgets.BASES],
    "retention.breakdown_{}": [f"retention.breakdown_{x}" for x in retention_widgets.BREAKDOWNS],
    "retention.breakdown_noun_{}": [f"retention.breakdown_noun_{x}" for x in retention_widgets.BREAKDOWNS
                                    if x != "none"],
    "retention.metric_{}": ["retention.metric_customers", "retention.metric_users"],
    "retention.metric_{}_help": ["retention.metric_customers_help", "retention.metric_users_help"],
    "retention.col_{}": [f"retention.col_{x}" for x in ("cohort", "below", "offset", "group", "window", "customers",
                                                        "observed", "active", "eligible", "repeaters")],
    "budget.{}": [f"budget.{x}" for x in ("head_channel", "head_group", "head_min", "head_max", "no_curve",
                                          "weak_fit")],
    "budget.{}_of": ["budget.min_of", "budget.max_of"],
    "budget.group_{}": [f"budget.group_{x}" for x in GROUP_SHARES],
    "budget.preset_{}": [f"budget.preset_{x}" for x in budget_widgets.PRESET_OPTIONS],
    "budget.scenario_{}": [f"budget.scenario_{x}" for x in BUDGET_PRESETS],
    "budget.mode_{}": [f"budget.mode_{x}" for x in budget_widgets.MODES],
    "budget.bound_{}": ["budget.bound_max", "budget.bound_min", "budget.bound_none"],
    "budget.at_{}": ["budget.at_max", "budget.at_min"],
    "budget.col_{}": sorted(f"budget.col_{x}" for x in (*budget_widgets._KINDS, "channel", "group", "scenario",
                                                        "bound", "points", "status")),
    "funnel.unit_{}": [f"funnel.unit_{x}" for x in (*funnel_widgets.UNITS, funnel_widgets.NO_LIMIT)],
    "funnel.order_{}": [f"funnel.order_{x}" for x in funnel.ORDERS],
    "funnel.order_noun_{}": [f"funnel.order_noun_{x}" for x in funnel.ORDERS],
    "funnel.breakdown_{}": [f"funnel.breakdown_{x}" for x in ("none", *funnel_widgets.EVENT_BREAKDOWNS, "segment")],
    "funnel.breakdown_noun_{}": [f"funnel.breakdown_noun_{x}" for x in (*funnel_widgets.EVENT_BREAKDOWNS, "segment")],
    "funnel.freq_{}": [f"funnel.freq_{x}" for x in funnel_widgets.FREQS],
    "funnel.freq_noun_{}": [f"funnel.freq_noun_{x}" for x in funnel_widgets.FREQS],
    "funnel.edge_{}": [f"funnel.edge_{x}" for x in ("s", "min", "h", "d")],
    "channels.model_{}": [f"channels.model_{x}" for x in (channels_widgets.ORDER_CHANNEL, *attribution_models)],
    "channels.{}": [f"channels.col_{x}" for x in ("spend", "revenue", "cac", "orders", "new", "roas", "ltv_cac",
                                                  "payback")],
    "channels.trend_{}": [f"channels.trend_{x}" for x in ("spend", "revenue", "roas")],
    "messages.{}": sorted(f"messages.{key}" for rules in messages._PARTS.values() for key, _ in rules),
}


def _used_keys(path: Path) -> tuple[set[str], set[str]]:
    """(literal keys, f-string keys with "{}" per substituted part) passed to t(), page_setup() or as
    label_key / title_key in ``path``."""
    literal, dynamic = set(), set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        args = [node.args[0]] if func in ("t", "page_setup") and node.args else []
        args += [kw.value for kw in node.keywords if kw.arg in ("label_key", "title_key")]
        for arg in args:
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                literal.add(arg.value)
            elif isinstance(arg, ast.JoinedStr):
                dynamic.add("".join(v.value if isinstance(v, ast.Constant) else "{}" for v in arg.values))
    return literal, dynamic


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_every_key_the_code_uses_exists_in_both_languages(path):
    literal, dynamic = _used_keys(path)
    for lang in text.LANGS:
        keys = text.catalogue(lang)
        assert sorted(k for k in literal if k not in keys) == [], lang
        for template in dynamic:
            if template in DYNAMIC:
                assert sorted(k for k in DYNAMIC[template] if k not in keys) == [], (lang, template)
            else:
                assert _rel(path) in PENDING, f"list the keys f-string {template!r} expands to in DYNAMIC"
                pattern = re.compile(re.escape(template).replace(r"\{\}", r"[\w\-]+"))
                assert any(pattern.fullmatch(k) for k in keys), (lang, template)


def test_every_page_has_a_navigation_label():
    for lang in text.LANGS:
        assert [nav_key(p) for p in page_scripts() if nav_key(p) not in text.catalogue(lang)] == [], lang


_SHOWN_CALLS = {  # Streamlit / plotly calls whose first argument is shown to the user
    "title", "header", "subheader", "caption", "markdown", "write", "text", "info", "warning", "error",
    "success", "toast", "metric", "button", "download_button", "link_button", "page_link", "selectbox",
    "radio", "slider", "select_slider", "number_input", "text_input", "text_area", "date_input", "time_input",
    "toggle", "checkbox", "multiselect", "segmented_control", "pills", "file_uploader", "expander", "tabs",
    "popover", "spinner", "status", "form_submit_button", "set_page_config", "TextColumn", "NumberColumn",
    "Column", "layout",
}
_SHOWN_KEYWORDS = {"label", "help", "placeholder", "title", "title_text", "name", "page_title", "caption",
                   "annotation_text", "xaxis_title", "yaxis_title", "x_title", "y_title", "subplot_titles"}
_TRACES = {"Bar", "Scatter", "Heatmap", "Funnel", "Pie", "Box", "Histogram", "Sankey", "add_bar", "add_scatter",
           "add_trace", "add_heatmap", "add_funnel", "add_pie", "add_box", "add_histogram"}  # name = legend text
_WORDS = re.compile(r"[A-Za-z\u3400-\u9fff]")


def _literal_text(node: ast.AST) -> list[str]:
    """The literal text with letters in ``node`` (a string, an f-string's fixed parts, a list of them)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value] if _WORDS.search(node.value) else []
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant) and _WORDS.search(v.value)]
    if isinstance(node, (ast.List, ast.Tuple)):
        return [s for item in node.elts for s in _literal_text(item)]
    return []


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_no_literal_user_facing_strings(path):
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call):
            continue
        func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
        shown = node.args[:1] if func in _SHOWN_CALLS else []
        if func == "layout":  # ui.charts.style.layout(fig, title)
            shown = node.args[1:2]
        shown += [kw.value for kw in node.keywords
                  if kw.arg in _SHOWN_KEYWORDS and (kw.arg != "name" or func in _TRACES)]
        found += [(node.lineno, s) for arg in shown for s in _literal_text(arg)]
    assert found == []


# --- pages in Chinese ------------------------------------------------------------------------------

def _english_only() -> list[re.Pattern]:
    """English catalogue texts (as patterns: placeholders match anything) that are no Chinese text too and
    carry some English words."""
    neutral = set(text.catalogue("zh").values())  # e.g. "ROAS", "GMV": the same text in Chinese
    out = []
    for value in text.catalogue("en").values():
        parts = list(string.Formatter().parse(value))
        fixed = "".join(literal for literal, *_ in parts)
        if value not in neutral and len(re.findall(r"[A-Za-z]", fixed)) >= 3:
            out.append(re.compile("".join(re.escape(literal) + (".+?" if name is not None else "")
                                          for literal, name, _, _ in parts), re.DOTALL))
    return out


def _texts(at) -> tuple[list[str], list[str]]:
    """(texts written by the app: titles, texts, labels, help, table headers, chart and axis titles;
    options, legends and panel titles, which may also be data)."""
    written, options = [], []
    for kind in ("title", "header", "subheader", "caption", "markdown", "info", "warning", "error", "success"):
        written += [e.value for e in at.get(kind)]
    for metric in at.metric:
        written += [metric.label, metric.help or ""]
    for kind in ("selectbox", "slider", "number_input", "text_input", "text_area", "date_input", "toggle",
                 "checkbox", "radio", "multiselect", "button", "button_group", "download_button", "expander",
                 "tab", "page_link"):
        for element in at.get(kind):
            written += [element.proto.label, getattr(element.proto, "help", "")]
            options += [str(getattr(o, "content", o)) for o in getattr(element.proto, "options", [])]
    for frame in at.dataframe:
        written += [str(c) for c in frame.value.columns]
    for chart in at.get("plotly_chart"):
        spec = json.loads(chart.proto.spec)
        layout = spec["layout"]
        written += [layout.get("title", {}).get("text", ""),
                    *(v.get("title", {}).get("text", "") for k, v in layout.items() if k.startswith(("xaxis", "yaxis")))]
        # legends and panel titles may name data (channels, cohorts)
        options += [d["name"] for d in spec["data"] if d.get("name")]
        options += [a["text"] for a in layout.get("annotations", []) if a.get("text")]
    return [s for s in written if s], options


_VARIANTS = {  # pages opened more than once, to see every view
    "pages/2_Segments.py": [{}, {"seg_view": "heatmap"}, {"seg_view": "clusters", "seg_k": "4"},
                            {"seg_view": "actions", "seg_map": "tiers"}, {"seg_view": "customers"}],
    "pages/4_Retention.py": [{}, {"ret_view": "revenue", "ret_breakdown": "channel", "ret_repeat_target": "70"}],
    "pages/3_Funnel.py": [{}, {"fun_by": "segment", "fun_freq": "M", "fun_unit": "none"}],
    "pages/5_Channels.py": [{}, {"ch_model": "position_based"}],
}
PAGE_RUNS = [pytest.param(_rel(p), q, id="-".join([p.stem, *q.values()]))
             for p in page_scripts() for q in _VARIANTS.get(_rel(p), [{}])]


@pytest.mark.parametrize(("script", "query"), PAGE_RUNS)
def test_page_in_chinese_shows_no_english_catalogue_text(script, query):
    at = open_page(script, lang="zh", **query)
    assert not at.exception
    assert CJK.search(at.title[0].value)
    written, options = _texts(at)
    english = _english_only()
    assert [s for s in written + options if any(p.fullmatch(s) for p in english)] == []
    # an English word in a text the app wrote means an untranslated text
    assert [s for s in written if ENGLISH_WORD.search(re.sub(r"https?://\S+|\w+://\S+", "", s))
            and not CJK.search(s)] == []


def test_language_switch_changes_the_page_and_the_link():
    at = open_page("app.py")
    assert at.title[0].value == "Overview"  # no lang in the link, no browser language: English
    at.segmented_control(key="lang").set_value("zh").run()
    assert not at.exception
    assert at.title[0].value == "概览"
    assert at.query_params["lang"] == "zh"
    assert [m.label for m in at.metric][:3] == ["GMV", "订单数", "购买客户数"]


def test_english_link_keeps_english():
    at = open_page("pages/6_Budget.py", lang="en")
    assert not at.exception and at.title[0].value == "Budget"


def test_segment_names_are_chinese_on_screen_and_english_in_the_link():
    at = open_page("pages/2_Segments.py", lang="zh", seg_map="tiers", seg_view="actions",
                   seg_grid=json.dumps({"R3F5": "Value contributors"}))
    assert not at.exception
    plays = next(d.value for d in at.dataframe if "建议运营动作" in d.value.columns)
    assert plays["分层"].tolist() == ["价值贡献者", "潜力增长者", "维护关注者", "流失预警者"]
    assert plays["建议运营动作"].tolist() == [text.catalogue("zh")[f"plays.{text.slug(n)}"]
                                          for n in ("Value contributors", "Potential growers", "Maintain",
                                                    "Churn warning")]
    grid = at.dataframe[1].value  # the segment map editor
    assert grid.loc["R3", "F5"] == "价值贡献者" and grid.loc["R1", "F1"] == "流失预警者"
    picker = at.selectbox(key="seg_members")
    assert picker.value == "Value contributors" and picker.options[0] == "价值贡献者"
    # typing a segment's Chinese name in a cell moves the cell to that segment; the link says it in English
    at.session_state["seg_grid_tiers"] = {"edited_rows": {2: {"F1": "价值贡献者"}}, "added_rows": [],
                                          "deleted_rows": []}
    at.run()
    assert json.loads(at.query_params["seg_grid"]) == {"R3F1": "Value contributors",
                                                          "R3F5": "Value contributors"}
    # a user's own name is kept as typed, in every language
    at.session_state["seg_grid_tiers"] = {"edited_rows": {2: {"F1": "新朋友"}}, "added_rows": [],
                                          "deleted_rows": []}
    at.run()
    assert json.loads(at.query_params["seg_grid"])["R3F1"] == "新朋友"
    # switching back to English shows the link's edits in English
    at.segmented_control(key="lang").set_value("en").run()
    assert not at.exception
    assert at.dataframe[1].value.loc["R3", "F5"] == "Value contributors"
    assert at.dataframe[1].value.loc["R3", "F1"] == "新朋友"


def test_data_page_reports_dropped_rows_in_chinese(tmp_path):
    path = tmp_path / "shop.db"
    with sqlite3.connect(path) as conn:
        conn.execute("create table orders (user_id text, paid_at text, total text)")
        conn.executemany("insert into orders values (?, ?, ?)",
                         [("007", "2024-05-01 10:00", "12"), ("008", "not a date", "5"), (None, "2024-05-02", "3")])
    at = open_page("pages/1_Data.py", lang="zh")
    at.text_input(key="sql_url").input(f"sqlite:///{path}")
    at.text_area(key="sql_source").input("orders").run()
    at.button(key="sql_load").click().run()
    assert not at.exception
    assert {m.label: m.value for m in at.metric} == {"读取行数": "3", "加载行数": "1", "丢弃行数": "2"}
    # one line per reason: 'user_id' -> customer_id missing (record 3), 'paid_at' unparseable (record 2)
    assert sorted(w.value for w in at.warning) == [
        "已丢弃 1 行，原因：order_ts 缺失或无法解析（列 'paid_at'），例如第 2 行。",
        "已丢弃 1 行，原因：缺少 customer_id（列 'user_id'），例如第 3 行。",
    ]
    bad = next(d.value for d in at.dataframe if "原因" in d.value.columns)
    assert sorted(bad["原因"]) == ["order_ts 缺失或无法解析", "缺少 customer_id"]
    preview = next(d.value for d in at.dataframe if "实付金额" in d.value.columns)
    assert list(preview.columns) == ["客户 ID", "下单时间", "实付金额"]


def test_input_errors_keep_the_english_detail_under_a_chinese_heading():
    at = open_page("pages/2_Segments.py", lang="zh", seg_map="tiers")
    at.session_state["seg_grid_tiers"] = {"edited_rows": {4: {"F1": ""}}, "added_rows": [], "deleted_rows": []}
    at.run()
    assert not at.exception
    # analytics refuses the empty cell in English; the page says so under a Chinese heading
    heading = text.catalogue("zh")["common.input_error"].split("{")[0]
    assert len(at.error) == 1 and at.error[0].value.startswith(heading)
    assert "grid_changes" in at.error[0].value


# --- formatting ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "en", "zh_text"), [
    (1234.5, "¥1,234.50", "¥1,234.50"),
    (999_999.0, "¥999,999.00", "¥999,999.00"),
    (23_461_200.0, "¥23.46M", "¥2,346.12万"),  # 23,461,200 = 2,346.12 x 10^4 = 23.46 x 10^6
    (123_456_789.0, "¥123.46M", "¥1.23亿"),  # 1.2346 x 10^8
    (99_999_999.0, "¥100.00M", "¥1.00亿"),  # rounds to a whole 亿, not "10,000.00万"
    (1_500_000_000.0, "¥1.50B", "¥15.00亿"),
    (-23_461_200.0, "¥-23.46M", "¥-2,346.12万"),  # refunds: negative net revenue
    (float("nan"), "—", "—"),
    (None, "—", "—"),
])
def test_money_in_both_languages(value, en, zh_text, monkeypatch):
    assert format.money(value) == en
    monkeypatch.setattr(format, "current_lang", lambda: "zh")
    assert format.money(value) == zh_text


@pytest.mark.parametrize(("value", "en", "zh_text"), [
    (12345.0, "12,345", "12,345"),
    (2_500_000, "2.5M", "250.0万"),
    (120_000_000, "120.0M", "1.2亿"),
    (np.int64(7), "7", "7"),
    (float("nan"), "—", "—"),
])
def test_counts_in_both_languages(value, en, zh_text, monkeypatch):
    assert format.count(value) == en
    monkeypatch.setattr(format, "current_lang", lambda: "zh")
    assert format.count(value) == zh_text


def test_shares_and_changes_are_the_same_in_both_languages(zh):
    assert (format.pct(0.1234), format.pct(0.5, 0), format.change(0.052), format.change(None)) == \
        ("12.3%", "50%", "+5.2%", None)


def test_outside_a_streamlit_run_the_language_is_english():
    assert text.current_lang() == "en"
    assert text.t("overview.title") == "Overview"


def test_a_bound_format_function_keeps_the_language_it_was_made_in(monkeypatch):
    # Streamlit's test harness formats widget options outside the script run, where the session is unknown
    monkeypatch.setattr(text, "current_lang", lambda: "zh")
    label = text.in_lang(lambda key: text.t(key))
    monkeypatch.undo()
    assert (label("overview.title"), text.t("overview.title")) == ("概览", "Overview")


@pytest.mark.parametrize(("locale", "lang"), [("zh-CN", "zh"), ("zh-TW", "zh"), ("zh", "zh"), ("ZH-cn", "zh"),
                                              ("en-US", "en"), ("de-DE", "en"), (None, "en"), ("", "en")])
def test_browser_language_picks_the_default(locale, lang):
    assert text.browser_lang(locale) == lang


def test_names_translate_known_names_and_keep_user_names(zh):
    assert text.name("Can't Lose") == "不能失去"
    assert text.name("Lapsed low value 2") == "已流失低价值客户 2"  # a repeated cluster name
    assert text.name("Newcomers") == "Newcomers"
    assert text.name("Champions 2") == "冠军客户 2"
    assert text.english_name("冠军客户") == "Champions"
    assert text.english_name("Champions") == "Champions"
    assert text.english_name("新朋友") == "新朋友"
    assert text.play("Newcomers") == ""


# --- the loader's report lines -----------------------------------------------------------------------

def _corpus_report() -> tuple[set[str], set[str]]:
    """Every report line and dropped-row reason the loader writes for the bad-file corpus."""
    lines, reasons = set(), set()
    for path in sorted(glob.glob(str(ROOT / "tests" / "data" / "bad" / "*"))):
        for kind, timezone in [(k, None) for k in KINDS] + [("orders", "Asia/Shanghai")]:
            try:
                result = data_io.load_table(path, kind, timezone=timezone)
            except AnalyticsInputError:
                continue
            lines.update(result.problems)
            reasons.update(result.bad_rows["reason"] if not result.bad_rows.empty else ())
    return lines, reasons


@pytest.fixture(scope="module")
def corpus():
    lines, reasons = _corpus_report()
    assert len(lines) > 20 and len(reasons) > 5  # the corpus exercises the templates
    return lines, reasons


def test_english_report_lines_are_recognised_and_rendered_back_exactly(corpus):
    lines, reasons = corpus
    assert [line for line in lines if messages._render("line", line) != line] == []
    assert [r for r in reasons if messages._render("reason", r) != r] == []


def test_chinese_report_lines_and_reasons(corpus, zh):
    lines, reasons = corpus
    assert [line for line in lines if not CJK.search(messages.report_line(line))] == []
    assert [r for r in reasons if not CJK.search(messages.reason(r))] == []


def test_fit_statuses_in_chinese(zh):
    # three channels over 10 days: "few" spends on 2 days (< 8 points), "flat" spends the same every day,
    # "dead" has no revenue at all
    days = pd.date_range("2024-01-01", periods=10)
    spend = pd.DataFrame({"date": [*days[:2], *days, *days], "channel": ["few"] * 2 + ["flat"] * 10 + ["dead"] * 10,
                          "spend": [5.0, 6.0] + [100.0] * 10 + list(np.arange(10) + 50.0)})
    revenue = pd.DataFrame({"date": [*days, *days], "channel": ["few"] * 10 + ["flat"] * 10,
                            "revenue": [10.0] * 10 + list(np.arange(10) * 3 + 1.0)})
    status = fit_channels(spend, revenue).report.set_index("channel")["status"]
    shown = {c: messages.fit_status(s) for c, s in status.items()}
    assert shown == {"few": "数据点太少：仅 2 天有花费，至少需要 8 天",
                     "flat": "花费没有变化：日花费的变异系数为 0.00%，低于 1%，无法区分其效果",
                     "dead": "没有收入：该渠道在有花费的日子里没有正收入"}


def test_unknown_text_is_shown_as_it_is(zh):
    assert messages.report_line("Something new happened.") == "Something new happened."
    assert messages.fit_status("fit failed: max iterations") == "拟合失败：max iterations"
