"""Moving the whole workbench database to another server (SQLite → PostgreSQL, or back) without losing a row.

`copy_database(source, target)` brings both to the newest migration, refuses a target that already
holds people or audit rows, then copies every table in foreign-key order inside one target
transaction (a failure leaves the target as it was), moves each identity sequence past the copied
ids, and checks the result: the same number of rows in every table and an audit chain that verifies
with the same head. Tables are reflected from the databases, so a table added by a later migration
is copied without a change here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable

from sqlalchemy import Connection, DateTime, Integer, MetaData, Table, func, select, text
from sqlalchemy.exc import OperationalError

from review import audit
from review.db import Database
from review.errors import ReviewError

BATCH_ROWS = 1_000
# Tables that only ever hold what the migrations put there or rebuild themselves.
_NOT_COPIED = {"alembic_version"}
# A database holding no person and no audit row holds nothing a migration must not overwrite.
_EMPTY_WHEN_NO_ROWS_IN = ("users", "audit_log")

Progress = Callable[[str, int, int], None]


class DatabaseCopyRefused(ReviewError):
    """The copy was not started (or was rolled back): the target is unchanged."""


@dataclass(frozen=True)
class CopyReport:
    """What was copied, table by table, and the audit head both databases now share."""

    source: str
    target: str
    revision: str | None
    rows: dict[str, int] = field(default_factory=dict)
    audit_rows: int = 0
    audit_head: str = ""

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return {"source": self.source, "target": self.target, "revision": self.revision, "rows": dict(self.rows),
                "audit_rows": self.audit_rows, "audit_head": self.audit_head}


def copy_database(source: Database, target: Database, progress: Progress | None = None) -> CopyReport:
    """Copy every row of `source` into the empty, migrated `target`; raises DatabaseCopyRefused on any doubt."""
    if _same_database(source, target):
        raise DatabaseCopyRefused("the target is the database the workbench already uses; name another one")
    for database in (source, target):
        try:
            database.upgrade()
        except OperationalError as error:
            reason = str(error.orig).strip().splitlines()[0] if error.orig else "connection failed"
            raise DatabaseCopyRefused(f"cannot open the database {_display(database)}: {reason}") from None
    if source.current_revision() != target.current_revision():
        raise DatabaseCopyRefused(
            f"the databases are at different schema versions ({source.current_revision()} and {target.current_revision()})")
    with source.read() as reading:
        tables = _reflect(reading)
        source_verification = audit.verify(reading)
        if not source_verification.ok:
            raise DatabaseCopyRefused(f"the source audit log does not verify ({source_verification.problem}); "
                                      "a copy would carry that over — run `workbench audit verify` first")
        with target.transaction() as writing:
            target_tables = _reflect(writing)
            _check_same_tables(tables, target_tables)
            _check_empty(writing, target_tables)
            for table in reversed(target_tables.sorted_tables):
                writing.execute(table.delete())  # only rows the migrations seeded (e.g. the audit head)
            rows = {}
            ordered = [t for t in target_tables.sorted_tables if t.name not in _NOT_COPIED]
            for index, table in enumerate(ordered, start=1):
                rows[table.name] = _copy_table(reading, writing, tables.tables[table.name], table)
                if progress:
                    progress("copying tables", index, len(ordered))
            if target.dialect == "postgresql":
                _move_sequences(writing, ordered)
            _check_counts(writing, ordered, rows)
            copied = audit.verify(writing)
            if not copied.ok or copied.head_hash != source_verification.head_hash:
                raise DatabaseCopyRefused(f"the copied audit log does not verify ({copied.problem or 'its head differs'}); "
                                          "nothing was written to the target")
    return CopyReport(source=_display(source), target=_display(target), revision=target.current_revision(), rows=rows,
                      audit_rows=copied.rows_checked, audit_head=copied.head_hash)


def _reflect(connection: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(bind=connection)
    for name in _NOT_COPIED & set(metadata.tables):
        metadata.remove(metadata.tables[name])
    return metadata


def _check_same_tables(source: MetaData, target: MetaData) -> None:
    missing = sorted(set(source.tables) - set(target.tables))
    if missing:
        raise DatabaseCopyRefused(f"the target has no table {', '.join(missing)}; both databases must be at the same migration")


def _check_empty(connection: Connection, tables: MetaData) -> None:
    for name in _EMPTY_WHEN_NO_ROWS_IN:
        count = connection.execute(select(func.count()).select_from(tables.tables[name])).scalar_one()
        if count:
            raise DatabaseCopyRefused(
                f"the target database already holds {count} row(s) in {name}; migrate into an empty database "
                "(a new PostgreSQL database or schema), so that nothing there is overwritten")


def _copy_table(reading: Connection, writing: Connection, source: Table, target: Table) -> int:
    """Copy one table in batches; datetimes without a zone (SQLite keeps none) are the UTC they were written as."""
    zoned = {c.name for c in target.columns if isinstance(c.type, DateTime)}
    columns = [c.name for c in target.columns if c.name in source.columns]
    order = [source.columns[c.name] for c in target.primary_key.columns] or [source.columns[columns[0]]]
    copied = 0
    result = reading.execution_options(stream_results=True).execute(select(*[source.columns[c] for c in columns]).order_by(*order))
    while batch := result.fetchmany(BATCH_ROWS):
        values = [{name: _utc(value) if name in zoned else value for name, value in zip(columns, row)} for row in batch]
        writing.execute(target.insert(), values)
        copied += len(values)
    return copied


def _utc(value):
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value


def _move_sequences(connection: Connection, tables: list[Table]) -> None:
    """Point each serial/identity sequence past the highest copied id, so new rows never collide."""
    for table in tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = connection.execute(text("SELECT pg_get_serial_sequence(:table, :column)"),
                                          {"table": table.name, "column": column.name}).scalar_one()
            if sequence:
                connection.execute(text(f'SELECT setval(:sequence, COALESCE((SELECT MAX("{column.name}") FROM "{table.name}"), 1), '
                                        f'(SELECT MAX("{column.name}") FROM "{table.name}") IS NOT NULL)'), {"sequence": sequence})


def _check_counts(connection: Connection, tables: list[Table], expected: dict[str, int]) -> None:
    for table in tables:
        count = connection.execute(select(func.count()).select_from(table)).scalar_one()
        if count != expected[table.name]:
            raise DatabaseCopyRefused(f"{table.name}: {count} rows arrived of {expected[table.name]}; nothing was written")


def _same_database(a: Database, b: Database) -> bool:
    return a.url.render_as_string(hide_password=False) == b.url.render_as_string(hide_password=False)


def _display(database: Database) -> str:
    """The URL without its password, for reports and logs."""
    return database.url.render_as_string(hide_password=True)
