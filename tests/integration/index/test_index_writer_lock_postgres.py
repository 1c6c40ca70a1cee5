"""Index writers on a shared Chroma server exclude each other across machines: a PostgreSQL advisory lock.

Each replica is a process of its own here (in one process the writers already queue on a thread
lock): a child process holds the writer lock of the index, the test process's writer waits for it,
and a child killed while holding it gives it back.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from workbench.errors import IndexLocked
from workbench.index.locking import WriterLock
from workbench.index.server_lock import AdvisoryLocks

pytestmark = pytest.mark.postgres
KEY = "http://127.0.0.1:8000#library"
PROJECT_ROOT = Path(__file__).resolve().parents[3]

HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from sqlalchemy import create_engine
    from workbench.index.locking import WriterLock
    from workbench.index.server_lock import AdvisoryLocks

    lock = WriterLock(Path(sys.argv[2]), key=sys.argv[3], shared=AdvisoryLocks(create_engine(sys.argv[1]), wait_seconds=30))
    with lock.hold(use_file_lock=False):
        print("held", flush=True)
        sys.stdin.readline()  # until the test says so (or kills this process)
    print("released", flush=True)
""")


@pytest.fixture
def engine(postgres_url):
    engine = create_engine(postgres_url)
    yield engine
    engine.dispose()


def _replica_holding(postgres_url: str, folder: Path, key: str = KEY) -> subprocess.Popen:
    """Another replica's process, once it holds the index writer lock."""
    child = subprocess.Popen([sys.executable, "-c", HOLDER, postgres_url, str(folder), key], stdin=subprocess.PIPE,
                             stdout=subprocess.PIPE, text=True, cwd=PROJECT_ROOT, env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)})
    assert child.stdout.readline().strip() == "held"
    return child


def _write_in_thread(lock: WriterLock) -> tuple[threading.Thread, list[float]]:
    """Start a write that records when it got the lock."""
    got: list[float] = []

    def write() -> None:
        with lock.hold(use_file_lock=False):
            got.append(time.monotonic())

    thread = threading.Thread(target=write)
    thread.start()
    return thread, got


def test_a_second_replica_waits_for_the_first_writer_then_writes(postgres_url, engine, tmp_path):
    child = _replica_holding(postgres_url, tmp_path / "a")
    try:
        thread, got = _write_in_thread(WriterLock(tmp_path / "b", key=KEY, shared=AdvisoryLocks(engine, wait_seconds=30, poll_seconds=0.05)))
        time.sleep(1.0)
        assert got == [], "the second writer must wait while the first holds the lock"
        released_at = time.monotonic()
        child.stdin.write("\n")
        child.stdin.flush()
        assert child.stdout.readline().strip() == "released"
        thread.join(timeout=10)
        assert got and got[0] >= released_at
    finally:
        child.kill()
        child.wait()
    assert not (tmp_path / "b").exists()  # a server's writers leave no lock file behind


def test_a_writer_killed_while_holding_the_lock_gives_it_back(postgres_url, engine, tmp_path):
    child = _replica_holding(postgres_url, tmp_path / "a")
    thread, got = _write_in_thread(WriterLock(tmp_path / "b", key=KEY, shared=AdvisoryLocks(engine, wait_seconds=30, poll_seconds=0.05)))
    time.sleep(0.5)
    assert got == []
    child.kill()  # SIGKILL: no unlock runs; the server ends its session and the lock with it
    child.wait()
    thread.join(timeout=15)
    assert len(got) == 1


def test_a_writer_that_waited_too_long_is_refused_with_the_holder_named(postgres_url, engine, tmp_path):
    child = _replica_holding(postgres_url, tmp_path / "a")
    try:
        lock = WriterLock(tmp_path / "b", key=KEY, shared=AdvisoryLocks(engine, wait_seconds=0.3, poll_seconds=0.05))
        with pytest.raises(IndexLocked, match=rf"the index {KEY} is being written by database session \d+ from .*; it did not finish "
                                              r"within 0.3 s \(WORKBENCH_INDEX_WRITER_WAIT_SECONDS\), try again later"):
            with lock.hold(use_file_lock=False):
                pass
        # Another collection on the same server is another lock: its writer does not wait.
        other = WriterLock(tmp_path / "b", key=KEY + "-other", shared=AdvisoryLocks(engine, wait_seconds=0.3))
        with other.hold(use_file_lock=False):
            pass
    finally:
        child.kill()
        child.wait()


def test_services_on_postgresql_and_a_chroma_server_take_the_shared_lock(postgres_url, _postgres_schema, tmp_path, embedder):
    """The composition root wires the lock in: a build waits for (and here times out on) another replica's write."""
    from workbench.bootstrap import bootstrap
    from workbench.settings import Settings

    library = tmp_path / "library"
    library.mkdir()
    url = "http://127.0.0.1:9"  # never contacted: the writer lock comes first
    settings = Settings(library_dir=library, data_dir=tmp_path / "data", llm_provider="fake", database_url=_postgres_schema.url,
                        chroma_url=url, index_writer_wait_seconds=0.3)
    services = bootstrap(settings, embedder=embedder)
    child = _replica_holding(postgres_url, tmp_path / "a", key=f"{url}#{settings.collection_name}")
    try:
        with pytest.raises(IndexLocked, match=rf"the index {url}#{settings.collection_name} is being written by database session"):
            services.index.build()
    finally:
        child.kill()
        child.wait()
        services.database.dispose()
