"""Concurrency slots: a person (or team) holds one of N locks while a generation runs.

On SQLite (one host) a slot is an exclusive `flock` on one of the files `<key>.<n>.lock`: taking one
costs a system call, the operating system gives it back when the generation ends or its process
dies (a killed process never leaves a slot taken), and every workbench process on the host — the
app's server and each CLI command — sees the same slots. On PostgreSQL a slot is a session advisory
lock on a connection of its own (`AdvisorySlots`): every replica on every host sees it, and the
server gives it back when the session ends.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path
from typing import Any, Protocol

from sqlalchemy import Connection, Engine, text

from workbench.pg_advisory import advisory_key, try_lock, unlock


class Slots(Protocol):
    """Where concurrency slots are held: lock files (one host) or advisory locks (PostgreSQL)."""

    def take(self, key: str, limit: int) -> Any | None:
        """Something that holds one of the key's slots, or None when all `limit` are held."""

    def give_back(self, held: Any) -> None:
        """Release a slot."""


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


class AdvisorySlots:
    """`limit` PostgreSQL advisory locks per key, scoped to the workbench's database and schema."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._scope: str | None = None

    def take(self, key: str, limit: int) -> tuple[Connection, int] | None:
        """The session holding one of the key's slots and the lock's key, or None when all `limit` are held."""
        connection = self.engine.connect()
        try:
            scope = self._scope or self._read_scope(connection)
            for number in range(limit):
                lock = advisory_key(f"{scope}/generation-slot/{key}/{number}")
                if try_lock(connection, lock):
                    return connection, lock
        except BaseException:
            connection.close()
            raise
        connection.close()
        return None

    @staticmethod
    def give_back(held: tuple[Connection, int]) -> None:
        """Release a slot and its session."""
        connection, lock = held
        try:
            unlock(connection, lock)
        finally:
            connection.close()

    def _read_scope(self, connection: Connection) -> str:
        # Two workbench schemas on one server must not share slots (advisory locks are per database).
        self._scope = str(connection.execute(text("SELECT current_database() || '.' || current_schema()")).scalar())
        connection.commit()
        return self._scope

