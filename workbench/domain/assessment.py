"""Assessments: questions that test a module's objectives (drafted, imported or exported)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

from workbench.domain.library import BloomLevel


class ItemType(StrEnum):
    """Question types the workbench drafts, checks, imports and exports."""

    SINGLE_CHOICE = "single_choice"
    MULTIPLE_RESPONSE = "multiple_response"
    TRUE_FALSE = "true_false"
    SHORT_ANSWER = "short_answer"


class Difficulty(StrEnum):
    """How hard an item is meant to be."""

    EASY = "easy"
    MEDIUM = "medium"
    HARD = "hard"


class TextFormat(StrEnum):
    """How an item's text is to be read by an LMS."""

    MARKDOWN = "markdown"
    HTML = "html"
    PLAIN = "plain"


class Option(BaseModel):
    """One answer option; for short answer, one accepted answer."""

    id: str = Field(description="Short option id, e.g. 'a'")
    text: str
    correct: bool = False
    feedback: str = ""
    # Partial credit in percent for multiple response (e.g. 50, -100); None = derived from `correct`.
    weight: float | None = None


class Item(BaseModel):
    """One assessment question."""

    id: str = Field(description="Item id, e.g. 'q1'")
    type: ItemType
    stem: str
    options: list[Option] = Field(default_factory=list)
    rationale: str = ""
    citations: list[str] = Field(default_factory=list, description="Chunk ids that support the key")
    objective_id: str = ""
    bloom_level: BloomLevel | None = None
    difficulty: Difficulty = Difficulty.MEDIUM
    general_feedback: str = ""
    title: str = ""
    tags: list[str] = Field(default_factory=list)
    text_format: TextFormat = TextFormat.MARKDOWN

    @property
    def keys(self) -> list[Option]:
        """The options marked correct."""
        return [option for option in self.options if option.correct]


class Assessment(BaseModel):
    """A set of items, linked to a module and/or skills."""

    id: str
    title: str
    module_id: str | None = None
    skill_ids: list[str] = Field(default_factory=list)
    category: str = ""
    items: list[Item] = Field(default_factory=list)
