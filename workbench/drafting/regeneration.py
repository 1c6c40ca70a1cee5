"""What regenerating one part of a draft asks the model for, and where the reply goes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from pydantic import BaseModel

from workbench.domain.drafts import DraftContent
from workbench.drafting import assemble
from workbench.drafting.errors import DraftPartNotFound
from workbench.drafting.prompt_text import describe_brief, describe_item, describe_objectives, describe_outline
from workbench.drafting.schemas import DraftSize, item_schema, section_schema


@dataclass(frozen=True)
class RegenerationPart:
    """One part of a draft to regenerate: its prompt, what to retrieve for, the variables and the schema."""

    label: str  # "section s2", "item q3"
    prompt: str
    topic: str
    variables: dict[str, str]
    schema: Callable[[tuple[str, ...]], type]
    max_tokens: int
    apply: Callable[[BaseModel], None]  # puts the model's reply in place of the old part


def section_part(content: DraftContent, draft_id: int, section_id: str, size: DraftSize) -> RegenerationPart:
    """What to ask the model for one section, and where its reply goes."""
    sections = content.module.sections
    index = _position([s.id for s in sections], section_id, f"draft {draft_id} has no section")
    old, brief = sections[index], content.provenance.brief
    return RegenerationPart(
        label=f"section {section_id}", prompt="regenerate_section", topic=f"{old.heading}: {brief.topic}",
        variables={"brief": describe_brief(brief), "outline": describe_outline(content),
                   "section": f"Heading: {old.heading}\nBody: {old.body}"},
        schema=lambda chunk_ids: section_schema(size, chunk_ids), max_tokens=size.section_max_tokens,
        apply=lambda reply: sections.__setitem__(index, assemble.section_from_reply(reply, section_id)),
    )


def item_part(content: DraftContent, draft_id: int, item_id: str, size: DraftSize) -> RegenerationPart:
    """What to ask the model for one item (same objective), and where its reply goes."""
    items = content.assessment.items
    index = _position([i.id for i in items], item_id, f"draft {draft_id} has no item")
    old, brief = items[index], content.provenance.brief
    objective = next((o for o in content.module.objectives if o.id == old.objective_id), None)
    objective_ids = (objective.id,) if objective else tuple(o.id for o in content.module.objectives)
    return RegenerationPart(
        label=f"item {item_id}", prompt="regenerate_item",
        topic=f"{objective.text}: {brief.topic}" if objective else brief.topic,
        variables={"brief": describe_brief(brief), "item": describe_item(old),
                   "objective": f"{objective.id} ({objective.bloom_level.value}): {objective.text}" if objective
                   else describe_objectives(content.module)},
        schema=lambda chunk_ids: item_schema(size, chunk_ids, objective_ids), max_tokens=size.item_max_tokens,
        apply=lambda reply: items.__setitem__(index, assemble.item_from_reply(reply, item_id)),
    )


def _position(ids: Sequence[str], wanted: str, missing: str) -> int:
    """Where `wanted` stands among the ids; DraftPartNotFound lists the ids there are."""
    if wanted in ids:
        return list(ids).index(wanted)
    raise DraftPartNotFound(f"{missing} '{wanted}' (there are: {', '.join(ids)})")
