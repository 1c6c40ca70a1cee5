"""Streaming an xAPI file: both layouts, the line each statement starts on, and the ends a file can come to."""

from __future__ import annotations

import io
import json

import pytest

from workbench.signals import reading
from workbench.signals.reading import EmptyInput, read_statements


def elements(text: str) -> list[tuple[int, object, str | None]]:
    return [(e.line, e.value, e.error) for e in read_statements(io.StringIO(text))]


@pytest.fixture(params=[1 << 20, 7], ids=["one chunk", "7-character chunks"])
def chunk(request, monkeypatch):
    """Also read the files in tiny chunks, so that statements, numbers and lines are cut at every place."""
    monkeypatch.setattr(reading, "CHUNK_CHARS", request.param)


def test_a_json_array_gives_each_statement_with_the_line_it_starts_on(chunk):
    text = '\ufeff[\n  {"id": "a", "n": 12345},\n  {"id": "b",\n   "n": [1, 2]},\n\n  {"id": "c"}\n]\n'
    assert elements(text) == [(2, {"id": "a", "n": 12345}, None), (3, {"id": "b", "n": [1, 2]}, None), (6, {"id": "c"}, None)]


def test_json_lines_give_each_statement_and_report_a_bad_line_then_go_on(chunk):
    text = '{"id": "a"}\r\n\n{"id": \n{"id": "c"}'
    assert elements(text) == [(1, {"id": "a"}, None), (3, None, "invalid JSON (Expecting value)"), (4, {"id": "c"}, None)]


def test_an_array_with_invalid_json_keeps_what_came_before_and_names_the_line(chunk):
    text = '[{"id": "a"},\n {"id": "b"},\n {"id": nope},\n {"id": "d"}]'
    assert elements(text) == [(1, {"id": "a"}, None), (2, {"id": "b"}, None),
                              (3, None, "invalid JSON (Expecting value); the rest of the array cannot be read")]


def test_an_array_cut_short_is_reported(chunk):
    assert elements('[{"id": "a"},\n') == [(1, {"id": "a"}, None), (2, None, "the JSON array is not closed (the file ends early)")]
    assert elements('[{"id": "a"} {"id": "b"}]')[-1] == (1, None, "invalid JSON (statements must be separated by commas)")


@pytest.mark.parametrize("text, reason", [("", "the file is empty"), ("\n \t\n", "the file holds only white space"),
                                          ("[]", "the file holds an empty JSON array"), ("\ufeff", "the file is empty")])
def test_empty_inputs_are_named(text, reason, chunk):
    with pytest.raises(EmptyInput, match=f"^{reason}$"):
        elements(text)


def test_a_large_array_is_read_element_by_element_without_holding_the_file(monkeypatch):
    """The buffer never grows past a chunk plus one statement, however long the file."""
    monkeypatch.setattr(reading, "CHUNK_CHARS", 4096)
    statement = json.dumps({"id": "x" * 100, "verb": {"id": "v"}})
    text = "[" + ",\n".join([statement] * 20_000) + "]"
    largest = 0
    original = reading._refill

    def watched(stream, buffer, position):
        nonlocal largest
        result = original(stream, buffer, position)
        largest = max(largest, len(result[0]))
        return result

    monkeypatch.setattr(reading, "_refill", watched)
    count = sum(1 for _ in read_statements(io.StringIO(text)))
    assert count == 20_000
    assert largest <= 4096 + len(statement) + 2
