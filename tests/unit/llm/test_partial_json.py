"""The partial-JSON reader: every prefix of a streamed reply reads as the parts complete so far."""

from __future__ import annotations

import json

from workbench.llm.partial_json import JsonArray, JsonObject, OpenText, PartialJsonReader, is_complete

REPLY = {
    "title": "Giving feedback \"that\" helps — é\u00e9 \u2603",
    "sections": [
        {"heading": "SBI", "body": "Line one.\nLine \\two\\ with a tab\t.", "citations": ["c1", "c2"]},
        {"heading": "Next steps", "body": "Agree one step.", "citations": []},
    ],
    "count": -12, "ratio": 1.5e3, "ok": True, "missing": None, "empty": {}, "nested": [[1, 2], []],
}


def read(text: str, piece: int = 1) -> PartialJsonReader:
    reader = PartialJsonReader()
    for start in range(0, len(text), piece):
        reader.feed(text[start:start + piece])
    return reader


def test_the_whole_reply_reads_as_json_loads_reads_it_whatever_the_piece_size():
    text = json.dumps(REPLY, ensure_ascii=True)  # \u escapes, split across pieces too
    for piece in (1, 2, 3, 7, 64, len(text)):
        reader = read(text, piece)
        assert reader.last == REPLY and reader.last.closed and len(reader.documents) == 1, piece
    assert read(json.dumps(REPLY, ensure_ascii=False, indent=2)).last == REPLY


def test_at_every_prefix_the_closed_sections_are_exactly_those_whose_brace_has_arrived():
    text = json.dumps(REPLY)
    ends = [text.index("}", text.index('"SBI"')) + 1, text.index("}", text.index('"Next steps"')) + 1]
    reader = PartialJsonReader()
    for position, char in enumerate(text, 1):
        reader.feed(char)
        sections = reader.last.get("sections", [])
        closed = [s for s in sections if isinstance(s, JsonObject) and s.closed]
        assert len(closed) == sum(position >= end for end in ends), (position, text[:position])
        for section in closed:
            assert section in REPLY["sections"]


def test_a_string_being_written_is_open_text_and_grows_in_place():
    reader = PartialJsonReader()
    reader.feed('{"sections": [{"body": "Agree on')
    body = reader.last["sections"][0]["body"]
    assert body == "Agree on" and isinstance(body, OpenText) and not is_complete(body)
    reader.feed(' one step')
    assert reader.last["sections"][0]["body"] == "Agree on one step"
    reader.feed('"}, "x')
    assert reader.last["sections"][0]["body"] == "Agree on one step" and is_complete(reader.last["sections"][0]["body"])
    assert reader.last["sections"][0].closed and "x" not in reader.last  # an unfinished key is not a key yet


def test_strings_in_an_array_take_their_own_slots_as_they_grow():
    reader = PartialJsonReader()
    reader.feed('{"citations": ["c1", "c')
    assert reader.last["citations"] == ["c1", "c"]
    reader.feed('2')
    assert reader.last["citations"] == ["c1", "c2"] and isinstance(reader.last["citations"][1], OpenText)
    reader.feed('", "c3"]')
    assert reader.last["citations"] == ["c1", "c2", "c3"] and reader.last["citations"].closed


def test_prose_and_a_code_fence_around_the_json_are_skipped():
    reader = read('Sure! Here it is:\n```json\n{"title": "A", "sections": []}\n```\nHope that helps.')
    assert reader.documents == [{"title": "A", "sections": []}]


def test_a_reply_written_again_after_a_broken_one_is_a_second_document():
    reader = read('{"title": "First", "sections": [{"heading": "x"} oops {"title": "Second", "sections": []}')
    assert [d.get("title") for d in reader.documents] == ["First", "Second"]
    assert not reader.documents[0].closed and reader.last.closed


def test_two_replies_in_a_row_are_two_documents():
    reader = read('{"title": "Module"}{"items": [{"stem": "Why?"}]}')
    assert reader.documents == [{"title": "Module"}, {"items": [{"stem": "Why?"}]}]
    assert isinstance(reader.last["items"], JsonArray) and reader.last["items"].closed


def test_a_number_is_only_placed_once_it_ends():
    reader = PartialJsonReader()
    reader.feed('{"count": 12')
    assert "count" not in reader.last
    reader.feed('3,')
    assert reader.last["count"] == 123
