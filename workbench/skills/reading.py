"""Reading a skills file as text, and building validated Skill records from loose rows."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from workbench.domain.library import Level
from workbench.domain.skills import DemandSignal, Priority, Skill
from workbench.errors import SkillsFileInvalid

_LIST_SEPARATORS = re.compile(r"\s*(?:\||;|\n)\s*")

# Common spellings people use in spreadsheets, mapped to the framework's values.
_LEVEL_ALIASES = {
    "foundation": Level.FOUNDATION,
    "foundational": Level.FOUNDATION,
    "beginner": Level.FOUNDATION,
    "basic": Level.FOUNDATION,
    "introductory": Level.FOUNDATION,
    "intermediate": Level.INTERMEDIATE,
    "advanced": Level.ADVANCED,
    "expert": Level.ADVANCED,
}


def read_text(path: Path) -> str:
    """The file's text as UTF-8 (a byte-order mark is accepted); a clear error otherwise."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SkillsFileInvalid(f"{path}: skills file not found") from None
    except IsADirectoryError:
        raise SkillsFileInvalid(f"{path}: is a folder, expected a skills file (.yaml, .yml or .csv)") from None
    except OSError as error:
        raise SkillsFileInvalid(f"{path}: cannot be read ({error.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise SkillsFileInvalid(
            f"{path}: not UTF-8 text (invalid byte 0x{raw[error.start]:02x} on line {line}); "
            "save the file as UTF-8 and try again"
        ) from None
    if not text.strip():
        raise SkillsFileInvalid(f"{path}: the file is empty; it must list at least one skill")
    return text


def split_list(value: object) -> tuple[str, ...]:
    """A list field from YAML (a list) or a spreadsheet cell ('a | b', 'a; b' or one per line)."""
    if value is None:
        return ()
    if isinstance(value, (list, tuple)):
        items: Iterable[object] = value
    else:
        items = _LIST_SEPARATORS.split(str(value))
    return tuple(dict.fromkeys(str(item).strip() for item in items if str(item).strip()))


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def parse_level(value: object, where: str) -> Level | None:
    """A Level from a loose spelling, or None when blank."""
    text = _text(value).lower()
    if not text:
        return None
    if text in _LEVEL_ALIASES:
        return _LEVEL_ALIASES[text]
    allowed = ", ".join(level.value for level in Level)
    raise SkillsFileInvalid(f"{where}: unknown level {value!r}; use one of {allowed}")


def parse_priority(value: object, where: str) -> Priority:
    """A Priority, medium when blank."""
    text = _text(value).lower()
    if not text:
        return Priority.MEDIUM
    try:
        return Priority(text)
    except ValueError:
        allowed = ", ".join(priority.value for priority in Priority)
        raise SkillsFileInvalid(f"{where}: unknown priority {value!r}; use one of {allowed}") from None


def parse_demand(value: object, where: str) -> DemandSignal | None:
    """A DemandSignal, or None when blank."""
    text = _text(value).lower()
    if not text:
        return None
    try:
        return DemandSignal(text)
    except ValueError:
        allowed = ", ".join(signal.value for signal in DemandSignal)
        raise SkillsFileInvalid(f"{where}: unknown demand signal {value!r}; use one of {allowed}") from None


def build_skill(row: dict[str, object], where: str) -> Skill:
    """A Skill from one row of loose values; `where` names file and row in every error."""
    skill_id = _text(row.get("id"))
    name = _text(row.get("name"))
    if not skill_id:
        raise SkillsFileInvalid(f"{where}: the skill has no id")
    if not name:
        raise SkillsFileInvalid(f"{where}: skill {skill_id!r} has no name")
    return Skill(
        id=skill_id,
        name=name,
        description=_text(row.get("description")),
        level=parse_level(row.get("level"), where),
        priority=parse_priority(row.get("priority"), where),
        demand_signal=parse_demand(row.get("demand_signal"), where),
        demand_source=_text(row.get("demand_source")),
        demand_note=_text(row.get("demand_note")),
        roles=split_list(row.get("roles")),
        aliases=split_list(row.get("aliases")),
        group=_text(row.get("group")),
    )


def check_unique(skills: list[tuple[Skill, str]], path: Path) -> None:
    """Raise naming both rows when two skills share an id."""
    seen: dict[str, str] = {}
    for skill, where in skills:
        if skill.id in seen:
            raise SkillsFileInvalid(f"{where}: duplicate skill id {skill.id!r} (already used at {seen[skill.id]})")
        seen[skill.id] = where
    if not skills:
        raise SkillsFileInvalid(f"{path}: no skills found; the file must list at least one skill")
