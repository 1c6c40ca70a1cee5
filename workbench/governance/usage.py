"""Usage of AI per user, use and endpoint, from the generation log; as rows and as formula-safe CSV."""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import IO

from sqlalchemy import case, func, select

from review.spreadsheet import formula_safe
from review.db import Database
from workbench.llm.generation_log import generation_log

UNTAGGED = "(not recorded)"  # calls made before governance, or by `workbench llm check`
USAGE_FIELDS = ("user", "use", "endpoint", "calls", "failed_calls", "prompt_tokens", "completion_tokens", "total_tokens", "last_call")


@dataclass(frozen=True)
class UsageRow:
    """What one person spent on one use through one endpoint."""

    user: str
    use: str
    endpoint: str
    calls: int
    failed_calls: int
    prompt_tokens: int
    completion_tokens: int
    total_tokens: int
    last_call: str

    def to_dict(self) -> dict:
        """A JSON-ready dict."""
        return asdict(self)


class UsageReport:
    """Reads the generation log grouped by who asked, for which use, through which endpoint."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def rows(self, since: datetime | None = None) -> list[UsageRow]:
        """One row per user, use and endpoint (calls made outside governance: UNTAGGED)."""
        log = generation_log.c
        prompt = func.coalesce(func.sum(func.coalesce(log.prompt_tokens, 0)), 0)
        completion = func.coalesce(func.sum(func.coalesce(log.completion_tokens, 0)), 0)
        failed = func.sum(case((log.outcome != "ok", 1), else_=0))
        query = (select(log.actor, log.use, log.endpoint, func.count(), failed, prompt, completion, func.max(log.at))
                 .group_by(log.actor, log.use, log.endpoint))
        if since is not None:
            query = query.where(log.at >= since)
        with self.database.read() as connection:
            found = connection.execute(query).all()
        rows = [
            UsageRow(actor or UNTAGGED, use or UNTAGGED, endpoint or UNTAGGED, int(calls), int(failures or 0), int(p), int(c), int(p) + int(c),
                     _iso(last))
            for actor, use, endpoint, calls, failures, p, c, last in found
        ]
        return sorted(rows, key=lambda row: (row.user, row.use, row.endpoint))

    def write_csv(self, stream: IO[str], since: datetime | None = None) -> int:
        """Write the usage rows as CSV (cells that look like formulas quoted); returns the row count."""
        writer = csv.writer(stream)
        writer.writerow(USAGE_FIELDS)
        rows = self.rows(since)
        for row in rows:
            writer.writerow([formula_safe(value) for value in row.to_dict().values()])
        return len(rows)


def _iso(value) -> str:
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
