"""A real learning record store on loopback for tests and benchmarks: ralph (ralph-malph) with its file-system backend.

ralph brings its own pinned dependencies, so `.ci/run` installs it into its own virtualenv,
.workbench/tools/ralph-venv; without that venv the callers skip with the reason. The server is
ralph's ASGI app run by uvicorn from that venv (what `ralph runserver -b fs` does, minus its
development-only auto-reloader and debug logging; ralph_serve.py also makes the file-system store
append, see there), on 127.0.0.1 and a free port, with HTTP Basic credentials written by
`ralph auth` into a temporary auth file.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

PROJECT_ROOT = Path(__file__).resolve().parent.parent
RALPH_VENV = PROJECT_ROOT / ".workbench" / "tools" / "ralph-venv"
VALIDATOR = Path(__file__).resolve().parent / "xapi_validate.py"
SERVE = Path(__file__).resolve().parent / "ralph_serve.py"
USERNAME = "workbench"
PASSWORD = "lrs-test-secret"


@dataclass(frozen=True)
class RalphServer:
    """A running ralph LRS: its xAPI endpoint (ends with /), credentials and log file."""

    endpoint: str
    username: str
    password: str
    log_file: Path

    @property
    def statements_url(self) -> str:
        """The statements resource."""
        return self.endpoint + "statements"


def skip_unless_ci(reason: str) -> None:
    """Skip with `reason`; under CI (where .ci/run installs the tools) fail instead, so nothing is silently left out."""
    import pytest

    if os.environ.get("CI"):
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


def ralph_missing_reason() -> str | None:
    """Why ralph cannot be started here, or None when it can."""
    if not (RALPH_VENV / "bin" / "uvicorn").is_file():
        return (f"the ralph LRS venv is absent ({RALPH_VENV}): python3 -m venv it and pip install "
                "'ralph-malph[cli,lrs]' requests (.ci/run does it)")
    return None


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _ralph_env(data_dir: Path, auth_file: Path, cors_origins: list[str], page_size: int) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("RALPH_")}
    env.update({
        "RALPH_RUNSERVER_BACKEND": "fs",
        "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(data_dir),
        "RALPH_AUTH_FILE": str(auth_file),
        "RALPH_RUNSERVER_CORS_ALLOW_ORIGINS": json.dumps(cors_origins),
        "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": str(page_size),
        "RALPH_APP_DIR": str(data_dir.parent / "ralph-app"),
    })
    return env


@contextlib.contextmanager
def running_ralph(work_dir: Path, cors_origins: list[str] | None = None, page_size: int = 100) -> Iterator[RalphServer]:
    """Start ralph in `work_dir` for the duration of the block (RuntimeError when it does not come up)."""
    reason = ralph_missing_reason()
    if reason:
        raise RuntimeError(reason)
    work_dir.mkdir(parents=True, exist_ok=True)
    data_dir = work_dir / "lrs-data"
    data_dir.mkdir(exist_ok=True)
    auth_file = work_dir / "auth.json"
    env = _ralph_env(data_dir, auth_file, cors_origins or [], page_size)
    subprocess.run(
        [str(RALPH_VENV / "bin" / "ralph"), "auth", "-u", USERNAME, "-p", PASSWORD, "-s", "all",
         "-M", "mailto:workbench-lrs@example.org", "-w"],
        env=env, cwd=work_dir, check=True, capture_output=True, timeout=60,
    )
    port = free_port()
    log_file = work_dir / "ralph.log"
    with open(log_file, "wb") as log:
        process = subprocess.Popen(
            [str(RALPH_VENV / "bin" / "python"), str(SERVE), "127.0.0.1", str(port)],
            env=env, cwd=work_dir, stdout=log, stderr=subprocess.STDOUT,
        )
    server = RalphServer(f"http://127.0.0.1:{port}/xAPI/", USERNAME, PASSWORD, log_file)
    try:
        _wait_until_up(port, process, log_file)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until_up(port: int, process: subprocess.Popen, log_file: Path, timeout: float = 60.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ralph exited with {process.returncode}: {log_file.read_text(errors='replace')[-2000:]}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/__heartbeat__", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"ralph did not answer on port {port} within {timeout:.0f} s")


def validate_with_ralph_models(statements: list[dict]) -> list[str]:
    """Validate statements with ralph's own xAPI models (inside ralph's venv); returns the errors, one per bad statement."""
    result = subprocess.run(
        [str(RALPH_VENV / "bin" / "python"), str(VALIDATOR)],
        input=json.dumps(statements), capture_output=True, text=True, timeout=120, check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"the validator failed: {result.stderr[-2000:]}")
    return json.loads(result.stdout)



def ralph_fixture(page_size: int):
    """A module-scoped `ralph` fixture: the LRS on loopback with this page size (skipped, with the reason, without it)."""
    import pytest

    @pytest.fixture(scope="module")
    def ralph(tmp_path_factory):
        reason = ralph_missing_reason()
        if reason:
            skip_unless_ci(reason)
        with running_ralph(tmp_path_factory.mktemp("ralph"), page_size=page_size) as server:
            yield server

    return ralph


def post_statements(ralph: RalphServer, statements: list[dict]) -> None:
    """Store statements in ralph through its statements API."""
    import httpx

    response = httpx.post(ralph.statements_url, json=statements, auth=(ralph.username, ralph.password),
                          headers={"X-Experience-API-Version": "1.0.3"}, timeout=30)
    assert response.status_code == 200, response.text
