"""Module drafts: the schema the LLM fills in and reviewers sign off."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from workbench.domain.assessment import Assessment
from workbench.domain.library import BloomLevel, Level


class Objective(BaseModel):
    """A measurable learning objective."""

    id: str = Field(description="Objective id, e.g. 'o1'")
    text: str
    bloom_level: BloomLevel
    verb: str = Field(description="The measurable verb, e.g. 'apply'")


class Section(BaseModel):
    """A section of the module with the library chunks it relies on."""

    id: str = Field(description="Section id, e.g. 's1'")
    heading: str
    body: str = Field(description="Markdown body")
    citations: list[str] = Field(default_factory=list, description="Chunk ids of the reference passages used")


class Activity(BaseModel):
    """A practice activity."""

    title: str
    instructions: str
    objective_ids: list[str] = Field(default_factory=list)


class TouchpointKind(StrEnum):
    """Ways people, not content, help learning stick."""

    COACHING = "coaching"
    WORKSHOP = "workshop"
    MENTORING = "mentoring"
    PEER_LEARNING = "peer_learning"


class HumanTouchpoint(BaseModel):
    """A suggestion for learning with other people."""

    kind: TouchpointKind
    description: str


class GlossaryEntry(BaseModel):
    """A term and its definition."""

    term: str
    definition: str


class ModuleDraft(BaseModel):
    """A drafted training module."""

    title: str
    summary: str
    audience: str
    level: Level
    duration_minutes: int = Field(ge=1, le=600)
    locale: str = "en"
    skill_ids: list[str] = Field(default_factory=list)
    prerequisites: list[str] = Field(default_factory=list, description="Ids of existing library modules to take first")
    objectives: list[Objective]
    sections: list[Section]
    activities: list[Activity] = Field(default_factory=list)
    key_takeaways: list[str] = Field(default_factory=list)
    human_touchpoints: list[HumanTouchpoint] = Field(default_factory=list)
    glossary: list[GlossaryEntry] = Field(default_factory=list)


class Brief(BaseModel):
    """What the instructional designer asks for."""

    topic: str
    skill_ids: list[str] = Field(default_factory=list)
    audience: str = "all employees"
    level: Level = Level.FOUNDATION
    duration_minutes: int = Field(default=30, ge=5, le=600)
    locale: str = "en-GB"
    cultural_context: str = ""
    tone: str = "practical and friendly"
    must_include: list[str] = Field(default_factory=list)
    prefer_sources: list[str] = Field(default_factory=list, description="Module ids or paths to prefer")
    avoid_sources: list[str] = Field(default_factory=list, description="Module ids or paths to leave out")
    question_count: int = Field(default=5, ge=1, le=50)


class PromptUse(BaseModel):
    """Which prompt file produced part of a draft."""

    name: str
    version: int
    sha256: str


class WithheldPassage(BaseModel):
    """A library passage kept out of a prompt because its module is classified above the endpoint's level."""

    chunk_id: str
    module_id: str
    path: str
    classification: str
    endpoint: str
    reason: str


class Provenance(BaseModel):
    """Everything needed to tell how a draft came to be."""

    brief: Brief
    retrieved_chunk_ids: list[str] = Field(default_factory=list)
    prompts: list[PromptUse] = Field(default_factory=list)
    provider: str = ""
    model: str = ""
    parameters: dict = Field(default_factory=dict)
    prompt_tokens: int = 0
    completion_tokens: int = 0
    grounded: bool = True  # False when the library gave nothing to ground the draft on
    withheld: list[WithheldPassage] = Field(default_factory=list)  # passages governance kept from the endpoint
    endpoint: str = ""  # the governed endpoint the draft was written through


def assessment_title_for(module_title: str) -> str:
    """The title a drafted assessment gets from its module's title."""
    return f"{module_title}: check your understanding"


def assessment_title_after_rename(assessment_title: str, old_module_title: str, new_module_title: str) -> str:
    """The assessment title once its module is renamed: the old module title in it becomes the new one.

    A title that never named the module (typed by hand, or imported) is kept as it is.
    """
    if not assessment_title.strip():
        return assessment_title_for(new_module_title)
    if old_module_title and old_module_title in assessment_title:
        return assessment_title.replace(old_module_title, new_module_title, 1)
    return assessment_title


class DraftContent(BaseModel):
    """The whole content under review: module, assessment and provenance."""

    module: ModuleDraft
    assessment: Assessment
    provenance: Provenance
