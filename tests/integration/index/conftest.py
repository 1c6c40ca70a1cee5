"""Fixtures for the index: small libraries and the session's indexed sample library (tests/conftest.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.libraries import write_library
from workbench.settings import Settings

SMALL_LIBRARY = {
    "feedback/giving-feedback.md": (
        "---\nid: fb-giving\ntitle: Giving feedback\nlast_reviewed: 2025-01-10\n---\n"
        "# Giving feedback\n\nTell a colleague what they did, what effect it had, and what to do next time.\n\n"
        "## Timing\n\nGive feedback soon after the event, in private, and ask for their view.\n"
    ),
    "security/phishing.md": (
        "# Spotting phishing\n\nCheck the sender address and hover over links before clicking.\n\n"
        "## Reporting\n\nReport suspicious emails with the report button; never forward them.\n"
    ),
    "wellbeing/sleep.md": (
        "# Sleep and performance\n\nRegular sleep improves focus and mood. Keep screens out of the bedroom.\n"
    ),
}


@pytest.fixture
def small_library(tmp_path: Path) -> Path:
    """Three small modules, one with front matter."""
    return write_library(tmp_path / "lib", SMALL_LIBRARY)


@pytest.fixture
def small_settings(tmp_path: Path, small_library: Path) -> Settings:
    """Settings on the small library with a private data dir."""
    return Settings(library_dir=small_library, data_dir=tmp_path / "data", llm_provider="fake")


@pytest.fixture
def small_index(small_settings, embedder):
    """A LibraryIndex on the small library (not built yet)."""
    from workbench.index.service import LibraryIndex

    return LibraryIndex(small_settings, embedder)


@pytest.fixture(scope="session")
def sample_index(indexed_sample):
    """The session's indexed sample library: its index and the report of bringing it up to date."""
    _, services = indexed_sample
    return services.index, services.index.build()
