"""The workbench's own skills format, as YAML or as a CSV spreadsheet."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import yaml

from workbench.domain.skills import Skill, SkillsFramework
from workbench.errors import SkillsFileInvalid
from workbench.skills.reading import build_skill, check_unique, read_text

KNOWN_FIELDS = {
    "id", "name", "description", "level", "priority", "demand", "demand_signal", "demand_source",
    "demand_note", "roles", "aliases", "group",
}
REQUIRED_COLUMNS = ("id", "name")


def load_yaml(path: Path) -> SkillsFramework:
    """A framework from `framework: {id, name}` + `skills: [...]`, or from a bare list of skills."""
    text = read_text(path)
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        position = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or "invalid YAML"
        raise SkillsFileInvalid(f"{path}: malformed YAML{position}: {problem}") from None
    header: dict = {}
    if isinstance(data, list):
        entries = data
    elif isinstance(data, dict) and "skills" in data:
        entries = data.get("skills") or []
        header = data.get("framework") or {}
        if not isinstance(header, dict):
            raise SkillsFileInvalid(f"{path}: 'framework' must be a mapping with id and name")
    elif data is None:
        raise SkillsFileInvalid(f"{path}: the file is empty; it must list at least one skill")
    else:
        raise SkillsFileInvalid(f"{path}: expected a 'skills:' list (optionally with a 'framework:' header)")
    if not isinstance(entries, list):
        raise SkillsFileInvalid(f"{path}: 'skills' must be a list")

    warnings: list[str] = []
    skills: list[tuple[Skill, str]] = []
    for number, entry in enumerate(entries, start=1):
        label = entry.get("id") if isinstance(entry, dict) else None
        where = f"{path}: skill #{number}" + (f" ({label})" if label else "")
        if not isinstance(entry, dict):
            raise SkillsFileInvalid(f"{where}: expected a mapping with id, name and description")
        unknown = sorted(set(map(str, entry)) - KNOWN_FIELDS)
        if unknown:
            warnings.append(f"{where}: unknown field(s) ignored: {', '.join(unknown)}")
        row = dict(entry)
        demand = entry.get("demand")
        if isinstance(demand, dict):
            row.setdefault("demand_signal", demand.get("signal"))
            row.setdefault("demand_source", demand.get("source"))
            row.setdefault("demand_note", demand.get("note"))
        elif demand is not None:
            row.setdefault("demand_signal", demand)
        skills.append((build_skill(row, where), where))
    check_unique(skills, path)
    return SkillsFramework(
        id=str(header.get("id") or path.stem),
        name=str(header.get("name") or path.stem),
        skills=tuple(skill for skill, _ in skills),
        source_path=str(path),
        warnings=tuple(warnings),
    )


def load_csv(path: Path, text: str | None = None) -> SkillsFramework:
    """A framework from a spreadsheet with at least id and name columns (lists separated by '|')."""
    text = read_text(path) if text is None else text
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [column.strip() for column in (reader.fieldnames or [])]
    reader.fieldnames = columns
    lowered = [column.lower() for column in columns]
    missing = [column for column in REQUIRED_COLUMNS if column not in lowered]
    if missing:
        raise SkillsFileInvalid(
            f"{path}: row 1 (header): missing column(s) {', '.join(missing)}; "
            f"expected at least id,name,description"
        )
    warnings: list[str] = []
    unknown = [column for column in columns if column.lower() not in KNOWN_FIELDS and column]
    if unknown:
        warnings.append(f"{path}: row 1 (header): unknown column(s) ignored: {', '.join(unknown)}")
    skills: list[tuple[Skill, str]] = []
    for number, raw in enumerate(reader, start=2):
        if None in raw:
            raise SkillsFileInvalid(f"{path}: row {number}: more cells than header columns")
        row = {key.lower(): value for key, value in raw.items() if key}
        if not any((value or "").strip() for value in row.values()):
            continue  # blank spreadsheet rows are common and harmless
        where = f"{path}: row {number}"
        skills.append((build_skill(row, where), where))
    check_unique(skills, path)
    return SkillsFramework(
        id=path.stem,
        name=path.stem,
        skills=tuple(skill for skill, _ in skills),
        source_path=str(path),
        warnings=tuple(warnings),
    )
