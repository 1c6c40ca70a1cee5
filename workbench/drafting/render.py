"""Render a draft to markdown with the library's front matter (used by review diffs and publishing)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import yaml

from workbench.domain.assessment import Item, ItemType
from workbench.domain.drafts import DraftContent

_HEADING = re.compile(r"^(\s{0,3})(#{1,2})(\s)", re.MULTILINE)
_FRONT_MATTER_FENCE = re.compile(r"^---\s*$", re.MULTILINE)

TOUCHPOINT_LABELS = {
    "coaching": "Coaching",
    "workshop": "Workshop",
    "mentoring": "Mentoring",
    "peer_learning": "Peer learning",
}


def slugify(text: str, max_length: int = 60) -> str:
    """A lower-case ASCII slug of a title (the default module id of a draft)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "draft-module"


def front_matter(content: DraftContent, *, module_id: str | None = None, status: str = "draft", version: str = "0.1") -> dict[str, Any]:
    """The library front matter of a draft: the keys every library module may carry."""
    module = content.module
    provenance = content.provenance
    bloom_levels: list[str] = []
    for objective in module.objectives:
        if objective.bloom_level.value not in bloom_levels:
            bloom_levels.append(objective.bloom_level.value)
    return {
        "id": module_id or slugify(module.title),
        "title": module.title,
        "summary": module.summary,
        "skills": list(module.skill_ids),
        "audience": module.audience,
        "level": module.level.value,
        "bloom_levels": bloom_levels,
        "locale": module.locale,
        "duration_minutes": module.duration_minutes,
        "status": status,
        "version": version,
        "prerequisites": list(module.prerequisites),
        "provenance": {
            "provider": provenance.provider,
            "model": provenance.model,
            "prompts": [f"{use.name}.v{use.version} sha256:{use.sha256}" for use in provenance.prompts],
            "sources": list(provenance.retrieved_chunk_ids),
            "grounded": provenance.grounded,
        },
    }


def _body(text: str) -> str:
    """Keep a generated body inside its section: demote top-level headings, defuse front-matter fences."""
    text = _HEADING.sub(lambda match: f"{match.group(1)}###{match.group(3)}", text.strip())
    return _FRONT_MATTER_FENCE.sub("***", text)


def _inline(text: str) -> str:
    """One line of text (list items, table-free)."""
    return " ".join(text.split())


def _citations(chunk_ids: list[str]) -> str:
    return "*Sources: " + ", ".join(f"`{chunk_id}`" for chunk_id in chunk_ids) + "*"


def render_item_markdown(item: Item, number: int) -> str:
    """One assessment item as markdown: stem, options with the key marked, feedback and rationale."""
    lines = [f"### Question {number} ({item.id})", ""]
    meta = [item.type.value.replace("_", " "), item.difficulty.value]
    if item.bloom_level:
        meta.append(item.bloom_level.value)
    if item.objective_id:
        meta.append(f"objective {item.objective_id}")
    lines += [f"*{' · '.join(meta)}*", "", _body(item.stem), ""]
    if item.type == ItemType.SHORT_ANSWER:
        answers = [_inline(option.text) for option in item.options]
        lines.append("Accepted answers: " + "; ".join(answers) if answers else "Accepted answers: (none)")
    else:
        for option in item.options:
            mark = "x" if option.correct else " "
            lines.append(f"- [{mark}] **{option.id}.** {_inline(option.text)}")
            if option.feedback:
                lines.append(f"  - Feedback: {_inline(option.feedback)}")
    if item.rationale:
        lines += ["", f"**Rationale:** {_inline(item.rationale)}"]
    if item.general_feedback:
        lines += ["", f"**Feedback:** {_inline(item.general_feedback)}"]
    if item.citations:
        lines += ["", _citations(item.citations)]
    return "\n".join(lines)


def render_draft_markdown(
    content: DraftContent,
    *,
    module_id: str | None = None,
    include_assessment: bool = True,
    extra_front_matter: dict[str, Any] | None = None,
) -> str:
    """The draft as a library markdown file: YAML front matter, then the module (and its assessment)."""
    module = content.module
    meta = front_matter(content, module_id=module_id)
    if extra_front_matter:
        meta.update(extra_front_matter)
    out = ["---", yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000).rstrip(), "---", ""]
    out += [f"# {_inline(module.title)}", "", _inline(module.summary), ""]
    if not content.provenance.grounded:
        out += ["> **Ungrounded draft:** the library gave no passages to base it on.", ""]
    if module.prerequisites:
        out += ["**Prerequisites:** " + ", ".join(f"`{module_id_}`" for module_id_ in module.prerequisites), ""]
    out += ["## Learning objectives", ""]
    out += [f"- **{objective.id}** ({objective.bloom_level.value}): {_inline(objective.text)}" for objective in module.objectives]
    out.append("")
    for section in module.sections:
        out += [f"## {_inline(section.heading)}", "", _body(section.body), ""]
        if section.citations:
            out += [_citations(section.citations), ""]
    if module.activities:
        out += ["## Practice activities", ""]
        for activity in module.activities:
            targets = f" (objectives: {', '.join(activity.objective_ids)})" if activity.objective_ids else ""
            out += [f"### {_inline(activity.title)}{targets}", "", _body(activity.instructions), ""]
    if module.key_takeaways:
        out += ["## Key takeaways", ""] + [f"- {_inline(takeaway)}" for takeaway in module.key_takeaways] + [""]
    if module.human_touchpoints:
        out += ["## Learning with others", ""]
        out += [
            f"- **{TOUCHPOINT_LABELS.get(touchpoint.kind.value, touchpoint.kind.value)}:** {_inline(touchpoint.description)}"
            for touchpoint in module.human_touchpoints
        ]
        out.append("")
    if module.glossary:
        out += ["## Glossary", ""] + [f"- **{_inline(entry.term)}**: {_inline(entry.definition)}" for entry in module.glossary] + [""]
    if include_assessment and content.assessment.items:
        out += [f"## Assessment: {_inline(content.assessment.title)}", ""]
        for number, item in enumerate(content.assessment.items, start=1):
            out += [render_item_markdown(item, number), ""]
    return "\n".join(out).rstrip() + "\n"
