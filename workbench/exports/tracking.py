"""How each quiz item is recorded in an LMS: SCORM 1.2 and 2004 interactions, xAPI answered statements.

The course page computes only the learner's part (which options, what text, what credit); every
identifier, type, code and correct-response pattern is built here, per standard, so that the
values the runtime sends have the format each data model requires and can be checked in tests.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from enum import StrEnum
from urllib.parse import quote

from workbench.domain.assessment import Assessment, Item, ItemType
from workbench.exports.scoring import option_weights, true_false_answer


class Standard(StrEnum):
    """The run-time standards a course package reports through."""

    SCORM12 = "scorm12"
    SCORM2004 = "scorm2004"
    XAPI = "xapi"


# SCORM 2004 obliges an LMS to keep at least 250 interactions (its smallest permitted maximum);
# SCORM 1.2 promises no number at all, so the same cap is the safe one for both.
MAX_SCORM_INTERACTIONS = 250
# SCORM 1.2 writes a choice response as single characters, so an item can name at most 36 options;
# SCORM 2004 allows at most 36 choices in one response as well.
SCORM12_CHOICE_CODES = "abcdefghijklmnopqrstuvwxyz0123456789"
MAX_CHOICES = 36
# Longest text an LMS must keep for a fill-in response or pattern.
TEXT_LIMIT = {Standard.SCORM12: 255, Standard.SCORM2004: 250, Standard.XAPI: 4000}

_SCORM12_IDENTIFIER = re.compile(r"[^A-Za-z0-9_\-]")
_SHORT_IDENTIFIER = re.compile(r"[^\w\-()+.:=@;$!*'%/#]")
_LANGUAGE_TAG = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")

INTERACTION_TYPE = {
    ItemType.SINGLE_CHOICE: "choice",
    ItemType.MULTIPLE_RESPONSE: "choice",
    ItemType.TRUE_FALSE: "true-false",
    ItemType.SHORT_ANSWER: "fill-in",
}
XAPI_INTERACTION_ACTIVITY = "http://adlnet.gov/expapi/activities/cmi.interaction"
XAPI_OBJECTIVE_ACTIVITY = "http://adlnet.gov/expapi/activities/objective"


@dataclass(frozen=True)
class ItemTracking:
    """What the runtime records for one item, in the format of one standard."""

    id: str
    objective_id: str
    type: str
    codes: list[str]  # one response code per option, in the order the quiz shows them
    patterns: list[str]  # correct responses, each complete
    delimiter: str  # between codes in a multi-choice response
    text_limit: int
    choices: list[dict] = field(default_factory=list)  # xAPI interaction components

    def as_dict(self) -> dict:
        """JSON-ready form for the quiz data."""
        data = {
            "id": self.id, "objective": self.objective_id, "type": self.type, "codes": self.codes,
            "patterns": self.patterns, "delimiter": self.delimiter, "text_limit": self.text_limit,
        }
        if self.choices:
            data["choices"] = self.choices
        return data


@dataclass
class TrackingPlan:
    """Tracking for every item of an assessment, and what could not be recorded."""

    items: list[ItemTracking | None]
    notes: list[str] = field(default_factory=list)


def _stable_identifier(value: str, forbidden: re.Pattern, limit: int, fallback: str) -> str:
    cleaned = forbidden.sub("_", value or "")[:limit]
    if cleaned == value and cleaned:
        return cleaned
    digest = hashlib.sha1((value or "").encode("utf-8")).hexdigest()[:8]
    return f"{cleaned[: limit - 9]}_{digest}" if cleaned.strip("_") else f"{fallback}_{digest}"


def scorm_identifier(value: str, standard: Standard, fallback: str = "id") -> str:
    """`value` as an identifier the standard accepts (unchanged when it already is one)."""
    if standard == Standard.SCORM12:
        return _stable_identifier(value, _SCORM12_IDENTIFIER, 255, fallback)
    return _stable_identifier(value, _SHORT_IDENTIFIER, 250, fallback)


def _shown(item_id: str) -> str:
    """An item id as the export's notes quote it: ids come from imported banks, and notes reach terminals."""
    return _CONTROL_CHARACTERS.sub("?", item_id)[:80]


def language_tag(locale: str) -> str:
    """A language tag SCORM 2004 and xAPI accept ("en-GB"), "en" when the locale is not one."""
    tag = (locale or "").replace("_", "-")
    return tag if _LANGUAGE_TAG.match(tag) else "en"


def xapi_iri(base: str, *parts: str) -> str:
    """An activity IRI below `base`, each part percent-encoded."""
    return "/".join([base.rstrip("/"), *(quote(part, safe="") for part in parts)])


def _unique(codes: list[str]) -> list[str]:
    """The codes with repeats made distinct ("a", "a" -> "a", "a-2"): one response must name one option."""
    seen: set[str] = set()
    result = []
    for code in codes:
        candidate, suffix = code, 2
        while candidate in seen:
            candidate, suffix = f"{code}-{suffix}", suffix + 1
        seen.add(candidate)
        result.append(candidate)
    return result


def _option_codes(item: Item, standard: Standard) -> list[str]:
    if item.type == ItemType.TRUE_FALSE:
        return ["t", "f"] if standard == Standard.SCORM12 else ["true", "false"]
    if standard == Standard.SCORM12:
        return list(SCORM12_CHOICE_CODES[: len(item.options)])
    return _unique([scorm_identifier(option.id, standard, f"option{number}") for number, option in enumerate(item.options, 1)])


def fill_in_text(text: str, standard: Standard, language: str) -> str:
    """Learner or pattern text as a fill-in value of the standard (delimiters and length handled)."""
    limit = TEXT_LIMIT[standard]
    if standard == Standard.SCORM12:
        return text[:limit]
    text = text.replace("[,]", ",")[:limit]  # "[,]" separates the strings of one fill-in response
    # A value that starts with "{" would be read as a {lang=...} or {case_matters=...} delimiter.
    return f"{{lang={language}}}{text}" if text.startswith("{") else text


def _patterns(item: Item, standard: Standard, codes: list[str], language: str) -> list[str]:
    weights = option_weights(item)
    if item.type == ItemType.TRUE_FALSE:
        return [codes[0] if true_false_answer(item) else codes[1]]
    if item.type == ItemType.SHORT_ANSWER:
        answers = [fill_in_text(option.text, standard, language) for option, weight in zip(item.options, weights) if weight >= 100]
        if standard == Standard.SCORM12:
            return answers
        # SCORM 2004 and xAPI can say that case does not matter, as the quiz player compares.
        return ["{case_matters=false}" + answer for answer in answers]
    if item.type == ItemType.MULTIPLE_RESPONSE:
        keys = [code for code, weight in zip(codes, weights) if weight > 0]
        return [_delimiter(standard).join(keys)] if keys else []
    # Single choice: each full-credit option is a correct response on its own.
    return [code for code, weight in zip(codes, weights) if weight >= 100]


def _delimiter(standard: Standard) -> str:
    return "," if standard == Standard.SCORM12 else "[,]"


def item_tracking(item: Item, standard: Standard, language: str, activity_base: str = "") -> tuple[ItemTracking | None, list[str]]:
    """How `item` is recorded under `standard`, or None with the reason when it cannot be."""
    notes: list[str] = []
    if item.type in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE) and len(item.options) > MAX_CHOICES:
        return None, [f"question {_shown(item.id)}: {len(item.options)} options are more than the {MAX_CHOICES} a choice "
                      f"interaction can name; it is scored in the quiz but not recorded as an interaction"]
    codes = _option_codes(item, standard)
    patterns = _patterns(item, standard, codes, language)
    limit = TEXT_LIMIT[standard]
    if item.type == ItemType.SHORT_ANSWER:
        long_answers = [option.text for option in item.options if len(option.text) > limit]
        if long_answers:
            notes.append(f"question {_shown(item.id)}: accepted answers longer than {limit} characters are recorded shortened")
    if standard == Standard.XAPI:
        identifier = xapi_iri(activity_base, "items", item.id)
        objective = xapi_iri(activity_base, "objectives", item.objective_id) if item.objective_id else ""
    else:
        identifier = scorm_identifier(item.id, standard, "item")
        objective = scorm_identifier(item.objective_id, standard, "objective") if item.objective_id else ""
    choices = []
    if standard == Standard.XAPI and item.type in (ItemType.SINGLE_CHOICE, ItemType.MULTIPLE_RESPONSE):
        # xAPI describes each choice; an empty description would not be valid xAPI.
        choices = [{"id": code, "description": {language: option.text}} if option.text.strip() else {"id": code}
                   for code, option in zip(codes, item.options)]
    return ItemTracking(
        id=identifier,
        objective_id=objective,
        type=INTERACTION_TYPE[item.type],
        codes=codes,
        patterns=patterns,
        delimiter=_delimiter(standard),
        text_limit=limit,
        choices=choices,
    ), notes


def tracking_plan(assessment: Assessment | None, standard: Standard, locale: str, activity_base: str = "") -> TrackingPlan:
    """Tracking for every item, with the SCORM interaction cap applied and every limit reported."""
    plan = TrackingPlan(items=[])
    language = language_tag(locale)
    seen: set[str] = set()
    for number, item in enumerate(assessment.items if assessment else [], start=1):
        if standard != Standard.XAPI and number > MAX_SCORM_INTERACTIONS:
            plan.items.append(None)
            continue
        tracking, notes = item_tracking(item, standard, language, activity_base)
        if tracking is not None and tracking.id in seen:
            # Two items with one id would overwrite each other's record in the LMS.
            tracking = ItemTracking(**{**tracking.__dict__, "id": f"{tracking.id}-{number}"})
            notes.append(f"question {_shown(item.id)}: the id is used twice; recorded as {_shown(tracking.id)}")
        if tracking is not None:
            seen.add(tracking.id)
        plan.items.append(tracking)
        plan.notes.extend(notes)
    left_out = len(plan.items) - MAX_SCORM_INTERACTIONS
    if standard != Standard.XAPI and left_out > 0:
        plan.notes.append(
            f"{len(plan.items)} questions: an LMS is only obliged to keep {MAX_SCORM_INTERACTIONS} interactions, so "
            f"questions {MAX_SCORM_INTERACTIONS + 1}-{len(plan.items)} ({left_out}) count in the score but are not "
            "recorded one by one")
    return plan
