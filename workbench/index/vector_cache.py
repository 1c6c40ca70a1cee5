"""Chunk vectors as read from Chroma, kept in the data folder so a new process reads only what changed.

A vector is found again by the chunk's id and the hash of the exact text that was embedded
(`embedding_key`), inside the same collection (its id changes on a rebuild) and for the same
embedding model, backend, variant and dimension; anything else is read from Chroma again. There is one
file per collection, rewritten whole (`workbench.caching.files`), so concurrent processes read one
version or the other; the files of collections not read for a while (replaced by a rebuild) go.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

from workbench.caching.files import prune, read_arrays, write_arrays
from workbench.domain.library import Chunk
from workbench.index.records import embedding_key

KIND = "chunk-vectors"
KEEP_FILES = 3  # collections whose vectors stay cached (one index, plus the ones rebuilds replaced)


class VectorCache:
    """The library's chunk vectors for one embedding model, one .npz file per collection."""

    def __init__(self, folder: Path, model) -> None:
        self.folder = folder
        self.model = model  # model_name, backend, variant, dimension: what made the vectors
        self._lock = threading.Lock()

    def _stamp(self, collection_id: str) -> dict[str, object]:
        return {"collection": collection_id, "model": self.model.model_name, "backend": self.model.backend,
                "variant": self.model.variant, "dimension": int(self.model.dimension)}

    def _read(self, collection_id: str) -> tuple[list[str], list[str], np.ndarray]:
        """The stored chunk ids, embedding keys and vectors (row for row); empty for another collection or model."""
        empty: tuple[list[str], list[str], np.ndarray] = [], [], np.zeros((0, int(self.model.dimension)), dtype=np.float32)
        loaded = read_arrays(self.path(collection_id), KIND)
        if loaded is None or loaded[0] != self._stamp(collection_id):
            return empty
        arrays = loaded[1]
        try:
            ids, keys, vectors = arrays["ids"], arrays["keys"], arrays["vectors"]
        except KeyError:
            return empty
        if vectors.ndim != 2 or vectors.shape[0] != len(ids) or len(keys) != len(ids) \
                or vectors.shape[1] != int(self.model.dimension):
            return empty
        return [str(i) for i in ids.tolist()], [str(k) for k in keys.tolist()], vectors

    def lookup(self, collection_id: str, chunks: list[Chunk]) -> tuple[np.ndarray, list[int]]:
        """Vectors for the chunks (rows in their order) and the positions of those not cached (rows of zeros)."""
        with self._lock:
            ids, keys, stored = self._read(collection_id)
        wanted_ids, wanted_keys = [chunk.id for chunk in chunks], [embedding_key(chunk) for chunk in chunks]
        if wanted_ids == ids and wanted_keys == keys:
            # The library as the vectors were stored (the usual case): the stored rows are the answer, in order.
            return np.asarray(stored, dtype=np.float32), []
        rows = {pair: row for row, pair in enumerate(zip(ids, keys))}
        vectors = np.zeros((len(chunks), int(self.model.dimension)), dtype=np.float32)
        positions: list[int] = []
        stored_rows: list[int] = []
        missing: list[int] = []
        for position, pair in enumerate(zip(wanted_ids, wanted_keys)):
            row = rows.get(pair)
            if row is None:
                missing.append(position)
            else:
                positions.append(position)
                stored_rows.append(row)
        vectors[positions] = stored[stored_rows]  # one gather for every cached row
        return vectors, missing

    def store(self, collection_id: str, chunks: list[Chunk], vectors: np.ndarray) -> None:
        """Keep exactly these chunks' vectors (what the library holds now) for this collection and model."""
        ids = np.array([chunk.id for chunk in chunks], dtype=np.str_)
        keys = np.array([embedding_key(chunk) for chunk in chunks], dtype=np.str_)
        with self._lock:
            write_arrays(self.path(collection_id), KIND, self._stamp(collection_id),
                         {"ids": ids, "keys": keys, "vectors": np.asarray(vectors, dtype=np.float32)})
            prune(self.folder, "vectors-*.npz", KEEP_FILES)

    def path(self, collection_id: str) -> Path:
        """The file holding one collection's vectors."""
        safe = "".join(ch for ch in collection_id if ch.isalnum() or ch in "-_") or "collection"
        return self.folder / f"vectors-{safe}.npz"
