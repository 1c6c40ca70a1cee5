"""Item text as the HTML an LMS receives: markdown rendered safely, plain text escaped, HTML kept."""

from __future__ import annotations

from markdown_it.common.utils import escapeHtml

from workbench.domain.assessment import TextFormat
from workbench.rendering import render_inline_markdown_safe, render_markdown_safe


def item_html(text: str, text_format: TextFormat, inline: bool = False) -> str:
    """HTML for an LMS that renders and sanitises HTML itself (QTI, Canvas).

    Imported HTML is passed on as the LMS exported it; the workbench's own pages never show it
    raw (see workbench.rendering.render_text_safe).
    """
    if text_format == TextFormat.HTML:
        return text or ""
    if text_format == TextFormat.MARKDOWN:
        return (render_inline_markdown_safe(text) if inline else render_markdown_safe(text)).strip()
    escaped = escapeHtml(text or "").replace("\n", "<br />")
    return escaped if inline else f"<p>{escaped}</p>"
