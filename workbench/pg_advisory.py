"""PostgreSQL session advisory locks by name: the statements and the 64-bit key of a name.

A session lock holds across machines and ends with its session, so a killed process never leaves
one taken; the index writer lock and the concurrency slots of governance are built on them.
"""

from __future__ import annotations

import hashlib

from sqlalchemy import Connection, text

TRY_LOCK = text("SELECT pg_try_advisory_lock(:key)")
UNLOCK = text("SELECT pg_advisory_unlock(:key)")


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for a lock name."""
    return int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:8], "big", signed=True)


def try_lock(connection: Connection, key: int) -> bool:
    """Take the lock on this session if it is free; no transaction stays open afterwards."""
    got = bool(connection.execute(TRY_LOCK, {"key": key}).scalar())
    connection.commit()  # the session lock outlives the transaction
    return got


def unlock(connection: Connection, key: int) -> None:
    """Give the lock back; a connection that cannot is invalidated (closing its session ends the lock)."""
    try:
        connection.execute(UNLOCK, {"key": key})
        connection.commit()
    except Exception:
        # A pooled connection must not keep the lock for its next user.
        connection.invalidate()
