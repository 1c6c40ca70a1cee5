"""Signing in and out: local accounts, OIDC identities, timeouts, revoked roles."""

from __future__ import annotations

import time

from tests.app.conftest import PASSWORD, open_app, texts


def _sign_in(at, name: str, password: str):
    at.text_input(key="wb_sign_in_name").input(name)
    at.text_input(key="wb_sign_in_password").input(password)
    return at.button[0].click().run()


def test_first_run_explains_how_to_create_the_first_lead_and_offers_no_default_account(app_services, app_settings):
    at = open_app()
    assert not at.exception
    assert "No accounts exist yet. Create the first lead from a shell" in texts(at)
    # The command names this server's library and data dir, so pasting it creates the lead where the app looks.
    assert [code.value for code in at.code] == [
        f"workbench --library {app_settings.library_dir.resolve()} --data-dir {app_settings.data_dir.resolve()} "
        "users add NAME --role lead --password-stdin"]
    assert "wb_user" not in at.session_state


def test_wrong_password_is_refused_and_nobody_is_signed_in(people):
    at = _sign_in(open_app(), "sam", "not the password")
    assert not at.exception
    assert [e.value for e in at.error] == ["unknown user, wrong password or disabled account"]
    assert "wb_user" not in at.session_state
    assert [t.value for t in at.title] == ["L&D Workbench"]


def test_signing_in_opens_the_first_page_of_the_role_and_signing_out_ends_it(people):
    at = _sign_in(open_app(), "sam", PASSWORD)
    assert not at.exception
    assert at.session_state["wb_user"] == "sam"
    assert [t.value for t in at.title] == ["My work"]
    at.sidebar.button(key="wb_sign_out").click().run()
    assert "wb_user" not in at.session_state
    assert "You signed out." in texts(at)


def test_an_idle_session_times_out(people, app_services):
    at = open_app("ann")
    assert [t.value for t in at.title] == ["My work"]
    idle = app_services.settings.session_timeout_minutes * 60 + 5
    at.session_state["wb_last_seen"] = time.time() - idle
    at.run()
    assert "wb_user" not in at.session_state
    assert "timed out" in texts(at)
    assert [t.value for t in at.title] == ["L&D Workbench"]


def test_a_disabled_account_is_signed_out_on_its_next_click(people, app_services):
    at = open_app("sam")
    app_services.accounts.disable_user("lee", "sam")
    at.run()
    assert "wb_user" not in at.session_state
    assert "disabled" in texts(at)


def test_a_revoked_role_closes_its_pages_at_once(people, app_services):
    at = open_app("ann")
    at.switch_page("views/draft_studio.py").run()
    assert [t.value for t in at.title] == ["Draft studio"]
    app_services.accounts.set_roles("lee", "ann", ["accuracy_reviewer"])
    at.run()
    # The studio is gone from the menu: the router falls back to the first page the new role opens.
    assert "Draft studio" not in [t.value for t in at.title]
    assert not at.exception


def _oidc_app(issuer: str, subject: str, name: str):
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import MAIN_SCRIPT

    at = AppTest.from_file(str(MAIN_SCRIPT), default_timeout=30)
    at.secrets["auth"] = {"redirect_uri": "http://127.0.0.1:8501/oauth2callback", "cookie_secret": "x" * 32,
                          "client_id": "wb", "client_secret": "s", "server_metadata_url": "https://idp.invalid/.well-known/openid-configuration"}
    at.user = {"is_logged_in": True, "iss": issuer, "sub": subject, "name": name, "email": f"{name}@example.com"}
    return at


def test_an_unknown_oidc_identity_gets_no_role_until_a_lead_grants_one(people, app_services):
    at = _oidc_app("https://idp.example.com", "subject-123", "Olga").run()
    assert not at.exception
    assert [t.value for t in at.title] == ["No access yet"]
    assert "subject-123" in "\n".join(c.value for c in at.code)
    registered = [u for u in app_services.accounts.list_users() if u.oidc_subject == "subject-123"]
    assert len(registered) == 1 and not registered[0].roles

    app_services.accounts.set_roles("lee", registered[0].name, ["cultural_reviewer"])
    at.run()
    assert [t.value for t in at.title] == ["My work"]
    assert at.session_state["wb_user"] == registered[0].name


def test_the_sign_in_page_offers_the_identity_provider_when_auth_is_configured(people):
    at = _oidc_app("https://idp.example.com", "s", "x")
    at.user = {"is_logged_in": False}
    at.run()
    assert "Sign in with your organisation account" in [b.label for b in at.button]


def test_an_account_left_without_roles_sees_no_page_but_can_sign_out(people, app_services):
    app_services.accounts.set_roles("lee", "sam", [])
    at = open_app("sam")
    assert [t.value for t in at.title] == ["No access yet"]
    at.button(key="wb_no_access_sign_out").click().run()
    assert "wb_user" not in at.session_state
    assert [t.value for t in at.title] == ["L&D Workbench"]
