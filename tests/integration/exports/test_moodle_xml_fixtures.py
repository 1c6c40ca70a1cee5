"""The Moodle XML reference files of ../shared/fixtures/moodle_xml: read, reported and round-tripped."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.domain.assessment import Assessment, ItemType
from workbench.exports.gift import parse_gift, write_gift
from workbench.exports.moodle_xml import parse_moodle_xml, write_moodle_xml
from workbench.exports.safe_text import export_safe_item

EXPECTED = {
    # file: (supported item types, unsupported question types)
    "multiple-choiceRef.xml": (["single_choice", "single_choice"], []),
    "true-falseRef.xml": (["true_false"] * 3, []),
    "shortanswerRef.xml": (["short_answer"] * 3, []),
    "markdownRef.xml": (["single_choice"], []),
    "clozeRef.xml": ([], ["cloze"] * 5),
    "description.xml": ([], ["description"]),
    "diff_set_equalityRef.xml": ([], ["stack"]),
    "exact_set_equalityRef.xml": ([], ["stack"]),
    "dragdrop_missing-wordsRef.xml": ([], ["ddwtos"] * 2),
    "essayRef.xml": ([], ["essay"] * 2),
    "matchingRef.xml": ([], ["matching"] * 2),
    "missing-wordsRef.xml": ([], ["gapselect"] * 6),
    "multiple-true-falseRef.xml": ([], ["mtf"] * 3),
    "numericalRef.xml": ([], ["numerical"] * 2),
    "orderingRef.xml": ([], ["ordering"] * 2),
}


@pytest.fixture
def moodle_dir(shared_dir: Path) -> Path:
    return shared_dir / "fixtures" / "moodle_xml"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_supported_read_and_unsupported_reported(moodle_dir: Path, name: str) -> None:
    bank = parse_moodle_xml((moodle_dir / name).read_bytes(), name)
    supported, unsupported = EXPECTED[name]
    assert [item.type.value for item in bank.items] == supported
    assert [question.type for question in bank.unsupported] == unsupported
    assert all(question.title and question.reason for question in bank.unsupported)
    positions = sorted([question.position for question in bank.unsupported] + [int(item.id[1:]) for item in bank.items])
    assert positions == list(range(1, len(positions) + 1))


@pytest.mark.parametrize("name", sorted(name for name, (supported, _) in EXPECTED.items() if supported))
def test_import_export_import_gives_equal_questions(moodle_dir: Path, name: str) -> None:
    bank = parse_moodle_xml((moodle_dir / name).read_bytes(), name)
    assessment = Assessment(id="x", title="x", category=bank.category, items=bank.items)
    # Exactly what was exported comes back: items as written, or held to the app's HTML allowlist.
    exported = [export_safe_item(item) for item in bank.items]
    assert parse_moodle_xml(write_moodle_xml(assessment)).items == exported
    assert parse_gift(write_gift(assessment)).items == exported


def test_details_of_the_reference_files(moodle_dir: Path) -> None:
    choice = parse_moodle_xml((moodle_dir / "multiple-choiceRef.xml").read_bytes()).items[1]
    assert choice.general_feedback == "<p>General feedback</p>"
    assert [(o.correct, o.weight, o.feedback) for o in choice.options] == [
        (True, None, "Feedback for option 1"), (False, 50.0, "Feedback for option 2"), (False, None, "Feedback for option 3")]
    true_false = parse_moodle_xml((moodle_dir / "true-falseRef.xml").read_bytes()).items[0]
    assert true_false.type == ItemType.TRUE_FALSE
    assert [(o.text, o.correct, o.feedback) for o in true_false.options] == [
        ("True", False, "<p>Wrong feedback</p>"), ("False", True, "<p>Correct feedback</p>")]
    category = parse_moodle_xml((moodle_dir / "description.xml").read_bytes()).category
    assert category == "$module$/description-cat"
