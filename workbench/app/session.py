"""Who is signed in: the server-side session named by the browser's cookie, read fresh on every run.

Nothing about the person is kept in `st.session_state`: a Streamlit session id (which a websocket
can present to reattach to a session) grants nothing by itself. Each run reads the HttpOnly
cookie the sign-in route set (`st.context.cookies`, from the websocket's own handshake), checks
its signature, looks the session up in the database (idle and absolute expiry, ended sessions,
disabled accounts) and loads the person's roles as they are now.
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st

from review.errors import UnknownUser
from review.policy import Role
from review.sessions import SessionLookup
from review.views import User
from workbench.app import session_cookie
from workbench.app.services import get_services

NOTICE_KEY = "wb_notice"


@dataclass(frozen=True)
class CurrentUser:
    """The signed-in person as the database knows them right now."""

    name: str
    display_name: str
    roles: frozenset[Role]
    via: str  # "password" or "oidc"

    def has(self, *roles: Role) -> bool:
        """True when the user holds one of these roles."""
        return bool(self.roles & set(roles))


def presented_cookie() -> str | None:
    """The session cookie the browser sent with this connection's handshake."""
    return st.context.cookies.get(session_cookie.COOKIE_NAME)


def _presented_token() -> str | None:
    return session_cookie.unsign(presented_cookie(), session_cookie.load_secret(get_services().settings))


def _as_current_user(record: User | None, via: str) -> CurrentUser | None:
    if record is None or record.disabled:
        return None
    return CurrentUser(name=record.name, display_name=record.display_name or record.name, roles=frozenset(record.roles), via=via)


def lookup() -> SessionLookup:
    """The session behind this run's cookie (touched), or why there is none."""
    token = _presented_token()
    found = get_services().sign_in_sessions.lookup(token)
    if found.session is not None and token is not None:
        from streamlit.runtime.scriptrunner import get_script_run_ctx

        from workbench.app import reattach_guard

        context = get_script_run_ctx()
        if context is not None:
            reattach_guard.bind(context.session_id, token)
    return found


def current_user() -> CurrentUser | None:
    """The signed-in user for this run, or None (no cookie, bad signature, ended or expired session)."""
    found = lookup()
    if found.session is None:
        return None
    try:
        record = get_services().accounts.get_user(found.session.user_name)
    except UnknownUser:
        return None
    return _as_current_user(record, found.session.via)


def timeout_seconds() -> float:
    """Inactivity after which a session ends."""
    return float(get_services().settings.session_timeout_minutes) * 60.0


def sign_out(notice: str | None = None) -> None:
    """End this browser's session in the database: its cookie is worthless from now on, everywhere."""
    get_services().sign_in_sessions.end(_presented_token())
    if notice:
        st.session_state[NOTICE_KEY] = notice


def require(page_key: str) -> CurrentUser:
    """The current user, or a denial and a stop when their roles do not open this page (checked per run)."""
    from workbench.app.access import may_open

    user = current_user()
    if user is None or not may_open(user.roles, page_key):
        st.error("You do not have access to this page.")
        st.stop()
    return user
