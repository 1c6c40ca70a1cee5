"""How a chunk is stored in Chroma: the text that is embedded, its metadata, and the way back."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from workbench.domain.library import Chunk

# The metadata field that holds a chunk's text. The text is not stored as a Chroma document: a
# document also feeds Chroma's full-text index, which the workbench never queries and which cost more
# than half of the time a build spends writing. Collections written before keep their documents.
TEXT_FIELD = "text"


def embedding_input(chunk: Chunk) -> str:
    """The text given to the embedding model: the chunk with its module title and headings as context."""
    context = " > ".join(dict.fromkeys(part for part in (chunk.title, *chunk.heading_path) if part))
    return f"{context}\n\n{chunk.text}" if context else chunk.text


def embedding_key(chunk: Chunk) -> str:
    """Hash of exactly what is embedded: equal keys mean a stored vector can be reused.

    The module id and path are not part of it, so a renamed or moved file keeps its vectors.
    """
    return hashlib.sha256(embedding_input(chunk).encode("utf-8")).hexdigest()[:32]


def chunk_metadata(chunk: Chunk) -> dict[str, Any]:
    """The Chroma metadata of a chunk (flat scalars only, as Chroma requires)."""
    return {
        "module_id": chunk.module_id,
        "path": chunk.path,
        "title": chunk.title,
        "heading": chunk.heading,
        "heading_path": json.dumps(list(chunk.heading_path), ensure_ascii=False),
        "position": chunk.position,
        "embedding_key": embedding_key(chunk),
    }


def stored_metadata(text: str, metadata: dict[str, Any]) -> dict[str, Any]:
    """What Chroma stores for a chunk: its metadata and its text."""
    return {**metadata, TEXT_FIELD: text}


def without_text(metadata: dict[str, Any] | None) -> dict[str, Any]:
    """A stored chunk's metadata as `chunk_metadata` gives it, without the text."""
    return {key: value for key, value in (metadata or {}).items() if key != TEXT_FIELD}


def chunk_from_record(chunk_id: str, document: str | None, metadata: dict[str, Any] | None) -> Chunk:
    """Rebuild a Chunk from what Chroma returned (the text from the metadata, else from an older record's document)."""
    metadata = metadata or {}
    try:
        heading_path = tuple(json.loads(metadata.get("heading_path") or "[]"))
    except (TypeError, ValueError):
        heading_path = ()
    return Chunk(
        id=chunk_id,
        module_id=str(metadata.get("module_id", "")),
        path=str(metadata.get("path", "")),
        title=str(metadata.get("title", "")),
        heading_path=heading_path,
        position=int(metadata.get("position", 0) or 0),
        text=str(metadata.get(TEXT_FIELD) or document or ""),
    )
