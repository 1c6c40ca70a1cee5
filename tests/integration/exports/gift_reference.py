"""Compare the workbench's reading of a GIFT file with the parse of the reference GIFT grammar."""

from __future__ import annotations

from workbench.domain.assessment import Item, ItemType
from workbench.exports.scoring import true_false_answer

SUPPORTED_REFERENCE_TYPES = {"MC": {"single_choice", "multiple_response"}, "Short": {"short_answer"}, "TF": {"true_false"}}
UNSUPPORTED_REFERENCE_TYPES = {"Description": "description", "Essay": "essay", "Numerical": "numerical", "Matching": "matching"}
FORMATS = {"moodle": "plain", "plain": "plain", "html": "html", "markdown": "markdown"}


def _text(value) -> str:
    return (value or {}).get("text", "") if isinstance(value, dict) else (value or "")


def reference_view(question: dict) -> dict:
    """What the reference grammar says about a supported question, in comparable form."""
    view = {
        "title": question.get("title") or "",
        "stem": question["stem"]["text"],
        "format": FORMATS[question["stem"]["format"]],
        "general_feedback": _text(question.get("globalFeedback")),
        "tags": question.get("tags") or [],
    }
    if question.get("id"):
        view["id"] = question["id"]
    if question["type"] == "TF":
        # The grammar names the two feedbacks by position; Moodle shows the first for a wrong answer.
        view["true_false"] = (question["isTrue"], _text(question.get("trueFeedback")), _text(question.get("falseFeedback")))
    else:
        view["choices"] = [
            (
                choice["text"]["text"],
                float(choice["weight"]) if choice["weight"] is not None else (100.0 if choice["isCorrect"] else 0.0),
                _text(choice.get("feedback")),
            )
            for choice in question["choices"]
        ]
    return view


def item_view(item: Item, with_id: bool) -> dict:
    """The same comparable form for an item the workbench read."""
    view = {
        "title": item.title,
        "stem": item.stem,
        "format": item.text_format.value,
        "general_feedback": item.general_feedback,
        "tags": item.tags,
    }
    if with_id:
        view["id"] = item.id
    if item.type == ItemType.TRUE_FALSE:
        is_true = true_false_answer(item)
        right = next(option for option in item.options if option.correct)
        wrong = next(option for option in item.options if not option.correct)
        view["true_false"] = (is_true, wrong.feedback, right.feedback)
    else:
        view["choices"] = [
            (option.text, option.weight if option.weight is not None else (100.0 if option.correct else 0.0), option.feedback)
            for option in item.options
        ]
    return view
