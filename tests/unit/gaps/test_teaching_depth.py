"""Taught versus mentioned: the teaching model on small libraries whose topics are known exactly.

Each library is built from topic vectors (one direction per topic, a little noise): a chunk about
topic t points along t. Skill vectors point along their topic; the lexical channel is given the same
cosines as the dense one, so each test controls exactly what the text of each passage is about.
"""

from __future__ import annotations

import numpy as np
import pytest

from workbench.domain.calibration import reduce_segments
from workbench.domain.teaching import (
    Channel,
    HeadingMatches,
    LibraryUnits,
    TeachingParameters,
    combine_teaching,
)
from workbench.domain.teaching_blocks import teaching_scores

DIM = 40
PARAMS = TeachingParameters()
OWN_TOPICS = 8  # skills 0..7 each have a module of their own
MISSING = 8  # skill 8 has no module of its own


def direction(topic: int, rng: np.random.Generator, noise: float = 0.12) -> np.ndarray:
    vector = np.zeros(DIM)
    vector[topic] = 1.0
    vector += rng.normal(0.0, noise, DIM)
    return vector / np.linalg.norm(vector)


def lay_out(modules: list[list[list[int]]], seed: int = 0) -> tuple[LibraryUnits, np.ndarray]:
    """modules -> sections -> chunk topics, as units and one vector per chunk."""
    rng = np.random.default_rng(seed)
    chunk_vectors, chunk_module, keys = [], [], []
    for m, sections in enumerate(modules):
        for s, chunks in enumerate(sections):
            for topic in chunks:
                chunk_vectors.append(direction(topic, rng))
                chunk_module.append(m)
                keys.append(("section", s))
    units = LibraryUnits.build(np.array(chunk_module), keys, np.full(len(keys), 500.0), len(modules))
    return units, np.array(chunk_vectors).reshape(len(keys), DIM)


def build(modules: list[list[list[int]]], heading: dict[tuple[int, int], float] | None = None, seed: int = 0,
          skill_vectors: np.ndarray | None = None, declared: np.ndarray | None = None, n_skills: int = MISSING + 1):
    """Teaching scores of a laid-out library; heading[(skill, section)] is how well that section's heading names the skill."""
    units, chunk_vectors = lay_out(modules, seed)
    if skill_vectors is None:
        skill_vectors = np.eye(DIM)[:n_skills]
    channel = Channel.from_vectors(skill_vectors, chunk_vectors, units)
    pairs = sorted((heading or {}).items())
    match = HeadingMatches(np.array([section for (_, section), _ in pairs], dtype=np.int64),
                           np.array([skill for (skill, _), _ in pairs], dtype=np.int64),
                           np.array([value for _, value in pairs], dtype=np.float32))
    return teaching_scores(channel, channel, units, match, declared, PARAMS)


def own_modules(sections: int = 3, chunks: int = 2) -> list[list[list[int]]]:
    """Modules 0..7, each entirely about its own topic."""
    return [[[topic] * chunks for _ in range(sections)] for topic in range(OWN_TOPICS)]


def test_every_skill_with_a_module_of_its_own_is_taught_and_a_skill_without_one_is_not():
    scores = build(own_modules())
    assert (scores.coverage[:OWN_TOPICS] >= PARAMS.teaches_at).all()
    assert scores.coverage[MISSING] < PARAMS.counts_at
    assert np.diag(scores.topic[:OWN_TOPICS]).min() >= PARAMS.teaches_at  # each is its module's main topic


def test_one_passage_inside_a_module_about_something_else_is_a_mention_not_teaching():
    modules = own_modules()
    modules[0][1] = [0, MISSING]  # one paragraph about the missing skill in a module about skill 0
    scores = build(modules)
    assert scores.mention[MISSING, 0] >= PARAMS.teaches_at  # the passage is about it ...
    assert scores.teach[MISSING, 0] < PARAMS.counts_at  # ... but the module does not teach it
    assert scores.coverage[MISSING] < PARAMS.counts_at
    assert scores.coverage[0] >= PARAMS.teaches_at


def test_mentions_in_every_module_never_add_up_to_coverage():
    modules = own_modules()
    for m in range(OWN_TOPICS):
        modules[m][1] = [m, MISSING]
    scores = build(modules)
    assert (scores.mention[MISSING, :OWN_TOPICS] >= PARAMS.teaches_at).all()
    assert scores.coverage[MISSING] < PARAMS.counts_at


def test_a_substantial_share_of_a_module_teaches_the_skill():
    modules = own_modules(sections=4)
    modules[0][2] = [MISSING, MISSING]
    modules[0][3] = [MISSING, MISSING]  # half of module 0 is about the missing skill
    scores = build(modules)
    assert scores.portion[MISSING, 0] == pytest.approx(0.5, abs=0.05)
    assert scores.teach[MISSING, 0] >= PARAMS.counts_at
    assert scores.coverage[0] >= PARAMS.teaches_at  # the module still teaches its own skill


def test_a_section_under_a_heading_naming_the_skill_teaches_it():
    modules = own_modules(sections=4)
    modules[0][3] = [MISSING, MISSING]  # a quarter of module 0, in its last section
    section = 3  # module 0's sections are numbered 0..3
    without_heading = build(modules)
    with_heading = build(modules, heading={(MISSING, section): 1.0})
    assert without_heading.portion[MISSING, 0] == pytest.approx(0.25, abs=0.05)
    assert without_heading.coverage[MISSING] < PARAMS.teaches_at  # a quarter of one module: partly taught
    assert with_heading.dedicated[MISSING, 0] >= PARAMS.teaches_at
    assert with_heading.coverage[MISSING] >= PARAMS.teaches_at
    assert with_heading.dedicated_section(MISSING, 0) == section


def test_a_heading_naming_the_skill_over_a_section_about_something_else_is_not_teaching():
    modules = own_modules(sections=4)
    scores = build(modules, heading={(MISSING, 3): 1.0})  # the heading says so, the text does not
    assert scores.coverage[MISSING] < PARAMS.counts_at


def test_a_broad_skill_taught_in_parts_by_several_modules_is_covered_together():
    modules = own_modules(sections=3)
    for m in range(3):
        modules[m][2] = [MISSING, MISSING]  # a third of modules 0, 1 and 2 each covers a part of it
    one_part = own_modules(sections=3)
    one_part[0][2] = [MISSING, MISSING]
    together, alone = build(modules), build(one_part)
    parts = together.teach[MISSING, :3]
    assert (parts >= PARAMS.counts_at).all() and (parts < PARAMS.teaches_at).all()  # no module alone covers it
    assert together.coverage[MISSING] >= PARAMS.teaches_at
    assert alone.coverage[MISSING] < PARAMS.teaches_at
    assert together.teaching_modules(MISSING, PARAMS.counts_at).tolist() == sorted(
        [0, 1, 2], key=lambda m: -together.teach[MISSING, m])


def test_a_missing_skill_close_to_a_taught_one_loses_the_module_to_it():
    vectors = np.eye(DIM)[: MISSING + 1].copy()
    vectors[MISSING] = 0.6 * vectors[OWN_TOPICS - 1] + 0.8 * vectors[MISSING]  # a near neighbour of skill 7
    scores = build(own_modules(), skill_vectors=vectors)
    assert scores.coverage[MISSING] < PARAMS.counts_at
    assert scores.coverage[OWN_TOPICS - 1] >= PARAMS.teaches_at


def test_a_declared_skill_does_not_compete_but_its_content_must_match():
    vectors = np.eye(DIM)[: MISSING + 1].copy()
    vectors[MISSING] = 0.6 * vectors[OWN_TOPICS - 1] + 0.8 * vectors[MISSING]
    declared = np.zeros((MISSING + 1, OWN_TOPICS), dtype=bool)
    declared[MISSING, OWN_TOPICS - 1] = True  # the neighbour's author says it teaches the missing skill too
    declared[MISSING, 0] = True  # and so does an unrelated module
    scores = build(own_modules(), skill_vectors=vectors, declared=declared)
    assert scores.teach[MISSING, OWN_TOPICS - 1] >= PARAMS.teaches_at
    assert scores.teach[MISSING, 0] < PARAMS.counts_at


def test_scores_do_not_depend_on_the_scale_of_a_channel():
    modules = own_modules()
    modules[0][1] = [0, MISSING]
    units, vectors = lay_out(modules, seed=3)
    channel = Channel.from_vectors(np.eye(DIM)[: MISSING + 1], vectors, units)
    scaled = Channel(lambda start, stop: channel.cosines(start, stop) * 7.0, channel.n_skills, channel.section_norm,
                     channel.module_norm)
    one = teaching_scores(channel, channel, units, HeadingMatches.none())
    other = teaching_scores(scaled, channel, units, HeadingMatches.none())
    assert np.allclose(one.coverage, other.coverage, atol=1e-5)
    assert np.allclose(one.teach, other.teach, atol=1e-5)


def test_a_framework_of_one_skill_and_an_empty_library_give_finite_scores():
    single = build(own_modules()[:1], n_skills=1)
    assert np.isfinite(single.coverage).all() and single.coverage.shape == (1,)
    units = LibraryUnits.build(np.zeros(0, dtype=np.int64), [], np.zeros(0), 0)
    empty_channel = Channel.of_matrix(np.zeros((0, 3), np.float32), np.zeros(0), np.zeros(0))
    empty = teaching_scores(empty_channel, empty_channel, units, HeadingMatches.none())
    assert empty.coverage.tolist() == [0.0, 0.0, 0.0]


def test_a_module_without_chunks_teaches_nothing():
    units = LibraryUnits.build(np.array([0, 0, 2]), ["a", "b", "a"], np.array([100.0, 100.0, 100.0]), 3)
    assert units.n_sections == 3 and units.section_module.tolist() == [0, 0, 2]
    vectors = np.array([direction(0, np.random.default_rng(1)), direction(0, np.random.default_rng(2)),
                        direction(1, np.random.default_rng(3))])
    channel = Channel.from_vectors(np.eye(DIM)[:2], vectors, units)
    scores = teaching_scores(channel, channel, units, HeadingMatches.none())
    assert scores.teach[:, 1].tolist() == [0.0, 0.0]
    assert np.isfinite(scores.teach).all()


def test_chunks_out_of_module_order_are_refused():
    with pytest.raises(ValueError, match="ordered by module"):
        LibraryUnits.build(np.array([1, 0]), ["a", "a"], np.ones(2), 2)


def test_segment_reductions_sum_and_max_contiguous_items_and_leave_empty_segments_alone():
    values = np.array([[1.0], [2.0], [3.0], [4.0]], dtype=np.float32)  # four items, one column
    bounds = np.array([0, 2, 2, 4, 4])  # segments 1 and 3 are empty
    assert reduce_segments(values, bounds, np.add, 0.0).ravel().tolist() == [3.0, 0.0, 7.0, 0.0]
    assert reduce_segments(values, bounds, np.maximum, -1.0).ravel().tolist() == [2.0, -1.0, 4.0, -1.0]


def test_coverage_combines_teaching_modules_and_ignores_what_is_below_the_cut_off():
    teach = np.array([[0.3, 0.3, 0.3], [0.19, 0.19, 0.19], [0.9, 0.0, 0.0]])
    combined = combine_teaching(teach, 0.2)
    assert combined[0] == pytest.approx(1 - 0.7 ** 3)
    assert combined[1] == 0.0
    assert combined[2] == pytest.approx(0.9)
