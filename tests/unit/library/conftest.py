"""Fixtures for reading libraries: an empty library folder and settings pointing at it."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.settings import Settings


@pytest.fixture
def library(tmp_path: Path) -> Path:
    """An empty library folder."""
    folder = tmp_path / "lib"
    folder.mkdir()
    return folder


@pytest.fixture
def library_settings(tmp_path: Path, library: Path) -> Settings:
    """Settings on the empty library, with a small size cap so oversize files are cheap to make."""
    return Settings(library_dir=library, data_dir=tmp_path / "data", max_file_bytes=50_000, llm_provider="fake")
