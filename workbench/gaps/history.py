"""Coverage over time: one summary point per gap report whose results differ from the last one."""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable

from workbench.gaps.report import GapReport

STATUSES = ("covered", "partial", "stale", "gap")


def summarize(report: GapReport, framework: str) -> dict:
    """Counts per status and mean coverage of a report (without a timestamp)."""
    statuses = [str(skill.status) for skill in report.skills]
    coverages = [float(skill.coverage or 0.0) for skill in report.skills]
    return {
        "framework": framework,
        "skills": len(statuses),
        **{status: statuses.count(status) for status in STATUSES},
        "mean_coverage": round(sum(coverages) / len(coverages), 4) if coverages else 0.0,
    }


class CoverageHistory:
    """A JSON-lines file in the data dir; viewing the same report again adds nothing."""

    def __init__(self, path: Path, clock: Callable[[], datetime] | None = None) -> None:
        self.path = Path(path)
        self.clock = clock or (lambda: datetime.now(timezone.utc))
        self._lock = threading.Lock()

    def record(self, report: GapReport, framework: str) -> bool:
        """Add the report's summary unless it equals the last one recorded for this framework; True if added."""
        summary = summarize(report, framework)
        with self._lock:
            previous = next((entry for entry in reversed(self.entries()) if entry.get("framework") == framework), None)
            if previous is not None and {key: previous.get(key) for key in summary} == summary:
                return False
            self.path.parent.mkdir(parents=True, exist_ok=True)
            entry = {"at": self.clock().isoformat(timespec="seconds"), **summary}
            with self.path.open("a", encoding="utf-8") as stream:
                stream.write(json.dumps(entry) + "\n")
            return True

    def entries(self) -> list[dict]:
        """Every recorded summary, oldest first (unreadable lines are skipped)."""
        if not self.path.is_file():
            return []
        entries = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                entries.append(json.loads(line))
            except json.JSONDecodeError:
                continue
        return entries
