"""Moodle XML: writing assessments and reading question banks (multichoice, truefalse, shortanswer).

A question without its own title is written with its id as the name (Moodle needs a name) and
read back without a title when the name equals the idnumber.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from workbench.domain.assessment import Assessment, Item, ItemType, Option, TextFormat
from workbench.exports.model import ParsedBank, UnsupportedQuestion
from workbench.exports.safe_text import export_safe_item
from workbench.exports.scoring import format_weight, general_feedback, option_weights, true_false_answer, true_false_item_options, true_false_options
from workbench.exports.xmlutil import child, children, parse_xml, sub, to_xml_bytes

_DOMAIN_TO_MOODLE = {TextFormat.MARKDOWN: "markdown", TextFormat.HTML: "html", TextFormat.PLAIN: "plain_text"}
_MOODLE_TO_DOMAIN = {
    "markdown": TextFormat.MARKDOWN,
    "html": TextFormat.HTML,
    "plain_text": TextFormat.PLAIN,
    "moodle_auto_format": TextFormat.PLAIN,
}
_MOODLE_TYPES = {
    ItemType.SINGLE_CHOICE: "multichoice",
    ItemType.MULTIPLE_RESPONSE: "multichoice",
    ItemType.TRUE_FALSE: "truefalse",
    ItemType.SHORT_ANSWER: "shortanswer",
}


# --- writing --------------------------------------------------------------------------------

def _text_element(parent: ET.Element, tag: str, text: str, text_format: str | None = None) -> ET.Element:
    element = sub(parent, tag, **({"format": text_format} if text_format else {}))
    sub(element, "text", text)
    return element


def _answer(parent: ET.Element, fraction: float, text: str, feedback: str, text_format: str) -> None:
    answer = sub(parent, "answer", fraction=format_weight(fraction), format=text_format)
    sub(answer, "text", text)
    _text_element(answer, "feedback", feedback, text_format)


def write_question(quiz: ET.Element, item: Item) -> None:
    """Append one item as a Moodle <question>."""
    text_format = _DOMAIN_TO_MOODLE[item.text_format]
    question = sub(quiz, "question", type=_MOODLE_TYPES[item.type])
    _text_element(question, "name", item.title or item.id)
    _text_element(question, "questiontext", item.stem, text_format)
    _text_element(question, "generalfeedback", general_feedback(item), text_format)
    sub(question, "defaultgrade", "1")
    sub(question, "penalty", "0.3333333")
    sub(question, "hidden", "0")
    sub(question, "idnumber", item.id)

    if item.type == ItemType.TRUE_FALSE:
        is_true = true_false_answer(item)
        true_option, false_option = true_false_options(item)
        _answer(question, 100 if is_true else 0, "true", true_option.feedback if true_option else "", text_format)
        _answer(question, 0 if is_true else 100, "false", false_option.feedback if false_option else "", text_format)
    elif item.type == ItemType.SHORT_ANSWER:
        sub(question, "usecase", "0")
        for option in item.options:
            fraction = option.weight if option.weight is not None else (100.0 if option.correct else 0.0)
            _answer(question, fraction, option.text, option.feedback, text_format)
    else:
        sub(question, "single", "true" if item.type == ItemType.SINGLE_CHOICE else "false")
        sub(question, "shuffleanswers", "true")
        sub(question, "answernumbering", "abc")
        for option, fraction in zip(item.options, option_weights(item)):
            _answer(question, fraction, option.text, option.feedback, text_format)

    if item.tags:
        tags = sub(question, "tags")
        for tag in item.tags:
            _text_element(tags, "tag", tag)


def write_moodle_xml(assessment: Assessment) -> bytes:
    """The whole assessment as a Moodle XML quiz file (category question first)."""
    quiz = ET.Element("quiz")
    if assessment.category:
        category = sub(quiz, "question", type="category")
        _text_element(category, "category", assessment.category)
    for item in assessment.items:
        write_question(quiz, export_safe_item(item))
    return to_xml_bytes(quiz)


# --- reading --------------------------------------------------------------------------------

def _text_of(element: ET.Element | None) -> str:
    node = child(element, "text")
    return (node.text or "").strip() if node is not None else ""


def _fraction(answer: ET.Element) -> float:
    try:
        return float(answer.get("fraction", "0"))
    except ValueError:
        return 0.0


def _option_id(index: int) -> str:
    return "abcdefghijklmnopqrstuvwxyz"[index] if index < 26 else f"o{index + 1}"


def _read_item(question: ET.Element, kind: str, position: int) -> Item:
    name = _text_of(child(question, "name"))
    idnumber = (child(question, "idnumber").text or "").strip() if child(question, "idnumber") is not None else ""
    questiontext = child(question, "questiontext")
    text_format = _MOODLE_TO_DOMAIN.get((questiontext.get("format") if questiontext is not None else "") or "html", TextFormat.HTML)
    tags = [_text_of(tag) for tag in children(child(question, "tags"), "tag")] if child(question, "tags") is not None else []
    answers = children(question, "answer")
    item = Item(
        id=idnumber or f"q{position}",
        type=ItemType.SHORT_ANSWER,
        stem=_text_of(questiontext),
        title="" if name == idnumber else name,
        general_feedback=_text_of(child(question, "generalfeedback")),
        tags=[tag for tag in tags if tag],
        text_format=text_format,
    )
    if kind == "truefalse":
        by_text = {_text_of(answer).lower(): answer for answer in answers}
        true_answer, false_answer = by_text.get("true"), by_text.get("false")
        is_true = true_answer is not None and _fraction(true_answer) > 0
        item.type = ItemType.TRUE_FALSE
        item.options = true_false_item_options(
            is_true, _text_of(child(true_answer, "feedback")), _text_of(child(false_answer, "feedback"))
        )
        return item

    single = (child(question, "single").text or "true").strip().lower() in {"true", "1"} if child(question, "single") is not None else True
    if kind == "multichoice":
        item.type = ItemType.SINGLE_CHOICE if single else ItemType.MULTIPLE_RESPONSE
    options = []
    for index, answer in enumerate(answers):
        fraction = _fraction(answer)
        if item.type == ItemType.SINGLE_CHOICE:
            correct, weight = fraction >= 100, (None if fraction in (0, 100) else fraction)
        elif item.type == ItemType.MULTIPLE_RESPONSE:
            correct, weight = fraction > 0, (None if fraction == 0 else fraction)
        else:
            correct, weight = fraction > 0, (None if fraction == 100 else fraction)
        options.append(
            Option(id=_option_id(index), text=_text_of(answer), correct=correct, feedback=_text_of(child(answer, "feedback")), weight=weight)
        )
    item.options = options
    return item


_SUPPORTED = {"multichoice", "truefalse", "shortanswer"}
_WHY_NOT = {
    "essay": "essay questions are graded by hand and have no options to import",
    "description": "a description has no answers to import",
}


def parse_moodle_xml(data: bytes | str, source: str | Path = "Moodle XML") -> ParsedBank:
    """Read a Moodle XML question bank; unsupported question types are listed, not fatal."""
    root = parse_xml(data, source)
    bank = ParsedBank()
    position = 0
    for question in children(root, "question"):
        kind = question.get("type", "")
        if kind == "category":
            bank.category = bank.category or _text_of(child(question, "category"))
            continue
        position += 1
        if kind not in _SUPPORTED:
            reason = _WHY_NOT.get(kind, f"'{kind}' questions are not supported")
            bank.unsupported.append(UnsupportedQuestion(position, _text_of(child(question, "name")), kind, reason))
            continue
        bank.items.append(_read_item(question, kind, position))
    return bank
