"""The Chroma adapter: client, the library collection, its recorded model and revision, paged reads and writes.

Everything the workbench asks of Chroma goes through here, in pages: Chroma's local SQLite
metadata segment fails any call that touches more than 32,766 records with their metadata ("too
many SQL variables"), and a server caps a batch at `get_max_batch_size()`. Results come back as
the workbench's own records (`StoredChunk`, `QueryHit`), never as Chroma's parallel lists.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import numpy as np

from workbench.domain.library import Chunk
from workbench.errors import EmbeddingModelChanged, WorkbenchError
from workbench.index.errors import IndexEmpty, IndexUnavailable
from workbench.index.embedding_identity import EmbeddingModel, configured_identity, describe_identity, stored_identity
from workbench.index.locking import process_lock
from workbench.index.recorded_collection import RecordedCollection, RecordedCollectionFile
from workbench.index.records import chunk_from_record, stored_metadata, without_text
from workbench.settings import Settings

# Records per call: far below SQLite's 32,766 bound variables per statement (Chroma's local segment
# binds one per matched record when it reads metadata), and under any server's batch limit we met.
MAX_PAGE = 5_000
# Values of one `$in` filter per call: each is a bound variable too, beside the matched records.
IN_PAGE = 500
REBUILD_SUFFIX = "__rebuild"
# Collection metadata: the newest library commit a replica pushed and indexed; other replicas' clones
# pull when they do not have it yet.
LIBRARY_TIP = "library_tip"
# Given the tip stored now, the tip to store (called under the writer lock, so replicas never step back).
TipChoice = Callable[[str | None], str | None]


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as the index holds it, with its vector when asked for."""

    chunk: Chunk
    metadata: dict[str, Any]
    vector: np.ndarray | None = None


@dataclass(frozen=True)
class QueryHit:
    """One nearest chunk of a query vector, with its cosine similarity."""

    chunk: Chunk
    score: float  # cosine similarity, higher is closer


def pages(items: list, size: int) -> Iterator[list]:
    """Consecutive slices of at most `size` items."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def where_pages(where: dict | None, size: int = IN_PAGE) -> Iterator[dict | None]:
    """The filter itself, or, for `{field: {"$in": values}}`, one filter per page of `size` values (none for no values)."""
    if where and len(where) == 1:
        (name, condition), = where.items()
        values = condition.get("$in") if isinstance(condition, dict) and len(condition) == 1 else None
        if isinstance(values, list):
            for page in pages(values, size):
                yield {name: {"$in": page}}
            return
    yield where


class ChromaStore:
    """One Chroma collection holding the library's chunks, on an embedded folder or a Chroma server."""

    def __init__(self, settings: Settings, model: EmbeddingModel) -> None:
        self.settings = settings
        self.model = model
        self._client_obj = None
        self._client_lock = threading.Lock()
        self._page_size: int | None = None
        # Held while a rebuild swaps collections and while a read runs, so in-process readers never see
        # the moment between dropping the old collection and renaming the new one.
        self.swap_lock = process_lock("swap:" + self.location_key)
        # The collection's metadata as last recorded, readable without chromadb (none for a server).
        self._recorded = RecordedCollectionFile.beside(None if self.is_server else settings.index_dir, settings.collection_name)

    # -- where and what ------------------------------------------------------------------------

    @property
    def location_key(self) -> str:
        """Identifies the collection across instances of this process."""
        where = self.settings.chroma_url or str(self.settings.index_dir.resolve())
        return f"{where}#{self.settings.collection_name}"

    @property
    def location(self) -> str:
        """Where the index lives: the Chroma server URL or the embedded folder."""
        return self.settings.chroma_url or str(self.settings.index_dir)

    @property
    def is_server(self) -> bool:
        """True when a Chroma server (which serialises writers itself) holds the index."""
        return bool(self.settings.chroma_url)

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
                        self._client_obj = chromadb.PersistentClient(path=str(self.settings.index_dir), settings=chroma_settings)
                except IndexUnavailable:
                    raise
                except Exception as error:  # connection refused, unreadable folder: one clear line
                    raise IndexUnavailable(f"cannot open the Chroma index at {self.location}: {error}") from error
            return self._client_obj

    @property
    def page_size(self) -> int:
        """Records per Chroma call: the client's batch limit, capped under SQLite's variable limit."""
        if self._page_size is None:
            try:
                limit = int(self._client().get_max_batch_size())
            except Exception:  # noqa: BLE001 - older clients and some servers do not say
                limit = MAX_PAGE
            self._page_size = max(1, min(limit, MAX_PAGE))
        return self._page_size

    # -- the collection ------------------------------------------------------------------------

    def _model_metadata(self) -> dict[str, Any]:
        return {"embedding_model": self.model.model_name, "embedding_backend": self.model.backend,
                "embedding_variant": self.model.variant, "embedding_dimension": self.model.dimension}

    def get_collection(self, name: str | None = None):
        """The named collection (default: the library's), or None when it does not exist."""
        try:
            return self._client().get_collection(name or self.settings.collection_name, embedding_function=None)
        except Exception as error:  # chromadb raises NotFoundError (a ValueError in older versions)
            if "does not exist" in str(error) or type(error).__name__ in ("NotFoundError", "InvalidCollectionException"):
                return None
            raise IndexUnavailable(f"cannot read the Chroma index at {self.location}: {error}") from error

    def create_collection(self, name: str):
        """A new (or the existing) collection with cosine space and the model recorded."""
        return self._client().get_or_create_collection(
            name, metadata=self._model_metadata(), configuration={"hnsw": {"space": "cosine"}}, embedding_function=None,
        )

    def check_model(self, collection) -> None:
        """Raise EmbeddingModelChanged when the collection was built with another model, backend or int8 range."""
        stored, configured = stored_identity(collection.metadata or {}), configured_identity(self.model)
        # An empty collection holds no vectors to mix with (e.g. a first build that stopped before writing).
        if stored != configured and collection.count() > 0:
            raise EmbeddingModelChanged(
                f"the index at {self.location} was built with embedding model {describe_identity(stored)} "
                f"but the configured model is {describe_identity(configured)}; run `workbench index --rebuild`"
            )

    def collection(self, create: bool = False):
        """The library collection checked against the configured model (None if absent and not created)."""
        collection = self.get_collection()
        if collection is None:
            return self.create_collection(self.settings.collection_name) if create else None
        self.check_model(collection)
        return collection

    def recorded_collection(self) -> RecordedCollection | None:
        """The collection as the last write recorded it, without Chroma; None if unrecorded or of another model (open it then)."""
        recorded = self._recorded.read(self.settings.collection_name)
        if recorded is None or stored_identity(recorded.metadata) != configured_identity(self.model):
            return None
        return recorded

    def readable_collection(self):
        """The collection for reading, or IndexEmpty telling the user to build it."""
        collection = self.collection()
        if collection is None or collection.count() == 0:
            raise IndexEmpty(f"the index at {self.location} is empty; run `workbench index` first")
        return collection

    @staticmethod
    def state(collection) -> tuple | None:
        """What identifies a collection's content: its id, recorded revision and count (None when unrecorded)."""
        if collection is None:
            return None
        revision = (collection.metadata or {}).get("revision")
        if not revision:
            return None
        return (str(collection.id), revision, collection.count())

    @staticmethod
    def recorded_state(collection) -> tuple | None:
        """The state as the last build recorded it (id, revision, chunk count): no call to count the records.

        Equal to `state()` whenever the last write recorded itself; a write that failed before
        recording cannot have made the library revision it records current.
        """
        if collection is None:
            return None
        metadata = collection.metadata or {}
        if not metadata.get("revision"):
            return None
        return (str(collection.id), metadata["revision"], int(metadata.get("chunk_count") or 0))

    def record_build(self, collection, module_count: int | None = None, changed: bool = True,
                     library_revision: str = "", tip: TipChoice | None = None) -> None:
        """Store build time and counts in the collection metadata (keeping the model fields).

        The revision is renewed only when chunks were written or deleted, so an unchanged library
        keeps it and readers may keep what they cached. `library_revision` is the library a
        whole-library sync made the collection match ("" after a partial write), so a reader can tell
        without a sync that the index is current.
        """
        revision = (collection.metadata or {}).get("revision") if not changed else None
        if module_count is None:
            module_count = len({str(meta.get("module_id")) for meta in self.metadatas(collection).values()})
        kept = {key: value for key, value in (collection.metadata or {}).items() if key in ("library_commit", LIBRARY_TIP)}
        if tip is not None and (chosen := tip(kept.get(LIBRARY_TIP))):
            kept[LIBRARY_TIP] = chosen
        metadata = {
            **self._model_metadata(), **kept,
            "built_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "chunk_count": collection.count(),
            "module_count": module_count,
            # Changes on every write, so readers can tell whether what they cached is still current.
            "revision": revision or uuid.uuid4().hex,
            "library_revision": library_revision,
        }
        self._recorded.forget()
        collection.modify(metadata=metadata)
        if collection.name == self.settings.collection_name:  # not the collection a rebuild fills beside it
            self._recorded.write(str(collection.id), collection.name, metadata)

    @staticmethod
    def records_library(collection, revision: str) -> bool:
        """True when the collection's last whole-library sync recorded this library revision (no write since)."""
        return collection is not None and bool(revision) and (collection.metadata or {}).get("library_revision") == revision

    def forget_library_revision(self, collection) -> None:
        """Clear the recorded library revision before a write (the next `record_build` records the new one)."""
        metadata = collection.metadata or {}
        if metadata.get("library_revision"):
            self._recorded.forget()
            collection.modify(metadata={**metadata, "library_revision": ""})

    def library_tip(self) -> str | None:
        """The newest library commit a replica pushed and indexed (else the commit the last build reflects)."""
        collection = self.get_collection()
        metadata = (collection.metadata or {}) if collection is not None else {}
        return metadata.get(LIBRARY_TIP) or metadata.get("library_commit") or None

    def record_library_commit(self, commit: str) -> None:
        """Record which commit of a git library the collection reflects (kept by later builds)."""
        collection = self.get_collection()
        if collection is not None:
            self._recorded.forget()  # not written again here: this runs outside the writer lock
            collection.modify(metadata={**(collection.metadata or {}), "library_commit": commit})

    def replace_with(self, fresh) -> None:
        """Swap a freshly built collection in for the library's (a rebuild), under the swap lock."""
        client = self._client()
        name = self.settings.collection_name
        with self.swap_lock:
            self._recorded.forget()
            if self.get_collection(name) is not None:
                client.delete_collection(name)
            fresh.modify(name=name)
            self._recorded.write(str(fresh.id), name, dict(fresh.metadata or {}))

    def fresh_collection(self):
        """An empty collection beside the library's, to rebuild into."""
        temporary = self.settings.collection_name + REBUILD_SUFFIX
        if self.get_collection(temporary) is not None:
            self._client().delete_collection(temporary)
        return self.create_collection(temporary)

    # -- paged reads ---------------------------------------------------------------------------

    def _pages_of(self, collection, where: dict | None, include: list[str],
                  progress: Callable[[int, int], None] | None = None) -> Iterator[dict]:
        """Every record matching the filter, one `get` of at most page_size records at a time.

        A long `$in` list is itself split into pages (each value is a bound variable). The whole
        collection is read by pages of ids, not by offset: Chroma's cost of a page grows with its
        offset (1.8 s at offset 195,000 against 0.6 s at 0 for 5,000 records with metadata), so
        offset pages over a large collection cost more than linear.
        """
        if where is None:
            yield from self._pages_by_id(collection, include, progress)
            return
        done = 0
        for clause in where_pages(where, min(IN_PAGE, self.page_size)):
            offset = 0
            while True:
                result = collection.get(where=clause, include=include, limit=self.page_size, offset=offset)
                count = len(result["ids"])
                done += count
                yield result
                if count < self.page_size:
                    break
                offset += count
        if progress is not None:
            progress(done, done)

    def _pages_by_id(self, collection, include: list[str],
                     progress: Callable[[int, int], None] | None = None) -> Iterator[dict]:
        """Every record of the collection, one `get` by a page of its ids at a time."""
        # Ids alone bind no variable per matched record (one call lists 200,000 in under 2 s).
        ids = collection.get(include=[])["ids"]
        done = 0
        for page in pages(ids, self.page_size):
            result = collection.get(ids=page, include=include)
            done += len(result["ids"])
            if progress is not None and done < len(ids):
                progress(done, len(ids))
            yield result
        if progress is not None:
            progress(done, done)

    def metadatas(self, collection, where: dict | None = None,
                  progress: Callable[[int, int], None] | None = None) -> dict[str, dict[str, Any]]:
        """Stored chunk ids and their metadata (optionally filtered), read page by page."""
        found: dict[str, dict[str, Any]] = {}
        for result in self._pages_of(collection, where, ["metadatas"], progress):
            found.update((chunk_id, without_text(meta)) for chunk_id, meta in zip(result["ids"], result["metadatas"] or []))
        return found

    def records(self, collection, ids: list[str] | None = None,
                progress: Callable[[int, int], None] | None = None) -> list[StoredChunk]:
        """Chunks with their text, metadata and vectors: the given ids, or every one, page by page."""
        include = ["documents", "metadatas", "embeddings"]  # documents: the text of records written before TEXT_FIELD
        found: list[StoredChunk] = []
        if ids is not None:
            wanted = list(dict.fromkeys(ids))
            for page in pages(wanted, self.page_size):
                found += self._stored(collection.get(ids=page, include=include))
                if progress is not None:
                    progress(len(found), len(wanted))
            return found
        for result in self._pages_of(collection, None, include, progress):
            found += self._stored(result)
        return found

    @staticmethod
    def _stored(result: dict) -> list[StoredChunk]:
        embeddings = result.get("embeddings")
        vectors = list(embeddings) if embeddings is not None else [None] * len(result["ids"])
        return [
            StoredChunk(chunk_from_record(chunk_id, document, meta), without_text(meta),
                        None if vector is None else np.asarray(vector, dtype=np.float32))
            for chunk_id, document, meta, vector in zip(
                result["ids"], result["documents"] or [None] * len(result["ids"]), result["metadatas"] or [], vectors)
        ]

    def vectors_for_keys(self, collection, keys: list[str]) -> dict[str, np.ndarray]:
        """Vectors already stored for the given embedding keys (from any module or path)."""
        found: dict[str, np.ndarray] = {}
        # A text repeated all over the library matches many records per key: the matches are paged too.
        for result in self._pages_of(collection, {"embedding_key": {"$in": sorted(set(keys))}}, ["embeddings", "metadatas"]):
            embeddings = result.get("embeddings")
            if embeddings is None:
                continue
            for meta, vector in zip(result["metadatas"] or [], embeddings):
                found.setdefault(str((meta or {}).get("embedding_key")), np.asarray(vector, dtype=np.float32))
        return found

    def query(self, collection, vectors: np.ndarray, k: int, where: dict | None = None) -> list[list[QueryHit]]:
        """The k nearest chunks of each query vector, best first (query vectors sent in pages)."""
        vectors = np.atleast_2d(np.asarray(vectors, dtype=np.float32))
        k = max(1, min(k, collection.count()))
        per_page = max(1, self.page_size // k)
        hits: list[list[QueryHit]] = []
        for start in range(0, len(vectors), per_page):
            result = collection.query(query_embeddings=vectors[start:start + per_page], n_results=k, where=where,
                                      include=["documents", "metadatas", "distances"])
            for ids, documents, metadatas, distances in zip(
                result["ids"], result["documents"], result["metadatas"], result["distances"]
            ):
                hits.append([
                    # Chroma's cosine distance is 1 - similarity.
                    QueryHit(chunk_from_record(chunk_id, document, meta), float(1.0 - distance))
                    for chunk_id, document, meta, distance in zip(ids, documents, metadatas, distances)
                ])
        return hits

    # -- paged writes --------------------------------------------------------------------------

    @contextmanager
    def _write_call(self) -> Iterator[None]:
        """A write the server did not take (stopped, restarted, unreachable) becomes one clear error."""
        self._recorded.forget()  # until the write is recorded, readers ask Chroma itself
        try:
            yield
        except WorkbenchError:
            raise
        except Exception as error:  # httpx connection errors, the server's own errors: one line, not a traceback
            # Chunks are written before old ones are deleted, so a build cut short leaves a searchable index.
            raise IndexUnavailable(f"cannot write the Chroma index at {self.location}: {error}; the chunks written "
                                   "so far are kept, run `workbench index` again once it is back") from error

    def upsert(self, collection, ids: list[str], vectors: np.ndarray, texts: list[str],
               metadatas: list[dict[str, Any]]) -> None:
        """Write chunks with their vectors, each text in its metadata (one page per call)."""
        stored = [stored_metadata(text, meta) for text, meta in zip(texts, metadatas, strict=True)]
        with self._write_call():
            for start in range(0, len(ids), self.page_size):
                end = start + self.page_size
                collection.upsert(ids=ids[start:end], embeddings=vectors[start:end], metadatas=stored[start:end])

    def relabel(self, collection, ids: list[str], texts: list[str], metadatas: list[dict[str, Any]]) -> None:
        """Replace the metadata of stored chunks, text included (their vectors stay)."""
        stored = [stored_metadata(text, meta) for text, meta in zip(texts, metadatas, strict=True)]
        with self._write_call():
            for start in range(0, len(ids), self.page_size):
                collection.update(ids=ids[start:start + self.page_size], metadatas=stored[start:start + self.page_size])

    def delete(self, collection, ids: list[str]) -> None:
        """Remove chunks by id."""
        if not ids:  # nothing to write: the recorded collection stays true
            return
        with self._write_call():
            for page in pages(ids, self.page_size):
                collection.delete(ids=page)
