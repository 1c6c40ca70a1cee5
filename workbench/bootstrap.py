"""The composition root: builds every service from one Settings object.

Entry points (CLI, app, benchmarks) call `bootstrap()`; tests pass fakes through `overrides`
(for example `bootstrap(settings, llm=LLMClient.for_chat_model(FakeChatModel()))`). Services are
built lazily so that a command that only lists users never loads torch or a model.
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path
from typing import Any

from workbench.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROMPTS_DIR = PROJECT_ROOT / "prompts"


class Services:
    """Lazily built services sharing one Settings object."""

    def __init__(self, settings: Settings, **overrides: Any) -> None:
        self.settings = settings
        for name, value in overrides.items():
            if value is not None:
                # cached_property reads the instance dict first, so an override wins.
                self.__dict__[name] = value

    @cached_property
    def embedder(self):
        """Sentence-transformers embedder (the packaged MiniLM by default)."""
        from workbench.index.embedder import build_embedder

        return build_embedder(self.settings)

    @cached_property
    def index(self):
        """The semantic index of the library (Chroma)."""
        from workbench.index.service import LibraryIndex

        return LibraryIndex(self.settings, self.embedder)

    @cached_property
    def database(self):
        """The workbench database (review queue, audit log, generation log), migrated to head."""
        from review.db import Database

        database = Database(self.settings.resolved_database_url)
        database.upgrade()
        return database

    @cached_property
    def review(self):
        """The human review queue."""
        from review.service import ReviewService

        return ReviewService(self.database)

    @cached_property
    def generation_log(self):
        """Where every LLM call is recorded."""
        from review.generation_log import GenerationLog

        return GenerationLog(self.database)

    @cached_property
    def prompts(self):
        """The versioned prompt files, loaded and validated."""
        from workbench.llm.prompts import PromptRegistry

        return PromptRegistry.load_dir(PROMPTS_DIR)

    @cached_property
    def llm(self):
        """The configured chat model (embedded, OpenAI-compatible or fake)."""
        from workbench.llm.factory import build_llm

        return build_llm(self.settings, generation_log=self.generation_log)

    @cached_property
    def gaps(self):
        """Gap detection against a skills framework."""
        from workbench.gaps.service import GapService

        return GapService(self.settings, self.index)

    @cached_property
    def drafting(self):
        """Drafting of modules and assessments, with pre-review checks."""
        from workbench.drafting.service import DraftingService

        return DraftingService(self)

    @cached_property
    def publisher(self):
        """Publishing approved drafts into the library."""
        from workbench.publishing.service import Publisher

        return Publisher(self.settings, self.review, self.index)

    @cached_property
    def exports(self):
        """LMS exports (GIFT, Moodle XML, QTI, SCORM) and question-bank import."""
        from workbench.exports.service import build_export_service

        return build_export_service(self)


def bootstrap(settings: Settings | None = None, **overrides: Any) -> Services:
    """Build the services from settings (read from the environment when not given)."""
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Services(settings, **overrides)
