"""Edits typed into the draft studio's forms, turned into a validated draft (or a named error saying what is wrong)."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from workbench.domain.drafts import DraftContent, assessment_title_after_rename
from workbench.drafting.errors import DraftEditInvalid, DraftPartNotFound

CORRECT_MARK = "*"
OBJECTIVE_SEPARATOR = "|"


def lines(text: str) -> list[str]:
    """Non-empty stripped lines (for list fields typed one per line)."""
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _validated(data: dict[str, Any]) -> DraftContent:
    try:
        return DraftContent.model_validate(data)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise DraftEditInvalid(f"not saved: {where}: {first['msg']}") from None


def _position(parts: list[dict], part_id: str, kind: str, draft_label: str) -> int:
    for number, part in enumerate(parts):
        if part.get("id") == part_id:
            return number
    known = ", ".join(str(part.get("id")) for part in parts)
    raise DraftPartNotFound(f"{draft_label} has no {kind} '{part_id}' ({kind}s: {known})")


def objectives_text(content: DraftContent) -> str:
    """The objectives as the form shows them: one a line, `id | bloom level | verb | text`."""
    return "\n".join(f"{o.id} | {o.bloom_level.value} | {o.verb} | {o.text}" for o in content.module.objectives)


def options_text(content: DraftContent, item_id: str) -> str:
    """An item's options as the form shows them: one a line, the correct ones marked with '*'."""
    item = next(item for item in content.assessment.items if item.id == item_id)
    return "\n".join((CORRECT_MARK if option.correct else "") + option.text for option in item.options)


def parse_objectives(text: str) -> list[dict[str, str]]:
    """Objectives from the form's lines; DraftEditInvalid names a line without its four parts."""
    parsed = []
    for line in lines(text):
        parts = [part.strip() for part in line.split(OBJECTIVE_SEPARATOR, 3)]
        if len(parts) != 4:
            raise DraftEditInvalid(f"objective line needs 4 parts separated by '{OBJECTIVE_SEPARATOR}': {line}")
        parsed.append({"id": parts[0], "bloom_level": parts[1], "verb": parts[2], "text": parts[3]})
    return parsed


def edit_details(content: DraftContent, *, title: str, summary: str, audience: str, duration_minutes: int,
                 takeaways: str, objectives: str) -> DraftContent:
    """The draft with the module details form applied."""
    data = content.model_dump(mode="json")
    # The assessment is exported under its own title: it follows the module when the module is renamed.
    data["assessment"]["title"] = assessment_title_after_rename(content.assessment.title, content.module.title, title)
    data["module"].update(title=title, summary=summary, audience=audience, duration_minutes=int(duration_minutes),
                          key_takeaways=lines(takeaways), objectives=parse_objectives(objectives))
    return _validated(data)


def edit_section(content: DraftContent, section_id: str, *, heading: str, body: str, draft_label: str = "the draft") -> DraftContent:
    """The draft with one section's heading and body replaced."""
    data = content.model_dump(mode="json")
    sections = data["module"]["sections"]
    sections[_position(sections, section_id, "section", draft_label)].update(heading=heading, body=body)
    return _validated(data)


def parse_options(text: str, previous: list[dict]) -> list[dict]:
    """Options from the form's lines (ids a, b, c… in order, '*' marks a correct one); feedback is kept by id."""
    old = {option["id"]: option for option in previous}
    options = []
    for number, line in enumerate(lines(text)):
        option_id = chr(ord("a") + number)
        options.append({**old.get(option_id, {"feedback": ""}), "id": option_id,
                        "text": line.removeprefix(CORRECT_MARK).strip(), "correct": line.startswith(CORRECT_MARK)})
    return options


def edit_item(content: DraftContent, item_id: str, *, stem: str, options: str, rationale: str,
              draft_label: str = "the draft") -> DraftContent:
    """The draft with one question's stem, options and rationale replaced."""
    data = content.model_dump(mode="json")
    items = data["assessment"]["items"]
    item = items[_position(items, item_id, "item", draft_label)]
    item.update(stem=stem, rationale=rationale, options=parse_options(options, item["options"]))
    return _validated(data)


def edit_json(raw: str) -> DraftContent:
    """The whole draft typed as JSON, validated against the draft schema."""
    try:
        return DraftContent.model_validate_json(raw)
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the draft"
        raise DraftEditInvalid(f"not saved: {where}: {first['msg']}") from None
