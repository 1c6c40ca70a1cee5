"""Skills frameworks: what the organisation needs people to be able to do."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from workbench.domain.library import Level


class Priority(StrEnum):
    """How much the organisation needs a skill."""

    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class DemandSignal(StrEnum):
    """Where demand for a skill is heading."""

    RISING = "rising"
    STABLE = "stable"
    DECLINING = "declining"


PRIORITY_WEIGHT = {Priority.CRITICAL: 1.0, Priority.HIGH: 0.75, Priority.MEDIUM: 0.5, Priority.LOW: 0.25}


@dataclass(frozen=True)
class Skill:
    """One skill of a framework."""

    id: str
    name: str
    description: str = ""
    level: Level | None = None
    priority: Priority = Priority.MEDIUM
    demand_signal: DemandSignal | None = None
    demand_source: str = ""  # "market trend" or "internal performance data"
    demand_note: str = ""
    roles: tuple[str, ...] = ()
    aliases: tuple[str, ...] = ()
    group: str = ""


@dataclass(frozen=True)
class SkillsFramework:
    """A named list of skills, plus what the loader noticed while reading it."""

    id: str
    name: str
    skills: tuple[Skill, ...]
    source_path: str = ""
    warnings: tuple[str, ...] = ()

    def get(self, skill_id: str) -> Skill | None:
        """The skill with this id, or None."""
        for skill in self.skills:
            if skill.id == skill_id:
                return skill
        return None
