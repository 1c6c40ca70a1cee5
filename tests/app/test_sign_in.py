"""Who the app says is signed in: the session behind the cookie, never the Streamlit session's own state."""

from __future__ import annotations

from datetime import timedelta

from tests.app.conftest import TEST_COOKIE_KEY, open_app, session_cookie_for, texts


def _titles(at) -> list[str]:
    return [t.value for t in at.title]


def test_first_run_explains_how_to_create_the_first_lead_and_offers_no_default_account(app_services, app_settings):
    at = open_app()
    assert not at.exception
    assert "No accounts exist yet. Create the first lead from a shell" in texts(at)
    # The command names this server's library and data dir, so pasting it creates the lead where the app looks.
    assert [code.value for code in at.code] == [
        f"workbench --library {app_settings.library_dir.resolve()} --data-dir {app_settings.data_dir.resolve()} "
        "users add NAME --role lead --password-stdin"]
    assert "wb_user" not in at.session_state


def test_without_a_cookie_the_app_shows_only_the_way_to_sign_in(people):
    at = open_app()
    assert not at.exception
    assert _titles(at) == ["L&D Workbench"]
    assert "You are not signed in." in texts(at)
    assert "**[Sign in](/auth/sign-in?next=%2F)**" in [m.value for m in at.markdown]


def test_streamlit_session_state_alone_grants_nothing(people):
    """What a reattached websocket brings (a Streamlit session's state) is not an identity."""
    from streamlit.testing.v1 import AppTest

    from tests.app.conftest import MAIN_SCRIPT

    at = AppTest.from_file(str(MAIN_SCRIPT), default_timeout=120)
    for key, value in {"wb_user": "lee", "wb_via": "password", "wb_last_seen": 1e12}.items():
        at.session_state[key] = value
    at.run()
    assert _titles(at) == ["L&D Workbench"]
    assert "Audit" not in texts(at)


def test_a_signed_cookie_opens_the_person_s_pages_and_signing_out_ends_the_session(people, app_services):
    at = open_app("sam")
    assert not at.exception
    assert _titles(at) == ["My work"]
    cookie = at.session_state[TEST_COOKIE_KEY]
    at.sidebar.button(key="wb_sign_out").click().run()
    assert _titles(at) == ["L&D Workbench"]
    assert "You signed out." in texts(at)
    # The browser still holds the cookie: it opens nothing any more, in this tab or any other.
    again = open_app()
    again.session_state[TEST_COOKIE_KEY] = cookie
    again.run()
    assert _titles(again) == ["L&D Workbench"]
    assert "You signed out." in texts(again)


def test_a_tampered_cookie_is_refused(people):
    cookie = session_cookie_for("lee")
    token, _, mac = cookie.rpartition(".")
    for forged in (token[:-1] + ("A" if token[-1] != "A" else "B") + "." + mac, token + "." + mac[::-1], token, "lee"):
        at = open_app()
        at.session_state[TEST_COOKIE_KEY] = forged
        at.run()
        assert _titles(at) == ["L&D Workbench"], forged


def test_an_idle_session_ends_and_says_so(people, app_services):
    at = open_app("ann")
    assert _titles(at) == ["My work"]
    sessions = app_services.sign_in_sessions
    real_clock = sessions.clock
    sessions.clock = lambda: real_clock() + timedelta(minutes=app_services.settings.session_timeout_minutes, seconds=5)
    try:
        at.run()
    finally:
        sessions.clock = real_clock
    assert _titles(at) == ["L&D Workbench"]
    assert "Your session ended after a time without activity." in texts(at)
    at.run()  # and it stays ended when the clock is back
    assert _titles(at) == ["L&D Workbench"]


def test_a_session_ends_at_its_absolute_expiry_even_when_in_use(people, app_services):
    at = open_app("ann")
    sessions = app_services.sign_in_sessions
    real_clock = sessions.clock
    step = timedelta(minutes=app_services.settings.session_timeout_minutes - 1)
    elapsed = timedelta(0)
    try:
        while elapsed < timedelta(hours=app_services.settings.session_max_hours):
            elapsed += step
            sessions.clock = lambda shift=elapsed: real_clock() + shift
            at.run()
    finally:
        sessions.clock = real_clock
    assert _titles(at) == ["L&D Workbench"]
    assert "Your session reached its maximum length." in texts(at)


def test_disabling_an_account_ends_its_sessions_at_once(people, app_services):
    at = open_app("sam")
    app_services.accounts.disable_user("lee", "sam")
    at.run()
    assert _titles(at) == ["L&D Workbench"]
    assert "Your account is disabled." in texts(at)
    app_services.accounts.disable_user("lee", "sam", disabled=False)
    at.run()  # re-enabling does not bring the old session back
    assert _titles(at) == ["L&D Workbench"]


def test_a_role_change_ends_the_session(people, app_services):
    at = open_app("ann")
    at.switch_page("views/draft_studio.py").run()
    assert _titles(at) == ["Draft studio"]
    app_services.accounts.set_roles("lee", "ann", ["accuracy_reviewer"])
    at.run()
    assert _titles(at) == ["L&D Workbench"]
    assert "Your roles changed. Sign in again." in texts(at)


def test_a_password_change_ends_every_session_of_the_person(people, app_services):
    first, second = open_app("cam"), open_app("cam")
    app_services.accounts.set_password("lee", "cam", "a brand new long password")
    for at in (first, second):
        at.run()
        assert _titles(at) == ["L&D Workbench"]
        assert "Your password changed." in texts(at)


def test_an_oidc_identity_without_a_role_sees_what_to_give_a_lead(people, app_services):
    user = app_services.accounts.user_for_identity("https://idp.example.com", "subject-123", "Olga")
    at = open_app()
    at.session_state[TEST_COOKIE_KEY] = session_cookie_for(user.name, "oidc")
    at.run()
    assert not at.exception
    assert _titles(at) == ["No access yet"]
    assert "subject-123" in "\n".join(c.value for c in at.code)
    at.button(key="wb_no_access_sign_out").click().run()
    assert _titles(at) == ["L&D Workbench"]
    assert "You signed out." in texts(at)


def test_an_account_left_without_roles_sees_no_page_but_can_sign_out(people, app_services):
    app_services.accounts.set_roles("lee", "sam", [])
    at = open_app("sam")
    assert _titles(at) == ["No access yet"]
    at.button(key="wb_no_access_sign_out").click().run()
    assert _titles(at) == ["L&D Workbench"]
