"""Coverage over time: one summary point per gap report whose results differ from the last one.

The points live in the workbench database, so every replica shows the same history. A data dir
that still holds the JSON-lines file of earlier versions is imported once, then the file is renamed.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from sqlalchemy import Connection, insert, select

from review.db import Database
from workbench.data_dir_import import DataDirImport
from workbench.gaps.report import GapReport
from workbench.gaps.tables import coverage_history

STATUSES = ("covered", "partial", "stale", "gap")
_COUNTS = ("skills", *STATUSES)


def summarize(report: GapReport, framework: str) -> dict:
    """Counts per status and mean coverage of a report (without a timestamp)."""
    statuses = [str(skill.status) for skill in report.skills]
    coverages = [float(skill.coverage or 0.0) for skill in report.skills]
    return {
        "framework": framework[:300],
        "skills": len(statuses),
        **{status: statuses.count(status) for status in STATUSES},
        "mean_coverage": round(sum(coverages) / len(coverages), 4) if coverages else 0.0,
    }


class CoverageHistory:
    """Coverage points in the database; viewing the same report again adds nothing."""

    def __init__(self, database: Database, clock: Callable[[], datetime] | None = None, legacy_file: Path | None = None) -> None:
        self.database = database
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._legacy = DataDirImport(database, legacy_file, coverage_history, ("framework", "at"), _legacy_points)

    def record(self, report: GapReport, framework: str) -> bool:
        """Add the report's summary unless it equals the last one recorded for this framework; True if added."""
        self._import_legacy()
        summary = summarize(report, framework)

        def work(connection: Connection) -> bool:
            previous = connection.execute(
                select(coverage_history).where(coverage_history.c.framework == summary["framework"])
                .order_by(coverage_history.c.id.desc()).limit(1)).first()
            if previous is not None and {key: getattr(previous, key) for key in summary} == summary:
                return False
            connection.execute(insert(coverage_history).values(at=self.clock(), **summary))
            return True

        return self.database.run_write(work)

    def entries(self) -> list[dict]:
        """Every recorded summary, oldest first."""
        self._import_legacy()
        with self.database.read() as connection:
            rows = connection.execute(select(coverage_history).order_by(coverage_history.c.id)).all()
        return [{"at": row.at.isoformat(timespec="seconds"), **{key: getattr(row, key) for key in ("framework", *_COUNTS, "mean_coverage")}}
                for row in rows]

    def _import_legacy(self) -> None:
        """Copy the data dir's JSON-lines history into the database once (unreadable lines skipped)."""
        self._legacy.run()


def _legacy_points(path: Path) -> list[dict]:
    return [point for point in map(_legacy_point, path.read_text(encoding="utf-8").splitlines()) if point]


def _legacy_point(line: str) -> dict | None:
    """One line of the old file as a row, or None when it cannot be read."""
    try:
        entry = json.loads(line)
        at = datetime.fromisoformat(entry["at"])
        return {"at": at if at.tzinfo else at.replace(tzinfo=timezone.utc), "framework": str(entry["framework"])[:300],
                **{key: int(entry.get(key) or 0) for key in _COUNTS}, "mean_coverage": float(entry.get("mean_coverage") or 0.0)}
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
