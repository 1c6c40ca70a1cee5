"""Gap detection: a skills framework against the indexed library, with evidence a person can check."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from workbench.domain.gaps import GapParameters, near_duplicate_pairs, nearest_pairs
from workbench.domain.skills import SkillsFramework
from workbench.domain.calibration import reduce_segments
from workbench.domain.teaching import Channel
from workbench.domain.teaching_blocks import BLOCK_VALUES, KEPT_VALUES, teaching_scores
from workbench.errors import UnknownSkill
from workbench.gaps.assembly import ReportAssembler
from workbench.gaps.demand import DemandInputs
from workbench.gaps.report import GapReport
from workbench.gaps.shared import SharedReports, framework_hash, report_inputs, report_key
from workbench.gaps.view import LibraryView, lexical_channel, skill_query
from workbench.index.errors import IndexChanging
from workbench.settings import Settings
from workbench.skills import load_framework
from workbench.stages import ProgressCallback, StageClock


if TYPE_CHECKING:  # scikit-learn (seconds to import) is needed to compute a report, not to serve one
    from workbench.gaps.lexical import LexicalModel

KEEP_FRAMEWORKS = 8  # framework files whose parse one service keeps


class GapService:
    """Builds gap reports for a skills framework against the library behind an index."""

    def __init__(self, settings: Settings, index, params: GapParameters | None = None, today: date | None = None,
                 governance: Callable[[], Any] | None = None, block_values: int = BLOCK_VALUES,
                 kept_values: int = KEPT_VALUES, demand: Callable[[], DemandInputs] | None = None,
                 reports: SharedReports | None = None, extra_inputs: Callable[[], Mapping[str, str]] | None = None,
                 on_computed: Callable[[GapReport], None] | None = None) -> None:
        self.settings = settings
        self.demand = demand  # the imported signals that bear on demand (read per report; None: the framework's labels)
        self.index = index
        # Builds the governance service on first use (reports need none); asked for the route of gap
        # explanations before any call.
        self._governance = governance
        self.params = params or GapParameters()
        self.today = today
        # Reports shared by every caller, keyed by their inputs (None: every call computes its own).
        self.reports = reports
        # Further inputs of the report from other services, by name: whatever `demand` reads must be
        # named here (the imported signals' revision), or a shared report would outlive an import.
        self.extra_inputs = extra_inputs
        self.on_computed = on_computed  # told of every report actually computed (not served from the cache)
        # How many skill x chunk values the scorer holds at a time (and keeps between its passes).
        self.block_values = block_values
        self.kept_values = kept_values
        # Frameworks read lately, with their digests, by file and stat: a visit does not parse the file again.
        self._frameworks: dict[tuple, tuple[SkillsFramework, str]] = {}
        self._frameworks_lock = threading.Lock()

    # -- entry points ------------------------------------------------------------------------

    def load_framework(self, skills_file: Path | None = None) -> SkillsFramework:
        """The framework from a file, defaulting to settings.resolved_skills_file."""
        return self._framework(skills_file)[0]

    def _framework(self, skills_file: Path | None) -> tuple[SkillsFramework, str]:
        """The framework of a file and its content digest, read again only when the file's stat changed."""
        path = Path(skills_file) if skills_file else self.settings.resolved_skills_file
        try:
            found = os.stat(path)
        except OSError:
            return load_framework(path), ""  # the loader says what is wrong with the path
        key = (os.path.abspath(path), found.st_mtime_ns, found.st_ctime_ns, found.st_size, found.st_ino)
        with self._frameworks_lock:
            known = self._frameworks.get(key)
        if known is None:
            framework = load_framework(path)
            known = (framework, framework_hash(framework))
            with self._frameworks_lock:
                self._frameworks[key] = known
                while len(self._frameworks) > KEEP_FRAMEWORKS:
                    self._frameworks.pop(next(iter(self._frameworks)))
        return known

    def report(self, skills_file: Path | None = None, progress: ProgressCallback | None = None,
               recompute: bool = False) -> GapReport:
        """The report of the framework against the library as it is now: shared when already computed, else computed.

        The index is synced first only when the library changed since its last sync. Every stage
        reports its progress, and the report's `timings` say how long each took when it was computed.
        `recompute` computes it again even when a report for the same inputs exists.
        """
        clock = StageClock(progress)
        for _ in range(2):  # a second time only when the index or the library changed while it was read
            current = self.index.current(progress=clock)
            # Read after the index is current: in a git library the framework file comes with the pull.
            framework, digest = self._framework(skills_file)
            if self.reports is None:
                report = self._compute(framework, current, clock)
            else:
                key = report_key(report_inputs(
                    library_revision=current.revision, index_state=current.state, framework=framework,
                    framework_digest=digest or None, params=self.params,
                    settings=self.settings, embedder=self.index.embedder, today=self.today or date.today(),
                    extra=self.extra_inputs() if self.extra_inputs else None,
                ))
                if recompute:
                    self.reports.forget(key)
                with self.reports.computing(key):
                    report = self.reports.get(key)
                    if report is None:
                        report = self._compute(framework, current, clock)
                        if report is not None:
                            self.reports.put(key, report)
            if report is not None:
                return report
        raise IndexChanging(f"the index at {self.index.location} kept changing while it was read; try again")

    def _compute(self, framework: SkillsFramework, current, clock: StageClock) -> GapReport | None:
        """Read the chunks' vectors (cached, else from the index) and score the framework; None if the library moved on."""
        scan = current.scan(progress=clock)  # read only now when the freshness check did not need it
        if scan is None:
            return None
        chunks = sorted(scan.chunks, key=lambda chunk: (chunk.path, chunk.position))
        vectors = self.index.vectors_of(chunks, progress=clock.steps("reading vectors"))
        if vectors is None:
            return None
        with clock.stage("aligning"):
            view = LibraryView.align(scan.modules, chunks, vectors)
        report = self.analyse(framework, view, progress=clock)
        if self.on_computed is not None:
            self.on_computed(report)
        return report

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
            from workbench.gaps.lexical import LexicalModel

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
        if self._governance is None:
            return explain_gap(result, skill, self.index, llm, prompt)
        route = self._governance().route("gap_explanations", actor)
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
