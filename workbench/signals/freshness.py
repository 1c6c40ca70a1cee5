"""Freshness: published modules whose cited library passages changed or disappeared, or whose review is old.

At publish the passages a module cites are kept as they stood (text and sha256). A chunk's id is derived
from its text, so an edited passage comes back under a new id: it is found again by its module and
headings, and its diff shown; no chunk left there means the passage disappeared.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Callable, Iterable

from sqlalchemy import delete, insert, select

from review.db import Database
from review.policy import DraftState
from review.tables import publications
from workbench.domain.library import Chunk
from workbench.errors import NotFlagged
from workbench.signals.tables import cited_passages

CHECK = "freshness"


@dataclass(frozen=True)
class SourceChange:
    """One cited passage as it was published and what the index holds there now."""

    chunk_id: str
    module_id: str
    heading: str
    what: str  # "changed" or "disappeared"
    diff: str  # unified diff of the passage ("" when it disappeared)
    published_text: str


@dataclass(frozen=True)
class FreshnessFlag:
    """A published module that needs another review: its sources changed, or its last review is too old."""

    draft_id: int
    module_id: str
    path: str
    title: str
    author: str
    last_reviewed_at: datetime
    stale: bool
    changes: list[SourceChange] = field(default_factory=list)

    @property
    def reasons(self) -> list[str]:
        """What the flag rests on, in words."""
        words = [f"source {c.what}: {c.module_id} / {c.heading}" for c in self.changes]
        return words + ([f"last reviewed {self.last_reviewed_at:%Y-%m-%d}"] if self.stale else [])

    def as_dict(self) -> dict:
        """A JSON-ready dict."""
        data = asdict(self)
        data["last_reviewed_at"] = self.last_reviewed_at.isoformat()
        return {**data, "reasons": self.reasons}


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def passage_diff(before: str, after: str) -> str:
    """The unified diff of a cited passage, published text against the library's text now."""
    return "\n".join(difflib.unified_diff(before.splitlines(), after.splitlines(), "as published", "in the library now", lineterm=""))


def freshness_finding(flag: FreshnessFlag) -> dict:
    """The finding a reviewer reads on the reopened revision: each change with its diff, or the review's age."""
    details = "\n\n".join(f"{c.module_id} / {c.heading} ({c.what}):\n{c.diff or c.published_text}" for c in flag.changes)
    return {"check": CHECK, "severity": "warning", "location": "sources", "dimension": "accuracy",
            "message": "freshness: " + "; ".join(flag.reasons), "details": details}


class FreshnessCheck:
    """Records what published modules cite and lists those whose sources changed or whose review is stale."""

    def __init__(self, database: Database, indexed_chunks: Callable[[Iterable[str] | None], list[Chunk]],
                 queries, lifecycle, clock: Callable[[], datetime], stale_after_days: int) -> None:
        self.database = database
        self._indexed = indexed_chunks  # chunk ids (None: all) -> the chunks the index holds now
        self.queries = queries
        self.lifecycle = lifecycle
        self.clock = clock
        self.stale_after = timedelta(days=stale_after_days)

    def record_citations(self, draft_id: int) -> int:
        """Keep the passages the published revision cites, as the index holds them now; how many were kept."""
        draft = self.queries.get_draft(draft_id)
        cited = list(dict.fromkeys((draft.content.get("provenance") or {}).get("retrieved_chunk_ids") or []))
        chunks = self._indexed(cited) if cited else []
        now = self.clock()
        rows = [dict(draft_id=draft.id, revision=draft.revision, chunk_id=c.id, module_id=c.module_id,
                     heading_path=json.dumps(list(c.heading_path)), text_sha256=_sha(c.text), text=c.text, recorded_at=now)
                for c in chunks]

        def work(connection) -> None:
            # A re-publication cites afresh: what it cited before no longer counts.
            connection.execute(delete(cited_passages).where(cited_passages.c.draft_id == draft.id))
            if rows:
                connection.execute(insert(cited_passages), rows)

        self.database.run_write(work)
        return len(rows)

    def flags(self) -> list[FreshnessFlag]:
        """Every published module (still published, not already back in review) with a changed source or a stale review."""
        with self.database.read() as connection:
            published = list(connection.execute(select(publications).where(publications.c.present.is_(True))
                                                .order_by(publications.c.id)))
            cited = list(connection.execute(select(cited_passages).order_by(cited_passages.c.id)))
        if not published:
            return []
        by_draft: dict[int, list] = {}
        for row in cited:
            by_draft.setdefault(row.draft_id, []).append(row)
        now_by_id, now_by_place = self._index_now(cited)
        oldest_fresh = self.clock() - self.stale_after
        result = []
        for publication in published:
            draft = self.queries.get_draft(publication.draft_id)
            if draft.state != DraftState.PUBLISHED:
                continue  # reopened: the review queue has it already
            changes = [change for row in by_draft.get(publication.draft_id, [])
                       if (change := _compare(row, now_by_id, now_by_place)) is not None]
            stale = publication.published_at < oldest_fresh
            if changes or stale:
                result.append(FreshnessFlag(draft.id, publication.module_id, publication.path, draft.title, draft.author,
                                            publication.published_at, stale, changes))
        return result

    def _index_now(self, cited: list) -> tuple[dict[str, Chunk], dict[tuple, list[Chunk]]]:
        """The indexed chunks of the modules that hold cited passages, by id and by (module, headings)."""
        if not cited:
            return {}, {}
        modules = {row.module_id for row in cited}
        chunks = [c for c in self._indexed(None) if c.module_id in modules]
        by_place: dict[tuple, list[Chunk]] = {}
        for chunk in chunks:
            by_place.setdefault((chunk.module_id, tuple(chunk.heading_path)), []).append(chunk)
        return {c.id: c for c in chunks}, by_place

    def reopen(self, actor, module_id: str):
        """A new revision of a flagged module's draft (sign-offs void) carrying the changes as a finding; the DraftView."""
        flag = next((f for f in self.flags() if f.module_id == module_id), None)
        if flag is None:
            raise NotFlagged(f"module {module_id!r} is not flagged: its sources are unchanged and its review is "
                                      "recent (or it is already back in review)")
        draft = self.queries.get_draft(flag.draft_id)
        findings = [f for f in draft.findings if f.get("check") != CHECK]
        return self.lifecycle.revise(actor, draft.id, expected_revision=draft.revision, content=draft.content,
                                     markdown=draft.markdown, findings=[*findings, freshness_finding(flag)], reopen=True,
                                     note="reopened for review: " + "; ".join(flag.reasons))


def _compare(row, now_by_id: dict[str, Chunk], now_by_place: dict[tuple, list[Chunk]]) -> SourceChange | None:
    """None when the passage is in the index as published; else how it changed."""
    current = now_by_id.get(row.chunk_id)
    if current is not None and _sha(current.text) == row.text_sha256:
        return None
    headings = tuple(json.loads(row.heading_path))
    heading = headings[-1] if headings else "(module opening)"
    there = now_by_place.get((row.module_id, headings), [])
    if not there:
        return SourceChange(row.chunk_id, row.module_id, heading, "disappeared", "", row.text)
    after = "\n".join(c.text for c in there)
    return SourceChange(row.chunk_id, row.module_id, heading, "changed", passage_diff(row.text, after), row.text)
