"""The workbench database: engine set-up (SQLite or PostgreSQL), migrations, transactions, shared column types.

One database and one Alembic history (review/migrations) hold the tables of every package that keeps
records: the review queue's (review/tables.py), the LLM generation log (workbench/llm/generation_log.py)
and the signals (workbench/signals/tables.py).
"""

from __future__ import annotations

import os
import random
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from datetime import datetime, timezone

from sqlalchemy import Connection, DateTime, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from review.driver_statements import execute_on_cursor
from review.errors import DatabaseBusy

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_TIMEOUT_MS = 30_000
# Arbitrary constant so that concurrent `upgrade()` calls on PostgreSQL run one at a time.
_MIGRATION_LOCK_KEY = 7_320_118_001

T = TypeVar("T")


def newest_migration() -> str:
    """The head of the one line of history: migrations are numbered and each file's revision is its name."""
    return max(path.stem for path in (MIGRATIONS_DIR / "versions").glob("[0-9]*.py"))

# Every table of the workbench database names its constraints the same way (the migrations rely on it).
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite drops the zone otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; pass an aware UTC datetime")
        return value.astimezone(timezone.utc)

    def process_result_value(self, value: datetime | None, dialect):  # noqa: ANN001
        if value is None or value.tzinfo is timezone.utc:  # PostgreSQL sessions run in UTC: nothing to convert
            return value
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def result_processor(self, dialect, coltype):  # noqa: ANN001
        if dialect.name == "sqlite":
            # SQLite keeps the UTC time as text: parse it straight to an aware value (lists read thousands).
            return utc_from_text
        return super().result_processor(dialect, coltype)


def utc_from_text(value: str | None) -> datetime | None:
    """An aware UTC datetime from the text SQLite stores (naive UTC, as SQLAlchemy writes it, or any ISO 8601)."""
    if value is None:
        return None
    try:
        # Appending the zone makes one C call of what would be a parse and a replace (several times slower).
        fast = datetime.fromisoformat(value + "+00:00")
        if fast.tzinfo is not None:  # a date alone parses without its zone
            return fast
    except ValueError:
        pass  # the text carries its own offset (or is not a time: the parse below says so)
    parsed = datetime.fromisoformat(value)
    return parsed.replace(tzinfo=timezone.utc) if parsed.tzinfo is None else parsed.astimezone(timezone.utc)



class Database:
    """One engine for the whole workbench database, with write and read transactions."""

    def __init__(self, url: str, *, echo: bool = False) -> None:
        self.url = make_url(url)
        self.dialect = self.url.get_backend_name()
        if self.dialect == "sqlite":
            self.engine = self._sqlite_engine(echo)
        else:
            self.engine = create_engine(self.url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)
            event.listen(self.engine, "connect", _utc_session)

    def _sqlite_engine(self, echo: bool):
        database = self.url.database or ""
        connect_args = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
        if database in ("", ":memory:"):
            # One shared connection: every new connection to ":memory:" would be a new, empty database.
            engine = create_engine(self.url, echo=echo, connect_args=connect_args, poolclass=StaticPool)
        else:
            if not database.startswith("file:"):
                Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(self.url, echo=echo, connect_args=connect_args, pool_size=20, max_overflow=20)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record):  # noqa: ANN001
            # Let SQLAlchemy, not pysqlite, decide when transactions begin (SQLAlchemy pysqlite docs).
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
            # FULL: a committed publish must survive a power cut before its file is replaced.
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Connection) -> None:
            # IMMEDIATE takes the write lock up front: a deferred transaction that reads and then
            # writes can fail with "database is locked" even with a busy timeout.
            mode = connection.get_execution_options().get("sqlite_begin", "IMMEDIATE")
            _begin_on_driver(connection, f"BEGIN {mode}")

        return engine

    @property
    def is_sqlite(self) -> bool:
        """True for the embedded SQLite database."""
        return self.dialect == "sqlite"

    def upgrade(self) -> None:
        """Bring the schema to the newest migration (idempotent; safe from several processes)."""
        if self._at_newest_migration():
            return  # nothing to apply: spares every command loading Alembic and its scripts
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _MIGRATION_LOCK_KEY})
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def _at_newest_migration(self) -> bool:
        """Whether the recorded revision is the newest migration file's (read with one query, without Alembic)."""
        try:
            with self.read() as connection:
                recorded = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except DBAPIError:  # no table yet: a new database
            return False
        return recorded == [newest_migration()]

    def current_revision(self) -> str | None:
        """The Alembic revision the database is at (None before the first upgrade)."""
        from alembic.runtime.migration import MigrationContext

        with self.read() as connection:
            return MigrationContext.configure(connection).get_current_revision()

    @contextmanager
    def transaction(self, *, durable: bool = True) -> Iterator[Connection]:
        """A read-then-write transaction: BEGIN IMMEDIATE on SQLite; commits on success, rolls back on error.

        `durable=False` is for marks whose loss only repeats work (such as "this file is indexed"): on
        SQLite its commit is not synced to disk (still atomic, and kept when the process dies; a power cut
        may lose it), which saves an fsync.
        """
        with self.engine.connect() as connection:
            relaxed = not durable and self.is_sqlite
            if relaxed:
                _pragma(connection, "synchronous=NORMAL")
            try:
                with connection.begin():
                    yield connection
            finally:
                if relaxed:
                    _pragma(connection, "synchronous=FULL")

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read-only transaction (deferred on SQLite, so readers never wait for the write lock)."""
        with self.engine.connect() as connection:
            if self.is_sqlite:
                connection.execution_options(sqlite_begin="DEFERRED")
            with connection.begin():
                yield connection

    @contextmanager
    def snapshot(self) -> Iterator[Connection]:
        """A read-only transaction that sees one committed state throughout, while others keep writing.

        REPEATABLE READ on PostgreSQL (its default, READ COMMITTED, lets each statement see newer
        commits); on SQLite a read transaction in WAL mode already is one.
        """
        with self.engine.connect() as connection:
            if self.is_sqlite:
                connection.execution_options(sqlite_begin="DEFERRED")
            else:
                connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                yield connection

    def run_write(self, work: Callable[[Connection], T], *, attempts: int = 4, durable: bool = True) -> T:
        """Run `work` in a write transaction, retrying when the database reports a lock timeout or deadlock."""
        for attempt in range(1, attempts + 1):
            try:
                with self.transaction(durable=durable) as connection:
                    return work(connection)
            except (OperationalError, DBAPIError) as error:
                if not _is_retryable(error) or attempt == attempts:
                    if _is_retryable(error):
                        raise DatabaseBusy(
                            "the database stayed busy after several retries; try again in a moment"
                        ) from error
                    raise
                time.sleep(min(0.5, 0.01 * 2**attempt) * random.random())
        raise AssertionError("unreachable")

    def sync_log_in_background(self) -> Callable[[], None]:
        """Start syncing SQLite's write-ahead log to disk on a worker thread; returns the wait for it.

        Once the wait returns, every transaction committed before the call with `durable=False` is as
        durable as one committed with `durable=True`: in WAL mode, that setting's only difference is this
        fsync of the log at commit (a log already checkpointed away was synced by the checkpoint). The
        caller does other work meanwhile and waits before anything depends on those commits surviving a
        power cut. On PostgreSQL, and for an in-memory database, there is nothing to wait for.
        """
        database = self.url.database or ""
        if not self.is_sqlite or database in ("", ":memory:") or database.startswith("file:"):
            return lambda: None
        done: dict[str, BaseException | None] = {}

        def sync() -> None:
            try:
                with open(f"{Path(database).expanduser()}-wal", "rb") as log:
                    _sync_data(log.fileno())  # what SQLite itself calls on the log at a durable commit
                done["error"] = None
            except FileNotFoundError:
                done["error"] = None  # no log: its last connection checkpointed it into the synced database
            except BaseException as error:  # noqa: BLE001 - raised by the wait, in the caller's thread
                done["error"] = error

        worker = threading.Thread(target=sync, name="sqlite-log-sync", daemon=True)
        worker.start()

        def wait() -> None:
            worker.join()
            if done.get("error") is not None:
                raise done["error"]

        return wait

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


_sync_data = getattr(os, "fdatasync", os.fsync)


def _begin_on_driver(connection: Connection, statement: str) -> None:
    """Send BEGIN on the driver's cursor: SQLAlchemy's execution path costs several times the statement itself,
    and every write pays it. Listeners still see it, and a lock timeout is still an OperationalError run_write retries."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        execute_on_cursor(connection, cursor, statement, ())
    finally:
        cursor.close()


def _pragma(connection: Connection, setting: str) -> None:
    """Set a SQLite pragma on the driver connection itself, outside any transaction (SQLAlchemy would begin one)."""
    cursor = connection.connection.dbapi_connection.cursor()
    try:
        cursor.execute(f"PRAGMA {setting}")
    finally:
        cursor.close()


def _utc_session(dbapi_connection, _record) -> None:  # noqa: ANN001
    """Every PostgreSQL session in UTC: the driver then returns times in UTC already (a list converts none of them)."""
    # Every stored time is UTC and no query computes with the session's zone, so only the returned values' zone changes.
    cursor = dbapi_connection.cursor()
    cursor.execute("SET TIME ZONE 'UTC'")
    cursor.close()
    dbapi_connection.commit()


def _is_retryable(error: DBAPIError) -> bool:
    message = str(getattr(error, "orig", error)).lower()
    return any(
        marker in message
        for marker in ("database is locked", "database table is locked", "deadlock detected", "could not serialize")
    )
