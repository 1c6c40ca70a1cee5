"""Walking a library folder: every markdown file becomes a module, or a reported skipped file.

What is read: `*.md` and `*.markdown` files in the library folder and its subfolders. What is
left out without a report: hidden files and folders (names starting with '.'), the workbench data
folder when it lies inside the library, files of other types (skills.yaml, images), and a
README.md/README.markdown at the library root (it documents the library, it is not a module).
Everything else that cannot be read fully is listed in `skipped` with a reason.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from pathlib import Path
from stat import S_ISLNK

from workbench.domain.library import Chunk, Module, SkippedFile
from workbench.errors import ConfigurationError
from workbench.library.chunker import chunk_module
from workbench.library.decoding import UndecodableFile, decode_text
from workbench.library.parser import module_id_from_path, parse_module
from workbench.settings import Settings

MARKDOWN_SUFFIXES = (".md", ".markdown")
ROOT_DOCUMENTATION = ("readme.md", "readme.markdown")


@dataclass
class LibraryScan:
    """The library as read: modules, their chunks, skipped files and field warnings."""

    library_dir: Path
    modules: list[Module] = field(default_factory=list)
    chunks: list[Chunk] = field(default_factory=list)
    # Files not indexed, or indexed with part of them dropped or read as plain text; the reason says which.
    skipped: list[SkippedFile] = field(default_factory=list)
    # Files indexed in full with one front matter field ignored.
    warnings: list[SkippedFile] = field(default_factory=list)
    files: int = 0  # markdown files found and read (indexed or not)
    # The files' stat as this scan found them (`stamp_of`): equal stamps, equal scans. None for a
    # partial scan, one without a parse cache, or when a file could not be stat'ed.
    stamp: str | None = None

    @property
    def module_count(self) -> int:
        """Number of modules read."""
        return len(self.modules)

    @property
    def chunk_count(self) -> int:
        """Number of chunks cut from the modules."""
        return len(self.chunks)

    @property
    def skipped_count(self) -> int:
        """Number of skipped-file reports."""
        return len(self.skipped)


@dataclass
class _FileResult:
    """What reading one file gave: a module and its chunks, or reasons."""

    module: Module | None = None
    chunks: list[Chunk] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def _is_within(path: Path, root: Path) -> bool:
    """True when a resolved path lies inside a resolved root."""
    return path == root or root in path.parents


def _relative(path: Path, root: Path) -> str:
    """POSIX path relative to the library root."""
    return path.relative_to(root).as_posix()


def is_module_file(relative_path: str) -> bool:
    """True when a relative path names a markdown module (not hidden, not the root README)."""
    parts = relative_path.split("/")
    if any(part.startswith(".") for part in parts):
        return False
    if not parts[-1].lower().endswith(MARKDOWN_SUFFIXES):
        return False
    return not (len(parts) == 1 and parts[0].lower() in ROOT_DOCUMENTATION)


def read_module_file(root: Path, relative_path: str, settings: Settings) -> _FileResult:
    """Read, decode, parse and chunk one library file; never raises for bad content."""
    result = _FileResult()
    path = root / relative_path
    if path.is_symlink():
        target = Path(os.path.realpath(path))
        if not target.exists():
            result.skipped.append(f"broken symlink (points to {os.readlink(path)})")
            return result
        if not _is_within(target, root):
            result.skipped.append(f"symlink pointing outside the library (to {target}); not read")
            return result
    try:
        stat = path.stat()
    except OSError as error:
        result.skipped.append(f"cannot read: {error.strerror or error}")
        return result
    if not path.is_file():
        result.skipped.append("not a regular file")
        return result
    if stat.st_size > settings.max_file_bytes:
        result.skipped.append(
            f"file is {stat.st_size:,} bytes, over the size cap of {settings.max_file_bytes:,} bytes "
            "(WORKBENCH_MAX_FILE_BYTES)"
        )
        return result
    try:
        data = path.read_bytes()
    except OSError as error:
        result.skipped.append(f"cannot read: {error.strerror or error}")
        return result
    try:
        text = decode_text(data)
    except UndecodableFile as error:
        result.skipped.append(str(error))
        return result
    parsed = parse_module(
        relative_path,
        text,
        modified=datetime.fromtimestamp(stat.st_mtime).date(),
        content_sha256=hashlib.sha256(data).hexdigest(),
    )
    result.module = parsed.module
    result.skipped.extend(parsed.problems)
    result.warnings.extend(parsed.warnings)
    return result


class ParseCache:
    """Parsed files kept in memory, reused while a file's stat (size, times, inode) is unchanged.

    Parsing markdown is most of the cost of reading a library, and re-reads (an index freshness
    check, then the gap report) mostly find nothing changed. Any write to a file changes its
    ctime, so an unchanged stat means unchanged bytes. Safe to share between threads.
    """

    def __init__(self) -> None:
        self._entries: dict[str, tuple[tuple, _FileResult, list[Chunk]]] = {}
        self._lock = threading.Lock()

    def get(self, relative: str, signature: tuple) -> tuple[_FileResult, list[Chunk]] | None:
        """The cached result for a file when its signature still matches."""
        with self._lock:
            entry = self._entries.get(relative)
        if entry is None or entry[0] != signature:
            return None
        return entry[1], entry[2]

    def put(self, relative: str, signature: tuple, result: _FileResult, chunks: list[Chunk]) -> None:
        """Remember a file's parse result under its signature."""
        with self._lock:
            self._entries[relative] = (signature, result, chunks)

    def forget_missing(self, present: set[str]) -> None:
        """Drop entries for files no longer in the library."""
        with self._lock:
            for relative in [key for key in self._entries if key not in present]:
                del self._entries[relative]

    def persist(self) -> None:
        """Keep what a whole-library scan found beyond this process (nothing to do in memory)."""


def _file_signature(path: Path, settings: Settings) -> tuple | None:
    """What identifies a file's content and its parse: link and target stat, and the chunking settings."""
    try:
        link = os.lstat(path)  # one system call for a regular file: the freshness check stats every file
        symlink = S_ISLNK(link.st_mode)
        target = os.stat(path) if symlink else link
        where = os.readlink(path) if symlink else ""
    except OSError:
        return None
    return (
        link.st_mtime_ns, link.st_ctime_ns, link.st_size, link.st_ino, link.st_mode, where,
        target.st_mtime_ns, target.st_ctime_ns, target.st_size, target.st_ino, target.st_dev,
        settings.max_file_bytes, settings.chunk_max_chars, settings.chunk_overlap_chars,
    )


def _walk(root: Path, data_dir: Path | None, skipped: list[SkippedFile]) -> list[str]:
    """Relative paths of candidate module files, sorted; symlinked folders are reported, not followed."""
    found: list[str] = []
    for current, dirs, files in os.walk(root, followlinks=False):
        current_path = Path(current)
        kept = []
        for name in sorted(dirs):
            child = current_path / name
            if name.startswith("."):
                continue
            if data_dir is not None and Path(os.path.realpath(child)) == data_dir:
                continue
            if child.is_symlink():
                target = Path(os.path.realpath(child))
                where = "outside the library" if not _is_within(target, root) else "inside the library"
                skipped.append(
                    SkippedFile(_relative(child, root), f"symlinked folder pointing {where} (to {target}); not followed")
                )
                continue
            kept.append(name)
        dirs[:] = kept
        for name in sorted(files):
            relative = _relative(current_path / name, root)
            if is_module_file(relative):
                found.append(relative)
    return sorted(found)


def _unique_module(module: Module, used: dict[str, str], warnings: list[SkippedFile]) -> Module:
    """The module, with a path-derived id when its id is already used by another file."""
    if module.id not in used:
        used[module.id] = module.path
        return module
    new_id = module_id_from_path(module.path)
    suffix = 2
    while new_id in used:
        new_id = f"{module_id_from_path(module.path)}-{suffix}"
        suffix += 1
    warnings.append(
        SkippedFile(module.path, f"module id '{module.id}' is already used by {used[module.id]}; indexed as '{new_id}'")
    )
    used[new_id] = module.path
    return replace(module, id=new_id)


def library_root(library_dir: Path) -> Path:
    """The resolved library folder, or a ConfigurationError naming the setting to fix."""
    root = Path(os.path.realpath(library_dir))
    if not root.is_dir():
        raise ConfigurationError(
            f"library folder {library_dir} does not exist or is not a folder "
            "(set --library or WORKBENCH_LIBRARY_DIR)"
        )
    return root


PROGRESS_EVERY = 500  # files between two progress reports
STAMP_VERSION = "library-stamp-1"


def stamp_of(root: Path, data_dir: Path, walk_skipped: list[SkippedFile],
             signed: list[tuple[str, tuple | None]]) -> str | None:
    """A digest of what a whole-library scan reads before parsing: the folders, the files found and their signatures.

    Parsing is a function of a file's signature (the parse cache relies on it), so two scans with
    the same stamp give the same modules and chunks. None when a file could not be stat'ed.
    """
    digest = hashlib.sha256("\x1f".join([STAMP_VERSION, str(root), str(data_dir)]).encode("utf-8"))
    for item in walk_skipped:
        digest.update(f"{item.path}\x1f{item.reason}\x1e".encode("utf-8"))
    for relative, signature in signed:
        if signature is None:
            return None
        digest.update(f"{relative}\x1f{signature!r}\x1d".encode("utf-8"))
    return digest.hexdigest()


def library_stamp(library_dir: Path, settings: Settings) -> str | None:
    """The stamp a whole-library scan would have now, from the folder walk and the files' stat alone (nothing is read)."""
    root = library_root(library_dir)
    data_dir = Path(os.path.realpath(settings.data_dir))
    skipped: list[SkippedFile] = []
    candidates = _walk(root, data_dir, skipped)
    return stamp_of(root, data_dir, skipped, [(relative, _file_signature(root / relative, settings))
                                              for relative in candidates])


def load_library(
    library_dir: Path, settings: Settings, paths: list[str] | None = None, cache: ParseCache | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> LibraryScan:
    """Read every module of the library (or only `paths`, relative to it) into modules and chunks.

    With a `cache`, files whose stat is unchanged since they were last parsed are not read again;
    `progress(done, total)` hears how many files were read, every few hundred files and at the end.
    """
    root = library_root(library_dir)
    data_dir = Path(os.path.realpath(settings.data_dir))
    scan = LibraryScan(library_dir=root)
    if paths is None:
        candidates = _walk(root, data_dir, scan.skipped)
    else:
        candidates = sorted({path.replace(os.sep, "/").lstrip("/") for path in paths if is_module_file(path)})
    walk_skipped = list(scan.skipped)
    signed: list[tuple[str, tuple | None]] = []  # the signature each file was read under, for the stamp
    used_ids: dict[str, str] = {}
    for done, relative in enumerate(candidates):
        if progress is not None and done % PROGRESS_EVERY == 0 and done:
            progress(done, len(candidates))
        if paths is not None and not (root / relative).exists() and not (root / relative).is_symlink():
            continue
        scan.files += 1
        try:
            signature = _file_signature(root / relative, settings) if cache is not None else None
            signed.append((relative, signature))
            cached = cache.get(relative, signature) if signature is not None else None
            if cached is not None:
                result, chunks = cached
            else:
                result = read_module_file(root, relative, settings)
                chunks = (
                    chunk_module(result.module, settings.chunk_max_chars, settings.chunk_overlap_chars)
                    if result.module is not None
                    else []
                )
                if signature is not None:
                    cache.put(relative, signature, result, chunks)
        except Exception as error:  # noqa: BLE001 - one unreadable file must not stop the run
            scan.skipped.append(SkippedFile(relative, f"could not be read: {type(error).__name__}: {error}"))
            continue
        scan.skipped.extend(SkippedFile(relative, reason) for reason in result.skipped)
        scan.warnings.extend(SkippedFile(relative, reason) for reason in result.warnings)
        if result.module is None:
            continue
        module = _unique_module(result.module, used_ids, scan.warnings)
        if module.id != result.module.id:
            chunks = chunk_module(module, settings.chunk_max_chars, settings.chunk_overlap_chars)
        scan.modules.append(module)
        scan.chunks.extend(chunks)
    if cache is not None and paths is None:
        cache.forget_missing(set(candidates))
        cache.persist()
        scan.stamp = stamp_of(root, data_dir, walk_skipped, signed) if len(signed) == len(candidates) else None
    if progress is not None:
        progress(len(candidates), len(candidates))
    return scan


def newest_date(module: Module) -> date | None:
    """The date a module was last looked at: last_reviewed, else the file's modification date."""
    return module.last_reviewed or module.modified
