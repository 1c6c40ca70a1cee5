"""The session cookie: a random token with an HMAC, so a forged or altered value is refused unread."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from workbench.settings import Settings

COOKIE_NAME = "wb_session"
SECRET_FILE = "session_secret"


def load_secret(settings: Settings) -> bytes:
    """The signing key: WORKBENCH_SESSION_SECRET, else a random key made once in the data dir (mode 0600)."""
    if settings.session_secret is not None:
        return settings.session_secret.get_secret_value().encode("utf-8")
    path = Path(settings.data_dir) / SECRET_FILE
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48).encode("ascii")
    try:
        # O_EXCL: when two server processes start at once, one writes and both read the same key.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(key)
    return key


def _mac(token: str, secret: bytes) -> str:
    digest = hmac.new(secret, token.encode("utf-8"), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def sign(token: str, secret: bytes) -> str:
    """The cookie value for a session token."""
    return f"{token}.{_mac(token, secret)}"


def unsign(value: str | None, secret: bytes) -> str | None:
    """The token inside a cookie value, or None when it is missing, malformed or its signature is wrong."""
    if not value or len(value) > 200 or "." not in value:
        return None
    token, _, mac = value.rpartition(".")
    if not token or not hmac.compare_digest(mac, _mac(token, secret)):
        return None
    return token
