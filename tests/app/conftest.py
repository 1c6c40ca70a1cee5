"""Fixtures for the app tests: real services on tmp_path (SQLite, a small library, the fake LLM)."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

MAIN_SCRIPT = Path(__file__).resolve().parents[2] / "workbench" / "app" / "main.py"
PASSWORD = "correct horse battery"
USERS = {
    "lee": ["lead"],
    "ann": ["author"],
    "sam": ["accuracy_reviewer"],
    "cam": ["cultural_reviewer"],
    "eve": ["ethics_reviewer"],
}


FEEDBACK = """---
id: giving-feedback
title: Giving feedback with SBI
skills: [fb-giving]
level: foundation
status: published
last_reviewed: 2020-01-15
---

# Giving feedback with SBI

## Situation, behaviour, impact

Describe the situation, the behaviour you saw and its impact. Keep it specific and timely, and talk
about the work rather than the person.

## Agreeing next steps

End the conversation by agreeing one next step and a date to check in.
"""

DELEGATION = """# Delegating effectively

## How to hand over a task

Explain the outcome you need, the deadline, the decisions the person can take alone and when you
will check in. Offer support without taking the task back.
"""

SKILLS = """framework:
  id: test
  name: Test framework
skills:
  - id: fb-giving
    name: Giving feedback
    level: foundation
    priority: high
    group: Feedback
  - id: ai-prompting
    name: Writing prompts for AI assistants
    level: intermediate
    priority: critical
    group: Data and AI
"""


@pytest.fixture(scope="session")
def shared_embedder():
    """One embedding model for the whole session (loading it is the slow part)."""
    from workbench.index.embedder import build_embedder
    from workbench.settings import Settings

    return build_embedder(Settings())


@pytest.fixture
def small_library(tmp_path: Path) -> Path:
    """A two-module library with a skills framework: enough for every page, fast to index."""
    root = tmp_path / "small_library"
    (root / "feedback").mkdir(parents=True)
    (root / "feedback" / "giving-feedback.md").write_text(FEEDBACK, encoding="utf-8")
    (root / "delegating.md").write_text(DELEGATION, encoding="utf-8")
    (root / "skills.yaml").write_text(SKILLS, encoding="utf-8")
    return root


@pytest.fixture
def app_settings(tmp_path: Path, small_library: Path):
    """Settings on tmp_path: the small library, SQLite, the fake LLM."""
    from workbench.settings import Settings

    return Settings(library_dir=small_library, data_dir=tmp_path / "data", llm_provider="fake")


@pytest.fixture
def app_services(app_settings, shared_embedder):
    """The composition root the pages use, built on tmp_path and injected into the app."""
    from workbench.app.services import use_services
    from workbench.bootstrap import bootstrap

    settings = app_settings

    from argon2 import PasswordHasher

    from review.service import ReviewService

    services = bootstrap(settings, embedder=shared_embedder)
    # Cheap hashing parameters keep the tests fast; the algorithm and the checks are the real ones.
    services.review = ReviewService(services.database, password_hasher=PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    use_services(services)
    yield services
    use_services(None)


@pytest.fixture
def people(app_services):
    """One lead, one author and one reviewer per dimension, all with the same test password."""
    review = app_services.review
    review.add_user("lee", PASSWORD, USERS["lee"])
    for name, roles in USERS.items():
        if name != "lee":
            review.add_user(name, PASSWORD, roles, actor="lee")
    return USERS


def open_app(name: str | None = None, *, timeout: float = 120):
    """An AppTest of the workbench, signed in as `name` (or signed out), after its first run."""
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(MAIN_SCRIPT), default_timeout=timeout)
    if name:
        at.session_state["wb_user"] = name
        at.session_state["wb_via"] = "password"
        at.session_state["wb_last_seen"] = time.time()
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
    from tests.app.replies import queue_draft
    from workbench.domain.drafts import Brief

    brief = Brief(topic="Giving feedback to team members", skill_ids=["fb-giving"], question_count=2)
    queue_draft(app_services, brief)
    return app_services.drafting.create_draft("ann", brief, submit=True).draft_id
