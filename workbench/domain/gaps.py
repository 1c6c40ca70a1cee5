"""Gap statuses, levels and library-wide findings, as plain functions on plain data.

How strongly each module teaches each skill is worked out in workbench/domain/teaching.py; this
module turns a skill's coverage, the freshness and level of the modules that teach it, and whether
anything mentions it into a status, and finds near-duplicate modules. See docs/gap-detection.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

import numpy as np

from workbench.domain.calibration import tiled_product
from workbench.domain.library import BloomLevel, Level
from workbench.domain.neighbours import EXACT_UP_TO, nearest_neighbours
from workbench.domain.teaching import TeachingParameters

LEVEL_ORDER = {Level.FOUNDATION: 0, Level.INTERMEDIATE: 1, Level.ADVANCED: 2}


class GapStatus(StrEnum):
    """What the library offers for one skill."""

    COVERED = "covered"
    PARTIAL = "partial"
    GAP = "gap"
    STALE = "stale"


class LevelMatch(StrEnum):
    """How the level of the modules teaching a skill compares with the level the framework needs."""

    MATCH = "match"
    TOO_LOW = "too_low"
    TOO_HIGH = "too_high"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class GapParameters:
    """The constants of the method: the teaching model's, the status cut-offs and the near-duplicate test."""

    teaching: TeachingParameters = field(default_factory=TeachingParameters)
    duplicate_at: float = 0.6  # TF-IDF cosine of two whole modules at or above which they are near-duplicates
    duplicate_neighbours: int = 5  # a module's wording is compared with its this many nearest modules by meaning

    @property
    def covered_at(self) -> float:
        """Coverage at or above which a skill is covered: the same cut-off as a module teaching it."""
        return self.teaching.teaches_at

    @property
    def partial_at(self) -> float:
        """Coverage at or above which a skill is partly taught: the least teaching that counts."""
        return self.teaching.counts_at


def is_stale(reviewed: date | None, today: date, stale_after_days: int) -> bool:
    """True when a module was last reviewed (or modified) more than stale_after_days ago."""
    return reviewed is not None and (today - reviewed).days > stale_after_days


def level_match(needed: Level | None, taught: list[Level | None]) -> LevelMatch:
    """Compare the framework's level with the levels of the modules that teach the skill."""
    known = [LEVEL_ORDER[level] for level in taught if level is not None]
    if needed is None or not known:
        return LevelMatch.UNKNOWN
    want = LEVEL_ORDER[needed]
    if max(known) < want:
        return LevelMatch.TOO_LOW
    if min(known) > want:
        return LevelMatch.TOO_HIGH
    return LevelMatch.MATCH


def decide_status(
    coverage: float,
    fresh_coverage: float,
    match: LevelMatch,
    mentioned: bool = False,
    params: GapParameters = GapParameters(),
) -> GapStatus:
    """Status from the coverage (all modules, then fresh modules only), the level, and whether anything mentions it.

    A skill no module teaches is a gap, or at most partial when some module mentions it in passing.
    """
    if coverage < params.partial_at:
        return GapStatus.PARTIAL if mentioned else GapStatus.GAP
    if fresh_coverage < params.partial_at:
        return GapStatus.STALE  # taught, but only by modules overdue for review
    if fresh_coverage >= params.covered_at and match is not LevelMatch.TOO_LOW:
        return GapStatus.COVERED
    return GapStatus.PARTIAL


SIMILARITY_BLOCK_VALUES = 1 << 22  # entries of a module x module similarity computed at a time


def candidate_pairs(similarity: np.ndarray, neighbours: int) -> list[tuple[int, int]]:
    """(i, j) with i < j where j is among i's nearest `neighbours` rows of a similarity matrix, or i among j's."""
    n = similarity.shape[0]
    if n < 2 or neighbours < 1:
        return []
    return sorted(_nearest_in_rows(similarity.astype(np.float32, copy=True), 0, min(neighbours, n - 1)))


def nearest_pairs(vectors: np.ndarray, neighbours: int, block_values: int = SIMILARITY_BLOCK_VALUES) -> list[tuple[int, int]]:
    """`candidate_pairs` of the cosine matrix of unit vectors: exact up to EXACT_UP_TO vectors (a block of rows at a
    time, never n x n at once), else from the approximate search of workbench/domain/neighbours.py."""
    n = len(vectors)
    if n < 2 or neighbours < 1:
        return []
    if n > EXACT_UP_TO:  # a candidate search: linear in modules, every similarity it keeps exact
        nearest = nearest_neighbours(vectors, neighbours)
        first = np.repeat(np.arange(n), nearest.shape[1])
        found = nearest.reshape(-1)
        keep = found >= 0
        low, high = np.minimum(first, found)[keep], np.maximum(first, found)[keep]
        return sorted(set(zip(low.tolist(), high.tolist())))
    k, rows, pairs = min(neighbours, n - 1), max(1, block_values // n), set()
    for start in range(0, n, rows):
        pairs |= _nearest_in_rows(tiled_product(vectors, vectors.T, start, min(n, start + rows)), start, k)
    return sorted(pairs)


def _nearest_in_rows(similarity: np.ndarray, first: int, k: int) -> set[tuple[int, int]]:
    """Pairs of each row (rows first, first + 1, ...) with its k most similar other rows; changes `similarity`."""
    rows = np.arange(len(similarity))
    similarity[rows, first + rows] = -np.inf  # a module is not its own neighbour
    nearest = np.argpartition(-similarity, k - 1, axis=1)[:, :k]
    return {(min(first + i, int(j)), max(first + i, int(j))) for i in rows.tolist() for j in nearest[i]}


def near_duplicate_pairs(
    pairs: list[tuple[int, int]], similarity: np.ndarray, threshold: float
) -> list[tuple[int, int, float]]:
    """(i, j, similarity) for the candidate pairs whose similarity reaches the threshold, most similar first."""
    found = [(i, j, float(score)) for (i, j), score in zip(pairs, similarity) if score >= threshold]
    return sorted(found, key=lambda pair: -pair[2])


# Bloom levels map onto the three module levels: recall and comprehension are foundation work,
# application and analysis intermediate, judgement and creation advanced.
BLOOM_TO_LEVEL = {
    BloomLevel.REMEMBER: Level.FOUNDATION,
    BloomLevel.UNDERSTAND: Level.FOUNDATION,
    BloomLevel.APPLY: Level.INTERMEDIATE,
    BloomLevel.ANALYZE: Level.INTERMEDIATE,
    BloomLevel.EVALUATE: Level.ADVANCED,
    BloomLevel.CREATE: Level.ADVANCED,
}

BLOOM_VERBS = {
    BloomLevel.REMEMBER: ("recall", "recognise", "recognize", "list", "name", "identify", "define", "state"),
    BloomLevel.UNDERSTAND: ("explain", "describe", "summarise", "summarize", "interpret", "classify", "compare", "discuss"),
    BloomLevel.APPLY: ("apply", "use", "demonstrate", "carry out", "implement", "practise", "practice", "run", "write", "prepare"),
    BloomLevel.ANALYZE: ("analyse", "analyze", "distinguish", "examine", "diagnose", "differentiate", "investigate", "map"),
    BloomLevel.EVALUATE: ("evaluate", "assess", "judge", "critique", "justify", "decide", "prioritise", "prioritize"),
    BloomLevel.CREATE: ("create", "design", "develop", "plan", "build", "construct", "formulate", "lead"),
}


def bloom_levels_in_objectives(text: str) -> list[BloomLevel]:
    """Bloom levels of the verbs that open the bullet points of a learning-objectives section."""
    found: list[BloomLevel] = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith(("-", "*", "+")) and not stripped[:2].rstrip(".").isdigit():
            continue
        words = stripped.lstrip("-*+0123456789. )").lower()
        for bloom, verbs in BLOOM_VERBS.items():
            if any(words.startswith(verb + " ") for verb in verbs):
                found.append(bloom)
                break
    return found


def level_from_bloom(levels: list[BloomLevel] | tuple[BloomLevel, ...]) -> Level | None:
    """The module level implied by the highest Bloom level it aims at, or None."""
    implied = [BLOOM_TO_LEVEL[level] for level in levels if level in BLOOM_TO_LEVEL]
    if not implied:
        return None
    return max(implied, key=lambda level: LEVEL_ORDER[level])
