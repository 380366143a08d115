"""Who is using the app, and with which role.

Three cases, checked in this order:

1. Streamlit's native sign-in (OIDC) is configured (an ``[auth]`` section in
   ``.streamlit/secrets.toml``) and Authlib is installed (``streamlit[auth]``):
   the signed-in person's email is mapped to an account (``Account.email``);
   without a matching account they are a viewer. Without Authlib the app says
   so in the sidebar and falls back to local accounts (case 3).
2. The database has no account at all (a single-user embedded install, the
   default after ``catalogue init``): the visitor acts as the local operator,
   an admin, so the quick start can curate.
3. Otherwise local accounts sign in with name and password (checked by
   :func:`catalogue.curation.authenticate`: no password hash reaches the app); a session ends
   after :data:`IDLE_LIMIT` without activity. Without signing in the visitor
   is a viewer.

The app hides what a role may not do; the service layer
(:func:`catalogue.curation.require`) is the real guard.
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass
from datetime import timedelta

import streamlit as st

from catalogue import curation, read
from catalogue.errors import PermissionDenied
from catalogue.ui import store
from catalogue.ui.markdown import escaped

IDLE_LIMIT = timedelta(hours=8)
GUEST = curation.Actor("guest", "viewer")
ACCOUNT_KEY = "signed_in_account"  # session state: the signed-in local account's name
LAST_SEEN_KEY = "signed_in_last_seen"  # session state: time.time() of the session's last activity


@dataclass(frozen=True)
class Visitor:
    """The acting account and how it was established."""

    actor: curation.Actor
    how: str  # "local operator" | "signed in" | "single sign-on" | "guest"

    @property
    def can_curate(self) -> bool:
        return curation.ROLE_RANK[self.actor.role] >= curation.ROLE_RANK["curator"]

    @property
    def is_admin(self) -> bool:
        return self.actor.role == "admin"


def _auth_section_present() -> bool:
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets file at all
        return False


def authlib_installed() -> bool:
    """Whether Authlib, which ``st.login`` needs (``pip install streamlit[auth]``), is installed."""
    return importlib.util.find_spec("authlib") is not None


def oidc_configured() -> bool:
    """Whether Streamlit's native (OIDC) sign-in is configured in ``.streamlit/secrets.toml`` and usable."""
    return _auth_section_present() and authlib_installed()


def oidc_unavailable() -> bool:
    """Single sign-on is configured but Authlib is missing: the app uses local accounts instead."""
    return _auth_section_present() and not authlib_installed()


def current_visitor() -> Visitor:
    """The visitor of this session (accounts and roles are read fresh, never from the cache)."""
    engine = store.engine()
    if oidc_configured():
        if getattr(st.user, "is_logged_in", False):
            email = st.user.get("email")
            account = read.account_by_email(engine, str(email)) if email else None
            if account is not None:
                return Visitor(curation.Actor(account["name"], account["role"], "app (single sign-on)"), "single sign-on")
            return Visitor(curation.Actor(str(email or "guest"), "viewer", "app (single sign-on)"), "single sign-on")
        return Visitor(GUEST, "guest")
    if not read.has_accounts(engine):
        return Visitor(curation.local_operator("app (local operator: no account exists)"), "local operator")
    name = st.session_state.get(ACCOUNT_KEY)
    if name is None:
        return Visitor(GUEST, "guest")
    if time.time() - st.session_state.get(LAST_SEEN_KEY, 0) > IDLE_LIMIT.total_seconds():
        sign_out()
        hours = IDLE_LIMIT.total_seconds() / 3600
        st.session_state["sign_in_notice"] = (
            f"Your session expired after {hours:g} hours without activity: sign in again."
        )
        return Visitor(GUEST, "guest")
    try:
        actor = curation.actor_for(engine, name)  # its role now, read fresh
    except PermissionDenied:  # archived or removed meanwhile
        sign_out()
        return Visitor(GUEST, "guest")
    st.session_state[LAST_SEEN_KEY] = time.time()
    return Visitor(curation.Actor(actor.name, actor.role, "app (signed in)"), "signed in")


def sign_in(name: str, password: str) -> bool:
    """Check a local account's password; on success the session is signed in as that account."""
    actor = curation.authenticate(store.engine(), name, password)
    if actor is None:
        return False
    st.session_state[ACCOUNT_KEY] = actor.name
    st.session_state[LAST_SEEN_KEY] = time.time()
    return True


def sign_out() -> None:
    """End the local sign-in of this session."""
    st.session_state.pop(ACCOUNT_KEY, None)
    st.session_state.pop(LAST_SEEN_KEY, None)


def sidebar(visitor: Visitor) -> None:
    """The sidebar's identity box: who you are, and sign-in or sign-out."""
    with st.sidebar:
        st.markdown("**Account**")
        notice = st.session_state.pop("sign_in_notice", None)
        if notice:
            st.info(escaped(notice))
        if visitor.how == "local operator":
            # No code span: every page shows this caption, and inline code fetches the monospace font (88 KiB)
            # on every first view.
            st.caption(
                "Single-user install: no accounts exist, so you act as the local operator (admin). "
                "Once an account exists (catalogue user add NAME --role curator), curating needs sign-in."
            )
            return
        if oidc_configured():
            if visitor.how == "single sign-on":
                st.text(f"{visitor.actor.name} ({visitor.actor.role})")
                if st.button("Sign out", key="oidc_sign_out"):
                    st.logout()
            else:
                st.caption("Browsing as a viewer.")
                if st.button("Sign in", key="oidc_sign_in"):
                    st.login()
            return
        if oidc_unavailable():
            st.caption("Single sign-on is configured, but Authlib is not installed "
                       "(`pip install streamlit[auth]`): sign in with a local account.")
        if visitor.how == "signed in":
            st.text(f"{visitor.actor.name} ({visitor.actor.role})")
            if st.button("Sign out", key="sign_out"):
                sign_out()
                st.rerun()
            return
        st.caption("Browsing as a viewer. Curators and admins sign in to edit.")
        with st.form("sign_in", clear_on_submit=True):
            name = st.text_input("Account name", key="sign_in_name")
            password = st.text_input("Password", type="password", key="sign_in_password")
            if st.form_submit_button("Sign in"):
                if sign_in(name, password):
                    st.rerun()
                st.error("Unknown account name or wrong password.")


def visitor() -> Visitor:
    """The visitor the router established for this run (pages call this)."""
    found = st.session_state.get("visitor")
    return found if isinstance(found, Visitor) else current_visitor()
