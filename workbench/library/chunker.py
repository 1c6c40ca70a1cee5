"""Cutting a module into chunks: one per heading section, long sections split with overlap.

Every character of the body ends up in at least one chunk: sections are sliced from the source
lines, a heading with no text of its own is carried into the next section, and long sections are
split at paragraph, line and word boundaries (a hard cut only for a single word over the cap).
"""

from __future__ import annotations

from workbench.domain.library import Chunk, Module, chunk_id_for
from workbench.library.parser import outline_body


def _sections(module: Module) -> list[tuple[tuple[str, ...], str]]:
    """(heading path, text) for each heading section of the body, heading-only sections merged forward."""
    outline = outline_body(module.body)
    lines = outline.lines
    starts = [heading.line for heading in outline.headings]
    bounds = [0, *starts, len(lines)]
    stack: list[tuple[int, str]] = []
    heading_at = {heading.line: heading for heading in outline.headings}
    sections: list[tuple[tuple[str, ...], str]] = []
    carried = ""
    for begin, end in zip(bounds, bounds[1:]):
        if begin >= end:
            continue
        heading = heading_at.get(begin)
        if heading is not None:
            while stack and stack[-1][0] >= heading.depth:
                stack.pop()
            stack.append((heading.depth, heading.text))
        text = "\n".join(lines[begin:end]).strip()
        if not text:
            continue
        heading_only = heading is not None and not "\n".join(lines[heading.end_line:end]).strip()
        if heading_only:
            carried = f"{carried}\n\n{text}" if carried else text
            continue
        if carried:
            text = f"{carried}\n\n{text}"
            carried = ""
        sections.append((tuple(name for _, name in stack), text))
    if carried:
        sections.append((tuple(name for _, name in stack), carried))
    return sections


def _split_words(text: str, limit: int) -> list[str]:
    """Pieces of at most `limit` characters, cut at whitespace where possible."""
    pieces: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = rest.rfind(" ", 0, limit + 1)
        if cut <= 0:
            cut = limit
        pieces.append(rest[:cut])
        rest = rest[cut:].lstrip(" ")
    if rest:
        pieces.append(rest)
    return pieces


def _units(text: str, limit: int) -> list[str]:
    """Paragraphs, or lines, or word runs of at most `limit` characters, in order."""
    units: list[str] = []
    for paragraph in text.split("\n\n"):
        if not paragraph.strip():
            continue
        if len(paragraph) <= limit:
            units.append(paragraph)
            continue
        for line in paragraph.split("\n"):
            if len(line) <= limit:
                units.append(line)
            else:
                units.extend(_split_words(line, limit))
    return units


def _tail(text: str, overlap: int) -> str:
    """The last `overlap` characters of a piece, starting at a word boundary when there is one."""
    if overlap <= 0:
        return ""
    tail = text[-overlap:]
    if len(text) > overlap:
        space = tail.find(" ")
        newline = tail.find("\n")
        cuts = [position for position in (space, newline) if position >= 0]
        if cuts:
            tail = tail[min(cuts) + 1:]
    return tail.strip()


def split_text(text: str, max_chars: int, overlap: int) -> list[str]:
    """Split text into pieces of at most `max_chars`, each after the first starting with an overlap."""
    if len(text) <= max_chars:
        return [text]
    overlap = max(0, min(overlap, max_chars // 3))
    budget = max_chars - overlap - 2  # room for the overlap and its separator
    pieces: list[str] = []
    current = ""
    for unit in _units(text, budget):
        joined = f"{current}\n\n{unit}" if current else unit
        if len(joined) <= budget:
            current = joined
            continue
        if current:
            pieces.append(current)
        current = unit
    if current:
        pieces.append(current)
    result = [pieces[0]]
    for previous, piece in zip(pieces, pieces[1:]):
        tail = _tail(previous, overlap)
        result.append(f"{tail}\n\n{piece}" if tail else piece)
    return result


def chunk_module(module: Module, max_chars: int, overlap: int) -> list[Chunk]:
    """The chunks of a module, in reading order, with stable content-derived ids."""
    chunks: list[Chunk] = []
    seen: dict[str, int] = {}
    for heading_path, text in _sections(module):
        for piece in split_text(text, max_chars, overlap):
            chunk_id = chunk_id_for(module.id, heading_path, piece)
            # A repeated identical section (same headings, same text) still needs its own id.
            repeats = seen.get(chunk_id, 0)
            seen[chunk_id] = repeats + 1
            if repeats:
                chunk_id = chunk_id_for(module.id, (*heading_path, f"#{repeats + 1}"), piece)
            chunks.append(
                Chunk(
                    id=chunk_id,
                    module_id=module.id,
                    path=module.path,
                    title=module.title,
                    heading_path=heading_path,
                    position=len(chunks),
                    text=piece,
                )
            )
    return chunks
