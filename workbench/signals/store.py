"""Where imports and learners' results are kept: one transaction per import, each result once.

A file's results are written in batches inside the one transaction that also records the import,
so a crash or an error part way leaves nothing of that file behind. A result already stored (same
statement id, or same SCORM record) is skipped by the database itself (`ON CONFLICT DO NOTHING` on
`record_key`, also for repeats inside one batch), so the same statement read from a file and from an LRS is kept once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Callable, Iterable

from sqlalchemy import Connection, case, distinct, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from review.db import Database
from workbench.signals.market_trend import TrendCount
from workbench.signals.model import ImportReport, LearnerResult
from workbench.signals.proficiency import ProficiencyRating
from workbench.signals.tables import learner_results, market_trend_counts, proficiency_ratings, signal_imports

BATCH_ROWS = 5_000
WRITERS = {"results": "_write", "ratings": "_write_ratings", "trends": "_write_trends"}  # what record_import's `rows` names
RESULT_COLUMNS = ("import_id", "record_key", "person", "module_id", "item_id", "objective_id", "skill_ids", "verb",
                  "success", "score_scaled", "response", "occurred_at")


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


@dataclass(frozen=True)
class SkillProficiency:
    """How the people rated on one skill in one period stand against their targets."""

    skill_id: str
    period: str
    people: int
    below_target: int

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {"skill_id": self.skill_id, "period": self.period, "people": self.people, "below_target": self.below_target,
                "share_below_target": self.below_target / self.people if self.people else None}


@dataclass(frozen=True)
class TrendPoint:
    """How often one skill was asked for in one period (the latest import that gave that period)."""

    skill_id: str
    period: str
    count: int


@dataclass(frozen=True)
class SkillMastery:
    """How the answers on one skill's items went: attempts judged, correct among them, the people behind them."""

    skill_id: str
    attempts: int
    correct: int
    people: int


@dataclass(frozen=True)
class SignalsRevision:
    """A cheap fingerprint of everything imported: it changes whenever an import lands."""

    last_import_id: int | None
    imports: int

    def as_key(self) -> str:
        """A short text for cache keys."""
        return f"signals:{self.last_import_id or 0}:{self.imports}"


class SignalStore:
    """Reads and writes the signals' tables of the workbench database."""

    def __init__(self, database: Database) -> None:
        self.database = database
        dialect = database.engine.dialect
        marker = "?" if dialect.paramstyle == "qmark" else "%s"
        # Written at the driver level (one executemany per batch, values bound by the columns' own types): the ORM-free
        # Core path costs more per row than checking the statement does. Both drivers sum rowcount over executemany.
        self._insert_new = (f"INSERT INTO {learner_results.name} ({', '.join(RESULT_COLUMNS)}) "
                            f"VALUES ({', '.join([marker] * len(RESULT_COLUMNS))}) ON CONFLICT (record_key) DO NOTHING")
        # Results carry aware UTC times already (xapi.parse_time): only the driver's own conversion is left to do.
        self._bind_time = _time_binder(learner_results.c.occurred_at.type.impl, dialect)
        self._bind_flag = _binder(learner_results.c.success.type, dialect)
        # Ratings come a few thousand a file: the Core path, counting the rows it returns as stored.
        insert_for = postgresql.insert if database.dialect == "postgresql" else sqlite.insert
        self._insert_rating = (insert_for(proficiency_ratings).on_conflict_do_nothing(index_elements=["record_key"])
                               .returning(proficiency_ratings.c.id))
        self._insert_trend = (insert_for(market_trend_counts).on_conflict_do_nothing(index_elements=["record_key"])
                              .returning(market_trend_counts.c.id))

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

    def revision(self) -> SignalsRevision:
        """The latest import's id and the number of imports: what a cache of figures built on signals is keyed by."""
        with self.database.read() as connection:
            row = connection.execute(select(func.max(signal_imports.c.id), func.count()).select_from(signal_imports)).one()
        return SignalsRevision(row[0], row[1])

    def record_import(self, report: ImportReport, results: Iterable[LearnerResult | ProficiencyRating | TrendCount],
                      on_batch: Callable[[ImportReport], None] | None = None, rows: str = "results") -> ImportReport:
        """Store the import and every new result, rating or trend count (`rows`) in one transaction; `report` is completed as they are consumed."""
        write = getattr(self, WRITERS[rows])
        with self.database.transaction() as connection:
            report.import_id = connection.execute(insert(signal_imports).values(
                kind=report.kind, source=report.source, sha256=report.sha256, imported_at=report.imported_at,
                imported_by=report.imported_by, cursor=report.cursor, read_count=0, kept_count=0, duplicate_count=0,
                ignored_count=0, rejected_count=0, report="{}",
            ).returning(signal_imports.c.id)).scalar_one()
            batch: list = []
            for result in results:
                batch.append(result)
                if len(batch) >= BATCH_ROWS:
                    write(connection, report.import_id, batch, report)
                    batch = []
                    if on_batch is not None:
                        on_batch(report)
            if batch:
                write(connection, report.import_id, batch, report)
            connection.execute(update(signal_imports).where(signal_imports.c.id == report.import_id).values(
                cursor=report.cursor, read_count=report.read, kept_count=report.kept, duplicate_count=report.duplicates,
                ignored_count=report.ignored, rejected_count=report.rejected, report=json.dumps(report.as_dict()),
            ))
        return report

    def _write(self, connection: Connection, import_id: int, results: list[LearnerResult], report: ImportReport) -> None:
        bind_time, bind_flag = self._bind_time, self._bind_flag
        rows = [(import_id, r.record_key, r.person, r.module_id, r.item_id, r.objective_id, _skills_json(r.skill_ids), r.verb,
                 bind_flag(r.success), r.score_scaled, r.response, bind_time(r.occurred_at)) for r in results]
        stored = connection.exec_driver_sql(self._insert_new, rows).rowcount
        report.kept += stored
        report.duplicates += len(rows) - stored

    def _write_ratings(self, connection: Connection, import_id: int, ratings: list[ProficiencyRating], report: ImportReport) -> None:
        _write_returning(connection, self._insert_rating, import_id, ratings, report)

    def _write_trends(self, connection: Connection, import_id: int, counts: list[TrendCount], report: ImportReport) -> None:
        _write_returning(connection, self._insert_trend, import_id, counts, report)

    def trend_points(self) -> list[TrendPoint]:
        """Per skill and period, the count of the latest import that gave one (a later file revises an earlier one)."""
        table = market_trend_counts
        latest = (select(table.c.skill_id, table.c.period, func.max(table.c.import_id).label("import_id"))
                  .group_by(table.c.skill_id, table.c.period).subquery())
        query = (select(table.c.skill_id, table.c.period, func.sum(table.c.count).label("count"))
                 .join(latest, (table.c.skill_id == latest.c.skill_id) & (table.c.period == latest.c.period)
                       & (table.c.import_id == latest.c.import_id))
                 .group_by(table.c.skill_id, table.c.period).order_by(table.c.skill_id, table.c.period))
        with self.database.read() as connection:
            rows = connection.execute(query).all()
        return [TrendPoint(row.skill_id, row.period, int(row.count)) for row in rows]

    def proficiency_figures(self) -> list[SkillProficiency]:
        """Per skill and period: people rated, and how many of them below their target (no threshold applied here)."""
        query = (select(proficiency_ratings.c.skill_id, proficiency_ratings.c.period,
                        func.count(distinct(proficiency_ratings.c.person)).label("people"),
                        func.count(distinct(case((proficiency_ratings.c.rating < proficiency_ratings.c.target,
                                                  proficiency_ratings.c.person)))).label("below"))
                 .where(proficiency_ratings.c.person.is_not(None), proficiency_ratings.c.target.is_not(None))
                 .group_by(proficiency_ratings.c.skill_id, proficiency_ratings.c.period)
                 .order_by(proficiency_ratings.c.skill_id, proficiency_ratings.c.period))
        with self.database.read() as connection:
            rows = connection.execute(query).all()
        return [SkillProficiency(row.skill_id, row.period, row.people, row.below) for row in rows]

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

    def skill_mastery(self) -> list[SkillMastery]:
        """Per skill: judged answers on its items, how many correct, distinct people (no threshold applied here)."""
        query = (select(learner_results.c.skill_ids, learner_results.c.person, func.count(learner_results.c.success).label("judged"),
                        func.sum(_correct()).label("correct"))
                 .where(learner_results.c.item_id.is_not(None), learner_results.c.verb == "answered")
                 .group_by(learner_results.c.skill_ids, learner_results.c.person))
        attempts: dict[str, list] = {}  # skill -> [judged, correct, people]
        with self.database.read() as connection:
            # One row per (skills of an item, person): people are counted once per skill across items.
            for row in connection.execute(query):
                for skill_id in json.loads(row.skill_ids):
                    figures = attempts.setdefault(skill_id, [0, 0, set()])
                    figures[0] += row.judged
                    figures[1] += row.correct or 0
                    figures[2].add(row.person)
        return [SkillMastery(skill_id, judged, correct, len(people)) for skill_id, (judged, correct, people) in sorted(attempts.items())]

    def first_answers(self, module_id: str) -> list[tuple[str, str, bool, str]]:
        """(person, item, correct, response) of each person's first judged answer to each item of a module."""
        table = learner_results
        query = (select(table.c.person, table.c.item_id, table.c.success, table.c.response)
                 .where(table.c.module_id == module_id, table.c.verb == "answered", table.c.item_id.is_not(None),
                        table.c.success.is_not(None))
                 .order_by(table.c.person, table.c.item_id, table.c.occurred_at, table.c.id))
        answers, seen = [], set()
        with self.database.read() as connection:
            for row in connection.execute(query):
                if (row.person, row.item_id) not in seen:  # a retake has seen the feedback: the first answer counts
                    seen.add((row.person, row.item_id))
                    answers.append((row.person, row.item_id, bool(row.success), row.response or ""))
        return answers

    def answered_modules(self) -> list[str]:
        """The modules with answers to their items."""
        query = (select(learner_results.c.module_id).distinct()
                 .where(learner_results.c.verb == "answered", learner_results.c.item_id.is_not(None))
                 .order_by(learner_results.c.module_id))
        with self.database.read() as connection:
            return list(connection.execute(query).scalars())

    def result_count(self) -> int:
        """How many results are kept."""
        with self.database.read() as connection:
            return connection.execute(select(func.count()).select_from(learner_results)).scalar_one()


def _write_returning(connection: Connection, statement, import_id: int, records: list, report: ImportReport) -> None:
    """Insert named-tuple records with ON CONFLICT DO NOTHING ... RETURNING, counting the rows stored as kept."""
    rows = [dict(import_id=import_id, **record._asdict()) for record in records]
    stored = len(connection.execute(statement, rows).all())
    report.kept += stored
    report.duplicates += len(rows) - stored


def _correct():
    return case((learner_results.c.success.is_(True), 1), else_=0)


@lru_cache(maxsize=4096)
def _skills_json(skill_ids: tuple[str, ...]) -> str:
    # Every result of one item carries the same skills: encode them once.
    return json.dumps(list(skill_ids))


def _binder(column_type, dialect) -> Callable:
    """The column type's own conversion of a Python value for this driver (identity when it needs none)."""
    process = column_type.dialect_impl(dialect).bind_processor(dialect)
    return process if process is not None else (lambda value: value)


def _time_binder(column_type, dialect) -> Callable:
    """The time column's conversion; on SQLite the same text by `isoformat`, several times cheaper per row."""
    process = _binder(column_type, dialect)

    def iso(value: datetime) -> str:
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")

    probe = datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone.utc)
    # Used only while it writes exactly what SQLAlchemy's own SQLite DATETIME writes (and reads back).
    return iso if dialect.name == "sqlite" and iso(probe) == process(probe) else process


def _report(row) -> ImportReport:  # noqa: ANN001 - a row of signal_imports
    stored = json.loads(row.report or "{}")
    report = ImportReport.from_dict(stored) if stored else ImportReport(kind=row.kind, source=row.source)
    report.import_id, report.sha256, report.imported_at, report.imported_by = row.id, row.sha256, row.imported_at, row.imported_by
    report.cursor = row.cursor
    return report
