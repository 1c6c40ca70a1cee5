"""Streaming the statements of an xAPI file: a JSON array or one statement per line, with line numbers.

Neither form is read into memory whole: a JSON array is decoded element by element from a sliding
buffer (`json.JSONDecoder.raw_decode`), JSON lines one line at a time. Each element comes with the
line it starts on, so a report can name it. An element that is not valid JSON ends an array (its
end cannot be found), while a bad JSON line is reported and the next line read.
"""

from __future__ import annotations

import json
from typing import IO, Any, Iterator, NamedTuple

CHUNK_CHARS = 1 << 20
# One statement longer than this is not a statement an LRS exports; the array is given up instead of buffered whole.
MAX_STATEMENT_CHARS = 16 << 20
_WHITESPACE = " \t\r\n"


class Element(NamedTuple):
    """One decoded value of the file (or why it could not be decoded) and the line it starts on."""

    line: int
    value: Any = None
    error: str | None = None


class EmptyInput(ValueError):
    """The file holds no statements at all."""


def read_statements(stream: IO[str]) -> Iterator[Element]:
    """Each statement of a JSON array or a JSON-lines text, in order (EmptyInput when there is nothing)."""
    head = stream.read(CHUNK_CHARS)
    if head.startswith("\ufeff"):
        head = head[1:]
    start = len(head) - len(head.lstrip(_WHITESPACE))
    if start == len(head) and not head:
        raise EmptyInput("the file is empty")
    if start == len(head):
        raise EmptyInput("the file holds only white space")
    if head[start] == "[":
        yield from _array(stream, head, start)
    else:
        yield from _lines(stream, head)


def _lines(stream: IO[str], head: str) -> Iterator[Element]:
    loads = json.loads
    number = 0
    pending = head
    while pending:
        more = stream.read(CHUNK_CHARS)
        lines = pending.split("\n")
        # Unless the file has ended, the last piece may be a line cut in the middle.
        pending = lines.pop() + more if more else ""
        for line in lines:
            number += 1
            if not line.strip():
                continue
            try:
                yield Element(number, loads(line))
            except ValueError as error:
                yield Element(number, error=f"invalid JSON ({_short(error)})")


def _array(stream: IO[str], buffer: str, position: int) -> Iterator[Element]:
    decode = json.JSONDecoder().raw_decode
    line = 1 + buffer.count("\n", 0, position)
    position += 1  # past "["
    at_end = False
    expect_value = True
    count = 0
    while True:
        # Skip white space and one comma between elements, counting lines.
        while True:
            stripped_to = position
            while stripped_to < len(buffer) and buffer[stripped_to] in _WHITESPACE:
                stripped_to += 1
            line += buffer.count("\n", position, stripped_to)
            position = stripped_to
            if position < len(buffer) or at_end:
                break
            buffer, position, at_end = _refill(stream, buffer, position)
        if position >= len(buffer):
            yield Element(line, error="the JSON array is not closed (the file ends early)")
            return
        char = buffer[position]
        if char == "]":
            if count == 0:
                raise EmptyInput("the file holds an empty JSON array")
            return
        if char == ",":
            if expect_value:
                yield Element(line, error="invalid JSON (a comma where a statement was expected)")
                return
            position += 1
            expect_value = True
            continue
        if not expect_value:
            yield Element(line, error="invalid JSON (statements must be separated by commas)")
            return
        while True:
            try:
                value, end = decode(buffer, position)
            except ValueError as error:
                if not at_end and len(buffer) - position < MAX_STATEMENT_CHARS:
                    buffer, position, at_end = _refill(stream, buffer, position)
                    continue
                yield Element(line, error=f"invalid JSON ({_short(error)}); the rest of the array cannot be read")
                return
            if end == len(buffer) and not at_end:
                # A number or literal may go on in the next chunk.
                buffer, position, at_end = _refill(stream, buffer, position)
                continue
            break
        count += 1
        yield Element(line, value)
        line += buffer.count("\n", position, end)
        position = end
        expect_value = False


def _refill(stream: IO[str], buffer: str, position: int) -> tuple[str, int, bool]:
    """Drop what was consumed, read the next chunk; returns (buffer, position, at end of file)."""
    more = stream.read(CHUNK_CHARS)
    return buffer[position:] + more, 0, not more


def _short(error: ValueError) -> str:
    message = str(error)
    return message.split(": line ")[0] if isinstance(error, json.JSONDecodeError) else message[:120]
