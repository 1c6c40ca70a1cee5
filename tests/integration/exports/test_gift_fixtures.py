"""The real GIFT files of ../shared/fixtures/gift: read as the reference grammar reads them, and round trips."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gift_reference import SUPPORTED_REFERENCE_TYPES, UNSUPPORTED_REFERENCE_TYPES, item_view, reference_view
from workbench.domain.assessment import Assessment
from workbench.exports.gift import parse_gift, write_gift
from workbench.exports.moodle_xml import parse_moodle_xml, write_moodle_xml
from workbench.exports.safe_text import export_safe_item

FIXTURE_NAMES = sorted(path.stem for path in (Path(__file__).resolve().parents[3].parent / "shared" / "fixtures" / "gift").glob("*.gift"))


@pytest.fixture
def gift_dir(shared_dir: Path) -> Path:
    return shared_dir / "fixtures" / "gift"


def _read(gift_dir: Path, name: str):
    text = (gift_dir / f"{name}.gift").read_text(encoding="utf-8")
    reference = json.loads((gift_dir / f"{name}.json").read_text(encoding="utf-8"))
    return parse_gift(text, name), reference


def test_fixtures_are_there(gift_dir: Path) -> None:
    assert len(list(gift_dir.glob("*.gift"))) >= 50


@pytest.mark.parametrize("name", FIXTURE_NAMES or ["(../shared absent)"])
def test_reading_matches_the_reference_grammar(gift_dir: Path, name: str) -> None:
    bank, reference = _read(gift_dir, name)
    items, unsupported = iter(bank.items), iter(bank.unsupported)
    for question in reference:
        kind = question["type"]
        if kind == "Category":
            assert bank.category == question["title"].strip()
        elif kind in SUPPORTED_REFERENCE_TYPES:
            item = next(items)
            assert item.type.value in SUPPORTED_REFERENCE_TYPES[kind]
            assert item_view(item, with_id=bool(question.get("id"))) == reference_view(question)
        else:
            skipped = next(unsupported)
            assert skipped.type == UNSUPPORTED_REFERENCE_TYPES[kind]
            assert skipped.reason and skipped.position >= 1 and skipped.line >= 1
    assert list(items) == [] and list(unsupported) == []


@pytest.mark.parametrize("name", FIXTURE_NAMES or ["(../shared absent)"])
def test_import_export_import_gives_equal_questions(gift_dir: Path, name: str) -> None:
    bank, _ = _read(gift_dir, name)
    assessment = Assessment(id=name, title=name, category=bank.category, items=bank.items)
    again = parse_gift(write_gift(assessment))
    # Exactly what was exported comes back: items as written, or held to the app's HTML allowlist.
    assert again.items == [export_safe_item(item) for item in bank.items]
    assert again.category == bank.category
    assert again.unsupported == []
    via_moodle = parse_moodle_xml(write_moodle_xml(assessment))
    assert via_moodle.items == [export_safe_item(item) for item in bank.items]


def test_unsupported_questions_are_named_with_their_position(gift_dir: Path) -> None:
    bank, _ = _read(gift_dir, "giftFormatPhpExamples")
    assert [(q.position, q.type, q.title) for q in bank.unsupported] == [
        (5, "numerical", ""), (6, "matching", ""), (10, "numerical", "Numerical example")]
    assert len(bank.items) == 7
