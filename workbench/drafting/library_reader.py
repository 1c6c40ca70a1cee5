"""What drafting needs from the library: search, the current chunks, and vectors for similarity checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Iterable

import numpy as np

from workbench.domain.drafts import DraftContent
from workbench.domain.library import Chunk, SearchHit
from workbench.drafting.similarity import mean_vectors, module_similarities, section_grounding_scores
from workbench.errors import IndexLocked
from workbench.index.embedder import Embedder
from workbench.index.errors import IndexEmpty
from workbench.index.service import LibraryIndex


@dataclass
class SimilarityScores:
    """Embedding-based inputs of the checks."""

    section_grounding: dict[str, float] = field(default_factory=dict)
    module_similarities: list[tuple[str, float]] = field(default_factory=list)


def draft_text(content: DraftContent) -> str:
    """The text of a draft's module, as compared with library modules."""
    module = content.module
    parts = [module.title, module.summary] + [f"{section.heading}\n{section.body}" for section in module.sections]
    return "\n\n".join(parts)


class LibraryReader:
    """Search, chunks and vectors of the library, over the index and its embedder."""

    def __init__(self, index: LibraryIndex, embedder: Embedder) -> None:
        self.index = index
        self.embedder = embedder

    def refresh(self, progress: Callable[[str], None] | None = None) -> None:
        """Bring the index in step with the library (incremental: unchanged files cost nothing).

        Drafting cites chunk ids, so the index must hold the chunks that are on disk now. When
        another process is writing the index, the draft goes on with what is indexed.
        """
        try:
            report = self.index.build()
        except IndexLocked as error:
            if progress:
                progress(f"index not refreshed ({error}); using it as it is")
            return
        changed = report.chunks_added + report.chunks_updated + report.chunks_removed
        if progress and changed:
            progress(f"index refreshed: {changed} chunks changed")

    def search(self, query: str, k: int = 5, where: dict | None = None) -> list[SearchHit]:
        """Ranked passages for a query (empty when the index holds nothing)."""
        try:
            return list(self.index.search(query, k=k, where=where))
        except IndexEmpty:
            return []

    def chunks(self) -> dict[str, Chunk]:
        """Every chunk of the library as it is on disk now, by id."""
        return {chunk.id: chunk for chunk in self.index.scan().chunks}

    def chunk_vectors(self, chunk_ids: Iterable[str] | None = None) -> dict[str, np.ndarray]:
        """Stored vectors of chunks (all when no ids are given); chunks missing from the index are left out."""
        ids = None if chunk_ids is None else list(chunk_ids)
        if ids is not None and not ids:
            return {}
        chunks, vectors = self.index.chunk_vectors(ids)
        return {chunk.id: np.asarray(vector, dtype=np.float32) for chunk, vector in zip(chunks, vectors)}

    def similarity_scores(self, content: DraftContent, chunks: dict[str, Chunk], candidates: int = 30) -> SimilarityScores:
        """Grounding score per section and similarity of the draft to its nearest library modules.

        Only modules owning one of the `candidates` chunks nearest to the draft are compared in
        full, so the cost does not grow with the size of the library.
        """
        sections = [section for section in content.module.sections if section.body.strip()]
        texts = [f"{section.heading}\n{section.body}" for section in sections] + [draft_text(content)]
        vectors = self.embedder.embed(texts)
        draft_vector = vectors[-1]
        nearest_modules = set(self.index.nearest_modules(draft_vector, k=candidates))
        cited = {chunk_id for section in sections for chunk_id in section.citations if chunk_id in chunks}
        wanted = cited | {chunk_id for chunk_id, chunk in chunks.items() if chunk.module_id in nearest_modules}
        stored = self.chunk_vectors(sorted(wanted))
        missing = sorted(chunk_id for chunk_id in wanted if chunk_id not in stored)
        if missing:
            # Chunks changed since the last index run: embed them now rather than skip their scores.
            for chunk_id, vector in zip(missing, self.embedder.embed([chunks[chunk_id].text for chunk_id in missing])):
                stored[chunk_id] = vector
        grounding = section_grounding_scores(
            {section.id: vectors[number] for number, section in enumerate(sections)},
            {section.id: section.citations for section in sections},
            stored,
        )
        module_of = {chunk_id: chunk.module_id for chunk_id, chunk in chunks.items() if chunk.module_id in nearest_modules}
        modules = mean_vectors({chunk_id: vector for chunk_id, vector in stored.items() if chunk_id in module_of}, module_of)
        return SimilarityScores(grounding, module_similarities(draft_vector, modules))
