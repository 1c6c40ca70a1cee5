"""How options score: one rule shared by every exporter so that all formats grade alike."""

from __future__ import annotations

from workbench.domain.assessment import Item, ItemType, Option

# Moodle accepts only these grades (percent); other values are snapped to the nearest one.
MOODLE_GRADES = (
    100.0, 90.0, 83.33333, 80.0, 75.0, 70.0, 66.66667, 60.0, 50.0, 40.0, 33.33333, 30.0,
    25.0, 20.0, 16.66667, 14.28571, 12.5, 11.11111, 10.0, 5.0, 0.0,
)


def snap_to_moodle_grade(percent: float) -> float:
    """The allowed Moodle grade nearest to `percent` (sign kept)."""
    magnitude = min(MOODLE_GRADES, key=lambda grade: abs(grade - abs(percent)))
    return -magnitude if percent < 0 and magnitude else magnitude


def option_weights(item: Item) -> list[float]:
    """The credit in percent each option gives, explicit partial-credit weights first.

    Multiple response without any explicit weight shares 100 among the keys and -100 among the
    distractors, so that ticking everything scores nothing.
    """
    options = item.options
    if item.type == ItemType.MULTIPLE_RESPONSE:
        if any(option.weight is not None for option in options):
            keys = [option for option in options if option.correct and option.weight is None]
            share = snap_to_moodle_grade(100.0 / len(keys)) if keys else 0.0
            return [
                option.weight if option.weight is not None else (share if option.correct else 0.0)
                for option in options
            ]
        keys = sum(1 for option in options if option.correct)
        wrong = len(options) - keys
        gain = snap_to_moodle_grade(100.0 / keys) if keys else 0.0
        loss = -snap_to_moodle_grade(100.0 / wrong) if wrong else 0.0
        return [gain if option.correct else loss for option in options]
    return [
        option.weight if option.weight is not None else (100.0 if option.correct else 0.0)
        for option in options
    ]


def format_weight(percent: float) -> str:
    """A weight as GIFT and Moodle write it: up to 5 decimals, no trailing zeros."""
    text = f"{percent:.5f}".rstrip("0").rstrip(".")
    return "0" if text in {"-0", ""} else text


def true_false_options(item: Item) -> tuple[Option | None, Option | None]:
    """The (True, False) options of a true/false item, found by id or text, else by position."""
    true_option = false_option = None
    for option in item.options:
        label = {option.id.strip().lower(), option.text.strip().lower()}
        if label & {"true", "t"} and true_option is None:
            true_option = option
        elif label & {"false", "f"} and false_option is None:
            false_option = option
    if true_option is None and false_option is None and len(item.options) == 2:
        true_option, false_option = item.options
    return true_option, false_option


def true_false_answer(item: Item) -> bool:
    """True when the statement of a true/false item is true."""
    true_option, false_option = true_false_options(item)
    if true_option is not None:
        return true_option.correct
    return not (false_option.correct if false_option else False)


def general_feedback(item: Item) -> str:
    """What the learner sees after answering, whatever they chose."""
    return item.general_feedback or item.rationale


def true_false_item_options(is_true: bool, true_feedback: str = "", false_feedback: str = "") -> list[Option]:
    """The two options of a true/false item in the workbench's own shape."""
    return [
        Option(id="true", text="True", correct=is_true, feedback=true_feedback),
        Option(id="false", text="False", correct=not is_true, feedback=false_feedback),
    ]
