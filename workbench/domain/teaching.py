"""How much each module teaches each skill: taught versus mentioned, per module, section and passage.

Plain numpy on arrays the service layer computes (see docs/gap-detection.md, "The method"). The
library is seen at three sizes of unit: passages (the index's chunks), sections (a heading below
the module title, with everything under it) and whole modules. For every unit and skill:

1. Similarity of the skill with the unit as a whole, in two channels (lexical TF-IDF, dense
   MiniLM). A unit's similarity is the cosine with the sum of its chunks' vectors, so it is a sum
   over the unit's chunks divided by a per-unit norm: every unit-level matrix is a per-unit
   reduction of the skills x chunks matrices and can be computed block by block.
2. Calibration: each channel is standardised against its own background at that level, the two
   are mixed, and the mix becomes a robust z-score ("how unusual is this match here").
3. Competition: a unit is about a skill when that skill explains it better than any rival skill
   (share = sigmoid of the margin over the best rival, in robust SDs / temperature) and the match
   stands out from the background (relevance gate).

A module then *teaches* a skill when the skill is what the whole module is about (topic), when
passages about it take a substantial share of the module (portion), when one of its sections is
about it under a heading that names it (dedicated section), or when the module declares it. A
passage about the skill inside a module that teaches something else is a *mention*. A skill's
coverage combines the modules that teach it (each teaching a part), never the mentions.
Array helpers (backgrounds, calibration, segment reductions) live in workbench/domain/calibration.py;
the two passes that score a whole library a block of modules at a time, in workbench/domain/teaching_blocks.py.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from workbench.domain.calibration import reduce_segments, sigmoid, tiled_product

@dataclass(frozen=True)
class TeachingParameters:
    """The constants of the teaching model, in calibrated units (see docs/gap-detection.md)."""

    lexical_weight: float = 0.5  # share of the lexical channel in the hybrid score
    temperature: float = 0.5  # competition softness, in robust standard deviations
    relevance_at: float = 2.0  # calibrated score at which a match is half relevant
    relevance_width: float = 0.5  # how quickly relevance rises around relevance_at
    teaches_at: float = 0.5  # a unit is about a skill at or above this (the skill wins it and it is relevant)
    counts_at: float = 0.2  # teaching below this is not teaching; only modules at or above it add to coverage


@dataclass(frozen=True)
class LibraryUnits:
    """Chunks grouped into sections and modules; chunks of a section, and sections of a module, are contiguous."""

    chunk_section: np.ndarray  # chunk -> section
    section_module: np.ndarray  # section -> module
    chunk_weight: np.ndarray  # characters of text per chunk (how much of a unit it is)
    n_modules: int

    @classmethod
    def build(cls, chunk_module: np.ndarray, section_keys: list, chunk_weight: np.ndarray, n_modules: int) -> "LibraryUnits":
        """Number sections in chunk order; chunks must come grouped by module and, within it, by section."""
        chunk_module = np.asarray(chunk_module, dtype=np.int64)
        if len(chunk_module) and np.any(chunk_module[1:] < chunk_module[:-1]):
            raise ValueError("chunks must be ordered by module")
        chunk_section = np.zeros(len(chunk_module), dtype=np.int64)
        section_module: list[int] = []
        previous = None
        for i, (module, key) in enumerate(zip(chunk_module.tolist(), section_keys)):
            if (module, key) != previous:
                section_module.append(module)
                previous = (module, key)
            chunk_section[i] = len(section_module) - 1
        return cls(chunk_section, np.array(section_module, dtype=np.int64),
                   np.asarray(chunk_weight, dtype=np.float32), n_modules)

    @property
    def n_sections(self) -> int:
        """Number of sections."""
        return len(self.section_module)

    @cached_property
    def chunk_module(self) -> np.ndarray:
        """chunk -> module."""
        return self.section_module[self.chunk_section] if len(self.chunk_section) else np.zeros(0, dtype=np.int64)

    @cached_property
    def module_chunks(self) -> np.ndarray:
        """Bounds of each module's chunks: module m has chunks module_chunks[m] to module_chunks[m + 1] - 1."""
        return np.searchsorted(self.chunk_module, np.arange(self.n_modules + 1), side="left")

    @cached_property
    def module_sections(self) -> np.ndarray:
        """Bounds of each module's sections, as module_chunks."""
        return np.searchsorted(self.section_module, np.arange(self.n_modules + 1), side="left")

    @cached_property
    def section_chunks(self) -> np.ndarray:
        """Bounds of each section's chunks, as module_chunks."""
        return np.searchsorted(self.chunk_section, np.arange(self.n_sections + 1), side="left")


@dataclass(frozen=True)
class Channel:
    """One similarity channel: chunks x skills cosines, produced a block of chunks at a time, and per-unit norms.

    `cosines(start, stop)` gives the cosines of chunks start..stop-1 with every skill (one row per
    chunk), so the whole chunks x skills matrix never has to exist. The norms are those of each
    section's and module's summed chunk vectors.
    """

    cosines: Callable[[int, int], np.ndarray]
    n_skills: int
    section_norm: np.ndarray  # per section
    module_norm: np.ndarray  # per module

    @classmethod
    def of_matrix(cls, chunk: np.ndarray, section_norm: np.ndarray, module_norm: np.ndarray) -> "Channel":
        """A channel whose chunks x skills cosines are already computed."""
        chunk = np.asarray(chunk, dtype=np.float32)
        return cls(lambda start, stop: chunk[start:stop], chunk.shape[1], section_norm, module_norm)

    @classmethod
    def from_vectors(cls, skill_vectors: np.ndarray, chunk_vectors: np.ndarray, units: LibraryUnits) -> "Channel":
        """Cosines of unit chunk vectors with unit skill vectors, and the norm of each unit's summed chunk vectors."""
        skill_vectors = np.asarray(skill_vectors, dtype=np.float32)
        width = skill_vectors.shape[1] if skill_vectors.ndim == 2 else 0
        chunk_vectors = np.asarray(chunk_vectors, dtype=np.float32).reshape(-1, width)
        skills = skill_vectors.reshape(-1, width)
        sections = reduce_segments(chunk_vectors, units.section_chunks, np.add, 0.0)
        modules = reduce_segments(sections, units.module_sections, np.add, 0.0)

        def cosines(start: int, stop: int) -> np.ndarray:
            return tiled_product(chunk_vectors, skills.T, start, stop)

        return cls(cosines, skills.shape[0], np.linalg.norm(sections, axis=1), np.linalg.norm(modules, axis=1))


@dataclass(frozen=True)
class HeadingMatches:
    """How well section headings name skills, for the (section, skill) pairs where they share a word at all."""

    section: np.ndarray  # section index per pair
    skill: np.ndarray  # skill index per pair
    value: np.ndarray  # 0..1 (a TF-IDF cosine of heading and skill name)

    @classmethod
    def none(cls) -> "HeadingMatches":
        """No heading names any skill."""
        return cls(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.float32))


@dataclass(frozen=True)
class Contest:
    """Per unit (row): the skill that matches it best, its calibrated score and the best rival's score."""

    winner: np.ndarray
    top: np.ndarray
    second: np.ndarray  # -inf with a single skill

    @classmethod
    def of(cls, calibrated: np.ndarray) -> "Contest":
        """The contest of every row of a units x skills matrix of calibrated scores."""
        n_units, n_skills = calibrated.shape
        if n_skills == 0 or n_units == 0:
            empty = np.zeros(n_units, dtype=np.float32)
            return cls(np.zeros(n_units, dtype=np.int64), empty, np.full(n_units, -np.inf, dtype=np.float32))
        rows = np.arange(n_units)
        winner = calibrated.argmax(axis=1)
        top = calibrated[rows, winner].copy()
        if n_skills == 1:
            return cls(winner, top, np.full(n_units, -np.inf, dtype=np.float32))
        calibrated[rows, winner] = -np.inf
        second = calibrated.max(axis=1)
        calibrated[rows, winner] = top
        return cls(winner, top, second)

    def about(self, calibrated: np.ndarray, units: np.ndarray, skills: np.ndarray, params: "TeachingParameters") -> np.ndarray:
        """How much each (unit, skill) pair's unit is about its skill (see `about`), for given pairs only."""
        return self.about_values(calibrated[units, skills], units, skills, params)

    def about_values(self, values: np.ndarray, units: np.ndarray, skills: np.ndarray,
                     params: "TeachingParameters") -> np.ndarray:
        """As `about`, given each pair's calibrated score."""
        values = np.asarray(values, dtype=np.float32)
        rival = np.where(self.winner[units] == skills, self.second[units], self.top[units]).astype(np.float32)
        with np.errstate(invalid="ignore"):
            margin = np.subtract(values, rival, dtype=np.float32)
        margin = np.clip(np.nan_to_num(margin, nan=0.0), -1e4, 1e4)  # a lone skill has no rival: infinite margin
        share = sigmoid(margin / np.float32(params.temperature))
        return share * sigmoid((values - np.float32(params.relevance_at)) / np.float32(params.relevance_width))


@dataclass(frozen=True)
class TeachingScores:
    """How each module treats each skill (skills x modules), with the passage scores behind it.

    Passage scores are kept only where a report looks at them: for each (skill, module) pair that
    teaches or mentions the skill at all (at or above `counts_at`), the calibrated match of each of
    the module's passages; every passage keeps its contest (winner, best and runner-up score).
    """

    topic: np.ndarray  # skills x modules: the skill is what the whole module is about (0..1)
    portion: np.ndarray  # skills x modules: share of the module's text in passages about the skill (0..1)
    dedicated: np.ndarray  # skills x modules: a section about the skill under a heading naming it (0..1)
    teach: np.ndarray  # skills x modules: how strongly the module teaches the skill (0..1)
    mention: np.ndarray  # skills x modules: its strongest passage won by the skill (0..1; 0 when it wins none)
    module_calibrated: np.ndarray  # skills x modules: calibrated whole-module match (robust z; -inf without chunks)
    coverage: np.ndarray  # skills: how well the library teaches the skill (0..1)
    declared: np.ndarray  # skills x modules: the module's front matter names the skill
    dedicated_sections: HeadingMatches  # the (section, skill) pairs that teach as dedicated sections, and how much
    passages: dict[tuple[int, int], np.ndarray]  # (skill, module) -> calibrated match of each of the module's chunks
    chunk_contest: Contest
    units: LibraryUnits
    params: "TeachingParameters"

    def teaching_modules(self, row: int, at: float) -> np.ndarray:
        """Modules teaching skill `row` at or above `at`, strongest first."""
        teach = self.teach[row]
        found = np.flatnonzero(teach >= at)
        return found[np.argsort(-teach[found], kind="stable")]

    def _passage_scores(self, row: int, module: int) -> tuple[np.ndarray, np.ndarray]:
        """The module's chunk indexes and their calibrated match with skill `row`."""
        chunks = np.arange(self.units.module_chunks[module], self.units.module_chunks[module + 1])
        if not len(chunks):
            return chunks, np.zeros(0, dtype=np.float32)
        found = self.passages.get((row, module))
        if found is None:
            raise KeyError(f"passage scores of skill {row} in module {module} were not kept: it neither teaches "
                           f"nor mentions the skill at {self.params.counts_at} or above")
        return chunks, found

    def passage_about(self, row: int, module: int) -> np.ndarray:
        """How much each passage of the module is about skill `row` (0..1)."""
        chunks, values = self._passage_scores(row, module)
        return self.chunk_contest.about_values(values, chunks, np.full(len(chunks), row), self.params)

    def best_passages(self, row: int, module: int, count: int) -> list[int]:
        """Indexes of the module's `count` chunks that match the skill best, best first."""
        chunks, values = self._passage_scores(row, module)
        order = np.argsort(-values, kind="stable")
        return [int(chunks[i]) for i in order[:count]]

    def mention_passage(self, row: int, module: int) -> int | None:
        """Index of the module's passage that is most about the skill (None for a module without chunks)."""
        chunks, _ = self._passage_scores(row, module)
        return int(chunks[int(np.argmax(self.passage_about(row, module)))]) if len(chunks) else None

    def passage_match(self, row: int, chunk: int) -> float:
        """How closely one passage matches the skill, whatever else it is about (the relevance gate, 0..1)."""
        module = int(self.units.chunk_module[chunk])
        chunks, values = self._passage_scores(row, module)
        value = float(values[chunk - int(chunks[0])])
        x = max(-50.0, min(50.0, (value - self.params.relevance_at) / self.params.relevance_width))
        return 1.0 / (1.0 + math.exp(-x))

    @cached_property
    def _dedicated_by_module(self) -> dict[tuple[int, int], int]:
        """(module, skill) -> its strongest dedicated section."""
        pairs, best = self.dedicated_sections, {}
        modules = self.units.section_module[pairs.section]
        for i in np.argsort(-pairs.value, kind="stable").tolist():
            best.setdefault((int(modules[i]), int(pairs.skill[i])), int(pairs.section[i]))
        return best

    def dedicated_section(self, row: int, module: int) -> int | None:
        """Index of the module's section that is about the skill under a heading naming it, if any."""
        return self._dedicated_by_module.get((module, row))


def about(calibrated: np.ndarray, params: TeachingParameters, uncontested: np.ndarray | None = None) -> np.ndarray:
    """How much each unit (row) is about each skill (column): share against the best rival skill, times relevance.

    share = sigmoid((z - z_best_rival) / T): above 1/2 only for the skill that explains the unit best,
    by a margin; relevance = sigmoid((z - relevance_at) / relevance_width): the match must stand out.
    """
    n_units, n_skills = calibrated.shape
    if n_skills == 0 or n_units == 0:
        return np.zeros(calibrated.shape, dtype=np.float32)
    contest = Contest.of(calibrated)
    rows = np.arange(n_units)
    share = np.subtract(calibrated, contest.top[:, None], dtype=np.float32)  # <= 0: minus the margin to the winner
    share *= np.float32(1.0 / params.temperature)
    sigmoid(share)
    with np.errstate(invalid="ignore"):
        lead = np.asarray((contest.top - contest.second) / params.temperature, dtype=np.float32)  # the winner's margin
    share[rows, contest.winner] = sigmoid(np.where(np.isnan(lead), np.float32(0.0), lead))
    relevance = np.subtract(calibrated, np.float32(params.relevance_at), dtype=np.float32)
    relevance *= np.float32(1.0 / params.relevance_width)
    share *= sigmoid(relevance)
    if uncontested is not None:
        # The author's word: no competition, but the content still has to match.
        np.copyto(share, relevance, where=uncontested)
    return share


def combine_teaching(teach: np.ndarray, counts_at: float) -> np.ndarray:
    """Coverage from the modules that teach a skill (skills x modules): 1 - prod(1 - teach) over those >= counts_at.

    Each teaching module covers a part of the skill; a broad skill taught in parts by several modules
    ends up better covered than by any one of them. Mentions (below counts_at) never add up.
    """
    counted = np.where(teach >= counts_at, teach, 0.0).astype(np.float64)
    return (1.0 - np.prod(1.0 - counted, axis=1)).astype(np.float32)
