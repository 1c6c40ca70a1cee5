"""Safe, distinct file names for published modules, whatever the title."""

from __future__ import annotations

import os
import re
import unicodedata
from pathlib import Path

# Windows device names: a file called like this (with any extension) cannot be opened there.
RESERVED_NAMES = frozenset(
    {"con", "prn", "aux", "nul", "conin$", "conout$"}
    | {f"com{i}" for i in "123456789¹²³"}
    | {f"lpt{i}" for i in "123456789¹²³"}
)
# Leaves room for ".<slug>.md.<token>.wbtmp" inside the usual 255-byte file name limit.
MAX_SLUG_BYTES = 120
FALLBACK_SLUG = "module"


def slugify_title(title: str) -> str:
    """A lower-case slug of letters and digits joined by '-': no separators, dots, control or bidi
    characters, no reserved device names; Unicode normalised (NFC) and capped at MAX_SLUG_BYTES."""
    decomposed = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", title or ""))
    text = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    kept = [ch if unicodedata.category(ch)[0] in "LN" and ch.isprintable() else "-" for ch in text]
    slug = unicodedata.normalize("NFC", re.sub(r"-{2,}", "-", "".join(kept)).strip("-"))
    while len(slug.encode("utf-8")) > MAX_SLUG_BYTES:
        slug = slug[:-1]
    slug = slug.strip("-") or FALLBACK_SLUG
    if slug in RESERVED_NAMES:
        slug = f"{slug}-{FALLBACK_SLUG}"
    return slug


def name_key(name: str) -> str:
    """How file systems may compare names: case-insensitively and under any Unicode normalisation."""
    return unicodedata.normalize("NFC", name).casefold()


def unique_relative_path(library_dir: Path, folder: str, slug: str, taken_paths: frozenset[str] | set[str]) -> str:
    """`folder/slug.md`, or `folder/slug-2.md`... if a file there (or a recorded publication) has that name."""
    directory = library_dir / folder
    on_disk = {name_key(name) for name in os.listdir(directory)} if directory.is_dir() else set()
    recorded = {name_key(path) for path in taken_paths}
    number = 1
    while True:
        name = f"{slug}.md" if number == 1 else f"{slug}-{number}.md"
        relative = f"{folder}/{name}"
        if name_key(name) not in on_disk and name_key(relative) not in recorded:
            return relative
        number += 1


def resolve_inside(library_dir: Path, relative_path: str) -> Path:
    """The absolute path of a library file, refusing anything that would land outside the library."""
    root = library_dir.resolve()
    target = (root / relative_path).resolve()
    if root not in target.parents:
        raise ValueError(f"{relative_path!r} is outside the library")
    return target
