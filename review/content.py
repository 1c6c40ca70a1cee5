"""What a draft revision holds and how it is checked on the way in: content hash, title, body, comment."""

from __future__ import annotations

import hashlib
import json
import unicodedata
from typing import Any

from review.errors import CommentRequired, InvalidInput

MAX_TITLE_CHARS = 1_000
MAX_COMMENT_CHARS = 10_000


def content_hash(title: str, content: dict, markdown: str) -> str:
    """sha256 of the canonical JSON of title, content and markdown: what a sign-off is bound to.

    Everything that reaches the published file or an export is in one of the three: the title
    names the file, the content is rendered into the file and the exports, the markdown is what
    reviewers read.
    """
    canonical = json.dumps({"title": title, "content": content, "markdown": markdown},
                           sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def dumps(value: Any) -> str:
    """The JSON text stored in a column (stable key order, Unicode kept)."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def validate_title(title: str) -> str:
    """The stripped title, or InvalidInput when it is empty, too long or holds control characters."""
    title = (title or "").strip()
    if not title:
        raise InvalidInput("the title is empty; give the draft a title")
    if len(title) > MAX_TITLE_CHARS:
        raise InvalidInput(f"the title has {len(title)} characters; keep it under {MAX_TITLE_CHARS}")
    for position, char in enumerate(title):
        if unicodedata.category(char) == "Cc":
            raise InvalidInput(f"the title contains the control character U+{ord(char):04X} at position {position}; remove it")
    return title


def validate_body(content: dict, markdown: str, findings: list) -> None:
    """InvalidInput unless content is a JSON object, markdown text without NUL, findings a JSON list."""
    if not isinstance(content, dict):
        raise InvalidInput("the draft content must be a JSON object")
    if not isinstance(markdown, str):
        raise InvalidInput("the draft markdown must be text")
    if "\x00" in markdown:
        raise InvalidInput(f"the markdown contains a NUL byte at position {markdown.index(chr(0))}; remove it")
    if not isinstance(findings, list):
        raise InvalidInput("findings must be a list")
    try:
        json.dumps(content)
        json.dumps(findings)
    except (TypeError, ValueError) as error:
        raise InvalidInput(f"the draft content is not plain JSON data: {error}") from None


def require_comment(comment: str | None, action: str) -> str:
    """The stripped comment, or CommentRequired / InvalidInput when it is empty or too long."""
    comment = (comment or "").strip()
    if not comment:
        raise CommentRequired(f"{action} needs a comment saying why (use --comment)")
    return limit_comment(comment)


def limit_comment(comment: str) -> str:
    """The comment, or InvalidInput when it is longer than MAX_COMMENT_CHARS."""
    if len(comment) > MAX_COMMENT_CHARS:
        raise InvalidInput(f"the comment has {len(comment)} characters; keep it under {MAX_COMMENT_CHARS}")
    return comment
