"""CSV cells that a spreadsheet shows as text and never runs as a formula (CSV injection).

Every CSV the project writes (the audit export, the gap report) passes its cells through
`formula_safe`. It lives in the review package because the audit export needs it and the review
queue never imports the workbench; the workbench imports it from here.
"""

from __future__ import annotations

import unicodedata
from typing import Any

# Spreadsheet apps run a cell as a formula when it starts with one of these; tab and CR are
# dropped by some importers, exposing what follows. Full-width forms are folded to ASCII by
# some spreadsheet locales, so they count too.
FORMULA_STARTS = frozenset("=+-@\t\r\uff1d\uff0b\uff0d\uff20")


def _first_meaningful(text: str) -> str:
    """The first character that is not a space or an invisible format character (importers may trim those)."""
    for char in text:
        if char in "\t\r":
            return char
        if char.isspace() or unicodedata.category(char) == "Cf":
            continue
        return char
    return ""


def formula_safe(value: Any) -> Any:
    """The value, with a leading apostrophe when a spreadsheet would read the text as a formula."""
    if isinstance(value, str) and _first_meaningful(value) in FORMULA_STARTS:
        return "'" + value
    return value
