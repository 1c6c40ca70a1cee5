"""Question text that carries no raw HTML out of the workbench (GIFT and Moodle XML).

Moodle renders markdown and its auto format with raw HTML allowed, so an item's text leaves in
its own format only when that format cannot carry markup: plain text (declared as plain, which
Moodle escapes), markdown without raw HTML, images or links other than http, https and mailto,
HTML already inside the app's allowlist. Any other item is exported as HTML made by the app's renderer: the LMS then
shows what reviewers saw in the app, and no script, event handler or external resource.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

from workbench.domain.assessment import Item, ItemType, TextFormat
from workbench.rendering import html_to_text, html_within_allowlist, is_safe_url, render_inline_markdown_safe, render_markdown_safe, sanitize_html

# Something an HTML-permissive markdown (Moodle's) may read as a tag, comment or declaration.
_TAG_LIKE = re.compile(r"<[A-Za-z!/?]")
# A parser that keeps every link and raw HTML as tokens, so that they can be seen and judged.
_INSPECTOR = MarkdownIt("commonmark", {"html": True})
_INSPECTOR.validateLink = lambda url: True


def _markdown_is_plain(text: str) -> bool:
    """True when markdown holds no raw HTML, no image and no link outside http, https and mailto."""
    if _TAG_LIKE.search(text):
        return False
    for token in _INSPECTOR.parse(text):
        for part in [token, *(token.children or [])]:
            if part.type in ("html_block", "html_inline", "image"):
                return False
            if part.type == "link_open" and not is_safe_url(part.attrGet("href") or ""):
                return False
    return True


def text_is_safe(text: str, text_format: TextFormat) -> bool:
    """True when the text, in its format, can carry no markup past the app's allowlist."""
    text = text or ""
    if text_format == TextFormat.PLAIN:
        return True  # the writers declare it plain (GIFT [plain], Moodle plain_text): the LMS escapes it
    if text_format == TextFormat.MARKDOWN:
        return _markdown_is_plain(text)
    return html_within_allowlist(text)


def _as_html(text: str, text_format: TextFormat, inline: bool) -> str:
    """The text as HTML held to the app's allowlist."""
    if text_format == TextFormat.MARKDOWN:
        return (render_inline_markdown_safe(text) if inline else render_markdown_safe(text)).strip()
    if text_format == TextFormat.HTML:
        return sanitize_html(text).strip()
    escaped = escapeHtml(text or "").replace("\n", "<br>")
    return escaped if inline else f"<p>{escaped}</p>"


def plain_name(text: str) -> str:
    """A question name (shown as plain text by an LMS) without markup."""
    return html_to_text(text).replace("\n", " ") if _TAG_LIKE.search(text or "") else text


def _plain_answers(item: Item) -> list:
    """A short answer's accepted answers without markup: they are compared with what learners type, never rendered."""
    return [option if plain_name(option.text) == option.text else option.model_copy(update={"text": plain_name(option.text)})
            for option in item.options]


def export_safe_item(item: Item) -> Item:
    """The item as it may leave the workbench: unchanged when every text is safe in its format, else as HTML."""
    short_answer = item.type == ItemType.SHORT_ANSWER
    texts = [item.stem, item.rationale, item.general_feedback, *(option.feedback for option in item.options)]
    if not short_answer:
        texts += [option.text for option in item.options]
    title = plain_name(item.title)
    if all(text_is_safe(text, item.text_format) for text in texts):
        options = _plain_answers(item) if short_answer else item.options
        if title == item.title and options == item.options:
            return item
        return item.model_copy(update={"title": title, "options": options})
    fmt = item.text_format
    options = [
        option.model_copy(update={
            "text": plain_name(option.text) if short_answer else _as_html(option.text, fmt, inline=True),
            "feedback": _as_html(option.feedback, fmt, inline=True) if option.feedback else "",
        })
        for option in item.options
    ]
    return item.model_copy(update={
        "title": title,
        "text_format": TextFormat.HTML,
        "stem": _as_html(item.stem, fmt, inline=False),
        "rationale": _as_html(item.rationale, fmt, inline=False) if item.rationale else "",
        "general_feedback": _as_html(item.general_feedback, fmt, inline=False) if item.general_feedback else "",
        "options": options,
    })
