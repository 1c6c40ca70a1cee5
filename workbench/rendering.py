"""The one safe markdown → HTML renderer for untrusted text (library files, model output, imports).

Every piece of markdown shown in the app or packed into an export goes through here:
raw HTML is shown as text, links are limited to http, https and mailto, images are never
loaded (they become a link or plain text), and every attribute is escaped. Nothing is ever
dropped: markdown-it stops parsing at its nesting limit and discards the rest of the document,
so when that limit is hit the rest is shown as escaped plain text under a visible warning.
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


# Where the env of a parse records the first line markdown-it skipped at its nesting limit.
_CUT_LINE = "workbench_nesting_cut_line"
UNRENDERED_WARNING = (
    "Warning: the text below nests lists or quotes deeper than {limit} levels, so it cannot be "
    "formatted; from line {line} on it is shown exactly as written."
)


def _record_nesting_cut(parser: MarkdownIt) -> None:
    """Make the block parser note, in env, the first line it would skip at the nesting limit.

    markdown-it's block tokenizer gives up on a range once `state.level >= maxNesting` and
    jumps to its end, which for a list item is the end of the document. The check below is
    the same test, made just before, so the skipped line is known.
    """
    tokenize = parser.block.tokenize

    def tokenize_noting_cut(state, start_line: int, end_line: int, *args):
        if state.level >= state.md.options.maxNesting and _CUT_LINE not in state.env:
            line = state.skipEmptyLines(start_line)
            if line < end_line and state.sCount[line] >= state.blkIndent:
                state.env[_CUT_LINE] = line
        return tokenize(state, start_line, end_line, *args)

    parser.block.tokenize = tokenize_noting_cut


def _build_parser() -> MarkdownIt:
    parser = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    parser.enable(["table", "strikethrough"])
    # markdown-it calls validateLink on the decoded, normalised URL of links, images and autolinks;
    # a refused URL leaves the markdown source as plain text.
    parser.validateLink = is_safe_url
    parser.add_render_rule("image", _render_image)
    parser.add_render_rule("link_open", _render_link_open)
    _record_nesting_cut(parser)
    return parser


_PARSER = _build_parser()


NESTING_LIMIT = _PARSER.options.maxNesting


def _normalised_lines(text: str) -> list[str]:
    """The lines as markdown-it numbers them (it turns CR LF and CR into LF before parsing)."""
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def nesting_cut_line(text: str) -> int | None:
    """The 0-based line from which markdown-it would skip the text at its nesting limit, or None."""
    env: dict = {}
    _PARSER.parse(text or "", env)
    return env.get(_CUT_LINE)


def render_markdown_safe(text: str) -> str:
    """Render untrusted markdown to HTML without raw HTML, unsafe links or loaded images; never drop text."""
    text = text or ""
    env: dict = {}
    tokens = _PARSER.parse(text, env)
    cut = env.get(_CUT_LINE)
    if cut is None:
        return _PARSER.renderer.render(tokens, _PARSER.options, env)
    lines = _normalised_lines(text)
    warning = escapeHtml(UNRENDERED_WARNING.format(limit=NESTING_LIMIT, line=cut + 1))
    return (
        render_markdown_safe("\n".join(lines[:cut]))
        + f'<p class="render-warning" role="alert" style="border-left:4px solid #b45309;padding:0.25em 0.75em">'
        f"<strong>{warning}</strong></p>\n"
        + f'<pre class="unrendered-markdown" style="white-space:pre-wrap">{escapeHtml(chr(10).join(lines[cut:]))}</pre>\n'
    )


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


# What render_markdown_safe can produce, and so what the app shows: the allowlist an HTML text
# is held to before it leaves the workbench in an export (no scripts, styles, event handlers,
# images, frames, forms or other resources an LMS would load).
ALLOWED_TAGS = frozenset({
    "a", "p", "br", "hr", "strong", "em", "b", "i", "u", "s", "del", "code", "pre", "blockquote", "span",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "table", "thead", "tbody", "tr", "th", "td", "sub", "sup",
})
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}, "span": {"class"}, "code": {"class"}}


class _AllowlistProbe(HTMLParser):
    """Notes whether an HTML fragment has anything outside the allowlist: a tag, an attribute, a comment."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.outside = False

    def handle_starttag(self, tag, attrs):
        allowed = ALLOWED_ATTRIBUTES.get(tag, set())
        if tag not in ALLOWED_TAGS or any(name not in allowed or (name == "href" and not is_safe_url(value or ""))
                                          for name, value in attrs):
            self.outside = True

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag not in ALLOWED_TAGS:
            self.outside = True

    def handle_comment(self, data):
        self.outside = True

    def handle_decl(self, decl):
        self.outside = True

    def handle_pi(self, data):
        self.outside = True

    def unknown_decl(self, data):
        self.outside = True


def html_within_allowlist(fragment: str) -> bool:
    """True when every tag, attribute and link of the HTML fragment is one the app's allowlist keeps."""
    probe = _AllowlistProbe()
    probe.feed(fragment or "")
    probe.close()
    return not probe.outside


def sanitize_html(fragment: str) -> str:
    """HTML held to the app's allowlist: other tags removed (scripts and styles with their content),
    attributes other than the allowed ones dropped, links limited to http, https and mailto."""
    import nh3

    return nh3.clean(
        fragment or "", tags=set(ALLOWED_TAGS), attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(ALLOWED_LINK_SCHEMES), link_rel=LINK_REL, strip_comments=True,
        clean_content_tags={"script", "style", "template", "noscript", "iframe", "object", "textarea", "title"},
    )


# Sees raw HTML as tokens (the safe parser turns it into text, so it cannot tell).
_HTML_INSPECTOR = MarkdownIt("commonmark", {"html": True})


def rendering_differences(text: str) -> list[str]:
    """How the text would render differently from its source, one sentence each (empty: it renders as written).

    Nesting past the renderer's limit (the rest is shown unformatted) and raw HTML (hidden by
    every renderer that passes HTML: comments and tags) are reported; invisible characters are
    the domain's check (workbench.domain.checks.fidelity).
    """
    differences = []
    cut = nesting_cut_line(text)
    if cut is not None:
        differences.append(f"line {cut + 1} nests lists or quotes deeper than {NESTING_LIMIT} levels")
    raw = []
    for token in _HTML_INSPECTOR.parse(text or ""):
        for part in [token, *(token.children or [])]:
            if part.type in ("html_block", "html_inline"):
                raw.append(" ".join(part.content.split())[:60])
    if raw:
        differences.append(f"raw HTML is hidden when rendered ({len(raw)}: '{raw[0]}')")
    return differences
