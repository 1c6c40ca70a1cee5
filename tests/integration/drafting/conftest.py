"""Fixtures for drafting: a small real library, real index and embedder, real review queue, fake LLM content."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.libraries import DELEGATION, FEEDBACK, POISONED, write_library
from tests.support.services import services_on
from workbench.domain.drafts import Brief


# A lead and an author, as every drafting test acts.
AUTHORS = {"lena": ["lead"], "ana": ["author"]}


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """A small library with one poisoned file (shared by the tests of a file: they do not change it)."""
    return write_library(
        tmp_path_factory.mktemp("drafting") / "library",
        {"feedback/giving-feedback.md": FEEDBACK, "leadership/delegating.md": DELEGATION, "feedback/culture.md": POISONED},
    )


@pytest.fixture(scope="module")
def services(tmp_path_factory, library: Path, embedder):
    """Services over the small library, indexed once (shared by the tests of a file)."""
    services = services_on(tmp_path_factory.mktemp("data") / "data", library, embedder, AUTHORS, llm_max_retries=2)
    services.index.build()
    return services


@pytest.fixture
def brief() -> Brief:
    """A brief on giving feedback."""
    return Brief(topic="Giving feedback to team members", skill_ids=["fb-giving"], audience="team leads", question_count=2)
