"""The library collection's id and metadata as its last sync recorded them, in a file inside the embedded index folder.

A freshness check needs only that metadata: which library revision the index last matched, its
revision and chunk count, the model that made its vectors. Reading it from this file instead of
Chroma spares a new process importing chromadb and opening the folder (about half a second of a
`workbench gaps` at 20,000 chunks whose report, parsed files and vectors are all cached).

The file is true because of how writes go: every write through the store removes it before it
touches the collection, and only `record_build` writes it again, after the collection's own
metadata, under the writer lock. So it is either absent (readers ask Chroma) or equal to what
Chroma holds. It names the Chroma database file it was written beside (device and inode), so a
folder whose database was deleted or replaced by hand is asked again. A Chroma server gets no file:
writers elsewhere would not remove it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.caching.files import read_json, write_json

KIND = "recorded-collection"
# The file an embedded Chroma (1.x) keeps its collections and metadata in, inside the index folder.
CHROMA_DATABASE_FILE = "chroma.sqlite3"


@dataclass(frozen=True)
class RecordedCollection:
    """A collection's id, name and metadata as recorded: reads like a Chroma collection's `id` and `metadata`."""

    id: str
    name: str
    metadata: dict[str, Any] = field(default_factory=dict)


class RecordedCollectionFile:
    """One collection's recorded metadata beside its Chroma database file (`path` None: nothing is recorded, as for a server)."""

    def __init__(self, path: Path | None, store_file: Path | None) -> None:
        self.path = path
        # The Chroma database the record describes; a record of another file (replaced, restored) is not read.
        self.store_file = store_file

    @classmethod
    def beside(cls, index_dir: Path | None, collection_name: str) -> "RecordedCollectionFile":
        """The record of a collection in an embedded index folder (None: a Chroma server, nothing recorded)."""
        if index_dir is None:
            return cls(None, None)
        return cls(index_dir / f"recorded-{collection_name}.json", index_dir / CHROMA_DATABASE_FILE)

    def read(self, name: str) -> RecordedCollection | None:
        """The recorded collection of this name, or None (absent, unreadable, another version, name or database file)."""
        if self.path is None:
            return None
        payload = read_json(self.path, KIND)
        if not isinstance(payload, dict) or payload.get("name") != name or not isinstance(payload.get("metadata"), dict):
            return None
        identity = self._store_file_identity()
        if identity is None or payload.get("store_file") != identity:
            return None
        return RecordedCollection(id=str(payload.get("id")), name=name, metadata=dict(payload["metadata"]))

    def write(self, collection_id: str, name: str, metadata: dict[str, Any]) -> None:
        """Record the collection as Chroma now holds it (call under the writer lock, after Chroma's own write)."""
        store_file = self._store_file_identity()
        if self.path is not None and self.path.parent.is_dir() and store_file is not None:
            write_json(self.path, KIND, {"id": collection_id, "name": name, "metadata": metadata,
                                         "store_file": store_file})

    def forget(self) -> None:
        """Remove the record before a write, so no reader takes it for the collection while it changes."""
        if self.path is not None:
            self.path.unlink(missing_ok=True)

    def _store_file_identity(self) -> list[int] | None:
        """The Chroma database file's device and inode (None when it is missing)."""
        if self.store_file is None:
            return None
        try:
            found = self.store_file.stat()
        except OSError:
            return None
        return [found.st_dev, found.st_ino]
