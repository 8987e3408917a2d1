"""Share controls: the full link of the current view (as the browser has it) with copy buttons, and the
view-only flag (``view=1`` in the link) that hides data loading and editing controls."""

from __future__ import annotations

import html
import json

import streamlit as st
import streamlit.components.v1 as components

from ui.text import t

_TEMPLATE = """
<div style="font-family: sans-serif; font-size: 13px">
  <input id="link" readonly aria-label="{label}"
         style="width: 100%; box-sizing: border-box; padding: 4px; font-size: 12px">
  <div style="margin-top: 6px; display: flex; gap: 6px; align-items: center">
    <button id="copy">{copy}</button><button id="copy-view">{copy_view}</button>
    <span id="done" style="color: #2e7d32"></span>
  </div>
</div>
<script>
const texts = {texts};
function link(viewOnly) {{
  const url = new URL(window.parent.location.href);
  if (viewOnly) url.searchParams.set("view", "1");
  return url.toString();
}}
function refresh() {{ document.getElementById("link").value = link(false); }}
async function copy(viewOnly) {{
  const text = link(viewOnly);
  const box = document.getElementById("link");
  try {{ await navigator.clipboard.writeText(text); }}
  catch (err) {{ box.value = text; box.select(); document.execCommand("copy"); }}
  document.getElementById("done").textContent = texts.copied;
}}
document.getElementById("copy").onclick = () => copy(false);
document.getElementById("copy-view").onclick = () => copy(true);
refresh(); setInterval(refresh, 700);
</script>
"""


def view_only() -> bool:
    """True when this session was opened with ``view=1`` (kept for the whole session and in the URL)."""
    flag = st.session_state.setdefault("view_only", st.query_params.get("view") == "1")
    if flag:
        st.query_params["view"] = "1"
    return flag


def share_box() -> None:
    """The link of the current view with "Copy link" / "Copy view-only link" buttons (in an expander)."""
    with st.expander(t("share.title")):
        body = _TEMPLATE.format(
            label=html.escape(t("share.title")), copy=html.escape(t("share.copy")),
            copy_view=html.escape(t("share.copy_view")), texts=json.dumps({"copied": t("share.copied")}),
        )
        components.html(body, height=80)
        st.caption(t("share.note"))
