"""A real `chroma run` server on 127.0.0.1, started for a test and stopped after it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ChromaServer:
    """One `chroma run` process over a data folder; it can be stopped and started again on the same port."""

    def __init__(self, root: Path, port: int | None = None) -> None:
        self.root = root
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the server and wait until its heartbeat answers (fails the test after 60 s)."""
        executable = Path(sys.executable).parent / "chroma"
        if not executable.exists():
            pytest.fail(f"the chroma command is missing at {executable}; run `make install`")
        log = (self.root / "chroma.log").open("a")
        self.process = subprocess.Popen(
            [str(executable), "run", "--path", str(self.root / "server-data"), "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=log, stderr=subprocess.STDOUT, env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
        )
        log.close()
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/heartbeat", timeout=2):
                    return
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"chroma run did not start: {(self.root / 'chroma.log').read_text()[-2000:]}")
                time.sleep(0.2)

    def stop(self) -> None:
        """Stop the server (terminate, then kill after 10 s)."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None


@contextmanager
def chroma_server(root: Path) -> Iterator[ChromaServer]:
    """A started server over `root/server-data`, stopped on leaving."""
    root.mkdir(parents=True, exist_ok=True)
    server = ChromaServer(root)
    server.start()
    try:
        yield server
    finally:
        server.stop()
