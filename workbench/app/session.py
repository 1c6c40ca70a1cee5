"""Who is signed in: local accounts or OIDC through st.login, roles from our database, timeouts."""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from review.errors import AuthenticationFailed, UnknownUser
from review.policy import Role
from review.views import User
from workbench.app.services import get_services

USER_KEY = "wb_user"
VIA_KEY = "wb_via"
LAST_SEEN_KEY = "wb_last_seen"
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


def _as_current_user(record: User | None, via: str) -> CurrentUser | None:
    if record is None or record.disabled:
        return None
    return CurrentUser(name=record.name, display_name=record.display_name or record.name, roles=frozenset(record.roles), via=via)


def _load_user(name: str) -> User | None:
    """The user record by name, read fresh so that revoked roles and disabled accounts apply at once."""
    try:
        return get_services().accounts.get_user(name)
    except UnknownUser:
        return None


def oidc_configured() -> bool:
    """True when .streamlit/secrets.toml holds an [auth] section for st.login."""
    try:
        auth = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 - no secrets file at all
        return False
    return bool(auth) and "redirect_uri" in auth


def oidc_providers() -> list[str | None]:
    """The named providers of [auth] (sub-tables), or [None] for the single default one."""
    auth = st.secrets.get("auth") or {}
    named = [key for key, value in auth.items() if hasattr(value, "keys")]
    return named or [None]


def _oidc_identity() -> tuple[str, str] | None:
    """(issuer, subject) of the st.login identity, when there is one."""
    try:
        user = st.user
        if not user.get("is_logged_in"):
            return None
        issuer, subject = user.get("iss"), user.get("sub")
    except Exception:  # noqa: BLE001 - st.user is unavailable without auth support
        return None
    if not issuer or not subject:
        return None
    return str(issuer), str(subject)


def timeout_seconds() -> float:
    """Inactivity after which a session is signed out."""
    return float(get_services().settings.session_timeout_minutes) * 60.0


def sign_out(notice: str | None = None) -> None:
    """Forget the signed-in user of this browser session."""
    was_oidc = st.session_state.get(VIA_KEY) == "oidc"
    for key in (USER_KEY, VIA_KEY, LAST_SEEN_KEY):
        st.session_state.pop(key, None)
    if notice:
        st.session_state[NOTICE_KEY] = notice
    if was_oidc and oidc_configured():
        # The identity cookie outlives our session state: drop it too, so a new sign-in is needed.
        st.logout()


def sign_in_with_password(name: str, password: str) -> CurrentUser:
    """Check a local account's password and remember the user; raises AuthenticationFailed."""
    record = get_services().accounts.authenticate(name.strip(), password)
    user = _as_current_user(record, "password")
    if user is None:
        raise AuthenticationFailed()
    st.session_state[USER_KEY] = user.name
    st.session_state[VIA_KEY] = "password"
    st.session_state[LAST_SEEN_KEY] = time.time()
    st.session_state.pop(NOTICE_KEY, None)
    return user


def current_user() -> CurrentUser | None:
    """The signed-in user for this run, after the inactivity timeout and a fresh look at their roles."""
    now = time.time()
    name = st.session_state.get(USER_KEY)
    last_seen = st.session_state.get(LAST_SEEN_KEY)
    if name and last_seen is not None and now - float(last_seen) > timeout_seconds():
        minutes = get_services().settings.session_timeout_minutes
        sign_out(f"Your session timed out after {minutes} minutes without activity. Sign in again.")
        return None
    if name:
        user = _as_current_user(_load_user(name), st.session_state.get(VIA_KEY, "password"))
        if user is None:
            sign_out("Your account is disabled or no longer exists.")
            return None
        st.session_state[LAST_SEEN_KEY] = now
        return user
    return _current_oidc_user(now)


def _current_oidc_user(now: float) -> CurrentUser | None:
    """The user mapped to the st.login identity, if a lead has registered it."""
    if not oidc_configured():
        return None
    identity = _oidc_identity()
    if identity is None:
        return None
    # First sight of an identity registers it without any role: a lead grants roles later.
    record = get_services().accounts.user_for_identity(*identity, _oidc_display_name())
    user = _as_current_user(record, "oidc")
    if user is None:
        return None
    if not user.roles:
        return user
    st.session_state[USER_KEY] = user.name
    st.session_state[VIA_KEY] = "oidc"
    st.session_state[LAST_SEEN_KEY] = now
    return user


def _oidc_display_name() -> str:
    try:
        return str(st.user.get("name") or st.user.get("email") or "")
    except Exception:  # noqa: BLE001
        return ""


def oidc_identity() -> tuple[str, str] | None:
    """(issuer, subject) of the signed-in OIDC identity, shown to a user who has no role yet."""
    return _oidc_identity()


def require(page_key: str) -> CurrentUser:
    """The current user, or a denial and a stop when their roles do not open this page (checked per run)."""
    from workbench.app.access import may_open

    user = current_user()
    if user is None or not may_open(user.roles, page_key):
        st.error("You do not have access to this page.")
        st.stop()
    return user
