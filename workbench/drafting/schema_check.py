"""`workbench llm check --schemas`: send each draft schema once, with its own prompt, and report.

The schemas are the ones drafting would send at the draft size in use; the prompts are the pinned
drafting prompts, filled in with their own few-shot example (so the request has a realistic size
and cites the example's passage id). Replies are cut at a small token budget: the check is about
whether the endpoint takes each schema, not about the content.
"""

from __future__ import annotations

from typing import Any

from workbench.drafting.schemas import DEMO_SIZE, CritiqueReply, DraftSize, assessment_schema, item_schema, module_schema, section_schema
from workbench.drafting.service import PROMPT_VERSIONS
from workbench.llm.check import SchemaCheck, check_schema
from workbench.llm.client import LLMClient
from workbench.llm.prompts import PromptRegistry

DEFAULT_CHECK_TOKENS = 32
EXAMPLE_PASSAGE_IDS = ("ex-7f3a",)  # the passage id the prompt files' examples cite
EXAMPLE_OBJECTIVE_IDS = ("o1", "o2")


def draft_schemas(size: DraftSize) -> list[tuple[str, type]]:
    """(prompt name, schema) for every structured call drafting makes, at this size."""
    return [
        ("draft_module", module_schema(size, EXAMPLE_PASSAGE_IDS)),
        ("draft_assessment", assessment_schema(size, EXAMPLE_PASSAGE_IDS, EXAMPLE_OBJECTIVE_IDS, size.items)),
        ("regenerate_section", section_schema(size, EXAMPLE_PASSAGE_IDS)),
        ("regenerate_item", item_schema(size, EXAMPLE_PASSAGE_IDS, EXAMPLE_OBJECTIVE_IDS)),
        ("critique", CritiqueReply),
    ]


def run_schema_checks(llm: LLMClient, prompts: PromptRegistry, size: DraftSize, max_tokens: int = DEFAULT_CHECK_TOKENS) -> list[SchemaCheck]:
    """One request per draft schema; each reports accepted or not, structured mode, tokens and time."""
    checks = []
    for prompt_name, schema in draft_schemas(size):
        prompt = prompts.get(prompt_name, PROMPT_VERSIONS[prompt_name])
        checks.append(check_schema(llm, prompt, example_variables(prompt), schema, max_tokens))
    return checks


def schema_check_report(llm: LLMClient, size: DraftSize, checks: list[SchemaCheck], max_tokens: int) -> dict[str, Any]:
    """The JSON report of `workbench llm check --schemas`."""
    return {
        "ok": all(check.accepted for check in checks),
        "provider": llm.provider,
        "model": llm.model_id,
        # The embedded provider builds its grammar from the full schema.
        "schema_form": getattr(llm.backend, "schema_form", "full"),
        "draft_size": "demo" if size == DEMO_SIZE else "capable",
        "max_tokens": max_tokens,
        "schemas": [check.to_dict() for check in checks],
    }


def example_variables(prompt) -> dict[str, Any]:
    """The variables of the prompt's first few-shot example (every prompt file has one)."""
    example = prompt.examples[0]
    return {name: example[name] for name in prompt.input_variables}
