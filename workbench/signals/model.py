"""Plain data of the signals: one learner's result, a problem found on a line, an import's report."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import NamedTuple

# A report keeps at most this many problems and unknown ids; the counts stay exact.
MAX_LISTED = 200


class SignalKind(StrEnum):
    """Where results come from."""

    XAPI = "xapi"
    SCORM_CSV = "scorm-csv"
    PROFICIENCY_CSV = "proficiency-csv"
    MARKET_TREND = "market-trend"
    LRS = "lrs"


class LearnerResult(NamedTuple):
    """One result of one (pseudonymised) person on one item, or on a whole module (a tuple: made once per statement)."""

    record_key: str
    person: str
    module_id: str
    item_id: str | None
    objective_id: str
    skill_ids: tuple[str, ...]
    verb: str
    success: bool | None
    score_scaled: float | None
    response: str | None
    occurred_at: datetime


@dataclass(frozen=True)
class Problem:
    """Why a line of the input was not kept."""

    line: int
    reason: str

    def as_dict(self) -> dict:
        """JSON-ready form."""
        return {"line": self.line, "reason": self.reason}


@dataclass
class ImportReport:
    """What one import read, kept, skipped and could not place."""

    kind: str
    source: str
    import_id: int | None = None
    sha256: str | None = None
    imported_at: datetime | None = None
    imported_by: str = ""
    already_imported: bool = False  # the same file was imported before: nothing was done
    read: int = 0  # statements or rows read
    kept: int = 0  # new results stored
    duplicates: int = 0  # results stored before (same statement id or same record)
    ignored: int = 0  # other courses' statements and statements that are not results
    rejected: int = 0  # lines with a problem
    problems: list[Problem] = field(default_factory=list)
    unknown_ids: dict[str, int] = field(default_factory=dict)  # activity or interaction id -> times seen
    matches: list[dict] = field(default_factory=list)  # market trend: each label matched by meaning, and how closely
    cursor: str | None = None

    def reject(self, line: int, reason: str) -> None:
        """Count a bad line, keeping its reason while the list is short."""
        self.rejected += 1
        if len(self.problems) < MAX_LISTED:
            self.problems.append(Problem(line, reason))

    def note(self, line: int, reason: str) -> None:
        """Name a line that was not kept for a harmless reason (a repeat), without counting it as rejected."""
        if len(self.problems) < MAX_LISTED:
            self.problems.append(Problem(line, reason))

    def unknown(self, identifier: str) -> None:
        """Count a result whose id names nothing we published."""
        self.rejected += 1
        if identifier in self.unknown_ids or len(self.unknown_ids) < MAX_LISTED:
            self.unknown_ids[identifier] = self.unknown_ids.get(identifier, 0) + 1

    def match(self, found: dict) -> None:
        """Name a label matched (or not) by meaning, with the skill it came closest to and its confidence."""
        if len(self.matches) < MAX_LISTED:
            self.matches.append(found)

    def as_dict(self) -> dict:
        """JSON-ready form (the shape of `workbench signals import --json`)."""
        return {
            "import_id": self.import_id, "kind": self.kind, "source": self.source, "sha256": self.sha256,
            "imported_at": self.imported_at.isoformat() if self.imported_at else None, "imported_by": self.imported_by,
            "already_imported": self.already_imported, "read": self.read, "kept": self.kept,
            "duplicates": self.duplicates, "ignored": self.ignored, "rejected": self.rejected,
            "problems": [problem.as_dict() for problem in self.problems],
            "unknown_ids": [{"id": key, "count": count} for key, count in self.unknown_ids.items()],
            "matches": list(self.matches), "cursor": self.cursor,
        }

    @classmethod
    def from_dict(cls, data: dict) -> "ImportReport":
        """The report as stored with its import."""
        report = cls(kind=data["kind"], source=data["source"])
        for name in ("import_id", "sha256", "imported_by", "read", "kept", "duplicates", "ignored", "rejected", "cursor"):
            setattr(report, name, data.get(name, getattr(report, name)))
        if data.get("imported_at"):
            report.imported_at = datetime.fromisoformat(data["imported_at"])
        report.problems = [Problem(p["line"], p["reason"]) for p in data.get("problems", [])]
        report.unknown_ids = {u["id"]: u["count"] for u in data.get("unknown_ids", [])}
        report.matches = list(data.get("matches", []))
        return report
