"""Fixtures for drafting: a small real library, real index and embedder, real review queue, fake LLM content."""

from __future__ import annotations

from pathlib import Path

import pytest

from drafting_fixtures import DELEGATION, FEEDBACK, POISONED, make_services, write_library
from workbench.domain.drafts import Brief


@pytest.fixture(scope="session")
def shared_embedder():
    """One embedding model for the whole session (loading it is the slow part)."""
    from workbench.index.embedder import build_embedder
    from workbench.settings import Settings

    return build_embedder(Settings())


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Path:
    """A small library with one poisoned file (shared by the tests of a file: they do not change it)."""
    return write_library(
        tmp_path_factory.mktemp("drafting") / "library",
        {"feedback/giving-feedback.md": FEEDBACK, "leadership/delegating.md": DELEGATION, "feedback/culture.md": POISONED},
    )


@pytest.fixture(scope="module")
def services(tmp_path_factory, library: Path, shared_embedder):
    """Services over the small library, indexed once (shared by the tests of a file)."""
    services = make_services(tmp_path_factory.mktemp("data"), library, shared_embedder)
    services.index.build()
    return services


@pytest.fixture
def brief() -> Brief:
    """A brief on giving feedback."""
    return Brief(topic="Giving feedback to team members", skill_ids=["fb-giving"], audience="team leads", question_count=2)
