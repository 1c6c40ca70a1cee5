"""Where a published module goes: a distinct name in its folder, never outside the library."""

from __future__ import annotations

import os
import unicodedata
from pathlib import Path

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
    # os.path, not pathlib: recovery resolves every publication's path before each publish.
    root = os.path.realpath(library_dir)
    target = os.path.realpath(os.path.join(root, relative_path))
    if not target.startswith(root.rstrip(os.sep) + os.sep):
        raise ValueError(f"{relative_path!r} is outside the library")
    return Path(target)
