"""What the checks consult besides the draft, as plain data, and the helpers every check shares."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Callable, Iterator

from workbench.domain.drafts import DraftContent
from workbench.domain.findings import Finding, Severity
from workbench.domain.library import Level




@dataclass(frozen=True)
class InclusiveTerm:
    """A word or phrase to flag, with a suggested alternative."""

    term: str
    suggestion: str = ""
    severity: Severity = Severity.WARNING


@dataclass(frozen=True)
class SuspiciousPassage:
    """A retrieved passage containing text that reads like an instruction to the model."""

    chunk_id: str
    phrases: tuple[str, ...]  # the instruction-like sentences found in the passage
    canary: str = ""  # a marker shown next to the passage; it must never reach the draft


@dataclass(frozen=True)
class ReadabilityRange:
    """The Flesch-Kincaid grade range expected for an audience level."""

    low: float
    high: float


DEFAULT_READABILITY = {
    Level.FOUNDATION: ReadabilityRange(4.0, 10.0),
    Level.INTERMEDIATE: ReadabilityRange(6.0, 12.0),
    Level.ADVANCED: ReadabilityRange(8.0, 15.0),
}


@dataclass
class CheckContext:
    """Everything the checks may consult besides the draft; None means 'not known, skip'."""

    known_chunk_ids: set[str] | None = None  # every chunk id of the library
    retrieved_chunk_ids: set[str] | None = None  # the passages the model was shown
    section_grounding: dict[str, float] | None = None  # section id -> similarity to its cited chunks
    module_similarities: list[tuple[str, float]] | None = None  # (library module id, similarity to draft)
    suspicious_passages: list[SuspiciousPassage] = field(default_factory=list)
    inclusive_terms: list[InclusiveTerm] = field(default_factory=list)
    grounded: bool = True
    grounding_threshold: float = 0.45
    near_duplicate_threshold: float = 0.92
    option_similarity_threshold: float = 0.9
    key_position_share: float = 0.6  # flag when more than this share of keys sit in one position
    key_position_min_items: int = 4
    readability: dict[Level, ReadabilityRange] = field(default_factory=lambda: dict(DEFAULT_READABILITY))
    readability_min_words: int = 40
    # How a text's rendering differs from its source (nesting past the renderer's limit, raw HTML),
    # one sentence per difference; given by the renderer's side, None when not known.
    rendering_differences: Callable[[str], list[str]] | None = None




def finding(check: str, severity: Severity, location: str, message: str) -> Finding:
    return Finding(check=check, severity=severity, location=location, message=message)


def normalise(text: str) -> str:
    """Lower-case, accent-folded, punctuation-free text for comparisons."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded.lower()).split())


def text_fields(content: DraftContent) -> Iterator[tuple[str, str, str]]:
    """Every human-readable text of a draft as (location, field name, text)."""
    module = content.module
    yield "module", "title", module.title
    yield "module", "summary", module.summary
    for objective in module.objectives:
        yield f"objective:{objective.id}", "text", objective.text
    for section in module.sections:
        yield f"section:{section.id}", "heading", section.heading
        yield f"section:{section.id}", "body", section.body
    for number, activity in enumerate(module.activities, start=1):
        yield f"activity:{number}", "title", activity.title
        yield f"activity:{number}", "instructions", activity.instructions
    for number, takeaway in enumerate(module.key_takeaways, start=1):
        yield "module", f"key takeaway {number}", takeaway
    for number, touchpoint in enumerate(module.human_touchpoints, start=1):
        yield "module", f"human touchpoint {number}", touchpoint.description
    for entry in module.glossary:
        yield "module", f"glossary '{entry.term}'", f"{entry.term}: {entry.definition}"
    for item in content.assessment.items:
        location = f"item:{item.id}"
        yield location, "stem", item.stem
        for option in item.options:
            yield location, f"option {option.id}", option.text
            if option.feedback:
                yield location, f"feedback {option.id}", option.feedback
        if item.rationale:
            yield location, "rationale", item.rationale
        if item.general_feedback:
            yield location, "general feedback", item.general_feedback
