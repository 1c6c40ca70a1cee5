"""How a draft came to be: what the review queue records about its generation, and each regeneration added to it."""

from __future__ import annotations

from typing import Any

from workbench.domain.drafts import DraftContent, PromptUse, Provenance, WithheldPassage
from workbench.llm.results import StructuredResult


def generated_by(provenance: Provenance) -> dict[str, Any]:
    """What the review queue records about the generation."""
    return {
        "provider": provenance.provider,
        "model": provenance.model,
        "prompts": [use.model_dump() for use in provenance.prompts],
        "grounded": provenance.grounded,
        "endpoint": provenance.endpoint,
        "withheld": [item.model_dump() for item in provenance.withheld],
    }


def record_regeneration(content: DraftContent, result: StructuredResult, chunk_ids: list[str], what: str,
                        withheld: list[WithheldPassage] | None = None, endpoint: str = "") -> None:
    """Add a regeneration to the draft's provenance (prompt, passages, tokens, what governance withheld)."""
    provenance = content.provenance
    known = {(item.chunk_id, item.endpoint) for item in provenance.withheld}
    provenance.withheld += [item for item in withheld or [] if (item.chunk_id, item.endpoint) not in known]
    if endpoint:
        provenance.endpoint = endpoint
    use: PromptUse = result.prompt_use
    if all((p.name, p.version, p.sha256) != (use.name, use.version, use.sha256) for p in provenance.prompts):
        provenance.prompts.append(use)
    for chunk_id in chunk_ids:
        if chunk_id not in provenance.retrieved_chunk_ids:
            provenance.retrieved_chunk_ids.append(chunk_id)
    provenance.parameters[what] = result.parameters
    provenance.prompt_tokens += result.prompt_tokens
    provenance.completion_tokens += result.completion_tokens
    provenance.provider, provenance.model = result.provider, result.model
