"""Durable file operations: stage in the same folder, fsync, rename into place, fsync the folder."""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from pathlib import Path

TEMP_SUFFIX = ".wbtmp"


def sha256_bytes(data: bytes) -> str:
    """Hex sha256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def file_sha256(path: Path) -> str | None:
    """Hex sha256 of a file's bytes, or None when it does not exist."""
    try:
        return sha256_bytes(path.read_bytes())
    except FileNotFoundError:
        return None


def stage(final: Path, data: bytes) -> Path:
    """Write data to a new hidden temp file next to `final` (the library loader skips hidden files)."""
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = final.with_name(f".{final.name}.{secrets.token_hex(4)}{TEMP_SUFFIX}")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def fsync_dir(directory: Path) -> None:
    """Make a rename or unlink in the directory durable."""
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def place(temp: Path, final: Path, *, may_replace: bool) -> None:
    """Move the staged file into place atomically; without may_replace an existing file is never touched."""
    if may_replace:
        os.replace(temp, final)
    else:
        os.link(temp, final)  # fails with FileExistsError instead of overwriting someone else's file
        os.unlink(temp)


def write_atomically(final: Path, data: bytes, *, may_replace: bool = True) -> None:
    """Stage, fsync, move into place, fsync the folder."""
    temp = stage(final, data)
    try:
        place(temp, final, may_replace=may_replace)
    finally:
        temp.unlink(missing_ok=True)
    fsync_dir(final.parent)


def remove_durably(path: Path) -> None:
    """Delete a file and make the deletion durable."""
    path.unlink(missing_ok=True)
    fsync_dir(path.parent)


def sweep_temp_files(directory: Path, older_than_seconds: float) -> list[Path]:
    """Remove temp files a crash left behind (only old ones: another process may be publishing now)."""
    if not directory.is_dir():
        return []
    cutoff = time.time() - older_than_seconds
    swept = []
    for path in directory.iterdir():
        if path.name.startswith(".") and path.name.endswith(TEMP_SUFFIX):
            try:
                if path.stat().st_mtime <= cutoff:
                    path.unlink()
                    swept.append(path)
            except FileNotFoundError:
                continue  # its publisher just moved it into place
    return swept
