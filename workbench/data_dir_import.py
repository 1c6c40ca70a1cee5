"""State that earlier versions kept in a replica's data dir, copied into the database once.

The source (a file or a folder) is renamed `<name>.imported` after the copy commits; a copy cut
short before the rename runs again and skips the rows already there (matched on `key`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

from sqlalchemy import Connection, Table, insert, select

from review.db import Database


class DataDirImport:
    """Imports one data-dir source into one table, the first time the state is used."""

    def __init__(self, database: Database, source: Path | None, table: Table, key: tuple[str, ...],
                 read_rows: Callable[[Path], list[dict]]) -> None:
        self.database = database
        self.source = Path(source) if source is not None else None
        self.table = table
        self.key = key
        self.read_rows = read_rows
        self._lock = threading.Lock()

    def run(self) -> None:
        """Copy the source's rows unless it is gone (imported before, or never there)."""
        if self.source is None or not self.source.exists():
            return
        with self._lock:
            if not self.source.exists():
                return
            rows = self.read_rows(self.source)

            def work(connection: Connection) -> None:
                columns = [self.table.c[name] for name in self.key]
                seen = {tuple(row) for row in connection.execute(select(*columns))}
                fresh = [row for row in rows if tuple(row[name] for name in self.key) not in seen]
                if fresh:
                    connection.execute(insert(self.table), fresh)

            self.database.run_write(work)
            self.source.replace(self.source.with_name(self.source.name + ".imported"))
