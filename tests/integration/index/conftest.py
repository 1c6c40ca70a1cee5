"""Fixtures for the index: the real packaged embedder (loaded once), small libraries, a built sample index."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbench.settings import Settings

SAMPLE_LIBRARY = Path(__file__).resolve().parents[3] / "content_library"

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


@pytest.fixture(scope="session")
def embedder():
    """The packaged all-MiniLM-L6-v2, loaded once for the whole test session."""
    from workbench.index.embedder import build_embedder

    built = build_embedder(Settings())
    built.embed(["warm up"])  # load the model now, not inside the first timed test
    return built


def write_library(root: Path, files: dict[str, str]) -> Path:
    """Write a library of markdown files under root."""
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


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
def sample_index(tmp_path_factory, embedder):
    """The shipped sample library, copied and indexed once for the session."""
    from workbench.index.service import LibraryIndex

    if not any(SAMPLE_LIBRARY.rglob("*.md")):
        pytest.skip("content_library/ holds no modules")
    root = tmp_path_factory.mktemp("sample")
    shutil.copytree(SAMPLE_LIBRARY, root / "library")
    settings = Settings(library_dir=root / "library", data_dir=root / "data", llm_provider="fake")
    index = LibraryIndex(settings, embedder)
    report = index.build()
    return index, report
