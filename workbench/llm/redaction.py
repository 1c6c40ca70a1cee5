"""Keeping API keys out of messages, logs and the database; endpoint text made safe to show."""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

# Bearer tokens and OpenAI-style keys, in case a server echoes one we were not told about.
KEY_PATTERNS = (
    re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}"),
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-]{6,}"),
    re.compile(r"(?i)(api[_-]?key[\"']?\s*[:=]\s*[\"']?)[^\s\"',]{6,}"),
)
MASK = "[redacted]"


def redact(text: str | None, secrets: Iterable[str] = ()) -> str:
    """The text with every known secret and anything shaped like an API key masked."""
    if not text:
        return text or ""
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, MASK)
    text = KEY_PATTERNS[0].sub(MASK, text)
    for pattern in KEY_PATTERNS[1:]:
        text = pattern.sub(lambda match: match.group(1) + MASK, text)
    return text


_BIDI_CONTROLS = {chr(c) for c in (*range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def endpoint_text(text: str, secrets: Iterable[str] = (), limit: int = 400) -> str:
    """What an endpoint said, fit for a one-line error: keys masked, whitespace folded, control
    and bidi-override characters shown escaped (a terminal never receives them raw), at most `limit` characters."""
    text = " ".join(redact(str(text), secrets).split())
    text = "".join(ch if unicodedata.category(ch) != "Cc" and ch not in _BIDI_CONTROLS else f"\\u{ord(ch):04x}" for ch in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
