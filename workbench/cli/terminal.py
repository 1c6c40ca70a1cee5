"""Text printed to a terminal with its control characters shown, never obeyed.

Library files, frameworks, drafts and model output can carry escape sequences (colours, cursor
moves, OSC 8 links or window-title writes) and bidirectional overrides that make a line read
differently from what it holds. Every CLI output path prints through `echo` (or `print_json`),
which shows such characters as visible escapes (`\\x1b`, `\\u202e`).
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any

import typer

# Kept as they are: line breaks and tabs lay out tables and multi-line text.
_KEPT = frozenset("\n\t")
# Bidirectional marks, embeddings, overrides and isolates (category Cf, listed for the reader).
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _is_hidden_control(char: str) -> bool:
    """True for a character a terminal obeys or hides: C0/C1 controls, DEL, format characters, line separators."""
    return char not in _KEPT and (char in BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp"))


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def terminal_safe(text: object) -> str:
    """The text with every control, bidi and invisible format character shown as a visible escape."""
    value = str(text)
    if not any(_is_hidden_control(char) for char in value):
        return value
    return "".join(_escape(char) if _is_hidden_control(char) else char for char in value)


def echo(message: object = "", *, err: bool = False, nl: bool = True) -> None:
    """Print one message (to stderr with err=True) with control characters escaped."""
    typer.echo(terminal_safe(message), err=err, nl=nl)


_JSON_HIDDEN = re.compile("[\u0080-\u009f\u00ad\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]")


def json_text(data: Any) -> str:
    """Indented JSON (UTF-8) whose strings show hidden characters as \\u escapes: still valid, same data."""
    text = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    # json.dumps already escapes C0 controls; these outside ASCII it leaves raw.
    return _JSON_HIDDEN.sub(lambda match: f"\\u{ord(match.group(0)):04x}", text)
