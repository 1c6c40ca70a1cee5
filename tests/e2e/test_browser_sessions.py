"""Signing in, staying signed in and being signed out, in headless Chromium against `workbench serve`.

The server is started from an unrelated temporary directory whose own `.streamlit/config.toml`
asks for the opposite of the project's settings: the app must still run with the project's.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_browser import CHROMIUM, PASSWORD, _idle, new_page, serve_workbench
from tests.e2e.lms_support import chromium
from tests.support.libraries import SKILLS
from tests.support.people import FAST_HASHER, add_people

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"),
]

PEOPLE = {"lee": ["lead"], "ann": ["author"], "sam": ["accuracy_reviewer"]}
MODULE = """---
id: giving-feedback
title: Giving feedback with SBI
skills: [fb-giving]
level: foundation
---

# Giving feedback with SBI

## Situation, behaviour, impact

Describe the situation, the behaviour you saw and its impact.
"""
# What a stray config in the directory the server starts from would turn on.
HOSTILE_CONFIG = """[client]
toolbarMode = "developer"
showErrorDetails = "full"

[theme]
base = "dark"
primaryColor = "#ff0000"
"""
AUTH_SECRETS = """[auth]
redirect_uri = "http://127.0.0.1:9/oauth2callback"
cookie_secret = "a-cookie-secret-for-the-browser-tests-only"
client_id = "workbench"
client_secret = "not-a-real-secret"
server_metadata_url = "http://127.0.0.1:9/.well-known/openid-configuration"
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """`workbench serve` started from a temporary directory, its secrets file named by a setting."""
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    root = tmp_path_factory.mktemp("sessions")
    library, data_dir, elsewhere = root / "library", root / "data", root / "elsewhere"
    library.mkdir()
    (library / "giving-feedback.md").write_text(MODULE, encoding="utf-8")
    (library / "skills.yaml").write_text(SKILLS, encoding="utf-8")
    (elsewhere / ".streamlit").mkdir(parents=True)
    (elsewhere / ".streamlit" / "config.toml").write_text(HOSTILE_CONFIG, encoding="utf-8")
    secrets = root / "conf" / "secrets.toml"
    secrets.parent.mkdir()
    secrets.write_text(AUTH_SECRETS, encoding="utf-8")

    services = bootstrap(Settings(library_dir=library, data_dir=data_dir, llm_provider="fake"), password_hasher=FAST_HASHER)
    add_people(services.accounts, PEOPLE, PASSWORD)
    services.database.dispose()
    env = {"WORKBENCH_LLM_PROVIDER": "fake", "WORKBENCH_STREAMLIT_SECRETS_FILE": str(secrets)}
    with serve_workbench(root, library, data_dir, env, cwd=elsewhere) as base:
        yield {"base": base, "data_dir": data_dir, "library": library}


@pytest.fixture
def browser(server):
    """A headless Chromium; each test opens its own contexts (a context is one browser profile)."""
    with chromium() as instance:
        yield instance



def _sign_in(page, base: str, name: str, *, path: str = "/") -> None:
    page.goto(base + path)
    page.get_by_role("textbox", name="User name").fill(name)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    _idle(page)


def test_serve_from_another_directory_runs_with_the_projects_streamlit_settings(server, browser):
    context, page = new_page(browser)
    page.goto(server["base"])
    # Single sign-on is on: the [auth] section came from the secrets file the setting names.
    page.get_by_text("Sign in with your organisation account").wait_for()
    _sign_in(page, server["base"], "lee")
    page.get_by_role("heading", name="My work").wait_for()
    _idle(page)
    # The project's light theme, not the dark one of the directory the server started in.
    background = page.evaluate("() => getComputedStyle(document.querySelector('[data-testid=\"stApp\"]')).backgroundColor")
    assert background == "rgb(255, 255, 255)"
    # toolbarMode minimal: no Deploy button and no developer menu entries.
    assert page.get_by_role("button", name="Deploy").count() == 0
    assert page.get_by_text("Deploy", exact=True).count() == 0
    context.close()


def _session_cookie(context) -> dict:
    return next(cookie for cookie in context.cookies() if cookie["name"] == "wb_session")


def test_a_reload_and_a_deep_link_keep_the_person_signed_in(server, browser):
    base = server["base"]
    context, page = new_page(browser)
    # A deep link while signed out: the sign-in form, then the page that was asked for.
    page.goto(base + "/account")
    assert "/auth/sign-in?next=%2Faccount" in page.url
    _sign_in(page, base, "ann", path="/account")
    page.get_by_role("heading", name="Account").wait_for()
    cookie = _session_cookie(context)
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert "wb_session" not in page.evaluate("() => document.cookie")  # scripts on the page cannot read it
    page.reload()
    page.get_by_role("heading", name="Account").wait_for()
    _idle(page)
    assert page.get_by_role("textbox", name="Password").count() == 0
    page.goto(base + "/library")  # a deep link in the same browser: no sign-in in between
    page.get_by_role("heading", name="Library").wait_for()
    assert "/auth/sign-in" not in page.url
    context.close()


def test_no_cookie_gets_the_sign_in_form_and_a_signed_out_cookie_opens_nothing(server, browser):
    base = server["base"]
    lead, page = new_page(browser)
    _sign_in(page, base, "lee")
    page.get_by_role("heading", name="My work").wait_for()
    kept = _session_cookie(lead)

    stranger, other = new_page(browser)  # another browser profile: no cookie
    other.goto(base + "/audit")
    other.get_by_role("textbox", name="Password").wait_for()
    assert "/auth/sign-in" in other.url
    stranger.close()

    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You signed out.").wait_for()
    thief, stolen = new_page(browser)  # a copy of the cookie taken before the sign-out
    thief.add_cookies([{key: kept[key] for key in ("name", "value", "domain", "path", "httpOnly", "sameSite")}])
    stolen.goto(base + "/audit")
    stolen.get_by_text("You signed out.").wait_for()
    stolen.get_by_role("textbox", name="Password").wait_for()
    assert stolen.get_by_role("heading", name="Audit").count() == 0
    thief.close()
    lead.close()


def _cookie_for(base: str, name: str) -> str:
    """Sign in over plain HTTP, as the form does; returns the session cookie's value."""
    import re

    import httpx

    with httpx.Client(base_url=base, follow_redirects=False, timeout=60) as http:
        form = http.get("/auth/sign-in")
        token = re.search(r'name="form_token" value="([^"]+)"', form.text).group(1)
        signed_in = http.post("/auth/sign-in", data={"name": name, "password": PASSWORD, "next": "/", "form_token": token})
        assert signed_in.status_code == 303
        return signed_in.cookies["wb_session"]


def _run_over_websocket(base: str, *, cookie: str | None, session_id: str | None = None) -> tuple[str, str]:
    """Open Streamlit's websocket as its frontend does, ask for one run; returns (session id, everything shown)."""
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from websockets.sync.client import connect

    headers = {"Origin": base}
    if cookie:
        headers["Cookie"] = f"wb_session={cookie}"
    # Streamlit's frontend puts the id of the session to reattach to in the third subprotocol entry.
    protocols = ["streamlit", "no-xsrf-token", session_id] if session_id else ["streamlit"]
    url = base.replace("http://", "ws://") + "/_stcore/stream"
    shown, new_id = [], None
    with connect(url, additional_headers=headers, subprotocols=protocols, open_timeout=30) as websocket:
        rerun = BackMsg()
        rerun.rerun_script.query_string = ""
        websocket.send(rerun.SerializeToString())
        while True:
            message = ForwardMsg()
            message.ParseFromString(websocket.recv(timeout=60))
            kind = message.WhichOneof("type")
            if kind == "new_session":
                new_id = message.new_session.initialize.session_id
            shown.append(str(message))
            if kind == "script_finished":
                break
    return new_id, "\n".join(shown)


def test_a_websocket_that_knows_a_signed_in_session_s_id_but_not_its_cookie_gets_the_sign_in_page(server):
    base = server["base"]
    victim_cookie = _cookie_for(base, "lee")
    victim_id, victim_sees = _run_over_websocket(base, cookie=victim_cookie)
    assert "My work" in victim_sees and "You are not signed in." not in victim_sees
    attacker_id, attacker_sees = _run_over_websocket(base, cookie=None, session_id=victim_id)
    # Not reattached to the victim's Streamlit session (its state, its last page list): a new, empty one.
    assert attacker_id != victim_id
    assert "You are not signed in." in attacker_sees
    assert "My work" not in attacker_sees and "Audit" not in attacker_sees
    # The owner's own browser reconnecting (a network blip) keeps its Streamlit session.
    again_id, again_sees = _run_over_websocket(base, cookie=victim_cookie, session_id=victim_id)
    assert again_id == victim_id and "My work" in again_sees
