"""Single sign-on through Streamlit's OIDC routes: which providers are configured, and who came back.

Streamlit (`/auth/login`, `/oauth2callback`) talks to the identity provider and leaves the verified
ID-token claims in its own signed cookie. `/auth/sso/continue` reads that cookie once, here, with
Streamlit's own cookie helpers, and replaces it with a workbench session. The helpers are
Streamlit internals (pinned by the `streamlit` requirement in pyproject.toml); the browser and
route tests exercise them against the installed version.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Mapping

DEFAULT_PROVIDER = "default"
# An identity is only turned into a session shortly after the provider issued it: an old identity
# cookie (kept by a browser for weeks) cannot silently bring back a session that was ended.
MAX_IDENTITY_AGE_SECONDS = 600
_STREAMLIT_USER_COOKIE = "_streamlit_user"


@dataclass(frozen=True)
class Identity:
    """Who the identity provider says this is."""

    issuer: str
    subject: str
    display_name: str


def _auth_section() -> Mapping | None:
    import streamlit as st

    try:
        auth = st.secrets.get("auth")
    except Exception:  # noqa: BLE001 - no secrets file at all
        return None
    return auth if auth and "redirect_uri" in auth else None


def providers() -> list[str]:
    """The configured providers: the named sub-tables of [auth], else the one default provider; [] when off."""
    auth = _auth_section()
    if auth is None:
        return []
    named = [key for key, value in auth.items() if hasattr(value, "keys")]
    return named or [DEFAULT_PROVIDER]


def login_url(provider: str) -> str:
    """Streamlit's login route for this provider (it signs the provider name so the callback can trust it)."""
    from streamlit.user_info import generate_login_redirect_url

    return generate_login_redirect_url(provider)


def identity_from_cookies(cookies: Mapping[str, str], *, now: float | None = None) -> Identity | None:
    """The identity in Streamlit's signed user cookie, if the signature, origin and age hold."""
    if _auth_section() is None:
        return None
    from streamlit.auth_util import get_origin_from_redirect_uri
    from streamlit.web.server.starlette.starlette_websocket import _get_signed_cookie_with_chunks

    try:
        raw = _get_signed_cookie_with_chunks(dict(cookies), _STREAMLIT_USER_COOKIE)
        claims = json.loads(raw) if raw else None
    except Exception:  # noqa: BLE001 - a malformed or forged cookie is simply no identity
        return None
    if not isinstance(claims, dict) or claims.get("is_logged_in") is not True:
        return None
    if claims.get("origin") != get_origin_from_redirect_uri():
        return None
    issuer, subject = claims.get("iss"), claims.get("sub")
    if not isinstance(issuer, str) or not isinstance(subject, str) or not issuer or not subject:
        return None
    issued_at = claims.get("iat")
    if not isinstance(issued_at, (int, float)) or (now or time.time()) - issued_at > MAX_IDENTITY_AGE_SECONDS:
        return None
    name = claims.get("name") or claims.get("email") or ""
    return Identity(issuer, subject, str(name)[:200])


def streamlit_cookie_names(cookies: Mapping[str, str]) -> list[str]:
    """Streamlit's identity cookies in a request (the user and token cookies and their chunks)."""
    return [name for name in cookies if name.startswith(_STREAMLIT_USER_COOKIE)]
