"""Advisory critiques: the model reads a draft per review dimension and notes problems for the reviewers.

A critique is a finding marked advisory: it never blocks, never counts as a sign-off, and a critique
the model cannot produce becomes a note instead of an error.
"""

from __future__ import annotations

import threading

from workbench.domain.findings import Finding, Severity
from workbench.drafting.schemas import CritiqueReply
from workbench.errors import LLMOutputInvalid
from workbench.llm.client import LLMClient
from workbench.llm.prompts import Prompt

CRITIQUE_DIMENSIONS = {
    "accuracy": "claims the passages do not support, wrong or ambiguous answer keys, misleading feedback",
    "cultural": "examples, names, currency and idioms that do not fit the locale and cultural context; stereotypes",
    "ethics": "bias, exclusion, privacy, manipulation or advice that could harm learners or others",
}


def critique_draft(llm: LLMClient, prompt: Prompt, markdown: str, passages: str, dimensions: list[str] | None = None,
                   cancel: threading.Event | None = None) -> list[Finding]:
    """One critique call per dimension (all by default), each turned into advisory findings."""
    findings: list[Finding] = []
    for dimension in dimensions or list(CRITIQUE_DIMENSIONS):
        try:
            result = llm.structured(
                prompt,
                {"dimension": dimension, "guidance": CRITIQUE_DIMENSIONS[dimension], "draft": markdown, "passages": passages},
                CritiqueReply,
                cancel=cancel,
            )
        except LLMOutputInvalid as error:
            findings.append(_advisory(dimension, Severity.INFO, "module", f"the {dimension} critique could not be produced: {error}"))
            continue
        findings += [_advisory(dimension, Severity(item.severity), item.location, item.message) for item in result.value.findings]
    return findings


def _advisory(dimension: str, severity: Severity, location: str, message: str) -> Finding:
    return Finding(check=f"critique_{dimension}", severity=severity, location=location, message=message, advisory=True)
