"""`workbench serve`: the first run says how to create the first lead, or creates one with a password shown once."""

from __future__ import annotations

import os
import re
import shlex
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve_until(library: Path, data_dir: Path, *extra: str, expect: str, timeout: float = 120) -> str:
    """Start `workbench serve`, read its output until `expect` shows up, then stop it; returns the output."""
    command = [str(Path(sys.executable).parent / "workbench"), "--library", str(library), "--data-dir", str(data_dir),
               "serve", "--port", str(_free_port()), *extra]
    env = {**os.environ, "WORKBENCH_LLM_PROVIDER": "fake"}
    process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines: list[str] = []
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            line = process.stdout.readline()
            if not line and process.poll() is not None:
                break
            lines.append(line)
            if expect in line:
                break
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
    return "".join(lines)


def test_first_run_without_users_tells_how_to_create_the_first_lead(small_library, tmp_path):
    data_dir = tmp_path / "data"
    output = _serve_until(small_library, data_dir, expect="Workbench at http://127.0.0.1:")
    assert "Workbench at http://127.0.0.1:" in output
    assert "Password" not in output
    hint = next(line.strip() for line in output.splitlines() if "users add NAME" in line)
    assert hint == (f"workbench --library {small_library.resolve()} --data-dir {data_dir.resolve()} "
                    "users add NAME --role lead --password-stdin")

    # Followed literally from another directory, the hint creates the lead in the database the server uses.
    argv = shlex.split(hint.replace("NAME", "lena"))
    argv[0] = str(Path(sys.executable).parent / "workbench")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    created = subprocess.run(argv, cwd=elsewhere, input="a long enough password 42\n", text=True, capture_output=True, timeout=120)
    assert created.returncode == 0, created.stderr
    listed = subprocess.run([argv[0], "--library", str(small_library), "--data-dir", str(data_dir), "users", "list", "--json"],
                            cwd=elsewhere, text=True, capture_output=True, timeout=120)
    assert '"lena"' in listed.stdout


def test_create_lead_prints_a_generated_password_once_and_it_signs_in(small_library, tmp_path):
    from review.db import Database
    from tests.support.review_db import ReviewStack
    from workbench.settings import Settings

    data_dir = tmp_path / "data"
    output = _serve_until(small_library, data_dir, "--create-lead", "lena", expect="Workbench at")
    match = re.search(r"Created lead 'lena'\. Password \(shown once, store it now\): (\S+)", output)
    assert match, output
    password = match.group(1)

    database = Database(Settings(library_dir=small_library, data_dir=data_dir).resolved_database_url)
    user = ReviewStack.on(database).accounts.authenticate("lena", password)
    assert [role.value for role in user.roles] == ["lead"]

    again = _serve_until(small_library, data_dir, "--create-lead", "other", expect="Workbench at")
    assert "Accounts already exist; --create-lead was ignored." in again
    assert password not in again
    database.dispose()
