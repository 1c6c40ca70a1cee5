"""Keeping API keys out of messages, logs and the database."""

from __future__ import annotations

import re
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
