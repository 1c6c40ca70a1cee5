"""The optional LLM explanation of a gap: built from the report's evidence, never changing the ranking."""

from __future__ import annotations

import pytest

from workbench.errors import UnknownSkill

pytestmark = pytest.mark.slow


@pytest.fixture
def explain_prompt():
    """The shipped explain_gap prompt file."""
    from workbench.bootstrap import PROMPTS_DIR
    from workbench.llm.prompts import PromptRegistry

    return PromptRegistry.load_dir(PROMPTS_DIR).get("explain_gap")


def test_explanation_uses_the_evidence_and_leaves_the_report_alone(indexed_sample, sample_report, explain_prompt):
    from workbench.gaps.service import GapService
    from workbench.llm.factory import build_llm

    settings, services = indexed_sample
    llm = build_llm(settings)
    llm.fake.enqueue("The library teaches chart choice at foundation level; advanced dashboard design is missing.")
    before = sample_report.to_json()
    gaps = GapService(settings, services.index)
    text = gaps.explain("data-visualisation", llm, explain_prompt, report=sample_report)
    assert text.startswith("The library teaches chart choice")
    sent = "\n".join(str(message.content) for message in llm.fake.history[-1])
    assert "Data visualisation" in sent
    assert "data-literacy/choosing-the-right-chart.md" in sent
    assert "needed at advanced level" in sent
    assert sample_report.to_json() == before


def test_unknown_skill_is_a_named_error(indexed_sample, sample_report, explain_prompt):
    from workbench.gaps.service import GapService
    from workbench.llm.factory import build_llm

    settings, services = indexed_sample
    with pytest.raises(UnknownSkill, match="no-such-skill"):
        GapService(settings, services.index).explain("no-such-skill", build_llm(settings), explain_prompt, report=sample_report)
