"""Frameworks uploaded in the app: kept in the data dir under their content hash, so a re-upload never clashes."""

from __future__ import annotations

import hashlib
from pathlib import Path

from workbench.errors import SkillsFileInvalid

SUFFIXES = (".yaml", ".yml", ".csv")
MAX_UPLOAD_BYTES = 20_000_000


class FrameworkUploads:
    """Stores uploaded framework files where the gap service can read them."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def store(self, name: str, data: bytes) -> Path:
        """The stored file for an upload (written once per content); SkillsFileInvalid for an empty or huge one."""
        if not data:
            raise SkillsFileInvalid(f"{name}: the uploaded file is empty")
        if len(data) > MAX_UPLOAD_BYTES:
            raise SkillsFileInvalid(f"{name}: the uploaded file has {len(data):,} bytes; the limit is {MAX_UPLOAD_BYTES:,}")
        suffix = Path(name).suffix.lower()
        suffix = suffix if suffix in SUFFIXES else ".csv"
        path = self.folder / f"framework-{hashlib.sha256(data).hexdigest()[:16]}{suffix}"
        if not path.exists():
            self.folder.mkdir(parents=True, exist_ok=True)
            temp = path.with_name(path.name + ".part")
            temp.write_bytes(data)
            temp.replace(path)
        return path
