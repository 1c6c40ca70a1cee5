"""One loopback `llama_cpp.server` per test run, serving the packaged GGUF (a pytest plugin).

Every test that drafts through a real OpenAI-compatible server shares this process (the LLM,
drafting and browser tests). A fault test may kill it; `restart()` brings it back on the same port.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SERVER_KEY = "server-key-for-tests"
SERVER_CONTEXT = 2048
SERVER_MODEL = "gemma-3-270m"  # the name the tests send; llama_cpp.server serves its one model whatever the name


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LlamaServer:
    """A `python -m llama_cpp.server` process on 127.0.0.1 with an API key, and its log."""

    def __init__(self, gguf: Path, log_dir: Path, threads: int) -> None:
        self.gguf = gguf
        self.log_dir = log_dir
        self.threads = threads
        self.port = free_port()
        self.process: subprocess.Popen | None = None
        self.log_path = log_dir / "server.log"
        self.starts = 0

    @property
    def base_url(self) -> str:
        """The /v1 base URL for WORKBENCH_LLM_BASE_URL."""
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> None:
        """Start the server and wait until it answers /v1/models."""
        self.starts += 1
        self.log_path = self.log_dir / f"server-{self.starts}.log"
        command = [
            sys.executable, "-m", "llama_cpp.server",
            "--model", str(self.gguf),
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", str(SERVER_CONTEXT),
            "--n_threads", str(self.threads),
            "--api_key", SERVER_KEY,
        ]
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT)
        self._wait_until_ready()

    def alive(self) -> bool:
        """Whether the process is still running."""
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL the process, as a crash would end it."""
        if self.alive():
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=15)

    def restart(self) -> None:
        """Start again (on the same port) if the process is gone."""
        if not self.alive():
            self.start()

    def log_text(self) -> str:
        """What the server has logged since it was last started."""
        return self.log_path.read_text(errors="replace")

    def logged(self, text: str, timeout: float = 10.0) -> bool:
        """Whether the log shows `text` within `timeout` seconds (the server writes it after answering)."""
        deadline = time.monotonic() + timeout
        while text not in self.log_text():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.2)
        return True

    def stop(self) -> None:
        """Terminate the process (kill it if it does not stop)."""
        if not self.alive():
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=15)

    def _wait_until_ready(self, timeout: float = 180.0) -> None:
        request = urllib.request.Request(f"{self.base_url}/models", headers={"Authorization": f"Bearer {SERVER_KEY}"})
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError(f"llama_cpp.server exited early:\n{self.log_text()[-3000:]}")
            try:
                with urllib.request.urlopen(request, timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
                pass
            time.sleep(0.3)
        raise RuntimeError(f"llama_cpp.server did not start in {timeout:.0f}s:\n{self.log_text()[-3000:]}")


@pytest.fixture(scope="session")
def embedded_gguf() -> Path:
    """The packaged GGUF, prepared once where `make test` prepares it (.workbench/models)."""
    from workbench.llm.models import prepare_embedded_model
    from workbench.settings import Settings

    return prepare_embedded_model(Settings(data_dir=PROJECT_ROOT / ".workbench")).path


@pytest.fixture(scope="session")
def llama_server(embedded_gguf: Path, tmp_path_factory: pytest.TempPathFactory):
    """The shared `llama_cpp.server` (requires SERVER_KEY); tests that kill it call `restart()` afterwards."""
    pytest.importorskip("llama_cpp.server", reason="llama-cpp-python[server] is not installed")
    from workbench.llm.embedded import default_threads

    server = LlamaServer(embedded_gguf, tmp_path_factory.mktemp("llama-server"), default_threads())
    server.start()
    try:
        yield server
    finally:
        server.stop()
