"""Checks against the library: a near-duplicate of an existing module, instruction-like text echoed from a source."""

from __future__ import annotations


from workbench.domain.checks.context import CheckContext, finding, normalise, text_fields
from workbench.domain.drafts import DraftContent
from workbench.domain.findings import Finding, Severity


# --------------------------------------------------------------------------- library and sources


def check_near_duplicate_module(content: DraftContent, context: CheckContext) -> list[Finding]:
    """The draft does not repeat a module the library already has."""
    if not context.module_similarities:
        return []
    return [
        finding(
            "near_duplicate_module",
            Severity.WARNING,
            "module",
            f"the draft is {similarity:.2f} similar to library module '{module_id}': extend or link that module instead of duplicating it",
        )
        for module_id, similarity in sorted(context.module_similarities, key=lambda pair: -pair[1])
        if similarity >= context.near_duplicate_threshold
    ]


def _shingles(text: str, size: int = 6) -> set[str]:
    words = normalise(text).split()
    if len(words) < size:
        return {" ".join(words)} if len(words) >= 3 else set()
    return {" ".join(words[index : index + size]) for index in range(len(words) - size + 1)}


def check_injection_canaries(content: DraftContent, context: CheckContext) -> list[Finding]:
    """Instruction-like text from a source passage (or its canary) does not reach the draft."""
    findings = []
    for passage in context.suspicious_passages:
        findings.append(
            finding(
                "injection_canary",
                Severity.WARNING,
                f"source:{passage.chunk_id}",
                f"library passage {passage.chunk_id} contains text that tries to instruct the model "
                f"('{passage.phrases[0][:80]}'); it was passed as data only",
            )
        )
    if not context.suspicious_passages:
        return findings
    for location, field_name, text in text_fields(content):
        normalised = normalise(text)
        text_shingles = _shingles(text)
        for passage in context.suspicious_passages:
            leaked = passage.canary and passage.canary.lower() in text.lower()
            echoed = any(
                (normalise(phrase) and normalise(phrase) in normalised) or (_shingles(phrase) & text_shingles)
                for phrase in passage.phrases
            )
            if leaked or echoed:
                what = "the canary marker" if leaked else "instruction-like text"
                findings.append(
                    finding(
                        "injection_canary",
                        Severity.ERROR,
                        location,
                        f"{field_name} repeats {what} from library passage {passage.chunk_id}: the source may have steered the model",
                    )
                )
    return findings
