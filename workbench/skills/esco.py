"""Import of ESCO's CSV export (skills collections and the full skills table)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from workbench.domain.skills import Skill, SkillsFramework
from workbench.errors import SkillsFileInvalid
from workbench.skills.reading import build_skill, check_unique, read_text, split_list

ESCO_REQUIRED = ("conceptUri", "preferredLabel")
ESCO_KNOWN = {
    "conceptType", "conceptUri", "skillType", "reuseLevel", "preferredLabel", "altLabels", "hiddenLabels",
    "status", "modifiedDate", "scopeNote", "definition", "inScheme", "description", "broaderConceptUri",
    "broaderConceptPT",
}


def is_esco_header(columns: list[str]) -> bool:
    """True when a CSV header looks like an ESCO export."""
    return all(column in columns for column in ESCO_REQUIRED)


def esco_skill_id(uri: str) -> str:
    """A short, stable id from an ESCO concept URI (its last path segment)."""
    return uri.rstrip("/").rsplit("/", 1)[-1]


def load_esco_csv(path: Path, text: str | None = None) -> SkillsFramework:
    """A framework from an ESCO CSV: preferred label as name, alt labels as aliases, broader concept as group."""
    text = read_text(path) if text is None else text
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [column.strip() for column in (reader.fieldnames or [])]
    reader.fieldnames = columns
    if not is_esco_header(columns):
        raise SkillsFileInvalid(f"{path}: row 1 (header): not an ESCO export (needs conceptUri and preferredLabel)")
    warnings: list[str] = []
    unknown = [column for column in columns if column and column not in ESCO_KNOWN]
    if unknown:
        warnings.append(f"{path}: row 1 (header): unknown column(s) ignored: {', '.join(unknown)}")
    skills: list[tuple[Skill, str]] = []
    for number, row in enumerate(reader, start=2):
        if None in row:
            raise SkillsFileInvalid(f"{path}: row {number}: more cells than header columns")
        if not any((value or "").strip() for value in row.values()):
            continue
        where = f"{path}: row {number}"
        uri = (row.get("conceptUri") or "").strip()
        if not uri:
            raise SkillsFileInvalid(f"{where}: the skill has no conceptUri")
        # Broader concepts are the natural grouping; the first one is the closest parent.
        groups = split_list(row.get("broaderConceptPT"))
        description = (row.get("description") or row.get("definition") or row.get("scopeNote") or "").strip()
        skill = build_skill(
            {
                "id": esco_skill_id(uri),
                "name": row.get("preferredLabel"),
                "description": description,
                "aliases": split_list(row.get("altLabels")),
                "group": groups[0] if groups else "",
            },
            where,
        )
        skills.append((skill, where))
    check_unique(skills, path)
    return SkillsFramework(
        id=path.stem,
        name=f"ESCO: {path.stem}",
        skills=tuple(skill for skill, _ in skills),
        source_path=str(path),
        warnings=tuple(warnings),
    )
