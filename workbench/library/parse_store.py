"""Parsed library files kept in the data folder, so a new process does not parse an unchanged library again.

An entry is keyed by the file's library path and checked against its stat (size, mtime_ns, ctime,
inode and the chunking settings). A file whose stat changed but whose size and bytes did not (a
`touch`, a checkout that rewrote it unchanged) is recognised by its content hash and reused with
its new modification date; anything else is parsed again. The file is rewritten whole after a scan
that changed anything (`workbench.caching.files`), so concurrent processes read either version.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from workbench.caching.codec import NotEncodable, from_data, to_data
from workbench.caching.files import read_json, write_json
from workbench.domain.library import Chunk, Module
from workbench.library.loader import ParseCache, _FileResult

KIND = "parsed-library-files"
SETTINGS_PART = 3  # the signature ends with the settings that shape a parse (size cap, chunk sizes)


def _chunk_row(chunk: Chunk) -> list:
    return [chunk.id, chunk.module_id, chunk.path, chunk.title, list(chunk.heading_path), chunk.position, chunk.text]


def _chunk_of(row: list) -> Chunk:
    return Chunk(id=row[0], module_id=row[1], path=row[2], title=row[3], heading_path=tuple(row[4]),
                 position=int(row[5]), text=row[6])


def _encode(signature: tuple, result: _FileResult, chunks: list[Chunk]) -> dict[str, Any] | None:
    """One entry as JSON data, or None when the parse does not survive the round trip (it is then not kept)."""
    try:
        module = to_data(result.module) if result.module is not None else None
    except NotEncodable:
        return None
    if result.module is not None and from_data(Module, module) != result.module:
        return None  # front matter holding values JSON cannot give back as they were
    return {"signature": list(signature), "sha256": result.module.content_sha256 if result.module else "",
            "module": module, "skipped": list(result.skipped), "warnings": list(result.warnings),
            "chunks": [_chunk_row(chunk) for chunk in chunks]}


class StoredParseCache(ParseCache):
    """A ParseCache that starts from, and is saved to, a file in the data folder."""

    def __init__(self, path: Path, library_dir: Path) -> None:
        super().__init__()
        self.path = path
        self.root = Path(os.path.realpath(library_dir))
        self._stored: dict[str, dict[str, Any]] | None = None  # entries as read from the file, decoded on use
        self._dirty = False

    def _file_entries(self) -> dict[str, dict[str, Any]]:
        """The entries of the file (read once); a file made for another library folder counts as empty."""
        if self._stored is None:
            payload = read_json(self.path, KIND)
            ok = isinstance(payload, dict) and payload.get("library") == str(self.root)
            self._stored = dict(payload.get("files") or {}) if ok else {}
        return self._stored

    def get(self, relative: str, signature: tuple) -> tuple[_FileResult, list[Chunk]] | None:
        """The parse of a file from memory, else from the file when its stat (or, failing that, its bytes) match."""
        found = super().get(relative, signature)
        if found is not None:
            return found
        with self._lock:
            stored = self._file_entries().get(relative)
        if stored is None:
            return None
        try:
            found = self._decode(relative, stored, signature)
        except (KeyError, IndexError, TypeError, ValueError):
            found = None  # an entry of an unexpected shape: parse the file again
        if found is not None:
            super().put(relative, signature, *found)
        return found

    def _decode(self, relative: str, stored: dict[str, Any], signature: tuple) -> tuple[_FileResult, list[Chunk]] | None:
        kept = tuple(stored["signature"])
        module = from_data(Module, stored["module"]) if stored["module"] is not None else None
        if kept != signature:
            if module is None or not self._same_bytes(relative, stored["sha256"], kept, signature):
                return None
            self._dirty = True  # the entry's stat is renewed on the next save
            modified = datetime.fromtimestamp(os.stat(self.root / relative).st_mtime).date()
            module = replace(module, modified=modified)
        result = _FileResult(module=module, skipped=list(stored["skipped"]), warnings=list(stored["warnings"]))
        return result, [_chunk_of(row) for row in stored["chunks"]]

    def _same_bytes(self, relative: str, sha256: str, kept: tuple, signature: tuple) -> bool:
        """True when a regular file with a new stat still holds exactly the bytes that were parsed."""
        path = self.root / relative
        if path.is_symlink() or kept[-SETTINGS_PART:] != signature[-SETTINGS_PART:] or kept[2] != signature[2]:
            return False  # a symlink, other parse settings, or another size: parse it again
        try:
            return hashlib.sha256(path.read_bytes()).hexdigest() == sha256
        except OSError:
            return False

    def put(self, relative: str, signature: tuple, result: _FileResult, chunks: list[Chunk]) -> None:
        """Remember a fresh parse, in memory now and in the file at the next save."""
        super().put(relative, signature, result, chunks)
        self._dirty = True

    def forget_missing(self, present: set[str]) -> None:
        """Drop entries for files no longer in the library (in memory and in the file)."""
        super().forget_missing(present)
        with self._lock:
            stored = self._file_entries()
            for relative in [key for key in stored if key not in present]:
                del stored[relative]
                self._dirty = True

    def persist(self) -> None:
        """Write the file again when this scan parsed, renewed or dropped anything."""
        with self._lock:
            if not self._dirty:
                return
            stored = self._file_entries()
            for relative, (signature, result, chunks) in self._entries.items():
                if tuple(stored.get(relative, {}).get("signature", ())) != signature:
                    encoded = _encode(signature, result, chunks)
                    if encoded is None:
                        stored.pop(relative, None)
                    else:
                        stored[relative] = encoded
            self._dirty = False
            write_json(self.path, KIND, {"library": str(self.root), "files": stored})
