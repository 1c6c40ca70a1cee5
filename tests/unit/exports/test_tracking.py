"""What each question is recorded as in SCORM 1.2, SCORM 2004 and xAPI, and the limits the export reports."""

from __future__ import annotations

import pytest

from workbench.domain.assessment import Assessment, Item, ItemType, Option
from workbench.exports.tracking import MAX_SCORM_INTERACTIONS, Standard, scorm_identifier, tracking_plan


def _assessment(*items: Item) -> Assessment:
    return Assessment(id="a", title="A", items=list(items))


def _choice(item_id: str, options: int, **extra) -> Item:
    return Item(id=item_id, type=ItemType.SINGLE_CHOICE, stem="?", options=[
        Option(id=f"o{n}", text=f"Option {n}", correct=n == 0) for n in range(options)], **extra)


@pytest.mark.parametrize("value, standard, expected", [
    ("q1", Standard.SCORM12, "q1"),
    ("item-7_b", Standard.SCORM12, "item-7_b"),
    ("q.1", Standard.SCORM2004, "q.1"),
    ("urn:x:q/1", Standard.SCORM2004, "urn:x:q/1"),
])
def test_identifiers_the_standard_accepts_are_kept(value, standard, expected) -> None:
    assert scorm_identifier(value, standard) == expected


def test_other_identifiers_become_stable_valid_ones() -> None:
    first = scorm_identifier("frage 1 (ä)", Standard.SCORM12)
    assert first == scorm_identifier("frage 1 (ä)", Standard.SCORM12)  # the same id on every export
    assert first.startswith("frage_1") and all(c.isalnum() or c in "_-" for c in first)
    assert scorm_identifier("frage 1 (a)", Standard.SCORM12) != scorm_identifier("frage 1 (b)", Standard.SCORM12)
    assert scorm_identifier("", Standard.SCORM2004, "item").startswith("item_")


@pytest.mark.parametrize("standard", [Standard.SCORM12, Standard.SCORM2004])
def test_a_choice_with_more_options_than_a_response_can_name_is_scored_but_not_recorded(standard) -> None:
    plan = tracking_plan(_assessment(_choice("q1", 40), _choice("q2", 4)), standard, "en")
    assert plan.items[0] is None and plan.items[1].codes[:2] in (["a", "b"], ["o0", "o1"])
    assert plan.notes == ["question q1: 40 options are more than the 36 a choice interaction can name; "
                          "it is scored in the quiz but not recorded as an interaction"]


@pytest.mark.parametrize("standard, limit", [(Standard.SCORM12, 255), (Standard.SCORM2004, 250)])
def test_accepted_answers_longer_than_the_data_model_keeps_are_shortened_and_reported(standard, limit) -> None:
    long_answer = "x" * 300
    item = Item(id="q1", type=ItemType.SHORT_ANSWER, stem="?", options=[Option(id="a", text=long_answer, correct=True)])
    plan = tracking_plan(_assessment(item), standard, "en")
    pattern = plan.items[0].patterns[0].removeprefix("{case_matters=false}")
    assert pattern == "x" * limit
    assert plan.notes == [f"question q1: accepted answers longer than {limit} characters are recorded shortened"]


def test_fill_in_text_that_looks_like_a_delimiter_is_protected_in_scorm_2004() -> None:
    item = Item(id="q1", type=ItemType.SHORT_ANSWER, stem="?", options=[
        Option(id="a", text="{braces} first", correct=True), Option(id="b", text="a[,]b", correct=True)])
    plan = tracking_plan(_assessment(item), Standard.SCORM2004, "en-GB")
    assert plan.items[0].patterns == ["{case_matters=false}{lang=en-GB}{braces} first", "{case_matters=false}a,b"]
    assert tracking_plan(_assessment(item), Standard.SCORM12, "en-GB").items[0].patterns == ["{braces} first", "a[,]b"]


def test_two_questions_with_one_id_are_recorded_apart() -> None:
    plan = tracking_plan(_assessment(_choice("q1", 2), _choice("q1", 2)), Standard.SCORM12, "en")
    assert [item.id for item in plan.items] == ["q1", "q1-2"]
    assert plan.notes == ["question q1: the id is used twice; recorded as q1-2"]


@pytest.mark.parametrize("standard", [Standard.SCORM12, Standard.SCORM2004])
def test_questions_beyond_the_interaction_limit_are_reported(standard) -> None:
    plan = tracking_plan(_assessment(*[_choice(f"q{n}", 3) for n in range(1, 301)]), standard, "en")
    assert sum(item is not None for item in plan.items) == MAX_SCORM_INTERACTIONS == 250
    assert plan.items[249].id == "q250" and plan.items[250] is None
    assert plan.notes[-1].startswith("300 questions: an LMS is only obliged to keep 250 interactions")


def test_xapi_has_no_interaction_limit_and_uses_iris_below_the_course() -> None:
    items = [_choice(f"q{n}", 3, objective_id="o 1") for n in range(1, 301)]
    plan = tracking_plan(_assessment(*items), Standard.XAPI, "en-GB", "https://example.org/courses/c1")
    assert plan.notes == [] and all(item is not None for item in plan.items)
    first = plan.items[0]
    assert (first.id, first.objective_id) == ("https://example.org/courses/c1/items/q1", "https://example.org/courses/c1/objectives/o%201")
    assert first.choices == [{"id": "o0", "description": {"en-GB": "Option 0"}}, {"id": "o1", "description": {"en-GB": "Option 1"}},
                             {"id": "o2", "description": {"en-GB": "Option 2"}}]
    assert first.patterns == ["o0"] and first.delimiter == "[,]"


def test_ids_quoted_in_the_notes_cannot_drive_a_terminal() -> None:
    plan = tracking_plan(_assessment(_choice("q\x1b[2J1", 40)), Standard.SCORM12, "en")
    assert plan.notes[0].startswith("question q?[2J1: 40 options")
