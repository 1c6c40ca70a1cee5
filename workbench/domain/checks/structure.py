"""Checks of a draft's shape: the schema, citations that resolve, grounding of each section, objectives assessed."""

from __future__ import annotations

from collections import Counter
from typing import Iterator

from pydantic import ValidationError

from workbench.domain.checks.context import CheckContext, finding
from workbench.domain.drafts import DraftContent
from workbench.domain.findings import Finding, Severity


# --------------------------------------------------------------------------- schema


def check_schema(data: object) -> list[Finding]:
    """The draft validates against the schema; one error finding per validation problem."""
    try:
        DraftContent.model_validate(data)
    except ValidationError as error:
        return [
            finding(
                "schema_valid",
                Severity.ERROR,
                "module",
                f"{'.'.join(str(part) for part in problem['loc']) or 'draft'}: {problem['msg']}",
            )
            for problem in error.errors()
        ]
    return []


def check_structure(content: DraftContent, context: CheckContext) -> list[Finding]:
    """Ids are unique and cross-references (item -> objective, activity -> objective) resolve."""
    findings: list[Finding] = []
    module = content.module
    for kind, ids in (
        ("objective", [objective.id for objective in module.objectives]),
        ("section", [section.id for section in module.sections]),
        ("item", [item.id for item in content.assessment.items]),
    ):
        for duplicate, count in Counter(ids).items():
            if count > 1:
                findings.append(
                    finding("schema_valid", Severity.ERROR, f"{kind}:{duplicate}", f"{count} {kind}s share the id '{duplicate}'")
                )
    if not module.objectives:
        findings.append(finding("schema_valid", Severity.ERROR, "module", "the module has no objectives"))
    if not module.sections:
        findings.append(finding("schema_valid", Severity.ERROR, "module", "the module has no sections"))
    if not content.assessment.items:
        findings.append(finding("schema_valid", Severity.ERROR, "module", "the assessment has no items"))
    objective_ids = {objective.id for objective in module.objectives}
    for item in content.assessment.items:
        if item.objective_id and item.objective_id not in objective_ids:
            findings.append(
                finding(
                    "schema_valid",
                    Severity.ERROR,
                    f"item:{item.id}",
                    f"the item points at objective '{item.objective_id}', which the module does not have",
                )
            )
        elif not item.objective_id:
            findings.append(finding("schema_valid", Severity.WARNING, f"item:{item.id}", "the item names no objective"))
        option_ids = [option.id for option in item.options]
        for duplicate, count in Counter(option_ids).items():
            if count > 1:
                findings.append(
                    finding("schema_valid", Severity.ERROR, f"item:{item.id}", f"{count} options share the id '{duplicate}'")
                )
    for number, activity in enumerate(module.activities, start=1):
        for objective_id in activity.objective_ids:
            if objective_id not in objective_ids:
                findings.append(
                    finding(
                        "schema_valid",
                        Severity.WARNING,
                        f"activity:{number}",
                        f"the activity points at objective '{objective_id}', which the module does not have",
                    )
                )
    return findings


# --------------------------------------------------------------------------- grounding


def _citations(content: DraftContent) -> Iterator[tuple[str, str]]:
    for section in content.module.sections:
        for chunk_id in section.citations:
            yield f"section:{section.id}", chunk_id
    for item in content.assessment.items:
        for chunk_id in item.citations:
            yield f"item:{item.id}", chunk_id


def check_citations_resolve(content: DraftContent, context: CheckContext) -> list[Finding]:
    """Every citation names a real library chunk, and one the model was actually shown."""
    findings: list[Finding] = []
    for location, chunk_id in _citations(content):
        if context.known_chunk_ids is not None and chunk_id not in context.known_chunk_ids:
            findings.append(
                finding("citation_resolves", Severity.ERROR, location, f"citation '{chunk_id}' is not a chunk of the library")
            )
        elif context.retrieved_chunk_ids is not None and chunk_id not in context.retrieved_chunk_ids:
            findings.append(
                finding(
                    "citation_resolves",
                    Severity.WARNING,
                    location,
                    f"citation '{chunk_id}' is a library chunk the draft was not generated from; check it supports the text",
                )
            )
    return findings


def check_grounding(content: DraftContent, context: CheckContext) -> list[Finding]:
    """Each section cites passages and is similar enough to what it cites."""
    findings: list[Finding] = []
    if not context.grounded:
        findings.append(
            finding(
                "grounding",
                Severity.ERROR,
                "module",
                "ungrounded draft: the library gave no passages to base it on, so every claim needs checking against a source",
            )
        )
    scores = context.section_grounding or {}
    for section in content.module.sections:
        location = f"section:{section.id}"
        if not section.citations:
            findings.append(finding("grounding", Severity.WARNING, location, "the section cites no library passage"))
            continue
        score = scores.get(section.id)
        if score is None:
            continue
        if score < context.grounding_threshold:
            findings.append(
                finding(
                    "grounding",
                    Severity.WARNING,
                    location,
                    f"grounding score {score:.2f} is below {context.grounding_threshold:.2f}: the text says little of what its sources say",
                )
            )
        else:
            findings.append(finding("grounding", Severity.INFO, location, f"grounding score {score:.2f}"))
    for item in content.assessment.items:
        if not item.citations:
            findings.append(finding("grounding", Severity.WARNING, f"item:{item.id}", "the item's rationale cites no library passage"))
    return findings
