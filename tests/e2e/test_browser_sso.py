"""Single sign-on in headless Chromium against a real OpenID Connect provider on loopback.

The provider is the certified `oidc-provider` (npm, installed by .ci/run under .workbench/tools),
started by tests/support/oidc/provider.mjs with the workbench registered as its client. People sign
in on its development login form; the workbench goes through Streamlit's `st.login` routes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.e2e.test_browser import CHROMIUM, PASSWORD, PROJECT_ROOT, _free_port, _idle, new_page, serve_workbench
from tests.e2e.lms_support import chromium
from tests.support.libraries import FEEDBACK, SKILLS
from tests.support.people import FAST_HASHER, add_people

PROVIDER_SCRIPT = PROJECT_ROOT / "tests" / "support" / "oidc" / "provider.mjs"
PROVIDER_MODULE = PROJECT_ROOT / ".workbench" / "tools" / "node_modules" / "oidc-provider" / "lib" / "index.js"
NODE = shutil.which("node")
CLIENT_ID, CLIENT_SECRET = "workbench", "a-client-secret-for-the-sso-tests"
# Short, so that the test can see an identity cookie expire; the sign-in itself takes a second or two.
IDENTITY_MAX_AGE = 20

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="headless Chromium is not installed at /usr/bin/chromium (apt-get install chromium)"),
    pytest.mark.skipif(NODE is None, reason="node is not installed: the OpenID provider for the single sign-on tests needs it"),
    pytest.mark.skipif(not PROVIDER_MODULE.exists(),
                       reason="oidc-provider is not installed (npm install --prefix .workbench/tools oidc-provider@8.8.1, as .ci/run does)"),
]


class OpenIDProvider:
    """oidc-provider on a loopback port, with the workbench as its one client; can be stopped and started again."""

    def __init__(self, port: int, redirect_uri: str, log: Path) -> None:
        self.port, self.redirect_uri, self.log_path = port, redirect_uri, log
        self.issuer = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the provider and wait for it to say it listens."""
        log = self.log_path.open("a")
        self.process = subprocess.Popen(
            [NODE, str(PROVIDER_SCRIPT), str(PROVIDER_MODULE), str(self.port), self.redirect_uri, CLIENT_ID, CLIENT_SECRET],
            stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + 30
        while f"ready {self.issuer}" not in self.log_path.read_text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the OpenID provider did not start:\n{self.log_path.read_text()}")
            time.sleep(0.2)

    def stop(self) -> None:
        """Stop the provider: its port then refuses connections."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
        self.process = None


@pytest.fixture(scope="module")
def sso(tmp_path_factory):
    """The provider and `workbench serve` with an [auth] section pointing at it; one local lead, lee."""
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    root = tmp_path_factory.mktemp("sso")
    library, data_dir = root / "library", root / "data"
    library.mkdir()
    (library / "giving-feedback.md").write_text(FEEDBACK, encoding="utf-8")
    (library / "skills.yaml").write_text(SKILLS, encoding="utf-8")
    services = bootstrap(Settings(library_dir=library, data_dir=data_dir, llm_provider="fake"), password_hasher=FAST_HASHER)
    add_people(services.accounts, {"lee": ["lead"]}, PASSWORD)
    services.database.dispose()

    workbench_port, provider_port = _free_port(), _free_port()
    redirect_uri = f"http://127.0.0.1:{workbench_port}/oauth2callback"
    provider = OpenIDProvider(provider_port, redirect_uri, root / "provider.log")
    secrets = root / "secrets.toml"
    # oidc-provider, like several providers, does not offer prompt=select_account (Streamlit's default).
    secrets.write_text(
        f'[auth]\nredirect_uri = "{redirect_uri}"\ncookie_secret = "a-cookie-secret-for-the-sso-browser-tests"\n'
        f'client_id = "{CLIENT_ID}"\nclient_secret = "{CLIENT_SECRET}"\n'
        f'server_metadata_url = "{provider.issuer}/.well-known/openid-configuration"\n'
        'client_kwargs = { prompt = "login" }\n', encoding="utf-8")
    env = {"WORKBENCH_LLM_PROVIDER": "fake", "WORKBENCH_STREAMLIT_SECRETS_FILE": str(secrets),
           "WORKBENCH_SSO_IDENTITY_MAX_AGE_SECONDS": str(IDENTITY_MAX_AGE)}
    provider.start()
    try:
        with serve_workbench(root, library, data_dir, env, port=workbench_port) as base:
            yield {"base": base, "provider": provider, "library": library, "data_dir": data_dir}
    finally:
        provider.stop()


@pytest.fixture
def browser(sso):
    """A headless Chromium; each test opens its own contexts (a context is one browser profile)."""
    with chromium() as instance:
        yield instance



def _through_the_provider(page, base: str, login: str) -> None:
    """From the workbench's sign-in page, over the provider's login form, and back."""
    page.goto(base)
    page.get_by_role("link", name="Sign in with your organisation account").click()
    page.wait_for_url(re.compile(r"http://127\.0\.0\.1:\d+/interaction/"))
    page.locator('input[name="login"]').fill(login)
    page.locator('input[name="password"]').fill("anything")
    page.get_by_role("button", name="Sign-in").click()


def _workbench(ctx_args: list[str], sso: dict) -> str:
    command = [str(Path(sys.executable).parent / "workbench"), "--library", str(sso["library"]),
               "--data-dir", str(sso["data_dir"]), *ctx_args]
    done = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "WORKBENCH_LLM_PROVIDER": "fake"}, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _cookie(context, name: str) -> dict | None:
    return next((c for c in context.cookies() if c["name"] == name), None)


def _choose(page, label: str, option: str) -> None:
    """Pick an option of a select box or multiselect as a keyboard user does: type it, then take it from the list."""
    page.get_by_role("combobox", name=label, exact=True).click()
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()


def _grant_in_the_app(browser, base: str, name: str, role: str) -> None:
    """The local lead signs in, opens Audit's "Users and roles", gives `name` the role and sees it saved."""
    from playwright.sync_api import expect

    context, page = new_page(browser)
    try:
        page.goto(base)
        page.get_by_role("textbox", name="User name").fill("lee")
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_role("heading", name="My work").wait_for()
        _idle(page)
        page.locator('[data-testid="stSidebarNav"]').get_by_text("Audit", exact=True).click()
        page.get_by_role("heading", name="Audit").first.wait_for()
        _idle(page)
        page.get_by_role("tab", name="Users and roles").click()
        page.get_by_role("heading", name="Change roles or disable").wait_for()
        _choose(page, "User", name)
        _idle(page)
        _choose(page, "Roles of the chosen user", role)
        page.keyboard.press("Escape")  # closes the open list of roles before the button below is clicked
        _idle(page)
        page.get_by_role("button", name="Save roles").click()
        page.get_by_text(f"Roles of {name} saved.").wait_for()
        _idle(page)
        # The tab stays open with the person still chosen (a hidden tab's widgets have no role to find).
        expect(page.get_by_role("combobox", name="User", exact=True)).to_have_value(name)
    except Exception:
        # Kept after the run (CI artifacts), with what a screen reader would have found on the page.
        shots = PROJECT_ROOT / "test-output" / "browser"
        shots.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(shots / "sso-lead-grants-a-role.png"), full_page=True)
        print(page.locator("body").aria_snapshot())
        raise
    finally:
        context.close()


def test_a_new_identity_waits_for_a_role_then_reaches_its_pages_and_signing_out_ends_the_session(sso, browser):
    base, issuer = sso["base"], sso["provider"].issuer
    context, page = new_page(browser)
    _through_the_provider(page, base, "dana.lopez")
    page.get_by_role("heading", name="No access yet").wait_for()
    _idle(page)
    identity = page.locator('[data-testid="stCode"]').inner_text()
    assert f"issuer:  {issuer}" in identity and "subject: dana.lopez" in identity
    # From here on only the workbench's own HttpOnly session cookie says who this is.
    assert _cookie(context, "wb_session")["httpOnly"] is True
    assert [c["name"] for c in context.cookies() if c["name"].startswith("_streamlit_user")] == []
    assert "Dana-Lopez" in _workbench(["users", "list"], sso)

    # The lead, signed in locally in another browser profile, grants the role on the Audit page.
    _grant_in_the_app(browser, base, "Dana-Lopez", "author")
    assert "Dana-Lopez: author" in _workbench(["users", "list"], sso).splitlines()
    # Dana's session ends with the reason.
    page.reload()
    page.get_by_text("Your roles changed. Sign in again.").wait_for()

    _through_the_provider(page, base, "dana.lopez")
    page.get_by_role("heading", name="My work").wait_for()
    _idle(page)
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert "Signed in as Dana Lopez" in sidebar.inner_text()
    sidebar.get_by_text("Draft studio", exact=True).wait_for()
    assert sidebar.get_by_text("Audit", exact=True).count() == 0

    session_cookie = _cookie(context, "wb_session")
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You signed out.").wait_for()
    context.close()

    # A copy of the ended session's cookie opens nothing.
    copied, stale = new_page(browser)
    copied.add_cookies([{k: session_cookie[k] for k in ("name", "value", "domain", "path")}])
    stale.goto(base + "/draft_studio")
    stale.get_by_role("textbox", name="User name").wait_for()
    assert "/auth/sign-in" in stale.url
    assert stale.get_by_role("heading", name="My work").count() == 0
    copied.close()


def _held_identity_cookies(browser, sso: dict, login: str):
    """Sign in at the provider but stop after Streamlit's callback, before the workbench turns the identity into a session.

    The browser's own cookie jar follows the redirects by hand (the context's request client shares it),
    so the identity cookie Streamlit set is there to be kept, edited or aged.
    """
    from urllib.parse import urljoin

    context, page = new_page(browser)
    page.goto(sso["base"])
    page.get_by_role("link", name="Sign in with your organisation account").click()
    page.wait_for_url(re.compile(r"http://127\.0\.0\.1:\d+/interaction/"))
    url = urljoin(page.url, page.locator("form").first.get_attribute("action"))
    response = context.request.post(url, form={"prompt": "login", "login": login, "password": "anything"}, max_redirects=0)
    while "/oauth2callback" not in url:
        assert response.status in (302, 303), f"{url} answered {response.status}: {response.text()[:300]}"
        url = urljoin(url, response.headers["location"])
        response = context.request.get(url, max_redirects=0)
    held = [c for c in context.cookies() if c["name"].startswith("_streamlit_user")]
    assert held, "Streamlit's callback set no identity cookie"
    return context, page, held


def _registered(sso: dict, login: str) -> bool:
    return f"{login}" in _workbench(["users", "list"], sso)


def test_a_tampered_identity_cookie_is_refused_and_the_genuine_one_starts_one_session_only(sso, browser):
    base = sso["base"]
    context, page, held = _held_identity_cookies(browser, sso, "tom.tamper")
    genuine = held[0]["value"]
    # A signed value ends with its signature (hex): two changed digits, as a forger editing the claims would leave.
    tampered = genuine[:-2] + ("00" if not genuine.endswith("00") else "11")
    context.add_cookies([{**{k: held[0][k] for k in ("name", "domain", "path")}, "value": tampered}])
    page.goto(base + "/auth/sso/continue")
    page.get_by_text("Single sign-on did not complete. Try again, or use a local account.").wait_for()
    assert _cookie(context, "wb_session") is None
    assert not _registered(sso, "Tom")

    # The same browser with the untouched cookie: it was the tampering that was refused.
    context.add_cookies([{**{k: held[0][k] for k in ("name", "domain", "path")}, "value": genuine}])
    page.goto(base + "/auth/sso/continue")
    page.get_by_role("heading", name="No access yet").wait_for()
    _idle(page)
    assert _registered(sso, "Tom-Tamper")

    # Once used, the same identity is worth nothing: after signing out, a kept copy starts no session.
    page.get_by_role("button", name="Sign out").click()
    page.get_by_text("You signed out.").wait_for()
    context.add_cookies([{**{k: held[0][k] for k in ("name", "domain", "path")}, "value": genuine}])
    page.goto(base + "/auth/sso/continue")
    page.get_by_text("Single sign-on did not complete. Try again, or use a local account.").wait_for()
    page.goto(base)
    page.get_by_role("textbox", name="User name").wait_for()
    assert page.get_by_role("heading", name="No access yet").count() == 0
    context.close()


def test_an_expired_identity_cookie_is_refused(sso, browser):
    base = sso["base"]
    context, page, _held = _held_identity_cookies(browser, sso, "old.otto")
    time.sleep(IDENTITY_MAX_AGE + 2)
    page.goto(base + "/auth/sso/continue")
    page.get_by_text("Single sign-on did not complete. Try again, or use a local account.").wait_for()
    assert _cookie(context, "wb_session") is None
    assert [c["name"] for c in context.cookies() if c["name"].startswith("_streamlit_user")] == []
    assert not _registered(sso, "Old-Otto")
    context.close()


def test_with_the_provider_down_the_sign_in_page_says_so_and_local_sign_in_still_works(sso, browser):
    base, provider = sso["base"], sso["provider"]
    provider.stop()
    try:
        context, page = new_page(browser)
        page.goto(base)
        page.get_by_role("link", name="Sign in with your organisation account").click()
        page.get_by_text("The organisation's sign-in service cannot be reached right now.").wait_for()
        assert "/auth/sign-in" in page.url
        page.get_by_role("textbox", name="User name").fill("lee")
        page.get_by_role("textbox", name="Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in", exact=True).click()
        page.get_by_role("heading", name="My work").wait_for()
        context.close()
    finally:
        provider.start()
