"""Text that a reader would see differently from what it holds: the reviewer must read what is published.

Three ways a draft can hide text from its reviewer while the published file or an export still
carries it: markdown nested beyond the renderer's limit (the renderer gives up on the rest),
raw HTML (a comment or a tag is invisible in any renderer that passes HTML, such as a git host
or an LMS), and invisible characters (zero-width characters split words past filters;
bidirectional controls reorder what is shown). Each is an error: the text must be rewritten.
"""

from __future__ import annotations

import unicodedata

from workbench.domain.checks.context import CheckContext, finding, text_fields
from workbench.domain.drafts import DraftContent
from workbench.domain.findings import Finding, Severity

# Bidirectional embeddings, overrides, isolates and marks: they reorder what a reader sees.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# Joiners have a use between letters of scripts that need them (Persian, Indic, emoji sequences);
# between two ASCII characters they only hide a break in a word.
JOINERS = frozenset("\u200c\u200d")


def _hidden_characters(text: str) -> list[str]:
    """The invisible or reordering characters of a text, as 'U+XXXX NAME at position N'."""
    found = []
    for position, char in enumerate(text):
        if char in BIDI_CONTROLS or (unicodedata.category(char) == "Cf" and char not in JOINERS):
            found.append(char)
        elif char in JOINERS:
            before, after = text[position - 1 : position], text[position + 1 : position + 2]
            if (not before or before.isascii()) and (not after or after.isascii()):
                found.append(char)
        else:
            continue
        if len(found) == 1:
            first = position
    if not found:
        return []
    kinds = sorted({f"U+{ord(char):04X} {unicodedata.name(char, 'FORMAT CHARACTER')}" for char in found})
    return [f"{len(found)} invisible or reordering character(s) ({', '.join(kinds[:3])}), the first at position {first}"]


def check_rendering_fidelity(content: DraftContent, context: CheckContext) -> list[Finding]:
    """No text of the draft shows a reader less, or other, than what it holds."""
    findings = []
    for location, field_name, text in text_fields(content):
        problems = _hidden_characters(text)
        if context.rendering_differences is not None:
            problems = list(context.rendering_differences(text)) + problems
        for problem in problems:
            findings.append(finding(
                "rendering_fidelity", Severity.ERROR, location,
                f"{field_name}: {problem}; reviewers would not see what is published, so rewrite it as plain text",
            ))
    return findings
