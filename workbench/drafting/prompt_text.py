"""The words the model reads: a brief, the size of what to write, objectives, outline and items as text."""

from __future__ import annotations

from workbench.domain.assessment import Item
from workbench.domain.drafts import Brief, DraftContent, ModuleDraft
from workbench.drafting.schemas import DEMO_SIZE, DraftSize


def describe_brief(brief: Brief) -> str:
    """The brief as the model reads it."""
    lines = [f"Topic: {brief.topic}"]
    if brief.skill_ids:
        lines.append(f"Skills: {', '.join(brief.skill_ids)}")
    lines.append(
        f"Audience: {brief.audience}. Level: {brief.level.value}. Duration: {brief.duration_minutes} minutes. "
        f"Locale: {brief.locale}. Tone: {brief.tone}."
    )
    if brief.cultural_context:
        lines.append(f"Cultural context: {brief.cultural_context}")
    if brief.must_include:
        lines.append("Must include: " + "; ".join(brief.must_include))
    return "\n".join(lines)


def module_size_text(size: DraftSize, brief: Brief) -> str:
    """How much to write, in words the model follows."""
    if size == DEMO_SIZE:
        objectives, sections = size.objectives, size.sections
    else:
        objectives = max(2, min(size.objectives, brief.duration_minutes // 15 + 1))
        sections = max(2, min(size.sections, brief.duration_minutes // 10))
    return (
        f"Write {objectives} objectives, {sections} short sections, {size.activities} activity, {size.takeaways} takeaways, "
        f"{size.touchpoints} human touchpoint and {size.glossary} glossary term{'s' if size.glossary > 1 else ''}."
    )


def question_count(size: DraftSize, brief: Brief, objectives: int) -> int:
    """Questions to ask for: the brief's count, at least one per objective, within the size limit."""
    return max(1, min(size.items, max(brief.question_count, objectives)))


def describe_objectives(module: ModuleDraft) -> str:
    """The module's objectives, one a line with id and Bloom level."""
    return "\n".join(f"{objective.id} ({objective.bloom_level.value}): {objective.text}" for objective in module.objectives)


def describe_outline(content: DraftContent) -> str:
    """Title, objectives and section headings of a draft."""
    lines = [f"Title: {content.module.title}"]
    lines += [f"Section {section.id}: {section.heading}" for section in content.module.sections]
    return "\n".join(lines)


def describe_item(item: Item) -> str:
    """One item as the model reads it when asked to rewrite it."""
    options = "; ".join(f"{option.id}) {option.text}{' (correct)' if option.correct else ''}" for option in item.options)
    return f"{item.type.value}: {item.stem}\nOptions: {options}"
