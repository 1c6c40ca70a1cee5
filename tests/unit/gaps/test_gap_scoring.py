"""The pure gap scorer: competition between skills, calibration, statuses, levels, duplicates."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from workbench.domain.gaps import (
    GapParameters,
    GapStatus,
    LevelMatch,
    bloom_levels_in_objectives,
    candidate_pairs,
    coverage_scores,
    decide_status,
    is_stale,
    level_from_bloom,
    level_match,
    module_max,
    near_duplicate_pairs,
)
from workbench.domain.library import BloomLevel, Level


def neighbourhood_library(n_topics: int = 8, seed: int = 0):
    """Skills 0..n-1 each with a module; skill n's lesson was removed, but module n-1 is its close neighbour.

    Similarities are skills x chunks (two chunks per module): a skill matches its own module strongly,
    the missing skill matches the neighbour module almost as strongly as that module's own skill does.
    """
    rng = np.random.default_rng(seed)
    n_skills, n_modules = n_topics + 1, n_topics
    chunk_module = np.repeat(np.arange(n_modules), 2)
    base = rng.uniform(0.0, 0.2, size=(n_skills, 2 * n_modules)).astype(np.float32)
    for topic in range(n_topics):
        base[topic, 2 * topic] = 0.8
    base[n_topics, 2 * (n_topics - 1)] = 0.7  # the missing skill's neighbour: similar, but less than its owner
    return base, chunk_module, n_modules


def test_a_skill_whose_only_neighbour_belongs_to_another_skill_is_a_gap():
    similarity, chunk_module, n_modules = neighbourhood_library()
    scores = coverage_scores(similarity, similarity, chunk_module, n_modules)
    missing = scores.coverage[-1]
    taught = scores.coverage[:-1]
    # Plain max similarity ranks the missing skill among the taught ones ...
    assert similarity[-1].max() > 0.6
    # ... competition puts it clearly below every taught skill.
    assert missing < GapParameters().partial_at
    assert (taught >= GapParameters().covered_at).all()


def test_declared_skills_do_not_compete():
    similarity, chunk_module, n_modules = neighbourhood_library()
    declared = np.zeros((similarity.shape[0], n_modules), dtype=bool)
    declared[-1, n_modules - 1] = True  # the neighbour module's author says it also teaches the missing skill
    scores = coverage_scores(similarity, similarity, chunk_module, n_modules, declared)
    assert scores.coverage[-1] >= GapParameters().covered_at


def test_an_unrelated_module_gives_no_coverage_to_its_best_skill():
    similarity, chunk_module, n_modules = neighbourhood_library()
    # Add a module about something else: every skill is at background level on it.
    extra = np.full((similarity.shape[0], 2), 0.05, dtype=np.float32)
    extra[0, 0] = 0.1  # skill 0 is "best" on it, but only at background level
    similarity = np.hstack([similarity, extra])
    chunk_module = np.r_[chunk_module, [n_modules, n_modules]]
    scores = coverage_scores(similarity, similarity, chunk_module, n_modules + 1)
    assert scores.support[:, n_modules].max() < GapParameters().partial_at


def test_scores_do_not_depend_on_the_scale_of_a_channel():
    similarity, chunk_module, n_modules = neighbourhood_library()
    one = coverage_scores(similarity, similarity, chunk_module, n_modules).coverage
    scaled = coverage_scores(similarity * 10, similarity * 0.1 + 0.5, chunk_module, n_modules).coverage
    assert np.allclose(one, scaled, atol=1e-4)


def test_empty_library_makes_every_skill_a_gap():
    scores = coverage_scores(np.zeros((3, 0)), np.zeros((3, 0)), np.zeros(0, dtype=np.int64), 0)
    assert scores.coverage.tolist() == [0.0, 0.0, 0.0]


def test_module_max_finds_the_best_chunk_of_each_module_in_any_order():
    scores = np.array([[0.1, 0.9, 0.3, 0.2, 0.5]], dtype=np.float32)
    chunk_module = np.array([1, 0, 1, 2, 0])
    best = module_max(scores, chunk_module, 4)
    assert best[0, :3].tolist() == pytest.approx([0.9, 0.3, 0.2])
    assert best[0, 3] == -np.inf  # a module without chunks
    assert module_max(scores, np.array([0, 0, 1, 1, 2]), 3)[0].tolist() == pytest.approx([0.9, 0.3, 0.5])


def test_evidence_points_at_the_best_chunk_of_the_module():
    similarity, chunk_module, n_modules = neighbourhood_library()
    scores = coverage_scores(similarity, similarity, chunk_module, n_modules)
    assert scores.best_chunk(3, 3) == 6  # skill 3's own module is module 3, its strong chunk is chunk 6


@pytest.mark.parametrize(
    ("coverage", "fresh", "match", "expected"),
    [
        (0.05, 0.05, LevelMatch.UNKNOWN, GapStatus.GAP),
        (0.9, 0.0, LevelMatch.MATCH, GapStatus.STALE),
        (0.9, 0.9, LevelMatch.MATCH, GapStatus.COVERED),
        (0.9, 0.9, LevelMatch.TOO_LOW, GapStatus.PARTIAL),
        (0.9, 0.9, LevelMatch.TOO_HIGH, GapStatus.COVERED),
        (0.3, 0.3, LevelMatch.MATCH, GapStatus.PARTIAL),
        (0.9, 0.3, LevelMatch.MATCH, GapStatus.PARTIAL),
    ],
)
def test_status_table(coverage, fresh, match, expected):
    assert decide_status(coverage, fresh, match) is expected


@pytest.mark.parametrize(
    ("needed", "taught", "expected"),
    [
        (Level.ADVANCED, [Level.FOUNDATION], LevelMatch.TOO_LOW),
        (Level.ADVANCED, [Level.FOUNDATION, Level.ADVANCED], LevelMatch.MATCH),
        (Level.FOUNDATION, [Level.ADVANCED], LevelMatch.TOO_HIGH),
        (Level.INTERMEDIATE, [None], LevelMatch.UNKNOWN),
        (None, [Level.ADVANCED], LevelMatch.UNKNOWN),
    ],
)
def test_level_match_table(needed, taught, expected):
    assert level_match(needed, taught) is expected


def test_bloom_verbs_in_objectives_give_a_level():
    objectives = "## Learning objectives\n\n- Explain why averages mislead\n- Evaluate a dashboard's claims\n* use a median\n"
    levels = bloom_levels_in_objectives(objectives)
    assert levels == [BloomLevel.UNDERSTAND, BloomLevel.EVALUATE, BloomLevel.APPLY]
    assert level_from_bloom(levels) is Level.ADVANCED
    assert level_from_bloom([BloomLevel.REMEMBER]) is Level.FOUNDATION
    assert level_from_bloom([]) is None


def test_staleness_uses_the_configured_age():
    today = date(2026, 11, 27)
    assert is_stale(date(2025, 4, 30), today, 548)
    assert not is_stale(date(2025, 8, 19), today, 548)
    assert not is_stale(None, today, 548)


def test_near_duplicate_pairs_above_threshold_most_similar_first():
    meaning = np.array([[1, 0.9, 0.2, 0.1], [0.9, 1, 0.85, 0.3], [0.2, 0.85, 1, 0.4], [0.1, 0.3, 0.4, 1]], dtype=np.float32)
    pairs = candidate_pairs(meaning, 1)
    assert pairs == [(0, 1), (1, 2), (2, 3)]  # each module's nearest neighbour, either way round
    assert near_duplicate_pairs(pairs, np.array([0.7, 0.9, 0.1]), 0.6) == [(1, 2, pytest.approx(0.9)), (0, 1, pytest.approx(0.7))]
    assert near_duplicate_pairs(pairs, np.array([0.3, 0.5, 0.1]), 0.6) == []
    assert candidate_pairs(meaning[:1, :1], 5) == []
