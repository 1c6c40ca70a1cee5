"""Sign-in in front of Streamlit: the HTTP routes that set and clear the HttpOnly session cookie.

Streamlit scripts cannot set HttpOnly cookies, so signing in happens here, on the same server
(`st.App` routes, see workbench/app/server.py): a plain HTML form posts the password, the route
checks it (with the back-off of review/sign_in_limits.py), starts a server-side session and sets
the cookie. Single sign-on goes through Streamlit's own OIDC routes and then through
`/auth/sso/continue`, which turns the identity Streamlit verified into the same kind of session.
The app's scripts only read the cookie (`st.context.cookies`) and look the session up.
"""

from __future__ import annotations

import hmac
import html
import secrets
from datetime import datetime, timezone
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from review.errors import AuthenticationFailed, IdentityAlreadyUsed, ReviewError, SignInThrottled
from workbench.app import session_cookie, sso
from workbench.app.services import get_services
from workbench.first_run import create_lead_command

SIGN_IN_PATH = "/auth/sign-in"
SSO_PATH = "/auth/sso"
SSO_CONTINUE_PATH = "/auth/sso/continue"
CSRF_COOKIE = "wb_sign_in_form"
# What the sign-in page says about a session that ended: fixed words, never text from the request.
ENDED_NOTICES = {
    "signed_out": "You signed out.",
    "idle": "Your session ended after a time without activity. Sign in again.",
    "expired": "Your session reached its maximum length. Sign in again.",
    "disabled": "Your account is disabled.",
    "roles_changed": "Your roles changed. Sign in again.",
    "password_changed": "Your password changed. Sign in again.",
    "sso_failed": "Single sign-on did not complete. Try again, or use a local account.",
    "sso_unavailable": "The organisation's sign-in service cannot be reached right now. "
                       "Try again in a few minutes, or use a local account if you have one.",
}
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}


def safe_next(value: str | None) -> str:
    """A local path to return to after signing in; anything else (another site, a scheme) becomes '/'."""
    if not value or len(value) > 500 or not value.startswith("/") or value.startswith(("//", "/\\")):
        return "/"
    if any(ord(char) < 33 for char in value) or value.startswith(("/auth/", "/oauth2callback")):
        return "/"
    return value


def sign_in_url(next_path: str = "/", ended: str | None = None) -> str:
    """The sign-in page's address, returning to `next_path`, saying why the last session ended."""
    query = {"next": safe_next(next_path)}
    if ended in ENDED_NOTICES:
        query["ended"] = ended
    return f"{SIGN_IN_PATH}?{urlencode(query)}"


def client_address(request: Request) -> str | None:
    """The address failed sign-ins are counted for: the peer, or the proxy's X-Forwarded-For when trusted."""
    if get_services().settings.trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.client.host if request.client else None


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """The signed token as an HttpOnly, SameSite=Lax cookie for the whole site (Secure over HTTPS)."""
    settings = get_services().settings
    secure = settings.session_cookie_secure if settings.session_cookie_secure is not None else request.url.scheme == "https"
    response.set_cookie(
        session_cookie.COOKIE_NAME, session_cookie.sign(token, session_cookie.load_secret(settings)),
        max_age=settings.session_max_hours * 3600, path="/", httponly=True, samesite="lax", secure=secure,
    )


def presented_token(request: Request) -> str | None:
    """The session token in the request's cookie, if its signature holds."""
    secret = session_cookie.load_secret(get_services().settings)
    return session_cookie.unsign(request.cookies.get(session_cookie.COOKIE_NAME), secret)


def _page(body: str, status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    document = (
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        "<title>Sign in · L&amp;D Workbench</title><style>"
        "body{font-family:sans-serif;max-width:26rem;margin:4rem auto;padding:0 1rem;color:#1b1b1b}"
        "h1{font-size:1.8rem}label{display:block;margin:1rem 0 .3rem}"
        "input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}"
        "button,.sso{margin-top:1.2rem;padding:.6rem 1rem;font-size:1rem;background:#1f5f8b;color:#fff;"
        "border:0;border-radius:.4rem;cursor:pointer;display:inline-block;text-decoration:none}"
        ".notice{background:#e8f1f8;padding:.7rem;border-radius:.4rem}"
        ".error{background:#fdecea;color:#7a1111;padding:.7rem;border-radius:.4rem}"
        "code{background:#f2f2f2;padding:.1rem .3rem}"
        "</style></head><body><main>" + body + "</main></body></html>"
    )
    return HTMLResponse(document, status_code=status, headers={**_SECURITY_HEADERS, **(headers or {})})


def _form(request: Request, *, next_path: str, notice: str | None = None, error: str | None = None,
          status: int = 200, headers: dict[str, str] | None = None) -> HTMLResponse:
    """The sign-in page with a fresh form token (double-submit: cookie and hidden field must match)."""
    form_token = secrets.token_urlsafe(24)
    parts = ["<h1>L&amp;D Workbench</h1>"]
    if notice:
        parts.append(f'<p class="notice" role="status">{html.escape(notice)}</p>')
    if error:
        parts.append(f'<p class="error" role="alert">{html.escape(error)}</p>')
    services = get_services()
    if not services.accounts.list_users():
        # The command names the library and data dir this server runs with, so it works pasted as it is.
        parts.append(
            "<p class=\"notice\">No accounts exist yet. Create the first lead from a shell, then sign in here:<br>"
            f"<code>{html.escape(create_lead_command(services.settings))}</code></p>"
        )
    for provider in sso.providers():
        label = f"Sign in with {provider}" if provider != sso.DEFAULT_PROVIDER else "Sign in with your organisation account"
        href = f"{SSO_PATH}?{urlencode({'provider': provider, 'next': next_path})}"
        parts.append(f'<p><a class="sso" href="{html.escape(href)}">{html.escape(label)}</a></p>')
    if sso.providers():
        parts.append("<p>Or use a local account</p>")
    parts.append(
        f'<form method="post" action="{SIGN_IN_PATH}">'
        f'<input type="hidden" name="form_token" value="{form_token}">'
        f'<input type="hidden" name="next" value="{html.escape(next_path)}">'
        '<label for="name">User name</label><input id="name" name="name" autocomplete="username" required autofocus>'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password" required>'
        '<button type="submit">Sign in</button></form>'
    )
    response = _page("".join(parts), status, headers)
    response.set_cookie(CSRF_COOKIE, form_token, max_age=3600, path=SIGN_IN_PATH, httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")
    return response


async def sign_in(request: Request) -> Response:
    """GET: the form. POST: check the password, start a session, set the cookie, go where the person was going."""
    if request.method == "GET":
        next_path = safe_next(request.query_params.get("next"))
        notice = ENDED_NOTICES.get(request.query_params.get("ended", ""))
        return await run_in_threadpool(lambda: _form(request, next_path=next_path, notice=notice))
    form = await request.form()
    next_path = safe_next(str(form.get("next") or "/"))
    expected = request.cookies.get(CSRF_COOKIE, "")
    if not expected or not hmac.compare_digest(expected, str(form.get("form_token") or "")):
        return await run_in_threadpool(lambda: _form(
            request, next_path=next_path, error="The sign-in form expired. Sign in again.", status=400))
    name, password = str(form.get("name") or "").strip(), str(form.get("password") or "")
    services = get_services()
    try:
        user = await run_in_threadpool(services.accounts.authenticate, name, password, client_address(request))
        token = await run_in_threadpool(
            lambda: services.sign_in_sessions.create(user.name, "password", replacing=presented_token(request)))
    except SignInThrottled as error:
        return await run_in_threadpool(lambda: _form(
            request, next_path=next_path, error=str(error), status=429,
            headers={"Retry-After": str(error.retry_after_seconds)}))
    except AuthenticationFailed as error:
        return await run_in_threadpool(lambda: _form(request, next_path=next_path, error=str(error), status=401))
    except ReviewError as error:
        return await run_in_threadpool(lambda: _form(request, next_path=next_path, error=str(error), status=400))
    response = RedirectResponse(next_path, status_code=303)
    set_session_cookie(response, request, token)
    response.delete_cookie(CSRF_COOKIE, path=SIGN_IN_PATH)
    return response


async def sso_start(request: Request) -> Response:
    """Hand over to Streamlit's OIDC login for a configured provider."""
    provider = request.query_params.get("provider", sso.DEFAULT_PROVIDER)
    next_path = safe_next(request.query_params.get("next"))
    if provider not in sso.providers():
        return RedirectResponse(sign_in_url(next_path, "sso_failed"), status_code=303)
    # Streamlit's login route answers a bare "Authentication error" when the provider is down: say it here.
    if not await run_in_threadpool(sso.provider_reachable, provider):
        return RedirectResponse(sign_in_url(next_path, "sso_unavailable"), status_code=303)
    return RedirectResponse(sso.login_url(provider), status_code=303)


async def sso_continue(request: Request) -> Response:
    """Turn the identity Streamlit verified into a server-side session, then drop Streamlit's own cookie."""
    services = get_services()
    identity = sso.identity_from_cookies(request.cookies, max_age_seconds=services.settings.sso_identity_max_age_seconds)
    if identity is None:
        response = RedirectResponse(sign_in_url("/", "sso_failed"), status_code=303)
        for name in sso.streamlit_cookie_names(request.cookies):
            response.delete_cookie(name, path="/")
        return response
    try:
        user = await run_in_threadpool(services.accounts.user_for_identity, identity.issuer, identity.subject, identity.display_name)
        issued_at = datetime.fromtimestamp(identity.issued_at, tz=timezone.utc)
        token = await run_in_threadpool(lambda: services.sign_in_sessions.create(
            user.name, "oidc", replacing=presented_token(request), identity_issued_at=issued_at))
    except IdentityAlreadyUsed:
        response = RedirectResponse(sign_in_url("/", "sso_failed"), status_code=303)
    except ReviewError:
        response = RedirectResponse(sign_in_url("/", "disabled"), status_code=303)
    else:
        response = RedirectResponse(safe_next(request.query_params.get("next")), status_code=303)
        set_session_cookie(response, request, token)
    # From here on our session alone says who this is: Streamlit's identity cookie is not kept around.
    for name in sso.streamlit_cookie_names(request.cookies):
        response.delete_cookie(name, path="/")
    return response


async def sign_out(request: Request) -> Response:
    """End the session behind the cookie and clear it (POST only: a link on another site cannot sign anyone out)."""
    token = presented_token(request)
    await run_in_threadpool(get_services().sign_in_sessions.end, token)
    response = RedirectResponse(sign_in_url("/", "signed_out"), status_code=303)
    response.delete_cookie(session_cookie.COOKIE_NAME, path="/")
    return response


def routes() -> list[Route]:
    """The sign-in routes mounted in front of Streamlit's."""
    return [
        Route(SIGN_IN_PATH, sign_in, methods=["GET", "POST"]),
        Route(SSO_PATH, sso_start, methods=["GET"]),
        Route(SSO_CONTINUE_PATH, sso_continue, methods=["GET"]),
        Route("/auth/sign-out", sign_out, methods=["POST"]),
    ]

