"""A tolerant, incremental reader of the JSON documents in a model's streamed reply.

Fed the reply a piece at a time, it keeps every document read so far as plain Python values, built
in place, so the parts that are complete can be shown while the rest is still being written:

    reader = PartialJsonReader()
    reader.feed('{"title": "Feedback", "sections": [{"heading": "SBI"')
    reader.last                      # {'title': 'Feedback', 'sections': [{'heading': 'SBI'}]}
    is_complete(reader.last["sections"][0])   # False: the section's object is still open

Objects and arrays are `JsonObject` / `JsonArray` (a dict / list that knows whether it was closed);
a string still being written is an `OpenText`. Text outside a document (prose, a code fence) is
skipped, a syntax error ends the document it is in, and the next `{` or `[` after it starts a new
one: a reply the model was asked to write again reads as a second document.
"""

from __future__ import annotations

from typing import Any

_WHITESPACE = " \t\r\n"
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}
_LITERALS = {"true": True, "false": False, "null": None}
_LITERAL_CHARS = set("0123456789+-.eEtruefalsn")


class JsonObject(dict):
    """A JSON object as read so far; `closed` once its `}` arrived."""

    closed = False


class JsonArray(list):
    """A JSON array as read so far; `closed` once its `]` arrived."""

    closed = False


class OpenText(str):
    """A string whose closing quote has not arrived yet."""


def is_complete(value: Any) -> bool:
    """Whether a value read from the stream is whole (a closed container, a closed string, a scalar)."""
    if isinstance(value, (JsonObject, JsonArray)):
        return value.closed
    return not isinstance(value, OpenText)


class _Malformed(Exception):
    """The text stopped being JSON at this character."""


class PartialJsonReader:
    """Reads a stream of text into the JSON documents it contains, one character at a time, never re-reading."""

    def __init__(self) -> None:
        self.documents: list[JsonObject | JsonArray] = []
        self._stack: list[JsonObject | JsonArray] = []
        self._expect = "document"  # document | value | key_or_end | colon | comma_or_end | value_or_end
        self._key: str | None = None  # the key whose value comes next, inside an object
        self._text: list[str] | None = None  # the string being read
        self._text_is_key = False
        self._escape: str | None = None  # "" after a backslash, then the digits of a \u escape
        self._literal: list[str] | None = None  # a number, true, false or null being read

    @property
    def last(self) -> JsonObject | JsonArray | None:
        """The latest document (possibly still open), or None before the first `{` or `[`."""
        return self.documents[-1] if self.documents else None

    def feed(self, piece: str) -> None:
        """Read the next piece of the stream."""
        for char in piece:
            try:
                self._read(char)
            except _Malformed:
                self._abandon()
                self._read(char)  # the character may start the next document
        if self._text is not None and not self._text_is_key:
            self._place(OpenText("".join(self._text)), replace=True)

    # ------------------------------------------------------------------ one character

    def _read(self, char: str) -> None:
        if self._text is not None:
            self._read_text(char)
            return
        if self._literal is not None:
            if char in _LITERAL_CHARS:
                self._literal.append(char)
                return
            self._end_literal()
        if char in _WHITESPACE:
            return
        expect = self._expect
        if expect == "document":
            if char in "{[":
                container = JsonObject() if char == "{" else JsonArray()
                self.documents.append(container)
                self._open(container)
            return  # anything else outside a document (prose, a code fence) is skipped
        if expect in ("value", "value_or_end"):
            if char == "]" and expect == "value_or_end":
                self._close(JsonArray)
            else:
                self._start_value(char)
        elif expect == "key_or_end":
            if char == "}":
                self._close(JsonObject)
            elif char == '"':
                self._text, self._text_is_key = [], True
            else:
                raise _Malformed
        elif expect == "colon":
            if char != ":":
                raise _Malformed
            self._expect = "value"
        elif expect == "comma_or_end":
            top = self._stack[-1]
            if char == ",":
                self._expect = "key_or_end" if isinstance(top, JsonObject) else "value"
            elif char in "}]":
                self._close(JsonObject if char == "}" else JsonArray)
            else:
                raise _Malformed

    def _start_value(self, char: str) -> None:
        if char == '"':
            self._text, self._text_is_key = [], False
        elif char in "{[":
            container = JsonObject() if char == "{" else JsonArray()
            self._place(container)
            self._open(container)
        elif char in _LITERAL_CHARS:
            self._literal = [char]
        else:
            raise _Malformed

    def _read_text(self, char: str) -> None:
        assert self._text is not None
        if self._escape is not None:
            if self._escape == "" and char in _ESCAPES:
                self._text.append(_ESCAPES[char])
                self._escape = None
            elif self._escape == "" and char == "u":
                self._escape = "u"
            elif self._escape.startswith("u") and char in "0123456789abcdefABCDEF":
                self._escape += char
                if len(self._escape) == 5:
                    self._text.append(chr(int(self._escape[1:], 16)))
                    self._escape = None
            else:
                raise _Malformed
            return
        if char == "\\":
            self._escape = ""
        elif char == '"':
            text = "".join(self._text)
            self._text = None
            if self._text_is_key:
                self._key, self._expect = text, "colon"
            else:
                self._place(text, replace=True)
                self._expect = "comma_or_end"
        else:
            self._text.append(char)

    def _end_literal(self) -> None:
        assert self._literal is not None
        word, self._literal = "".join(self._literal), None
        if word in _LITERALS:
            value: Any = _LITERALS[word]
        else:
            try:
                value = int(word) if word.lstrip("-").isdigit() else float(word)
            except ValueError:
                raise _Malformed from None
        self._place(value)
        self._expect = "comma_or_end"

    # ------------------------------------------------------------------ containers

    def _open(self, container: JsonObject | JsonArray) -> None:
        self._stack.append(container)
        self._expect = "key_or_end" if isinstance(container, JsonObject) else "value_or_end"

    def _close(self, kind: type) -> None:
        top = self._stack[-1]
        if not isinstance(top, kind):
            raise _Malformed
        top.closed = True
        self._stack.pop()
        self._expect = "comma_or_end" if self._stack else "document"

    def _place(self, value: Any, replace: bool = False) -> None:
        """Put a value where the parser stands: under the pending key, or at the end of the array.

        `replace` is for a string, placed again as it grows: in an array it takes the slot its open
        form took on the previous feed."""
        top = self._stack[-1]
        if isinstance(top, JsonObject):
            assert self._key is not None
            top[self._key] = value
        elif replace and top and isinstance(top[-1], OpenText) and self._expect != "comma_or_end":
            top[-1] = value
        else:
            top.append(value)

    def _abandon(self) -> None:
        """Stop reading the current document where it broke; what was read stays, unclosed."""
        self._stack.clear()
        self._text = self._literal = self._escape = None
        self._key = None
        self._expect = "document"
