"""Gap scoring: how well each skill of a framework is taught by the modules of a library.

Plain numpy on plain arrays; the service layer computes the similarity matrices. The method
(see docs/gap-detection.md) in four steps:

1. Two similarity channels per (skill, chunk) pair, lexical and dense, each standardised
   against its own background (all pairs of this framework and this library), then averaged.
2. Module level: a module's score for a skill is its best chunk's score.
3. Calibration within the framework: module scores become robust z-scores over every
   (skill, module) pair, so thresholds are "how unusual is this match here", not a raw cosine.
4. Skills compete for modules: a module supports a skill in proportion to
   exp(-(best skill's score on that module - this skill's score) / temperature), times a
   relevance gate on the calibrated score. A held-out lesson's neighbour is better explained
   by its own skill, so it lends the missing skill little coverage. Modules that declare a
   skill in their front matter support it without competing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

import numpy as np

from workbench.domain.library import BloomLevel, Level

LEVEL_ORDER = {Level.FOUNDATION: 0, Level.INTERMEDIATE: 1, Level.ADVANCED: 2}
BACKGROUND_SAMPLE = 200_000  # pairs used to estimate a background; plenty for a median


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
    """The few constants of the method, each in calibrated units (see docs/gap-detection.md)."""

    lexical_weight: float = 0.5  # share of the lexical channel in the hybrid score
    temperature: float = 0.5  # competition softness, in robust standard deviations
    relevance_at: float = 2.0  # calibrated score at which a match is half relevant
    relevance_width: float = 0.5  # how quickly relevance rises around relevance_at
    covered_at: float = 0.5  # support at or above which a module covers a skill
    partial_at: float = 0.2  # support at or above which a module partly covers a skill
    duplicate_at: float = 0.6  # TF-IDF cosine of two whole modules at or above which they are near-duplicates
    duplicate_neighbours: int = 5  # a module's wording is compared with its this many nearest modules by meaning


@dataclass(frozen=True)
class CoverageScores:
    """Per (skill, module) matrices and per-skill coverage."""

    calibrated: np.ndarray  # skills x modules, robust z of the best chunk's hybrid score
    share: np.ndarray  # skills x modules, competitive share in (0, 1]
    relevance: np.ndarray  # skills x modules, relevance gate in (0, 1)
    support: np.ndarray  # skills x modules, how strongly each module teaches each skill (0..1)
    coverage: np.ndarray  # skills, the strongest support any module gives (0..1)
    hybrid: np.ndarray  # skills x chunks, the mixed chunk scores (to find a module's best chunk)
    module_chunks: list[np.ndarray]  # module -> indexes of its chunks

    def best_chunk(self, row: int, module: int) -> int:
        """Index of the module's chunk that matches the skill best."""
        chunks = self.module_chunks[module]
        return int(chunks[int(np.argmax(self.hybrid[row, chunks]))])


def _background(values: np.ndarray) -> np.ndarray:
    """A deterministic sample of a matrix's entries, to estimate its background cheaply."""
    flat = values.reshape(-1)
    if flat.size <= BACKGROUND_SAMPLE:
        return flat
    picks = np.random.default_rng(0).integers(0, flat.size, BACKGROUND_SAMPLE)
    return flat[picks]


def _location_scale(values: np.ndarray, robust: bool) -> tuple[float, float] | None:
    """(centre, spread) of a matrix's background; None when it is constant."""
    sample = _background(values).astype(np.float64)
    if robust:
        centre = float(np.median(sample))
        spread = 1.4826 * float(np.median(np.abs(sample - centre)))
        if np.isfinite(spread) and spread >= 1e-12:
            return centre, spread
    centre, spread = float(sample.mean()), float(sample.std())
    if not np.isfinite(spread) or spread < 1e-12:
        return None
    return centre, spread


def standardise(values: np.ndarray) -> np.ndarray:
    """(x - mean) / std over all entries; zeros when the matrix is constant."""
    scale = _location_scale(values, robust=False)
    if scale is None:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - scale[0]) / scale[1]).astype(np.float32)


def robust_standardise(values: np.ndarray) -> np.ndarray:
    """(x - median) / (1.4826 * MAD): a z-score that a few strong matches cannot inflate."""
    scale = _location_scale(values, robust=True)
    if scale is None:
        return np.zeros_like(values, dtype=np.float32)
    return ((values - scale[0]) / scale[1]).astype(np.float32)


def module_chunk_lists(chunk_module: np.ndarray, n_modules: int) -> list[np.ndarray]:
    """For each module, the indexes of its chunks (in chunk order)."""
    order = np.argsort(chunk_module, kind="stable")
    bounds = np.searchsorted(chunk_module[order], np.arange(n_modules + 1))
    return [order[bounds[m]:bounds[m + 1]] for m in range(n_modules)]


def module_max(scores: np.ndarray, chunk_module: np.ndarray, n_modules: int) -> np.ndarray:
    """Per (row, module): the best chunk's score (modules without chunks get -inf)."""
    best = np.full((scores.shape[0], n_modules), -np.inf, dtype=np.float32)
    if scores.shape[1] == 0:
        return best
    if np.all(chunk_module[1:] >= chunk_module[:-1]):
        ordered, sorted_modules = scores, chunk_module  # the index keeps a module's chunks together
    else:
        order = np.argsort(chunk_module, kind="stable")
        ordered, sorted_modules = scores[:, order], chunk_module[order]
    starts = np.flatnonzero(np.r_[True, sorted_modules[1:] != sorted_modules[:-1]])
    best[:, sorted_modules[starts]] = np.maximum.reduceat(ordered, starts, axis=1)
    return best


def hybrid_scores(lexical: np.ndarray, dense: np.ndarray, lexical_weight: float) -> np.ndarray:
    """Each channel standardised against its own background, then mixed (one pass, one output array)."""
    mixed = np.zeros(lexical.shape, dtype=np.float32)
    for values, weight in ((lexical, lexical_weight), (dense, 1.0 - lexical_weight)):
        scale = _location_scale(values, robust=False)
        if scale is None or weight == 0:
            continue
        factor = np.float32(weight / scale[1])
        mixed += values * factor
        mixed -= np.float32(scale[0] * weight / scale[1])
    return mixed


def coverage_scores(
    lexical: np.ndarray,
    dense: np.ndarray,
    chunk_module: np.ndarray,
    n_modules: int,
    declared: np.ndarray | None = None,
    params: GapParameters = GapParameters(),
) -> CoverageScores:
    """Score every (skill, module) pair and every skill from skills x chunks similarity matrices."""
    n_skills = lexical.shape[0]
    module_chunks = module_chunk_lists(chunk_module, n_modules)
    if n_modules == 0 or lexical.shape[1] == 0:
        empty = np.zeros((n_skills, n_modules), dtype=np.float32)
        return CoverageScores(empty, empty, empty, empty, np.zeros(n_skills, dtype=np.float32),
                              np.zeros(lexical.shape, dtype=np.float32), module_chunks)
    hybrid = hybrid_scores(lexical, dense, params.lexical_weight)
    best = module_max(hybrid, chunk_module, n_modules)
    has_chunks = np.isfinite(best[0]) if n_skills else np.zeros(n_modules, dtype=bool)
    calibrated = np.full_like(best, -np.inf)
    if has_chunks.any():
        calibrated[:, has_chunks] = robust_standardise(best[:, has_chunks])
    with np.errstate(invalid="ignore", over="ignore"):
        top = calibrated.max(axis=0, keepdims=True)
        share = np.exp((calibrated - top) / params.temperature)
        relevance = 1.0 / (1.0 + np.exp(-(calibrated - params.relevance_at) / params.relevance_width))
    share = np.nan_to_num(share, nan=0.0).astype(np.float32)
    relevance = np.nan_to_num(relevance, nan=0.0).astype(np.float32)
    if declared is not None:
        # The author says the module teaches the skill: no competition, the content still has to match.
        share = np.where(declared, 1.0, share).astype(np.float32)
    support = share * relevance
    coverage = support.max(axis=1)
    return CoverageScores(calibrated, share, relevance, support, coverage.astype(np.float32), hybrid, module_chunks)


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
    params: GapParameters = GapParameters(),
) -> GapStatus:
    """Status from the calibrated coverage (all modules, then fresh modules only) and the level."""
    if coverage < params.partial_at:
        return GapStatus.GAP
    if fresh_coverage < params.partial_at:
        return GapStatus.STALE  # taught, but only by modules overdue for review
    if fresh_coverage >= params.covered_at and match is not LevelMatch.TOO_LOW:
        return GapStatus.COVERED
    return GapStatus.PARTIAL


def candidate_pairs(similarity: np.ndarray, neighbours: int) -> list[tuple[int, int]]:
    """(i, j) with i < j where j is among i's nearest `neighbours` rows of a similarity matrix, or i among j's."""
    n = similarity.shape[0]
    if n < 2 or neighbours < 1:
        return []
    k = min(neighbours, n - 1)
    masked = similarity.astype(np.float32, copy=True)
    np.fill_diagonal(masked, -np.inf)
    nearest = np.argpartition(-masked, k - 1, axis=1)[:, :k]
    pairs = {(min(i, int(j)), max(i, int(j))) for i in range(n) for j in nearest[i]}
    return sorted(pairs)


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
