"""Fixtures shared by every test: settings on tmp_path, the sample library, ../shared, PostgreSQL."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# The shared loopback llama_cpp.server (and the packaged GGUF) for every test that drafts through it.
pytest_plugins = ["tests.support.llama_server"]

PROJECT_ROOT = Path(__file__).resolve().parent.parent

# Nothing may download a model at run time (set before the support modules import anything).
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
# Every data dir a test makes shares the ONNX copy of the embedding model that `make models` exported,
# instead of exporting its own (tests of the copy itself point their settings elsewhere).
os.environ.setdefault("WORKBENCH_EMBEDDING_CACHE_DIR", str(PROJECT_ROOT / ".workbench" / "models" / "embeddings"))

# Real databases (SQLite and PostgreSQL) and the review services on them, for every test that asks.
from tests.support.review_db import _postgres_schema, _sqlite_team_template, _sqlite_template, database, review, team  # noqa: E402,F401

SAMPLE_LIBRARY = PROJECT_ROOT / "content_library"
SHARED_DIR = PROJECT_ROOT.parent / "shared"
DEFAULT_TEST_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@pytest.fixture(scope="session")
def project_root() -> Path:
    """The repository root."""
    return PROJECT_ROOT


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """../shared (evaluation sets and third-party fixtures); tests skip when it is absent."""
    if not SHARED_DIR.is_dir():
        pytest.skip(f"../shared is absent (looked for {SHARED_DIR}); its fixtures cannot be read")
    return SHARED_DIR


@pytest.fixture
def sample_library(tmp_path: Path) -> Path:
    """A private copy of the shipped sample library, so tests may write into it."""
    target = tmp_path / "library"
    shutil.copytree(SAMPLE_LIBRARY, target)
    return target


@pytest.fixture
def settings(tmp_path: Path, sample_library: Path):
    """Settings pointing at a copy of the sample library and a data dir under tmp_path."""
    from workbench.settings import Settings

    return Settings(library_dir=sample_library, data_dir=tmp_path / "data", llm_provider="fake")


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """URL of the local PostgreSQL server; tests using it create and drop their own schema."""
    url = os.environ.get("WORKBENCH_TEST_POSTGRES_URL", DEFAULT_TEST_POSTGRES_URL)
    try:
        import sqlalchemy

        engine = sqlalchemy.create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
    except Exception as error:  # noqa: BLE001 - any failure means the server is not there
        if os.environ.get("CI"):
            raise
        pytest.skip(f"PostgreSQL at {url} is not reachable: {error}")
    return url


@pytest.fixture(scope="session")
def embedder():
    """The packaged all-MiniLM-L6-v2 on the default backend for this CPU (onnx int8 or torch), loaded once per session."""
    from workbench.index.embedder import build_embedder
    from workbench.settings import Settings

    built = build_embedder(Settings())
    built.embed(["warm up"])  # load the model now, not inside the first test that uses it
    return built


@pytest.fixture(scope="session")
def onnx_embedder():
    """The same model on the onnx int8 backend whatever the CPU (the default's own object where that is onnx)."""
    from workbench.index.embedder import build_embedder
    from workbench.settings import Settings

    built = build_embedder(Settings(embedding_backend="onnx"))
    built.embed(["warm up"])
    return built


@pytest.fixture(scope="session")
def torch_embedder():
    """The same model on the torch backend, loaded once, for the tests that compare backends or need torch."""
    from workbench.index.embedder import build_embedder
    from workbench.settings import Settings

    built = build_embedder(Settings(embedding_backend="torch"))
    built.embed(["warm up"])
    return built


@pytest.fixture(scope="session")
def indexed_sample(tmp_path_factory, embedder):
    """(settings, services) for a private copy of the sample library, indexed once per session (read it, never change it)."""
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    root = tmp_path_factory.mktemp("indexed-sample")
    shutil.copytree(SAMPLE_LIBRARY, root / "library")
    settings = Settings(library_dir=root / "library", data_dir=root / "data", llm_provider="fake")
    services = bootstrap(settings, embedder=embedder)
    services.index.build()
    return settings, services
