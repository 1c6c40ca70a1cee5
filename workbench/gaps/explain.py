"""Optional LLM explanation of one skill's gap: what the library covers and what is missing.

The explanation is text for a person; the ranking and statuses never depend on it. Library passages
go to the model as quoted data inside the prompt's variables, never as instructions.
"""

from __future__ import annotations

from workbench.domain.skills import Skill
from workbench.gaps.report import SkillGap

EXPLAIN_PROMPT = "explain_gap"  # prompts/explain_gap.vN.yaml
EXCERPT_CHARS = 600
MAX_PASSAGES = 3


def explanation_variables(result: SkillGap, skill: Skill, passages: dict[str, str]) -> dict[str, str]:
    """The prompt variables: the skill, its gap result and short excerpts of the passages that teach or mention it."""
    lines = []
    for item in result.evidence[:MAX_PASSAGES]:
        excerpt = " ".join(passages.get(item.chunk_id, "").split())[:EXCERPT_CHARS]
        lines.append(f"- {item.path} > {item.heading} (teaches it, strength {item.score:.2f}):\n  \"{excerpt}\"")
    for item in result.mentioned_in[:max(0, MAX_PASSAGES - len(lines))]:
        excerpt = " ".join(passages.get(item.passage.chunk_id, "").split())[:EXCERPT_CHARS]
        lines.append(f"- {item.path} > {item.passage.heading} (only mentions it):\n  \"{excerpt}\"")
    return {
        "skill_name": skill.name,
        "skill_description": skill.description or "(no description)",
        "needed_level": skill.level.value if skill.level else "not stated",
        "status": result.status,
        "coverage": f"{result.coverage:.2f}",
        "evidence": "\n".join(lines) or "(no module teaches or mentions this skill)",
        "reasons": "\n".join(f"- {reason}" for reason in [result.why, *result.reasons[1:]] if reason) or "(none)",
    }


def explain_gap(result: SkillGap, skill: Skill, index, llm, prompt) -> str:
    """Ask the model for a short explanation of a skill's coverage, from the report's evidence and mentions."""
    ids = {item.chunk_id for item in result.evidence[:MAX_PASSAGES]}
    ids |= {item.passage.chunk_id for item in result.mentioned_in[:MAX_PASSAGES]}
    chunks, _ = index.chunk_vectors(sorted(ids)) if ids else ([], None)
    passages = {chunk.id: chunk.text for chunk in chunks}
    return llm.text(prompt, explanation_variables(result, skill, passages)).text
