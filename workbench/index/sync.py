"""Keeping the Chroma collection in step with the library files: plan, build, rebuild, re-index paths.

Chunk ids come from module id, headings and text (`chunk_id_for`); the vector of a chunk is keyed
by a hash of exactly the text that was embedded (`embedding_key`), which leaves the module id and
path out. So an unchanged library embeds nothing, an edit embeds only the changed chunks, and a
renamed file reuses its vectors even when its module id came from the old path.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from workbench.domain.library import Chunk, SkippedFile
from workbench.index.chroma_store import ChromaStore, TipChoice, pages
from workbench.index.embedder import Embedder
from workbench.index.locking import SharedLock, WriterLock, WriteTracker
from workbench.index.records import chunk_metadata, embedding_input
from workbench.index.revision import library_revision
from workbench.library.chunker import chunk_module
from workbench.library.loader import LibraryScan, ParseCache, load_library
from workbench.library.parser import module_id_from_path
from workbench.settings import Settings
from workbench.stages import ProgressCallback

WRITE_BATCH = 256  # small enough that searches interleave with a running build and progress moves


@dataclass
class IndexReport:
    """What a build did: files read, chunk counts, skipped files with reasons, and time taken."""

    files: int = 0
    chunks_added: int = 0
    chunks_updated: int = 0
    chunks_removed: int = 0
    chunks_unchanged: int = 0
    skipped: list[SkippedFile] = field(default_factory=list)
    seconds: float = 0.0
    # Beyond the JSON shape: field-level warnings, and how many vectors were computed or reused.
    warnings: list[SkippedFile] = field(default_factory=list)
    modules: int = 0
    chunks_embedded: int = 0
    chunks_reused: int = 0
    library_commit: str | None = None  # with a git library: the commit this build reflects
    # The library as read for this build (None for partial builds), so callers need not read it again.
    scan: LibraryScan | None = field(default=None, repr=False, compare=False)

    def to_json(self) -> dict[str, Any]:
        """The report as the JSON object printed by `workbench index --json`."""
        return {
            "files": self.files,
            "chunks_added": self.chunks_added,
            "chunks_updated": self.chunks_updated,
            "chunks_removed": self.chunks_removed,
            "chunks_unchanged": self.chunks_unchanged,
            "skipped": [{"path": item.path, "reason": item.reason} for item in self.skipped],
            "seconds": round(self.seconds, 3),
            **({"library_commit": self.library_commit} if self.library_commit else {}),
        }


@dataclass
class SyncPlan:
    """The writes that bring the collection in line with the library."""

    to_write: list[Chunk] = field(default_factory=list)  # new or changed text: needs a vector
    to_relabel: list[Chunk] = field(default_factory=list)  # same id, only metadata changed
    to_delete: list[str] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0

    @property
    def changes(self) -> bool:
        """True when anything is written or deleted."""
        return bool(self.to_write or self.to_relabel or self.to_delete)


def plan_changes(chunks: list[Chunk], existing: dict[str, dict[str, Any]]) -> SyncPlan:
    """Compare the library's chunks with the stored ones (id -> metadata) and count what changes.

    A new chunk that takes the place of an old one counts as updated: same text elsewhere (a
    rename or move) or the same place in the same file with new text (an edit). A chunk whose
    title or path changed is updated too (a new title means a new vector, since the title is
    embedded with the text); one whose position alone changed is unchanged.
    """
    plan = SyncPlan()
    new_ids = {chunk.id for chunk in chunks}
    fresh: list[Chunk] = []
    for chunk in chunks:
        stored = existing.get(chunk.id)
        if stored is None:
            fresh.append(chunk)
            continue
        wanted = chunk_metadata(chunk)
        if stored.get("embedding_key") != wanted["embedding_key"]:
            # Same id, other embedded text (the module's title is part of it): the vector is made again.
            plan.to_write.append(chunk)
        elif stored != wanted:
            plan.to_relabel.append(chunk)
        # A chunk that only moved down because text was inserted above it is still unchanged.
        if {**stored, "position": None} == {**wanted, "position": None}:
            plan.unchanged += 1
        else:
            plan.updated += 1
    leftover = {chunk_id: meta for chunk_id, meta in existing.items() if chunk_id not in new_ids}
    by_key: dict[str, list[str]] = {}
    by_place: dict[tuple[str, int], str] = {}
    for chunk_id, meta in leftover.items():
        by_key.setdefault(str(meta.get("embedding_key")), []).append(chunk_id)
        by_place[(str(meta.get("path")), int(meta.get("position", -1)))] = chunk_id
    paired: set[str] = set()
    for chunk in fresh:
        plan.to_write.append(chunk)
        meta = chunk_metadata(chunk)
        partner = next((cid for cid in by_key.get(meta["embedding_key"], []) if cid not in paired), None)
        if partner is None:
            candidate = by_place.get((chunk.path, chunk.position))
            partner = candidate if candidate is not None and candidate not in paired else None
        if partner is None:
            plan.added += 1
        else:
            paired.add(partner)
            plan.updated += 1
    plan.to_delete = list(leftover)
    plan.removed = len(leftover) - len(paired)
    return plan


def _stage(progress: ProgressCallback | None, stage: str):
    """A (done, total) callback reporting one stage, or None."""
    return (lambda done, total: progress(stage, done, total)) if progress else None


def relative_paths(paths: list[str]) -> list[str]:
    """Library-relative POSIX paths, sorted and without repeats."""
    return sorted({path.replace(os.sep, "/").lstrip("/") for path in paths})


class IndexSync:
    """Writes the library into the collection: one writer at a time, unchanged files cost nothing."""

    def __init__(self, settings: Settings, store: ChromaStore, embedder: Embedder, tracker: WriteTracker,
                 shared_lock: SharedLock | None = None, parse_cache: ParseCache | None = None) -> None:
        self.settings = settings
        self.store = store
        self.embedder = embedder
        self.tracker = tracker
        self._writer = WriterLock(settings.index_dir, key=store.location_key, shared=shared_lock)
        # Parsed files, reused while unchanged on disk (the freshness check re-reads the whole library).
        self._parse_cache = parse_cache or ParseCache()
        # The collection state and the exact chunks of the last whole-library sync: while both are
        # unchanged, a freshness check has nothing to compare.
        self._synced: tuple[tuple, list[Chunk]] | None = None
        tracker.on_failed_write(self._forget_sync)

    def _forget_sync(self) -> None:
        self._synced = None

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Exclusive write access (a file lock on the embedded folder; on a Chroma server, the shared lock if any)."""
        with self.tracker.writing(), self._writer.hold(use_file_lock=not self.store.is_server):
            yield

    def scan(self, progress: ProgressCallback | None = None) -> LibraryScan:
        """The current library as parsed (modules, chunks, skipped files); touches no index."""
        files = (lambda done, total: progress("reading", done, total)) if progress else None
        return load_library(self.settings.library_dir, self.settings, cache=self._parse_cache, progress=files)

    # -- whole library -------------------------------------------------------------------------

    def build(self, rebuild: bool = False, progress: ProgressCallback | None = None) -> IndexReport:
        """Index the whole library incrementally; `rebuild` re-embeds everything (after a model change)."""
        started = time.perf_counter()
        with self._writing():
            if progress:
                progress("reading", 0, 1)
            scan = self.scan(progress)
            if rebuild:
                report = self._rebuild(scan, progress)
            else:
                collection = self.store.collection(create=True)
                revision = library_revision(scan)
                unchanged = self._unchanged_since_sync(collection, scan) or self._recorded_at(collection, revision)
                existing = None if unchanged else self.store.metadatas(collection, progress=_stage(progress, "checking index"))
                report = self._sync(collection, scan, existing, progress, revision=revision)
                self._remember_sync(scan)
        report.scan = scan
        report.seconds = time.perf_counter() - started
        return report

    def _unchanged_since_sync(self, collection, scan: LibraryScan) -> bool:
        """True when the collection is as this instance last synced it and the scan gave the very same chunks."""
        synced = self._synced
        if synced is None or synced[0] != self.store.state(collection):
            return False
        previous = synced[1]
        if len(previous) != len(scan.chunks) or len({chunk.id for chunk in scan.chunks}) != len(scan.chunks):
            return False
        # Identity, not equality: the parse cache hands back the same objects for unchanged files.
        return all(old is new for old, new in zip(previous, scan.chunks))

    def _recorded_at(self, collection, revision: str) -> bool:
        """True when the last whole-library sync, by any process, recorded this library revision and nothing wrote since.

        Every write clears the recorded revision before it starts, so a sync that died midway is never
        taken for a finished one; the count must also be the one recorded.
        """
        return self.store.records_library(collection, revision) and self.store.state(collection) == self.store.recorded_state(collection)

    def _remember_sync(self, scan: LibraryScan) -> None:
        """Record the collection state right after a whole-library sync (under the writer lock)."""
        self._synced = None
        state = self.store.state(self.store.get_collection())
        if state is not None:
            self._synced = (state, list(scan.chunks))

    def _rebuild(self, scan: LibraryScan, progress: ProgressCallback | None) -> IndexReport:
        """Build a fresh collection beside the old one, then swap, so searches keep working meanwhile."""
        fresh = self.store.fresh_collection()
        old = self.store.get_collection()
        previous = len(self.store.metadatas(old)) if old is not None else 0
        report = self._sync(fresh, scan, {}, progress, revision=library_revision(scan))
        # Every vector was recomputed: all chunks count as added, everything before as removed.
        report.chunks_removed = previous
        self.store.replace_with(fresh)
        return report

    # -- some files ----------------------------------------------------------------------------

    def reindex_paths(self, paths: list[str], progress: ProgressCallback | None = None,
                      tip: TipChoice | None = None) -> IndexReport:
        """Re-read only the given library files (relative paths); files that no longer exist leave the index."""
        started = time.perf_counter()
        paths = relative_paths(paths)
        with self._writing():
            collection = self.store.collection(create=True)
            scan = load_library(self.settings.library_dir, self.settings, paths=paths)
            self._keep_module_ids_unique(collection, scan, paths)
            existing = self.store.metadatas(collection, where={"path": {"$in": paths}}) if paths else {}
            report = self._sync(collection, scan, existing, progress, whole_library=False, tip=tip)
        report.seconds = time.perf_counter() - started
        return report

    def remove_paths(self, paths: list[str], tip: TipChoice | None = None) -> IndexReport:
        """Remove every chunk of the given library files (relative paths) from the index."""
        started = time.perf_counter()
        paths = relative_paths(paths)
        report = IndexReport()
        with self._writing():
            collection = self.store.collection()
            if collection is not None and paths:
                ids = list(self.store.metadatas(collection, where={"path": {"$in": paths}}))
                if ids:
                    self.store.forget_library_revision(collection)
                self.store.delete(collection, ids)
                report.chunks_removed = len(ids)
                self.store.record_build(collection, tip=tip)
        report.seconds = time.perf_counter() - started
        return report

    def _keep_module_ids_unique(self, collection, scan: LibraryScan, paths: list[str]) -> None:
        """Give a re-read module whose id another indexed file already uses its path-derived id (with a warning)."""
        if not scan.modules:
            return
        re_read = set(paths)
        # One paged lookup of every re-read module id, instead of one call per module.
        stored = self.store.metadatas(collection, where={"module_id": {"$in": sorted({m.id for m in scan.modules})}})
        used_by: dict[str, str] = {}
        for meta in stored.values():
            if str(meta.get("path")) not in re_read:
                used_by.setdefault(str(meta.get("module_id")), str(meta.get("path", "another file")))
        for position, module in enumerate(scan.modules):
            other = used_by.get(module.id)
            if other is None:
                continue
            renamed = replace(module, id=module_id_from_path(module.path))
            scan.warnings.append(
                SkippedFile(module.path, f"module id '{module.id}' is already used by {other}; indexed as '{renamed.id}'")
            )
            scan.modules[position] = renamed
            scan.chunks = [chunk for chunk in scan.chunks if chunk.path != module.path] + chunk_module(
                renamed, self.settings.chunk_max_chars, self.settings.chunk_overlap_chars
            )

    # -- applying a plan -----------------------------------------------------------------------

    def _sync(self, collection, scan: LibraryScan, existing: dict[str, dict[str, Any]] | None,
              progress: ProgressCallback | None, whole_library: bool = True, revision: str = "",
              tip: TipChoice | None = None) -> IndexReport:
        """Bring the collection in line with the scanned chunks; returns the counts.

        `existing` None means the collection is known to hold exactly these chunks already;
        `revision` is the scanned library's, recorded after a whole-library sync.
        """
        plan = plan_changes(scan.chunks, existing) if existing is not None else SyncPlan(unchanged=len(scan.chunks))
        report = IndexReport(
            files=scan.files, chunks_added=plan.added, chunks_updated=plan.updated, chunks_removed=plan.removed,
            chunks_unchanged=plan.unchanged, skipped=list(scan.skipped), warnings=list(scan.warnings),
            modules=scan.module_count,
        )
        if plan.changes:
            # Until the write is recorded, no process may take the collection for the library revision it last matched.
            self.store.forget_library_revision(collection)
        self._apply(collection, plan, report, progress)
        self.store.record_build(collection, scan.module_count if whole_library else None, changed=plan.changes,
                                library_revision=revision if whole_library else "", tip=tip)
        return report

    def _apply(self, collection, plan: SyncPlan, report: IndexReport, progress: ProgressCallback | None) -> None:
        """Embed what needs it, write new and changed chunks, then delete the old ones."""
        metadatas = {chunk.id: chunk_metadata(chunk) for chunk in plan.to_write}
        reusable = self.store.vectors_for_keys(collection, [meta["embedding_key"] for meta in metadatas.values()])
        missing = [chunk for chunk in plan.to_write if metadatas[chunk.id]["embedding_key"] not in reusable]
        # Identical texts are embedded once.
        unique_texts = list(dict.fromkeys(embedding_input(chunk) for chunk in missing))
        if unique_texts:
            if progress and not getattr(self.embedder, "loaded", True):
                progress("loading model", 0, 1)
                _ = self.embedder.encoder  # loading takes seconds: show it as its own stage
                progress("loading model", 1, 1)
            notify = (lambda done, total: progress("embedding", done, total)) if progress else None
            by_text = dict(zip(unique_texts, self.embedder.embed(unique_texts, progress=notify)))
            for chunk in missing:
                reusable[metadatas[chunk.id]["embedding_key"]] = by_text[embedding_input(chunk)]
        report.chunks_embedded = len(unique_texts)
        report.chunks_reused = len(plan.to_write) - len(missing)
        total, done = len(plan.to_write) + len(plan.to_relabel), 0
        # Upserts before deletes: a search running meanwhile always finds the library.
        for batch in pages(plan.to_write, WRITE_BATCH):
            self.store.upsert(
                collection, [chunk.id for chunk in batch],
                np.vstack([reusable[metadatas[chunk.id]["embedding_key"]] for chunk in batch]),
                [chunk.text for chunk in batch], [metadatas[chunk.id] for chunk in batch],
            )
            done += len(batch)
            if progress:
                progress("writing", done, total)
        for batch in pages(plan.to_relabel, WRITE_BATCH):
            self.store.relabel(collection, [chunk.id for chunk in batch], [chunk.text for chunk in batch],
                               [chunk_metadata(chunk) for chunk in batch])
            done += len(batch)
            if progress:
                progress("writing", done, total)
        self.store.delete(collection, plan.to_delete)
