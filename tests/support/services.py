"""A composition root for tests: real index, database and prompts on tmp_path; the fake LLM for content."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.support.people import FAST_HASHER, PASSWORD, add_people


def services_on(data_dir: Path, library: Path, embedder: Any, people: dict[str, list[str]] | None = None, **settings: Any):
    """Services over a library with a data dir of their own, and the given people (the first a lead)."""
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    configured = Settings(library_dir=library, data_dir=data_dir, **{"llm_provider": "fake", **settings})
    services = bootstrap(configured, embedder=embedder, password_hasher=FAST_HASHER)
    if people:
        add_people(services.accounts, people, PASSWORD)
    return services
