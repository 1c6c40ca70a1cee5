"""The composition root: builds every service from one Settings object.

This is the only place that knows the whole set of services; each service names the collaborators
it uses in its constructor. Entry points (CLI, app, benchmarks) call `bootstrap()`; tests pass
fakes through `overrides` (for example `bootstrap(settings, llm=LLMClient.for_chat_model(FakeChatModel()))`).
Services are built lazily so that a command that only lists users never loads torch or a model.
"""

from __future__ import annotations

from datetime import datetime, timezone
from functools import cached_property
from pathlib import Path
from typing import Any

from workbench.settings import Settings

PROJECT_ROOT = Path(__file__).resolve().parent.parent
PROMPTS_DIR = PROJECT_ROOT / "prompts"


def utc_now() -> datetime:
    """The clock every service shares (tests may override `clock`)."""
    return datetime.now(timezone.utc)


class Services:
    """Lazily built services sharing one Settings object."""

    def __init__(self, settings: Settings, **overrides: Any) -> None:
        self.settings = settings
        self.clock = overrides.pop("clock", None) or utc_now
        for name, value in overrides.items():
            if value is not None:
                # cached_property reads the instance dict first, so an override wins.
                self.__dict__[name] = value

    # -- library and index -----------------------------------------------------------------

    @cached_property
    def embedder(self):
        """Sentence-transformers embedder (the packaged MiniLM by default)."""
        from workbench.index.embedder import build_embedder

        return build_embedder(self.settings)

    @cached_property
    def library_git(self):
        """The library folder as a clone of its git remote, or None for a plain folder."""
        if not self.settings.library_git_remote:
            return None
        from workbench.library.git_repository import GitRepository

        settings = self.settings
        return GitRepository(settings.library_dir, settings.library_git_remote, settings.library_git_branch,
                             timeout_seconds=settings.library_git_timeout_seconds)

    @cached_property
    def git_publishing(self):
        """Publications as pushed commits of the library's clone (None for a plain folder)."""
        if self.library_git is None:
            return None
        from workbench.publishing.git_publishing import GitPublishing, identities

        from review.errors import UnknownUser

        def display_name_of(name: str) -> str | None:
            try:
                return self.accounts.get_user(name).display_name
            except UnknownUser:  # a name no longer in the accounts still authors its commit
                return None

        return GitPublishing(self.library_git, identities(display_name_of, self.settings.library_git_email_domain))

    @cached_property
    def index(self):
        """The semantic index of the library (Chroma); with a git library, others' commits are pulled first."""
        from workbench.index.revision import KnownRevisions
        from workbench.index.service import LibraryIndex
        from workbench.index.vector_cache import VectorCache
        from workbench.library.parse_store import StoredParseCache

        cache = self.settings.cache_dir
        return LibraryIndex(self.settings, self.embedder, shared_lock=self.index_writer_lock,
                            library_git=self.library_git,
                            parse_cache=StoredParseCache(cache / "parsed-files.json", self.settings.library_dir),
                            vector_cache=VectorCache(cache, self.embedder),
                            revisions=KnownRevisions(cache / "library-revisions.json"))

    @property
    def index_writer_lock(self):
        """The lock writers of a shared Chroma server take across machines: PostgreSQL's, else none."""
        if not self.settings.chroma_url or not self.settings.resolved_database_url.startswith("postgresql"):
            return None
        from workbench.index.server_lock import AdvisoryLocks

        return AdvisoryLocks(self.database.engine, self.settings.index_writer_wait_seconds)

    # -- the database and the review queue -------------------------------------------------

    @cached_property
    def database(self):
        """The workbench database (review queue, audit log, generation log), migrated to head."""
        from review.db import Database

        database = Database(self.settings.resolved_database_url)
        database.upgrade()
        return database

    @cached_property
    def audit_trail(self):
        """The hash-chained audit log, anchored by a checkpoint file in the data dir (and a git library's commits)."""
        from review.audit import AuditTrail
        from review.checkpoint import CheckpointFile

        recorded_head = None
        if self.library_git is not None:
            from workbench.publishing.git_publishing import recorded_audit_head

            recorded_head = lambda: recorded_audit_head(self.library_git)  # noqa: E731 - the library's commits anchor it too
        return AuditTrail(self.database, self.clock, CheckpointFile(self.settings.audit_checkpoint_file), recorded_head)

    @cached_property
    def password_hasher(self):
        """argon2id with its default (costly) parameters; tests hand in cheap ones."""
        from argon2 import PasswordHasher

        return PasswordHasher()

    @cached_property
    def accounts(self):
        """Users, roles and credentials."""
        from review.accounts import Accounts

        return Accounts(self.database, self.audit_trail, self.clock, self.password_hasher)

    @cached_property
    def sign_in_sessions(self):
        """Server-side sign-in sessions (the browser's cookie names one)."""
        from datetime import timedelta

        from review.sessions import SignInSessions

        return SignInSessions(
            self.database, self.audit_trail, self.clock,
            idle_timeout=timedelta(minutes=self.settings.session_timeout_minutes),
            absolute_timeout=timedelta(hours=self.settings.session_max_hours),
        )

    @cached_property
    def review_queries(self):
        """Reading the review queue: drafts, lists, allowed actions, revisions, diffs."""
        from review.queries import ReviewQueries

        return ReviewQueries(self.database)

    @cached_property
    def lifecycle(self):
        """Every change to a draft: create, revise, submit, sign off, request changes, reject, archive, comment."""
        from review.lifecycle import DraftLifecycle

        return DraftLifecycle(self.audit_trail, self.review_queries, self.clock)

    @cached_property
    def publication_ledger(self):
        """The records of what is published where."""
        from review.publications import PublicationLedger

        return PublicationLedger(self.database, self.audit_trail, self.review_queries, self.clock)

    # -- the LLM ---------------------------------------------------------------------------

    @cached_property
    def generation_log(self):
        """Where every LLM call is recorded."""
        from workbench.llm.generation_log import DatabaseGenerationLog

        return DatabaseGenerationLog(self.database, self.clock)

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

    # -- governance of AI use ----------------------------------------------------------------

    @cached_property
    def governance(self):
        """Endpoints and routes, content classification, budgets and the AI-use policy; asked before every AI call."""
        from workbench.governance.budgets import Budgets
        from workbench.governance.classification import ContentClassifier
        from workbench.governance.endpoints import EndpointRegistry
        from workbench.governance.keys import KeyResolver
        from workbench.governance.levels import ClassificationLevels
        from workbench.governance.policy import AIPolicy
        from workbench.governance.routes import RouteTable
        from workbench.governance.service import Governance
        from workbench.governance.slots import AdvisorySlots, SlotLocks
        from workbench.governance.usage import UsageReport
        from workbench.library.loader import load_library

        settings = self.settings
        levels = ClassificationLevels.of(settings.classification_levels)
        keys = KeyResolver(settings.streamlit_secrets_file)  # the one secrets file the app reads too
        registry = EndpointRegistry(self.database, self.audit_trail, self.clock, settings, levels, keys)

        # Slots every replica sees on PostgreSQL; lock files on the one host SQLite allows.
        slots = SlotLocks(settings.data_dir / "generation_slots") if self.database.is_sqlite else AdvisorySlots(self.database.engine)

        def client_for(endpoint):
            # The default endpoint is the configured client; a registered one gets only its own key.
            if endpoint.builtin:
                return self.llm
            from pydantic import SecretStr

            from workbench.llm.factory import build_llm

            key = keys.resolve(endpoint.key_ref) if endpoint.key_ref else None
            configured = settings.model_copy(update={
                "llm_provider": endpoint.provider, "llm_base_url": endpoint.base_url, "llm_model": endpoint.model,
                "llm_api_key": key or SecretStr(""),
            })
            return build_llm(configured, generation_log=self.generation_log)

        return Governance(
            database=self.database, levels=levels, registry=registry,
            routes=RouteTable(self.database, self.audit_trail, self.clock, registry),
            budgets=Budgets(self.database, self.audit_trail, self.clock, slots),
            policy=AIPolicy(self.database, self.audit_trail, self.clock),
            classifier=ContentClassifier(settings.library_dir, levels, settings.default_classification, settings.folder_classifications),
            usage=UsageReport(self.database), client_for=client_for,
            library_paths=lambda: [module.path for module in load_library(settings.library_dir, settings).modules],
        )

    # -- the product's services ------------------------------------------------------------

    @cached_property
    def gaps(self):
        """Gap detection against a skills framework."""
        from workbench.gaps.demand import DemandInputs
        from workbench.gaps.service import GapService
        from workbench.gaps.shared import SharedReports

        def demand() -> DemandInputs:
            # Market trend, proficiency gaps and mastery as imported (only aggregates of enough people).
            signals = self.signals
            return DemandInputs(signals.trend_points(), signals.proficiency_aggregates().skills, signals.skill_mastery())

        def demand_revision() -> dict[str, str]:
            # What `demand` reads, as a key part of the shared report: a new import is a new report.
            # Read from the store alone: a report served from the cache never builds the signals service.
            return {"signals": self.signal_store.revision().as_key(),
                    "min_group_size": str(self.settings.signals_min_group_size)}

        # Governance is built only when an explanation asks for it.
        return GapService(self.settings, self.index, governance=lambda: self.governance, demand=demand,
                          reports=SharedReports(self.settings.cache_dir / "reports"), extra_inputs=demand_revision)

    @cached_property
    def coverage_history(self):
        """Coverage over time, one point per changed gap report."""
        from workbench.gaps.history import CoverageHistory

        return CoverageHistory(self.database, self.clock, legacy_file=self.settings.data_dir / "coverage_history.jsonl")

    @cached_property
    def failed_generations(self):
        """Model replies that stayed invalid after the retries."""
        from workbench.drafting.failures import FailedGenerations

        return FailedGenerations(self.database, self.clock, legacy_folder=self.settings.data_dir / "failed_generations")

    @cached_property
    def framework_uploads(self):
        """Skills frameworks uploaded in the app."""
        from workbench.skills.uploads import FrameworkUploads

        return FrameworkUploads(self.settings.data_dir / "uploads")

    @cached_property
    def library_reader(self):
        """What drafting reads from the library: search, chunks, vectors."""
        from workbench.drafting.library_reader import LibraryReader

        return LibraryReader(self.index, self.embedder)

    @cached_property
    def draft_checker(self):
        """The pre-review checks of a draft."""
        from workbench.drafting.checking import DraftChecker

        return DraftChecker(self.library_reader, self.settings.library_dir, self.settings.inclusive_language_file)

    @cached_property
    def drafting(self):
        """Drafting of modules and assessments, with pre-review checks."""
        from workbench.drafting.schemas import DEMO_SIZE, DRAFT_SIZES
        from workbench.drafting.service import DraftingService

        size = DRAFT_SIZES.get(self.settings.draft_size)  # None: chosen by the model in use
        return DraftingService(
            settings=self.settings, llm=self.llm, prompts=self.prompts, library=self.library_reader,
            checker=self.draft_checker, lifecycle=self.lifecycle, queries=self.review_queries,
            governance=self.governance, failures=self.failed_generations,
            # A model that gets the demo size writes critiques that are noise, as the embedded demo model would.
            size=size, critiques=False if size is DEMO_SIZE else None,
        )

    @cached_property
    def publisher(self):
        """Publishing approved drafts into the library."""
        from workbench.publishing.service import Publisher

        return Publisher(self.settings, self.publication_ledger, self.index, clock=self.clock, git=self.git_publishing,
                         after_publish=self.freshness.record_citations)

    @cached_property
    def exports(self):
        """LMS exports (GIFT, Moodle XML, QTI, SCORM) and question-bank import."""
        from workbench.exports.service import ExportService

        return ExportService(self.settings, self.review_queries)

    # -- signals ---------------------------------------------------------------------------

    @cached_property
    def signal_store(self):
        """The signals' tables: imports and learners' results."""
        from workbench.signals.store import SignalStore

        return SignalStore(self.database)

    @cached_property
    def signals(self):
        """Learners' results imported from files and from an LRS, pseudonymised."""
        from workbench.exports.lrs_client import LrsClient
        from workbench.signals.catalog import ResultCatalog
        from workbench.signals.service import SignalsService
        from workbench.skills import load_framework

        settings = self.settings
        return SignalsService(
            store=self.signal_store,
            catalog=lambda: ResultCatalog.from_sources(self.exports.course_sources()),
            pseudonym_key=settings.signals_pseudonym_key,
            lrs_client=lambda endpoint: LrsClient.from_settings(settings, endpoint),
            clock=self.clock,
            min_group_size=settings.signals_min_group_size,
            framework=lambda: load_framework(settings.resolved_skills_file),
            embed=lambda: self.embedder.embed,
            trend_match_threshold=settings.signals_trend_match_threshold,
        )

    @cached_property
    def item_review(self):
        """Flagged items of published modules sent back to review as new revisions of their drafts."""
        from workbench.signals.item_review import ItemReview

        def draft_of(module_id: str) -> int | None:
            # The published file's provenance names the draft it came from; a hand-written module has none.
            for module in self.index.scan().modules:
                draft_id = (module.provenance or {}).get("draft_id")
                if module.id == module_id and draft_id not in (None, ""):
                    return int(draft_id)
            return None

        return ItemReview(self.signals.item_analysis, draft_of, self.lifecycle, self.review_queries)


    @cached_property
    def freshness(self):
        """Published modules whose cited passages changed or disappeared, or whose last review is too old."""
        from workbench.signals.freshness import FreshnessCheck

        def indexed_chunks(chunk_ids):
            return self.index.chunk_vectors(chunk_ids)[0]

        return FreshnessCheck(self.database, indexed_chunks, self.review_queries, self.lifecycle, self.clock,
                              self.settings.review_stale_after_days)


def bootstrap(settings: Settings | None = None, **overrides: Any) -> Services:
    """Build the services from settings (read from the environment when not given)."""
    settings = settings or Settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return Services(settings, **overrides)
