"""Fixtures for gap detection: the session's indexed sample library (tests/conftest.py) and its report."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

SAMPLE_TODAY = date(2026, 11, 27)  # "today" of the sample library's README


@pytest.fixture(scope="session")
def sample_report(indexed_sample):
    """The gap report of the sample library against its own framework, as of the sample's 'today'."""
    from workbench.gaps.service import GapService

    settings, services = indexed_sample
    return GapService(settings, services.index, today=SAMPLE_TODAY).report()


@pytest.fixture
def services_for(embedder):
    """A factory of (settings, services) for any library folder, sharing the session's embedder."""
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    def make(library: Path, data_dir: Path):
        settings = Settings(library_dir=library, data_dir=data_dir, llm_provider="fake")
        return settings, bootstrap(settings, embedder=embedder)

    return make
