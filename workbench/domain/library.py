"""Modules and chunks of a content library, as plain data."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum


class Level(StrEnum):
    """How advanced a module or a needed skill is."""

    FOUNDATION = "foundation"
    INTERMEDIATE = "intermediate"
    ADVANCED = "advanced"


class BloomLevel(StrEnum):
    """Revised Bloom taxonomy levels, lowest first."""

    REMEMBER = "remember"
    UNDERSTAND = "understand"
    APPLY = "apply"
    ANALYZE = "analyze"
    EVALUATE = "evaluate"
    CREATE = "create"


@dataclass(frozen=True)
class Module:
    """One markdown file of the library with its (optional) front matter."""

    id: str
    path: str  # relative to the library root, POSIX separators
    title: str
    body: str  # markdown without front matter
    summary: str = ""
    skills: tuple[str, ...] = ()
    audience: str = ""
    level: Level | None = None
    bloom_levels: tuple[BloomLevel, ...] = ()
    locale: str = ""
    duration_minutes: int | None = None
    owner: str = ""
    status: str = ""
    version: str = ""
    last_reviewed: date | None = None
    prerequisites: tuple[str, ...] = ()  # ids of modules to take first
    provenance: dict = field(default_factory=dict)
    has_front_matter: bool = False
    modified: date | None = None  # file modification date, the freshness fallback
    content_sha256: str = ""

    @property
    def ai_drafted(self) -> bool:
        """True when the module was published from an AI draft."""
        return bool(self.provenance.get("model") or self.provenance.get("draft_id"))


@dataclass(frozen=True)
class Chunk:
    """A heading section (or part of one) of a module: the unit that is embedded and searched."""

    id: str
    module_id: str
    path: str
    title: str  # module title
    heading_path: tuple[str, ...]
    position: int
    text: str

    @property
    def heading(self) -> str:
        """The innermost heading, or the module title for text before any heading."""
        return self.heading_path[-1] if self.heading_path else self.title


def chunk_id_for(module_id: str, heading_path: tuple[str, ...], text: str) -> str:
    """A stable id derived from the chunk's module, headings and content."""
    digest = hashlib.sha256()
    digest.update(module_id.encode("utf-8"))
    digest.update(b"\x00")
    digest.update("\x1f".join(heading_path).encode("utf-8"))
    digest.update(b"\x00")
    digest.update(text.encode("utf-8"))
    return digest.hexdigest()[:24]


@dataclass(frozen=True)
class SkippedFile:
    """A file the loader did not index, with the reason shown to the user."""

    path: str
    reason: str


@dataclass(frozen=True)
class SearchHit:
    """One ranked search result."""

    chunk_id: str
    module_id: str
    path: str
    title: str
    heading: str
    score: float  # cosine similarity, higher is closer
    text: str
