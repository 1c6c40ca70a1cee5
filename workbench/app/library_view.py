"""Library rows and filters as plain data, so the Library page stays a thin layout."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Iterable

from workbench.domain.library import Module
from workbench.library.git_repository import HistoryEntry


@dataclass(frozen=True)
class LibraryFilters:
    """What the user narrowed the module list to (empty means no filter)."""

    skills: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    staleness: str = "any"  # any | stale | fresh
    origin: str = "any"  # any | ai | human


def freshness_date(module: Module) -> date | None:
    """The date a module was last looked at: last_reviewed, else the file's modification date."""
    return module.last_reviewed or module.modified


def is_stale(module: Module, stale_after_days: int, today: date | None = None) -> bool:
    """True when the module was last reviewed (or changed) longer ago than the staleness limit."""
    seen = freshness_date(module)
    if seen is None:
        return False
    return (today or date.today()) - seen > timedelta(days=stale_after_days)


def apply_filters(modules: Iterable[Module], filters: LibraryFilters, stale_after_days: int) -> list[Module]:
    """The modules that pass every chosen filter, in title order."""
    kept = []
    for module in modules:
        if filters.skills and not set(filters.skills) & set(module.skills):
            continue
        if filters.levels and (module.level.value if module.level else "unspecified") not in filters.levels:
            continue
        if filters.statuses and (module.status or "unspecified") not in filters.statuses:
            continue
        stale = is_stale(module, stale_after_days)
        if filters.staleness == "stale" and not stale or filters.staleness == "fresh" and stale:
            continue
        if filters.origin == "ai" and not module.ai_drafted or filters.origin == "human" and module.ai_drafted:
            continue
        kept.append(module)
    return sorted(kept, key=lambda module: module.title.lower())


def module_rows(modules: Iterable[Module], stale_after_days: int) -> list[dict]:
    """One table row per module (plain values only: the table shows them as text)."""
    return [
        {
            "id": module.id,
            "title": module.title,
            "skills": ", ".join(module.skills),
            "level": module.level.value if module.level else "",
            "status": module.status,
            "last reviewed": str(freshness_date(module) or ""),
            "stale": is_stale(module, stale_after_days),
            "AI-drafted": module.ai_drafted,
            "path": module.path,
        }
        for module in modules
    ]


def history_rows(commits: Iterable[HistoryEntry]) -> list[dict]:
    """One table row per commit of a module's file (plain text cells: authors and subjects are untrusted)."""
    return [{"commit": entry.short, "author": entry.author, "date": entry.date, "subject": entry.subject} for entry in commits]


def detail_rows(module: Module, stale: bool) -> list[dict[str, str]]:
    """A module's details as (field, value) rows of plain words: yes/no, lists joined, "—" for nothing."""
    def shown(value) -> str:
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, (list, tuple)):
            return ", ".join(str(item) for item in value) or "—"
        return "—" if value in (None, "") else str(value)

    fields = {
        "id": module.id, "path": module.path, "skills": list(module.skills),
        "level": module.level.value if module.level else None, "status": module.status,
        "owner": module.owner, "version": module.version, "audience": module.audience,
        "last reviewed": module.last_reviewed, "stale": stale,
        "AI-drafted": module.ai_drafted, "front matter": module.has_front_matter,
    }
    return [{"field": name, "value": shown(value)} for name, value in fields.items()]

