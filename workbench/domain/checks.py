"""Deterministic pre-review checks: plain functions from a draft (plus plain data) to findings.

Everything a check needs beyond the draft itself (which chunk ids exist, similarity scores,
passages that looked like instructions, the inclusive-language word list) is handed in as
plain data in a `CheckContext`, so this module stays free of the index, the database and
the model.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Callable, Iterable, Iterator

from pydantic import ValidationError

from workbench.domain.assessment import Item, ItemType
from workbench.domain.drafts import DraftContent
from workbench.domain.findings import Finding, Severity
from workbench.domain.library import Level

# --------------------------------------------------------------------------- plain data in


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


# --------------------------------------------------------------------------- helpers


def _finding(check: str, severity: Severity, location: str, message: str) -> Finding:
    return Finding(check=check, severity=severity, location=location, message=message)


def _normalise(text: str) -> str:
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


# --------------------------------------------------------------------------- schema


def check_schema(data: object) -> list[Finding]:
    """The draft validates against the schema; one error finding per validation problem."""
    try:
        DraftContent.model_validate(data)
    except ValidationError as error:
        return [
            _finding(
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
                    _finding("schema_valid", Severity.ERROR, f"{kind}:{duplicate}", f"{count} {kind}s share the id '{duplicate}'")
                )
    if not module.objectives:
        findings.append(_finding("schema_valid", Severity.ERROR, "module", "the module has no objectives"))
    if not module.sections:
        findings.append(_finding("schema_valid", Severity.ERROR, "module", "the module has no sections"))
    if not content.assessment.items:
        findings.append(_finding("schema_valid", Severity.ERROR, "module", "the assessment has no items"))
    objective_ids = {objective.id for objective in module.objectives}
    for item in content.assessment.items:
        if item.objective_id and item.objective_id not in objective_ids:
            findings.append(
                _finding(
                    "schema_valid",
                    Severity.ERROR,
                    f"item:{item.id}",
                    f"the item points at objective '{item.objective_id}', which the module does not have",
                )
            )
        elif not item.objective_id:
            findings.append(_finding("schema_valid", Severity.WARNING, f"item:{item.id}", "the item names no objective"))
        option_ids = [option.id for option in item.options]
        for duplicate, count in Counter(option_ids).items():
            if count > 1:
                findings.append(
                    _finding("schema_valid", Severity.ERROR, f"item:{item.id}", f"{count} options share the id '{duplicate}'")
                )
    for number, activity in enumerate(module.activities, start=1):
        for objective_id in activity.objective_ids:
            if objective_id not in objective_ids:
                findings.append(
                    _finding(
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
                _finding("citation_resolves", Severity.ERROR, location, f"citation '{chunk_id}' is not a chunk of the library")
            )
        elif context.retrieved_chunk_ids is not None and chunk_id not in context.retrieved_chunk_ids:
            findings.append(
                _finding(
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
            _finding(
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
            findings.append(_finding("grounding", Severity.WARNING, location, "the section cites no library passage"))
            continue
        score = scores.get(section.id)
        if score is None:
            continue
        if score < context.grounding_threshold:
            findings.append(
                _finding(
                    "grounding",
                    Severity.WARNING,
                    location,
                    f"grounding score {score:.2f} is below {context.grounding_threshold:.2f}: the text says little of what its sources say",
                )
            )
        else:
            findings.append(_finding("grounding", Severity.INFO, location, f"grounding score {score:.2f}"))
    for item in content.assessment.items:
        if not item.citations:
            findings.append(_finding("grounding", Severity.WARNING, f"item:{item.id}", "the item's rationale cites no library passage"))
    return findings


# --------------------------------------------------------------------------- assessment


def check_objectives_assessed(content: DraftContent, context: CheckContext) -> list[Finding]:
    """Every objective is tested by at least one item."""
    assessed = {item.objective_id for item in content.assessment.items}
    return [
        _finding("objective_assessed", Severity.ERROR, f"objective:{objective.id}", f"no item assesses objective '{objective.text}'")
        for objective in content.module.objectives
        if objective.id not in assessed
    ]


def _key_problem(item: Item) -> str | None:
    keys = len(item.keys)
    if item.type == ItemType.SINGLE_CHOICE:
        if len(item.options) < 2:
            return f"a single-choice item needs at least two options, it has {len(item.options)}"
        if keys != 1:
            return f"a single-choice item needs exactly one key, it has {keys}"
    elif item.type == ItemType.TRUE_FALSE:
        if len(item.options) != 2:
            return f"a true/false item needs exactly two options, it has {len(item.options)}"
        if keys != 1:
            return f"a true/false item needs exactly one key, it has {keys}"
    elif item.type == ItemType.MULTIPLE_RESPONSE:
        if len(item.options) < 3:
            return f"a multiple-response item needs at least three options, it has {len(item.options)}"
        if keys < 1:
            return "a multiple-response item needs at least one key, it has none"
        if keys == len(item.options):
            return "every option of the multiple-response item is a key"
    elif item.type == ItemType.SHORT_ANSWER:
        if not any(option.text.strip() for option in item.options):
            return "a short-answer item needs at least one accepted answer"
    return None


def check_answer_keys(content: DraftContent, context: CheckContext) -> list[Finding]:
    """Each item has the number of keys its type requires."""
    findings = []
    for item in content.assessment.items:
        problem = _key_problem(item)
        if problem:
            findings.append(_finding("answer_key", Severity.ERROR, f"item:{item.id}", problem))
    return findings


def _similar(first: str, second: str, threshold: float) -> bool:
    a, b = _normalise(first), _normalise(second)
    if not a or not b:
        return False
    return a == b or SequenceMatcher(None, a, b).ratio() >= threshold


def check_duplicate_options(content: DraftContent, context: CheckContext) -> list[Finding]:
    """No item offers the same option twice, word for word or nearly."""
    findings = []
    for item in content.assessment.items:
        if item.type == ItemType.SHORT_ANSWER:
            continue
        options = item.options
        for index, first in enumerate(options):
            for second in options[index + 1 :]:
                if _similar(first.text, second.text, context.option_similarity_threshold):
                    exact = _normalise(first.text) == _normalise(second.text)
                    findings.append(
                        _finding(
                            "duplicate_options",
                            Severity.ERROR if exact else Severity.WARNING,
                            f"item:{item.id}",
                            f"options '{first.id}' and '{second.id}' are {'the same' if exact else 'nearly the same'}: '{first.text}'",
                        )
                    )
    return findings


_ALL_NONE_OF_THE_ABOVE = re.compile(r"\b(all|none|both|neither)\s+of\s+the\s+(above|options|answers)\b", re.IGNORECASE)


def check_all_none_of_the_above(content: DraftContent, context: CheckContext) -> list[Finding]:
    """No option is 'all of the above' or 'none of the above'."""
    findings = []
    for item in content.assessment.items:
        for option in item.options:
            if _ALL_NONE_OF_THE_ABOVE.search(option.text):
                findings.append(
                    _finding(
                        "all_none_of_the_above",
                        Severity.WARNING,
                        f"item:{item.id}",
                        f"option '{option.id}' is '{option.text}': it rewards test-taking tricks, write a real distractor",
                    )
                )
    return findings


def check_key_position(content: DraftContent, context: CheckContext) -> list[Finding]:
    """The key does not sit in the same position in too many single-key items."""
    positions = [
        next(index for index, option in enumerate(item.options) if option.correct)
        for item in content.assessment.items
        if item.type in (ItemType.SINGLE_CHOICE, ItemType.TRUE_FALSE) and len(item.keys) == 1 and len(item.options) >= 2
    ]
    if len(positions) < context.key_position_min_items:
        return []
    position, count = Counter(positions).most_common(1)[0]
    if count / len(positions) > context.key_position_share:
        letter = chr(ord("a") + position) if position < 26 else str(position + 1)
        return [
            _finding(
                "key_position",
                Severity.WARNING,
                "module",
                f"the key is option {position + 1} ('{letter}') in {count} of {len(positions)} items: shuffle the options",
            )
        ]
    return []


# --------------------------------------------------------------------------- language


_MARKDOWN_NOISE = re.compile(r"`{1,3}[^`]*`{1,3}|!\[[^\]]*\]\([^)]*\)|\[([^\]]*)\]\([^)]*\)|[#>*_|~-]+")
_VOWEL_GROUPS = re.compile(r"[aeiouy]+")


def _syllables(word: str) -> int:
    word = word.lower()
    if len(word) <= 3:
        return 1
    if word.endswith("e") and not word.endswith(("le", "ee")):
        word = word[:-1]
    return max(1, len(_VOWEL_GROUPS.findall(word)))


def readability_grade(text: str) -> tuple[float, int]:
    """Flesch-Kincaid grade level of a markdown text, and its word count."""
    plain = _MARKDOWN_NOISE.sub(lambda match: match.group(1) or " ", text)
    sentences = [part for part in re.split(r"[.!?;:]+(?:\s|$)|\n\s*\n|\n(?=\s*\d+\.)", plain) if re.search(r"[A-Za-z]", part)]
    words = re.findall(r"[A-Za-z]+(?:'[A-Za-z]+)?", plain)
    if not words or not sentences:
        return 0.0, 0
    syllables = sum(_syllables(word) for word in words)
    grade = 0.39 * (len(words) / len(sentences)) + 11.8 * (syllables / len(words)) - 15.59
    return round(grade, 1), len(words)


def check_readability(content: DraftContent, context: CheckContext) -> list[Finding]:
    """Each long-enough section reads at a grade suited to the module's level."""
    expected = context.readability.get(content.module.level)
    if expected is None:
        return []
    findings = []
    for section in content.module.sections:
        grade, words = readability_grade(section.body)
        if words < context.readability_min_words:
            continue
        if grade > expected.high:
            findings.append(
                _finding(
                    "readability",
                    Severity.WARNING,
                    f"section:{section.id}",
                    f"reading grade {grade} is above {expected.high} for a {content.module.level} audience: shorter sentences and plainer words",
                )
            )
        elif grade < expected.low:
            findings.append(
                _finding(
                    "readability",
                    Severity.INFO,
                    f"section:{section.id}",
                    f"reading grade {grade} is below {expected.low} for a {content.module.level} audience: it may read as simplistic",
                )
            )
    return findings


def check_inclusive_language(content: DraftContent, context: CheckContext) -> list[Finding]:
    """No term of the configured inclusive-language word list appears."""
    if not context.inclusive_terms:
        return []
    patterns = [
        (term, re.compile(r"(?<![\w-])" + r"[\s-]+".join(re.escape(part) for part in term.term.split()) + r"(?![\w-])", re.IGNORECASE))
        for term in context.inclusive_terms
    ]
    findings = []
    for location, field_name, text in text_fields(content):
        for term, pattern in patterns:
            match = pattern.search(text)
            if match:
                advice = f"; consider '{term.suggestion}'" if term.suggestion else ""
                findings.append(
                    _finding("inclusive_language", term.severity, location, f"{field_name} uses '{match.group(0)}'{advice}")
                )
    return findings


_PERSONAL_DATA = (
    ("email address", re.compile(r"\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b")),
    ("phone number", re.compile(r"(?<![\w.])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,5}\)[\s.-]?)?\d{2,5}[\s.-]\d{3,4}[\s.-]?\d{3,4}(?![\w.])")),
    ("phone number", re.compile(r"(?<![\w.])\+\d{10,14}(?![\w.])")),
    ("US social security number", re.compile(r"\b\d{3}-\d{2}-\d{4}\b")),
    ("UK national insurance number", re.compile(r"\b[A-CEGHJ-PR-TW-Z]{2}\s?\d{2}\s?\d{2}\s?\d{2}\s?[A-D]\b")),
    ("Aadhaar number", re.compile(r"\b[2-9]\d{3}\s\d{4}\s\d{4}\b")),
    ("PAN number", re.compile(r"\b[A-Z]{5}\d{4}[A-Z]\b")),
    ("payment card number", re.compile(r"\b(?:\d{4}[\s-]){3}\d{4}\b")),
)
_EXAMPLE_DOMAINS = re.compile(r"@(?:[\w-]+\.)*(?:example\.(?:com|org|net)|example)\b", re.IGNORECASE)


def check_personal_data(content: DraftContent, context: CheckContext) -> list[Finding]:
    """No email addresses, phone numbers or national ids (example.com addresses are allowed)."""
    findings = []
    for location, field_name, text in text_fields(content):
        seen: set[str] = set()
        for label, pattern in _PERSONAL_DATA:
            for match in pattern.finditer(text):
                value = match.group(0)
                if label == "email address" and _EXAMPLE_DOMAINS.search(value):
                    continue
                if value in seen:
                    continue
                seen.add(value)
                findings.append(
                    _finding(
                        "personal_data",
                        Severity.ERROR,
                        location,
                        f"{field_name} contains what looks like a {label} ({_mask(value)}); remove it or use an invented example",
                    )
                )
    return findings


def _mask(value: str) -> str:
    """Show enough of a personal-data match to find it, not enough to spread it."""
    return value[:3] + "…" if len(value) > 4 else "…"


_IMAGE = re.compile(r"!\[[^\]]*\]\(\s*<?([^)\s>]+)|<img\b[^>]*>", re.IGNORECASE)
_LINK = re.compile(r"(?<!!)\[[^\]]*\]\(\s*<?([^)\s>]+)|<a\b[^>]*href|\b(?:https?|ftp)://[^\s)>\]]+|\bwww\.[\w-]+\.[\w.-]+", re.IGNORECASE)


def check_links_and_images(content: DraftContent, context: CheckContext) -> list[Finding]:
    """External links and images are pointed out (images are blocked when rendered)."""
    findings = []
    for location, field_name, text in text_fields(content):
        for match in _IMAGE.finditer(text):
            findings.append(
                _finding("links_and_images", Severity.WARNING, location, f"{field_name} embeds an image ({match.group(0)[:80]}); external images are not shown")
            )
        without_images = _IMAGE.sub(" ", text)
        for match in _LINK.finditer(without_images):
            target = match.group(1) or match.group(0)
            if target.startswith("#"):
                continue
            findings.append(
                _finding("links_and_images", Severity.WARNING, location, f"{field_name} links to '{target[:80]}': check it is trustworthy and still live")
            )
    return findings


# --------------------------------------------------------------------------- library and sources


def check_near_duplicate_module(content: DraftContent, context: CheckContext) -> list[Finding]:
    """The draft does not repeat a module the library already has."""
    if not context.module_similarities:
        return []
    return [
        _finding(
            "near_duplicate_module",
            Severity.WARNING,
            "module",
            f"the draft is {similarity:.2f} similar to library module '{module_id}': extend or link that module instead of duplicating it",
        )
        for module_id, similarity in sorted(context.module_similarities, key=lambda pair: -pair[1])
        if similarity >= context.near_duplicate_threshold
    ]


def _shingles(text: str, size: int = 6) -> set[str]:
    words = _normalise(text).split()
    if len(words) < size:
        return {" ".join(words)} if len(words) >= 3 else set()
    return {" ".join(words[index : index + size]) for index in range(len(words) - size + 1)}


def check_injection_canaries(content: DraftContent, context: CheckContext) -> list[Finding]:
    """Instruction-like text from a source passage (or its canary) does not reach the draft."""
    findings = []
    for passage in context.suspicious_passages:
        findings.append(
            _finding(
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
        normalised = _normalise(text)
        text_shingles = _shingles(text)
        for passage in context.suspicious_passages:
            leaked = passage.canary and passage.canary.lower() in text.lower()
            echoed = any(
                (_normalise(phrase) and _normalise(phrase) in normalised) or (_shingles(phrase) & text_shingles)
                for phrase in passage.phrases
            )
            if leaked or echoed:
                what = "the canary marker" if leaked else "instruction-like text"
                findings.append(
                    _finding(
                        "injection_canary",
                        Severity.ERROR,
                        location,
                        f"{field_name} repeats {what} from library passage {passage.chunk_id}: the source may have steered the model",
                    )
                )
    return findings


# --------------------------------------------------------------------------- all together


Check = Callable[[DraftContent, CheckContext], list[Finding]]

CHECKS: dict[str, Check] = {
    "schema_valid": check_structure,
    "citation_resolves": check_citations_resolve,
    "grounding": check_grounding,
    "objective_assessed": check_objectives_assessed,
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
}

_SEVERITY_ORDER = {Severity.ERROR: 0, Severity.WARNING: 1, Severity.INFO: 2}


def run_checks(content: DraftContent, context: CheckContext | None = None, checks: Iterable[str] | None = None) -> list[Finding]:
    """Run the named checks (all by default) and return their findings, most severe first."""
    context = context or CheckContext()
    findings: list[Finding] = []
    for name in checks or CHECKS:
        findings.extend(CHECKS[name](content, context))
    return sorted(findings, key=lambda finding: _SEVERITY_ORDER[finding.severity])
