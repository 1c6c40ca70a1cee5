"""The library revision: one digest of everything a scan read that gap reports and the index depend on."""

from __future__ import annotations

import hashlib

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
