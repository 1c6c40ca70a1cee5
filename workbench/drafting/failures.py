"""Model replies that stayed invalid after the retries: kept in the database for the author, named in the error.

Earlier versions kept one file per reply under `<data dir>/failed_generations/`; such a folder is
imported once, then renamed, so the replies are readable from every replica.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import insert, select

from review.db import Database
from workbench.data_dir_import import DataDirImport
from workbench.drafting.tables import failed_generations
from workbench.drafting.errors import FailedGenerationNotFound


@dataclass(frozen=True)
class FailedGeneration:
    """One kept reply: its number, when, the prompt, the error and the raw text."""

    id: int
    at: datetime
    label: str
    message: str
    raw_output: str


class FailedGenerations:
    """The kept replies, one row per failed generation."""

    def __init__(self, database: Database, clock: Callable[[], datetime] | None = None, legacy_folder: Path | None = None) -> None:
        self.database = database
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._legacy = DataDirImport(database, legacy_folder, failed_generations, ("at", "label"),
                                     lambda folder: [_legacy_row(path) for path in sorted(folder.glob("*.txt"))])

    def save(self, label: str, raw_output: str, message: str) -> int:
        """Keep the reply with its error; returns its number."""
        self._import_legacy()
        row = {"at": self.clock(), "label": label[:200], "message": message, "raw_output": raw_output}
        return self.database.run_write(
            lambda connection: connection.execute(insert(failed_generations).values(**row)).inserted_primary_key[0])

    def get(self, number: int) -> FailedGeneration:
        """One kept reply (FailedGenerationNotFound when there is none with that number)."""
        self._import_legacy()
        with self.database.read() as connection:
            row = connection.execute(select(failed_generations).where(failed_generations.c.id == number)).first()
        if row is None:
            raise FailedGenerationNotFound(f"no failed generation #{number} is kept")
        return FailedGeneration(row.id, row.at, row.label, row.message, row.raw_output)

    def _import_legacy(self) -> None:
        """Copy the data dir's reply files into the database once, then rename the folder."""
        self._legacy.run()


def _legacy_row(path: Path) -> dict:
    """A reply file (`<UTC stamp>-<label>.txt`, the error as its first line) as a row."""
    stamp, _, label = path.stem.partition("-")
    try:
        at = datetime.strptime(stamp, "%Y%m%dT%H%M%S%fZ").replace(tzinfo=timezone.utc)
    except ValueError:
        at = datetime.fromtimestamp(path.stat().st_mtime, timezone.utc)
    text = path.read_text(encoding="utf-8", errors="replace")
    first, _, raw = text.partition("\n")
    return {"at": at, "label": (label or path.stem)[:200], "message": first.removeprefix("# "), "raw_output": raw}
