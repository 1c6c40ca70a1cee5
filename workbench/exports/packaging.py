"""Writing export files and zip packages atomically, and identifiers every standard accepts."""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
import zipfile
from pathlib import Path

_NCNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_.\-]*$")


def write_atomic(path: Path, data: bytes) -> Path:
    """Write bytes to `path` through a temporary file, so a crash never leaves half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as temp:
            temp.write(data)
            temp.flush()
            os.fsync(temp.fileno())
        os.chmod(temp_name, 0o644)  # mkstemp creates 0600; exports are meant to be shared
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path


def zip_bytes(files: dict[str, bytes]) -> bytes:
    """A zip package in memory (deflated, manifest first, then by name)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        # The manifest first: some LMS importers look for it at the start of the archive.
        for name in sorted(files, key=lambda name: (name != "imsmanifest.xml", name)):
            archive.writestr(name, files[name])
    return buffer.getvalue()


def xml_identifier(value: str, prefix: str = "i") -> str:
    """`value` if it is a valid XML identifier (NCName), else a stable identifier derived from it."""
    if _NCNAME.match(value or ""):
        return value
    cleaned = re.sub(r"[^A-Za-z0-9_.\-]", "_", value or "")
    digest = hashlib.sha1((value or "").encode("utf-8")).hexdigest()[:8]
    return f"{prefix}{cleaned}_{digest}" if cleaned else f"{prefix}{digest}"
