"""Optional LLM explanation of one skill's gap: what the library covers and what is missing.

The explanation is text for a person; the ranking and statuses never depend on it. Library passages
go to the model as quoted data inside the prompt's variables, never as instructions.
"""

from __future__ import annotations

from typing import Sequence

from workbench.domain.skills import Skill
from workbench.gaps.report import SkillGap

EXPLAIN_PROMPT = "explain_gap"  # prompts/explain_gap.vN.yaml
EXCERPT_CHARS = 600
MAX_PASSAGES = 3


WITHHELD_NAME = "[a module withheld by its classification]"


def explanation_variables(result: SkillGap, skill: Skill, passages: dict[str, str],
                          hidden: Sequence[tuple[str, str, str]] = ()) -> dict[str, str]:
    """The prompt variables: the skill, its gap result and short excerpts of the passages that teach or mention it.

    `hidden` lists (module id, path, title) of modules the model may not receive (governance): their
    passages are left out whole, and their ids, paths and titles are replaced in the reasons.
    """
    hidden_paths = {path for _, path, _ in hidden}
    lines = []
    kept_out = 0
    for item in result.evidence[:MAX_PASSAGES]:
        if item.path in hidden_paths:
            kept_out += 1
            continue
        excerpt = " ".join(passages.get(item.chunk_id, "").split())[:EXCERPT_CHARS]
        lines.append(f"- {item.path} > {item.heading} (teaches it, strength {item.score:.2f}):\n  \"{excerpt}\"")
    for item in result.mentioned_in[:max(0, MAX_PASSAGES - len(lines) - kept_out)]:
        if item.path in hidden_paths:
            kept_out += 1
            continue
        excerpt = " ".join(passages.get(item.passage.chunk_id, "").split())[:EXCERPT_CHARS]
        lines.append(f"- {item.path} > {item.passage.heading} (only mentions it):\n  \"{excerpt}\"")
    if kept_out:
        lines.append(f"- ({kept_out} passage{'s' if kept_out != 1 else ''} withheld: classified above what this model may receive)")
    reasons = "\n".join(f"- {reason}" for reason in [result.why, *result.reasons[1:]] if reason) or "(none)"
    return {
        "skill_name": skill.name,
        "skill_description": skill.description or "(no description)",
        "needed_level": skill.level.value if skill.level else "not stated",
        "status": result.status,
        "coverage": f"{result.coverage:.2f}",
        "evidence": "\n".join(lines) or "(no module teaches or mentions this skill)",
        "reasons": _without_names(reasons, hidden),
    }


def _without_names(text: str, hidden: Sequence[tuple[str, str, str]]) -> str:
    """The text with every id, path and title of a hidden module replaced (longest first, so a path goes whole)."""
    names = sorted({name for module in hidden for name in module if name and len(name) > 2}, key=len, reverse=True)
    for name in names:
        text = text.replace(name, WITHHELD_NAME)
    return text


def explain_gap(result: SkillGap, skill: Skill, index, llm, prompt, hidden: Sequence[tuple[str, str, str]] = ()) -> str:
    """Ask the model for a short explanation of a skill's coverage, from the report's evidence and mentions.

    `hidden` (from governance) names the modules classified above what the model may receive.
    """
    hidden_paths = {path for _, path, _ in hidden}
    ids = {item.chunk_id for item in result.evidence[:MAX_PASSAGES] if item.path not in hidden_paths}
    ids |= {item.passage.chunk_id for item in result.mentioned_in[:MAX_PASSAGES] if item.path not in hidden_paths}
    chunks, _ = index.chunk_vectors(sorted(ids)) if ids else ([], None)
    texts = {chunk.id: chunk.text for chunk in chunks if chunk.path not in hidden_paths}
    return llm.text(prompt, explanation_variables(result, skill, texts, hidden)).text
