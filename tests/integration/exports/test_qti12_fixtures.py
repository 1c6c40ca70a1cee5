"""Canvas QTI 1.2 files of ../shared/fixtures/qti12: malformed ones rejected clearly, the rest read."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import ImportFileInvalid
from workbench.exports.qti12 import parse_qti12
from workbench.exports.service import read_question_bank

MALFORMED = {
    "fib.xml": 45,
    "fib_str.xml": 45,
    "item_no_title.xml": 45,
    "choice_vary_points_by_answer.xml": 1,
    "choice_vary_points_by_answer_zero_points.xml": 1,
}


@pytest.fixture
def qti_dir(shared_dir: Path) -> Path:
    return shared_dir / "fixtures" / "qti12"


@pytest.mark.parametrize("name, line", sorted(MALFORMED.items()))
def test_malformed_files_are_rejected_naming_file_and_position(qti_dir: Path, name: str, line: int) -> None:
    path = qti_dir / "items_1.2" / name
    with pytest.raises(ImportFileInvalid) as caught:
        read_question_bank(path)
    message = str(caught.value)
    assert str(path) in message and f"line {line}, column" in message and "not well-formed" in message


def test_every_well_formed_item_file_is_read_without_error(qti_dir: Path) -> None:
    files = [p for p in sorted((qti_dir / "items_1.2").glob("*.xml")) if p.name not in MALFORMED]
    assert len(files) >= 40
    for path in files:
        bank = parse_qti12(path.read_bytes(), path)
        assert bank.items or bank.unsupported, path.name


def test_canvas_quiz_reads_keys_feedback_and_reports_the_rest(qti_dir: Path) -> None:
    fmt, bank = read_question_bank(qti_dir / "all_canvas_simple_1.2.xml")
    assert fmt == "qti12"
    assert [item.type.value for item in bank.items] == ["single_choice", "true_false", "short_answer", "multiple_response"]
    choice = bank.items[0]
    assert [(o.text, o.correct) for o in choice.options] == [("C", True), ("A", False), ("B", False), ("D", False)]
    assert choice.options[0].feedback == "<p>Answer feedback for C, correct</p>"
    assert choice.general_feedback == "<p>Item Feedback, Neutral</p>"
    assert [o.text for o in bank.items[2].options] == ["Blank", "blank"]
    assert {q.type for q in bank.unsupported} >= {"matching_question", "essay_question", "numerical_question"}


def test_canvas_export_package_is_read_through_its_manifest(qti_dir: Path, tmp_path: Path) -> None:
    import shutil

    archive = shutil.make_archive(str(tmp_path / "canvas"), "zip", qti_dir / "test_qti_1.2_canvas")
    fmt, bank = read_question_bank(Path(archive))
    assert fmt == "qti12"
    assert [item.type.value for item in bank.items] == ["true_false", "single_choice", "multiple_response"]
    assert [q.type for q in bank.unsupported] == ["essay_question"]
