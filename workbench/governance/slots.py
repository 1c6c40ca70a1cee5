"""Concurrency slots: a person (or team) holds one of N lock files while a generation runs.

A slot is an exclusive `flock` on one of the files `<key>.<n>.lock`: taking one costs a system call,
the operating system gives it back when the generation ends or its process dies (a killed process
never leaves a slot taken), and every workbench process on the host — the app's server and each
CLI command — sees the same slots.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path


class SlotLocks:
    """Exclusive lock files under one folder, `limit` of them per key."""

    def __init__(self, directory: Path) -> None:
        self.directory = Path(directory)

    def take(self, key: str, limit: int) -> int | None:
        """An open descriptor holding one of the key's slots, or None when all `limit` are held."""
        stem = hashlib.sha256(key.encode("utf-8")).hexdigest()[:20]  # any user or team name makes a safe file name
        for number in range(limit):
            descriptor = self._open(f"{stem}.{number}.lock")
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(descriptor)
                continue
            return descriptor
        return None

    def _open(self, name: str) -> int:
        # The folder is made when it is missing, not checked before every call (two system calls less per slot).
        path = os.path.join(self.directory, name)
        try:
            return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except FileNotFoundError:
            self.directory.mkdir(parents=True, exist_ok=True)
            return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    @staticmethod
    def give_back(descriptor: int) -> None:
        """Release a slot."""
        try:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            os.close(descriptor)
