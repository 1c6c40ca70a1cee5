"""The semantic index of the library: kept in step with the files (`IndexSync`), read through `ChromaStore`.

Readers get the workbench's own records: `SearchHit` for a query, chunks with their vectors, and
`QueryHit` lists for nearest neighbours of vectors.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from workbench.domain.library import Chunk, SearchHit, SkippedFile
from workbench.errors import LibraryGitError
from workbench.index.chroma_store import ChromaStore, QueryHit, TipChoice
from workbench.index.embedding_identity import configured_identity, stored_backend_of, stored_identity, stored_variant_of
from workbench.index.embedder import Embedder
from workbench.index.errors import IndexEmpty, IndexUnavailable
from workbench.index.locking import SharedLock, WriteTracker
from workbench.index.records import embedding_key
from workbench.index.revision import KnownRevisions, library_revision
from workbench.index.sync import IndexReport, IndexSync
from workbench.index.vector_cache import VectorCache
from workbench.library.git_repository import GitRepository
from workbench.library.loader import LibraryScan, ParseCache, library_stamp
from workbench.settings import Settings
from workbench.stages import ProgressCallback

log = logging.getLogger(__name__)


class CurrentLibrary:
    """The library as it is now: its revision and the index state, with the parsed scan read only when asked for."""

    def __init__(self, revision: str, state: tuple | None, scan: LibraryScan | None = None,
                 read: Callable[[ProgressCallback | None], LibraryScan] | None = None) -> None:
        self.revision = revision
        self.state = state
        self._scan = scan
        self._read = read

    def scan(self, progress: ProgressCallback | None = None) -> LibraryScan | None:
        """The parsed library of this revision; None when it changed since the revision was taken (ask again)."""
        if self._scan is None and self._read is not None:
            if progress is not None:
                progress("reading", 0, 1)
            scan = self._read(progress)
            if library_revision(scan) != self.revision:
                return None
            self._scan = scan
        return self._scan


class LibraryIndex:
    """The library's chunks in a Chroma collection: build and re-index through the sync, search and read here."""

    def __init__(self, settings: Settings, embedder: Embedder, shared_lock: SharedLock | None = None,
                 library_git: GitRepository | None = None, parse_cache: ParseCache | None = None,
                 vector_cache: VectorCache | None = None, revisions: KnownRevisions | None = None) -> None:
        self.settings = settings
        self.embedder = embedder
        self.library_git = library_git
        self.store = ChromaStore(settings, embedder)
        self._tracker = WriteTracker()
        self.sync = IndexSync(settings, self.store, embedder, self._tracker, shared_lock, parse_cache)
        # Vectors read from Chroma, kept beyond this process (None: read them every time).
        self.vector_cache = vector_cache
        # The revision of each scan stamp seen (None: every freshness check parses the library).
        self.revisions = revisions
        # All chunks with their vectors as last read, keyed by the collection's state; kept only when
        # no write of this instance overlapped the read.
        self._vectors_lock = threading.Lock()
        self._vectors_cache: tuple[tuple, list[Chunk], np.ndarray] | None = None
        self._tracker.on_failed_write(self._forget_vectors)

    def _forget_vectors(self) -> None:
        with self._vectors_lock:
            self._vectors_cache = None

    @property
    def location(self) -> str:
        """Where the index lives: the Chroma server URL or the embedded folder."""
        return self.store.location

    # -- writing (the sync does it) ------------------------------------------------------------

    def scan(self) -> LibraryScan:
        """The current library as parsed (modules, chunks, skipped files); touches no index."""
        if self.library_git is not None:
            self.library_git.ensure_clone()  # cloned on first use, whatever uses the library first
            self._catch_up()
        return self.sync.scan()

    def _catch_up(self) -> None:
        """Pull when the shared index names a commit another replica pushed that this clone does not have yet."""
        assert self.library_git is not None
        try:
            tip = self.store.library_tip()
        except IndexUnavailable:
            return  # no index to compare with: the clone is read as it is
        if not tip or self.library_git.contains(tip):
            return
        try:
            self.library_git.pull()
        except LibraryGitError as error:
            log.warning("the library clone could not catch up with %s: %s", tip[:12], error)

    def build(self, rebuild: bool = False, progress: ProgressCallback | None = None) -> IndexReport:
        """Index the whole library incrementally; `rebuild` re-embeds everything (after a model change).

        With a git library, others' commits are pulled first and the index records the commit it reflects;
        an unreachable remote does not stop the build: it indexes the clone as it is, and says so.
        """
        if self.library_git is None:
            return self.sync.build(rebuild=rebuild, progress=progress)
        pull_failed = ""
        try:
            commit = self.library_git.pull()
        except LibraryGitError as error:
            pull_failed, commit = str(error), self.library_git.head()
        report = self.sync.build(rebuild=rebuild, progress=progress)
        report.library_commit = commit
        if pull_failed:
            report.warnings.append(SkippedFile(self.library_git.remote, f"not pulled: {pull_failed}"))
        if commit:
            self.store.record_library_commit(commit)
        return report

    def reindex_paths(self, relative_paths: list[str], progress: ProgressCallback | None = None,
                      pushed: str | None = None) -> IndexReport:
        """Re-read only the given library files; files that no longer exist leave the index.

        `pushed` names the library commit that changed them, so other replicas' clones catch up with it.
        """
        return self.sync.reindex_paths(relative_paths, progress, tip=self._tip_after(pushed))

    def remove_paths(self, relative_paths: list[str], pushed: str | None = None) -> IndexReport:
        """Remove every chunk of the given library files from the index (`pushed`: as for `reindex_paths`)."""
        return self.sync.remove_paths(relative_paths, tip=self._tip_after(pushed))

    def _tip_after(self, pushed: str | None) -> TipChoice | None:
        """How the shared tip moves to our pushed commit: only forward, never over a newer one of another replica."""
        repository = self.library_git
        if not pushed or repository is None:
            return None

        def choose(stored: str | None) -> str:
            # Our clone had every commit pushed before ours; one that is not behind ours was pushed after it.
            return stored if stored and not repository.contains(stored, of=pushed) else pushed
        return choose

    def current(self, progress: ProgressCallback | None = None) -> CurrentLibrary:
        """The library's revision and the index state now, syncing the index only when it is behind.

        An index whose last whole-library sync recorded this very library revision is current: the
        check then reads the files' stat and the collection's metadata (from the index folder's record
        of it, so Chroma is not opened), and takes no writer lock. When the files' stat is one whose
        revision is known, nothing is parsed: the scan is read when the caller asks for it.
        """
        # A git library is current only once others' commits are pulled, which is a build's first step.
        if self.library_git is None:
            if self.revisions is not None:
                revision = self.revisions.revision_of(library_stamp(self.settings.library_dir, self.settings))
                state = self._recorded_state_at(revision) if revision is not None else None
                if state is not None:
                    return CurrentLibrary(revision, state, read=self.sync.scan)
            scan = self.sync.scan(progress)
            revision = library_revision(scan)
            self._remember_revision(scan, revision)
            state = self._recorded_state_at(revision)
            if state is not None:
                return CurrentLibrary(revision, state, scan)
        built = self.build(progress=progress)
        scan = built.scan or self.scan()
        with self.store.swap_lock:
            state = self.store.recorded_state(self.store.get_collection())
        revision = library_revision(scan)
        self._remember_revision(scan, revision)
        return CurrentLibrary(revision, state, scan)

    def _recorded_state_at(self, revision: str) -> tuple | None:
        """The index state when its last whole-library sync recorded this library revision, else None."""
        with self.store.swap_lock:
            # A model change is refused by opening the collection, as a build would.
            collection = self.store.recorded_collection() or self.store.collection()
            # What the metadata says is enough: counting the records would open Chroma's segments.
            return self.store.recorded_state(collection) if self.store.records_library(collection, revision) else None

    def _remember_revision(self, scan: LibraryScan, revision: str) -> None:
        if self.revisions is not None:
            self.revisions.record(scan.stamp, revision)

    # -- reading -------------------------------------------------------------------------------

    def vectors_of(self, chunks: list[Chunk], progress: Callable[[int, int], None] | None = None) -> np.ndarray | None:
        """The stored vectors of these chunks, in their order: from the vector cache, the rest read from Chroma.

        None when the index does not hold one of them as it is now (a write from elsewhere came in
        between): the caller syncs and asks again.
        """
        if not chunks:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        with self.store.swap_lock:
            # Vectors all found in the cache need Chroma for nothing (the recorded collection names them).
            collection = self.store.recorded_collection() or self.store.collection() or self.store.readable_collection()
            collection_id = str(collection.id)
            if self.vector_cache is not None:
                vectors, missing = self.vector_cache.lookup(collection_id, chunks)
            else:
                vectors, missing = np.zeros((len(chunks), self.embedder.dimension), np.float32), list(range(len(chunks)))
            if missing:
                collection = self.store.readable_collection()  # IndexEmpty, telling to index, when it is empty
            records = self.store.records(collection, [chunks[i].id for i in missing], progress) if missing else []
        found = {record.chunk.id: record for record in records}
        for position in missing:
            record = found.get(chunks[position].id)
            if record is None or record.vector is None or record.metadata.get("embedding_key") != embedding_key(chunks[position]):
                return None
            vectors[position] = record.vector
        if progress is not None and not missing:
            progress(len(chunks), len(chunks))
        if missing and self.vector_cache is not None:
            self.vector_cache.store(collection_id, chunks, vectors)
        return vectors


    def search(self, query: str, k: int = 10, where: dict | None = None) -> list[SearchHit]:
        """The k chunks closest in meaning to the query, best first (score = cosine similarity)."""
        with self.store.swap_lock:
            self.store.readable_collection()  # fail fast, before loading the model, when there is no index
        vector = self.embedder.embed([query])
        return [
            SearchHit(chunk_id=hit.chunk.id, module_id=hit.chunk.module_id, path=hit.chunk.path, title=hit.chunk.title,
                      heading=hit.chunk.heading, score=hit.score, text=hit.chunk.text)
            for hit in self.nearest(vector, k, where)[0]
        ]

    def nearest(self, vectors: np.ndarray, k: int, where: dict | None = None) -> list[list[QueryHit]]:
        """For each vector, its k nearest chunks, best first (IndexEmpty when there is no index)."""
        with self.store.swap_lock:
            collection = self.store.readable_collection()
            return self.store.query(collection, vectors, k, where)

    def nearest_modules(self, vector: np.ndarray, k: int) -> list[str]:
        """Ids of the modules owning the k chunks nearest to one vector, nearest first (none without an index)."""
        try:
            hits = self.nearest(np.asarray(vector)[None, :], k)[0]
        except IndexEmpty:
            return []
        return list(dict.fromkeys(hit.chunk.module_id for hit in hits))

    def chunk_vectors(self, chunk_ids: Iterable[str] | None = None,
                      progress: Callable[[int, int], None] | None = None) -> tuple[list[Chunk], np.ndarray]:
        """Indexed chunks (all, or the given ids) with their stored vectors, sorted by path and position.

        Reading every vector is costly on a large library, so the full set is kept in memory while
        the collection's revision (renewed by every build) and chunk count stay the same.
        `progress(done, total)` hears how many records were read.
        """
        ids = None if chunk_ids is None else list(chunk_ids)
        empty = [], np.zeros((0, self.embedder.dimension), dtype=np.float32)
        writes = self._tracker.snapshot()
        with self.store.swap_lock:
            collection = self.store.collection()
            if collection is None or (ids is not None and not ids):
                return empty
            state = self.store.state(collection)
            if ids is None and state is not None:
                with self._vectors_lock:
                    cached = self._vectors_cache
                if cached is not None and cached[0] == state:
                    if progress is not None:
                        progress(len(cached[1]), len(cached[1]))
                    return list(cached[1]), cached[2].copy()
            records = [record for record in self.store.records(collection, ids, progress) if record.vector is not None]
            after = self.store.state(self.store.get_collection()) if ids is None and state is not None else None
        if not records:
            return empty
        records.sort(key=lambda record: (record.chunk.path, record.chunk.position))
        chunks = [record.chunk for record in records]
        vectors = np.vstack([record.vector for record in records]).astype(np.float32, copy=False)
        if after is not None and after == state and self._tracker.unchanged_since(writes):
            with self._vectors_lock:
                self._vectors_cache = (state, list(chunks), vectors.copy())
        return chunks, vectors

    def status(self) -> dict[str, Any]:
        """Model, dimension, chunk and module counts, last build time and where the index lives."""
        collection = self.store.get_collection()
        stored = (collection.metadata or {}) if collection is not None else {}
        return {
            "location": self.location,
            "model": self.embedder.model_name,
            "backend": self.embedder.backend,
            "variant": self.embedder.variant,
            "dimension": self.embedder.dimension,
            "index_model": stored.get("embedding_model"),
            "index_backend": stored_backend_of(stored) if stored.get("embedding_model") else None,
            "index_variant": stored_variant_of(stored) if stored.get("embedding_model") else None,
            "index_dimension": stored.get("embedding_dimension"),
            "model_matches": collection is None
            or stored.get("embedding_model") is None
            or stored_identity(stored) == configured_identity(self.embedder),
            "chunks": collection.count() if collection is not None else 0,
            "modules": int(stored.get("module_count", 0) or 0),
            "built_at": stored.get("built_at"),
            "library_commit": stored.get("library_commit"),
        }
