"""What the model is asked to fill in: small output schemas, sized for the model that fills them.

The model writes only what needs writing (text, choices, citations). Ids, the brief's audience,
level, duration, locale, skills and prerequisites are filled in afterwards by `assemble`, so a
small model cannot get them wrong. The schemas are built per call: their size limits come from a
`DraftSize`, and the citation lists are constrained (in the JSON schema the model sees) to the ids
of the passages it was shown, while validation itself accepts any id so that a stray citation
becomes a finding rather than a silent fix.

Every field is required and fields are declared in alphabetical order, as are the few-shot
examples in the prompt files: a grammar built from the schema then asks for keys in the order the
examples show, whether or not the grammar builder sorts the keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, create_model

from workbench.domain.assessment import Difficulty, ItemType
from workbench.domain.drafts import TouchpointKind
from workbench.domain.library import BloomLevel


@dataclass(frozen=True)
class DraftSize:
    """How much the model writes in one draft (limits go into the JSON schema it must follow)."""

    objectives: int
    sections: int
    body_chars: int
    title_chars: int  # titles, headings, terms
    text_chars: int  # summaries, objectives, takeaways, definitions, touchpoints
    activities: int
    takeaways: int
    touchpoints: int
    glossary: int
    items: int
    options: int
    stem_chars: int
    option_chars: int
    feedback_chars: int
    rationale_chars: int
    passages: int
    passage_chars: int
    module_max_tokens: int
    assessment_max_tokens: int
    section_max_tokens: int
    item_max_tokens: int
    # One-line text without quotes, backslashes or control characters. A grammar built from the
    # schema then cannot emit raw newlines inside a string (invalid JSON) or whitespace-only text.
    plain_text: bool = False


# The embedded demo model is a 270M-parameter base model on a CPU: small outputs keep one draft
# within about a minute and give the grammar little room to wander.
DEMO_SIZE = DraftSize(
    objectives=2, sections=2, body_chars=240, title_chars=60, text_chars=90, activities=1, takeaways=2, touchpoints=1, glossary=1,
    items=2, options=3, stem_chars=100, option_chars=50, feedback_chars=50, rationale_chars=90,
    passages=3, passage_chars=500, module_max_tokens=760, assessment_max_tokens=580,
    section_max_tokens=200, item_max_tokens=300, plain_text=True,
)
CAPABLE_SIZE = DraftSize(
    objectives=5, sections=6, body_chars=2500, title_chars=120, text_chars=400, activities=3, takeaways=6, touchpoints=3, glossary=8,
    items=10, options=5, stem_chars=400, option_chars=200, feedback_chars=300, rationale_chars=500,
    passages=8, passage_chars=1500, module_max_tokens=4000, assessment_max_tokens=4000,
    section_max_tokens=1200, item_max_tokens=1000,
)

# WORKBENCH_DRAFT_SIZE: "auto" leaves the choice to the drafting service (demo for the demo model).
DRAFT_SIZES = {"demo": DEMO_SIZE, "capable": CAPABLE_SIZE}


_PLAIN_CHAR = r'[^"\\\x00-\x1f]'
_PLAIN_FIRST = r'[^"\\\x00-\x1f ]'


def _pattern(size: DraftSize, low: int, high: int) -> str | None:
    """The plain-text pattern for `low` to `high` characters, when the size asks for plain text."""
    if not size.plain_text:
        return None
    body = f"{_PLAIN_FIRST}{_PLAIN_CHAR}{{{max(low - 1, 0)},{high - 1}}}"
    return f"^({body})?$" if low == 0 else f"^{body}$"


def _text(size: DraftSize, low: int, high: int) -> tuple[Any, Any]:
    """A required text field of `low` to `high` characters (plain one-line text when the size asks for it)."""
    return (str, Field(min_length=low, max_length=high, pattern=_pattern(size, low, high)))


def _citations_field(chunk_ids: tuple[str, ...], max_items: int) -> Any:
    # The enum only shapes the schema the model sees; validation keeps accepting any string.
    extra: dict[str, Any] = {"items": {"type": "string", "enum": list(chunk_ids)}} if chunk_ids else {"maxItems": 0}
    return Field(max_length=max_items, json_schema_extra=extra, description="Ids of the reference passages used")


@lru_cache(maxsize=64)
def module_schema(size: DraftSize, chunk_ids: tuple[str, ...]) -> type[BaseModel]:
    """The schema of a module reply for this size and these passages."""
    objective = create_model(
        "ObjectiveOut",
        __doc__="A learning objective with one measurable verb.",
        bloom_level=(BloomLevel, ...),
        text=_text(size, 5, size.text_chars),
        verb=_text(size, 2, 30),
    )
    activity = create_model(
        "ActivityOut",
        __doc__="A practice activity.",
        instructions=_text(size, 5, size.text_chars),
        title=_text(size, 2, size.title_chars),
    )
    touchpoint = create_model(
        "TouchpointOut",
        __doc__="Learning with other people.",
        description=_text(size, 5, size.text_chars),
        kind=(TouchpointKind, ...),
    )
    glossary = create_model(
        "GlossaryOut",
        __doc__="A term and its definition.",
        definition=_text(size, 3, size.text_chars),
        term=_text(size, 1, size.title_chars),
    )
    takeaway = Annotated[str, StringConstraints(min_length=3, max_length=size.text_chars, pattern=_pattern(size, 3, size.text_chars))]
    return create_model(
        "ModuleReply",
        __doc__="A drafted training module.",
        activities=(list[activity], Field(max_length=size.activities)),  # type: ignore[valid-type]
        glossary=(list[glossary], Field(max_length=size.glossary)),  # type: ignore[valid-type]
        human_touchpoints=(list[touchpoint], Field(max_length=size.touchpoints)),  # type: ignore[valid-type]
        key_takeaways=(list[takeaway], Field(max_length=size.takeaways)),  # type: ignore[valid-type]
        objectives=(list[objective], Field(min_length=1, max_length=size.objectives)),  # type: ignore[valid-type]
        sections=(list[section_schema(size, chunk_ids)], Field(min_length=1, max_length=size.sections)),  # type: ignore[misc]
        summary=_text(size, 10, size.text_chars * 2),
        title=_text(size, 3, size.title_chars),
    )


@lru_cache(maxsize=64)
def section_schema(size: DraftSize, chunk_ids: tuple[str, ...]) -> type[BaseModel]:
    """The schema of one section (also the reply of a section regeneration)."""
    return create_model(
        "SectionReply",
        __doc__="A module section with the passages it relies on.",
        body=_text(size, 10, size.body_chars),
        citations=(list[str], _citations_field(chunk_ids, 3)),
        heading=_text(size, 2, size.title_chars),
    )


@lru_cache(maxsize=64)
def item_schema(size: DraftSize, chunk_ids: tuple[str, ...], objective_ids: tuple[str, ...]) -> type[BaseModel]:
    """The schema of one assessment item (also the reply of an item regeneration)."""
    option = create_model(
        "OptionOut",
        __doc__="An answer option with its feedback.",
        correct=(bool, ...),
        feedback=_text(size, 0, size.feedback_chars),
        text=_text(size, 1, size.option_chars),
    )
    # Like citations: the model sees the enum, validation accepts any id (a wrong one is a finding).
    objective_field: Any = Field(json_schema_extra={"enum": list(objective_ids)} if objective_ids else None)
    return create_model(
        "ItemReply",
        __doc__="An assessment question.",
        bloom_level=(BloomLevel, ...),
        citations=(list[str], _citations_field(chunk_ids, 2)),
        difficulty=(Difficulty, ...),
        objective=(str, objective_field),
        options=(list[option], Field(min_length=1, max_length=size.options)),  # type: ignore[valid-type]
        rationale=_text(size, 0, size.rationale_chars),
        stem=_text(size, 5, size.stem_chars),
        type=(ItemType, ...),
    )


@lru_cache(maxsize=64)
def assessment_schema(size: DraftSize, chunk_ids: tuple[str, ...], objective_ids: tuple[str, ...], items: int) -> type[BaseModel]:
    """The schema of an assessment reply: a list of items."""
    item = item_schema(size, chunk_ids, objective_ids)
    return create_model(
        "AssessmentReply",
        __doc__="Assessment questions for a module.",
        items=(list[item], Field(min_length=1, max_length=items)),  # type: ignore[valid-type]
    )


class CritiqueFinding(BaseModel):
    """One advisory finding of a critique."""

    location: str = Field(max_length=40)
    message: str = Field(max_length=300)
    severity: Literal["info", "warning", "error"]


class CritiqueReply(BaseModel):
    """Advisory findings along one review dimension."""

    findings: list[CritiqueFinding] = Field(max_length=8)
