"""The audit chain's anchor outside the database: the last verified head (sequence, hash) in a file.

Someone with write access to the database can delete the newest audit rows and reset `audit_head`,
or wipe the table: the chain that is left verifies. A checkpoint file in the data dir remembers the
head as it was at the last publish or `audit verify`; a chain shorter than it, or one whose row at
the checkpoint's sequence has another hash, no longer verifies.
"""

from __future__ import annotations

import fcntl
import json
import os
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator


class CheckpointUnreadable(Exception):
    """The checkpoint file exists but is not a checkpoint (truncated, edited, not JSON)."""


@dataclass(frozen=True)
class Checkpoint:
    """The head of the audit chain at one moment: the last sequence number and its row hash."""

    seq: int
    hash: str
    at: str

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {"seq": self.seq, "hash": self.hash, "at": self.at}


class CheckpointFile:
    """Reads and atomically replaces the checkpoint file; writers take a lock so it only moves forward."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def read(self) -> Checkpoint | None:
        """The checkpoint, None when none was written yet, or CheckpointUnreadable."""
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except OSError as error:
            raise CheckpointUnreadable(f"the audit checkpoint {self.path} cannot be read ({error})") from None
        try:
            data = json.loads(raw)
            checkpoint = Checkpoint(int(data["seq"]), str(data["hash"]), str(data.get("at", "")))
        except (ValueError, TypeError, KeyError):
            raise CheckpointUnreadable(f"the audit checkpoint {self.path} is not a checkpoint (edited or truncated)") from None
        if checkpoint.seq < 0 or len(checkpoint.hash) != 64:
            raise CheckpointUnreadable(f"the audit checkpoint {self.path} is not a checkpoint (edited or truncated)")
        return checkpoint

    @contextmanager
    def locked(self) -> Iterator[None]:
        """Hold the writers' lock (two processes never move the checkpoint backwards)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with open(self.path.with_name(self.path.name + ".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def write(self, checkpoint: Checkpoint) -> None:
        """Replace the file atomically: a crash leaves the old checkpoint or the new one, never half of one."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        data = json.dumps(checkpoint.to_dict(), sort_keys=True).encode("utf-8")
        with open(temp, "wb") as stream:
            stream.write(data + b"\n")
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, self.path)
        directory = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
