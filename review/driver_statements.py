"""Statements run on the driver's cursor: compiled once per dialect, typed by the columns' own converters.

Every state change runs the same dozen small statements; SQLAlchemy's execution layers cost about ten
times what the driver takes to run each of them. A `DriverStatement` keeps SQLAlchemy's SQL, its
parameter converters and its result converters, and skips the rest. The engine's
`before_cursor_execute` listeners still see every statement (logging, statement counts).
"""

from __future__ import annotations

from collections import namedtuple
from typing import Any, Callable, Mapping, Sequence

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement


class _Compiled:
    """One statement's SQL for one dialect, with its converters and its row type."""

    __slots__ = ("sql", "order", "defaults", "binders", "row_type", "readers")

    def __init__(self, statement: ClauseElement, dialect: Dialect, column_keys: Sequence[str] | None) -> None:
        compiled = statement.compile(dialect=dialect, column_keys=list(column_keys) if column_keys is not None else None)
        self.sql: str = compiled.string
        # Positional drivers (SQLite) take the values in the SQL's order; the others take them by name.
        self.order: tuple[str, ...] | None = tuple(compiled.positiontup) if compiled.positiontup is not None else None
        # Values written into the statement itself (`id == 1`) travel as parameters too.
        self.defaults: dict[str, Any] = {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}
        self.binders: dict[str, Callable[[Any], Any]] = {
            name: processor for name, bind in compiled.binds.items()
            if (processor := bind.type._cached_bind_processor(dialect)) is not None
        }
        columns = getattr(compiled, "_result_columns", None) or []
        self.row_type = namedtuple("DriverRow", [column[0] for column in columns], rename=True) if columns else None  # type: ignore[misc]
        self.readers: list[tuple[int, Callable[[Any], Any]]] = [
            (index, processor) for index, column in enumerate(columns)
            if (processor := column[3]._cached_result_processor(dialect, None)) is not None
        ]


def execute_on_cursor(connection: Connection, cursor: Any, sql: str, arguments: Any) -> None:
    """Execute on the driver's cursor as SQLAlchemy would: its `before_cursor_execute` listeners first, its exceptions on failure."""
    engine = connection.engine
    if engine.dispatch.before_cursor_execute:
        for listener in engine.dispatch.before_cursor_execute:
            listener(connection, cursor, sql, arguments, None, False)
    try:
        cursor.execute(sql, arguments)
    except Exception as error:
        cursor.close()
        # The same exception types SQLAlchemy raises (IntegrityError, OperationalError): callers catch those.
        connection._handle_dbapi_exception(error, sql, arguments, cursor, None)  # type: ignore[attr-defined]
        raise


class DriverStatement:
    """A Core statement executed straight on the transaction's driver cursor; rows come back as named tuples."""

    def __init__(self, statement: ClauseElement, *, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = column_keys
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = _Compiled(self.statement, dialect, self.column_keys)
        return found

    def _run(self, connection: Connection, values: Mapping[str, Any]) -> tuple[_Compiled, Any]:
        """Execute with these values on the connection's cursor (inside its transaction); returns the cursor."""
        compiled = self._compiled(connection.dialect)
        binders = compiled.binders
        given = {**compiled.defaults, **values} if compiled.defaults else values
        converted = {name: binders[name](value) if name in binders else value for name, value in given.items()}
        arguments: Any = tuple(converted[name] for name in compiled.order) if compiled.order is not None else converted
        cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        execute_on_cursor(connection, cursor, compiled.sql, arguments)
        return compiled, cursor

    def rows(self, connection: Connection, values: Mapping[str, Any] | None = None) -> list[Any]:
        """Every row, as named tuples with the columns' converted values."""
        compiled, cursor = self._run(connection, values or {})
        try:
            fetched = cursor.fetchall()
        finally:
            cursor.close()
        readers, make = compiled.readers, compiled.row_type._make  # type: ignore[union-attr]
        if not readers:
            return [make(row) for row in fetched]
        rows = []
        for row in fetched:
            values_ = list(row)
            for index, reader in readers:
                values_[index] = reader(values_[index])
            rows.append(make(values_))
        return rows

    def first(self, connection: Connection, values: Mapping[str, Any] | None = None) -> Any | None:
        """The first row, or None."""
        rows = self.rows(connection, values)
        return rows[0] if rows else None

    def run(self, connection: Connection, values: Mapping[str, Any] | None = None) -> None:
        """Execute a statement that returns no rows the caller needs."""
        _, cursor = self._run(connection, values or {})
        cursor.close()
