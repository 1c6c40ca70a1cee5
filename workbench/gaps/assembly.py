"""Turning teaching scores into per-skill results a lead can check: status, who teaches, who only mentions, why."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

import numpy as np

from workbench.domain.gaps import (
    GapParameters,
    GapStatus,
    LevelMatch,
    bloom_levels_in_objectives,
    decide_status,
    is_stale,
    level_from_bloom,
    level_match,
)
from workbench.domain.library import Level
from workbench.domain.skills import Skill, SkillsFramework
from workbench.domain.teaching import TeachingScores, combine_teaching
from workbench.gaps.demand import DemandInputs, SkillDemand, skill_demands
from workbench.gaps.report import DuplicatePair, Evidence, GapReport, Mention, Orphan, Passage, SkillGap, TeachingModule
from workbench.gaps.view import LibraryView

log = logging.getLogger(__name__)

MAX_EVIDENCE = 5
MAX_TEACHING = 10  # modules listed under taught_by (a broad skill may be taught in many parts)
MAX_MENTIONS = 5  # modules listed under mentioned_in (mention_count has them all)
PASSAGES_PER_MODULE = 2
# Below three skills, one skill's matches can be half of all (skill, module) pairs, and a median of the
# pairs no longer describes unrelated text.
MIN_COMPETING_SKILLS = 3
QUIZ_HEADING = re.compile(r"\b(assessment|knowledge check|quiz)\b", re.IGNORECASE)
OBJECTIVES_HEADING = re.compile(r"objective", re.IGNORECASE)


def rank_tier(result: SkillGap) -> int:
    """Gaps first, then skills mentioned but taught by none, then stale, partial and covered ones."""
    status = GapStatus(result.status)
    if status is GapStatus.GAP:
        return 0
    if status is GapStatus.PARTIAL and not result.taught_by:
        return 1
    return {GapStatus.STALE: 2, GapStatus.PARTIAL: 3, GapStatus.COVERED: 4}[status]


class ReportAssembler:
    """Builds the gap report of one framework against one library from its teaching scores."""

    def __init__(self, framework: SkillsFramework, view: LibraryView, scores: TeachingScores, rows: np.ndarray,
                 declared: np.ndarray, section_headings: list[str], duplicates: list[tuple[int, int, float]], *,
                 params: GapParameters, today: date, stale_after_days: int, library_dir: Path,
                 demand: DemandInputs | None = None) -> None:
        self.framework, self.view, self.scores = framework, view, scores
        self.demand: dict[str, SkillDemand] = skill_demands(framework.skills, demand or DemandInputs())
        self.rows = rows  # skill -> row of the scores (skills worded identically share one)
        self.declared = declared  # skills x modules: each skill's own front matter declarations
        self.row_names: dict[int, str] = {}
        for position, row in enumerate(rows.tolist()):
            self.row_names.setdefault(row, framework.skills[position].name)
        self.headings = section_headings
        self.duplicates = duplicates
        self.params = params
        self.today = today
        self.stale_after_days = stale_after_days
        modules = view.modules
        self.reviewed = [module.last_reviewed or module.modified for module in modules]
        self.stale = np.array([is_stale(day, today, stale_after_days) for day in self.reviewed], dtype=bool)
        self.objectives: dict[int, list[str]] = {}
        self.quiz_modules: set[str] = set()
        quiz, objectives = _memo(QUIZ_HEADING.search), _memo(OBJECTIVES_HEADING.search)  # headings repeat a lot
        for chunk, position in zip(view.chunks, view.chunk_module.tolist()):
            inner = chunk.heading_path[1:] or chunk.heading_path  # the first heading is usually the title
            if any(quiz(heading) for heading in inner):
                self.quiz_modules.add(modules[position].id)
            if any(objectives(heading) for heading in chunk.heading_path):
                self.objectives.setdefault(position, []).append(chunk.text)
        self.levels = [self._module_level(i) for i in range(len(modules))]
        self.bank_skills, self.bank_modules = _assessment_links(library_dir)

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
        results = [self._skill(int(self.rows[i]), i, skill) for i, skill in enumerate(self.framework.skills)]

        def rank_key(result: SkillGap):
            # Within a tier: priority x demand (gaps/demand.py), then the less covered first.
            return (rank_tier(result), -round(self.demand[result.skill_id].rank_score, 9), result.coverage, result.skill_id)

        results.sort(key=rank_key)
        ranked = [replace(result, rank=rank) for rank, result in enumerate(results, start=1)]
        modules = self.view.modules
        return GapReport(
            framework=self.framework,
            skills=ranked,
            near_duplicates=[DuplicatePair(modules[i].id, modules[i].path, modules[j].id, modules[j].path, score)
                             for i, j, score in self.duplicates],
            orphan_modules=self._orphans(),
            stale_modules=[modules[i].id for i in np.flatnonzero(self.stale)],
            module_count=len(modules),
            chunk_count=len(self.view.chunks),
            warnings=list(self.framework.warnings) + self._method_warnings(),
            module_levels={module.id: module.level.value if module.level else "unspecified" for module in modules},
        )

    # -- one skill -----------------------------------------------------------------------------

    def _skill(self, row: int, position: int, skill: Skill) -> SkillGap:
        """One skill's result: status, modules that teach it, modules that only mention it, reasons and why."""
        params, scores, modules = self.params, self.scores, self.view.modules
        teachers = [int(m) for m in scores.teaching_modules(row, params.partial_at)] if modules else []
        coverage = float(scores.coverage[row]) if modules else 0.0
        fresh = [m for m in teachers if not self.stale[m]]
        fresh_coverage = float(combine_teaching(scores.teach[row:row + 1, fresh], params.partial_at)[0]) if fresh else 0.0
        strong = [m for m in teachers if scores.teach[row, m] >= params.covered_at] or teachers
        taught = [self.levels[m] for m in strong]
        match = level_match(skill.level, taught)
        mentions = self._mentions(row, set(teachers))
        status = decide_status(coverage, fresh_coverage, match, bool(mentions), params)
        teacher_ids = {modules[m].id for m in teachers}
        has_assessment = bool(skill.id in self.bank_skills or teacher_ids & (self.quiz_modules | self.bank_modules))
        dates = [self.reviewed[m] for m in teachers if self.reviewed[m] is not None]
        declared = self.declared[position]
        taught_by = [self._teaching(row, m, declared) for m in teachers[:MAX_TEACHING]]
        mentioned_in = [self._mention(row, m) for m in mentions[:MAX_MENTIONS]]
        context = _SkillContext(skill, status, teachers, strong, match, taught, mentions, has_assessment,
                                coverage, fresh_coverage, declared)
        return SkillGap(
            skill_id=skill.id,
            skill_name=skill.name,
            status=status.value,
            coverage=coverage,
            priority=skill.priority.value,
            level_match=match.value,
            evidence=[self._evidence(row, m, declared) for m in teachers[:MAX_EVIDENCE]],
            reasons=self._reasons(row, context),
            group=skill.group,
            needed_level=skill.level.value if skill.level else None,
            taught_levels=sorted({level.value for level in taught if level is not None}),
            has_assessment=has_assessment,
            last_reviewed=max(dates) if dates else None,
            demand=skill.demand_signal.value if skill.demand_signal else None,
            taught_by=taught_by,
            mentioned_in=mentioned_in,
            mention_count=len(mentions),
            why=self._why(row, context),
            demand_figures=self.demand[skill.id].as_dict(),
        )

    def _mentions(self, row: int, teachers: set[int]) -> list[int]:
        """Modules with a passage about the skill that do not teach it, strongest passage first."""
        mention = self.scores.mention[row]
        found = [int(m) for m in np.flatnonzero(mention >= self.params.covered_at) if int(m) not in teachers]
        return sorted(found, key=lambda m: -float(mention[m]))

    def _passage(self, row: int, chunk_index: int) -> Passage:
        chunk = self.view.chunks[chunk_index]
        return Passage(chunk.id, chunk.heading, self.scores.passage_match(row, chunk_index))

    def _teaching(self, row: int, m: int, declared: np.ndarray) -> TeachingModule:
        """How module m teaches skill `row`: strength, share of its text, main topic or a dedicated section."""
        scores, module = self.scores, self.view.modules[m]
        section = scores.dedicated_section(row, m)
        dedicated = section is not None and scores.dedicated[row, m] >= self.params.partial_at
        return TeachingModule(
            module_id=module.id,
            path=module.path,
            title=module.title,
            strength=float(scores.teach[row, m]),
            share=float(scores.portion[row, m]),
            main_topic=bool(scores.topic[row, m] >= self.params.covered_at),
            section=self.headings[section] if dedicated and self.headings[section] else None,
            declared=bool(declared[m]),
            passages=[self._passage(row, c) for c in scores.best_passages(row, m, PASSAGES_PER_MODULE)],
        )

    def _mention(self, row: int, m: int) -> Mention:
        """Module m as a mere mention of skill `row`: its passage about the skill and what the module is about."""
        module = self.view.modules[m]
        chunk = self.scores.mention_passage(row, m)
        return Mention(module.id, module.path, module.title, self._passage(row, chunk), self._module_about(m))

    def _module_about(self, m: int) -> str | None:
        """Name of the skill module m is mainly about, if one clearly is."""
        if not len(self.framework.skills):
            return None
        winner = int(np.argmax(self.scores.module_calibrated[:, m]))
        if self.scores.topic[winner, m] >= self.params.covered_at:
            return self.row_names.get(winner)
        return None

    def _evidence(self, row: int, m: int, declared: np.ndarray) -> Evidence:
        """Module m as evidence for skill `row`, pointing at its best passage."""
        module = self.view.modules[m]
        passages = self.scores.best_passages(row, m, 1)
        chunk = self.view.chunks[passages[0]] if passages else None
        return Evidence(module.id, module.path, chunk.heading if chunk else module.title,
                        float(self.scores.teach[row, m]), chunk.id if chunk else "", bool(declared[m]))

    # -- explanations ----------------------------------------------------------------------------

    def _reasons(self, row: int, c: "_SkillContext") -> list[str]:
        """Plain-language reasons a person can check against taught_by and mentioned_in."""
        modules, reasons = self.view.modules, []
        if c.status is GapStatus.GAP:
            reasons.append(self._gap_reason(row))
        elif not c.teachers:
            reasons.append(_mention_sentence(c.mentions, modules, len(c.mentions)))
        else:
            best = modules[c.teachers[0]]
            reasons.append(f"taught by {len(c.teachers)} module(s); strongest: {best.title!r} ({best.path}, "
                           f"strength {self.scores.teach[row, c.teachers[0]]:.2f})")
            declared = [modules[m].path for m in c.teachers if c.declared[m]]
            if declared:
                reasons.append("declared in the front matter of " + ", ".join(declared[:3]))
            if c.mentions:
                reasons.append(f"also mentioned in passing in {len(c.mentions)} other module(s)")
        if c.status is GapStatus.STALE:
            old = [f"{modules[m].path} ({self.reviewed[m]})" for m in c.teachers if self.stale[m]][:3]
            reasons.append(f"every module teaching it was last reviewed more than {self.stale_after_days} days ago: "
                           + ", ".join(old))
        elif c.teachers:
            old = [modules[m].path for m in c.teachers if self.stale[m]]
            if old:
                reasons.append("also taught by stale module(s): " + ", ".join(old[:3]))
        if c.match in (LevelMatch.TOO_LOW, LevelMatch.TOO_HIGH):
            levels = ", ".join(sorted({level.value for level in c.taught if level}))
            reasons.append(f"needed at {c.skill.level.value} level; taught only at {levels}")
        if c.teachers and not c.has_assessment:
            reasons.append("no assessment (quiz section or question bank) found for it")
        reasons.extend(self.demand[c.skill.id].reasons)  # trend, proficiency gap, mastery (or the framework's label)
        return reasons

    def _why(self, row: int, c: "_SkillContext") -> str:
        """One sentence saying why the status is what it is."""
        modules, scores, params = self.view.modules, self.scores, self.params
        if c.status is GapStatus.GAP:
            return self._gap_reason(row)
        if not c.teachers:
            return _mention_sentence(c.mentions, modules, len(c.mentions))
        best = c.teachers[0]
        how = self._how(row, best, c.declared)
        if c.status is GapStatus.STALE:
            return (f"it is taught ({how}) only by modules last reviewed more than {self.stale_after_days} days ago")
        if c.match is LevelMatch.TOO_LOW and c.status is GapStatus.PARTIAL:
            levels = ", ".join(sorted({level.value for level in c.taught if level}))
            return f"{how}, but only at {levels} level while {c.skill.level.value} is needed"
        if c.status is GapStatus.COVERED:
            if scores.teach[row, best] < params.covered_at:
                names = ", ".join(repr(modules[m].title) for m in c.teachers[:3])
                return f"taught in parts by {len(c.teachers)} modules ({names}), together enough to cover it"
            more = len(c.teachers) - 1
            return how + (f"; {more} more module(s) teach it too" if more else "")
        if c.coverage >= params.covered_at:
            return f"{how}, but the modules that teach it well are overdue for review"
        return f"only partly taught: {how}"

    def _how(self, row: int, m: int, declared: np.ndarray) -> str:
        """How module m teaches skill `row`, as a clause: by whichever of topic, section and share is strongest."""
        scores, module = self.scores, self.view.modules[m]
        name = f"{module.title!r} ({module.path})"
        if declared[m] and scores.teach[row, m] >= self.params.covered_at:
            return f"{name} declares it and its content matches"
        topic, portion, dedicated = (float(scores.topic[row, m]), float(scores.portion[row, m]),
                                     float(scores.dedicated[row, m]))
        section = scores.dedicated_section(row, m)
        if dedicated > max(topic, portion) and section is not None and self.headings[section]:
            return f"{name} has a section on it, {self.headings[section]!r}"
        if portion > topic:
            return f"{portion:.0%} of {name} is about it"
        if topic >= self.params.covered_at:
            return f"{name} is mainly about it"
        return f"{name} is partly about it (another skill of the framework explains it about as well)"

    def _gap_reason(self, row: int) -> str:
        """Why a skill counts as a gap: nothing close, or its closest module is about another skill."""
        calibrated = self.scores.module_calibrated
        if calibrated.shape[1] == 0 or not np.isfinite(calibrated[row]).any():
            return "the library has no indexed content"
        closest = int(np.argmax(calibrated[row]))
        module = self.view.modules[closest]
        about = self._module_about(closest)
        if about is not None and about != self.row_names.get(row):
            return (f"no module teaches or mentions it; the closest, {module.title!r} ({module.path}), "
                    f"is about {about!r}")
        return f"no module teaches or mentions it; the closest, {module.title!r} ({module.path}), matches only weakly"

    def _method_warnings(self) -> list[str]:
        """What the reader should know about the method on this framework and library."""
        distinct = len(set(self.rows.tolist()))
        if 0 < distinct < MIN_COMPETING_SKILLS and len(self.view.modules):
            return [f"the framework has only {distinct} distinct skill(s): too few for skills to compete for modules, "
                    "so a module counts as teaching one only when its match stands out from the rest of the library; "
                    "in a library this small a taught skill can come out as a gap"]
        return []

    def _orphans(self) -> list[Orphan]:
        """Modules that neither declare nor teach any skill of the framework."""
        teach = self.scores.teach
        orphans = []
        for m, module in enumerate(self.view.modules):
            teaches = teach.shape[0] and float(teach[:, m].max()) >= self.params.partial_at
            if not teaches and not self.declared[:, m].any():
                orphans.append(Orphan(module.id, module.path, module.title))
        return orphans


@dataclass(frozen=True)
class _SkillContext:
    """What one skill's status was decided from, passed to the explanations."""

    skill: Skill
    status: GapStatus
    teachers: list[int]  # modules teaching it, strongest first
    strong: list[int]  # those teaching it at the covered cut-off (else all teachers)
    match: LevelMatch
    taught: list[Level | None]  # levels of the strong teachers
    mentions: list[int]  # modules only mentioning it, strongest passage first
    has_assessment: bool
    coverage: float
    fresh_coverage: float
    declared: np.ndarray  # modules whose front matter names the skill


def _memo(test):
    """A heading test that remembers its answer per heading."""
    answers: dict[str, bool] = {}

    def cached(heading: str) -> bool:
        if heading not in answers:
            answers[heading] = bool(test(heading))
        return answers[heading]

    return cached


def _mention_sentence(mentions: list[int], modules, count: int) -> str:
    """'mentioned in N modules (...), taught by none'."""
    names = ", ".join(f"{modules[m].title!r}" for m in mentions[:3])
    more = f" and {count - 3} more" if count > 3 else ""
    return f"mentioned in {count} module(s) ({names}{more}), taught by none"


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
