"""Running the review lists near the driver: each query shape compiled once, rows fetched as plain tuples, one summary per row."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Callable

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

from review.draft_list import ListFilter, ListShape, dimension_flags, list_shape, summary_query
from review.policy import ALL_DIMENSIONS, DraftState
from review.tables import drafts
from review.views import DraftCursor, DraftSummary

# Enough for every shape the app and the CLI ask for; a caller varying excluded states freely only recompiles.
_MAX_SHAPES = 256
_STATES = {state.value: state for state in DraftState}
# Every combination of the flags column, worked out once: summaries share these immutable tuples.
_DIMENSIONS = {flags: dimension_flags(flags) for flags in range(1 << (2 * len(ALL_DIMENSIONS)))}


class ListReader:
    """The review lists on one database dialect: SQL compiled per query shape, executed with the driver's parameters."""

    def __init__(self, dialect: Dialect) -> None:
        self.dialect = dialect
        # The time column's own converter (SQLite's stored text parsed straight to aware UTC, for one).
        self.read_time: Callable[[Any], datetime | None] = (
            drafts.c.updated_at.type._cached_result_processor(dialect, None) or (lambda value: value))
        self._compiled: dict[ListShape, tuple[SQLCompiler, dict[str, Callable[[Any], Any]]]] = {}

    def compiled(self, shape: ListShape) -> tuple[SQLCompiler, dict[str, Callable[[Any], Any]]]:
        """The list query of this shape compiled for the dialect, with its parameters' value processors (once per shape)."""
        found = self._compiled.get(shape)
        if found is None:
            if len(self._compiled) >= _MAX_SHAPES:
                self._compiled.clear()
            compiled: SQLCompiler = summary_query(self.dialect.name, shape).compile(dialect=self.dialect)  # type: ignore[assignment]
            # What SQLAlchemy would apply to each value (the cursor's time becomes SQLite's stored text, for one).
            processors = {name: processor for name, bind in compiled.binds.items()
                          if (processor := bind.type.dialect_impl(self.dialect).bind_processor(self.dialect)) is not None}
            found = self._compiled[shape] = (compiled, processors)
        return found

    def read(self, connection: Connection, wanted: ListFilter, *, after: DraftCursor | None = None,
             limit: int | None = None) -> list[DraftSummary]:
        """The summaries of one list, newest first: one statement, its rows as the driver returns them."""
        shape, values = list_shape(wanted, after=after, limit=limit)
        # The compiled form gives the final SQL (IN lists expanded) and the driver's parameters, typed as columns want them.
        compiled, processors = self.compiled(shape)
        state = compiled.construct_expanded_state(values)
        processors = {**processors, **state.processors} if state.processors else processors
        parameters = {name: processors[name](value) if name in processors else value for name, value in state.parameters.items()}
        arguments = tuple(parameters[name] for name in state.positiontup) if state.positiontup is not None else parameters
        result = connection.exec_driver_sql(state.statement, arguments)
        try:
            rows = result.cursor.fetchall()
        finally:
            result.close()
        return self._summaries(rows)

    def _summaries(self, rows: list[tuple]) -> list[DraftSummary]:
        """One summary per row (effective state, dimension tuples and an aware UTC time; no per-row SQLAlchemy work)."""
        build, read_time, states, dimensions = DraftSummary.of_values, self.read_time, _STATES, _DIMENSIONS
        approved = DraftState.APPROVED
        summaries: list[DraftSummary] = []
        append = summaries.append
        for draft_id, title, state, revision, updated_at, author, path, flags in rows:
            signed, missing, lapsed = dimensions[flags]
            effective = states[state]
            append(build(draft_id, title, effective, revision, author, signed, missing, effective is approved,
                         read_time(updated_at), path, lapsed))
        return summaries
