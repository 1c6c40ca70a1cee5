"""The one safe markdown → HTML renderer for untrusted text (library files, model output, imports).

Every piece of markdown shown in the app or packed into an export goes through here:
raw HTML is shown as text, links are limited to http, https and mailto, images are never
loaded (they become a link or plain text), and every attribute is escaped.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml

ALLOWED_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener noreferrer"

_SCHEME = re.compile(r"^([a-z][a-z0-9+.\-]*):")
# Browsers ignore ASCII control characters and whitespace inside a scheme ("java\tscript:").
_IGNORED_IN_SCHEME = re.compile(r"[\x00-\x20\x7f]+")


def is_safe_url(url: str) -> bool:
    """True when the URL has an http, https or mailto scheme (relative and other schemes are refused)."""
    cleaned = _IGNORED_IN_SCHEME.sub("", html.unescape(url or "")).lower()
    match = _SCHEME.match(cleaned)
    return bool(match) and match.group(1) in ALLOWED_LINK_SCHEMES


def _inside_link(tokens, idx: int) -> bool:
    """True when the token at idx sits between a link_open and its link_close (no nested <a>)."""
    depth = 0
    for token in tokens[:idx]:
        depth += {"link_open": 1, "link_close": -1}.get(token.type, 0)
    return depth > 0


def _render_image(self, tokens, idx, options, env) -> str:
    """Render an image as a link to it (never an <img>), or as its alt text when the URL is not allowed."""
    token = tokens[idx]
    alt = self.renderInlineAsText(token.children or [], options, env) or "image"
    src = token.attrGet("src") or ""
    label = escapeHtml(f"[image: {alt}]")
    if is_safe_url(src) and not src.lower().startswith("mailto:") and not _inside_link(tokens, idx):
        return f'<a href="{escapeHtml(src)}" rel="{LINK_REL}" class="blocked-image">{label}</a>'
    return f'<span class="blocked-image">{label}</span>'


def _render_link_open(self, tokens, idx, options, env) -> str:
    """Open a link with rel=nofollow/noopener so that it cannot reach back into the page."""
    tokens[idx].attrSet("rel", LINK_REL)
    return self.renderToken(tokens, idx, options, env)


def _build_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    # markdown-it calls validateLink on the decoded, normalised URL of links, images and autolinks;
    # a refused URL leaves the markdown source as plain text.
    parser.validateLink = is_safe_url
    parser.add_render_rule("image", _render_image)
    parser.add_render_rule("link_open", _render_link_open)
    return parser


_PARSER = _build_parser()


def render_markdown_safe(text: str) -> str:
    """Render untrusted markdown to HTML without raw HTML, unsafe links or loaded images."""
    return _PARSER.render(text or "")


def render_inline_markdown_safe(text: str) -> str:
    """Render one line of untrusted markdown (an answer option, a feedback) without a <p> wrapper."""
    return _PARSER.renderInline(text or "")


class _TextCollector(HTMLParser):
    """Collects the text of an HTML fragment, dropping scripts, styles and comments."""

    _SKIPPED = {"script", "style", "template", "noscript", "iframe", "object"}
    _BREAKS = {"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIPPED:
            self._skip_depth += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self._SKIPPED and self._skip_depth:
            self._skip_depth -= 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self._skip_depth:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """The visible text of an HTML fragment (for showing imported HTML safely)."""
    collector = _TextCollector()
    collector.feed(fragment or "")
    collector.close()
    lines = [re.sub(r"[ \t\r\f\v\xa0]+", " ", line).strip() for line in "".join(collector.parts).split("\n")]
    return "\n".join(line for line in lines if line)


def render_text_safe(text: str, text_format: str = "markdown", inline: bool = False) -> str:
    """Render item text of any declared format (markdown, html, plain) as safe HTML."""
    if text_format == "markdown":
        return render_inline_markdown_safe(text) if inline else render_markdown_safe(text)
    if text_format == "html":
        text = html_to_text(text)
    escaped = escapeHtml(text or "").replace("\n", "<br />\n")
    return escaped if inline else f"<p>{escaped}</p>\n"
