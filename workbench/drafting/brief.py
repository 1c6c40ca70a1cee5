"""Briefs: built from a skill of the framework (a gap) or read from a YAML/JSON file typed by hand."""

from __future__ import annotations

import difflib
import json
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from workbench.domain.drafts import Brief
from workbench.domain.library import Level
from workbench.domain.skills import SkillsFramework
from workbench.drafting.errors import BriefInvalid
from workbench.drafting.edits import lines
from workbench.errors import UnknownSkill


def close_skill_ids(framework: SkillsFramework, skill_id: str, limit: int = 5) -> list[str]:
    """Skill ids of the framework that look like the given one (for 'did you mean')."""
    ids = [skill.id for skill in framework.skills]
    close = difflib.get_close_matches(skill_id, ids, n=limit, cutoff=0.5)
    if len(close) < limit:
        needle = skill_id.lower()
        close += [candidate for candidate in ids if needle and needle in candidate.lower() and candidate not in close]
    return close[:limit]


def brief_from_framework(framework: SkillsFramework, skill_id: str) -> Brief:
    """A brief for one skill of the framework; UnknownSkill (with close ids) when it is not there."""
    skill = framework.get(skill_id)
    if skill is None:
        close = close_skill_ids(framework, skill_id)
        hint = f"; did you mean: {', '.join(close)}" if close else ""
        error = UnknownSkill(f"skill '{skill_id}' is not in the framework '{framework.name or framework.id}'{hint}")
        error.close_ids = close  # type: ignore[attr-defined]
        raise error
    topic = skill.name
    if skill.description:
        topic = f"{skill.name}: {skill.description}"
    must_include = [f"related terms: {', '.join(skill.aliases)}"] if skill.aliases else []
    return Brief(
        topic=topic,
        skill_ids=[skill.id],
        audience=", ".join(skill.roles) if skill.roles else "all employees",
        level=skill.level or Level.FOUNDATION,
        must_include=must_include,
    )


def _read_mapping(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BriefInvalid(f"brief file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as error:
        raise BriefInvalid(f"brief file {path} cannot be read: {error}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise BriefInvalid(f"brief file {path} is not valid {'JSON' if path.suffix.lower() == '.json' else 'YAML'}: {error}") from None
    if not isinstance(data, dict):
        raise BriefInvalid(f"brief file {path} must hold a mapping of brief fields (topic, audience, level, ...)")
    return data


def _validate(path: Path, data: dict[str, Any]) -> Brief:
    unknown = sorted(set(data) - set(Brief.model_fields))
    if unknown:
        raise BriefInvalid(f"brief file {path} has unknown fields: {', '.join(unknown)} (known: {', '.join(Brief.model_fields)})")
    try:
        return Brief.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}" for problem in error.errors())
        raise BriefInvalid(f"brief file {path} is invalid: {problems}") from None


def load_brief_file(path: Path, base: Brief | None = None) -> Brief:
    """Read a brief file; with a base brief (from a skill), the file's fields override the base's."""
    path = Path(path)
    data = _read_mapping(path)
    if base is not None:
        merged = base.model_dump()
        merged.update(data)
        return _validate(path, merged)
    if "topic" not in data:
        raise BriefInvalid(f"brief file {path} needs a 'topic' (or use --skill to start from a skill of the framework)")
    return _validate(path, data)


def brief_from_form(values: dict[str, Any]) -> Brief:
    """A Brief from the draft studio's form fields (pydantic validates ranges and levels)."""
    return Brief(
        topic=values["topic"].strip(),
        skill_ids=[s.strip() for s in values["skill_ids"].split(",") if s.strip()],
        audience=values["audience"].strip() or "all employees",
        level=values["level"],
        duration_minutes=int(values["duration_minutes"]),
        locale=values["locale"].strip() or "en-GB",
        cultural_context=values["cultural_context"].strip(),
        tone=values["tone"].strip() or "practical and friendly",
        must_include=lines(values["must_include"]),
        prefer_sources=lines(values["prefer_sources"]),
        avoid_sources=lines(values["avoid_sources"]),
        question_count=int(values["question_count"]),
    )
