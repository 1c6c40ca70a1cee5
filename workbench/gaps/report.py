"""The gap report: per-skill results, near-duplicate modules and orphans, with JSON and CSV shapes."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from review.spreadsheet import formula_safe
from workbench.domain.skills import SkillsFramework


@dataclass(frozen=True)
class Evidence:
    """A module (and its best chunk) that teaches a skill, with how strongly (0..1)."""

    module_id: str
    path: str
    heading: str
    score: float
    chunk_id: str
    declared: bool = False

    def to_json(self) -> dict[str, Any]:
        """The evidence object of the JSON report."""
        return {
            "module_id": self.module_id,
            "path": self.path,
            "heading": self.heading,
            "score": round(self.score, 4),
            "chunk_id": self.chunk_id,
        }


@dataclass(frozen=True)
class Passage:
    """One passage (chunk) of a module, as a pointer a person can open."""

    chunk_id: str
    heading: str
    score: float  # how closely it matches the skill, 0..1 (whatever else it is about)

    def to_json(self) -> dict[str, Any]:
        """The passage as JSON."""
        return {"chunk_id": self.chunk_id, "heading": self.heading, "score": round(self.score, 4)}


@dataclass(frozen=True)
class TeachingModule:
    """A module that teaches a skill (or a part of it): how, how much, and where."""

    module_id: str
    path: str
    title: str
    strength: float  # how strongly it teaches the skill, 0..1
    share: float  # share of the module's text in sections about the skill, 0..1
    main_topic: bool  # the skill is what the whole module is about
    section: str | None  # heading of a section dedicated to the skill, if that is how it teaches it
    declared: bool  # the module's front matter names the skill
    passages: list[Passage]

    def to_json(self) -> dict[str, Any]:
        """The taught_by object of the JSON report."""
        return {
            "module_id": self.module_id,
            "path": self.path,
            "title": self.title,
            "strength": round(self.strength, 4),
            "share": round(self.share, 4),
            "main_topic": self.main_topic,
            "section": self.section,
            "declared": self.declared,
            "passages": [passage.to_json() for passage in self.passages],
        }


@dataclass(frozen=True)
class Mention:
    """A module that only mentions a skill: one passage about it inside a module about something else."""

    module_id: str
    path: str
    title: str
    passage: Passage
    module_about: str | None  # name of the skill the module is mainly about, if any

    def to_json(self) -> dict[str, Any]:
        """The mentioned_in object of the JSON report."""
        return {
            "module_id": self.module_id,
            "path": self.path,
            "title": self.title,
            "passage": self.passage.to_json(),
            "module_about": self.module_about,
        }


@dataclass(frozen=True)
class SkillGap:
    """What the library offers for one skill of the framework."""

    skill_id: str
    skill_name: str
    status: str  # covered | partial | gap | stale
    coverage: float  # 0..1, higher = better covered
    priority: str
    level_match: str  # match | too_low | too_high | unknown
    evidence: list[Evidence]
    reasons: list[str]
    group: str = ""
    needed_level: str | None = None
    taught_levels: list[str] = field(default_factory=list)
    has_assessment: bool = False
    last_reviewed: date | None = None
    demand: str | None = None
    rank: int = 0
    taught_by: list[TeachingModule] = field(default_factory=list)
    mentioned_in: list[Mention] = field(default_factory=list)
    mention_count: int = 0  # modules that mention it (mentioned_in lists the first few)
    why: str = ""  # one sentence: why the status is what it is
    demand_figures: dict[str, Any] | None = None  # trend, proficiency, mastery and the rank score (gaps/demand.py)

    def to_json(self) -> dict[str, Any]:
        """The per-skill object of the JSON report."""
        return {
            "skill_id": self.skill_id,
            "skill_name": self.skill_name,
            "status": self.status,
            "coverage": round(self.coverage, 4),
            "priority": self.priority,
            "level_match": self.level_match,
            "evidence": [item.to_json() for item in self.evidence],
            "reasons": list(self.reasons),
            "rank": self.rank,
            "group": self.group,
            "needed_level": self.needed_level,
            "taught_levels": list(self.taught_levels),
            "has_assessment": self.has_assessment,
            "last_reviewed": self.last_reviewed.isoformat() if self.last_reviewed else None,
            "demand": self.demand,
            "taught_by": [item.to_json() for item in self.taught_by],
            "mentioned_in": [item.to_json() for item in self.mentioned_in],
            "mention_count": self.mention_count,
            "why": self.why,
            "demand_figures": self.demand_figures,
        }


@dataclass(frozen=True)
class DuplicatePair:
    """Two modules whose text is nearly the same."""

    module_a: str
    path_a: str
    module_b: str
    path_b: str
    similarity: float

    def to_json(self) -> dict[str, Any]:
        """The pair as JSON."""
        return {
            "modules": [self.module_a, self.module_b],
            "paths": [self.path_a, self.path_b],
            "similarity": round(self.similarity, 4),
        }


@dataclass(frozen=True)
class Orphan:
    """A module that teaches no skill of the framework."""

    module_id: str
    path: str
    title: str


@dataclass
class GapReport:
    """Gap detection for one framework against one library."""

    framework: SkillsFramework
    skills: list[SkillGap]
    near_duplicates: list[DuplicatePair] = field(default_factory=list)
    orphan_modules: list[Orphan] = field(default_factory=list)
    stale_modules: list[str] = field(default_factory=list)
    module_count: int = 0
    chunk_count: int = 0
    warnings: list[str] = field(default_factory=list)
    # Each module's level as its front matter gives it ("unspecified" without one): the heatmap's columns.
    module_levels: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict, compare=False)  # seconds per stage of building it

    @property
    def orphans(self) -> list[str]:
        """Ids of the modules that teach no skill of the framework."""
        return [orphan.module_id for orphan in self.orphan_modules]

    def to_json(self) -> list[dict[str, Any]]:
        """One object per skill, sorted by gap rank (the `workbench gaps --format json` output)."""
        return [skill.to_json() for skill in self.skills]

    def library_json(self) -> dict[str, Any]:
        """Library-wide findings: near-duplicate pairs, orphan modules and stale modules."""
        return {
            "near_duplicates": [pair.to_json() for pair in self.near_duplicates],
            "orphans": [{"module_id": o.module_id, "path": o.path, "title": o.title} for o in self.orphan_modules],
            "stale_modules": list(self.stale_modules),
        }

    def counts(self) -> dict[str, int]:
        """Number of skills per status."""
        counts = {"covered": 0, "partial": 0, "stale": 0, "gap": 0}
        for skill in self.skills:
            counts[skill.status] = counts.get(skill.status, 0) + 1
        return counts

    def to_csv(self) -> str:
        """One row per skill: the JSON fields flattened (evidence as 'module_id (score)' joined by '|')."""
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["rank", "skill_id", "skill_name", "status", "coverage", "priority", "level_match",
                         "has_assessment", "last_reviewed", "evidence", "taught_by", "mentioned_in", "why", "reasons",
                         "trend_change", "recent_volume", "share_below_target", "mastery", "mastery_attempts", "rank_score"])
        for skill in self.skills:
            # Skill names and module titles come from files anyone can edit.
            writer.writerow([formula_safe(cell) for cell in [
                skill.rank, skill.skill_id, skill.skill_name, skill.status, f"{skill.coverage:.4f}", skill.priority,
                skill.level_match, "yes" if skill.has_assessment else "no",
                skill.last_reviewed.isoformat() if skill.last_reviewed else "",
                " | ".join(f"{item.module_id} ({item.score:.2f})" for item in skill.evidence),
                " | ".join(f"{item.module_id} ({item.share:.0%})" for item in skill.taught_by),
                " | ".join(item.module_id for item in skill.mentioned_in),
                skill.why,
                " | ".join(skill.reasons),
                *_demand_cells(skill.demand_figures or {}),
            ]])
        return buffer.getvalue()


def _demand_cells(figures: dict[str, Any]) -> list[Any]:
    """The demand columns of the CSV report (empty where a signal is missing)."""
    trend, rated, mastery = figures.get("trend") or {}, figures.get("proficiency") or {}, figures.get("mastery") or {}
    return [trend.get("change", ""), trend.get("recent_volume", ""), rated.get("share_below_target", ""),
            mastery.get("share_correct", ""), mastery.get("attempts", ""), figures.get("rank_score", "")]
