"""The library as gap detection sees it: modules, their sections and passages, and the two similarity channels."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import numpy as np

from workbench.domain.library import Chunk, Module
from workbench.domain.skills import Skill
from workbench.domain.teaching import Channel, LibraryUnits

if TYPE_CHECKING:  # scikit-learn is imported only where a report is computed, not to serve one
    from workbench.gaps.lexical import LexicalModel


def skill_query(skill: Skill) -> str:
    """The text a skill is searched with: its name, other names and description (never its id)."""
    parts = [skill.name]
    if skill.aliases:
        parts.append("Also known as: " + ", ".join(skill.aliases) + ".")
    if skill.description:
        parts.append(skill.description)
    return "\n".join(parts)


def title_from_file_name(module: Module) -> bool:
    """True when the module's title is only its file name (no front matter title, no heading)."""
    stem = PurePosixPath(module.path).stem.replace("-", " ").replace("_", " ").strip() or module.path
    return module.title == stem


def chunk_document(chunk: Chunk, named_title: bool = True) -> str:
    """The text of a chunk with its module title and headings; a title made from the file name is left out."""
    title = chunk.title if named_title else ""
    context = " > ".join(dict.fromkeys(part for part in (title, *chunk.heading_path) if part))
    return f"{context}\n\n{chunk.text}" if context else chunk.text


def section_key(chunk: Chunk, module_title: str) -> tuple[str, ...]:
    """The heading a chunk's section hangs from: the first heading below the module's title (or the title)."""
    path = chunk.heading_path
    if path and path[0] == module_title:
        return path[:2]
    return path[:1]


@dataclass
class LibraryView:
    """The modules and indexed chunks gap detection works on, aligned by position.

    Chunks are ordered by module and, within a module, in reading order, so that a module's chunks
    (and a section's) are contiguous: every per-module figure is then a reduction over a slice.
    """

    modules: list[Module]
    chunks: list[Chunk]
    vectors: np.ndarray  # chunks x dimension, unit vectors
    chunk_module: np.ndarray  # chunk -> module position

    @classmethod
    def align(cls, modules: list[Module], chunks: list[Chunk], vectors: np.ndarray) -> "LibraryView":
        """Keep the indexed chunks whose module is in the library, numbered by module position, in reading order."""
        position = {module.id: i for i, module in enumerate(modules)}
        keep = [i for i, chunk in enumerate(chunks) if chunk.module_id in position]
        keep.sort(key=lambda i: (position[chunks[i].module_id], chunks[i].position))
        kept = [chunks[i] for i in keep]
        width = vectors.shape[1] if vectors.ndim == 2 else 0
        kept_vectors = np.asarray(vectors[keep], dtype=np.float32) if keep else np.zeros((0, width), np.float32)
        chunk_module = np.array([position[chunk.module_id] for chunk in kept], dtype=np.int64)
        return cls(modules, kept, kept_vectors, chunk_module)

    def named_titles(self) -> list[bool]:
        """Per module: whether its title is a real title (front matter or heading), not its file name."""
        return [not title_from_file_name(module) for module in self.modules]

    def documents(self) -> list[str]:
        """The chunk texts the lexical model is fitted on."""
        named = self.named_titles()
        return [chunk_document(chunk, named[m]) for chunk, m in zip(self.chunks, self.chunk_module.tolist())]

    def units(self) -> tuple[LibraryUnits, list[str]]:
        """Sections and modules of the chunks, and each section's heading ("" when it has none but a file name)."""
        named = self.named_titles()
        keys, headings_of = [], {}
        for chunk, m in zip(self.chunks, self.chunk_module.tolist()):
            key = section_key(chunk, self.modules[m].title)
            keys.append(key)
            headings_of.setdefault((m, key), key[-1] if key else (self.modules[m].title if named[m] else ""))
        weights = np.array([len(chunk.text) for chunk in self.chunks], dtype=np.float32)
        units = LibraryUnits.build(self.chunk_module, keys, weights, len(self.modules))
        headings = [""] * units.n_sections
        for i, (key, m) in enumerate(zip(keys, self.chunk_module.tolist())):
            headings[int(units.chunk_section[i])] = headings_of[(m, key)]
        return units, headings


def lexical_channel(queries: list[str], model: LexicalModel, units: LibraryUnits) -> Channel:
    """TF-IDF cosines of chunks with skill texts (computed a block of chunks at a time), and the norm of each section's and module's summed rows."""
    return Channel(model.chunk_cosines(queries), len(queries), model.unit_norms(units.chunk_section, units.n_sections),
                   model.unit_norms(units.chunk_module, units.n_modules))
