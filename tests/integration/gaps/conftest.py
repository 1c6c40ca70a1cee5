"""Fixtures for gap detection: one embedder and one indexed copy of the sample library per session."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

SAMPLE_TODAY = date(2026, 11, 27)  # "today" of the sample library's README


@pytest.fixture(scope="session")
def gap_embedder():
    """The packaged MiniLM, loaded once for every gap test."""
    from workbench.index.embedder import build_embedder
    from workbench.settings import Settings

    return build_embedder(Settings())


@pytest.fixture(scope="session")
def indexed_sample(tmp_path_factory, project_root, gap_embedder):
    """(settings, services) for a private copy of the sample library, indexed once per session."""
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    root = tmp_path_factory.mktemp("gaps-sample")
    library = root / "library"
    shutil.copytree(project_root / "content_library", library)
    settings = Settings(library_dir=library, data_dir=root / "data", llm_provider="fake")
    services = bootstrap(settings, embedder=gap_embedder)
    services.index.build()
    return settings, services


@pytest.fixture(scope="session")
def sample_report(indexed_sample):
    """The gap report of the sample library against its own framework, as of the sample's 'today'."""
    from workbench.gaps.service import GapService

    settings, services = indexed_sample
    return GapService(settings, services.index, today=SAMPLE_TODAY).report()


@pytest.fixture
def services_for(gap_embedder):
    """A factory of (settings, services) for any library folder, sharing the session's embedder."""
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    def make(library: Path, data_dir: Path):
        settings = Settings(library_dir=library, data_dir=data_dir, llm_provider="fake")
        return settings, bootstrap(settings, embedder=gap_embedder)

    return make
