"""Deterministic pre-review checks: plain functions from a draft (plus plain data) to findings.

Everything a check needs beyond the draft itself (which chunk ids exist, similarity scores,
passages that looked like instructions, the inclusive-language word list) is handed in as
plain data in a `CheckContext`, so this module stays free of the index, the database and
the model.
"""


from __future__ import annotations

from typing import Callable, Iterable

from workbench.domain.checks.context import (
    DEFAULT_READABILITY,
    CheckContext,
    InclusiveTerm,
    ReadabilityRange,
    SuspiciousPassage,
    text_fields,
)
from workbench.domain.checks.fidelity import check_rendering_fidelity
from workbench.domain.checks.instructions import check_instruction_like_text
from workbench.domain.checks.items import (
    check_all_none_of_the_above,
    check_answer_keys,
    check_duplicate_options,
    check_key_position,
    check_objectives_assessed,
    check_question_count,
)
from workbench.domain.checks.language import (
    check_inclusive_language,
    check_links_and_images,
    check_personal_data,
    check_readability,
    readability_grade,
)
from workbench.domain.checks.sources import check_injection_canaries, check_near_duplicate_module
from workbench.domain.checks.structure import (
    check_citations_resolve,
    check_grounding,
    check_schema,
    check_structure,
)
from workbench.domain.drafts import DraftContent
from workbench.domain.findings import Finding, Severity



Check = Callable[[DraftContent, CheckContext], list[Finding]]

CHECKS: dict[str, Check] = {
    "schema_valid": check_structure,
    "citation_resolves": check_citations_resolve,
    "grounding": check_grounding,
    "objective_assessed": check_objectives_assessed,
    "question_count": check_question_count,
    "answer_key": check_answer_keys,
    "duplicate_options": check_duplicate_options,
    "all_none_of_the_above": check_all_none_of_the_above,
    "key_position": check_key_position,
    "readability": check_readability,
    "inclusive_language": check_inclusive_language,
    "personal_data": check_personal_data,
    "links_and_images": check_links_and_images,
    "near_duplicate_module": check_near_duplicate_module,
    "injection_canary": check_injection_canaries,
    "rendering_fidelity": check_rendering_fidelity,
    "instruction_like_text": check_instruction_like_text,
}

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def run_checks(content: DraftContent, context: CheckContext | None = None, checks: Iterable[str] | None = None) -> list[Finding]:
    """Run the named checks (all by default) and return their findings, most severe first."""
    context = context or CheckContext()
    findings: list[Finding] = []
    for name in checks or CHECKS:
        findings.extend(CHECKS[name](content, context))
    return sorted(findings, key=lambda finding: _SEVERITY_ORDER[finding.severity])


__all__ = [
    "CHECKS", "DEFAULT_READABILITY", "CheckContext", "InclusiveTerm", "ReadabilityRange", "SuspiciousPassage",
    "check_all_none_of_the_above", "check_answer_keys", "check_citations_resolve", "check_duplicate_options",
    "check_grounding", "check_inclusive_language", "check_instruction_like_text", "check_injection_canaries", "check_key_position",
    "check_links_and_images", "check_near_duplicate_module", "check_objectives_assessed", "check_personal_data",
    "check_question_count", "check_readability", "check_rendering_fidelity", "check_schema", "check_structure", "readability_grade", "run_checks", "text_fields",
]
