"""The sign-in routes and the page gate over real HTTP (Starlette's client), on the app's real services."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.support.people import PASSWORD

PAGE_TEXT = "the Streamlit page"


@pytest.fixture
def client(app_services, people):
    """The sign-in routes and the gate in front of a stand-in for Streamlit's pages."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route
    from starlette.testclient import TestClient

    from workbench.app.auth_routes import routes
    from workbench.app.sign_in_gate import SignInGate

    async def page(request):
        return PlainTextResponse(PAGE_TEXT)

    app = Starlette(routes=[*routes(), Route("/{path:path}", page)], middleware=[Middleware(SignInGate)])
    with TestClient(app, base_url="http://127.0.0.1", follow_redirects=False, client=("127.0.0.1", 50000)) as test_client:
        yield test_client


def _form_token(response) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', response.text).group(1)


def _sign_in(client, name: str, password: str, next_path: str = "/"):
    form = client.get("/auth/sign-in", params={"next": next_path})
    return client.post("/auth/sign-in", data={"name": name, "password": password, "next": next_path,
                                              "form_token": _form_token(form)})


def _browser_holds(client, cookie: str) -> None:
    client.cookies.clear()
    client.cookies.set("wb_session", cookie)


def _audit_rows(app_services, action: str) -> list[dict]:
    from sqlalchemy import select

    from review.tables import audit_log

    with app_services.database.read() as connection:
        return [dict(row._mapping) for row in connection.execute(select(audit_log).where(audit_log.c.action == action).order_by(audit_log.c.seq))]


def test_a_page_without_a_session_sends_the_browser_to_sign_in_and_back_to_the_deep_link(client):
    response = client.get("/review_queue", params={"draft": "3"})
    assert response.status_code == 303
    location = urlsplit(response.headers["location"])
    assert location.path == "/auth/sign-in"
    assert parse_qs(location.query)["next"] == ["/review_queue?draft=3"]

    signed_in = _sign_in(client, "sam", PASSWORD, "/review_queue?draft=3")
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/review_queue?draft=3"
    cookie = signed_in.headers["set-cookie"]
    assert cookie.startswith("wb_session=")
    assert "HttpOnly" in cookie and "SameSite=lax" in cookie and "Path=/" in cookie and "Secure" not in cookie
    assert client.get("/review_queue", params={"draft": "3"}).text == PAGE_TEXT  # a reload stays signed in
    # Files and Streamlit's endpoints are never turned away (the script checks the websocket itself).
    assert client.get("/static/js/app.js").text == PAGE_TEXT


def test_the_form_shows_the_first_run_hint_and_escapes_what_it_echoes(app_services):
    from starlette.applications import Starlette
    from starlette.testclient import TestClient

    from workbench.app.auth_routes import routes

    with TestClient(Starlette(routes=routes()), base_url="http://127.0.0.1") as fresh:
        page = fresh.get("/auth/sign-in", params={"next": '/x"><script>alert(1)</script>'})
    settings = app_services.settings
    assert (f"workbench --library {settings.library_dir.resolve()} --data-dir {settings.data_dir.resolve()} "
            "users add NAME --role lead --password-stdin") in page.text
    assert "<script>" not in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_a_wrong_password_is_refused_with_the_generic_message_and_no_cookie(client):
    response = _sign_in(client, "sam", "not the password")
    assert response.status_code == 401
    assert "unknown user, wrong password or disabled account" in response.text
    assert "wb_session" not in response.headers.get("set-cookie", "")


def test_a_post_without_the_form_s_own_token_is_refused(client):
    response = client.post("/auth/sign-in", data={"name": "sam", "password": PASSWORD, "form_token": "guessed"})
    assert response.status_code == 400
    assert "The sign-in form expired" in response.text
    assert "wb_session" not in response.headers.get("set-cookie", "")


@pytest.mark.parametrize("target", ["//evil.example/x", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"])
def test_signing_in_never_redirects_to_another_site(client, target):
    response = _sign_in(client, "sam", PASSWORD, target)
    assert response.headers["location"] == "/"


def test_signing_in_again_rotates_the_session(client, app_services):
    from workbench.app import session_cookie

    _sign_in(client, "sam", PASSWORD)
    old_cookie = client.cookies.get("wb_session")
    _sign_in(client, "sam", PASSWORD)
    new_cookie = client.cookies.get("wb_session")
    assert new_cookie and new_cookie != old_cookie
    old_token = session_cookie.unsign(old_cookie, session_cookie.load_secret(app_services.settings))
    assert app_services.sign_in_sessions.lookup(old_token).ended == "rotated"


def test_a_tampered_or_ended_cookie_is_sent_back_to_sign_in(client, app_services):
    _sign_in(client, "lee", PASSWORD)
    good = client.cookies.get("wb_session")
    _browser_holds(client, good[:-2] + ("xx" if not good.endswith("xx") else "yy"))
    assert client.get("/audit").status_code == 303
    _browser_holds(client, good)
    assert client.get("/audit").text == PAGE_TEXT
    signed_out = client.post("/auth/sign-out")
    assert signed_out.headers["location"].endswith("ended=signed_out")
    _browser_holds(client, good)  # the browser kept a copy: it is worth nothing now
    response = client.get("/audit")
    assert response.status_code == 303
    assert "ended=signed_out" in response.headers["location"]


def test_an_expired_session_is_refused_and_named(client, app_services):
    _sign_in(client, "lee", PASSWORD)
    sessions = app_services.sign_in_sessions
    real_clock = sessions.clock
    sessions.clock = lambda: real_clock() + timedelta(hours=app_services.settings.session_max_hours, minutes=1)
    try:
        response = client.get("/library")
    finally:
        sessions.clock = real_clock
    assert response.status_code == 303
    assert "ended=expired" in response.headers["location"]
    assert "reached its maximum length" in client.get(response.headers["location"]).text


def test_five_failures_lock_the_account_with_a_growing_delay_and_one_audit_row_per_burst(client, app_services):
    for _ in range(5):
        assert _sign_in(client, "sam", "not the password").status_code == 401
    locked = _sign_in(client, "sam", PASSWORD)  # even the right password waits
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) == 30
    assert "too many failed sign-ins: try again in 30 seconds" in locked.text
    assert len(_audit_rows(app_services, "login_failed")) == 1
    assert [row["actor"] for row in _audit_rows(app_services, "login_locked")] == ["sam"]

    accounts = app_services.accounts
    real_clock = accounts.clock
    accounts.clock = lambda: real_clock() + timedelta(seconds=31)
    try:
        assert _sign_in(client, "sam", "still not it").status_code == 401
        again = _sign_in(client, "sam", PASSWORD)
    finally:
        accounts.clock = real_clock
    assert again.status_code == 429
    assert int(again.headers["retry-after"]) == 60  # the delay doubles
    assert len(_audit_rows(app_services, "login_failed")) == 1  # still the same burst

    assert [(lock.scope, lock.subject) for lock in accounts.lockouts()] == [("account", "sam")]
    assert accounts.lift_lockout("lee", "sam") is True
    assert _sign_in(client, "sam", PASSWORD).status_code == 303
    assert [row["actor"] for row in _audit_rows(app_services, "login_unlocked")] == ["lee"]


def test_unknown_names_reach_the_audit_log_only_as_a_hash(client, app_services):
    typed = "=HYPERLINK(\"http://evil\")\x1b[31m"
    for _ in range(6):
        _sign_in(client, typed, "whatever password")
    rows = _audit_rows(app_services, "login_failed") + _audit_rows(app_services, "login_locked")
    assert rows and all(re.fullmatch(r"unknown:[0-9a-f]{16}", row["actor"]) for row in rows)
    assert all("HYPERLINK" not in (row["details"] or "") and "evil" not in row["actor"] for row in rows)
    assert len(_audit_rows(app_services, "login_failed")) == 1


def test_one_client_address_is_throttled_across_accounts(client, app_services):
    from dataclasses import replace

    app_services.accounts.sign_in_policy = replace(app_services.accounts.sign_in_policy, client_threshold=7)
    for index in range(7):
        _sign_in(client, f"guess{index}", "whatever password")
    response = _sign_in(client, "lee", PASSWORD)
    assert response.status_code == 429
    assert ("client", "127.0.0.1") in [(lock.scope, lock.subject) for lock in app_services.accounts.lockouts()]


@pytest.fixture
def sso_secrets(tmp_path):
    """An [auth] section in the secrets file Streamlit reads (restored afterwards)."""
    from streamlit import config
    from streamlit.runtime.secrets import secrets_singleton

    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        '[auth]\nredirect_uri = "http://127.0.0.1/oauth2callback"\ncookie_secret = "an-sso-test-cookie-secret-0123456789"\n'
        'client_id = "wb"\nclient_secret = "s"\nserver_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"\n'
        # A table of options for the one provider, not a second provider.
        'client_kwargs = { prompt = "login" }\n',
        encoding="utf-8")
    before = config.get_option("secrets.files")
    config.set_option("secrets.files", [str(secrets)])
    secrets_singleton._reset()
    yield
    config.set_option("secrets.files", before)
    secrets_singleton._reset()


def _streamlit_identity_cookie(claims: dict, secret: str | None = None) -> str:
    """Streamlit's user cookie as its OIDC callback writes it (signed with its cookie secret)."""
    import json

    from streamlit.web.server.server_util import get_cookie_secret
    from streamlit.web.server.starlette.starlette_app_utils import create_signed_value

    return create_signed_value(secret or get_cookie_secret(), "_streamlit_user", json.dumps(claims)).decode("utf-8")


def _claims(**changes) -> dict:
    import time

    return {"iss": "https://idp.example.com", "sub": "subject-9", "name": "Olga", "iat": int(time.time()),
            "origin": "http://127.0.0.1", "is_logged_in": True, "provider": "default", **changes}


def test_single_sign_on_becomes_a_server_side_session_and_streamlit_s_cookie_is_dropped(client, app_services, sso_secrets):
    form = client.get("/auth/sign-in").text
    assert form.count('class="sso"') == 1 and "Sign in with your organisation account" in form
    client.cookies.set("_streamlit_user", _streamlit_identity_cookie(_claims()))
    back = client.get("/review_queue")  # where the browser lands after the identity provider
    assert back.status_code == 303 and back.headers["location"].startswith("/auth/sso/continue?next=%2Freview_queue")
    continued = client.get(back.headers["location"])
    assert continued.status_code == 303 and continued.headers["location"] == "/review_queue"
    set_cookies = continued.headers.get_list("set-cookie")
    assert any(c.startswith("wb_session=") and "HttpOnly" in c for c in set_cookies)
    assert any(c.startswith("_streamlit_user=") and "Max-Age=0" in c for c in set_cookies)
    registered = [u for u in app_services.accounts.list_users() if u.oidc_subject == "subject-9"]
    assert len(registered) == 1 and not registered[0].roles
    from workbench.app import session_cookie

    token = session_cookie.unsign(client.cookies.get("wb_session"), session_cookie.load_secret(app_services.settings))
    assert app_services.sign_in_sessions.lookup(token).session.via == "oidc"


def test_a_used_identity_cookie_presented_again_after_sign_out_starts_no_session(client, app_services, sso_secrets):
    used = _streamlit_identity_cookie(_claims())
    client.cookies.set("_streamlit_user", used)
    assert client.get("/auth/sso/continue").headers["location"] == "/"
    assert client.post("/auth/sign-out").status_code == 303
    client.cookies.clear()
    client.cookies.set("_streamlit_user", used)  # a copy kept from before it was used
    replayed = client.get("/auth/sso/continue")
    assert replayed.status_code == 303 and "ended=sso_failed" in replayed.headers["location"]
    assert "wb_session" not in client.cookies
    assert sum(1 for u in app_services.accounts.list_users() if u.oidc_subject == "subject-9") == 1


@pytest.mark.parametrize("cookie", [
    lambda: _streamlit_identity_cookie(_claims(iat=1_000_000_000)),  # an identity issued long ago
    lambda: _streamlit_identity_cookie(_claims(), secret="not-streamlit-s-secret-at-all-000000"),  # forged
    lambda: _streamlit_identity_cookie(_claims(origin="http://evil.example")),  # minted for another site
    lambda: _streamlit_identity_cookie(_claims(is_logged_in=False)),
])
def test_an_old_forged_or_foreign_identity_cookie_starts_no_session(client, app_services, sso_secrets, cookie):
    client.cookies.set("_streamlit_user", cookie())
    continued = client.get("/auth/sso/continue")
    assert continued.status_code == 303 and "ended=sso_failed" in continued.headers["location"]
    assert "wb_session" not in client.cookies
    assert not [u for u in app_services.accounts.list_users() if u.oidc_subject == "subject-9"]


def test_behind_a_tls_proxy_the_cookie_can_be_marked_secure(client, app_services):
    app_services.settings.session_cookie_secure = True
    assert "Secure" in _sign_in(client, "sam", PASSWORD).headers["set-cookie"]


def test_single_sign_on_with_the_provider_unreachable_says_so_and_keeps_the_local_form(client, sso_secrets):
    # The provider in sso_secrets listens on port 9 (discard): nothing answers its discovery document.
    started = client.get("/auth/sso", params={"next": "/review_queue"})
    assert started.status_code == 303
    assert started.headers["location"] == "/auth/sign-in?next=%2Freview_queue&ended=sso_unavailable"
    page = client.get(started.headers["location"]).text
    assert "The organisation&#x27;s sign-in service cannot be reached right now." in page
    assert 'name="password"' in page
