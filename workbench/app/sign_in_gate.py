"""Sends a browser that opens a page without a live session to the sign-in page.

Only page loads are turned away here, so that a reload or a deep link either shows the page or
the sign-in form (and comes back afterwards). The script itself still resolves the person from the
cookie on every run (workbench/app/session.py): the websocket is never trusted on its own.
"""

from __future__ import annotations

from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from workbench.app import sso
from workbench.app.auth_routes import SSO_CONTINUE_PATH, presented_token, sign_in_url
from workbench.app.services import get_services

# Streamlit's own endpoints, its frontend files and the sign-in routes are never pages.
_NOT_PAGES = ("/_stcore/", "/static/", "/media/", "/component/", "/app/static/", "/auth/", "/oauth2callback")


def is_page_request(scope: Scope) -> bool:
    """True for a GET of an app page ("/", "/library", ...), not of a file or an endpoint."""
    if scope["type"] != "http" or scope["method"] not in ("GET", "HEAD"):
        return False
    path = scope["path"]
    return not path.startswith(_NOT_PAGES) and "." not in path.rsplit("/", 1)[-1]


class SignInGate:
    """ASGI middleware: a page request with no live session is redirected to sign in (and back)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not is_page_request(scope):
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        token = await run_in_threadpool(presented_token, request)
        lookup = await run_in_threadpool(get_services().sign_in_sessions.lookup, token)
        if lookup.session is not None:
            await self.app(scope, receive, send)
            return
        back_to = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        if sso.streamlit_cookie_names(request.cookies):
            # Back from the identity provider: Streamlit has set its cookie, our session is next.
            target = f"{SSO_CONTINUE_PATH}?{urlencode({'next': back_to})}"
        else:
            target = sign_in_url(back_to, lookup.ended if token else None)
        await RedirectResponse(target, status_code=303)(scope, receive, send)
