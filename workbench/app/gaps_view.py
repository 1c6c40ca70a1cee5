"""Gap report → heatmap cells and table rows, as plain data the Gaps page draws."""

from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping

LEVELS = ("foundation", "intermediate", "advanced")
UNSPECIFIED = "unspecified"


def field(record: Any, name: str, default: Any = None) -> Any:
    """A field of a report record, whether it is an object or a dict."""
    if isinstance(record, Mapping):
        return record.get(name, default)
    return getattr(record, name, default)


def _text(value: Any) -> str:
    return str(getattr(value, "value", value) if value is not None else "")


def heatmap_cells(skills: Iterable[Any], module_levels: Mapping[str, str], by: str = "skill") -> list[dict]:
    """Coverage cells: for each skill (or group) and level, the strongest evidence at that level (0..1).

    A cell is the best evidence score among modules of that level; for a group, the mean over its
    skills, so that one well-covered skill does not hide the gaps of the others. Each cell also
    carries its row's demand (gaps/demand.py: 1 when nothing is known; a group's mean).
    """
    per_row: dict[str, list[dict[str, float]]] = {}
    demand_of_row: dict[str, list[float]] = {}
    for skill in skills:
        best = {level: 0.0 for level in LEVELS}
        for evidence in field(skill, "evidence", []) or []:
            level = module_levels.get(str(field(evidence, "module_id", "")), UNSPECIFIED)
            score = float(field(evidence, "score", 0.0) or 0.0)
            targets = [level] if level in best else list(LEVELS)  # unlevelled modules count for every level
            for target in targets:
                best[target] = max(best[target], min(1.0, max(0.0, score)))
        if by == "group":
            row = _text(field(skill, "group", "")) or "(no group)"
        else:
            row = f"{_text(field(skill, 'skill_name', ''))} ({_text(field(skill, 'skill_id', ''))})"
        per_row.setdefault(row, []).append(best)
        demand_of_row.setdefault(row, []).append(float((field(skill, "demand_figures") or {}).get("demand", 1.0)))
    cells = []
    for row, values in per_row.items():
        demand = round(sum(demand_of_row[row]) / len(demand_of_row[row]), 3)  # a group: the mean of its skills
        for level in LEVELS:
            cells.append({"row": row, "level": level, "coverage": round(sum(v[level] for v in values) / len(values), 3),
                          "demand": demand})
    return cells


def heatmap_text(cells: Iterable[Mapping[str, Any]], escape: Callable[[str], str]) -> str:
    """The heatmap's cells as a markdown table (row × level), for readers who cannot see the colours.

    `escape` makes an untrusted row name literal markdown (the page passes its `plain`)."""
    rows: dict[str, dict[str, float]] = {}
    for cell in cells:
        values = rows.setdefault(str(cell["row"]), {})
        values[str(cell["level"])] = float(cell["coverage"])
        values["demand"] = float(cell.get("demand", 1.0))
    lines = ["| " + " | ".join(["row", *LEVELS, "demand"]) + " |", "|" + " --- |" * (len(LEVELS) + 2)]
    for row, values in rows.items():
        figures = [f"{values.get(level, 0.0):.2f}" for level in [*LEVELS, "demand"]]
        lines.append("| " + " | ".join([escape(row), *figures]) + " |")
    return "\n".join(lines)


def gap_rows(skills: Iterable[Any]) -> list[dict]:
    """The ranked gap table: one row per skill, in report order (the report ranks them)."""
    rows = []
    for rank, skill in enumerate(skills, start=1):
        evidence = field(skill, "evidence", []) or []
        rows.append({
            "rank": rank,
            "skill": _text(field(skill, "skill_name")),
            "id": _text(field(skill, "skill_id")),
            "group": _text(field(skill, "group")),
            "status": _text(field(skill, "status")),
            "coverage": round(float(field(skill, "coverage", 0.0) or 0.0), 3),
            "priority": _text(field(skill, "priority")),
            "level match": _text(field(skill, "level_match")),
            "why": _text(field(skill, "why")),
            "evidence": "; ".join(
                f"{_text(field(e, 'module_id'))} › {_text(field(e, 'heading'))} ({float(field(e, 'score', 0) or 0):.2f})" for e in evidence[:3]
            ),
            "reasons": "; ".join(str(r) for r in (field(skill, "reasons", []) or [])),
            **demand_columns(field(skill, "demand_figures") or {}),
        })
    return rows


def demand_columns(figures: Mapping[str, Any]) -> dict:
    """The ranked table's demand columns: trend change and recent volume, share below target, mastery, rank score."""
    trend, rated, mastery = figures.get("trend") or {}, figures.get("proficiency") or {}, figures.get("mastery") or {}
    change = trend.get("change")
    return {
        "trend": f"{change * 100:+.0f} % over {trend['months']} months" if change is not None else "",
        "recent volume": f"{trend['recent_volume']:,} ({trend['recent_period']})" if trend else "",
        "below target": f"{rated['share_below_target'] * 100:.0f} % of {rated['people']}" if rated else "",
        "mastery": f"{mastery['share_correct'] * 100:.0f} % on {mastery['attempts']:,}" if mastery else "",
        "rank score": round(float(figures.get("rank_score", 0.0) or 0.0), 3),
    }


def trend_points(skill: Any) -> list[dict]:
    """One skill's market-trend counts as chart rows (period, count); empty without an imported trend."""
    trend = (field(skill, "demand_figures") or {}).get("trend") or {}
    return [{"period": period, "count": count} for period, count in zip(trend.get("periods", []), trend.get("counts", []))]


def _how(item: Any) -> str:
    """How a module teaches a skill, in words for the evidence table."""
    ways = []
    if field(item, "main_topic", False):
        ways.append("main topic")
    section = field(item, "section")
    if section:
        ways.append(f"section “{section}”")
    if field(item, "declared", False):
        ways.append("declared in front matter")
    return ", ".join(ways) or "part of the module"


def skill_evidence(skill: Any) -> dict:
    """One skill's evidence as plain data: why its status is what it is, who teaches it, who only mentions it."""
    taught = []
    for item in field(skill, "taught_by", []) or []:
        passages = field(item, "passages", []) or []
        taught.append({
            "module": _text(field(item, "title")),
            "path": _text(field(item, "path")),
            "teaches": round(float(field(item, "strength", 0.0) or 0.0), 2),
            "share of module": f"{float(field(item, 'share', 0.0) or 0.0):.0%}",
            "how": _how(item),
            "best passages": " · ".join(_text(field(p, "heading")) for p in passages),
        })
    mentioned = []
    for item in field(skill, "mentioned_in", []) or []:
        passage = field(item, "passage")
        mentioned.append({
            "module": _text(field(item, "title")),
            "path": _text(field(item, "path")),
            "passage": _text(field(passage, "heading")) if passage is not None else "",
            "module is about": _text(field(item, "module_about")) or "-",
        })
    return {
        "skill": _text(field(skill, "skill_name")),
        "status": _text(field(skill, "status")),
        "why": _text(field(skill, "why")),
        "taught_by": taught,
        "mentioned_in": mentioned,
        "mention_count": int(field(skill, "mention_count", len(mentioned)) or 0),
    }
