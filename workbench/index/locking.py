"""One writer at a time on an embedded Chroma folder (PersistentClient is not multi-process safe).

Across processes a file lock decides; the holder writes who it is into a side file so the second
writer's error can name it. Inside one process, writer threads queue on a plain lock instead, so a
publish waits for a running re-index rather than failing.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
from contextlib import AbstractContextManager, contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator, Protocol

from filelock import FileLock, Timeout

from workbench.errors import IndexLocked

LOCK_FILE = "writer.lock"
HOLDER_FILE = "writer.json"

_PROCESS_LOCKS: dict[str, threading.RLock] = {}
_PROCESS_LOCKS_GUARD = threading.Lock()


def process_lock(key: str) -> threading.RLock:
    """One lock per index location for the whole process, shared by every LibraryIndex on it."""
    with _PROCESS_LOCKS_GUARD:
        return _PROCESS_LOCKS.setdefault(key, threading.RLock())


def _describe_holder(folder: Path) -> str:
    """Who holds the lock, from the side file, as a phrase for the error message."""
    try:
        holder = json.loads((folder / HOLDER_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return "another process (its details are not recorded)"
    return (
        f"process {holder.get('pid', '?')} on {holder.get('hostname', '?')} "
        f"running `{holder.get('command', '?')}` since {holder.get('started', '?')}"
    )


class SharedLock(Protocol):
    """A lock that holds across machines (index/server_lock.py: a PostgreSQL advisory lock)."""

    def hold(self, name: str, what: str) -> AbstractContextManager: ...


class WriterLock:
    """Exclusive write access to one index folder, or to one collection of a shared Chroma server."""

    def __init__(self, folder: Path, key: str | None = None, shared: SharedLock | None = None) -> None:
        self.folder = folder
        self.key = key or str(folder.resolve())
        self.shared = shared
        self._thread_lock = process_lock("writer:" + self.key)

    @contextmanager
    def hold(self, command: str | None = None, use_file_lock: bool = True) -> Iterator[None]:
        """Hold the lock for the duration of a write; raises IndexLocked if another process has it."""
        with self._thread_lock:
            if not use_file_lock:
                # A Chroma server: replicas on other machines write it too, so a lock they all see decides
                # (with no shared lock — SQLite — writers are on one host and Chroma serialises each request).
                if self.shared is None:
                    yield
                else:
                    with self.shared.hold("index-writer:" + self.key, f"the index {self.key}"):
                        yield
                return
            self.folder.mkdir(parents=True, exist_ok=True)
            file_lock = FileLock(str(self.folder / LOCK_FILE), thread_local=False)
            try:
                file_lock.acquire(timeout=0)
            except Timeout:
                raise IndexLocked(
                    f"the index at {self.folder} is being written by {_describe_holder(self.folder)}; "
                    "wait for it to finish (only one process may write an embedded index at a time)"
                ) from None
            try:
                holder = {
                    "pid": os.getpid(),
                    "hostname": socket.gethostname(),
                    "command": command or " ".join([os.path.basename(sys.argv[0]), *sys.argv[1:]]).strip(),
                    "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                }
                (self.folder / HOLDER_FILE).write_text(json.dumps(holder), encoding="utf-8")
                yield
            finally:
                try:
                    (self.folder / HOLDER_FILE).unlink()
                except OSError:
                    pass
                file_lock.release()


class WriteTracker:
    """Counts this process's writes to one index, so a reader keeps only what no write overlapped."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.generation = 0
        self.active = 0
        self._listeners: list = []

    def on_failed_write(self, listener) -> None:
        """Call `listener()` whenever a write fails (it may have changed the collection without a new revision)."""
        self._listeners.append(listener)

    def snapshot(self) -> tuple[int, int]:
        """(generation, writes in progress) now."""
        with self._lock:
            return self.generation, self.active

    def unchanged_since(self, snapshot: tuple[int, int]) -> bool:
        """True when no write started or ended since the snapshot and none is running."""
        with self._lock:
            return snapshot[1] == 0 and self.active == 0 and self.generation == snapshot[0]

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Mark a write in progress for as long as the block runs."""
        self._note(+1)
        failed = False
        try:
            yield
        except BaseException:
            failed = True
            raise
        finally:
            self._note(-1)
            if failed:
                for listener in self._listeners:
                    listener()

    def _note(self, delta: int) -> None:
        with self._lock:
            self.active += delta
            self.generation += 1
