"""Turn the model's replies into the domain's draft: ids, brief fields and prerequisites filled in."""

from __future__ import annotations

import unicodedata
from typing import Any, Iterable

from pydantic import BaseModel

from workbench.domain.assessment import Assessment, Item, ItemType, Option
from workbench.domain.drafts import (
    Activity,
    Brief,
    DraftContent,
    assessment_title_for,
    GlossaryEntry,
    HumanTouchpoint,
    ModuleDraft,
    Objective,
    Provenance,
    Section,
)
from workbench.library.draft_file import draft_module_id


def clean_text(text: str, *, multiline: bool = False) -> str:
    """Model text without control characters (NUL and the like), trimmed; one line unless multiline."""
    def keep(char: str) -> str:
        if unicodedata.category(char) != "Cc":
            return char
        if char in "\n\t":
            return char if multiline else " "
        return " " if char == "\r" and not multiline else ""

    kept = "".join(keep(char) for char in text)
    return kept.strip() if multiline else " ".join(kept.split())


def option_id(index: int) -> str:
    """Option ids a, b, c, ... (then o27, o28 for absurdly long lists)."""
    return chr(ord("a") + index) if index < 26 else f"o{index + 1}"


def next_id(prefix: str, existing: Iterable[str]) -> str:
    """The first free id of the form prefixN."""
    taken = set(existing)
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


def section_from_reply(reply: BaseModel, section_id: str) -> Section:
    """A domain section from a section reply."""
    return Section(id=section_id, heading=clean_text(reply.heading), body=clean_text(reply.body, multiline=True), citations=list(reply.citations))


def item_from_reply(reply: BaseModel, item_id: str) -> Item:
    """A domain item from an item reply; option ids are assigned in order."""
    options = [
        Option(id=option_id(index), text=clean_text(option.text), correct=option.correct, feedback=clean_text(option.feedback))
        for index, option in enumerate(reply.options)
    ]
    if reply.type == ItemType.SHORT_ANSWER:
        # Every option of a short-answer item is an accepted answer.
        options = [option.model_copy(update={"correct": True}) for option in options]
    return Item(
        id=item_id,
        type=reply.type,
        stem=clean_text(reply.stem, multiline=True),
        options=options,
        rationale=clean_text(reply.rationale),
        citations=list(reply.citations),
        objective_id=str(reply.objective),
        bloom_level=reply.bloom_level,
        difficulty=reply.difficulty,
    )


def module_from_reply(reply: BaseModel, brief: Brief, prerequisites: list[str]) -> ModuleDraft:
    """A domain module from a module reply plus the brief's fixed fields."""
    objectives = [
        Objective(id=f"o{number}", text=clean_text(objective.text), bloom_level=objective.bloom_level, verb=clean_text(objective.verb).lower())
        for number, objective in enumerate(reply.objectives, start=1)
    ]
    sections = [section_from_reply(section, f"s{number}") for number, section in enumerate(reply.sections, start=1)]
    objective_ids = [objective.id for objective in objectives]
    activities = [
        # A small model cannot be trusted to link activities; link each to every objective for the reviewer to trim.
        Activity(title=clean_text(activity.title), instructions=clean_text(activity.instructions, multiline=True), objective_ids=list(objective_ids))
        for activity in reply.activities
    ]
    return ModuleDraft(
        title=clean_text(reply.title) or "Untitled draft",
        summary=clean_text(reply.summary),
        audience=brief.audience,
        level=brief.level,
        duration_minutes=brief.duration_minutes,
        locale=brief.locale,
        skill_ids=list(brief.skill_ids),
        prerequisites=list(prerequisites),
        objectives=objectives,
        sections=sections,
        activities=activities,
        key_takeaways=[clean_text(takeaway) for takeaway in reply.key_takeaways if clean_text(takeaway)],
        human_touchpoints=[HumanTouchpoint(kind=touchpoint.kind, description=clean_text(touchpoint.description)) for touchpoint in reply.human_touchpoints],
        glossary=[GlossaryEntry(term=clean_text(entry.term), definition=clean_text(entry.definition)) for entry in reply.glossary],
    )


def assessment_from_reply(reply: BaseModel, module: ModuleDraft) -> Assessment:
    """A domain assessment from an assessment reply."""
    items = [item_from_reply(item, f"q{number}") for number, item in enumerate(reply.items, start=1)]
    return Assessment(
        id=f"{draft_module_id(module.title)}-assessment",
        title=assessment_title_for(module.title),
        skill_ids=list(module.skill_ids),
        items=items,
    )


def draft_content(module: ModuleDraft, assessment: Assessment, provenance: Provenance) -> DraftContent:
    """The whole draft."""
    return DraftContent(module=module, assessment=assessment, provenance=provenance)


def content_from_dict(data: dict[str, Any]) -> DraftContent:
    """A stored draft's content as the domain model (raises pydantic's ValidationError when it is not one)."""
    return DraftContent.model_validate(data)
