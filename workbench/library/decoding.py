"""Turning the bytes of a library file into text, or into a reason why that is not possible.

Text is decoded strictly: UTF-8, or UTF-8/UTF-16/UTF-32 with a byte-order mark. Anything else is
reported, never decoded with replacement characters or `errors='ignore'`, so no text is silently lost.
"""

from __future__ import annotations

import codecs

# Longest BOMs first: the UTF-32 LE BOM starts with the UTF-16 LE BOM.
_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "UTF-32 LE"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "UTF-32 BE"),
    (codecs.BOM_UTF8, "utf-8", "UTF-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "UTF-16 LE"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "UTF-16 BE"),
)


class UndecodableFile(ValueError):
    """The file's bytes are not text this workbench can read; the message says why."""


def _line_of(data: bytes, offset: int) -> int:
    """1-based line number of a byte offset."""
    return data.count(b"\n", 0, offset) + 1


def decode_text(data: bytes) -> str:
    """Decode file bytes to text with newlines normalised to '\\n', or raise UndecodableFile."""
    if not data:
        raise UndecodableFile("empty file")
    text: str | None = None
    for bom, codec, label in _BOMS:
        if data.startswith(bom):
            try:
                text = data[len(bom):].decode(codec)
            except UnicodeDecodeError as error:
                raise UndecodableFile(
                    f"starts with a {label} byte-order mark but is not valid {label} "
                    f"(bad bytes at offset {error.start + len(bom)})"
                ) from None
            break
    if text is None:
        if b"\x00" in data:
            offset = data.index(b"\x00")
            raise UndecodableFile(
                f"binary file: contains NUL bytes (first at offset {offset}); "
                "if it is UTF-16 text, save it as UTF-8"
            )
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as error:
            bad = data[error.start]
            raise UndecodableFile(
                f"not UTF-8: invalid byte 0x{bad:02x} at offset {error.start} (line {_line_of(data, error.start)}); "
                "save the file as UTF-8"
            ) from None
    if "\x00" in text:
        raise UndecodableFile("binary file: contains NUL characters")
    # markdown-it splits lines on '\n' only; normalising here keeps its line numbers equal to ours.
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise UndecodableFile("empty file (only whitespace)")
    return text
