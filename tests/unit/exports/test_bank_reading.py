"""Reading question-bank files: the format is recognised, and bad files give one clear error."""

from __future__ import annotations

import pytest

from workbench.errors import ImportFileInvalid
from workbench.exports.service import read_question_bank

BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>
<quiz><question type="shortanswer"><name><text>&b;</text></name></question></quiz>"""
EXTERNAL = b"""<?xml version="1.0"?>
<!DOCTYPE quiz [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<quiz><question type="shortanswer"><name><text>&secret;</text></name></question></quiz>"""
MOODLE = b"""<?xml version="1.0" encoding="UTF-8"?>
<quiz><question type="truefalse"><name><text>T</text></name><questiontext format="html"><text>Sky is blue</text></questiontext>
<answer fraction="100"><text>true</text></answer><answer fraction="0"><text>false</text></answer></question></quiz>"""


@pytest.mark.parametrize(
    "name, data, fmt, types",
    [
        ("bank.gift", "Sky is blue?{TRUE}\n".encode(), "gift", ["true_false"]),
        ("bank.txt", "\ufeffWho?{=me =I}\n".encode("utf-8"), "gift", ["short_answer"]),
        ("bank.xml", MOODLE, "moodle-xml", ["true_false"]),
        ("bank", MOODLE, "moodle-xml", ["true_false"]),
    ],
)
def test_format_is_recognised(tmp_path, name, data, fmt, types) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    found, bank = read_question_bank(path)
    assert found == fmt
    assert [item.type.value for item in bank.items] == types


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("bomb.xml", BOMB, "entity declarations are not allowed"),
        ("xxe.xml", EXTERNAL, "entity declarations are not allowed"),
        ("latin1.gift", "Caf\xe9?{=oui}\n\nSecond?{=x}".encode("latin-1"), "not UTF-8 text (line 1, byte 3)"),
        ("broken.xml", b"<quiz>\n<question type='truefalse'>\n</quiz>", "not well-formed XML at line 3, column 3"),
        ("other.xml", b"<html><body/></html>", "<html> is neither a Moodle XML quiz nor a QTI 1.2 file"),
        ("fake.zip", b"PK\x03\x04 not really a zip", "not a zip file"),
    ],
)
def test_bad_files_are_rejected_with_file_and_position(tmp_path, name, data, message) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(ImportFileInvalid) as caught:
        read_question_bank(path)
    assert str(path) in str(caught.value) and message in str(caught.value)


def test_empty_gift_file_has_no_questions(tmp_path) -> None:
    path = tmp_path / "empty.gift"
    path.write_text("// only a comment\n", encoding="utf-8")
    fmt, bank = read_question_bank(path)
    assert (fmt, bank.items, bank.unsupported) == ("gift", [], [])


def test_unclosed_answer_block_is_reported_not_fatal(tmp_path) -> None:
    path = tmp_path / "unclosed.gift"
    path.write_text("First?{=a\n\nSecond?{TRUE}\n", encoding="utf-8")
    _, bank = read_question_bank(path)
    assert [item.stem for item in bank.items] == ["Second?"]
    assert [(q.position, q.line, q.type) for q in bank.unsupported] == [(1, 1, "unknown")]
