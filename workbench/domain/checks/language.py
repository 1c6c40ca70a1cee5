"""Checks of the wording: readability for the audience, inclusive language, personal data, links and images."""

from __future__ import annotations

import re

from workbench.domain.checks.context import CheckContext, finding, text_fields
from workbench.domain.drafts import DraftContent
from workbench.domain.findings import Finding, Severity


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
                finding(
                    "readability",
                    Severity.WARNING,
                    f"section:{section.id}",
                    f"reading grade {grade} is above {expected.high} for a {content.module.level} audience: shorter sentences and plainer words",
                )
            )
        elif grade < expected.low:
            findings.append(
                finding(
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
                    finding("inclusive_language", term.severity, location, f"{field_name} uses '{match.group(0)}'{advice}")
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
                    finding(
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
                finding("links_and_images", Severity.WARNING, location, f"{field_name} embeds an image ({match.group(0)[:80]}); external images are not shown")
            )
        without_images = _IMAGE.sub(" ", text)
        for match in _LINK.finditer(without_images):
            target = match.group(1) or match.group(0)
            if target.startswith("#"):
                continue
            findings.append(
                finding("links_and_images", Severity.WARNING, location, f"{field_name} links to '{target[:80]}': check it is trustworthy and still live")
            )
    return findings
