"""SCORM 1.2 interaction records as an LMS reports them (CSV), as learners' results.

One row per interaction: the learner (`learner_id`, `student_id` or `cmi.core.student_id`), the
module (`module_id`, or `--module` for the whole file), `cmi.interactions.n.id`, `.result`,
`.student_response`, `.time` (SCORM 1.2 `time` is a time of day, so a `date` column goes with it,
or one ISO 8601 `timestamp`). Header names are read without case, with or without the
`cmi.interactions.n.` prefix. The delimiter (comma, semicolon or tab) is taken from the header line;
a UTF-8 byte-order mark is dropped. Cells are kept as text: a cell such as `=HYPERLINK(...)` is
stored as those characters and never evaluated. A row repeated exactly is kept once.
"""

from __future__ import annotations

import hashlib
import re
from datetime import datetime, timezone
from typing import IO, Callable, Iterator

from workbench.signals.catalog import ResultCatalog
from workbench.signals.csv_records import read_header, records
from workbench.signals.model import ImportReport, LearnerResult
from workbench.signals.xapi import MAX_RESPONSE_CHARS, Rejected, parse_time

_PREFIX = re.compile(r"^cmi\.interactions\.(?:n|\d+)\.")
_ALIASES = {
    "learner_id": "learner", "student_id": "learner", "cmi.core.student_id": "learner", "learner": "learner", "user_id": "learner",
    "module_id": "module", "module": "module", "course_id": "module",
    "id": "id", "interaction_id": "id",
    "result": "result", "student_response": "response", "learner_response": "response",
    "time": "time", "date": "date", "timestamp": "timestamp",
}
SUCCESS = {"correct": True, "wrong": False, "unanticipated": False, "neutral": None}
_TIME_OF_DAY = re.compile(r"^\d{2}:\d{2}:\d{2}(\.\d{1,2})?$")


class HeaderInvalid(ValueError):
    """The header line lacks a column every row needs."""


def shown(value: str, limit: int = 80) -> str:
    """A cell value quoted in a report: shortened, and never in a form a spreadsheet would run as a formula."""
    value = value[:limit]
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _column(name: str) -> str | None:
    cleaned = name.replace("\ufeff", "").strip().lower()
    return _ALIASES.get(_PREFIX.sub("", cleaned))


class ScormCsvReader:
    """Reads one interactions CSV into LearnerResults, reporting every row it cannot keep."""

    def __init__(self, catalog: ResultCatalog, pseudonym: Callable[[str], str], now: datetime, module_id: str | None = None) -> None:
        self.catalog = catalog
        self.pseudonym = pseudonym
        self.now = now
        self.module_id = module_id

    def results(self, stream: IO[str], report: ImportReport) -> Iterator[LearnerResult]:
        """Every keepable row's result; `report` counts rows read, rejected, duplicated and unknown."""
        delimiter, header = read_header(stream)
        columns = [_column(name) for name in header]
        missing = [name for name in ("learner", "id", "result") if name not in columns]
        if "module" not in columns and not self.module_id:
            missing.append("module_id (or pass --module)")
        if "timestamp" not in columns and "date" not in columns:
            missing.append("date or timestamp")
        if missing:
            raise HeaderInvalid(f"the header has no {', '.join(missing)} column")
        yield from records(stream, delimiter, columns, report, self._result)

    def _result(self, row: dict[str, str], report: ImportReport) -> LearnerResult | None:
        learner = row.get("learner", "")
        if not learner:
            raise Rejected("no learner id")
        module_id = row.get("module") or self.module_id or ""
        interaction = row.get("id", "")
        if not interaction:
            raise Rejected("no interaction id")
        course = self.catalog.module(module_id)
        if course is None:
            raise Rejected(f'module "{shown(module_id)}" is not a published module with an assessment')
        item = course.items_by_interaction.get(interaction)
        if item is None:
            report.unknown(f"{module_id}/{interaction}")
            return None
        outcome = row.get("result", "").lower()
        if outcome in SUCCESS:
            success = SUCCESS[outcome]
        else:
            try:
                float(outcome)
            except ValueError:
                raise Rejected(f'result "{shown(row.get("result", ""))}" is not correct, wrong, unanticipated, neutral or a number') from None
            success = None
        occurred = self._when(row)
        response = row.get("response", "")[:MAX_RESPONSE_CHARS]
        person = self.pseudonym(learner)
        key = hashlib.sha256("\x1f".join(
            ["scorm12", person, module_id, interaction, occurred.isoformat(), row.get("result", ""), response]).encode()).hexdigest()
        return LearnerResult(record_key=f"scorm:{key}", person=person, module_id=module_id, item_id=item.item_id,
                             objective_id=item.objective_id, skill_ids=item.skill_ids, verb="answered", success=success,
                             score_scaled=None, response=response, occurred_at=occurred)

    def _when(self, row: dict[str, str]) -> datetime:
        if row.get("timestamp"):
            occurred = parse_time(row["timestamp"], "timestamp")
        else:
            day, clock = row.get("date", ""), row.get("time", "") or "00:00:00"
            if not _TIME_OF_DAY.match(clock):
                raise Rejected(f'time "{shown(clock)}" is not HH:MM:SS')
            occurred = parse_time(f"{day}T{clock}", "date") if day else None
            if occurred is None:
                raise Rejected("no date")
        if occurred > self.now:
            raise Rejected(f"the time {occurred.isoformat()} is in the future")
        return occurred.astimezone(timezone.utc)
