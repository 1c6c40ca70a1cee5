"""What the CLI prints: control characters from files are shown as escapes, never sent to the terminal."""

from __future__ import annotations

import json

import pytest

from workbench.cli.terminal import json_text, terminal_safe

HOSTILE = {
    "colour": "\x1b[31mred\x1b[0m",
    "osc8 link": "\x1b]8;;http://evil.example\x07click\x1b]8;;\x07",
    "title write": "\x1b]0;owned\x07",
    "carriage return": "safe\rEVIL",
    "backspace": "ok\x08\x08no",
    "c1 csi": "\x9b31m",
    "bidi override": "invoice_\u202egpj.exe",
    "isolate": "\u2066hidden\u2069",
}


@pytest.mark.parametrize("text", HOSTILE.values(), ids=HOSTILE.keys())
def test_no_control_character_survives(text):
    shown = terminal_safe(text)
    assert all(ch in "\n\t" or (ch.isprintable() and ch not in "\u202e\u2066\u2069") for ch in shown)


def test_escapes_are_visible_and_text_is_kept():
    assert terminal_safe("\x1b[31mred") == "\\x1b[31mred"
    assert terminal_safe("a\u202eb") == "a\\u202eb"
    assert terminal_safe("line one\n\tline two — café") == "line one\n\tline two — café"


def test_json_stays_valid_and_carries_the_same_data():
    data = {"text": "a\u202eb\x1b[2Jc\u200bd\x85e"}
    text = json_text(data)
    assert "\u202e" not in text and "\x1b" not in text and "\u200b" not in text and "\x85" not in text
    assert json.loads(text) == data
