"""Scoring a whole library a block of whole modules at a time, in bounded memory (see teaching.py for the method)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from workbench.domain.calibration import BackgroundSample, Calibration, calibrate, reduce_segments
from workbench.domain.teaching import (
    Channel,
    Contest,
    HeadingMatches,
    LibraryUnits,
    TeachingParameters,
    TeachingScores,
    about,
    combine_teaching,
)

# Chunk x skill values of one channel computed at a time: memory grows with skills + chunks, not their product.
BLOCK_VALUES = 1 << 22
# Blocks of the first pass kept for the second while they fit (a small library is computed once).
KEPT_VALUES = 1 << 25


@dataclass(frozen=True)
class Block:
    """A run of whole modules and the chunks and sections they hold (module, section and chunk ranges)."""

    modules: slice
    sections: slice
    chunks: slice


def module_blocks(units: LibraryUnits, max_chunks: int) -> list[Block]:
    """Consecutive runs of whole modules of at most `max_chunks` chunks (a larger module is a block of its own)."""
    bounds, blocks, first = units.module_chunks, [], 0
    for stop in range(1, units.n_modules + 1):
        if bounds[stop] - bounds[first] > max_chunks and stop - 1 > first:
            blocks.append(first)
            first = stop - 1
    if units.n_modules:
        blocks.append(first)
    edges = blocks + [units.n_modules]
    return [Block(slice(a, b), slice(int(units.module_sections[a]), int(units.module_sections[b])),
                  slice(int(bounds[a]), int(bounds[b]))) for a, b in zip(edges[:-1], edges[1:])]


def _block_units(channel: Channel, units: LibraryUnits, block: Block, single: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """One block's chunk, section and module cosines in one channel.

    A unit's cosine is the sum of its chunks' cosines over the norm of their summed vectors; when
    every section is a single chunk, a section's cosine is its chunk's (a unit vector's norm is 1).
    """
    chunk = channel.cosines(block.chunks.start, block.chunks.stop)
    if single:
        sums = section = chunk
    else:
        sums = reduce_segments(chunk, units.section_chunks[block.sections.start:block.sections.stop + 1] - block.chunks.start,
                               np.add, 0.0)
        section = sums / np.maximum(channel.section_norm[block.sections], 1e-9).astype(np.float32)[:, None]
    module = reduce_segments(sums, units.module_sections[block.modules.start:block.modules.stop + 1] - block.sections.start,
                             np.add, 0.0)
    module /= np.maximum(channel.module_norm[block.modules], 1e-9).astype(np.float32)[:, None]
    return chunk, section, module


class _ContestArrays:
    """Per-unit contests of the whole library, filled one block at a time."""

    def __init__(self, n_units: int) -> None:
        self.winner = np.zeros(n_units, dtype=np.int64)
        self.top = np.zeros(n_units, dtype=np.float32)
        self.second = np.full(n_units, -np.inf, dtype=np.float32)

    def put(self, units: slice, contest: Contest) -> None:
        self.winner[units], self.top[units], self.second[units] = contest.winner, contest.top, contest.second

    def contest(self) -> Contest:
        return Contest(self.winner, self.top, self.second)


def teaching_scores(
    lexical: Channel,
    dense: Channel,
    units: LibraryUnits,
    headings: HeadingMatches,
    declared: np.ndarray | None = None,
    params: TeachingParameters = TeachingParameters(),
    block_values: int = BLOCK_VALUES,
    kept_values: int = KEPT_VALUES,
    progress: Callable[[int, int], None] | None = None,
) -> TeachingScores:
    """Score every (skill, module) pair as taught or mentioned, and every skill's coverage.

    The chunks x skills matrices are computed a block of whole modules at a time, in two passes:
    the first gathers whole-module cosines and the background samples the passage and section
    levels are calibrated against; the second calibrates each block and keeps only what the method
    needs (each unit's contest, the per-module mentions, portions and dedicated sections, and the
    passage scores of the pairs that teach or mention). Every number is the one the whole matrices
    would give: blocks hold whole modules, and backgrounds are sampled at the same positions.
    Only a unit's winning skill can be more than half about it, so passage and section figures that
    matter above the cut-offs (mentions, portions) are gathered from each unit's winner: their cost
    grows with the number of chunks, not with chunks x skills.
    """
    n_skills, n_modules = lexical.n_skills, units.n_modules
    n_chunks, n_sections = len(units.chunk_section), units.n_sections
    declared = np.zeros((n_skills, n_modules), dtype=bool) if declared is None else np.asarray(declared, dtype=bool)
    weight = params.lexical_weight
    single = n_sections == n_chunks
    blocks = module_blocks(units, max(1, block_values // max(1, n_skills)))
    channels = (lexical, dense)
    steps = 2 * len(blocks)

    # Pass 1: whole-module cosines, and the backgrounds of the passage and section levels.
    module_cosines = [np.zeros((n_modules, n_skills), dtype=np.float32) for _ in channels]
    chunk_backgrounds = [BackgroundSample(n_chunks, n_skills) for _ in channels]
    section_backgrounds = None if single else [BackgroundSample(n_sections, n_skills) for _ in channels]
    kept: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    room = kept_values
    for number, block in enumerate(blocks):
        computed = [_block_units(channel, units, block, single) for channel in channels]
        for c, (chunk, section, module) in enumerate(computed):
            module_cosines[c][block.modules] = module
            chunk_backgrounds[c].add(block.chunks.start, chunk)
            if section_backgrounds is not None:
                section_backgrounds[c].add(block.sections.start, section)
        size = (block.chunks.stop - block.chunks.start) * n_skills
        if size <= room:
            room -= size
            kept[number] = [(chunk, section) for chunk, section, _ in computed]
        if progress is not None:
            progress(number + 1, steps)

    # Modules: is the skill what the whole module is about?
    empty = units.module_chunks[1:] == units.module_chunks[:-1]
    module_z = calibrate(module_cosines[0], module_cosines[1], weight)
    del module_cosines
    topic = about(module_z, params, uncontested=declared.T)
    topic[empty] = 0.0
    module_z[empty] = -np.inf
    chunk_calibration = Calibration.fit(chunk_backgrounds[0].values, chunk_backgrounds[1].values, weight)
    section_calibration = chunk_calibration if single else Calibration.fit(
        section_backgrounds[0].values, section_backgrounds[1].values, weight)
    del chunk_backgrounds, section_backgrounds

    # Pass 2: per block, calibrate passages and sections and keep what the method needs.
    chunk_contests = _ContestArrays(n_chunks)
    section_contests = chunk_contests if single else _ContestArrays(n_sections)
    dedicated = np.zeros((n_modules, n_skills), dtype=np.float32)
    mention = np.zeros((n_modules, n_skills), dtype=np.float32)
    portion = np.zeros((n_modules, n_skills), dtype=np.float32)
    module_weight = np.bincount(units.chunk_module, weights=units.chunk_weight, minlength=n_modules)
    headed = np.zeros(len(headings.section), dtype=np.float32)
    heading_order = np.argsort(headings.section, kind="stable")
    heading_sections = headings.section[heading_order]
    passages: dict[tuple[int, int], np.ndarray] = {}
    for number, block in enumerate(blocks):
        pairs = kept.pop(number, None) or [_block_units(channel, units, block, single)[:2] for channel in channels]
        (lexical_chunk, lexical_section), (dense_chunk, dense_section) = pairs
        chunk_z = chunk_calibration.apply(lexical_chunk, dense_chunk)
        section_z = chunk_z if single else section_calibration.apply(lexical_section, dense_section)
        del pairs, lexical_chunk, lexical_section, dense_chunk, dense_section
        chunk_contest = Contest.of(chunk_z)
        chunk_contests.put(block.chunks, chunk_contest)
        section_contest = chunk_contest if single else Contest.of(section_z)
        if not single:
            section_contests.put(block.sections, section_contest)
        chunk_module = units.chunk_module[block.chunks]
        chunk_section = units.chunk_section[block.chunks] - block.sections.start
        # A section about the skill under a heading naming it is dedicated to it.
        low, high = np.searchsorted(heading_sections, [block.sections.start, block.sections.stop])
        picked = heading_order[low:high]
        local = headings.section[picked] - block.sections.start
        skills = headings.skill[picked]
        values = section_contest.about(section_z, local, skills, params) * headings.value[picked]
        headed[picked] = values
        keep = values >= params.counts_at  # below it a dedicated section would not count as teaching anyway
        np.maximum.at(dedicated, (units.section_module[headings.section[picked][keep]], skills[keep]), values[keep])
        # Passages: a passage about the skill (one it wins) in a module that does not teach it is a mention.
        chunks = np.arange(len(chunk_z))
        won = chunk_contest.about(chunk_z, chunks, chunk_contest.winner, params)
        np.maximum.at(mention, (chunk_module, chunk_contest.winner), won)
        # Portion: the share of the module's text in passages about the skill, inside sections the skill wins;
        # a paragraph that ties its section with the section's own topic counts for its own length only.
        section_won = section_contest.about(section_z, np.arange(len(section_z)), section_contest.winner, params)
        owner = section_contest.winner[chunk_section]
        counted = section_won[chunk_section] >= params.teaches_at
        share = chunk_contest.about(chunk_z, chunks[counted], owner[counted], params) * units.chunk_weight[block.chunks][counted]
        np.add.at(portion, (chunk_module[counted], owner[counted]), share)
        rows = block.modules
        portion[rows] /= np.maximum(module_weight[rows], 1e-9).astype(np.float32)[:, None]
        np.clip(portion[rows], 0.0, 1.0, out=portion[rows])
        # The passage scores of every pair that teaches or mentions the skill at all, for the report.
        teach_rows = np.maximum(np.maximum(topic[rows], portion[rows]), dedicated[rows])
        wanted_modules, wanted_skills = np.nonzero((teach_rows >= params.counts_at) | (mention[rows] >= params.counts_at))
        first = units.module_chunks[rows.start:rows.stop + 1] - block.chunks.start
        for m, skill in zip(wanted_modules.tolist(), wanted_skills.tolist()):
            passages[(skill, rows.start + m)] = chunk_z[first[m]:first[m + 1], skill].copy()
        if progress is not None:
            progress(len(blocks) + number + 1, steps)
    if progress is not None and not blocks:
        progress(0, 0)
    keep = headed >= params.counts_at
    headings = HeadingMatches(headings.section[keep], headings.skill[keep], headed[keep].astype(np.float32))
    teach = np.maximum(np.maximum(topic, portion), dedicated)
    by_skill = [np.ascontiguousarray(matrix.T) for matrix in (topic, portion, dedicated, teach, mention, module_z)]
    coverage = combine_teaching(by_skill[3], params.counts_at) if n_modules else np.zeros(n_skills, dtype=np.float32)
    return TeachingScores(*by_skill, coverage, declared, headings, passages, chunk_contests.contest(), units, params)
