"""One settings object for the whole workbench, read from WORKBENCH_* variables."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_EMBEDDING_MODEL = "packaged:all-MiniLM-L6-v2"
PROJECT_ROOT = Path(__file__).resolve().parents[1]


class Settings(BaseSettings):
    """Every knob of the workbench; built once by the composition root and passed down."""

    model_config = SettingsConfigDict(env_prefix="WORKBENCH_", extra="ignore")

    library_dir: Path = Path("content_library")
    data_dir: Path = Path(".workbench")

    # Library in git: the library folder becomes a clone of this remote (cloned on first use), every
    # publication a pushed commit; unset, the library is a plain folder
    library_git_remote: str | None = None
    library_git_branch: str = "main"
    # Accounts hold no email: commits name a person `<user name>@<this domain>`
    library_git_email_domain: str = "users.workbench.invalid"
    library_git_timeout_seconds: float = Field(default=120.0, gt=0)

    # Index
    chroma_url: str | None = None  # http://host:port uses a Chroma server through HttpClient
    # How long an index writer on a shared Chroma server waits for another replica's write (PostgreSQL lock)
    index_writer_wait_seconds: float = 300.0
    collection_name: str = "library"
    embedding_model: str = DEFAULT_EMBEDDING_MODEL  # or a local directory holding a sentence-transformers model
    # onnx: an int8-quantized ONNX copy exported at `workbench models prepare`; torch: the model as shipped;
    # auto: onnx on CPUs whose int8 products are exact (x86 with VNNI, ARM), torch elsewhere
    embedding_backend: Literal["auto", "onnx", "torch"] = "auto"
    embedding_cache_dir: Path | None = None  # where ONNX copies are kept (default: <data dir>/models/embeddings)
    max_file_bytes: int = 2_000_000
    chunk_max_chars: int = 1_500
    chunk_overlap_chars: int = 200

    # Gaps
    skills_file: Path | None = None  # default: <library_dir>/skills.yaml
    stale_after_days: int = 548  # about 18 months

    # Drafting checks: inclusive-language word list (default: the library's own
    # inclusive_language.yaml if present, else the list shipped with the workbench)
    inclusive_language_file: Path | None = None
    # How much a draft asks the model to write: auto (demo for the embedded demo model, else capable)
    draft_size: Literal["auto", "demo", "capable"] = "auto"

    # Database (review queue, audit log, generation log)
    database_url: str | None = None  # default: sqlite:///<data_dir>/workbench.db

    # LLM
    llm_provider: Literal["embedded", "openai", "fake"] = "embedded"
    llm_base_url: str | None = None
    llm_model: str | None = None
    llm_api_key: SecretStr | None = None  # falls back to OPENAI_API_KEY, then the Streamlit secrets file
    llm_structured_mode: Literal["auto", "json_schema", "tools", "json_object"] = "auto"
    llm_timeout_seconds: float = 120.0
    llm_max_retries: int = 2
    llm_temperature: float = 0.2
    llm_context_tokens: int = 8192
    # How the embedded provider keeps a structured reply to its schema: llguidance's token matcher, or
    # llama.cpp's GBNF grammar (also the fallback for a schema or vocabulary llguidance cannot handle)
    llm_constraint: Literal["llguidance", "grammar"] = "llguidance"
    llm_threads: int | None = None
    # Where the embedded model runs: "process" (a worker process the caller starts and supervises, so a
    # web server stays small and survives a crash in generation) or "inline" (in the calling process)
    llm_worker: Literal["process", "inline"] = "process"
    llm_seed: int | None = None  # sampling seed sent to OpenAI-compatible endpoints (reproducible replies)
    # The schema sent to OpenAI-compatible endpoints: "wire" (the strict subset every provider accepts)
    # or "full" (as declared, limits included, for grammar servers serving small models)
    llm_schema: Literal["wire", "full"] = "wire"

    # AI governance: classification levels from least to most restricted, the level of a module
    # that names none (and whose folder names none), folder defaults by library-relative folder,
    # and how the endpoint configured above (the "default" endpoint) is treated
    classification_levels: list[str] = Field(default_factory=lambda: ["public", "internal", "confidential", "restricted"])
    default_classification: str = "internal"
    folder_classifications: dict[str, str] = Field(default_factory=dict)
    llm_endpoint_kind: Literal["auto", "internal", "external"] = "auto"  # auto: openai is external, embedded/fake internal
    llm_endpoint_max_classification: str | None = None  # default: every level if internal, default_classification if external
    # Learner-facing course packages (SCORM, cmi5) of AI-drafted modules end with an "AI-assisted, human-reviewed" page
    export_ai_notice: bool = False

    # Learning record store that learners' xAPI statements are read back from
    lrs_url: str | None = None  # the xAPI endpoint, e.g. https://lrs.example.org/xAPI/
    lrs_username: str | None = None
    lrs_password: SecretStr | None = None
    lrs_timeout_seconds: float = 30.0
    lrs_max_retries: int = Field(default=3, ge=0)
    lrs_filter_on_server: bool = False  # also ask the LRS to filter by activity (when it honours related_activities)

    # Signals: learners' results and other demand data
    # Person identifiers are replaced by HMAC-SHA256 pseudonyms under this key before anything is stored.
    signals_pseudonym_key: SecretStr | None = None
    # No aggregate of fewer people than this is shown or exported.
    signals_min_group_size: int = Field(default=5, ge=1)
    # A market-trend label that is not a framework name is kept only when its match by meaning is at least this close
    # (cosine similarity; see docs/signals.md for why 0.7).
    signals_trend_match_threshold: float = Field(default=0.7, ge=0.0, le=1.0)
    # A published module last reviewed longer ago than this is listed for another review (Audit, My work, `workbench freshness`).
    review_stale_after_days: int = Field(default=365, ge=1)

    # App
    session_timeout_minutes: int = Field(default=60, ge=1)  # a session unused this long ends
    session_max_hours: int = Field(default=12, ge=1)  # and every session ends this long after sign-in
    # Signs the session cookie; default: a random key kept in <data_dir>/session_secret (replicas: set this)
    session_secret: SecretStr | None = None
    # Behind a reverse proxy: count failed sign-ins per address from X-Forwarded-For's last entry
    trust_forwarded_for: bool = False
    # Mark the session cookie Secure; default: when the request came over HTTPS (set true behind a TLS proxy)
    session_cookie_secure: bool | None = None
    # Single sign-on: an identity from the provider starts a session only this soon after the provider issued it
    sso_identity_max_age_seconds: int = Field(default=600, ge=5)
    # Streamlit's secrets ([auth] for single sign-on, API keys): read from here, wherever the server starts
    streamlit_secrets_file: Path = PROJECT_ROOT / ".streamlit" / "secrets.toml"

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to SQLite inside the data dir."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'workbench.db').resolve()}"

    @property
    def resolved_skills_file(self) -> Path:
        """The skills framework file, defaulting to the library's skills.yaml."""
        return self.skills_file or (self.library_dir / "skills.yaml")

    @property
    def index_dir(self) -> Path:
        """Where the embedded Chroma index lives."""
        return self.data_dir / "index"

    @property
    def cache_dir(self) -> Path:
        """Where parsed library files, chunk vectors and gap reports are cached between processes."""
        return self.data_dir / "cache"

    @property
    def models_dir(self) -> Path:
        """Where prepared model files (the GGUF) live."""
        return self.data_dir / "models"

    @property
    def resolved_embedding_cache_dir(self) -> Path:
        """Where the exported ONNX copies of embedding models live."""
        return self.embedding_cache_dir or (self.models_dir / "embeddings")

    @property
    def logs_dir(self) -> Path:
        """Where log files live."""
        return self.data_dir / "logs"

    @property
    def audit_checkpoint_file(self) -> Path:
        """The audit chain's last verified head, kept outside the database (see review/checkpoint.py)."""
        return self.data_dir / "audit-checkpoint.json"

    def api_key(self) -> SecretStr | None:
        """The LLM API key from settings, OPENAI_API_KEY, or the Streamlit secrets file."""
        if self.llm_api_key is not None:
            return self.llm_api_key
        env_key = os.environ.get("OPENAI_API_KEY")
        if env_key:
            return SecretStr(env_key)
        secrets = Path(self.streamlit_secrets_file).expanduser()
        if secrets.is_file():
            import tomllib

            try:
                data = tomllib.loads(secrets.read_text(encoding="utf-8"))
            except (OSError, tomllib.TOMLDecodeError):
                return None
            value = data.get("OPENAI_API_KEY") or data.get("llm", {}).get("api_key")
            if value:
                return SecretStr(str(value))
        return None

    def with_overrides(self, **overrides: object) -> "Settings":
        """A copy with the given fields replaced (None values are ignored)."""
        changes = {key: value for key, value in overrides.items() if value is not None}
        return self.model_copy(update=changes)
