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
# An identity is only turned into a session shortly after the provider issued it (by default within
# 600 s, WORKBENCH_SSO_IDENTITY_MAX_AGE_SECONDS): an old identity cookie (kept by a browser for weeks)
# cannot silently bring back a session that was ended.
MAX_IDENTITY_AGE_SECONDS = 600
_STREAMLIT_USER_COOKIE = "_streamlit_user"
# Long enough for a provider under load, short enough that a person facing an outage is told at once.
METADATA_TIMEOUT_SECONDS = 5.0
_PROVIDER_KEYS = {"client_id", "client_secret", "server_metadata_url", "authorize_url", "api_base_url", "request_token_url"}


@dataclass(frozen=True)
class Identity:
    """Who the identity provider says this is."""

    issuer: str
    subject: str
    display_name: str
    issued_at: float  # the ID token's iat (seconds since the epoch)


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
    # A sub-table is a provider only when it holds a provider's keys: [auth] itself may hold tables
    # such as client_kwargs (Streamlit draws the same line when it builds the OIDC client).
    named = [key for key, value in auth.items() if hasattr(value, "keys") and _PROVIDER_KEYS & set(value.keys())]
    return named or [DEFAULT_PROVIDER]


def metadata_url(provider: str) -> str | None:
    """The provider's discovery document address, from its own [auth.<name>] table or the [auth] section."""
    auth = _auth_section()
    if auth is None:
        return None
    section = auth.get(provider) if provider != DEFAULT_PROVIDER else None
    value = (section or {}).get("server_metadata_url") or auth.get("server_metadata_url")
    return str(value) if value else None


def provider_reachable(provider: str, *, timeout_seconds: float = METADATA_TIMEOUT_SECONDS) -> bool:
    """True when the provider answers its discovery document; checked before sending a browser there."""
    import httpx

    url = metadata_url(provider)
    if url is None:
        return False
    try:
        response = httpx.get(url, timeout=timeout_seconds, follow_redirects=True)
        return response.status_code == 200 and "authorization_endpoint" in response.json()
    except (httpx.HTTPError, ValueError):
        return False


def login_url(provider: str) -> str:
    """Streamlit's login route for this provider (it signs the provider name so the callback can trust it)."""
    from streamlit.user_info import generate_login_redirect_url

    return generate_login_redirect_url(provider)


def identity_from_cookies(cookies: Mapping[str, str], *, now: float | None = None,
                          max_age_seconds: float = MAX_IDENTITY_AGE_SECONDS) -> Identity | None:
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
    if not isinstance(issued_at, (int, float)) or (now or time.time()) - issued_at > max_age_seconds:
        return None
    name = claims.get("name") or claims.get("email") or ""
    return Identity(issuer, subject, str(name)[:200], float(issued_at))


def streamlit_cookie_names(cookies: Mapping[str, str]) -> list[str]:
    """Streamlit's identity cookies in a request (the user and token cookies and their chunks)."""
    return [name for name in cookies if name.startswith(_STREAMLIT_USER_COOKIE)]
