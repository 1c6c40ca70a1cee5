"""How options score: the one rule every exporter shares."""

from __future__ import annotations

import pytest

from workbench.domain.assessment import Item, ItemType, Option
from workbench.exports.scoring import format_weight, option_weights, snap_to_moodle_grade, true_false_answer


def _item(kind: ItemType, *options: Option) -> Item:
    return Item(id="q", type=kind, stem="?", options=list(options))


def test_multiple_response_without_weights_shares_credit_and_penalises_distractors() -> None:
    item = _item(ItemType.MULTIPLE_RESPONSE, Option(id="a", text="A", correct=True), Option(id="b", text="B", correct=True),
                 Option(id="c", text="C"))
    assert option_weights(item) == [50.0, 50.0, -100.0]


def test_multiple_response_keeps_explicit_weights() -> None:
    item = _item(ItemType.MULTIPLE_RESPONSE, Option(id="a", text="A", correct=True, weight=75),
                 Option(id="b", text="B", correct=True, weight=25), Option(id="c", text="C"))
    assert option_weights(item) == [75, 25, 0.0]


def test_three_keys_snap_to_a_grade_moodle_accepts() -> None:
    item = _item(ItemType.MULTIPLE_RESPONSE, *[Option(id=x, text=x, correct=True) for x in "abc"], Option(id="d", text="d"))
    assert option_weights(item) == [33.33333, 33.33333, 33.33333, -100.0]


def test_single_choice_partial_credit() -> None:
    item = _item(ItemType.SINGLE_CHOICE, Option(id="a", text="A", correct=True), Option(id="b", text="B", weight=50), Option(id="c", text="C"))
    assert option_weights(item) == [100.0, 50, 0.0]


@pytest.mark.parametrize("value, snapped", [(33.3, 33.33333), (-49, -50.0), (100, 100.0), (12.4, 12.5), (0.1, 0.0)])
def test_snap_to_moodle_grade(value: float, snapped: float) -> None:
    assert snap_to_moodle_grade(value) == snapped


@pytest.mark.parametrize("value, text", [(33.33333, "33.33333"), (-100.0, "-100"), (50, "50"), (0.0, "0"), (-0.0, "0")])
def test_format_weight(value: float, text: str) -> None:
    assert format_weight(value) == text


def test_true_false_answer_found_by_text_or_id() -> None:
    by_text = _item(ItemType.TRUE_FALSE, Option(id="a", text="False", correct=True), Option(id="b", text="True"))
    by_id = _item(ItemType.TRUE_FALSE, Option(id="true", text="Yes", correct=True), Option(id="false", text="No"))
    assert true_false_answer(by_text) is False
    assert true_false_answer(by_id) is True
