"""Model replies that stayed invalid after the retries: kept on disk for the author, named in the error."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path


class FailedGenerations:
    """A folder of raw replies, one file per failed generation, named by time and prompt."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)

    def save(self, label: str, raw_output: str, message: str) -> Path:
        """Write the reply with the error as its first line; returns the file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.folder / f"{stamp}-{re.sub(r'[^A-Za-z0-9_.-]', '_', label)}.txt"
        path.write_text(f"# {message}\n{raw_output}", encoding="utf-8")
        return path
