"""Where imports and learners' results are kept: one transaction per import, each result once.

A file's results are written in batches inside the one transaction that also records the import,
so a crash or an error part way leaves nothing of that file behind. A result already stored (same
statement id, or same SCORM record) is skipped by the database itself (`ON CONFLICT DO NOTHING` on
`record_key`), so the same statement read from a file and from an LRS is kept once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterable

from sqlalchemy import Connection, distinct, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from review.db import Database
from workbench.signals.model import ImportReport, LearnerResult
from workbench.signals.tables import learner_results, signal_imports

BATCH_ROWS = 5_000


@dataclass(frozen=True)
class ItemFigures:
    """How one item fared: attempts, the people behind them and the share answered correctly."""

    module_id: str
    item_id: str
    objective_id: str
    attempts: int
    people: int
    correct_share: float | None

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {"module_id": self.module_id, "item_id": self.item_id, "objective_id": self.objective_id,
                "attempts": self.attempts, "people": self.people, "correct_share": self.correct_share}


class SignalStore:
    """Reads and writes the signals' tables of the workbench database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        dialect = postgresql if database.dialect == "postgresql" else sqlite
        self._insert_new = dialect.insert(learner_results).on_conflict_do_nothing(index_elements=["record_key"])
        # pysqlite sums rowcount over executemany; psycopg does not, so on PostgreSQL the new rows are returned and counted.
        self._count_returned = database.dialect == "postgresql"
        if self._count_returned:
            self._insert_new = self._insert_new.returning(learner_results.c.id)

    def find_file(self, sha256: str) -> ImportReport | None:
        """The report of the earlier import of the file with this sha256, if any."""
        with self.database.read() as connection:
            row = connection.execute(select(signal_imports).where(signal_imports.c.sha256 == sha256)).one_or_none()
        return _report(row) if row is not None else None

    def last_cursor(self, source: str) -> str | None:
        """The cursor the latest import from `source` (an LRS endpoint) left."""
        with self.database.read() as connection:
            return connection.execute(
                select(signal_imports.c.cursor).where(signal_imports.c.source == source, signal_imports.c.cursor.is_not(None))
                .order_by(signal_imports.c.id.desc()).limit(1)).scalar_one_or_none()

    def imports(self) -> list[ImportReport]:
        """Every import, newest first."""
        with self.database.read() as connection:
            rows = connection.execute(select(signal_imports).order_by(signal_imports.c.id.desc())).all()
        return [_report(row) for row in rows]

    def record_import(self, report: ImportReport, results: Iterable[LearnerResult],
                      on_batch: Callable[[ImportReport], None] | None = None) -> ImportReport:
        """Store the import and every new result in one transaction; `report` is completed as `results` is consumed."""
        with self.database.transaction() as connection:
            report.import_id = connection.execute(insert(signal_imports).values(
                kind=report.kind, source=report.source, sha256=report.sha256, imported_at=report.imported_at,
                imported_by=report.imported_by, cursor=report.cursor, read_count=0, kept_count=0, duplicate_count=0,
                ignored_count=0, rejected_count=0, report="{}",
            ).returning(signal_imports.c.id)).scalar_one()
            batch: list[dict] = []
            for result in results:
                batch.append(_row(report.import_id, result))
                if len(batch) >= BATCH_ROWS:
                    self._write(connection, batch, report)
                    batch = []
                    if on_batch is not None:
                        on_batch(report)
            if batch:
                self._write(connection, batch, report)
            connection.execute(update(signal_imports).where(signal_imports.c.id == report.import_id).values(
                cursor=report.cursor, read_count=report.read, kept_count=report.kept, duplicate_count=report.duplicates,
                ignored_count=report.ignored, rejected_count=report.rejected, report=json.dumps(report.as_dict()),
            ))
        return report

    def _write(self, connection: Connection, rows: list[dict], report: ImportReport) -> None:
        # Repeats inside one batch would make the same key conflict with itself: keep the first.
        first: dict[str, dict] = {}
        for row in rows:
            first.setdefault(row["record_key"], row)
        unique = list(first.values()) if len(first) < len(rows) else rows
        outcome = connection.execute(self._insert_new, unique)
        stored = len(outcome.all()) if self._count_returned else outcome.rowcount
        report.kept += stored
        report.duplicates += len(rows) - stored

    def item_figures(self, module_id: str | None = None) -> list[ItemFigures]:
        """Per answered item: attempts, distinct people and the share judged correct (no threshold applied here)."""
        query = (select(learner_results.c.module_id, learner_results.c.item_id, learner_results.c.objective_id,
                        func.count().label("attempts"), func.count(distinct(learner_results.c.person)).label("people"),
                        func.sum(_correct()).label("correct"), func.count(learner_results.c.success).label("judged"))
                 .where(learner_results.c.item_id.is_not(None), learner_results.c.verb == "answered")
                 .group_by(learner_results.c.module_id, learner_results.c.item_id, learner_results.c.objective_id)
                 .order_by(learner_results.c.module_id, learner_results.c.item_id))
        if module_id:
            query = query.where(learner_results.c.module_id == module_id)
        with self.database.read() as connection:
            rows = connection.execute(query).all()
        return [ItemFigures(row.module_id, row.item_id, row.objective_id, row.attempts, row.people,
                            (row.correct or 0) / row.judged if row.judged else None) for row in rows]

    def result_count(self) -> int:
        """How many results are kept."""
        with self.database.read() as connection:
            return connection.execute(select(func.count()).select_from(learner_results)).scalar_one()


def _correct():
    from sqlalchemy import case

    return case((learner_results.c.success.is_(True), 1), else_=0)


@lru_cache(maxsize=4096)
def _skills_json(skill_ids: tuple[str, ...]) -> str:
    # Every result of one item carries the same skills: encode them once.
    return json.dumps(list(skill_ids))


def _row(import_id: int, result: LearnerResult) -> dict:
    return {
        "import_id": import_id, "record_key": result.record_key, "person": result.person, "module_id": result.module_id,
        "item_id": result.item_id, "objective_id": result.objective_id, "skill_ids": _skills_json(result.skill_ids),
        "verb": result.verb, "success": result.success, "score_scaled": result.score_scaled, "response": result.response,
        "occurred_at": result.occurred_at,
    }


def _report(row) -> ImportReport:  # noqa: ANN001 - a row of signal_imports
    stored = json.loads(row.report or "{}")
    report = ImportReport.from_dict(stored) if stored else ImportReport(kind=row.kind, source=row.source)
    report.import_id, report.sha256, report.imported_at, report.imported_by = row.id, row.sha256, row.imported_at, row.imported_by
    report.cursor = row.cursor
    return report
