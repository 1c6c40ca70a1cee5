"""What level each library file is classified at: its front matter, else its folder's default, else the default.

A module says `classification: confidential` in its front matter. A folder sets a default for every
file below it in a `_folder.yaml` (`classification: internal`) or in settings
(WORKBENCH_FOLDER_CLASSIFICATIONS, a map of library-relative folders); the nearest folder wins, the
settings map before the folder's file. A value that is not a configured level is treated as the most
restrictive level, with a warning: a typo must never let content out.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import yaml

from workbench.governance.levels import ClassificationLevels
from workbench.library.format import split_front_matter

FOLDER_FILE = "_folder.yaml"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Classification:
    """The level of one file, where it came from, and a warning when its value was not a level."""

    level: str
    source: str  # "front matter", "folder feedback/ (_folder.yaml)", "settings folder map: hr/", "default"
    warning: str | None = None


class ContentClassifier:
    """Classifies library files by path; reads each file's header once per change (stat-checked cache)."""

    def __init__(self, library_dir: Path, levels: ClassificationLevels, default_level: str,
                 folder_levels: dict[str, str] | None = None) -> None:
        self.library_dir = Path(library_dir)
        self.levels = levels
        self.default = levels.read(default_level, "WORKBENCH_DEFAULT_CLASSIFICATION")
        self.folder_levels = {str(PurePosixPath(k.strip("/"))): v for k, v in (folder_levels or {}).items()}
        self._cache: dict[str, tuple[tuple[int, int] | None, object]] = {}
        self._lock = threading.Lock()

    def classify(self, relative_path: str) -> Classification:
        """The classification of a library-relative file path."""
        declared = self._declared(relative_path)
        if declared is not None:
            level, warning = self.levels.read(declared, relative_path)
            return Classification(level, "front matter", warning)
        return self._folder_default(PurePosixPath(relative_path).parent)

    def _folder_default(self, folder: PurePosixPath) -> Classification:
        for current in [folder, *folder.parents]:
            key = str(current)
            shown = "the library root" if key == "." else f"folder {key}/"
            if key in self.folder_levels:
                level, warning = self.levels.read(self.folder_levels[key], f"WORKBENCH_FOLDER_CLASSIFICATIONS[{key}]")
                return Classification(level, f"settings default of {shown}", warning)
            declared = self._folder_file(key)
            if declared is not None:
                where = f"{key}/{FOLDER_FILE}" if key != "." else FOLDER_FILE
                level, warning = self.levels.read(declared, where)
                return Classification(level, f"{FOLDER_FILE} of {shown}", warning)
        level, warning = self.default
        return Classification(level, "default", warning)

    def _declared(self, relative_path: str) -> object | None:
        """The raw `classification` of a file's front matter (None when it has none)."""
        return self._cached(relative_path, _front_matter_classification)

    def _folder_file(self, folder: str) -> object | None:
        relative = FOLDER_FILE if folder == "." else f"{folder}/{FOLDER_FILE}"
        return self._cached(relative, _yaml_classification)

    def _cached(self, relative: str, read) -> object | None:
        path = self.library_dir / relative
        try:
            stat = path.stat()
            stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
        with self._lock:
            hit = self._cache.get(relative)
            if hit is not None and hit[0] == stamp:
                return hit[1]
        value = read(path, relative) if stamp is not None else None
        with self._lock:
            self._cache[relative] = (stamp, value)
        return value


_UNREADABLE = "(unreadable)"


def _front_matter_classification(path: Path, relative: str) -> object | None:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None
    raw, _ = split_front_matter(text)
    return _classification_in(raw, relative) if raw is not None else None


def _yaml_classification(path: Path, relative: str) -> object | None:
    try:
        return _classification_in(path.read_text(encoding="utf-8", errors="replace"), relative)
    except OSError:
        return None


def _classification_in(raw: str, relative: str) -> object | None:
    """The `classification` key of a YAML mapping; a header YAML cannot read counts as unreadable (most restrictive)."""
    try:
        data = yaml.safe_load(raw) if raw.strip() else {}
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):
        log.warning("%s: header is not valid YAML; its classification is treated as the most restrictive", relative)
        return _UNREADABLE if "classification" in raw else None
    if isinstance(data, dict):
        return data.get("classification")
    return None
