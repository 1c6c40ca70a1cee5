"""Fixtures for publishing: a small library and a stand-in index (the review fixtures come from tests/conftest.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from workbench.settings import Settings

HAND_WRITTEN = "---\nid: intro\ntitle: Intro\n---\n\n# Intro\n\nWritten by hand; must never be overwritten.\n"


class RecordingIndex:
    """Stands in for the Chroma index: remembers the sha256 of each file when it was (re)indexed."""

    def __init__(self, library_dir: Path) -> None:
        self.library_dir = library_dir
        self.indexed: dict[str, str] = {}
        self.pushed: list[str | None] = []  # the library commit named with each write
        self.fail = False

    def reindex_paths(self, relative_paths: list[str], pushed: str | None = None) -> None:
        self.pushed.append(pushed)
        if self.fail:
            raise RuntimeError("index is unavailable")
        for relative in relative_paths:
            path = self.library_dir / relative
            if path.exists():
                self.indexed[relative] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                self.indexed.pop(relative, None)

    def remove_paths(self, relative_paths: list[str], pushed: str | None = None) -> None:
        self.pushed.append(pushed)
        if self.fail:
            raise RuntimeError("index is unavailable")
        for relative in relative_paths:
            self.indexed.pop(relative, None)


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """A small library with a hand-written module where a slug would land."""
    root = tmp_path / "library"
    (root / "published").mkdir(parents=True)
    (root / "published" / "intro.md").write_text(HAND_WRITTEN, encoding="utf-8")
    (root / "communication").mkdir()
    (root / "communication" / "listening.md").write_text("# Active listening\n\nListen first.\n", encoding="utf-8")
    return root


@pytest.fixture
def publish_settings(library: Path, tmp_path: Path) -> Settings:
    """Settings pointing at the small library."""
    return Settings(library_dir=library, data_dir=tmp_path / "data", llm_provider="fake")


@pytest.fixture
def index(library: Path) -> RecordingIndex:
    """The stand-in index."""
    return RecordingIndex(library)
