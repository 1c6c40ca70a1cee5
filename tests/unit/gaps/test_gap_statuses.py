"""Statuses, levels, staleness and near-duplicates: the plain functions behind a gap report."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from workbench.domain.gaps import (
    GapStatus,
    LevelMatch,
    bloom_levels_in_objectives,
    candidate_pairs,
    decide_status,
    is_stale,
    level_from_bloom,
    level_match,
    near_duplicate_pairs,
)
from workbench.domain.library import BloomLevel, Level


@pytest.mark.parametrize(
    ("coverage", "fresh", "match", "mentioned", "expected"),
    [
        (0.05, 0.05, LevelMatch.UNKNOWN, False, GapStatus.GAP),
        (0.05, 0.05, LevelMatch.UNKNOWN, True, GapStatus.PARTIAL),  # mentioned, taught by none: at most partial
        (0.9, 0.0, LevelMatch.MATCH, False, GapStatus.STALE),
        (0.9, 0.9, LevelMatch.MATCH, False, GapStatus.COVERED),
        (0.9, 0.9, LevelMatch.MATCH, True, GapStatus.COVERED),
        (0.9, 0.9, LevelMatch.TOO_LOW, False, GapStatus.PARTIAL),
        (0.9, 0.9, LevelMatch.TOO_HIGH, False, GapStatus.COVERED),
        (0.3, 0.3, LevelMatch.MATCH, False, GapStatus.PARTIAL),
        (0.9, 0.3, LevelMatch.MATCH, False, GapStatus.PARTIAL),
    ],
)
def test_status_table(coverage, fresh, match, mentioned, expected):
    assert decide_status(coverage, fresh, match, mentioned) is expected


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
