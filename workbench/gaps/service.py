"""Gap detection: a skills framework against the indexed library, with evidence a person can check."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Callable

import numpy as np

from workbench.domain.gaps import GapParameters, near_duplicate_pairs, nearest_pairs
from workbench.domain.skills import SkillsFramework
from workbench.domain.calibration import reduce_segments
from workbench.domain.teaching import BLOCK_VALUES, KEPT_VALUES, Channel, teaching_scores
from workbench.errors import UnknownSkill
from workbench.gaps.assembly import ReportAssembler
from workbench.gaps.demand import DemandInputs
from workbench.gaps.lexical import LexicalModel
from workbench.gaps.report import GapReport
from workbench.gaps.view import LibraryView, lexical_channel, skill_query
from workbench.settings import Settings
from workbench.skills import load_framework
from workbench.stages import ProgressCallback, StageClock


class GapService:
    """Builds gap reports for a skills framework against the library behind an index."""

    def __init__(self, settings: Settings, index, params: GapParameters | None = None, today: date | None = None,
                 governance=None, block_values: int = BLOCK_VALUES, kept_values: int = KEPT_VALUES,
                 demand: Callable[[], DemandInputs] | None = None) -> None:
        self.settings = settings
        self.demand = demand  # the imported signals that bear on demand (read per report; None: the framework's labels)
        self.index = index
        self.governance = governance  # asked for the route of gap explanations before any call
        self.params = params or GapParameters()
        self.today = today
        # How many skill x chunk values the scorer holds at a time (and keeps between its passes).
        self.block_values = block_values
        self.kept_values = kept_values

    # -- entry points ------------------------------------------------------------------------

    def load_framework(self, skills_file: Path | None = None) -> SkillsFramework:
        """The framework from a file, defaulting to settings.resolved_skills_file."""
        return load_framework(Path(skills_file) if skills_file else self.settings.resolved_skills_file)

    def report(self, skills_file: Path | None = None, progress: ProgressCallback | None = None) -> GapReport:
        """Bring the index up to date, then score every skill of the framework against the library.

        Every stage reports its progress, and the report's `timings` say how long each took.
        """
        clock = StageClock(progress)
        framework = self.load_framework(skills_file)
        built = self.index.build(progress=clock)
        # The build has just read the library; reading it again would only repeat the parse.
        scan = getattr(built, "scan", None) or self.index.scan()
        chunks, vectors = self.index.chunk_vectors(progress=clock.steps("reading vectors"))
        with clock.stage("aligning"):
            view = LibraryView.align(scan.modules, chunks, vectors)
        return self.analyse(framework, view, progress=clock)

    def analyse(self, framework: SkillsFramework, view: LibraryView, progress: ProgressCallback | None = None,
                skill_vectors: np.ndarray | None = None) -> GapReport:
        """Score a framework against an already-read library (skill vectors are embedded when not given)."""
        clock = progress if isinstance(progress, StageClock) else StageClock(progress)
        report = self._analyse(framework, view, clock, skill_vectors)
        report.timings = dict(clock.seconds)
        return report

    def _analyse(self, framework: SkillsFramework, view: LibraryView, clock: StageClock,
                 skill_vectors: np.ndarray | None) -> GapReport:
        skills = list(framework.skills)
        queries = [skill_query(skill) for skill in skills]
        # Skills worded identically are one skill to the library: they are scored once and share the
        # result, instead of competing with each other for the same modules.
        distinct = list(dict.fromkeys(queries))
        row_of_query = {query: row for row, query in enumerate(distinct)}
        rows = np.array([row_of_query[query] for query in queries], dtype=np.int64)
        if skill_vectors is None:
            with clock.stage("embedding skills"):
                distinct_vectors = self.index.embedder.embed(distinct) if distinct else np.zeros((0, view.vectors.shape[1]))
        else:
            first: dict[int, int] = {}
            for i, row in enumerate(rows.tolist()):
                first.setdefault(row, i)
            distinct_vectors = np.asarray(skill_vectors)[[first[row] for row in range(len(distinct))]]
        with clock.stage("lexical model"):
            units, headings = view.units()
            lexical_model = LexicalModel.for_chunks(view.chunks, view.documents, self.settings.data_dir / "gaps")
            # A heading naming a skill less than the least teaching that counts cannot make a section count.
            heading_matches = lexical_model.heading_matches(headings, distinct, at_least=self.params.partial_at)
        declared = _declared(skills, view)
        distinct_declared = np.zeros((len(distinct), len(view.modules)), dtype=bool)
        np.logical_or.at(distinct_declared, rows, declared)
        clock("scoring", 0, 1)
        scores = teaching_scores(
            lexical_channel(distinct, lexical_model, units),
            Channel.from_vectors(distinct_vectors, view.vectors, units),
            units,
            heading_matches,
            distinct_declared,
            self.params.teaching,
            block_values=self.block_values,
            kept_values=self.kept_values,
            progress=clock.steps("scoring"),
        )
        with clock.stage("near-duplicates"):
            duplicates = self._near_duplicates(view, lexical_model)
        with clock.stage("assembling report"):
            return ReportAssembler(
                framework, view, scores, rows, declared, headings, duplicates, params=self.params,
                today=self.today or date.today(), stale_after_days=self.settings.stale_after_days,
                library_dir=self.settings.library_dir, demand=self.demand() if self.demand else None,
            ).build()

    def explain(self, skill_id: str, llm, prompt, report: GapReport | None = None,
                skills_file: Path | None = None, actor=None) -> str:
        """An LLM explanation of what the library covers and misses for one skill; never used for ranking.

        `prompt` is the `explain_gap` prompt file (services.prompts.get("explain_gap")). With
        governance, the route of gap explanations decides the model (`llm` is then not used) and
        which passages may be quoted to it; a refusal is raised before anything is sent.
        """
        from workbench.gaps.explain import explain_gap

        report = report or self.report(skills_file)
        result = next((skill for skill in report.skills if skill.skill_id == skill_id), None)
        skill = report.framework.get(skill_id)
        if result is None or skill is None:
            raise UnknownSkill(f"skill {skill_id!r} is not in the framework {report.framework.name!r}")
        if self.governance is None:
            return explain_gap(result, skill, self.index, llm, prompt)
        route = self.governance.route("gap_explanations", actor)
        hidden = [(module.id, module.path, module.title) for module in self.index.scan().modules
                  if route.passages.withheld("", module.id, module.path) is not None]
        with route.generation():
            return explain_gap(result, skill, self.index, route.llm, prompt, hidden)

    def _near_duplicates(self, view: LibraryView, lexical_model: LexicalModel) -> list[tuple[int, int, float]]:
        """Module pairs that share most of their wording (TF-IDF), among each module's nearest modules by meaning."""
        n_modules = len(view.modules)
        if n_modules < 2 or len(view.chunks) == 0:
            return []
        bounds = np.searchsorted(view.chunk_module, np.arange(n_modules + 1))  # chunks come grouped by module
        centroids = reduce_segments(view.vectors, bounds, np.add, 0.0)
        centroids /= np.maximum(np.linalg.norm(centroids, axis=1, keepdims=True), 1e-9)
        pairs = nearest_pairs(centroids, self.params.duplicate_neighbours, self.block_values)
        wording = lexical_model.module_pair_similarity(view.chunk_module, n_modules, pairs)
        return near_duplicate_pairs(pairs, wording, self.params.duplicate_at)


def _declared(skills, view: LibraryView) -> np.ndarray:
    """skills x modules: the module's front matter names the skill."""
    row_of = {skill.id: row for row, skill in enumerate(skills)}
    declared = np.zeros((len(skills), len(view.modules)), dtype=bool)
    for m, module in enumerate(view.modules):
        for skill_id in module.skills:
            if skill_id in row_of:
                declared[row_of[skill_id], m] = True
    return declared
