"""A typed draft (module + assessment) as a library file: its header fields and its markdown body.

The review queue stores this rendering of every revision; publishing writes the same body under the
published header. Both go through `workbench.library.format`, so a file has exactly one header.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

from workbench.domain.assessment import Item, ItemType
from workbench.domain.drafts import DraftContent
from workbench.library.format import ModuleHeader, render_module_file, slugify

_HEADING = re.compile(r"^(\s{0,3})(#{1,2})(\s)", re.MULTILINE)
_FRONT_MATTER_FENCE = re.compile(r"^---\s*$", re.MULTILINE)
DRAFT_STATUS = "draft"
DRAFT_VERSION = "0.1"
MODULE_ID_BYTES = 60

TOUCHPOINT_LABELS = {
    "coaching": "Coaching",
    "workshop": "Workshop",
    "mentoring": "Mentoring",
    "peer_learning": "Peer learning",
}


def draft_module_id(title: str) -> str:
    """The module id a draft gets from its title (ASCII, so LMS identifiers and URLs accept it)."""
    return slugify(title, ascii_only=True, max_bytes=MODULE_ID_BYTES, fallback="draft-module")


def draft_provenance(content: DraftContent) -> dict[str, Any]:
    """How a draft was made: provider, model, prompts with their hashes, the passages it was grounded in."""
    provenance = content.provenance
    return {
        "provider": provenance.provider,
        "model": provenance.model,
        "prompts": [f"{use.name}.v{use.version} sha256:{use.sha256}" for use in provenance.prompts],
        "sources": list(provenance.retrieved_chunk_ids),
        "grounded": provenance.grounded,
    }


def draft_header(content: DraftContent, *, module_id: str | None = None, status: str = DRAFT_STATUS,
                 version: str = DRAFT_VERSION, provenance: dict[str, Any] | None = None,
                 last_reviewed: date | None = None) -> ModuleHeader:
    """The front matter of a draft; publishing passes its own status, version and provenance."""
    module = content.module
    return ModuleHeader(
        id=module_id or draft_module_id(module.title),
        title=module.title,
        summary=module.summary,
        skills=tuple(module.skill_ids),
        audience=module.audience,
        level=module.level.value,
        bloom_levels=tuple(dict.fromkeys(objective.bloom_level.value for objective in module.objectives)),
        locale=module.locale,
        duration_minutes=module.duration_minutes,
        status=status,
        version=version,
        last_reviewed=last_reviewed,
        prerequisites=tuple(module.prerequisites),
        provenance=draft_provenance(content) if provenance is None else provenance,
    )


def render_draft_file(content: DraftContent, header: ModuleHeader | None = None) -> str:
    """The draft as a whole library file: its header (a draft's by default), then its body."""
    return render_module_file(header or draft_header(content), draft_body(content))


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


def draft_body(content: DraftContent, *, include_assessment: bool = True) -> str:
    """The module (and its assessment) as markdown, without a header."""
    module = content.module
    out: list[str] = []
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
