"""Cache files in the data folder: written whole (temporary file, fsync, rename), read back only when their stamp matches.

A reader sees the old file or the new one, never half of either, so any number of processes may
read while one writes. A file stamped by another version of the workbench (or cut short, or not
a cache file at all) reads as missing, and the next writer replaces it.
"""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import orjson  # several times faster than json on the large cache files (the parsed library, reports)

log = logging.getLogger(__name__)

from workbench import __version__

# The stamp of every cache file: the release that wrote it (whose code made what is cached) and the
# shape of the files (bump it when a cached shape changes).
CACHE_VERSION = f"workbench-{__version__}-cache-2"


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current


# Cache files get the permissions any new file of this process gets (mkstemp alone would make them
# private), so an app server and a command run by another account of the same group share them.
FILE_MODE = 0o666 & ~_umask()


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data` in one step (a temporary file beside it, fsync'ed, then renamed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, FILE_MODE)
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        try:
            os.unlink(temporary)
        except OSError:
            pass
        raise


def write_json(path: Path, kind: str, payload: Any) -> None:
    """Write a JSON cache file of one kind, stamped with the cache version."""
    write_atomic(path, orjson.dumps({"version": CACHE_VERSION, "kind": kind, "payload": payload}))


def read_json(path: Path, kind: str) -> Any | None:
    """The payload of a JSON cache file of this kind and version, or None (missing, corrupt, other version)."""
    try:
        document = orjson.loads(path.read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, orjson.JSONDecodeError) as error:
        log.warning("ignoring the unreadable cache file %s (%s); it will be rebuilt", path, error)
        return None
    if not isinstance(document, dict) or document.get("version") != CACHE_VERSION or document.get("kind") != kind:
        return None
    return document.get("payload")


def write_arrays(path: Path, kind: str, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> None:
    """Write arrays (no pickled objects) with a stamped JSON header, as one .npz file."""
    header = json.dumps({"version": CACHE_VERSION, "kind": kind, "meta": meta})
    buffer = io.BytesIO()
    np.savez(buffer, header=np.array(header), **arrays)
    write_atomic(path, buffer.getvalue())


def read_arrays(path: Path, kind: str) -> tuple[dict[str, Any], dict[str, np.ndarray]] | None:
    """(meta, arrays) of an .npz cache file of this kind and version, or None (missing, corrupt, other version)."""
    try:
        with np.load(path, allow_pickle=False) as loaded:
            header = json.loads(str(loaded["header"]))
            if not isinstance(header, dict) or header.get("version") != CACHE_VERSION or header.get("kind") != kind:
                return None
            return dict(header.get("meta") or {}), {name: loaded[name] for name in loaded.files if name != "header"}
    except FileNotFoundError:
        return None
    except Exception as error:  # noqa: BLE001 - a damaged zip fails in many ways; all mean "rebuild it"
        log.warning("ignoring the unreadable cache file %s (%s); it will be rebuilt", path, error)
        return None


def prune(folder: Path, pattern: str, keep: int) -> None:
    """Remove all but the `keep` most recently written files of the folder matching the pattern."""
    def written_at(path: Path) -> int:
        try:
            return path.stat().st_mtime_ns
        except OSError:  # removed meanwhile by another process
            return 0

    for stale in sorted(folder.glob(pattern), key=written_at, reverse=True)[keep:]:
        stale.unlink(missing_ok=True)
