"""The library revision: one digest of everything a scan read that gap reports and the index depend on, known by stamp."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

from workbench.caching.files import read_json, write_json
from workbench.library.loader import LibraryScan

REVISION_VERSION = "library-revision-1"


def library_revision(scan: LibraryScan) -> str:
    """A digest of the scanned modules (path, id, bytes, dates), their chunks and what was skipped.

    Two scans with the same revision give the same chunks and the same report inputs, so an index
    recorded at this revision needs no sync and a report computed at it can be shared.
    """
    digest = hashlib.sha256(REVISION_VERSION.encode())
    for module in scan.modules:
        digest.update("\x1f".join([module.path, module.id, module.content_sha256,
                                   module.modified.isoformat() if module.modified else ""]).encode("utf-8"))
        digest.update(b"\x1e")
    for chunk in scan.chunks:
        digest.update(chunk.id.encode())
        digest.update(b"\x1d")
    for item in (*scan.skipped, *scan.warnings):
        digest.update(f"{item.path}\x1f{item.reason}".encode("utf-8"))
        digest.update(b"\x1c")
    return digest.hexdigest()


KIND = "library-revisions"
KEEP = 16  # stamps remembered: the library as it is, and a few states it was in lately


class KnownRevisions:
    """The library revision found for each scan stamp, kept in a small file so a new process need not parse to know it.

    A scan's stamp (`LibraryScan.stamp`) digests the files' stat; the same stamp means the same
    scan, hence the same revision. Recorded after every whole-library scan, looked up before one.
    """

    def __init__(self, path: Path, keep: int = KEEP) -> None:
        self.path = path
        self.keep = keep
        self._known: dict[str, str] = {}
        self._lock = threading.Lock()

    def revision_of(self, stamp: str | None) -> str | None:
        """The revision recorded for this stamp (in this process, else in the file), or None."""
        if stamp is None:
            return None
        with self._lock:
            if stamp in self._known:
                return self._known[stamp]
        stored = self._stored()
        with self._lock:
            self._known.update(stored)
            return self._known.get(stamp)

    def record(self, stamp: str | None, revision: str) -> None:
        """Remember the revision of a whole-library scan; the file is written only when it learns something."""
        if stamp is None or self.revision_of(stamp) == revision:
            return
        with self._lock:
            self._known[stamp] = revision
        stored = self._stored()
        stored.pop(stamp, None)
        stored[stamp] = revision  # newest last: the oldest go first
        write_json(self.path, KIND, dict(list(stored.items())[-self.keep:]))

    def _stored(self) -> dict[str, str]:
        payload = read_json(self.path, KIND)
        if not isinstance(payload, dict):
            return {}
        return {str(stamp): revision for stamp, revision in payload.items() if isinstance(revision, str)}
