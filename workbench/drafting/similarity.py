"""Similarity scores the checks need, computed with numpy from embedding vectors."""

from __future__ import annotations

from typing import Mapping, Sequence

import numpy as np


def _unit(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim == 1:
        vectors = vectors[None, :]
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    return vectors / norms


def section_grounding_scores(
    section_vectors: Mapping[str, np.ndarray],
    section_citations: Mapping[str, Sequence[str]],
    chunk_vectors: Mapping[str, np.ndarray],
) -> dict[str, float]:
    """For each section, the best cosine similarity between its text and a chunk it cites (cited, known chunks only)."""
    scores: dict[str, float] = {}
    for section_id, vector in section_vectors.items():
        cited = [chunk_vectors[chunk_id] for chunk_id in section_citations.get(section_id, ()) if chunk_id in chunk_vectors]
        if not cited:
            continue
        similarities = _unit(np.vstack(cited)) @ _unit(vector)[0]
        scores[section_id] = round(float(similarities.max()), 4)
    return scores


def module_similarities(draft_vector: np.ndarray, module_vectors: Mapping[str, np.ndarray]) -> list[tuple[str, float]]:
    """Cosine similarity of the draft to each library module's mean vector, highest first."""
    if not module_vectors:
        return []
    ids = list(module_vectors)
    matrix = _unit(np.vstack([module_vectors[module_id] for module_id in ids]))
    similarities = matrix @ _unit(draft_vector)[0]
    return sorted(((module_id, round(float(score), 4)) for module_id, score in zip(ids, similarities)), key=lambda pair: -pair[1])


def mean_vectors(chunk_vectors: Mapping[str, np.ndarray], chunk_modules: Mapping[str, str]) -> dict[str, np.ndarray]:
    """A module's vector: the normalised mean of its chunks' vectors."""
    grouped: dict[str, list[np.ndarray]] = {}
    for chunk_id, vector in chunk_vectors.items():
        module_id = chunk_modules.get(chunk_id)
        if module_id is not None:
            grouped.setdefault(module_id, []).append(np.asarray(vector, dtype=np.float32))
    return {module_id: _unit(np.mean(np.vstack(vectors), axis=0))[0] for module_id, vectors in grouped.items()}
