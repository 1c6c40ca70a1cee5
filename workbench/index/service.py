"""The semantic index service: incremental builds of the library into Chroma, and search.

Chunk ids come from module id, headings and text (`chunk_id_for`); the vector of a chunk is keyed
by a hash of exactly the text that was embedded (`embedding_key`), which leaves the module id and
path out. So an unchanged library embeds nothing, an edit embeds only the changed chunks, and a
renamed file reuses its vectors even when its module id came from the old path.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from workbench.domain.library import Chunk, SearchHit, SkippedFile
from workbench.errors import EmbeddingModelChanged
from workbench.index.embedder import Embedder
from workbench.index.errors import IndexEmpty, IndexUnavailable
from workbench.index.locking import WriterLock, process_lock
from workbench.index.records import chunk_from_record, chunk_metadata, embedding_input
from workbench.library.loader import LibraryScan, ParseCache, load_library
from workbench.settings import Settings

ProgressCallback = Callable[[str, int, int], None]
WRITE_BATCH = 256  # small enough that searches interleave with a running build
REBUILD_SUFFIX = "__rebuild"


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
        }


@dataclass
class _Plan:
    """The writes that bring the collection in line with the library."""

    to_write: list[Chunk] = field(default_factory=list)  # new or changed text: needs a vector
    to_relabel: list[Chunk] = field(default_factory=list)  # same id, only metadata changed
    to_delete: list[str] = field(default_factory=list)
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0


def plan_changes(chunks: list[Chunk], existing: dict[str, dict[str, Any]]) -> _Plan:
    """Compare the library's chunks with the stored ones (id -> metadata) and count what changes.

    A new chunk that takes the place of an old one counts as updated: same text elsewhere (a
    rename or move) or the same place in the same file with new text (an edit). A chunk whose
    title or path changed is updated too; one whose position alone changed is unchanged.
    """
    plan = _Plan()
    new_ids = {chunk.id for chunk in chunks}
    fresh: list[Chunk] = []
    for chunk in chunks:
        stored = existing.get(chunk.id)
        if stored is None:
            fresh.append(chunk)
            continue
        wanted = chunk_metadata(chunk)
        if stored != wanted:
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


def _batches(items: list, size: int) -> Iterator[list]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _collection_state(collection) -> tuple | None:
    """What identifies the collection's content: its id, recorded revision and count (None when unrecorded)."""
    if collection is None:
        return None
    revision = (collection.metadata or {}).get("revision")
    if not revision:
        return None
    return (str(collection.id), revision, collection.count())


class LibraryIndex:
    """The library's chunks in a Chroma collection, kept in step with the files incrementally."""

    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings = settings
        self.embedder = embedder
        self._client_obj = None
        self._client_lock = threading.Lock()
        self._writer = WriterLock(settings.index_dir, key=self._location_key())
        # Held while a rebuild swaps collections and while a search reads, so in-process searches
        # never see the moment between dropping the old collection and renaming the new one.
        self._swap_lock = process_lock("swap:" + self._location_key())
        # Parsed files, reused while unchanged on disk (the freshness check re-reads the whole library).
        self._parse_cache = ParseCache()
        # All chunks with their vectors as last read, keyed by the collection's revision; writes from
        # this instance bump the generation so a read that overlapped a write is never kept.
        self._vectors_lock = threading.Lock()
        self._vectors_cache: tuple[tuple, list[Chunk], np.ndarray] | None = None
        self._generation = 0
        self._writes_active = 0
        # The collection state and the exact chunks of this instance's last whole-library sync: while
        # both are unchanged, a freshness check has nothing to compare.
        self._synced: tuple[tuple, list[Chunk]] | None = None

    # -- Chroma plumbing -------------------------------------------------------------------

    def _location_key(self) -> str:
        """Identifies the collection across LibraryIndex instances of this process."""
        where = self.settings.chroma_url or str(self.settings.index_dir.resolve())
        return f"{where}#{self.settings.collection_name}"

    @property
    def location(self) -> str:
        """Where the index lives: the Chroma server URL or the embedded folder."""
        return self.settings.chroma_url or str(self.settings.index_dir)

    def _client(self):
        """The Chroma client (embedded PersistentClient, or HttpClient when chroma_url is set)."""
        with self._client_lock:
            if self._client_obj is None:
                os.environ["ANONYMIZED_TELEMETRY"] = "False"
                import chromadb
                from chromadb.config import Settings as ChromaSettings

                chroma_settings = ChromaSettings(anonymized_telemetry=False)
                try:
                    if self.settings.chroma_url:
                        url = urlsplit(self.settings.chroma_url)
                        if url.scheme not in ("http", "https") or not url.hostname:
                            raise IndexUnavailable(
                                f"WORKBENCH_CHROMA_URL must look like http://host:port, got {self.settings.chroma_url!r}"
                            )
                        self._client_obj = chromadb.HttpClient(
                            host=url.hostname,
                            port=url.port or (443 if url.scheme == "https" else 8000),
                            ssl=url.scheme == "https",
                            settings=chroma_settings,
                        )
                    else:
                        self.settings.index_dir.mkdir(parents=True, exist_ok=True)
                        self._client_obj = chromadb.PersistentClient(
                            path=str(self.settings.index_dir), settings=chroma_settings
                        )
                except IndexUnavailable:
                    raise
                except Exception as error:  # connection refused, unreadable folder: one clear line
                    raise IndexUnavailable(f"cannot open the Chroma index at {self.location}: {error}") from error
            return self._client_obj

    def _model_metadata(self) -> dict[str, Any]:
        """What the collection records about the embedding model."""
        return {"embedding_model": self.embedder.model_name, "embedding_dimension": self.embedder.dimension}

    def _get_collection(self, name: str | None = None):
        """The named collection, or None when it does not exist."""
        client = self._client()
        try:
            return client.get_collection(name or self.settings.collection_name, embedding_function=None)
        except Exception as error:  # chromadb raises NotFoundError (a ValueError in older versions)
            if "does not exist" in str(error) or type(error).__name__ in ("NotFoundError", "InvalidCollectionException"):
                return None
            raise IndexUnavailable(f"cannot read the Chroma index at {self.location}: {error}") from error

    def _create_collection(self, name: str):
        """A new (or the existing) collection with cosine space and the model recorded."""
        return self._client().get_or_create_collection(
            name,
            metadata=self._model_metadata(),
            configuration={"hnsw": {"space": "cosine"}},
            embedding_function=None,
        )

    def _check_model(self, collection) -> None:
        """Raise EmbeddingModelChanged when the collection was built with another model."""
        stored = collection.metadata or {}
        stored_model = stored.get("embedding_model")
        stored_dimension = stored.get("embedding_dimension")
        if stored_model is None and collection.count() == 0:
            return
        if stored_model != self.embedder.model_name or stored_dimension != self.embedder.dimension:
            raise EmbeddingModelChanged(
                f"the index at {self.location} was built with embedding model '{stored_model}' "
                f"({stored_dimension} dimensions) but the configured model is '{self.embedder.model_name}' "
                f"({self.embedder.dimension} dimensions); run `workbench index --rebuild`"
            )

    def _collection(self, create: bool = False):
        """The library collection checked against the configured model (None if absent and not created)."""
        collection = self._get_collection()
        if collection is None:
            if not create:
                return None
            return self._create_collection(self.settings.collection_name)
        self._check_model(collection)
        return collection

    def _readable_collection(self):
        """The collection for reading, or IndexEmpty telling the user to build it."""
        collection = self._collection()
        if collection is None or collection.count() == 0:
            raise IndexEmpty(f"the index at {self.location} is empty; run `workbench index` first")
        return collection

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Exclusive write access (a file lock on the embedded folder; a Chroma server serialises itself)."""
        self._note_write(+1)
        failed = False
        try:
            with self._writer.hold(use_file_lock=not self.settings.chroma_url):
                yield
        except BaseException:
            failed = True
            raise
        finally:
            self._note_write(-1, failed)

    def _note_write(self, delta: int, failed: bool = False) -> None:
        """Track writes in progress; a failed write may have changed the collection without a new revision."""
        with self._vectors_lock:
            self._writes_active += delta
            self._generation += 1
            if failed:
                self._vectors_cache = None
                self._synced = None

    # -- reading the library ---------------------------------------------------------------

    def scan(self) -> LibraryScan:
        """The current library as parsed (modules, chunks, skipped files); touches no index."""
        return load_library(self.settings.library_dir, self.settings, cache=self._parse_cache)

    # -- writing -----------------------------------------------------------------------------

    def _existing(self, collection, where: dict | None = None) -> dict[str, dict[str, Any]]:
        """Stored chunk ids and their metadata (optionally filtered)."""
        result = collection.get(where=where, include=["metadatas"])
        return {chunk_id: dict(meta or {}) for chunk_id, meta in zip(result["ids"], result["metadatas"] or [])}

    def _stored_vectors(self, collection, keys: list[str]) -> dict[str, np.ndarray]:
        """Vectors already stored for the given embedding keys (from any module or path)."""
        found: dict[str, np.ndarray] = {}
        for batch in _batches(sorted(set(keys)), 500):
            result = collection.get(where={"embedding_key": {"$in": batch}}, include=["embeddings", "metadatas"])
            embeddings = result.get("embeddings")
            if embeddings is None:
                continue
            for meta, vector in zip(result["metadatas"] or [], embeddings):
                found.setdefault(str((meta or {}).get("embedding_key")), np.asarray(vector, dtype=np.float32))
        return found

    def _apply(self, collection, plan: _Plan, report: IndexReport, progress: ProgressCallback | None) -> None:
        """Embed what needs it, write new and changed chunks, then delete the old ones."""
        metadatas = {chunk.id: chunk_metadata(chunk) for chunk in plan.to_write}
        reusable = self._stored_vectors(collection, [meta["embedding_key"] for meta in metadatas.values()])
        missing = [chunk for chunk in plan.to_write if metadatas[chunk.id]["embedding_key"] not in reusable]
        # Identical texts are embedded once.
        unique_texts = list(dict.fromkeys(embedding_input(chunk) for chunk in missing))
        if unique_texts:
            if progress and not getattr(self.embedder, "loaded", True):
                progress("loading model", 0, 1)
                _ = self.embedder.model  # loading takes seconds: show it as its own stage
                progress("loading model", 1, 1)
            notify = (lambda done, total: progress("embedding", done, total)) if progress else None
            vectors = self.embedder.embed(unique_texts, progress=notify)
            by_text = dict(zip(unique_texts, vectors))
            for chunk in missing:
                reusable[metadatas[chunk.id]["embedding_key"]] = by_text[embedding_input(chunk)]
        report.chunks_embedded = len(unique_texts)
        report.chunks_reused = len(plan.to_write) - len(missing)
        total = len(plan.to_write) + len(plan.to_relabel)
        done = 0
        # Upserts before deletes: a search running meanwhile always finds the library.
        for batch in _batches(plan.to_write, WRITE_BATCH):
            collection.upsert(
                ids=[chunk.id for chunk in batch],
                embeddings=np.vstack([reusable[metadatas[chunk.id]["embedding_key"]] for chunk in batch]),
                documents=[chunk.text for chunk in batch],
                metadatas=[metadatas[chunk.id] for chunk in batch],
            )
            done += len(batch)
            if progress:
                progress("writing", done, total)
        for batch in _batches(plan.to_relabel, WRITE_BATCH):
            collection.update(ids=[chunk.id for chunk in batch], metadatas=[chunk_metadata(chunk) for chunk in batch])
            done += len(batch)
            if progress:
                progress("writing", done, total)
        for batch in _batches(plan.to_delete, WRITE_BATCH):
            collection.delete(ids=batch)

    def _record_build(self, collection, module_count: int | None = None, changed: bool = True) -> None:
        """Store build time and counts in the collection metadata (keeping the model fields).

        The revision is renewed only when chunks were written or deleted, so an unchanged library
        keeps it and readers may keep what they cached.
        """
        revision = (collection.metadata or {}).get("revision") if not changed else None
        if module_count is None:
            result = collection.get(include=["metadatas"])
            module_count = len({str((meta or {}).get("module_id")) for meta in result["metadatas"] or []})
        collection.modify(
            metadata={
                **self._model_metadata(),
                "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                "chunk_count": collection.count(),
                "module_count": module_count,
                # Changes on every write, so readers can tell whether what they cached is still current.
                "revision": revision or uuid.uuid4().hex,
            }
        )

    def _sync(
        self,
        collection,
        scan: LibraryScan,
        existing: dict[str, dict[str, Any]] | None,
        progress: ProgressCallback | None,
        whole_library: bool = True,
    ) -> IndexReport:
        """Bring the collection in line with the scanned chunks; returns the counts.

        `existing` None means the collection is known to hold exactly these chunks already.
        """
        plan = plan_changes(scan.chunks, existing) if existing is not None else _Plan(unchanged=len(scan.chunks))
        report = IndexReport(
            files=scan.files,
            chunks_added=plan.added,
            chunks_updated=plan.updated,
            chunks_removed=plan.removed,
            chunks_unchanged=plan.unchanged,
            skipped=list(scan.skipped),
            warnings=list(scan.warnings),
            modules=scan.module_count,
        )
        self._apply(collection, plan, report, progress)
        changed = bool(plan.to_write or plan.to_relabel or plan.to_delete)
        self._record_build(collection, scan.module_count if whole_library else None, changed=changed)
        return report

    def build(self, rebuild: bool = False, progress: ProgressCallback | None = None) -> IndexReport:
        """Index the whole library incrementally; `rebuild` re-embeds everything (after a model change)."""
        started = time.perf_counter()
        with self._writing():
            if progress:
                progress("reading", 0, 1)
            scan = self.scan()
            if progress:
                progress("reading", 1, 1)
            if rebuild:
                report = self._rebuild(scan, progress)
            else:
                collection = self._collection(create=True)
                unchanged = self._unchanged_since_sync(collection, scan)
                report = self._sync(collection, scan, None if unchanged else self._existing(collection), progress)
                self._remember_sync(scan)
        report.scan = scan
        report.seconds = time.perf_counter() - started
        return report

    def _unchanged_since_sync(self, collection, scan: LibraryScan) -> bool:
        """True when the collection is as this instance last synced it and the scan gave the very same chunks."""
        synced = self._synced
        if synced is None or synced[0] != _collection_state(collection):
            return False
        previous = synced[1]
        if len(previous) != len(scan.chunks) or len({chunk.id for chunk in scan.chunks}) != len(scan.chunks):
            return False
        # Identity, not equality: the parse cache hands back the same objects for unchanged files.
        return all(old is new for old, new in zip(previous, scan.chunks))

    def _remember_sync(self, scan: LibraryScan) -> None:
        """Record the collection state right after a whole-library sync (under the writer lock)."""
        self._synced = None
        state = _collection_state(self._get_collection())
        if state is not None:
            self._synced = (state, list(scan.chunks))

    def _rebuild(self, scan: LibraryScan, progress: ProgressCallback | None) -> IndexReport:
        """Build a fresh collection beside the old one, then swap, so searches keep working meanwhile."""
        client = self._client()
        name = self.settings.collection_name
        temporary = name + REBUILD_SUFFIX
        if self._get_collection(temporary) is not None:
            client.delete_collection(temporary)
        fresh = self._create_collection(temporary)
        old = self._get_collection(name)
        previous = self._existing(old) if old is not None else {}
        report = self._sync(fresh, scan, {}, progress)
        # Every vector was recomputed: all chunks count as added, everything before as removed.
        report.chunks_removed = len(previous)
        with self._swap_lock:
            if old is not None:
                client.delete_collection(name)
            fresh.modify(name=name)
        return report

    def reindex_paths(self, relative_paths: list[str], progress: ProgressCallback | None = None) -> IndexReport:
        """Re-read only the given library files (relative paths); files that no longer exist leave the index."""
        started = time.perf_counter()
        paths = sorted({path.replace(os.sep, "/").lstrip("/") for path in relative_paths})
        with self._writing():
            collection = self._collection(create=True)
            scan = load_library(self.settings.library_dir, self.settings, paths=paths)
            self._keep_module_ids_unique(collection, scan, paths)
            existing = self._existing(collection, where={"path": {"$in": paths}}) if paths else {}
            report = self._sync(collection, scan, existing, progress, whole_library=False)
        report.seconds = time.perf_counter() - started
        return report

    def _keep_module_ids_unique(self, collection, scan: LibraryScan, paths: list[str]) -> None:
        """Give a re-read module whose id another indexed file already uses its path-derived id (with a warning)."""
        from dataclasses import replace

        from workbench.library.chunker import chunk_module
        from workbench.library.parser import module_id_from_path

        for position, module in enumerate(scan.modules):
            clash = collection.get(
                where={"$and": [{"module_id": module.id}, {"path": {"$nin": paths}}]}, limit=1, include=["metadatas"]
            )
            if not clash["ids"]:
                continue
            other = (clash["metadatas"] or [{}])[0].get("path", "another file")
            renamed = replace(module, id=module_id_from_path(module.path))
            scan.warnings.append(
                SkippedFile(module.path, f"module id '{module.id}' is already used by {other}; indexed as '{renamed.id}'")
            )
            scan.modules[position] = renamed
            scan.chunks = [chunk for chunk in scan.chunks if chunk.path != module.path] + chunk_module(
                renamed, self.settings.chunk_max_chars, self.settings.chunk_overlap_chars
            )

    def remove_paths(self, relative_paths: list[str]) -> IndexReport:
        """Remove every chunk of the given library files (relative paths) from the index."""
        started = time.perf_counter()
        paths = sorted({path.replace(os.sep, "/").lstrip("/") for path in relative_paths})
        report = IndexReport()
        with self._writing():
            collection = self._collection()
            if collection is not None and paths:
                ids = list(self._existing(collection, where={"path": {"$in": paths}}))
                for batch in _batches(ids, WRITE_BATCH):
                    collection.delete(ids=batch)
                report.chunks_removed = len(ids)
                self._record_build(collection)
        report.seconds = time.perf_counter() - started
        return report

    # -- reading the index -----------------------------------------------------------------

    def search(self, query: str, k: int = 10, where: dict | None = None) -> list[SearchHit]:
        """The k chunks closest in meaning to the query, best first (score = cosine similarity)."""
        with self._swap_lock:
            self._readable_collection()  # fail fast, before loading the model, when there is no index
        vector = self.embedder.embed([query])
        with self._swap_lock:
            collection = self._readable_collection()
            result = collection.query(
                query_embeddings=vector,
                n_results=max(1, min(k, collection.count())),
                where=where,
                include=["documents", "metadatas", "distances"],
            )
        hits = []
        for chunk_id, document, meta, distance in zip(
            result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0]
        ):
            chunk = chunk_from_record(chunk_id, document, meta)
            hits.append(
                SearchHit(
                    chunk_id=chunk.id,
                    module_id=chunk.module_id,
                    path=chunk.path,
                    title=chunk.title,
                    heading=chunk.heading,
                    score=float(1.0 - distance),  # Chroma's cosine distance is 1 - similarity
                    text=chunk.text,
                )
            )
        return hits

    def chunk_vectors(self, chunk_ids: list[str] | None = None) -> tuple[list[Chunk], np.ndarray]:
        """Indexed chunks (all, or the given ids) with their stored vectors, sorted by path and position.

        Reading every vector is costly on a large library, so the full set is kept in memory while
        the collection's revision (renewed by every build) and chunk count stay the same.
        """
        with self._vectors_lock:
            generation, writing = self._generation, self._writes_active
        with self._swap_lock:
            collection = self._collection()
            if collection is None or (chunk_ids is not None and not chunk_ids):
                return [], np.zeros((0, self.embedder.dimension), dtype=np.float32)
            state = _collection_state(collection)
            if chunk_ids is None and state is not None:
                with self._vectors_lock:
                    cached = self._vectors_cache
                if cached is not None and cached[0] == state:
                    return list(cached[1]), cached[2].copy()
            result = collection.get(ids=chunk_ids, include=["documents", "metadatas", "embeddings"])
            after = _collection_state(self._get_collection()) if chunk_ids is None and state is not None else None
        chunks = [
            chunk_from_record(chunk_id, document, meta)
            for chunk_id, document, meta in zip(result["ids"], result["documents"] or [], result["metadatas"] or [])
        ]
        embeddings = result.get("embeddings")
        if embeddings is None or len(chunks) == 0:
            return [], np.zeros((0, self.embedder.dimension), dtype=np.float32)
        vectors = np.asarray(embeddings, dtype=np.float32)
        order = sorted(range(len(chunks)), key=lambda i: (chunks[i].path, chunks[i].position))
        chunks, vectors = [chunks[i] for i in order], vectors[order]
        if after is not None and after == state:
            with self._vectors_lock:
                # Kept only when no write of this instance ran meanwhile and the revision did not move.
                if self._generation == generation and writing == 0 and self._writes_active == 0:
                    self._vectors_cache = (state, list(chunks), vectors.copy())
        return chunks, vectors

    def query_vectors(self, vectors: np.ndarray, k: int, where: dict | None = None) -> dict[str, Any]:
        """Raw Chroma query results (ids, documents, metadatas, distances) for a batch of vectors."""
        with self._swap_lock:
            collection = self._readable_collection()
            return collection.query(
                query_embeddings=np.asarray(vectors, dtype=np.float32),
                n_results=max(1, min(k, collection.count())),
                where=where,
                include=["documents", "metadatas", "distances"],
            )

    def status(self) -> dict[str, Any]:
        """Model, dimension, chunk and module counts, last build time and where the index lives."""
        collection = self._get_collection()
        stored = (collection.metadata or {}) if collection is not None else {}
        return {
            "location": self.location,
            "model": self.embedder.model_name,
            "dimension": self.embedder.dimension,
            "index_model": stored.get("embedding_model"),
            "index_dimension": stored.get("embedding_dimension"),
            "model_matches": collection is None
            or stored.get("embedding_model") in (None, self.embedder.model_name)
            and stored.get("embedding_dimension") in (None, self.embedder.dimension),
            "chunks": collection.count() if collection is not None else 0,
            "modules": int(stored.get("module_count", 0) or 0),
            "built_at": stored.get("built_at"),
        }
