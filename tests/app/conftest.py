"""Fixtures for the app tests: real services on tmp_path (SQLite, a small library, the fake LLM)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support.libraries import DELEGATION, FEEDBACK, SKILLS, write_library
from tests.support.people import FAST_HASHER, PASSWORD, add_people

MAIN_SCRIPT = Path(__file__).resolve().parents[2] / "workbench" / "app" / "main.py"
USERS = {
    "lee": ["lead"],
    "ann": ["author"],
    "sam": ["accuracy_reviewer"],
    "cam": ["cultural_reviewer"],
    "eve": ["ethics_reviewer"],
}


@pytest.fixture
def small_library(tmp_path: Path) -> Path:
    """A two-module library with a skills framework: enough for every page, fast to index."""
    return write_library(tmp_path / "small_library", {"feedback/giving-feedback.md": FEEDBACK, "delegating.md": DELEGATION,
                                                      "skills.yaml": SKILLS})


@pytest.fixture
def app_settings(tmp_path: Path, small_library: Path):
    """Settings on tmp_path: the small library, SQLite, the fake LLM."""
    from workbench.settings import Settings

    return Settings(library_dir=small_library, data_dir=tmp_path / "data", llm_provider="fake")


@pytest.fixture
def app_services(app_settings, embedder):
    """The composition root the pages use, built on tmp_path and injected into the app."""
    from workbench.app.services import use_services
    from workbench.bootstrap import bootstrap

    services = bootstrap(app_settings, embedder=embedder, password_hasher=FAST_HASHER)
    use_services(services)
    yield services
    use_services(None)


# AppTest has no browser, so no cookie jar: each AppTest carries the cookie its browser would send
# in its own session state, and the app's cookie reader is pointed there. Everything behind the
# cookie (signature, session lookup, expiry, roles) is the real code.
TEST_COOKIE_KEY = "wb_test_browser_cookie"


@pytest.fixture(autouse=True)
def cookies_from_the_test(monkeypatch):
    """The app reads its session cookie from the AppTest's simulated browser."""
    import streamlit as st

    from workbench.app import session

    monkeypatch.setattr(session, "presented_cookie", lambda: st.session_state.get(TEST_COOKIE_KEY))


def session_cookie_for(name: str, via: str = "password") -> str:
    """A real session for `name` in the app's database, as the signed cookie the sign-in route would set."""
    from workbench.app import session_cookie
    from workbench.app.services import get_services

    services = get_services()
    token = services.sign_in_sessions.create(name, via)
    return session_cookie.sign(token, session_cookie.load_secret(services.settings))


@pytest.fixture
def people(app_services):
    """One lead, one author and one reviewer per dimension, all with the same test password."""
    add_people(app_services.accounts, USERS)
    return USERS


def open_app(name: str | None = None, *, timeout: float = 120):
    """An AppTest of the workbench, signed in as `name` (a real session and its cookie) or signed out."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(MAIN_SCRIPT), default_timeout=timeout)
    if name:
        at.session_state[TEST_COOKIE_KEY] = session_cookie_for(name)
    return at.run()


def open_page(name: str, page: str, *, timeout: float = 120):
    """An AppTest signed in as `name`, showing the page script `views/<page>.py`."""
    at = open_app(name, timeout=timeout)
    at.switch_page(f"views/{page}.py")
    return at.run()


def texts(at) -> str:
    """Every piece of visible text of the last run, joined (titles, text, captions, markdown, alerts)."""
    parts = []
    for kind in ("title", "header", "subheader", "text", "caption", "markdown", "info", "warning", "error", "success"):
        parts += [str(element.value) for element in getattr(at, kind)]
    # Untrusted text reaches alerts with its markdown escaped; tests read it as the user sees it.
    return re.sub(r"\\(.)", r"\1", "\n".join(parts))


@pytest.fixture
def submitted_draft(app_services, people) -> int:
    """A draft by the author, drafted with scripted model replies and submitted for review."""
    from tests.support.replies import queue_draft
    from workbench.domain.drafts import Brief

    brief = Brief(topic="Giving feedback to team members", skill_ids=["fb-giving"], question_count=2)
    queue_draft(app_services, brief, build_index=True)
    return app_services.drafting.create_draft("ann", brief, submit=True).draft_id
