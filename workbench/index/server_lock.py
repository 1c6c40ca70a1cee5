"""Index writers on a shared Chroma server exclude each other across machines with a PostgreSQL advisory lock.

The lock is a session lock on a connection of its own, held while the write runs: it holds across
replicas on any host, and the server gives it back when the session ends, so a killed writer never
leaves the index locked. A second writer waits for it (a publish on one replica waits for a
re-index on another) up to `wait_seconds`, then is refused with the holder named.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from typing import Iterator

from sqlalchemy import Connection, Engine, text

from workbench.errors import IndexLocked
from workbench.pg_advisory import advisory_key, try_lock, unlock

# A bigint advisory key shows in pg_locks as classid (high 32 bits) and objid (low 32 bits), objsubid 1.
_HOLDER = text(
    "SELECT a.pid, host(a.client_addr) AS address, a.application_name, a.backend_start FROM pg_locks l "
    "JOIN pg_stat_activity a ON a.pid = l.pid WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
    "AND l.classid::bigint = :high AND l.objid::bigint = :low LIMIT 1"
)


class AdvisoryLocks:
    """Named session advisory locks on one PostgreSQL database."""

    def __init__(self, engine: Engine, wait_seconds: float, poll_seconds: float = 0.2) -> None:
        self.engine = engine
        self.wait_seconds = wait_seconds
        self.poll_seconds = poll_seconds

    @contextmanager
    def hold(self, name: str, what: str) -> Iterator[None]:
        """Hold the lock `name` while the block runs; IndexLocked when another session kept it past the wait."""
        key = advisory_key(name)
        with self.engine.connect() as connection:
            deadline = time.monotonic() + self.wait_seconds
            while not try_lock(connection, key):
                if time.monotonic() >= deadline:
                    raise IndexLocked(
                        f"{what} is being written by {_describe_holder(connection, key)}; it did not finish within "
                        f"{self.wait_seconds:g} s (WORKBENCH_INDEX_WRITER_WAIT_SECONDS), try again later"
                    )
                time.sleep(self.poll_seconds)
            try:
                yield
            finally:
                unlock(connection, key)


def _describe_holder(connection: Connection, key: int) -> str:
    """Who holds the lock, from the server's view of its sessions."""
    unsigned = key & 0xFFFF_FFFF_FFFF_FFFF
    row = connection.execute(_HOLDER, {"high": unsigned >> 32, "low": unsigned & 0xFFFF_FFFF}).first()
    connection.commit()
    if row is None:
        return "another workbench process (its session has just ended)"
    where = row.address or "a local socket"
    name = f" ({row.application_name})" if row.application_name else ""
    return f"database session {row.pid} from {where}{name}, connected since {row.backend_start:%Y-%m-%d %H:%M:%S %Z}"
