"""Checks of the assessment: every objective assessed, answer keys, duplicate options, 'all of the above', key position bias."""

from __future__ import annotations

import re
from collections import Counter
from difflib import SequenceMatcher

from workbench.domain.assessment import Item, ItemType
from workbench.domain.checks.context import CheckContext, finding, normalise
from workbench.domain.drafts import DraftContent
from workbench.domain.findings import Finding, Severity


# --------------------------------------------------------------------------- assessment


def check_objectives_assessed(content: DraftContent, context: CheckContext) -> list[Finding]:
    """Every objective is tested by at least one item."""
    assessed = {item.objective_id for item in content.assessment.items}
    return [
        finding("objective_assessed", Severity.ERROR, f"objective:{objective.id}", f"no item assesses objective '{objective.text}'")
        for objective in content.module.objectives
        if objective.id not in assessed
    ]


def check_question_count(content: DraftContent, context: CheckContext) -> list[Finding]:
    """The assessment has as many questions as the brief asked for, or a finding says how many are missing."""
    asked, written = content.provenance.brief.question_count, len(content.assessment.items)
    if written >= asked:
        return []
    return [finding("question_count", Severity.WARNING, "assessment",
                    f"the brief asks for {asked} questions; the draft has {written} ({asked - written} missing) — "
                    "add or regenerate items, or lower the number in the brief")]


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
            findings.append(finding("answer_key", Severity.ERROR, f"item:{item.id}", problem))
    return findings


def _similar(first: str, second: str, threshold: float) -> bool:
    a, b = normalise(first), normalise(second)
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
                    exact = normalise(first.text) == normalise(second.text)
                    findings.append(
                        finding(
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
                    finding(
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
            finding(
                "key_position",
                Severity.WARNING,
                "module",
                f"the key is option {position + 1} ('{letter}') in {count} of {len(positions)} items: shuffle the options",
            )
        ]
    return []
