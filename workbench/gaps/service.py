"""Gap detection: a skills framework against the indexed library, with evidence a person can check."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

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
    near_duplicate_pairs,
)
from workbench.domain.library import Chunk, Level, Module
from workbench.domain.skills import PRIORITY_WEIGHT, DemandSignal, Skill, SkillsFramework
from workbench.errors import UnknownSkill
from workbench.gaps.lexical import LexicalModel
from workbench.gaps.report import DuplicatePair, Evidence, GapReport, Orphan, SkillGap
from workbench.settings import Settings
from workbench.skills import load_framework

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
MAX_EVIDENCE = 5
QUIZ_HEADING = re.compile(r"\b(assessment|knowledge check|quiz)\b", re.IGNORECASE)
OBJECTIVES_HEADING = re.compile(r"objective", re.IGNORECASE)
STATUS_ORDER = {GapStatus.GAP: 0, GapStatus.STALE: 1, GapStatus.PARTIAL: 2, GapStatus.COVERED: 3}
DEMAND_ORDER = {DemandSignal.RISING: 0, None: 1, DemandSignal.STABLE: 1, DemandSignal.DECLINING: 2}


def skill_query(skill: Skill) -> str:
    """The text a skill is searched with: its name, other names and description."""
    parts = [skill.name]
    if skill.aliases:
        parts.append("Also known as: " + ", ".join(skill.aliases) + ".")
    if skill.description:
        parts.append(skill.description)
    return "\n".join(parts)


def chunk_document(chunk: Chunk) -> str:
    """The text of a chunk with its module title and headings, as the index embeds it."""
    context = " > ".join(dict.fromkeys(part for part in (chunk.title, *chunk.heading_path) if part))
    return f"{context}\n\n{chunk.text}" if context else chunk.text


@dataclass
class LibraryView:
    """The modules and indexed chunks gap detection works on, aligned by position."""

    modules: list[Module]
    chunks: list[Chunk]
    vectors: np.ndarray  # chunks x dimension, unit vectors
    chunk_module: np.ndarray  # chunk -> module position

    @classmethod
    def align(cls, modules: list[Module], chunks: list[Chunk], vectors: np.ndarray) -> "LibraryView":
        """Keep the indexed chunks whose module is in the library, and number modules by position."""
        position = {module.id: i for i, module in enumerate(modules)}
        keep = [i for i, chunk in enumerate(chunks) if chunk.module_id in position]
        kept = [chunks[i] for i in keep]
        kept_vectors = vectors[keep] if len(keep) else np.zeros((0, vectors.shape[1] if vectors.ndim == 2 else 0), np.float32)
        chunk_module = np.array([position[chunk.module_id] for chunk in kept], dtype=np.int64)
        return cls(modules, kept, kept_vectors, chunk_module)


class GapService:
    """Builds gap reports for a skills framework against the library behind an index."""

    def __init__(self, settings: Settings, index, params: GapParameters | None = None, today: date | None = None) -> None:
        self.settings = settings
        self.index = index
        self.params = params or GapParameters()
        self.today = today

    # -- entry points ------------------------------------------------------------------------

    def load_framework(self, skills_file: Path | None = None) -> SkillsFramework:
        """The framework from a file, defaulting to settings.resolved_skills_file."""
        return load_framework(Path(skills_file) if skills_file else self.settings.resolved_skills_file)

    def report(self, skills_file: Path | None = None, progress: Progress | None = None) -> GapReport:
        """Bring the index up to date, then score every skill of the framework against the library."""
        framework = self.load_framework(skills_file)
        built = self.index.build(progress=progress)
        if progress:
            progress("reading index", 0, 1)
        # The build has just read the library; reading it again would only repeat the parse.
        scan = getattr(built, "scan", None) or self.index.scan()
        chunks, vectors = self.index.chunk_vectors()
        if progress:
            progress("reading index", 1, 1)
        view = LibraryView.align(scan.modules, chunks, vectors)
        return self.analyse(framework, view, progress=progress)

    def analyse(self, framework: SkillsFramework, view: LibraryView, progress: Progress | None = None,
                skill_vectors: np.ndarray | None = None) -> GapReport:
        """Score a framework against an already-read library (skill vectors are embedded when not given)."""
        skills = list(framework.skills)
        queries = [skill_query(skill) for skill in skills]
        if skill_vectors is None:
            if progress:
                progress("embedding skills", 0, len(skills))
            skill_vectors = self.index.embedder.embed(queries)
            if progress:
                progress("embedding skills", len(skills), len(skills))
        if progress:
            progress("scoring", 0, 1)
        lexical_model = LexicalModel.for_chunks(
            view.chunks, lambda: [chunk_document(chunk) for chunk in view.chunks], self.settings.data_dir / "gaps"
        )
        lexical = lexical_model.similarity(queries)
        dense = (skill_vectors @ view.vectors.T).astype(np.float32) if len(view.chunks) else np.zeros_like(lexical)
        declared = np.zeros((len(skills), len(view.modules)), dtype=bool)
        row_of = {skill.id: row for row, skill in enumerate(skills)}
        for position, module in enumerate(view.modules):
            for skill_id in module.skills:
                if skill_id in row_of:
                    declared[row_of[skill_id], position] = True
        scores = coverage_scores(lexical, dense, view.chunk_module, len(view.modules), declared, self.params)
        duplicates = self._near_duplicates(view, lexical_model)
        report = _Assembler(self, framework, view, scores, declared, duplicates).build()
        if progress:
            progress("scoring", 1, 1)
        return report


    def explain(self, skill_id: str, llm, prompt, report: GapReport | None = None,
                skills_file: Path | None = None) -> str:
        """An LLM explanation of what the library covers and misses for one skill; never used for ranking.

        `prompt` is the `explain_gap` prompt file (services.prompts.get("explain_gap")).
        """
        from workbench.gaps.explain import explain_gap

        report = report or self.report(skills_file)
        result = next((skill for skill in report.skills if skill.skill_id == skill_id), None)
        skill = report.framework.get(skill_id)
        if result is None or skill is None:
            raise UnknownSkill(f"skill {skill_id!r} is not in the framework {report.framework.name!r}")
        return explain_gap(result, skill, self.index, llm, prompt)

    def _near_duplicates(self, view: LibraryView, lexical_model: LexicalModel) -> list[tuple[int, int, float]]:
        """Module pairs that share most of their wording (TF-IDF), among each module's nearest modules by meaning."""
        n_modules = len(view.modules)
        if n_modules < 2 or len(view.chunks) == 0:
            return []
        centroids = np.zeros((n_modules, view.vectors.shape[1]), dtype=np.float32)
        np.add.at(centroids, view.chunk_module, view.vectors)
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
        pairs = candidate_pairs(centroids @ centroids.T, self.params.duplicate_neighbours)
        wording = lexical_model.module_pair_similarity(view.chunk_module, n_modules, pairs)
        return near_duplicate_pairs(pairs, wording, self.params.duplicate_at)


class _Assembler:
    """Turns score matrices into per-skill results, reasons and library-wide findings."""

    def __init__(self, service: GapService, framework: SkillsFramework, view: LibraryView, scores, declared,
                 duplicates: list[tuple[int, int, float]]) -> None:
        self.service = service
        self.duplicates = duplicates
        self.params = service.params
        self.framework = framework
        self.view = view
        self.scores = scores
        self.declared = declared
        self.today = service.today or date.today()
        modules = view.modules
        self.reviewed = [module.last_reviewed or module.modified for module in modules]
        self.stale = np.array(
            [is_stale(day, self.today, service.settings.stale_after_days) for day in self.reviewed], dtype=bool
        )
        self.objectives: dict[int, list[str]] = {}
        self.quiz_modules: set[str] = set()
        for chunk, position in zip(view.chunks, view.chunk_module.tolist()):
            inner = chunk.heading_path[1:] or chunk.heading_path  # the first heading is usually the title
            if any(QUIZ_HEADING.search(heading) for heading in inner):
                self.quiz_modules.add(modules[position].id)
            if any(OBJECTIVES_HEADING.search(heading) for heading in chunk.heading_path):
                self.objectives.setdefault(position, []).append(chunk.text)
        self.levels = [self._module_level(i) for i in range(len(modules))]
        self.bank_skills, self.bank_modules = _assessment_links(service.settings.library_dir)

    def _module_level(self, position: int) -> Level | None:
        """The module's level: front matter, else its Bloom levels, else the verbs of its objectives."""
        module = self.view.modules[position]
        if module.level is not None:
            return module.level
        implied = level_from_bloom(module.bloom_levels)
        if implied is not None:
            return implied
        verbs = [level for text in self.objectives.get(position, []) for level in bloom_levels_in_objectives(text)]
        return level_from_bloom(verbs)

    def build(self) -> GapReport:
        """The full report, skills sorted by gap rank."""
        results = [self._skill(i, skill) for i, skill in enumerate(self.framework.skills)]
        weights = {skill.id: skill for skill in self.framework.skills}

        def rank_key(result: SkillGap):
            skill = weights[result.skill_id]
            return (STATUS_ORDER[GapStatus(result.status)], -PRIORITY_WEIGHT[skill.priority],
                    DEMAND_ORDER.get(skill.demand_signal, 1), result.coverage, result.skill_id)

        results.sort(key=rank_key)
        ranked = [_with_rank(result, rank) for rank, result in enumerate(results, start=1)]
        modules = self.view.modules
        return GapReport(
            framework=self.framework,
            skills=ranked,
            near_duplicates=self._near_duplicates(),
            orphan_modules=self._orphans(),
            stale_modules=[modules[i].id for i in np.flatnonzero(self.stale)],
            module_count=len(modules),
            chunk_count=len(self.view.chunks),
            warnings=list(self.framework.warnings),
        )

    def _skill(self, row: int, skill: Skill) -> SkillGap:
        """One skill's result with evidence and reasons."""
        params, scores, modules = self.params, self.scores, self.view.modules
        support = scores.support[row] if len(modules) else np.zeros(0)
        above = np.flatnonzero(support >= params.partial_at)
        order = [int(m) for m in above[np.argsort(-support[above], kind="stable")]]
        evidence = [self._evidence(row, m) for m in order[:MAX_EVIDENCE]]
        coverage = float(scores.coverage[row]) if len(modules) else 0.0
        fresh = [m for m in order if not self.stale[m]]
        fresh_coverage = float(support[fresh[0]]) if fresh else 0.0
        strong = [m for m in order if support[m] >= params.covered_at] or order
        taught = [self.levels[m] for m in strong]
        match = level_match(skill.level, taught)
        status = decide_status(coverage, fresh_coverage, match, params)
        covering_ids = {modules[m].id for m in order}
        has_assessment = bool(
            skill.id in self.bank_skills or covering_ids & (self.quiz_modules | self.bank_modules)
        )
        dates = [self.reviewed[m] for m in order if self.reviewed[m] is not None]
        reasons = self._reasons(row, skill, status, order, strong, match, taught, has_assessment)
        return SkillGap(
            skill_id=skill.id,
            skill_name=skill.name,
            status=status.value,
            coverage=coverage,
            priority=skill.priority.value,
            level_match=match.value,
            evidence=evidence,
            reasons=reasons,
            group=skill.group,
            needed_level=skill.level.value if skill.level else None,
            taught_levels=sorted({level.value for level in taught if level is not None}),
            has_assessment=has_assessment,
            last_reviewed=max(dates) if dates else None,
            demand=skill.demand_signal.value if skill.demand_signal else None,
        )

    def _evidence(self, row: int, position: int) -> Evidence:
        """The module at `position` as evidence for skill `row`, pointing at its best chunk."""
        chunk = self.view.chunks[self.scores.best_chunk(row, position)]
        module = self.view.modules[position]
        return Evidence(
            module_id=module.id,
            path=module.path,
            heading=chunk.heading,
            score=float(self.scores.support[row, position]),
            chunk_id=chunk.id,
            declared=bool(self.declared[row, position]),
        )

    def _reasons(self, row, skill, status, order, strong, match, taught, has_assessment) -> list[str]:
        """Plain-language reasons a person can check against the evidence."""
        modules, scores, reasons = self.view.modules, self.scores, []
        if status is GapStatus.GAP:
            reasons.append(self._gap_reason(row))
        else:
            best = modules[order[0]]
            declared = [modules[m].path for m in order if self.declared[row, m]]
            reasons.append(
                f"taught by {len(order)} module(s); strongest: {best.title!r} ({best.path}, "
                f"support {scores.support[row, order[0]]:.2f})"
            )
            if declared:
                reasons.append("declared in the front matter of " + ", ".join(declared[:3]))
            if status is GapStatus.PARTIAL and match is not LevelMatch.TOO_LOW:
                reasons.append("no module teaches it strongly; the best match is partly explained by other skills")
        if status is GapStatus.STALE:
            old = [f"{modules[m].path} ({self.reviewed[m]})" for m in order if self.stale[m]][:3]
            reasons.append(
                f"every module teaching it was last reviewed more than {self.service.settings.stale_after_days} "
                f"days ago: " + ", ".join(old)
            )
        elif status is not GapStatus.GAP:
            old = [modules[m].path for m in order if self.stale[m]]
            if old:
                reasons.append("also taught by stale module(s): " + ", ".join(old[:3]))
        if match is LevelMatch.TOO_LOW:
            levels = ", ".join(sorted({level.value for level in taught if level}))
            reasons.append(f"needed at {skill.level.value} level; taught only at {levels}")
        elif match is LevelMatch.TOO_HIGH:
            levels = ", ".join(sorted({level.value for level in taught if level}))
            reasons.append(f"needed at {skill.level.value} level; taught only at {levels}")
        if status is not GapStatus.GAP and not has_assessment:
            reasons.append("no assessment (quiz section or question bank) found for it")
        if skill.demand_signal is DemandSignal.RISING:
            source = f" ({skill.demand_source})" if skill.demand_source else ""
            reasons.append(f"demand is rising{source}")
        return reasons

    def _gap_reason(self, row: int) -> str:
        """Why a skill counts as a gap: nothing close, or its closest module belongs to another skill."""
        calibrated = self.scores.calibrated
        if calibrated.shape[1] == 0 or not np.isfinite(calibrated[row]).any():
            return "the library has no indexed content"
        closest = int(np.argmax(calibrated[row]))
        module = self.view.modules[closest]
        winner = int(np.argmax(calibrated[:, closest]))
        if winner != row and self.scores.relevance[winner, closest] >= 0.5:
            other = self.framework.skills[winner]
            return (
                f"no module teaches it; the closest, {module.title!r} ({module.path}), "
                f"is better explained by {other.name!r}"
            )
        return f"no module teaches it; the closest, {module.title!r} ({module.path}), matches only weakly"

    def _orphans(self) -> list[Orphan]:
        """Modules that neither declare nor teach any skill of the framework."""
        support = self.scores.support
        orphans = []
        for m, module in enumerate(self.view.modules):
            teaches = support.shape[0] and float(support[:, m].max()) >= self.params.partial_at
            if not teaches and not self.declared[:, m].any():
                orphans.append(Orphan(module.id, module.path, module.title))
        return orphans

    def _near_duplicates(self) -> list[DuplicatePair]:
        """Module pairs whose wording is nearly the same."""
        modules = self.view.modules
        return [
            DuplicatePair(modules[i].id, modules[i].path, modules[j].id, modules[j].path, score)
            for i, j, score in self.duplicates
        ]


def _with_rank(result: SkillGap, rank: int) -> SkillGap:
    """A copy of the result carrying its gap rank."""
    return replace(result, rank=rank)


def _assessment_links(library_dir: Path) -> tuple[set[str], set[str]]:
    """Skill ids and module ids that imported question banks are linked to (none when banks are unavailable)."""
    try:
        from workbench.exports.banks import load_assessment_banks
    except ImportError:
        return set(), set()
    try:
        banks = load_assessment_banks(library_dir)
    except Exception as error:  # noqa: BLE001 - a broken bank must not stop gap detection
        log.warning("question banks not read: %s", error)
        return set(), set()
    skills = {skill_id for bank in banks for skill_id in bank.skill_ids}
    modules = {bank.module_id for bank in banks if bank.module_id}
    return skills, modules
