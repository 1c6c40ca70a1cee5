"""Only the browser that signed a Streamlit session in may reattach to it.

Streamlit lets a reconnecting websocket name an existing session (the third entry of its
Sec-WebSocket-Protocol header) and reattaches it, state and last page list included. Every run
records which sign-in session a Streamlit session belongs to; a websocket naming a Streamlit
session that belongs to another sign-in session (or to one that ended) has the name removed and
simply gets a new, empty Streamlit session.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from starlette.requests import HTTPConnection
from starlette.types import ASGIApp, Receive, Scope, Send

from review.sessions import token_hash
from workbench.app import session_cookie
from workbench.app.services import get_services

_MAX_BINDINGS = 20_000
_lock = threading.Lock()
_owner_of: OrderedDict[str, str] = OrderedDict()  # Streamlit session id -> SHA-256 of the sign-in token


def bind(streamlit_session_id: str, token: str) -> None:
    """Record that this Streamlit session runs for the sign-in session of `token`."""
    with _lock:
        _owner_of[streamlit_session_id] = token_hash(token)
        _owner_of.move_to_end(streamlit_session_id)
        while len(_owner_of) > _MAX_BINDINGS:
            _owner_of.popitem(last=False)


def may_reattach(streamlit_session_id: str, token: str | None) -> bool:
    """True when the Streamlit session is unbound, or bound to this very sign-in token."""
    with _lock:
        owner = _owner_of.get(streamlit_session_id)
    return owner is None or (token is not None and owner == token_hash(token))


def _without_reattach(scope: Scope) -> Scope:
    headers = []
    for name, value in scope["headers"]:
        if name == b"sec-websocket-protocol":
            entries = [entry.strip() for entry in value.decode("latin-1").split(",")]
            value = ", ".join(entries[:2]).encode("latin-1")
        headers.append((name, value))
    return {**scope, "headers": headers}


class ReattachGuard:
    """ASGI middleware: drops the reattach request of a websocket that is not the session's owner."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            connection = HTTPConnection(scope)
            entries = [entry.strip() for entry in connection.headers.get("sec-websocket-protocol", "").split(",")]
            if len(entries) >= 3 and entries[2]:
                secret = session_cookie.load_secret(get_services().settings)
                token = session_cookie.unsign(connection.cookies.get(session_cookie.COOKIE_NAME), secret)
                if not may_reattach(entries[2], token):
                    scope = _without_reattach(scope)
        await self.app(scope, receive, send)
