"""Fixtures for the LLM integration tests: the packaged GGUF and a loopback llama.cpp server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from llm_server_support import SERVER_CONTEXT, SERVER_KEY, free_port, wait_until_ready  # type: ignore[import-not-found]

from workbench.llm.embedded import default_threads

PROJECT_ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="session")
def embedded_gguf() -> Path:
    """The packaged GGUF, prepared once where `make test` prepares it (.workbench/models)."""
    from workbench.llm.models import prepare_embedded_model
    from workbench.settings import Settings

    return prepare_embedded_model(Settings(data_dir=PROJECT_ROOT / ".workbench")).path


@pytest.fixture(scope="session")
def llama_server(embedded_gguf: Path, tmp_path_factory: pytest.TempPathFactory):
    """`python -m llama_cpp.server` serving the packaged GGUF on 127.0.0.1 (requires SERVER_KEY)."""
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is not installed")
    port = free_port()
    log_path = tmp_path_factory.mktemp("llama-server") / "server.log"
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(embedded_gguf),
        "--host", "127.0.0.1",
        "--port", str(port),
        "--n_ctx", str(SERVER_CONTEXT),
        "--n_threads", str(default_threads()),
        "--api_key", SERVER_KEY,
    ]
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}/v1"
    try:
        wait_until_ready(base_url, process, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
