"""Optional access control for a deployment, configured in Streamlit secrets (off when not configured).

``.streamlit/secrets.toml``::

    [access]
    password = "a long shared secret"            # everyone with the password may enter
    allowed_emails = ["ceo@shop.com"]            # or: only these signed-in users (needs [auth] for st.login)
"""

from __future__ import annotations

import hmac

import streamlit as st

from ui.text import t


def _settings() -> dict:
    try:
        return dict(st.secrets.get("access", {}))
    except (FileNotFoundError, KeyError, st.errors.StreamlitSecretNotFoundError):
        return {}


def gate() -> None:
    """Stop the page unless the visitor passes the configured password / allow-list; no-op when unset."""
    settings = _settings()
    allowed = [e.lower() for e in settings.get("allowed_emails", [])]
    if allowed:
        _require_allowed_user(allowed)
    password = settings.get("password")
    if password and not st.session_state.get("access_granted"):
        _require_password(str(password))


def _require_allowed_user(allowed: list[str]) -> None:
    if not st.user.is_logged_in:
        st.button(t("access.login"), on_click=st.login)
        st.stop()
    if str(st.user.get("email", "")).lower() not in allowed:
        st.error(t("access.not_allowed"))
        st.button(t("access.logout"), on_click=st.logout)
        st.stop()


def _require_password(password: str) -> None:
    with st.form("access_form"):
        typed = st.text_input(t("access.password"), type="password")
        submitted = st.form_submit_button(t("access.enter"))
    if submitted and hmac.compare_digest(typed.encode(), password.encode()):
        st.session_state["access_granted"] = True
        st.rerun()
    if submitted:
        st.error(t("access.wrong_password"))
    st.stop()
